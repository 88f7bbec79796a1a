/* Services the interpreter offers to ops (declared in ops/op.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interp.h"

static int vfail(tflrt_ctx* ctx, int status, const char* fmt, va_list ap) {
  struct tflrt_interp* it = ctx->interp;
  char msg[TFLRT_ERR_CAP];
  vsnprintf(msg, sizeof msg, fmt, ap);
  const tflrt_node* n = ctx->node;
  const char* phase = ctx->in_eval ? "invoke" : "prepare";
  if (n == NULL) {
    snprintf(it->err, sizeof it->err, "%s", msg);
  } else if (ctx->sg != NULL && ctx->sg->index > 0) {
    snprintf(it->err, sizeof it->err, "Subgraph %d, node %d (%s) failed to %s: %s", (int)ctx->sg->index,
             (int)n->index, n->op_name, phase, msg);
  } else {
    snprintf(it->err, sizeof it->err, "Node %d (%s) failed to %s: %s", (int)n->index, n->op_name, phase,
             msg);
  }
  return status;
}

int tflrt_op_error(tflrt_ctx* ctx, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int r = vfail(ctx, TFLRT_ERR_RUNTIME, fmt, ap);
  va_end(ap);
  return r;
}

int tflrt_op_fail(tflrt_ctx* ctx, int status, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int r = vfail(ctx, status, fmt, ap);
  va_end(ap);
  return r;
}

tflrt_tensor* tflrt_in(tflrt_ctx* ctx, const tflrt_node* node, int32_t i) {
  if (i < 0 || i >= node->n_inputs) return NULL;
  const int32_t t = node->inputs[i];
  return (t >= 0 && t < ctx->n_tensors) ? &ctx->tensors[t] : NULL;
}

tflrt_tensor* tflrt_out(tflrt_ctx* ctx, const tflrt_node* node, int32_t i) {
  if (i < 0 || i >= node->n_outputs) return NULL;
  const int32_t t = node->outputs[i];
  return (t >= 0 && t < ctx->n_tensors) ? &ctx->tensors[t] : NULL;
}

int64_t tflrt_num_elements(const tflrt_tensor* t) {
  int64_t n = 1;
  for (int32_t i = 0; i < t->ndims; i++) n *= t->dims[i];
  return n;
}

int32_t tflrt_dim(const tflrt_tensor* t, int32_t i) { return t->dims[i < 0 ? t->ndims + i : i]; }

int tflrt_same_shape(const tflrt_tensor* a, const tflrt_tensor* b) {
  if (a->ndims != b->ndims) return 0;
  for (int32_t i = 0; i < a->ndims; i++)
    if (a->dims[i] != b->dims[i]) return 0;
  return 1;
}

int tflrt_is_const(const tflrt_tensor* t) { return t != NULL && t->alloc == TFLRT_ALLOC_CONST; }

int tflrt_set_dynamic(tflrt_ctx* ctx, tflrt_tensor* t) {
  if (t->alloc == TFLRT_ALLOC_CONST || t->alloc == TFLRT_ALLOC_PERSIST)
    return tflrt_op_error(ctx, "tensor %d ('%s') is constant or a variable and cannot take a computed shape",
                          (int)t->index, t->name);
  t->alloc = TFLRT_ALLOC_DYNAMIC;
  ctx->sg->has_dynamic = 1;
  return TFLRT_OK;
}

/* Bytes of a tensor of this shape, with overflow checks; -1 on overflow or an unsized type. */
static int64_t shape_bytes(int32_t type, int32_t ndims, const int32_t* dims) {
  const size_t es = tflrt_type_size(type);
  uint64_t n = 1;
  for (int32_t i = 0; i < ndims; i++) {
    if (dims[i] < 0) return -1;
    if (dims[i] != 0 && n > (UINT64_C(1) << 62) / (uint64_t)dims[i]) return -1;
    n *= (uint64_t)dims[i];
  }
  if (es != 0 && n > (UINT64_C(1) << 62) / es) return -1;
  return (int64_t)(n * es);
}

int tflrt_set_output_shape(tflrt_ctx* ctx, tflrt_tensor* t, int32_t ndims, const int32_t* dims) {
  if (ndims < 0 || ndims > TFLRT_MAX_DIMS)
    return tflrt_op_error(ctx, "output tensor %d ('%s') would have rank %d; at most %d is supported",
                          (int)t->index, t->name, (int)ndims, TFLRT_MAX_DIMS);
  const int64_t bytes = shape_bytes(t->type, ndims, dims);
  if (bytes < 0)
    return tflrt_op_error(ctx, "output tensor %d ('%s') would have a negative dimension or a size that overflows",
                          (int)t->index, t->name);
  if (t->alloc == TFLRT_ALLOC_CONST || t->alloc == TFLRT_ALLOC_PERSIST) {
    /* Outputs of ops are never constants (the loader checks); variables keep their shape. */
    if ((size_t)bytes != t->bytes)
      return tflrt_op_error(ctx, "tensor %d ('%s') has a fixed size of %zu bytes but the op computes %lld",
                            (int)t->index, t->name, t->bytes, (long long)bytes);
  }
  if (t->alloc == TFLRT_ALLOC_DYNAMIC && (size_t)bytes > t->dyn_capacity) {
    const uint64_t limit = ctx->interp->opts.arena_limit;
    if ((uint64_t)bytes > limit)
      return tflrt_op_fail(ctx, TFLRT_ERR_NOMEM, "tensor %d ('%s') would need %lld bytes, over the limit of %llu",
                           (int)t->index, t->name, (long long)bytes, (unsigned long long)limit);
    void* p = realloc(t->data, (size_t)bytes);
    if (p == NULL)
      return tflrt_op_fail(ctx, TFLRT_ERR_NOMEM, "out of memory for tensor %d ('%s', %lld bytes)",
                           (int)t->index, t->name, (long long)bytes);
    t->data = p;
    t->dyn_capacity = (size_t)bytes;
  }
  t->ndims = ndims;
  for (int32_t i = 0; i < ndims; i++) t->dims[i] = dims[i];
  t->bytes = (size_t)bytes;
  return TFLRT_OK;
}

int tflrt_request_scratch(tflrt_ctx* ctx, tflrt_node* node, size_t bytes, int32_t* id) {
  if (node->n_scratch >= TFLRT_MAX_SCRATCH)
    return tflrt_op_error(ctx, "more than %d scratch buffers requested", TFLRT_MAX_SCRATCH);
  if (bytes > ctx->interp->opts.arena_limit)
    return tflrt_op_fail(ctx, TFLRT_ERR_NOMEM, "scratch of %zu bytes is over the arena limit", bytes);
  *id = node->n_scratch;
  node->scratch_bytes[node->n_scratch] = bytes;
  node->scratch[node->n_scratch] = NULL;
  node->n_scratch++;
  return TFLRT_OK;
}

#define PALLOC_HEADER 64

void* tflrt_persistent_alloc(tflrt_ctx* ctx, tflrt_node* node, size_t bytes) {
  void* block = NULL;
  if (bytes > ctx->interp->opts.arena_limit || bytes > SIZE_MAX - PALLOC_HEADER ||
      posix_memalign(&block, 64, PALLOC_HEADER + bytes) != 0) {
    tflrt_op_fail(ctx, TFLRT_ERR_NOMEM, "cannot allocate %zu bytes of persistent data", bytes);
    return NULL;
  }
  memset(block, 0, PALLOC_HEADER + bytes);
  struct tflrt_palloc* h = block;
  h->bytes = bytes;
  h->next = node->palloc;
  node->palloc = h;
  ctx->interp->persistent_bytes += bytes;
  return (uint8_t*)block + PALLOC_HEADER;
}

void tflrt_palloc_free_all(struct tflrt_interp* it, tflrt_node* node) {
  struct tflrt_palloc* h = node->palloc;
  while (h) {
    struct tflrt_palloc* next = h->next;
    it->persistent_bytes -= h->bytes;
    free(h);
    h = next;
  }
  node->palloc = NULL;
}

void tflrt_parallel_for(tflrt_ctx* ctx, int32_t n, tflrt_range_fn fn, void* arg) {
  if (n <= 0) return;
  if (ctx->pool == NULL || ctx->num_threads <= 1 || n == 1) {
    fn(arg, 0, n);
    return;
  }
  tflrt_threadpool_run(ctx->pool, n, fn, arg);
}

/* ---- sparse constants (DENSIFY): added for ops/densify.c ---- */

const tflrt_sparsity* tflrt_tensor_sparsity(const tflrt_ctx* ctx, const tflrt_tensor* t) {
  if (t == NULL || ctx->sg == NULL || t->index < 0 || t->index >= ctx->sg->m->n_tensors) return NULL;
  return ctx->sg->m->tensors[t->index].sparsity;
}

int tflrt_set_output_constant(tflrt_ctx* ctx, tflrt_node* node, tflrt_tensor* t, void* data) {
  /* data must be one of this node's persistent blocks, large enough for t: the arena planner
   * skips CONST tensors, and the block is freed (then re-made) when the node is prepared again. */
  const struct tflrt_palloc* h = node->palloc;
  while (h != NULL && (const uint8_t*)h + PALLOC_HEADER != (const uint8_t*)data) h = h->next;
  if (ctx->in_eval || h == NULL || h->bytes < t->bytes)
    return tflrt_op_error(ctx, "internal error: constant output %d ('%s') needs a persistent block of this node",
                          (int)t->index, t->name);
  t->alloc = TFLRT_ALLOC_CONST;
  t->data = data;
  return TFLRT_OK;
}
