/* BUCKETIZE: for each input value, how many boundaries are <= it (the index of its bucket).
 *
 * TFLite semantics (tflite/kernels/bucketize.cc): BucketizeOptions.boundaries, a float vector
 * sorted ascending (checked in prepare); input float32, float64, int32 or int64; output int32 of
 * the input's shape. Each output is std::upper_bound(boundaries, value) - boundaries, where the
 * comparison value < boundary follows C++ conversions: an int32/int64 value is converted to
 * float, a float64 value compares against the boundary widened to double. The binary search
 * below takes the same steps as libstdc++'s upper_bound, so NaNs land where TFLite puts them. */
#include <string.h>

#include "op.h"
#include "op_util.h"

#define BUCKETIZE_OPTIONS_TYPE 115 /* BuiltinOptions: BucketizeOptions {boundaries: [float]} */

typedef struct {
  fb_vec boundaries; /* float32 elements inside the model bytes */
} bucketize_data;

static int bucketize_parse(tflrt_ctx* ctx, tflrt_node* node) {
  bucketize_data* d = node->data;
  memset(&d->boundaries, 0, sizeof d->boundaries);
  if (node->options == NULL || node->options_type != BUCKETIZE_OPTIONS_TYPE) return TFLRT_OK;
  if (fb_vec_field(node->options, 0, sizeof(float), &d->boundaries))
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed BucketizeOptions");
  return TFLRT_OK;
}

static int bucketize_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  const bucketize_data* d = node->data;
  int rc = tflrt_check_io(ctx, node, 1, 1);
  if (rc) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  for (uint32_t i = 1; i < d->boundaries.len; i++)
    if (fb_vec_f32_at(&d->boundaries, i) < fb_vec_f32_at(&d->boundaries, i - 1))
      return tflrt_op_error(ctx, "expected sorted boundaries (boundary %u is smaller than the one before)", (unsigned)i);
  if (in->type != TFLRT_FLOAT32 && in->type != TFLRT_FLOAT64 && in->type != TFLRT_INT32 && in->type != TFLRT_INT64)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "type %s is not supported", tflrt_type_name(in->type));
  if (out->type != TFLRT_INT32) return tflrt_op_error(ctx, "the output must be int32");
  return tflrt_set_output_shape(ctx, out, in->ndims, in->dims);
}

/* upper_bound over n boundaries; less(k) tells value < boundary k. */
#define UPPER_BOUND(n, less_expr, result)      \
  do {                                         \
    uint32_t first_ = 0, len_ = (n);           \
    while (len_ > 0) {                         \
      const uint32_t half_ = len_ >> 1;        \
      const uint32_t k = first_ + half_;       \
      if (less_expr) {                         \
        len_ = half_;                          \
      } else {                                 \
        first_ = k + 1;                        \
        len_ = len_ - half_ - 1;               \
      }                                        \
    }                                          \
    (result) = (int32_t)first_;                \
  } while (0)

static int bucketize_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const bucketize_data* d = node->data;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  int32_t* out = tflrt_out(ctx, node, 0)->data;
  const fb_vec* b = &d->boundaries;
  const int64_t n = tflrt_num_elements(in);
  const uint8_t* p = in->data;
  for (int64_t i = 0; i < n; i++) {
    int32_t r;
    switch (in->type) {
      case TFLRT_FLOAT32: {
        float v;
        memcpy(&v, p + 4 * (size_t)i, 4);
        UPPER_BOUND(b->len, v < fb_vec_f32_at(b, k), r);
        break;
      }
      case TFLRT_FLOAT64: {
        double v;
        memcpy(&v, p + 8 * (size_t)i, 8);
        UPPER_BOUND(b->len, v < (double)fb_vec_f32_at(b, k), r);
        break;
      }
      case TFLRT_INT32: {
        int32_t v;
        memcpy(&v, p + 4 * (size_t)i, 4);
        const float f = (float)v;
        UPPER_BOUND(b->len, f < fb_vec_f32_at(b, k), r);
        break;
      }
      default: {
        int64_t v;
        memcpy(&v, p + 8 * (size_t)i, 8);
        const float f = (float)v;
        UPPER_BOUND(b->len, f < fb_vec_f32_at(b, k), r);
        break;
      }
    }
    out[i] = r;
  }
  return TFLRT_OK;
}

const tflrt_op tflrt_op_bucketize = {
    .name = "BUCKETIZE", .builtin_code = 147, .min_version = 1, .max_version = 1,
    .data_size = sizeof(bucketize_data), .parse = bucketize_parse, .prepare = bucketize_prepare,
    .eval = bucketize_eval,
};
