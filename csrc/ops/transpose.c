/* Re-arranging ops: TRANSPOSE (up to 8-D), TILE, REVERSE_V2 and BROADCAST_TO.
 *
 * All of them are type-size-generic: they only move elements. Each walks the output in order
 * with an odometer over all but the innermost output dimension and copies the innermost run
 * as a block when it is contiguous in the input (memcpy) or element by element otherwise.
 *
 * TFLite semantics (tflite/kernels/{transpose,tile,reverse,broadcast_to}.cc):
 *   TRANSPOSE     perm (int32; int64 accepted too) may hold negative entries (counted from the
 *                 end); it must be a permutation of the input's axes (TFLite does not check
 *                 for repeats; here they are an error).
 *   TILE          multiples (int32/int64), one per input dimension, >= 0; output dimension
 *                 products must fit int32.
 *   REVERSE_V2    axis (int32; int64 accepted) lists axes to reverse, negative counted from
 *                 the end; TFLite only reverses contiguous axes, here any distinct set works.
 *                 The axes may be a computed tensor: they are read at every invoke.
 *   BROADCAST_TO  shape (int32/int64): the input's dimensions, right-aligned, must be 1 or
 *                 equal to the target's.
 * Computed perm/multiples/shape tensors make the output dynamic (shaped in eval). */
#include <string.h>

#include "op.h"
#include "op_util.h"

typedef struct {
  int32_t rank;                   /* output rank */
  int32_t out_dims[TFLRT_MAX_DIMS];
  int64_t src_stride[TFLRT_MAX_DIMS]; /* input byte step per output index step (0 = repeat) */
  int64_t src_mod[TFLRT_MAX_DIMS];    /* TILE: input extent the output index wraps at (0 = no wrap) */
  int64_t src_base;                   /* REVERSE_V2: byte offset of the first output element */
} move_plan;

typedef struct {
  move_plan plan;
} move_data;

/* ---- the mover ---- */

/* Walks the output in order. Output index i along dim d moves the source by src_stride[d]
 * bytes; with src_mod[d] > 0 the index wraps at src_mod[d] first (TILE). */
static void run_plan(const move_plan* p, const uint8_t* in, uint8_t* out, size_t es) {
  const int32_t r = p->rank;
  for (int32_t i = 0; i < r; i++)
    if (p->out_dims[i] == 0) return;
  if (r == 0) {
    memcpy(out, in + p->src_base, es);
    return;
  }
  const int32_t last = r - 1;
  const int64_t n = p->out_dims[last];
  const int64_t mod = p->src_mod[last];
  int64_t idx[TFLRT_MAX_DIMS] = {0};
  for (;;) {
    int64_t off = p->src_base;
    for (int32_t i = 0; i < last; i++) off += (p->src_mod[i] ? idx[i] % p->src_mod[i] : idx[i]) * p->src_stride[i];
    if (mod > 0 && mod < n) {
      /* TILE innermost: copy the input row once, then repeat what was written */
      tflrt_copy_run(out, in + off, mod, p->src_stride[last], es);
      for (int64_t done = mod; done < n;) {
        const int64_t k = 2 * done <= n ? done : n - done; /* doubles what is written so far */
        memcpy(out + (size_t)done * es, out, (size_t)k * es);
        done += k;
      }
    } else {
      tflrt_copy_run(out, in + off, n, p->src_stride[last], es);
    }
    out += (size_t)n * es;
    int32_t i = last - 1;
    for (; i >= 0; i--) {
      if (++idx[i] < p->out_dims[i]) break;
      idx[i] = 0;
    }
    if (i < 0) return;
  }
}

/* ---- helpers ---- */

/* Starts a tflrt_plan_fn: reads the int vector input 1 (`what`, at most TFLRT_MAX_DIMS entries)
 * into vals (*n of them), puts the input's byte strides in st, and clears the plan's offset and
 * wraps. */
static int plan_start(tflrt_ctx* ctx, tflrt_node* node, const char* what, int allow_scalar, int64_t* vals, int32_t* n,
                      int64_t* st, move_plan* p) {
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  int rc = tflrt_read_ints(ctx, tflrt_in(ctx, node, 1), what, allow_scalar, TFLRT_MAX_DIMS, n, vals);
  if (rc) return rc;
  tflrt_strides(in->ndims, in->dims, (int64_t)tflrt_type_size(in->type), st);
  p->src_base = 0;
  for (int32_t i = 0; i < TFLRT_MAX_DIMS; i++) p->src_mod[i] = 0;
  return TFLRT_OK;
}

/* Ends a tflrt_plan_fn: the plan's output rank and shape. */
static int plan_done(move_plan* p, int32_t rank, int32_t* ndims, const int32_t** dims) {
  p->rank = rank;
  *ndims = rank;
  *dims = p->out_dims;
  return TFLRT_OK;
}

static int run(tflrt_ctx* ctx, tflrt_node* node) {
  const move_plan* p = &((const move_data*)node->data)->plan;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (out->bytes == 0) return TFLRT_OK;
  if (in->data == NULL || out->data == NULL || in->bytes == 0) return tflrt_op_error(ctx, "input or output has no data");
  run_plan(p, in->data, out->data, tflrt_type_size(in->type));
  return TFLRT_OK;
}

/* Prepare and eval of the ops whose vector input 1 (`what`) decides the plan (tflrt_plan_fn). */
static int shaped_prepare(tflrt_ctx* ctx, tflrt_node* node, const char* what, int allow_scalar, tflrt_plan_fn make) {
  int32_t n;
  int rc = tflrt_check_move_io(ctx, node, 2, 2);
  if (rc || (rc = tflrt_read_ints(ctx, tflrt_in(ctx, node, 1), what, allow_scalar, TFLRT_MAX_DIMS, &n, NULL)))
    return rc;
  return tflrt_plan_prepare(ctx, node, tflrt_is_const(tflrt_in(ctx, node, 1)), make);
}

static int shaped_eval(tflrt_ctx* ctx, tflrt_node* node, tflrt_plan_fn make) {
  int rc = tflrt_plan_eval(ctx, node, make);
  return rc ? rc : run(ctx, node);
}

/* ---- TRANSPOSE ---- */

static int transpose_plan(tflrt_ctx* ctx, tflrt_node* node, int32_t* ndims, const int32_t** dims) {
  move_plan* p = &((move_data*)node->data)->plan;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  int64_t perm[TFLRT_MAX_DIMS], st[TFLRT_MAX_DIMS];
  int32_t n;
  int rc = plan_start(ctx, node, "perm", 1, perm, &n, st, p);
  if (rc) return rc;
  if (n != in->ndims) return tflrt_op_error(ctx, "perm has %d entries for an input of rank %d", (int)n, (int)in->ndims);
  uint32_t seen = 0;
  for (int32_t i = 0; i < n; i++) {
    int64_t a = perm[i] < 0 ? perm[i] + n : perm[i];
    if (a < 0 || a >= n) return tflrt_op_error(ctx, "perm[%d] = %lld is out of range for rank %d", (int)i, (long long)perm[i], (int)n);
    if (seen & (1u << a)) return tflrt_op_error(ctx, "perm repeats axis %lld", (long long)a);
    seen |= 1u << a;
    p->out_dims[i] = in->dims[a];
    p->src_stride[i] = st[a];
  }
  return plan_done(p, n, ndims, dims);
}

static int transpose_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  return shaped_prepare(ctx, node, "perm", 1, transpose_plan);
}

static int transpose_eval(tflrt_ctx* ctx, tflrt_node* node) { return shaped_eval(ctx, node, transpose_plan); }

/* ---- TILE ---- */

static int tile_plan(tflrt_ctx* ctx, tflrt_node* node, int32_t* ndims, const int32_t** dims) {
  move_plan* p = &((move_data*)node->data)->plan;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  int64_t mult[TFLRT_MAX_DIMS], st[TFLRT_MAX_DIMS];
  int32_t n;
  int rc = plan_start(ctx, node, "multiples", 1, mult, &n, st, p);
  if (rc) return rc;
  if (in->ndims == 0) n = 0; /* a scalar: TFLite copies the one element */
  if (n != in->ndims)
    return tflrt_op_error(ctx, "multiples has %d entries for an input of rank %d", (int)n, (int)in->ndims);
  for (int32_t i = 0; i < n; i++) {
    if (mult[i] < 0) return tflrt_op_error(ctx, "multiples[%d] = %lld is negative", (int)i, (long long)mult[i]);
    const int64_t dim = (int64_t)in->dims[i] * mult[i];
    if (mult[i] > INT32_MAX || dim > INT32_MAX)
      return tflrt_op_error(ctx, "dimension %d x multiple %lld overflows int32", (int)in->dims[i], (long long)mult[i]);
    p->out_dims[i] = (int32_t)dim;
    p->src_stride[i] = st[i];
    p->src_mod[i] = in->dims[i];
  }
  return plan_done(p, n, ndims, dims);
}

static int tile_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  return shaped_prepare(ctx, node, "multiples", 1, tile_plan);
}

static int tile_eval(tflrt_ctx* ctx, tflrt_node* node) { return shaped_eval(ctx, node, tile_plan); }

/* ---- BROADCAST_TO ---- */

static int broadcast_plan(tflrt_ctx* ctx, tflrt_node* node, int32_t* ndims, const int32_t** dims) {
  move_plan* p = &((move_data*)node->data)->plan;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  int64_t shape[TFLRT_MAX_DIMS], st[TFLRT_MAX_DIMS];
  int32_t n;
  int rc = plan_start(ctx, node, "shape", 0, shape, &n, st, p);
  if (rc) return rc;
  if (n < in->ndims)
    return tflrt_op_error(ctx, "target rank %d is lower than the input rank %d", (int)n, (int)in->ndims);
  const int32_t lead = n - in->ndims;
  for (int32_t i = 0; i < n; i++) {
    if (shape[i] < 0 || shape[i] > INT32_MAX)
      return tflrt_op_error(ctx, "shape[%d] = %lld is not a valid dimension", (int)i, (long long)shape[i]);
    p->out_dims[i] = (int32_t)shape[i];
    if (i < lead) {
      p->src_stride[i] = 0;
      continue;
    }
    const int32_t dim = in->dims[i - lead];
    if (dim != 1 && dim != shape[i])
      return tflrt_op_error(ctx, "input dimension %d (%d) cannot be broadcast to %lld", (int)(i - lead), (int)dim,
                            (long long)shape[i]);
    p->src_stride[i] = dim == 1 ? 0 : st[i - lead];
  }
  return plan_done(p, n, ndims, dims);
}

static int broadcast_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  return shaped_prepare(ctx, node, "shape", 0, broadcast_plan);
}

static int broadcast_eval(tflrt_ctx* ctx, tflrt_node* node) { return shaped_eval(ctx, node, broadcast_plan); }

/* ---- REVERSE_V2 ---- */

static int reverse_plan(tflrt_ctx* ctx, tflrt_node* node, int32_t* ndims, const int32_t** dims) {
  move_plan* p = &((move_data*)node->data)->plan;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  int64_t axes[TFLRT_MAX_DIMS], st[TFLRT_MAX_DIMS];
  int32_t n;
  int rc = plan_start(ctx, node, "axis", 0, axes, &n, st, p);
  if (rc) return rc;
  if (n > in->ndims) return tflrt_op_error(ctx, "%d axes for an input of rank %d", (int)n, (int)in->ndims);
  for (int32_t i = 0; i < in->ndims; i++) {
    p->out_dims[i] = in->dims[i];
    p->src_stride[i] = st[i];
  }
  uint32_t seen = 0;
  for (int32_t k = 0; k < n; k++) {
    int32_t a;
    if ((rc = tflrt_normalize_axis(ctx, axes[k], in->ndims, &a))) return rc;
    if (seen & (1u << a)) return tflrt_op_error(ctx, "axis %d is listed twice", (int)a);
    seen |= 1u << a;
    if (in->dims[a] > 0) p->src_base += (int64_t)(in->dims[a] - 1) * st[a];
    p->src_stride[a] = -st[a];
  }
  return plan_done(p, in->ndims, ndims, dims);
}

/* The output has the input's shape whatever the axes; computed axes are read and checked at
 * every invoke. */
static int reverse_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  int rc = tflrt_check_move_io(ctx, node, 2, 2);
  if (rc) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* at = tflrt_in(ctx, node, 1);
  int32_t n, ndims;
  const int32_t* dims;
  if ((rc = tflrt_read_ints(ctx, at, "axis", 0, TFLRT_MAX_DIMS, &n, NULL))) return rc;
  if (n > in->ndims) return tflrt_op_error(ctx, "%d axes for an input of rank %d", (int)n, (int)in->ndims);
  if (tflrt_is_const(at) && (rc = reverse_plan(ctx, node, &ndims, &dims))) return rc;
  return tflrt_set_output_shape(ctx, tflrt_out(ctx, node, 0), in->ndims, in->dims);
}

static int reverse_eval(tflrt_ctx* ctx, tflrt_node* node) {
  int32_t ndims;
  const int32_t* dims;
  int rc = tflrt_is_const(tflrt_in(ctx, node, 1)) ? TFLRT_OK : reverse_plan(ctx, node, &ndims, &dims);
  return rc ? rc : run(ctx, node);
}

const tflrt_op tflrt_op_transpose = {
    .name = "TRANSPOSE", .builtin_code = 39, .min_version = 1, .max_version = 9,
    .data_size = sizeof(move_data), .parse = NULL, .prepare = transpose_prepare, .eval = transpose_eval,
};
const tflrt_op tflrt_op_tile = {
    .name = "TILE", .builtin_code = 69, .min_version = 1, .max_version = 3,
    .data_size = sizeof(move_data), .parse = NULL, .prepare = tile_prepare, .eval = tile_eval,
};
const tflrt_op tflrt_op_reverse_v2 = {
    .name = "REVERSE_V2", .builtin_code = 105, .min_version = 1, .max_version = 4,
    .data_size = sizeof(move_data), .parse = NULL, .prepare = reverse_prepare, .eval = reverse_eval,
};
const tflrt_op tflrt_op_broadcast_to = {
    .name = "BROADCAST_TO", .builtin_code = 130, .min_version = 2, .max_version = 4,
    .data_size = sizeof(move_data), .parse = NULL, .prepare = broadcast_prepare, .eval = broadcast_eval,
};
