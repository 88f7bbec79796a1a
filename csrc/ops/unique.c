/* UNIQUE: the distinct values of a vector in order of first appearance, and for every element
 * the position of its value among them.
 *
 * TFLite semantics (tflite/kernels/unique.cc): input 1-D int8, int16, int32, int64, uint8 or
 * float32; outputs: unique values (same type, [number of distinct values], always dynamic) and
 * indices of type UniqueOptions.idx_out_type (int32 by default, or int64) with the input's
 * shape. Values are told apart as std::map does (a < b): for floats 0.0 and -0.0 are one value.
 *
 * Here: a stable merge sort of the element positions by value (prepare requests the scratch),
 * then one pass in input order; O(n log n) and no allocation in eval. */
#include <string.h>

#include "op.h"
#include "op_util.h"

#define UNIQUE_OPTIONS_TYPE 80 /* BuiltinOptions: UniqueOptions {idx_out_type: TensorType = INT32} */

typedef struct {
  int32_t idx_type;
  int32_t scratch;
} unique_data;

static int unique_parse(tflrt_ctx* ctx, tflrt_node* node) {
  unique_data* d = node->data;
  int8_t t = TFLRT_INT32;
  if (node->options != NULL && node->options_type == UNIQUE_OPTIONS_TYPE && fb_i8(node->options, 0, TFLRT_INT32, &t))
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed UniqueOptions");
  d->idx_type = t;
  if (t != TFLRT_INT32 && t != TFLRT_INT64)
    return tflrt_op_error(ctx, "the index output type can only be int32 or int64, requested %s", tflrt_type_name(t));
  return TFLRT_OK;
}

#define VALUE_TYPES                                                                                              \
  (TFLRT_TYPE_BIT(TFLRT_INT8) | TFLRT_TYPE_BIT(TFLRT_INT16) | TFLRT_TYPE_BIT(TFLRT_INT32) |                       \
   TFLRT_TYPE_BIT(TFLRT_INT64) | TFLRT_TYPE_BIT(TFLRT_UINT8) | TFLRT_TYPE_BIT(TFLRT_FLOAT32))

static int unique_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  unique_data* d = node->data;
  int rc = tflrt_check_io(ctx, node, 1, 2);
  if (rc) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* values = tflrt_out(ctx, node, 0);
  tflrt_tensor* idx = tflrt_out(ctx, node, 1);
  if ((rc = tflrt_check_type_in(ctx, in->type, VALUE_TYPES, NULL))) return rc;
  if (values->type != in->type) return tflrt_op_error(ctx, "the unique values must have the input's type");
  if (idx->type != d->idx_type)
    return tflrt_op_error(ctx, "the index output is %s but idx_out_type is %s", tflrt_type_name(idx->type),
                          tflrt_type_name(d->idx_type));
  if (in->ndims != 1) return tflrt_op_error(ctx, "the input must be a vector, got rank %d", (int)in->ndims);
  int r = tflrt_set_output_shape(ctx, idx, 1, in->dims);
  if (r == TFLRT_OK) r = tflrt_set_dynamic(ctx, values);
  if (r) return r;
  /* order, merge buffer, first position of each value's run, id of each first position */
  return tflrt_request_scratch(ctx, node, 4 * sizeof(int32_t) * (size_t)in->dims[0], &d->scratch);
}

/* a < b on the typed values at positions i and j */
static int less_at(const tflrt_tensor* t, int32_t i, int32_t j) {
  const uint8_t* p = t->data;
  switch (t->type) {
    case TFLRT_INT8: return ((const int8_t*)p)[i] < ((const int8_t*)p)[j];
    case TFLRT_UINT8: return p[i] < p[j];
    case TFLRT_INT16: {
      int16_t a, b;
      memcpy(&a, p + 2 * (size_t)i, 2);
      memcpy(&b, p + 2 * (size_t)j, 2);
      return a < b;
    }
    case TFLRT_INT32: {
      int32_t a, b;
      memcpy(&a, p + 4 * (size_t)i, 4);
      memcpy(&b, p + 4 * (size_t)j, 4);
      return a < b;
    }
    case TFLRT_INT64: {
      int64_t a, b;
      memcpy(&a, p + 8 * (size_t)i, 8);
      memcpy(&b, p + 8 * (size_t)j, 8);
      return a < b;
    }
    default: {
      float a, b;
      memcpy(&a, p + 4 * (size_t)i, 4);
      memcpy(&b, p + 4 * (size_t)j, 4);
      return a < b;
    }
  }
}

static int unique_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const unique_data* d = node->data;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* values = tflrt_out(ctx, node, 0);
  tflrt_tensor* idx = tflrt_out(ctx, node, 1);
  const int32_t n = in->dims[0];
  int32_t* order = node->scratch[d->scratch];
  int32_t* tmp = order + n;
  int32_t* first = tmp + n;
  int32_t* id = first + n;
  /* stable merge sort of positions by value: equal values keep input order */
  for (int32_t i = 0; i < n; i++) order[i] = i;
  for (int32_t w = 1; w < n; w *= 2) {
    for (int32_t lo = 0; lo < n; lo += 2 * w) {
      const int32_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
      int32_t a = lo, b = mid, k = lo;
      while (a < mid && b < hi) tmp[k++] = less_at(in, order[b], order[a]) ? order[b++] : order[a++];
      while (a < mid) tmp[k++] = order[a++];
      while (b < hi) tmp[k++] = order[b++];
    }
    memcpy(order, tmp, sizeof(int32_t) * (size_t)n);
  }
  /* first[i]: the earliest position holding the value of position i */
  for (int32_t k = 0; k < n; k++) {
    const int same = k > 0 && !less_at(in, order[k - 1], order[k]) && !less_at(in, order[k], order[k - 1]);
    first[order[k]] = same ? first[order[k - 1]] : order[k];
  }
  int32_t count = 0;
  for (int32_t i = 0; i < n; i++)
    if (first[i] == i) id[i] = count++;
  const int32_t dims[1] = {count};
  int r = tflrt_set_output_shape(ctx, values, 1, dims);
  if (r) return r;
  const size_t es = tflrt_type_size(in->type);
  for (int32_t i = 0; i < n; i++) {
    const int32_t v = id[first[i]];
    if (first[i] == i) memcpy((uint8_t*)values->data + (size_t)v * es, (const uint8_t*)in->data + (size_t)i * es, es);
    if (d->idx_type == TFLRT_INT32) {
      ((int32_t*)idx->data)[i] = v;
    } else {
      ((int64_t*)idx->data)[i] = v;
    }
  }
  return TFLRT_OK;
}

const tflrt_op tflrt_op_unique = {
    .name = "UNIQUE", .builtin_code = 103, .min_version = 1, .max_version = 1,
    .data_size = sizeof(unique_data), .parse = unique_parse, .prepare = unique_prepare, .eval = unique_eval,
};
