/* MATRIX_DIAG and MATRIX_SET_DIAG (main diagonal of the last two dimensions).
 *
 * TFLite semantics (tflite/kernels/matrix_diag.cc, matrix_set_diag.cc):
 *   MATRIX_DIAG      input [..., n] -> output [..., n, n]: the input on the diagonal, 0 elsewhere.
 *   MATRIX_SET_DIAG  input [..., r, c], diagonal [..., min(r, c)] -> the input with its diagonal
 *                    replaced.
 * Pure data movement, so every fixed-size type is copied bytewise (TFLite lists int8..int64,
 * uint8 and float32, and reads any other type as float32). TFLite does not check the diagonal's
 * shape; here it must be exactly [..., min(r, c)]. */
#include <string.h>

#include "op.h"
#include "op_util.h"

static int diag_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  int r = tflrt_check_move_io(ctx, node, 1, 1);
  if (r) return r;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  if (in->ndims < 1 || in->ndims >= TFLRT_MAX_DIMS)
    return tflrt_op_error(ctx, "the input must have rank 1 to %d, got %d", TFLRT_MAX_DIMS - 1, (int)in->ndims);
  int32_t dims[TFLRT_MAX_DIMS];
  memcpy(dims, in->dims, sizeof(int32_t) * (size_t)in->ndims);
  dims[in->ndims] = in->dims[in->ndims - 1];
  return tflrt_set_output_shape(ctx, tflrt_out(ctx, node, 0), in->ndims + 1, dims);
}

static int diag_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  const size_t es = tflrt_type_size(in->type);
  const int64_t n = in->dims[in->ndims - 1];
  const int64_t batches = n > 0 ? tflrt_num_elements(in) / n : 0;
  if (out->bytes) memset(out->data, 0, out->bytes);
  const uint8_t* src = in->data;
  uint8_t* dst = out->data;
  for (int64_t b = 0; b < batches; b++)
    for (int64_t i = 0; i < n; i++)
      memcpy(dst + ((size_t)(b * n + i) * (size_t)n + (size_t)i) * es, src + (size_t)(b * n + i) * es, es);
  return TFLRT_OK;
}

static int set_diag_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  int r = tflrt_check_move_io(ctx, node, 2, 2);
  if (r) return r;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* diag = tflrt_in(ctx, node, 1);
  if (in->ndims < 2) return tflrt_op_error(ctx, "the input must have rank >= 2, got %d", (int)in->ndims);
  if (diag->type != in->type) return tflrt_op_error(ctx, "the diagonal's type must be the input type");
  const int32_t rows = in->dims[in->ndims - 2], cols = in->dims[in->ndims - 1];
  int ok = diag->ndims == in->ndims - 1 && diag->dims[diag->ndims - 1] == (rows < cols ? rows : cols);
  for (int32_t i = 0; ok && i < in->ndims - 2; i++) ok = diag->dims[i] == in->dims[i];
  if (!ok) return tflrt_op_error(ctx, "the diagonal must have shape input[:-2] + [min(rows, cols)]");
  return tflrt_set_output_shape(ctx, tflrt_out(ctx, node, 0), in->ndims, in->dims);
}

static int set_diag_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* diag = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  const size_t es = tflrt_type_size(in->type);
  const int64_t rows = in->dims[in->ndims - 2], cols = in->dims[in->ndims - 1];
  const int64_t k = rows < cols ? rows : cols;
  const int64_t plane = rows * cols;
  const int64_t batches = plane > 0 ? tflrt_num_elements(in) / plane : 0;
  if (out->data != in->data && out->bytes) memcpy(out->data, in->data, out->bytes);
  const uint8_t* src = diag->data;
  uint8_t* dst = out->data;
  for (int64_t b = 0; b < batches; b++)
    for (int64_t i = 0; i < k; i++)
      memcpy(dst + (size_t)(b * plane + i * cols + i) * es, src + (size_t)(b * k + i) * es, es);
  return TFLRT_OK;
}

const tflrt_op tflrt_op_matrix_diag = {
    .name = "MATRIX_DIAG", .builtin_code = 113, .min_version = 1, .max_version = 1,
    .data_size = 0, .parse = NULL, .prepare = diag_prepare, .eval = diag_eval,
};
const tflrt_op tflrt_op_matrix_set_diag = {
    .name = "MATRIX_SET_DIAG", .builtin_code = 115, .min_version = 1, .max_version = 1,
    .data_size = 0, .parse = NULL, .prepare = set_diag_prepare, .eval = set_diag_eval,
};
