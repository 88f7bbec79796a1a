/* L2_NORMALIZATION over the last axis, TFLite semantics (versions 1-2):
 *   float32  y = x / max(sqrt(sum x^2), 1e-6)
 *   uint8    output scale 1/128, zero point 128     int8  output scale 1/128, zero point 0
 * The quantized kernels invert the sum of squared (x - zero point) with TFLite's fixed-point
 * inverse square root. The fused activation must be NONE (TFLite implements none). */
#include <math.h>
#include <string.h>

#include "op.h"
#include "op_util.h"

#define L2NORM_OPTIONS_TYPE 12 /* BuiltinOptions: L2NormOptions {fused_activation_function} */

typedef struct {
  int8_t activation;
  tflrt_rowwise_fn fn;
  tflrt_rowwise_params p;
} l2norm_data;

static int l2norm_parse(tflrt_ctx* ctx, tflrt_node* node) {
  l2norm_data* d = node->data;
  d->activation = 0;
  if (node->options != NULL && node->options_type == L2NORM_OPTIONS_TYPE &&
      fb_i8(node->options, 0, 0, &d->activation))
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed L2NormOptions");
  return TFLRT_OK;
}

static int l2norm_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  l2norm_data* d = node->data;
  const tflrt_activation_kernels* k = &ctx->k->activation;
  d->fn = NULL;
  memset(&d->p, 0, sizeof(d->p));
  int rc = tflrt_check_io(ctx, node, 1, 1);
  if (rc) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (d->activation != 0)
    return tflrt_op_error(ctx, "fused activation %d is not supported (only NONE, as in TFLite)", (int)d->activation);
  if (in->ndims < 1) return tflrt_op_error(ctx, "input must have rank >= 1");
  if (in->type != out->type)
    return tflrt_op_error(ctx, "input type %s and output type %s differ", tflrt_type_name(in->type),
                          tflrt_type_name(out->type));
  int64_t rows = 1;
  for (int32_t i = 0; i + 1 < in->ndims; i++) rows *= in->dims[i];
  if (rows > INT32_MAX) return tflrt_op_error(ctx, "row count %lld overflows int32", (long long)rows);
  d->p.rows = (int32_t)rows;
  d->p.depth = in->dims[in->ndims - 1];
  switch (in->type) {
    case TFLRT_FLOAT32:
      d->p.epsilon = 1e-6f;
      d->fn = k->f32_l2norm;
      break;
    case TFLRT_INT8:
    case TFLRT_UINT8: {
      const int32_t zp = in->type == TFLRT_INT8 ? 0 : 128;
      if (in->nq < 1 || !(in->scale > 0.0f) || !isfinite(in->scale))
        return tflrt_op_error(ctx, "%s input needs quantization parameters with a positive scale",
                              tflrt_type_name(in->type));
      if (out->nq < 1 || (double)out->scale != 1.0 / 128 || out->zero_point != zp)
        return tflrt_op_error(ctx, "%s output must have scale 1/128 and zero point %d (got %g and %d)",
                              tflrt_type_name(out->type), (int)zp, out->nq ? (double)out->scale : 0.0,
                              out->nq ? (int)out->zero_point : 0);
      d->p.input_zero_point = in->zero_point;
      d->fn = in->type == TFLRT_INT8 ? k->qs8_l2norm : k->qu8_l2norm;
      break;
    }
    default:
      return tflrt_op_error(ctx, "input type %s is not supported (supported: FLOAT32, UINT8, INT8)",
                            tflrt_type_name(in->type));
  }
  return tflrt_set_output_shape(ctx, out, in->ndims, in->dims);
}

typedef struct {
  const l2norm_data* d;
  const void* x;
  void* y;
} l2norm_job;

static void l2norm_rows(void* arg, int32_t begin, int32_t end) {
  const l2norm_job* j = arg;
  j->d->fn(&j->d->p, j->x, j->y, begin, end);
}

static int l2norm_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const l2norm_data* d = node->data;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (tflrt_num_elements(in) == 0) return TFLRT_OK;
  if (in->data == NULL || out->data == NULL) return tflrt_op_error(ctx, "input or output tensor has no data");
  l2norm_job job = {.d = d, .x = in->data, .y = out->data};
  tflrt_parallel_for(ctx, d->p.rows, l2norm_rows, &job);
  return TFLRT_OK;
}

const tflrt_op tflrt_op_l2_normalization = {.name = "L2_NORMALIZATION", .builtin_code = 11, .min_version = 1,
                                            .max_version = 2, .data_size = sizeof(l2norm_data),
                                            .parse = l2norm_parse, .prepare = l2norm_prepare, .eval = l2norm_eval};
