/* SPARSE_TO_DENSE: a dense tensor of default_value with values scattered at the given indices.
 *
 * TFLite semantics (tflite/kernels/sparse_to_dense.cc, reference_ops.h SparseToDense): inputs
 * indices (int32/int64; rank 0 or 1 = positions in a 1-D output, rank 2 = [N, rank of output]),
 * output_shape (int32/int64 vector, at most 4 extents), values (float32, int32, int64, int8 or
 * uint8; a scalar used for every index, or [N]) and default_value (one element, values' type).
 * The output is filled with default_value, then each index receives its value in order (a
 * repeated index keeps the last). An index outside the output fails the invoke. A computed
 * output_shape makes the output dynamic. */
#include <string.h>

#include "op.h"
#include "op_util.h"

#define S2D_MAX_RANK 4

typedef struct {
  int dynamic;
} s2d_data;

static int size_output(tflrt_ctx* ctx, const tflrt_tensor* shape, tflrt_tensor* out) {
  int32_t n, dims[S2D_MAX_RANK];
  int rc = tflrt_read_dims(ctx, shape, "output_shape", S2D_MAX_RANK, &n, dims);
  return rc ? rc : tflrt_set_output_shape(ctx, out, n, dims);
}

static int s2d_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  s2d_data* d = node->data;
  int rc = tflrt_check_io(ctx, node, 4, 1);
  if (rc) return rc;
  const tflrt_tensor* idx = tflrt_in(ctx, node, 0);
  const tflrt_tensor* shape = tflrt_in(ctx, node, 1);
  const tflrt_tensor* values = tflrt_in(ctx, node, 2);
  const tflrt_tensor* dflt = tflrt_in(ctx, node, 3);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if ((rc = tflrt_check_int_type(ctx, idx, "indices")) || (rc = tflrt_check_int_type(ctx, shape, "output_shape")))
    return rc;
  const int32_t vt = values->type;
  const uint32_t value_types = TFLRT_TYPE_BIT(TFLRT_FLOAT32) | TFLRT_TYPE_BIT(TFLRT_INT32) | TFLRT_TYPE_BIT(TFLRT_INT64) |
                               TFLRT_TYPE_BIT(TFLRT_INT8) | TFLRT_TYPE_BIT(TFLRT_UINT8);
  if ((rc = tflrt_check_type_in(ctx, vt, value_types, "value"))) return rc;
  if (dflt->type != vt || out->type != vt) return tflrt_op_error(ctx, "values, default_value and output must have one type");
  if (tflrt_num_elements(dflt) != 1) return tflrt_op_error(ctx, "default_value must have one element");
  if (idx->ndims > 2 || shape->ndims != 1 || values->ndims > 1)
    return tflrt_op_error(ctx, "indices must have rank <= 2, output_shape rank 1, values rank <= 1");
  if (shape->dims[0] > S2D_MAX_RANK) return tflrt_op_error(ctx, "the output may have at most %d dimensions", S2D_MAX_RANK);
  const int64_t n_idx = idx->ndims < 2 ? tflrt_num_elements(idx) : idx->dims[0];
  const int64_t depth = idx->ndims < 2 ? 1 : idx->dims[1];
  if (depth != shape->dims[0])
    return tflrt_op_error(ctx, "indices address %lld dimensions but output_shape has %d", (long long)depth,
                          (int)shape->dims[0]);
  if (values->ndims == 1 && values->dims[0] != n_idx)
    return tflrt_op_error(ctx, "values has %d elements for %lld indices", (int)values->dims[0], (long long)n_idx);
  d->dynamic = !tflrt_is_const(shape);
  if (d->dynamic) return tflrt_set_dynamic(ctx, out);
  return size_output(ctx, shape, out);
}

static int s2d_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const s2d_data* d = node->data;
  const tflrt_tensor* idx = tflrt_in(ctx, node, 0);
  const tflrt_tensor* values = tflrt_in(ctx, node, 2);
  const tflrt_tensor* dflt = tflrt_in(ctx, node, 3);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  int rc = d->dynamic ? size_output(ctx, tflrt_in(ctx, node, 1), out) : TFLRT_OK;
  if (rc || (rc = tflrt_check_data(ctx, idx, tflrt_num_elements(idx), "indices")) ||
      (rc = tflrt_check_data(ctx, values, tflrt_num_elements(values), "values")) ||
      (rc = tflrt_check_data(ctx, dflt, 1, "default_value")))
    return rc;
  const size_t es = tflrt_type_size(values->type);
  const int64_t total = tflrt_num_elements(out);
  if (total > 0 && out->data == NULL) return tflrt_op_error(ctx, "the output has no data");
  uint8_t* o = out->data;
  for (int64_t i = 0; i < total; i++) memcpy(o + (size_t)i * es, dflt->data, es);
  const int64_t n_idx = idx->ndims < 2 ? tflrt_num_elements(idx) : idx->dims[0];
  const int32_t rank = out->ndims;
  const int scalar = values->ndims == 0;
  for (int64_t i = 0; i < n_idx; i++) {
    int64_t off = 0;
    for (int32_t k = 0; k < rank; k++) {
      const int64_t c = tflrt_int_at(idx, i * rank + k);
      if (c < 0 || c >= out->dims[k])
        return tflrt_op_error(ctx, "index %lld (dimension %d = %lld) is outside the output", (long long)i, (int)k,
                              (long long)c);
      off = off * out->dims[k] + c;
    }
    memcpy(o + (size_t)off * es, (const uint8_t*)values->data + (scalar ? 0 : (size_t)i * es), es);
  }
  return TFLRT_OK;
}

const tflrt_op tflrt_op_sparse_to_dense = {
    .name = "SPARSE_TO_DENSE", .builtin_code = 68, .min_version = 1, .max_version = 3,
    .data_size = sizeof(s2d_data), .parse = NULL, .prepare = s2d_prepare, .eval = s2d_eval,
};
