/* WHERE (one input): the coordinates of the non-zero elements of a condition tensor.
 *
 * TFLite semantics (tflite/kernels/where.cc, reference_ops.h SelectTrueCoords): condition of
 * rank >= 1, type bool, float32, int64, int32, int8, uint8 or uint32; output int64
 * [number of non-zero elements, rank], the coordinates in row-major order. A float is "true"
 * when it compares != 0 (NaN is true, -0.0 is not). The output is dynamic unless the condition
 * is a constant. */
#include <string.h>

#include "op.h"
#include "op_util.h"

static int cond_type_ok(int32_t t) {
  return t == TFLRT_BOOL || t == TFLRT_FLOAT32 || t == TFLRT_INT64 || t == TFLRT_INT32 || t == TFLRT_INT8 ||
         t == TFLRT_UINT8 || t == TFLRT_UINT32;
}

static int is_true(const tflrt_tensor* c, int64_t i) {
  const uint8_t* p = (const uint8_t*)c->data;
  switch (c->type) {
    case TFLRT_FLOAT32: {
      float v;
      memcpy(&v, p + 4 * (size_t)i, 4);
      return v != 0.0f;
    }
    case TFLRT_INT64: {
      int64_t v;
      memcpy(&v, p + 8 * (size_t)i, 8);
      return v != 0;
    }
    case TFLRT_INT32:
    case TFLRT_UINT32: {
      uint32_t v;
      memcpy(&v, p + 4 * (size_t)i, 4);
      return v != 0;
    }
    default:
      return p[i] != 0; /* bool, int8, uint8 */
  }
}

static int64_t count_true(const tflrt_tensor* c) {
  const int64_t n = tflrt_num_elements(c);
  int64_t k = 0;
  for (int64_t i = 0; i < n; i++) k += is_true(c, i);
  return k;
}

static int size_output(tflrt_ctx* ctx, const tflrt_tensor* cond, tflrt_tensor* out) {
  const int64_t k = count_true(cond);
  const int32_t dims[2] = {(int32_t)k, cond->ndims};
  return tflrt_set_output_shape(ctx, out, 2, dims);
}

static int where_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  int rc = tflrt_check_arity(ctx, node, 1, 1, 1, "condition; the 3-input form is SELECT");
  if (rc) return rc;
  const tflrt_tensor* cond = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (!cond_type_ok(cond->type))
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "condition tensor has unsupported type %s",
                         tflrt_type_name(cond->type));
  if (cond->ndims < 1) return tflrt_op_error(ctx, "the condition must have rank > 0");
  if (out->type != TFLRT_INT64) return tflrt_op_error(ctx, "the output must be int64");
  if (!tflrt_is_const(cond)) return tflrt_set_dynamic(ctx, out);
  return size_output(ctx, cond, out);
}

static int where_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const tflrt_tensor* cond = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (out->alloc == TFLRT_ALLOC_DYNAMIC) {
    int r = size_output(ctx, cond, out);
    if (r) return r;
  }
  const int64_t n = tflrt_num_elements(cond);
  const int32_t rank = cond->ndims;
  int64_t coord[TFLRT_MAX_DIMS] = {0};
  int64_t* dst = out->data;
  int64_t row = 0;
  for (int64_t i = 0; i < n; i++) {
    if (is_true(cond, i)) {
      memcpy(dst + (size_t)row * (size_t)rank, coord, sizeof(int64_t) * (size_t)rank);
      row++;
    }
    for (int32_t d = rank - 1; d >= 0; d--) { /* next coordinate, row-major */
      if (++coord[d] < cond->dims[d]) break;
      coord[d] = 0;
    }
  }
  return TFLRT_OK;
}

const tflrt_op tflrt_op_where = {
    .name = "WHERE", .builtin_code = 109, .min_version = 1, .max_version = 2,
    .data_size = 0, .parse = NULL, .prepare = where_prepare, .eval = where_eval,
};
