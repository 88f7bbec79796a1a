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

/* Copies n elements of es bytes from src (stepping `step` bytes, possibly 0 or negative). */
static void copy_run(uint8_t* dst, const uint8_t* src, int64_t n, int64_t step, size_t es) {
  if (step == (int64_t)es) {
    memcpy(dst, src, (size_t)n * es);
    return;
  }
  switch (es) {
    case 1:
      for (int64_t j = 0; j < n; j++) dst[j] = src[j * step];
      break;
    case 2:
      for (int64_t j = 0; j < n; j++) memcpy(dst + 2 * j, src + j * step, 2);
      break;
    case 4:
      for (int64_t j = 0; j < n; j++) memcpy(dst + 4 * j, src + j * step, 4);
      break;
    case 8:
      for (int64_t j = 0; j < n; j++) memcpy(dst + 8 * j, src + j * step, 8);
      break;
    default:
      for (int64_t j = 0; j < n; j++) memcpy(dst + (size_t)j * es, src + j * step, es);
      break;
  }
}

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
      copy_run(out, in + off, mod, p->src_stride[last], es);
      for (int64_t done = mod; done < n;) {
        const int64_t k = 2 * done <= n ? done : n - done; /* doubles what is written so far */
        memcpy(out + (size_t)done * es, out, (size_t)k * es);
        done += k;
      }
    } else {
      copy_run(out, in + off, n, p->src_stride[last], es);
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

static int check_io(tflrt_ctx* ctx, const tflrt_node* node, int32_t n_in) {
  if (node->n_inputs != n_in || node->n_outputs != 1)
    return tflrt_op_error(ctx, "expected %d inputs and 1 output, got %d and %d", (int)n_in, (int)node->n_inputs,
                          (int)node->n_outputs);
  for (int32_t i = 0; i < n_in; i++)
    if (tflrt_in(ctx, node, i) == NULL) return tflrt_op_error(ctx, "input %d is missing", (int)i);
  if (tflrt_out(ctx, node, 0) == NULL) return tflrt_op_error(ctx, "the output is missing");
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (tflrt_type_size(in->type) == 0)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "type %s is not supported", tflrt_type_name(in->type));
  if (out->type != in->type)
    return tflrt_op_error(ctx, "output type %s differs from input type %s", tflrt_type_name(out->type),
                          tflrt_type_name(in->type));
  return TFLRT_OK;
}

/* An int32/int64 vector input of at most TFLRT_MAX_DIMS entries; values read when `vals`. */
static int small_vector(tflrt_ctx* ctx, const tflrt_tensor* t, const char* what, int32_t* n, int64_t* vals) {
  if (t->type != TFLRT_INT32 && t->type != TFLRT_INT64)
    return tflrt_op_error(ctx, "%s must be INT32 or INT64, got %s", what, tflrt_type_name(t->type));
  if (t->ndims > 1) return tflrt_op_error(ctx, "%s must be a vector, got rank %d", what, (int)t->ndims);
  const int32_t len = t->ndims == 0 ? 1 : t->dims[0];
  if (len > TFLRT_MAX_DIMS) return tflrt_op_error(ctx, "%s has %d entries; at most %d are supported", what, (int)len, TFLRT_MAX_DIMS);
  *n = len;
  if (vals == NULL) return TFLRT_OK;
  const size_t es = tflrt_type_size(t->type);
  if (len > 0 && (t->data == NULL || t->bytes < (size_t)len * es)) return tflrt_op_error(ctx, "%s has no data", what);
  for (int32_t i = 0; i < len; i++) {
    if (es == 4) {
      int32_t v;
      memcpy(&v, (const uint8_t*)t->data + 4 * (size_t)i, 4);
      vals[i] = v;
    } else {
      memcpy(&vals[i], (const uint8_t*)t->data + 8 * (size_t)i, 8);
    }
  }
  return TFLRT_OK;
}

static void input_strides(const tflrt_tensor* t, int64_t* st) {
  int64_t s = (int64_t)tflrt_type_size(t->type);
  for (int32_t i = t->ndims - 1; i >= 0; i--) {
    st[i] = s;
    s *= t->dims[i];
  }
}

static int apply_shape(tflrt_ctx* ctx, tflrt_tensor* out, const move_plan* p) {
  if (!ctx->in_eval || out->alloc == TFLRT_ALLOC_DYNAMIC) return tflrt_set_output_shape(ctx, out, p->rank, p->out_dims);
  if (out->ndims != p->rank) return tflrt_op_error(ctx, "output rank changed");
  for (int32_t i = 0; i < p->rank; i++)
    if (out->dims[i] != p->out_dims[i]) return tflrt_op_error(ctx, "output shape changed");
  return TFLRT_OK;
}

static int run(tflrt_ctx* ctx, tflrt_node* node, const move_plan* p) {
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (out->bytes == 0) return TFLRT_OK;
  if (in->data == NULL || out->data == NULL || in->bytes == 0) return tflrt_op_error(ctx, "input or output has no data");
  run_plan(p, in->data, out->data, tflrt_type_size(in->type));
  return TFLRT_OK;
}

/* Shared prepare/eval shape for ops whose second input decides the output shape. */
typedef int (*plan_fn)(tflrt_ctx* ctx, tflrt_node* node, move_plan* p);

static int shaped_prepare(tflrt_ctx* ctx, tflrt_node* node, plan_fn make) {
  move_data* d = node->data;
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (!tflrt_is_const(tflrt_in(ctx, node, 1))) return tflrt_set_dynamic(ctx, out);
  int rc = make(ctx, node, &d->plan);
  return rc ? rc : apply_shape(ctx, out, &d->plan);
}

static int shaped_eval(tflrt_ctx* ctx, tflrt_node* node, plan_fn make) {
  move_data* d = node->data;
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (out->alloc == TFLRT_ALLOC_DYNAMIC) {
    int rc = make(ctx, node, &d->plan);
    if (rc || (rc = apply_shape(ctx, out, &d->plan))) return rc;
  }
  return run(ctx, node, &d->plan);
}

/* ---- TRANSPOSE ---- */

static int transpose_plan(tflrt_ctx* ctx, tflrt_node* node, move_plan* p) {
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  int64_t perm[TFLRT_MAX_DIMS], st[TFLRT_MAX_DIMS];
  int32_t n;
  int rc = small_vector(ctx, tflrt_in(ctx, node, 1), "perm", &n, perm);
  if (rc) return rc;
  if (n != in->ndims) return tflrt_op_error(ctx, "perm has %d entries for an input of rank %d", (int)n, (int)in->ndims);
  uint32_t seen = 0;
  input_strides(in, st);
  p->rank = n;
  p->src_base = 0;
  for (int32_t i = 0; i < n; i++) {
    int64_t a = perm[i] < 0 ? perm[i] + n : perm[i];
    if (a < 0 || a >= n) return tflrt_op_error(ctx, "perm[%d] = %lld is out of range for rank %d", (int)i, (long long)perm[i], (int)n);
    if (seen & (1u << a)) return tflrt_op_error(ctx, "perm repeats axis %lld", (long long)a);
    seen |= 1u << a;
    p->out_dims[i] = in->dims[a];
    p->src_stride[i] = st[a];
    p->src_mod[i] = 0;
  }
  return TFLRT_OK;
}

static int transpose_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  int rc = check_io(ctx, node, 2);
  if (rc) return rc;
  int32_t n;
  if ((rc = small_vector(ctx, tflrt_in(ctx, node, 1), "perm", &n, NULL))) return rc;
  return shaped_prepare(ctx, node, transpose_plan);
}

static int transpose_eval(tflrt_ctx* ctx, tflrt_node* node) { return shaped_eval(ctx, node, transpose_plan); }

/* ---- TILE ---- */

static int tile_plan(tflrt_ctx* ctx, tflrt_node* node, move_plan* p) {
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  int64_t mult[TFLRT_MAX_DIMS], st[TFLRT_MAX_DIMS];
  int32_t n;
  int rc = small_vector(ctx, tflrt_in(ctx, node, 1), "multiples", &n, mult);
  if (rc) return rc;
  if (in->ndims == 0) n = 0; /* a scalar: TFLite copies the one element */
  if (n != in->ndims)
    return tflrt_op_error(ctx, "multiples has %d entries for an input of rank %d", (int)n, (int)in->ndims);
  input_strides(in, st);
  p->rank = n;
  p->src_base = 0;
  for (int32_t i = 0; i < n; i++) {
    if (mult[i] < 0) return tflrt_op_error(ctx, "multiples[%d] = %lld is negative", (int)i, (long long)mult[i]);
    const int64_t dim = (int64_t)in->dims[i] * mult[i];
    if (mult[i] > INT32_MAX || dim > INT32_MAX)
      return tflrt_op_error(ctx, "dimension %d x multiple %lld overflows int32", (int)in->dims[i], (long long)mult[i]);
    p->out_dims[i] = (int32_t)dim;
    p->src_stride[i] = st[i];
    p->src_mod[i] = in->dims[i];
  }
  return TFLRT_OK;
}

static int tile_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  int rc = check_io(ctx, node, 2);
  if (rc) return rc;
  int32_t n;
  if ((rc = small_vector(ctx, tflrt_in(ctx, node, 1), "multiples", &n, NULL))) return rc;
  return shaped_prepare(ctx, node, tile_plan);
}

static int tile_eval(tflrt_ctx* ctx, tflrt_node* node) { return shaped_eval(ctx, node, tile_plan); }

/* ---- BROADCAST_TO ---- */

static int broadcast_plan(tflrt_ctx* ctx, tflrt_node* node, move_plan* p) {
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  int64_t shape[TFLRT_MAX_DIMS], st[TFLRT_MAX_DIMS];
  int32_t n;
  int rc = small_vector(ctx, tflrt_in(ctx, node, 1), "shape", &n, shape);
  if (rc) return rc;
  if (n < in->ndims)
    return tflrt_op_error(ctx, "target rank %d is lower than the input rank %d", (int)n, (int)in->ndims);
  input_strides(in, st);
  const int32_t lead = n - in->ndims;
  p->rank = n;
  p->src_base = 0;
  for (int32_t i = 0; i < n; i++) {
    if (shape[i] < 0 || shape[i] > INT32_MAX)
      return tflrt_op_error(ctx, "shape[%d] = %lld is not a valid dimension", (int)i, (long long)shape[i]);
    p->out_dims[i] = (int32_t)shape[i];
    p->src_mod[i] = 0;
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
  return TFLRT_OK;
}

static int broadcast_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  int rc = check_io(ctx, node, 2);
  if (rc) return rc;
  int32_t n;
  const tflrt_tensor* shape = tflrt_in(ctx, node, 1);
  if ((rc = small_vector(ctx, shape, "shape", &n, NULL))) return rc;
  if (shape->ndims != 1) return tflrt_op_error(ctx, "shape must be a vector");
  return shaped_prepare(ctx, node, broadcast_plan);
}

static int broadcast_eval(tflrt_ctx* ctx, tflrt_node* node) { return shaped_eval(ctx, node, broadcast_plan); }

/* ---- REVERSE_V2 ---- */

static int reverse_plan(tflrt_ctx* ctx, tflrt_node* node, move_plan* p) {
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  int64_t axes[TFLRT_MAX_DIMS], st[TFLRT_MAX_DIMS];
  int32_t n;
  const tflrt_tensor* at = tflrt_in(ctx, node, 1);
  int rc = small_vector(ctx, at, "axis", &n, axes);
  if (rc) return rc;
  if (at->ndims != 1) return tflrt_op_error(ctx, "axis must be a vector");
  if (n > in->ndims) return tflrt_op_error(ctx, "%d axes for an input of rank %d", (int)n, (int)in->ndims);
  input_strides(in, st);
  p->rank = in->ndims;
  p->src_base = 0;
  for (int32_t i = 0; i < in->ndims; i++) {
    p->out_dims[i] = in->dims[i];
    p->src_stride[i] = st[i];
    p->src_mod[i] = 0;
  }
  uint32_t seen = 0;
  for (int32_t k = 0; k < n; k++) {
    const int64_t a = axes[k] < 0 ? axes[k] + in->ndims : axes[k];
    if (a < 0 || a >= in->ndims)
      return tflrt_op_error(ctx, "axis %lld is out of range for rank %d", (long long)axes[k], (int)in->ndims);
    if (seen & (1u << a)) return tflrt_op_error(ctx, "axis %lld is listed twice", (long long)a);
    seen |= 1u << a;
    if (in->dims[a] > 0) p->src_base += (int64_t)(in->dims[a] - 1) * st[a];
    p->src_stride[a] = -st[a];
  }
  return TFLRT_OK;
}

static int reverse_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  move_data* d = node->data;
  int rc = check_io(ctx, node, 2);
  if (rc) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* at = tflrt_in(ctx, node, 1);
  int32_t n;
  if ((rc = small_vector(ctx, at, "axis", &n, NULL))) return rc;
  if (at->ndims != 1) return tflrt_op_error(ctx, "axis must be a vector");
  if (n > in->ndims) return tflrt_op_error(ctx, "%d axes for an input of rank %d", (int)n, (int)in->ndims);
  if (tflrt_is_const(at) && (rc = reverse_plan(ctx, node, &d->plan))) return rc;
  return tflrt_set_output_shape(ctx, tflrt_out(ctx, node, 0), in->ndims, in->dims);
}

static int reverse_eval(tflrt_ctx* ctx, tflrt_node* node) {
  move_data* d = node->data;
  if (!tflrt_is_const(tflrt_in(ctx, node, 1))) {
    int rc = reverse_plan(ctx, node, &d->plan); /* computed axes: read and checked every time */
    if (rc) return rc;
  }
  return run(ctx, node, &d->plan);
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
