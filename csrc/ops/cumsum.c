/* CUMSUM: running sums along one axis, optionally exclusive (each output omits its own
 * element) and/or reversed (sums run from the end).
 *
 * TFLite semantics (tflite/kernels/cumsum.cc, CumsumOptions {exclusive, reverse}): int32,
 * int64 and float32 inputs; the axis is one int32 value (negative counts from the end) that
 * may be computed (read at every invoke). Sums start from zero and add the elements one by
 * one in scan order, as TFLite's sequential scan does, so float results match bit for bit;
 * integer sums wrap. */
#include <string.h>

#include "op.h"
#include "op_util.h"

#define CUMSUM_OPTIONS_TYPE 102 /* BuiltinOptions: CumsumOptions */

typedef struct {
  int exclusive, reverse;
} cumsum_data;

static int cumsum_parse(tflrt_ctx* ctx, tflrt_node* node) {
  cumsum_data* d = node->data;
  d->exclusive = d->reverse = 0;
  if (node->options == NULL || node->options_type != CUMSUM_OPTIONS_TYPE) return TFLRT_OK;
  if (fb_bool(node->options, 0, 0, &d->exclusive) || fb_bool(node->options, 1, 0, &d->reverse))
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed CumsumOptions");
  return TFLRT_OK;
}

static int read_axis(tflrt_ctx* ctx, const tflrt_tensor* in, const tflrt_tensor* at, int32_t* axis) {
  int64_t a;
  int rc = tflrt_read_scalar_int(ctx, at, "axis", &a);
  return rc ? rc : tflrt_normalize_axis(ctx, a, in->ndims, axis);
}
static int cumsum_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  int rc = tflrt_check_io(ctx, node, 2, 1);
  if (rc) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* at = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  const uint32_t types = TFLRT_TYPE_BIT(TFLRT_INT32) | TFLRT_TYPE_BIT(TFLRT_INT64) | TFLRT_TYPE_BIT(TFLRT_FLOAT32);
  if ((rc = tflrt_check_type_in(ctx, in->type, types, NULL))) return rc;
  if (out->type != in->type) return tflrt_op_error(ctx, "output type differs from the input type");
  if (at->type != TFLRT_INT32 || tflrt_num_elements(at) != 1) return tflrt_op_error(ctx, "axis must be one INT32 value");
  if (in->ndims < 1) return tflrt_op_error(ctx, "input must have rank >= 1");
  if (tflrt_is_const(at)) {
    int32_t axis;
    rc = read_axis(ctx, in, at, &axis);
    if (rc) return rc;
  }
  return tflrt_set_output_shape(ctx, out, in->ndims, in->dims);
}

static int cumsum_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const cumsum_data* d = node->data;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  int32_t axis;
  int rc = read_axis(ctx, in, tflrt_in(ctx, node, 1), &axis);
  if (rc) return rc;
  if (out->bytes == 0) return TFLRT_OK;
  if (in->data == NULL || out->data == NULL) return tflrt_op_error(ctx, "input or output has no data");
  int64_t outer = 1, inner = 1;
  for (int32_t i = 0; i < axis; i++) outer *= in->dims[i];
  for (int32_t i = axis + 1; i < in->ndims; i++) inner *= in->dims[i];
  const int64_t n = in->dims[axis];
  for (int64_t o = 0; o < outer; o++)
    for (int64_t k = 0; k < inner; k++) {
      const int64_t base = o * n * inner + k;
      if (in->type == TFLRT_FLOAT32) {
        const float* x = in->data;
        float* y = out->data;
        float acc = 0.0f;
        for (int64_t s = 0; s < n; s++) {
          const int64_t j = base + (d->reverse ? n - 1 - s : s) * inner;
          const float v = x[j];
          if (d->exclusive) {
            y[j] = acc;
            acc += v;
          } else {
            acc += v;
            y[j] = acc;
          }
        }
      } else if (in->type == TFLRT_INT32) {
        const int32_t* x = in->data;
        int32_t* y = out->data;
        uint32_t acc = 0;
        for (int64_t s = 0; s < n; s++) {
          const int64_t j = base + (d->reverse ? n - 1 - s : s) * inner;
          const uint32_t v = (uint32_t)x[j];
          if (d->exclusive) {
            memcpy(&y[j], &acc, 4);
            acc += v;
          } else {
            acc += v;
            memcpy(&y[j], &acc, 4);
          }
        }
      } else {
        const int64_t* x = in->data;
        int64_t* y = out->data;
        uint64_t acc = 0;
        for (int64_t s = 0; s < n; s++) {
          const int64_t j = base + (d->reverse ? n - 1 - s : s) * inner;
          const uint64_t v = (uint64_t)x[j];
          if (d->exclusive) {
            memcpy(&y[j], &acc, 8);
            acc += v;
          } else {
            acc += v;
            memcpy(&y[j], &acc, 8);
          }
        }
      }
    }
  return TFLRT_OK;
}

const tflrt_op tflrt_op_cumsum = {
    .name = "CUMSUM", .builtin_code = 128, .min_version = 1, .max_version = 1,
    .data_size = sizeof(cumsum_data), .parse = cumsum_parse, .prepare = cumsum_prepare, .eval = cumsum_eval,
};
