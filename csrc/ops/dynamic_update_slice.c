/* DYNAMIC_UPDATE_SLICE: the operand with a block overwritten by `update` at computed indices.
 *
 * TFLite semantics (tflite/kernels/dynamic_update_slice.cc): operand and update of one type and
 * rank, update no larger than the operand in any dimension; start_indices int32 or int64
 * [rank], each clamped to [0, operand_dim - update_dim] (so the block always fits); output =
 * operand's shape. Bytewise for every fixed-size type (TFLite also handles packed int4, which
 * this file refuses). */
#include <string.h>

#include "op.h"
#include "op_util.h"

static int dus_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  int rc = tflrt_check_io(ctx, node, 3, 1);
  if (rc) return rc;
  const tflrt_tensor* op = tflrt_in(ctx, node, 0);
  const tflrt_tensor* upd = tflrt_in(ctx, node, 1);
  const tflrt_tensor* start = tflrt_in(ctx, node, 2);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (tflrt_type_size(op->type) == 0)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "type %s is not supported", tflrt_type_name(op->type));
  if (upd->type != op->type || out->type != op->type)
    return tflrt_op_error(ctx, "operand, update and output must have one type");
  if (start->type != TFLRT_INT32 && start->type != TFLRT_INT64)
    return tflrt_op_error(ctx, "start_indices must be int32 or int64");
  if (start->ndims != 1 || start->dims[0] != op->ndims || upd->ndims != op->ndims)
    return tflrt_op_error(ctx, "update and start_indices must match the operand's rank %d", (int)op->ndims);
  for (int32_t i = 0; i < op->ndims; i++)
    if (upd->dims[i] > op->dims[i])
      return tflrt_op_error(ctx, "update dimension %d (%d) is larger than the operand's (%d)", (int)i,
                            (int)upd->dims[i], (int)op->dims[i]);
  return tflrt_set_output_shape(ctx, out, op->ndims, op->dims);
}

static int dus_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const tflrt_tensor* op = tflrt_in(ctx, node, 0);
  const tflrt_tensor* upd = tflrt_in(ctx, node, 1);
  const tflrt_tensor* start = tflrt_in(ctx, node, 2);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  const size_t es = tflrt_type_size(op->type);
  if (out->data != op->data && out->bytes) memcpy(out->data, op->data, out->bytes);
  const int64_t n_upd = tflrt_num_elements(upd);
  if (n_upd == 0) return TFLRT_OK;
  const int32_t rank = op->ndims;
  int64_t begin[TFLRT_MAX_DIMS], ostride[TFLRT_MAX_DIMS];
  for (int32_t i = 0; i < rank; i++) {
    int64_t s;
    if (start->type == TFLRT_INT32) {
      int32_t v;
      memcpy(&v, (const uint8_t*)start->data + 4 * (size_t)i, 4);
      s = v;
    } else {
      memcpy(&s, (const uint8_t*)start->data + 8 * (size_t)i, 8);
    }
    const int64_t hi = (int64_t)op->dims[i] - upd->dims[i];
    begin[i] = s < 0 ? 0 : s > hi ? hi : s;
  }
  int64_t acc = 1;
  for (int32_t i = rank - 1; i >= 0; i--) {
    ostride[i] = acc;
    acc *= op->dims[i];
  }
  /* copy rows of the update's last dimension */
  const int64_t row = rank > 0 ? upd->dims[rank - 1] : 1;
  const int64_t rows = n_upd / row;
  int64_t coord[TFLRT_MAX_DIMS] = {0};
  const uint8_t* src = upd->data;
  uint8_t* dst = out->data;
  for (int64_t r = 0; r < rows; r++) {
    int64_t off = 0;
    for (int32_t i = 0; i < rank; i++) off += (begin[i] + coord[i]) * ostride[i];
    memcpy(dst + (size_t)off * es, src + (size_t)(r * row) * es, (size_t)row * es);
    for (int32_t i = rank - 2; i >= 0; i--) { /* next row coordinate (last dim stays 0) */
      if (++coord[i] < upd->dims[i]) break;
      coord[i] = 0;
    }
  }
  return TFLRT_OK;
}

const tflrt_op tflrt_op_dynamic_update_slice = {
    .name = "DYNAMIC_UPDATE_SLICE", .builtin_code = 151, .min_version = 1, .max_version = 6,
    .data_size = 0, .parse = NULL, .prepare = dus_prepare, .eval = dus_eval,
};
