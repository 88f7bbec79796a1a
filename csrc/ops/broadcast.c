/* Broadcast shapes, fused loop plans and work splitting (see broadcast.h). */
#include "broadcast.h"

#include <stdio.h>
#include <string.h>

/* Smallest block of a run handed to one thread when long runs are split. */
#define MIN_BLOCK 4096

/* Extent of dimension i (counted in the output's rank out_ndims) of tensor t. */
static int32_t aligned_dim(const tflrt_tensor* t, int32_t out_ndims, int32_t i) {
  const int32_t j = i - (out_ndims - t->ndims);
  return j < 0 ? 1 : t->dims[j];
}

static void format_shape(char* buf, size_t cap, const tflrt_tensor* t) {
  size_t len = 0;
  int w = snprintf(buf, cap, "[");
  len = w > 0 ? (size_t)w : 0;
  for (int32_t i = 0; i < t->ndims && len < cap; i++) {
    w = snprintf(buf + len, cap - len, i ? ",%d" : "%d", (int)t->dims[i]);
    if (w < 0) break;
    len += (size_t)w;
  }
  if (len < cap) snprintf(buf + len, cap - len, "]");
}

int tflrt_broadcast_shape(tflrt_ctx* ctx, int32_t n, const tflrt_tensor* const* in, int32_t max_rank,
                          int32_t* out_ndims, int32_t* out_dims) {
  int32_t rank = 0;
  for (int32_t k = 0; k < n; k++)
    if (in[k]->ndims > rank) rank = in[k]->ndims;
  if (rank > max_rank || rank > TFLRT_MAX_DIMS)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "broadcasting supports inputs of rank <= %d, got rank %d",
                         (int)(max_rank < TFLRT_MAX_DIMS ? max_rank : TFLRT_MAX_DIMS), (int)rank);
  for (int32_t i = 0; i < rank; i++) {
    int32_t lo = INT32_MAX, hi = 0;
    for (int32_t k = 0; k < n; k++) {
      const int32_t d = aligned_dim(in[k], rank, i);
      if (d < lo) lo = d;
      if (d > hi) hi = d;
    }
    const int32_t e = lo == 0 ? 0 : hi;
    for (int32_t k = 0; k < n; k++) {
      const int32_t d = aligned_dim(in[k], rank, i);
      if (d != 1 && d != e) {
        char s[3][96];
        for (int32_t j = 0; j < n && j < 3; j++) format_shape(s[j], sizeof(s[j]), in[j]);
        if (n == 2) return tflrt_op_error(ctx, "shapes %s and %s are not broadcastable", s[0], s[1]);
        return tflrt_op_error(ctx, "shapes %s, %s and %s are not broadcastable", s[0], s[1], s[2]);
      }
    }
    out_dims[i] = e;
  }
  *out_ndims = rank;
  return TFLRT_OK;
}

void tflrt_bcast_init(tflrt_bcast* b, int32_t n, const tflrt_tensor* const* in, int32_t out_ndims,
                      const int32_t* out_dims) {
  memset(b, 0, sizeof(*b));
  b->n_in = n;
  int64_t count = 1;
  for (int32_t i = 0; i < out_ndims; i++) count *= out_dims[i];
  b->count = count;
  b->rank = 1;
  if (count == 0) return;
  /* Fused dimensions collected innermost first. */
  int64_t fd[TFLRT_MAX_DIMS], fs[TFLRT_BCAST_MAX_INPUTS][TFLRT_MAX_DIMS];
  int64_t accum[TFLRT_BCAST_MAX_INPUTS];
  int32_t nf = 0;
  for (int32_t k = 0; k < n; k++) accum[k] = 1;
  for (int32_t i = out_ndims - 1; i >= 0; i--) {
    const int64_t e = out_dims[i];
    if (e == 1) continue; /* every input has extent 1 here too */
    int64_t st[TFLRT_BCAST_MAX_INPUTS];
    for (int32_t k = 0; k < n; k++) st[k] = aligned_dim(in[k], out_ndims, i) == 1 ? 0 : accum[k];
    int fuse = nf > 0;
    for (int32_t k = 0; k < n && fuse; k++) {
      const int64_t prev = fs[k][nf - 1];
      fuse = (st[k] == 0 && prev == 0) || (st[k] != 0 && prev != 0 && st[k] == prev * fd[nf - 1]);
    }
    if (fuse) {
      fd[nf - 1] *= e;
    } else {
      fd[nf] = e;
      for (int32_t k = 0; k < n; k++) fs[k][nf] = st[k];
      nf++;
    }
    for (int32_t k = 0; k < n; k++) accum[k] *= aligned_dim(in[k], out_ndims, i);
  }
  if (nf == 0) { /* a single element */
    fd[0] = 1;
    for (int32_t k = 0; k < n; k++) fs[k][0] = 1;
    nf = 1;
  }
  b->rank = nf;
  for (int32_t d = 0; d < nf; d++) {
    b->dims[d] = fd[nf - 1 - d];
    for (int32_t k = 0; k < n; k++) b->strides[k][d] = fs[k][nf - 1 - d];
  }
}

void tflrt_bcast_split_init(const tflrt_bcast* b, int32_t num_threads, tflrt_bcast_split* s) {
  memset(s, 0, sizeof(*s));
  if (b->count <= 0) return;
  s->run_len = b->dims[b->rank - 1];
  s->runs = b->count / s->run_len;
  s->block = s->run_len;
  s->blocks_per_run = 1;
  s->runs_per_task = 1;
  const int64_t want = 4 * (int64_t)(num_threads > 1 ? num_threads : 1);
  if (num_threads > 1 && s->runs < want && s->run_len >= 2 * MIN_BLOCK) {
    const int64_t pieces = (want + s->runs - 1) / s->runs;
    int64_t block = (s->run_len + pieces - 1) / pieces;
    if (block < MIN_BLOCK) block = MIN_BLOCK;
    s->block = block;
    s->blocks_per_run = (s->run_len + block - 1) / block;
  }
  int64_t tasks = s->runs * s->blocks_per_run;
  if (tasks > INT32_MAX) { /* only with whole runs: group them */
    s->runs_per_task = (s->runs + (INT32_MAX / 2) - 1) / (INT32_MAX / 2);
    tasks = (s->runs + s->runs_per_task - 1) / s->runs_per_task;
  }
  s->n_tasks = (int32_t)tasks;
}

/* Input offsets at the start of run r (the run's position in the outer dimensions). */
static void run_offsets(const tflrt_bcast* b, int64_t r, int64_t* idx, int64_t* offs) {
  for (int32_t k = 0; k < b->n_in; k++) offs[k] = 0;
  for (int32_t d = b->rank - 2; d >= 0; d--) {
    idx[d] = r % b->dims[d];
    r /= b->dims[d];
    for (int32_t k = 0; k < b->n_in; k++) offs[k] += idx[d] * b->strides[k][d];
  }
}

void tflrt_bcast_for_tasks(const tflrt_bcast* b, const tflrt_bcast_split* s, int32_t begin, int32_t end,
                           tflrt_bcast_segment_fn fn, void* arg) {
  int64_t idx[TFLRT_MAX_DIMS] = {0};
  int64_t offs[TFLRT_BCAST_MAX_INPUTS] = {0};
  const int32_t inner = b->rank - 1;
  if (s->blocks_per_run > 1) {
    for (int64_t t = begin; t < end; t++) {
      const int64_t r = t / s->blocks_per_run;
      const int64_t start = (t % s->blocks_per_run) * s->block;
      const int64_t len = s->run_len - start < s->block ? s->run_len - start : s->block;
      int64_t o[TFLRT_BCAST_MAX_INPUTS];
      run_offsets(b, r, idx, offs);
      for (int32_t k = 0; k < b->n_in; k++) o[k] = offs[k] + start * b->strides[k][inner];
      fn(arg, o, r * s->run_len + start, len);
    }
    return;
  }
  const int64_t r0 = (int64_t)begin * s->runs_per_task;
  int64_t r1 = (int64_t)end * s->runs_per_task;
  if (r1 > s->runs) r1 = s->runs;
  if (r0 >= r1) return;
  run_offsets(b, r0, idx, offs);
  for (int64_t r = r0; r < r1; r++) {
    fn(arg, offs, r * s->run_len, s->run_len);
    /* advance the odometer over the outer dimensions */
    for (int32_t d = inner - 1; d >= 0; d--) {
      idx[d]++;
      for (int32_t k = 0; k < b->n_in; k++) offs[k] += b->strides[k][d];
      if (idx[d] < b->dims[d] || d == 0) break;
      for (int32_t k = 0; k < b->n_in; k++) offs[k] -= b->strides[k][d] * b->dims[d];
      idx[d] = 0;
    }
  }
}
