/* ADD (versions 1-5), SUB (1-5), MUL (1-7), DIV (1-2) with broadcasting and fused activations,
 * following TFLite's reference kernels.
 *
 * Types:
 *   ADD  FLOAT32, INT32, INT64; INT16 unquantized (raw, v5); INT8, UINT8 and INT16 quantized.
 *   SUB  FLOAT32, INT32, INT64; INT8, UINT8 and INT16 quantized.
 *   MUL  FLOAT32, INT32, INT64, UINT32 (v7); INT16 with an unquantized output (raw, v7); INT8, UINT8 and INT16
 *        quantized; INT16 x INT16 -> INT8/UINT8 (TFLite's LSTM path, which ignores the scales).
 *   DIV  FLOAT32, INT32; INT8, UINT8 and INT16 quantized. Integer divisors equal to the divisor's
 *        zero point (0 for INT32) fail in eval.
 * Quantized ADD/SUB rescale both inputs to a common scale first: offsets -zero_point, a left
 * shift of 20 (8-bit) or 15 (16-bit), per-input multipliers scale / (2 * max scale), and an
 * output multiplier 2 * max scale / (2^left_shift * output scale). INT16 ADD/SUB with
 * pot_scale_int16 (the schema default) and power-of-two scales use TFLite's shift-only path.
 * Quantized MUL uses one output multiplier a_scale * b_scale / out_scale (computed in float,
 * as TFLite), DIV one of a_scale / (b_scale * out_scale). */
#include <math.h>
#include <string.h>

#include "../quant/quant.h"
#include "elementwise_binary.h"
#include "op_util.h"

#define ADD_OPTIONS_TYPE 11 /* BuiltinOptions union members */
#define MUL_OPTIONS_TYPE 21
#define SUB_OPTIONS_TYPE 28
#define DIV_OPTIONS_TYPE 29
#define SLOT_POT_SCALE_INT16 1 /* AddOptions/SubOptions: pot_scale_int16 (slot 0 is the activation) */
#define MAX_POT_SHIFT 15       /* int16 power-of-two path: largest right shift of an input */

static int add_parse(tflrt_ctx* ctx, tflrt_node* node) {
  return ew_parse_options(ctx, node, ADD_OPTIONS_TYPE, SLOT_POT_SCALE_INT16);
}
static int sub_parse(tflrt_ctx* ctx, tflrt_node* node) {
  return ew_parse_options(ctx, node, SUB_OPTIONS_TYPE, SLOT_POT_SCALE_INT16);
}
static int mul_parse(tflrt_ctx* ctx, tflrt_node* node) { return ew_parse_options(ctx, node, MUL_OPTIONS_TYPE, -1); }
static int div_parse(tflrt_ctx* ctx, tflrt_node* node) { return ew_parse_options(ctx, node, DIV_OPTIONS_TYPE, -1); }

static int unsupported(tflrt_ctx* ctx, int32_t type, const char* supported) {
  return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "unsupported input type %s (supported: %s)",
                       tflrt_type_name(type), supported);
}

static int check_all_quant(tflrt_ctx* ctx, const tflrt_tensor* a, const tflrt_tensor* b, const tflrt_tensor* out) {
  int rc;
  if ((rc = ew_check_quant(ctx, a, "input 1")) != TFLRT_OK) return rc;
  if ((rc = ew_check_quant(ctx, b, "input 2")) != TFLRT_OK) return rc;
  return ew_check_quant(ctx, out, "output");
}

static int check_zero_points_zero(tflrt_ctx* ctx, const tflrt_tensor* a, const tflrt_tensor* b,
                                  const tflrt_tensor* out) {
  if (a->zero_point != 0 || b->zero_point != 0 || out->zero_point != 0)
    return tflrt_op_error(ctx, "INT16 quantized inputs and output need zero point 0 (got %d, %d, %d)",
                          (int)a->zero_point, (int)b->zero_point, (int)out->zero_point);
  return TFLRT_OK;
}

/* General 8/16-bit ADD/SUB rescaling. allow_large_output: SUB accepts an output multiplier
 * >= 1 (TFLite quantizes it as "greater than one"); ADD does not (TFLite aborts). */
static int prepare_add_sub_general(tflrt_ctx* ctx, ew_binary* d, const tflrt_tensor* a, const tflrt_tensor* b,
                                   const tflrt_tensor* out, int left_shift, int allow_large_output) {
  tflrt_binary_params* p = &d->p;
  p->a_offset = -a->zero_point;
  p->b_offset = -b->zero_point;
  p->out_offset = out->zero_point;
  p->left_shift = left_shift;
  const double twice_max = 2.0 * (double)(a->scale > b->scale ? a->scale : b->scale);
  const double out_real = twice_max / ((double)(1 << left_shift) * (double)out->scale);
  int sa, sb, so;
  tflrt_quantize_multiplier_smaller_than_one((double)a->scale / twice_max, &p->a_multiplier, &sa);
  tflrt_quantize_multiplier_smaller_than_one((double)b->scale / twice_max, &p->b_multiplier, &sb);
  if (out_real < 1.0) {
    tflrt_quantize_multiplier_smaller_than_one(out_real, &p->out_multiplier, &so);
  } else if (allow_large_output) {
    tflrt_quantize_multiplier(out_real, &p->out_multiplier, &so);
  } else {
    return tflrt_op_error(ctx, "output scale %g is too small for input scales %g and %g (the output "
                          "rescale factor %g must be below 1)", (double)out->scale, (double)a->scale,
                          (double)b->scale, out_real);
  }
  p->a_shift = sa;
  p->b_shift = sb;
  p->out_shift = so;
  ew_set_activation_quant(p, d->activation, out);
  return TFLRT_OK;
}

/* int16 ADD/SUB: the power-of-two path when the option asks for it and every scale is a power
 * of two, else the general path. Zero points must be 0 either way. */
static int prepare_add_sub_int16(tflrt_ctx* ctx, ew_binary* d, const tflrt_tensor* a, const tflrt_tensor* b,
                                 const tflrt_tensor* out, int is_sub) {
  int rc;
  if ((rc = check_all_quant(ctx, a, b, out)) != TFLRT_OK) return rc;
  if ((rc = check_zero_points_zero(ctx, a, b, out)) != TFLRT_OK) return rc;
  d->kind = EW_QS16;
  int la = 0, lb = 0, lo = 0;
  const int pot = d->pot_scale_int16 && tflrt_checked_log2(a->scale, &la) && tflrt_checked_log2(b->scale, &lb) &&
                  tflrt_checked_log2(out->scale, &lo);
  if (!pot) {
    d->op = is_sub ? TFLRT_BINOP_SUB : TFLRT_BINOP_ADD;
    return prepare_add_sub_general(ctx, d, a, b, out, 15, is_sub);
  }
  const int shift_a = la - lo, shift_b = lb - lo;
  if (!(shift_a == 0 || shift_b == 0) || shift_a > 0 || shift_b > 0)
    return tflrt_op_error(ctx, "INT16 power-of-two scales need one input scale equal to the output scale and "
                          "the other no larger (log2 scales %d, %d, output %d)", la, lb, lo);
  if (-shift_a > MAX_POT_SHIFT || -shift_b > MAX_POT_SHIFT)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "INT16 power-of-two input scale more than 2^%d below the "
                         "output scale", MAX_POT_SHIFT);
  d->op = is_sub ? TFLRT_BINOP_SUB_POT : TFLRT_BINOP_ADD_POT;
  d->p.a_shift = -shift_a;
  d->p.b_shift = -shift_b;
  ew_set_activation_quant(&d->p, d->activation, out);
  return TFLRT_OK;
}

static int set_raw(ew_binary* d, int32_t kind, int32_t type) {
  d->kind = kind;
  ew_set_activation_raw(&d->p, d->activation, type);
  return TFLRT_OK;
}

static int add_sub_prepare(tflrt_ctx* ctx, tflrt_node* node, int is_sub) {
  ew_binary* d = node->data;
  const tflrt_tensor *a, *b;
  tflrt_tensor* out;
  int rc = ew_prepare_same_type(ctx, node, d, &a, &b, &out);
  if (rc != TFLRT_OK) return rc;
  d->op = is_sub ? TFLRT_BINOP_SUB : TFLRT_BINOP_ADD;
  switch (a->type) {
    case TFLRT_FLOAT32: return set_raw(d, EW_F32, a->type);
    case TFLRT_INT32: return set_raw(d, EW_S32, a->type);
    case TFLRT_INT64: return set_raw(d, EW_S64, a->type);
    case TFLRT_INT8:
    case TFLRT_UINT8:
      if ((rc = check_all_quant(ctx, a, b, out)) != TFLRT_OK) return rc;
      d->kind = a->type == TFLRT_INT8 ? EW_QS8 : EW_QU8;
      return prepare_add_sub_general(ctx, d, a, b, out, 20, is_sub);
    case TFLRT_INT16:
      /* ADD takes the quantized path when input 1 is quantized; SUB always does. */
      if (!is_sub && !ew_is_quantized(a)) {
        if (ew_is_quantized(out))
          return tflrt_op_error(ctx, "INT16 input 1 is not quantized but the output is");
        return set_raw(d, EW_S16, a->type);
      }
      return prepare_add_sub_int16(ctx, d, a, b, out, is_sub);
    default:
      return unsupported(ctx, a->type, "FLOAT32, INT32, INT64, INT8, UINT8, INT16");
  }
}
static int add_prepare(tflrt_ctx* ctx, tflrt_node* node) { return add_sub_prepare(ctx, node, 0); }
static int sub_prepare(tflrt_ctx* ctx, tflrt_node* node) { return add_sub_prepare(ctx, node, 1); }

/* ---------------------------------------------------------------------------------------- */
/* MUL                                                                                       */
/* ---------------------------------------------------------------------------------------- */

static int mul_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  ew_binary* d = node->data;
  const tflrt_tensor *a, *b;
  tflrt_tensor* out;
  int rc = ew_prepare_shapes(ctx, node, d, TFLRT_MAX_DIMS, &a, &b, &out);
  if (rc != TFLRT_OK) return rc;
  d->op = TFLRT_BINOP_MUL;
  const int32_t t = a->type;
  if (t == TFLRT_INT16 && out->type != TFLRT_INT16) {
    /* int16 x int16 -> int8/uint8: a fixed Q0.15 product scaled down by 2^8 */
    if (out->type != TFLRT_INT8 && out->type != TFLRT_UINT8)
      return tflrt_op_error(ctx, "INT16 inputs need an INT16, INT8 or UINT8 output, got %s",
                            tflrt_type_name(out->type));
    if ((rc = ew_check_quant(ctx, out, "output")) != TFLRT_OK) return rc;
    d->kind = out->type == TFLRT_INT8 ? EW_QS16_QS8 : EW_QS16_QU8;
    d->p.out_offset = out->zero_point;
    ew_set_activation_quant(&d->p, d->activation, out);
    return TFLRT_OK;
  }
  if ((rc = ew_check_output_type(ctx, out, t)) != TFLRT_OK) return rc;
  switch (t) {
    case TFLRT_FLOAT32: return set_raw(d, EW_F32, t);
    case TFLRT_INT32: return set_raw(d, EW_S32, t);
    case TFLRT_INT64: return set_raw(d, EW_S64, t);
    case TFLRT_UINT32: return set_raw(d, EW_U32, t);
    case TFLRT_INT16:
      if (!ew_is_quantized(out)) return set_raw(d, EW_S16, t);
      if ((rc = check_all_quant(ctx, a, b, out)) != TFLRT_OK) return rc;
      if ((rc = check_zero_points_zero(ctx, a, b, out)) != TFLRT_OK) return rc;
      d->kind = EW_QS16;
      break;
    case TFLRT_INT8:
    case TFLRT_UINT8:
      if ((rc = check_all_quant(ctx, a, b, out)) != TFLRT_OK) return rc;
      d->kind = t == TFLRT_INT8 ? EW_QS8 : EW_QU8;
      break;
    default: return unsupported(ctx, t, "FLOAT32, INT32, INT64, UINT32, INT8, UINT8, INT16");
  }
  tflrt_binary_params* p = &d->p;
  p->a_offset = -a->zero_point;
  p->b_offset = -b->zero_point;
  p->out_offset = out->zero_point;
  const float scale_product = a->scale * b->scale; /* float arithmetic, as TFLite */
  const float real = scale_product / out->scale;
  int shift;
  tflrt_quantize_multiplier((double)real, &p->out_multiplier, &shift);
  if (shift > 30)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "rescale factor %g (input scales / output scale) is too large",
                         (double)real);
  p->out_shift = shift;
  ew_set_activation_quant(p, d->activation, out);
  return TFLRT_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* DIV                                                                                       */
/* ---------------------------------------------------------------------------------------- */

static int div_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  ew_binary* d = node->data;
  const tflrt_tensor *a, *b;
  tflrt_tensor* out;
  int rc = ew_prepare_same_type(ctx, node, d, &a, &b, &out);
  if (rc != TFLRT_OK) return rc;
  d->op = TFLRT_BINOP_DIV;
  switch (a->type) {
    case TFLRT_FLOAT32: return set_raw(d, EW_F32, a->type);
    case TFLRT_INT32: return set_raw(d, EW_S32, a->type);
    case TFLRT_INT8: d->kind = EW_QS8; break;
    case TFLRT_UINT8: d->kind = EW_QU8; break;
    case TFLRT_INT16: d->kind = EW_QS16; break;
    default: return unsupported(ctx, a->type, "FLOAT32, INT32, INT8, UINT8, INT16");
  }
  if ((rc = check_all_quant(ctx, a, b, out)) != TFLRT_OK) return rc;
  tflrt_binary_params* p = &d->p;
  p->a_offset = -a->zero_point;
  p->b_offset = -b->zero_point;
  p->out_offset = out->zero_point;
  const float scale_product = b->scale * out->scale; /* float arithmetic, as TFLite */
  const float real = a->scale / scale_product;
  int shift;
  tflrt_quantize_multiplier((double)real, &p->out_multiplier, &shift);
  p->out_shift = shift;
  ew_set_activation_quant(p, d->activation, out);
  return TFLRT_OK;
}

static int div_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const ew_binary* d = node->data;
  const tflrt_tensor* a = tflrt_in(ctx, node, 0);
  const tflrt_tensor* b = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (b->type != TFLRT_FLOAT32) {
    const int64_t zero = b->nq > 0 ? b->zero_point : 0;
    int rc = ew_check_no_value(ctx, b, zero, "division by zero");
    if (rc != TFLRT_OK) return rc;
  }
  return ew_run(ctx, node, d, a, b, out);
}

const tflrt_op tflrt_op_add = {
    .name = "ADD", .builtin_code = 0, .min_version = 1, .max_version = 5,
    .data_size = sizeof(ew_binary), .parse = add_parse, .prepare = add_prepare, .eval = ew_eval,
};
const tflrt_op tflrt_op_sub = {
    .name = "SUB", .builtin_code = 41, .min_version = 1, .max_version = 5,
    .data_size = sizeof(ew_binary), .parse = sub_parse, .prepare = sub_prepare, .eval = ew_eval,
};
const tflrt_op tflrt_op_mul = {
    .name = "MUL", .builtin_code = 18, .min_version = 1, .max_version = 7,
    .data_size = sizeof(ew_binary), .parse = mul_parse, .prepare = mul_prepare, .eval = ew_eval,
};
const tflrt_op tflrt_op_div = {
    .name = "DIV", .builtin_code = 42, .min_version = 1, .max_version = 2,
    .data_size = sizeof(ew_binary), .parse = div_parse, .prepare = div_prepare, .eval = div_eval,
};
