/* Ops that compute shapes: RANK and BROADCAST_ARGS.
 *
 * TFLite semantics (tflite/kernels/rank.cc, broadcast_args.cc, reference/broadcast_args.h):
 *   RANK            int32 scalar: the input's rank. Known in prepare, so the output is a
 *                   constant (TFLite makes it persistent read-only).
 *   BROADCAST_ARGS  two int32 or int64 shape vectors (same type as the output) -> the broadcast
 *                   shape, max(len1, len2) long, aligned at the end: a 1 takes the other's
 *                   extent, equal extents stay, anything else is an error (TFLite aborts).
 *                   Constant inputs give a constant output, computed in prepare.
 * Constant outputs are computed in prepare into this node's persistent memory
 * (tflrt_set_output_constant): later ops see constant shapes. */
#include <string.h>

#include "op.h"
#include "op_util.h"

/* ---- RANK ---- */

static int rank_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  int r = tflrt_check_io(ctx, node, 1, 1);
  if (r) return r;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (out->type != TFLRT_INT32) return tflrt_op_error(ctx, "the output must be int32");
  if ((r = tflrt_set_output_shape(ctx, out, 0, NULL))) return r;
  int32_t* v = tflrt_persistent_alloc(ctx, node, sizeof(int32_t));
  if (v == NULL) return TFLRT_ERR_NOMEM;
  *v = in->ndims;
  return tflrt_set_output_constant(ctx, node, out, v);
}

static int nothing_to_do(tflrt_ctx* ctx, tflrt_node* node) {
  (void)ctx;
  (void)node;
  return TFLRT_OK;
}

/* ---- BROADCAST_ARGS ---- */

/* Writes the broadcast shape into dst (the output's type). */
static int broadcast(tflrt_ctx* ctx, const tflrt_tensor* a, const tflrt_tensor* b, int32_t type, void* dst) {
  const int32_t na = a->dims[0], nb = b->dims[0], n = na > nb ? na : nb;
  int rc = tflrt_check_data(ctx, a, na, "shape 0");
  if (rc || (rc = tflrt_check_data(ctx, b, nb, "shape 1"))) return rc;
  for (int32_t k = 0; k < n; k++) { /* k counts from the end */
    const int64_t x = k < na ? tflrt_int_at(a, na - 1 - k) : 1;
    const int64_t y = k < nb ? tflrt_int_at(b, nb - 1 - k) : 1;
    if (x != 1 && y != 1 && x != y)
      return tflrt_op_error(ctx, "shapes cannot be broadcast: extent %lld against %lld", (long long)x, (long long)y);
    tflrt_set_int_at(dst, type, n - 1 - k, x == 1 ? y : x);
  }
  return TFLRT_OK;
}

static int bargs_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  int r = tflrt_check_io(ctx, node, 2, 1);
  if (r) return r;
  const tflrt_tensor* a = tflrt_in(ctx, node, 0);
  const tflrt_tensor* b = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if ((a->type != TFLRT_INT32 && a->type != TFLRT_INT64) || b->type != a->type || out->type != a->type)
    return tflrt_op_error(ctx, "both shapes and the output must be int32, or all int64");
  if (a->ndims != 1 || b->ndims != 1) return tflrt_op_error(ctx, "both shapes must be vectors");
  const int32_t n = a->dims[0] > b->dims[0] ? a->dims[0] : b->dims[0];
  r = tflrt_set_output_shape(ctx, out, 1, &n);
  if (r || !tflrt_is_const(a) || !tflrt_is_const(b)) return r;
  void* v = tflrt_persistent_alloc(ctx, node, out->bytes ? out->bytes : 1);
  if (v == NULL) return TFLRT_ERR_NOMEM;
  r = broadcast(ctx, a, b, out->type, v);
  return r ? r : tflrt_set_output_constant(ctx, node, out, v);
}

static int bargs_eval(tflrt_ctx* ctx, tflrt_node* node) {
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (tflrt_is_const(out)) return TFLRT_OK;
  return broadcast(ctx, tflrt_in(ctx, node, 0), tflrt_in(ctx, node, 1), out->type, out->data);
}

const tflrt_op tflrt_op_rank = {
    .name = "RANK", .builtin_code = 110, .min_version = 1, .max_version = 1,
    .data_size = 0, .parse = NULL, .prepare = rank_prepare, .eval = nothing_to_do,
};
const tflrt_op tflrt_op_broadcast_args = {
    .name = "BROADCAST_ARGS", .builtin_code = 145, .min_version = 1, .max_version = 1,
    .data_size = 0, .parse = NULL, .prepare = bargs_prepare, .eval = bargs_eval,
};
