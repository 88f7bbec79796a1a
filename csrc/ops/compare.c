/* Comparisons EQUAL (versions 1-5), NOT_EQUAL (1-4), LESS (1-3), LESS_EQUAL (1-2), GREATER (1-2),
 * GREATER_EQUAL (1-3) with broadcasting; the output is BOOL.
 *
 * Types, as TFLite's kernels handle them:
 *   FLOAT32, INT32, INT64       raw values
 *   BOOL                        EQUAL and NOT_EQUAL only
 *   INT8, UINT8                 quantized: each side becomes ((q - zero_point) << 8) rescaled by its
 *                               own scale (a Q31 multiplier and shift), then the integers compare,
 *                               so inputs with different scales compare by real value
 *   INT16                       EQUAL/NOT_EQUAL rescale like 8-bit when quantized; the ordering
 *                               comparisons compare the raw values (TFLite ignores the scales)
 * Unquantized INT8/UINT8 inputs (which TFLite cannot run) compare raw. STRING is not supported. */
#include <math.h>

#include "../quant/quant.h"
#include "elementwise_binary.h"

#define CMP_LEFT_SHIFT 8

static int cmp_prepare(tflrt_ctx* ctx, tflrt_node* node, int32_t op) {
  ew_binary* d = node->data;
  const tflrt_tensor *a, *b;
  tflrt_tensor* out;
  int rc = ew_prepare_shapes(ctx, node, d, TFLRT_MAX_DIMS, &a, &b, &out);
  if (rc != TFLRT_OK) return rc;
  if ((rc = ew_check_output_type(ctx, out, TFLRT_BOOL)) != TFLRT_OK) return rc;
  d->op = op;
  const int equality = op == TFLRT_CMP_EQ || op == TFLRT_CMP_NE;
  int scaled = 0;
  switch (a->type) {
    case TFLRT_FLOAT32: d->kind = EW_CMP_F32; break;
    case TFLRT_INT32: d->kind = EW_CMP_S32; break;
    case TFLRT_INT64: d->kind = EW_CMP_S64; break;
    case TFLRT_BOOL:
      if (!equality) goto unsupported;
      d->kind = EW_CMP_U8;
      break;
    case TFLRT_INT8:
    case TFLRT_UINT8:
      scaled = ew_is_quantized(a) || ew_is_quantized(b);
      if (scaled) d->kind = a->type == TFLRT_INT8 ? EW_CMP_QS8 : EW_CMP_QU8;
      else d->kind = a->type == TFLRT_INT8 ? EW_CMP_S8 : EW_CMP_U8;
      break;
    case TFLRT_INT16:
      scaled = equality && ew_is_quantized(a);
      d->kind = scaled ? EW_CMP_QS16 : EW_CMP_S16;
      break;
    default:
      goto unsupported;
  }
  if (scaled) {
    if ((rc = ew_check_quant(ctx, a, "input 1")) != TFLRT_OK || (rc = ew_check_quant(ctx, b, "input 2")) != TFLRT_OK)
      return rc;
    tflrt_binary_params* p = &d->p;
    p->left_shift = CMP_LEFT_SHIFT;
    p->a_offset = -a->zero_point;
    p->b_offset = -b->zero_point;
    int sa, sb;
    tflrt_quantize_multiplier((double)a->scale, &p->a_multiplier, &sa);
    tflrt_quantize_multiplier((double)b->scale, &p->b_multiplier, &sb);
    p->a_shift = sa;
    p->b_shift = sb;
  }
  return TFLRT_OK;
unsupported:
  return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "unsupported input type %s (supported: FLOAT32, INT32, INT64, "
                       "INT8, UINT8, INT16%s)", tflrt_type_name(a->type), equality ? ", BOOL" : "");
}

static int equal_prepare(tflrt_ctx* ctx, tflrt_node* node) { return cmp_prepare(ctx, node, TFLRT_CMP_EQ); }
static int not_equal_prepare(tflrt_ctx* ctx, tflrt_node* node) { return cmp_prepare(ctx, node, TFLRT_CMP_NE); }
static int less_prepare(tflrt_ctx* ctx, tflrt_node* node) { return cmp_prepare(ctx, node, TFLRT_CMP_LT); }
static int less_equal_prepare(tflrt_ctx* ctx, tflrt_node* node) { return cmp_prepare(ctx, node, TFLRT_CMP_LE); }
static int greater_prepare(tflrt_ctx* ctx, tflrt_node* node) { return cmp_prepare(ctx, node, TFLRT_CMP_GT); }
static int greater_equal_prepare(tflrt_ctx* ctx, tflrt_node* node) { return cmp_prepare(ctx, node, TFLRT_CMP_GE); }

const tflrt_op tflrt_op_equal = {
    .name = "EQUAL", .builtin_code = 71, .min_version = 1, .max_version = 5,
    .data_size = sizeof(ew_binary), .parse = NULL, .prepare = equal_prepare, .eval = ew_eval,
};
const tflrt_op tflrt_op_not_equal = {
    .name = "NOT_EQUAL", .builtin_code = 72, .min_version = 1, .max_version = 4,
    .data_size = sizeof(ew_binary), .parse = NULL, .prepare = not_equal_prepare, .eval = ew_eval,
};
const tflrt_op tflrt_op_less = {
    .name = "LESS", .builtin_code = 58, .min_version = 1, .max_version = 3,
    .data_size = sizeof(ew_binary), .parse = NULL, .prepare = less_prepare, .eval = ew_eval,
};
const tflrt_op tflrt_op_less_equal = {
    .name = "LESS_EQUAL", .builtin_code = 63, .min_version = 1, .max_version = 2,
    .data_size = sizeof(ew_binary), .parse = NULL, .prepare = less_equal_prepare, .eval = ew_eval,
};
const tflrt_op tflrt_op_greater = {
    .name = "GREATER", .builtin_code = 61, .min_version = 1, .max_version = 2,
    .data_size = sizeof(ew_binary), .parse = NULL, .prepare = greater_prepare, .eval = ew_eval,
};
const tflrt_op tflrt_op_greater_equal = {
    .name = "GREATER_EQUAL", .builtin_code = 62, .min_version = 1, .max_version = 3,
    .data_size = sizeof(ew_binary), .parse = NULL, .prepare = greater_equal_prepare, .eval = ew_eval,
};
