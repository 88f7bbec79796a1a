/* LOGICAL_AND, LOGICAL_OR (BOOL, with broadcasting) and LOGICAL_NOT (BOOL), version 1. */
#include "elementwise_binary.h"
#include "op_util.h"

static int logical_prepare(tflrt_ctx* ctx, tflrt_node* node, int32_t kind) {
  ew_binary* d = node->data;
  const tflrt_tensor *a, *b;
  tflrt_tensor* out;
  int rc = ew_prepare_shapes(ctx, node, d, TFLRT_MAX_DIMS, &a, &b, &out);
  if (rc != TFLRT_OK) return rc;
  if (a->type != TFLRT_BOOL)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "logical ops need BOOL inputs, got %s", tflrt_type_name(a->type));
  d->kind = kind;
  d->op = 0;
  return ew_check_output_type(ctx, out, TFLRT_BOOL);
}
static int logical_and_prepare(tflrt_ctx* ctx, tflrt_node* node) { return logical_prepare(ctx, node, EW_AND); }
static int logical_or_prepare(tflrt_ctx* ctx, tflrt_node* node) { return logical_prepare(ctx, node, EW_OR); }

static int logical_not_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  int rc = tflrt_check_io(ctx, node, 1, 1);
  if (rc) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (in->type != TFLRT_BOOL)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "LOGICAL_NOT needs a BOOL input, got %s",
                         tflrt_type_name(in->type));
  rc = ew_check_output_type(ctx, out, TFLRT_BOOL);
  if (rc != TFLRT_OK) return rc;
  return tflrt_set_output_shape(ctx, out, in->ndims, in->dims);
}

static int logical_not_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  const int64_t n = tflrt_num_elements(in);
  if (n <= 0) return TFLRT_OK;
  if (in->data == NULL || out->data == NULL) return tflrt_op_error(ctx, "input or output tensor has no data");
  ctx->k->binary.b8_not((size_t)n, in->data, out->data);
  return TFLRT_OK;
}

const tflrt_op tflrt_op_logical_and = {
    .name = "LOGICAL_AND", .builtin_code = 86, .min_version = 1, .max_version = 1,
    .data_size = sizeof(ew_binary), .parse = NULL, .prepare = logical_and_prepare, .eval = ew_eval,
};
const tflrt_op tflrt_op_logical_or = {
    .name = "LOGICAL_OR", .builtin_code = 84, .min_version = 1, .max_version = 1,
    .data_size = sizeof(ew_binary), .parse = NULL, .prepare = logical_or_prepare, .eval = ew_eval,
};
const tflrt_op tflrt_op_logical_not = {
    .name = "LOGICAL_NOT", .builtin_code = 87, .min_version = 1, .max_version = 1,
    .data_size = 0, .parse = NULL, .prepare = logical_not_prepare, .eval = logical_not_eval,
};
