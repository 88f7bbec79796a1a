/* Interpreter life cycle: create (resolve + parse), allocate (prepare, plan, bind), invoke. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../ops/registry.h"
#include "interp.h"
#include "planner.h"

void tflrt_palloc_free_all(struct tflrt_interp* it, tflrt_node* node);
void tflrt_custom_node_release(tflrt_node* node); /* custom_ops.c: a user op's free callback */

static int allocate_subgraph(tflrt_interp* it, tflrt_subgraph* sg);
static int invoke_subgraph(tflrt_interp* it, tflrt_subgraph* sg);

#define DEFAULT_ARENA_LIMIT (UINT64_C(4) << 30)

const char* tflrt_version(void) { return TFLRT_VERSION; }

void tflrt_options_init(tflrt_options* o) {
  memset(o, 0, sizeof(*o));
  o->num_threads = 1;
  o->resolver = TFLRT_RESOLVER_AUTO;
  o->isa_cap = -1;
}

int tflrt_interp_fail(struct tflrt_interp* it, int status, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(it->err, sizeof it->err, fmt, ap);
  va_end(ap);
  return status;
}

const char* tflrt_interp_error(const tflrt_interp* it) { return it->err; }

static void ctx_init(tflrt_interp* it, tflrt_subgraph* sg, tflrt_ctx* ctx) {
  memset(ctx, 0, sizeof(*ctx));
  ctx->tensors = sg->tensors;
  ctx->n_tensors = sg->n_tensors;
  ctx->k = &it->kernels;
  ctx->pool = it->pool;
  ctx->num_threads = it->opts.num_threads;
  ctx->interp = it;
  ctx->sg = sg;
}

static uint64_t tensor_full_bytes(const tflrt_tensor* t) {
  uint64_t n = tflrt_type_size(t->type);
  for (int32_t i = 0; i < t->ndims; i++) n *= (uint64_t)t->dims[i];
  return n;
}

/* ---- create ---- */

/* A variable's initial value: its constant data when the model gives one, else "zero" -- for
 * per-tensor int8 that is the zero point, as TFLite's ResetVariableTensor does. */
static void reset_variable(tflrt_tensor* t, const tflrt_mtensor* mt) {
  if (mt->data != NULL && mt->data_size == t->bytes)
    memcpy(t->data, mt->data, t->bytes);
  else if (t->type == TFLRT_INT8 && t->nq == 1)
    memset(t->data, (int)(int8_t)t->zero_point, t->bytes);
  else
    memset(t->data, 0, t->bytes);
}

static int init_tensors(tflrt_interp* it, tflrt_subgraph* sg) {
  const tflrt_msubgraph* m = sg->m;
  sg->n_tensors = m->n_tensors;
  sg->tensors = calloc((size_t)m->n_tensors + 1, sizeof(tflrt_tensor));
  sg->first_use = calloc((size_t)m->n_tensors + 1, sizeof(int32_t));
  sg->last_use = calloc((size_t)m->n_tensors + 1, sizeof(int32_t));
  sg->arena_offset = calloc((size_t)m->n_tensors + 1, sizeof(int64_t));
  if (!sg->tensors || !sg->first_use || !sg->last_use || !sg->arena_offset)
    return tflrt_interp_fail(it, TFLRT_ERR_NOMEM, "out of memory creating tensors");
  for (int32_t i = 0; i < m->n_tensors; i++) {
    const tflrt_mtensor* mt = &m->tensors[i];
    tflrt_tensor* t = &sg->tensors[i];
    t->index = i;
    t->type = mt->type;
    t->ndims = mt->ndims;
    memcpy(t->dims, mt->dims, sizeof(int32_t) * (size_t)mt->ndims);
    t->name = mt->name;
    t->nq = mt->nq;
    t->scales = mt->scales;
    t->zero_points = mt->zero_points;
    t->qdim = mt->qdim;
    if (mt->nq > 0) {
      t->scale = mt->scales[0];
      t->zero_point = (int32_t)mt->zero_points[0];
    }
    t->is_variable = mt->is_variable;
    sg->arena_offset[i] = -1;
    sg->first_use[i] = sg->last_use[i] = -1;
    if (mt->data != NULL && !mt->is_variable) {
      t->alloc = TFLRT_ALLOC_CONST;
      t->data = (void*)mt->data;
      t->bytes = mt->data_size;
    } else if (mt->is_variable) {
      const uint64_t b = tensor_full_bytes(t);
      if (b > it->opts.arena_limit)
        return tflrt_interp_fail(it, TFLRT_ERR_NOMEM, "variable tensor %d ('%s') needs %llu bytes, over the limit",
                                 (int)i, t->name, (unsigned long long)b);
      void* p = NULL;
      if (posix_memalign(&p, TFLRT_ALIGN, b ? (size_t)b : 1) != 0)
        return tflrt_interp_fail(it, TFLRT_ERR_NOMEM, "out of memory for variable tensor %d", (int)i);
      t->alloc = TFLRT_ALLOC_PERSIST;
      t->data = p;
      t->bytes = (size_t)b;
      reset_variable(t, mt);
      it->persistent_bytes += b;
    } else {
      t->alloc = TFLRT_ALLOC_NONE;
      t->bytes = (size_t)tensor_full_bytes(t);
    }
  }
  return TFLRT_OK;
}

static int unresolved(tflrt_interp* it, const tflrt_subgraph* sg, int32_t i, const tflrt_mop* mop,
                      int other) {
  const char* name = tflrt_builtin_name(mop->builtin_code);
  char where[64];
  if (sg->index > 0)
    snprintf(where, sizeof where, "node %d of subgraph %d", (int)i, (int)sg->index);
  else
    snprintf(where, sizeof where, "node %d", (int)i);
  if (mop->builtin_code == TFLRT_BUILTIN_CUSTOM)
    return tflrt_interp_fail(it, TFLRT_ERR_UNSUPPORTED,
                             "Encountered unresolved custom op: %s (%s, version %d)%s. Register a C "
                             "implementation before creating the interpreter: from Python with "
                             "tflite_rt.InterpreterWithCustomOps(custom_op_registerers=[...]), from C with "
                             "tflrt_register_custom_op() (tflite_rt/c_api.h, tflite_rt/custom_op.h).",
                             mop->custom_code ? mop->custom_code : "?", where, (int)mop->version,
                             other ? "; it is registered, but not for this version" : "");
  if (other)
    return tflrt_interp_fail(it, TFLRT_ERR_UNSUPPORTED,
                             "Didn't find op for builtin opcode '%s' version '%d' (%s). This version is not "
                             "supported by tflite_rt; other versions of this op are.",
                             name ? name : "?", (int)mop->version, where);
  return tflrt_interp_fail(it, TFLRT_ERR_UNSUPPORTED,
                           "Op %s (builtin code %d, version %d) used by %s is not supported by tflite_rt yet.",
                           name ? name : "?", (int)mop->builtin_code, (int)mop->version, where);
}

static int init_nodes(tflrt_interp* it, tflrt_subgraph* sg) {
  const tflrt_msubgraph* m = sg->m;
  sg->n_nodes = m->n_ops;
  sg->nodes = calloc((size_t)m->n_ops + 1, sizeof(tflrt_node));
  size_t n_out = 0;
  for (int32_t i = 0; i < m->n_ops; i++) n_out += (size_t)m->ops[i].n_outputs;
  sg->node_outputs = malloc(sizeof(int32_t) * (n_out + 1));
  if (!sg->nodes || !sg->node_outputs) return tflrt_interp_fail(it, TFLRT_ERR_NOMEM, "out of memory creating nodes");
  n_out = 0;
  tflrt_ctx ctx;
  ctx_init(it, sg, &ctx);
  for (int32_t i = 0; i < m->n_ops; i++) {
    const tflrt_mop* mop = &m->ops[i];
    tflrt_node* n = &sg->nodes[i];
    int other = 0;
    const tflrt_op* op = tflrt_registry_find(mop->builtin_code, mop->custom_code, mop->version, &other);
    if (op == NULL) return unresolved(it, sg, i, mop, other);
    n->index = i;
    n->op = op;
    n->builtin_code = mop->builtin_code;
    n->version = mop->version;
    n->op_name = op->name;
    n->n_inputs = mop->n_inputs;
    n->n_outputs = mop->n_outputs;
    n->n_intermediates = mop->n_intermediates;
    n->inputs = mop->inputs;
    int32_t* outs = sg->node_outputs + n_out;
    for (int32_t k = 0; k < mop->n_outputs; k++) outs[k] = mop->outputs[k];
    n_out += (size_t)mop->n_outputs;
    n->outputs = outs;
    n->intermediates = mop->intermediates;
    n->options = mop->has_options ? &mop->options : NULL;
    n->options_type = mop->options_type;
    n->options2 = mop->has_options2 ? &mop->options2 : NULL;
    n->custom_options = mop->custom_options;
    n->custom_options_size = mop->custom_options_size;
    if (op->data_size > 0) {
      if (posix_memalign(&n->data, 64, op->data_size) != 0) {
        n->data = NULL;
        return tflrt_interp_fail(it, TFLRT_ERR_NOMEM, "out of memory for node %d", (int)i);
      }
      memset(n->data, 0, op->data_size);
      it->persistent_bytes += op->data_size;
    }
    for (int32_t k = 0; k < n->n_outputs; k++) {
      const tflrt_tensor* t = &sg->tensors[n->outputs[k]];
      if (t->alloc == TFLRT_ALLOC_CONST)
        return tflrt_interp_fail(it, TFLRT_ERR_MODEL, "Node %d (%s): output %d is tensor %d ('%s'), which is a constant",
                                 (int)i, n->op_name, (int)k, (int)t->index, t->name);
    }
    if (op->parse) {
      ctx.node = n;
      int r = op->parse(&ctx, n);
      if (r == TFLRT_ERR_RUNTIME) r = TFLRT_ERR_MODEL; /* parse reads only the model's options */
      if (r != TFLRT_OK) {
        if (it->err[0] == 0) tflrt_interp_fail(it, r, "Node %d (%s): invalid options", (int)i, n->op_name);
        return r;
      }
    }
  }
  return TFLRT_OK;
}

int tflrt_interp_create(const tflrt_model* m, const tflrt_options* o, tflrt_interp** out, char* err,
                        size_t err_cap) {
  *out = NULL;
  tflrt_interp* it = calloc(1, sizeof(*it));
  if (!it) {
    if (err_cap) snprintf(err, err_cap, "out of memory");
    return TFLRT_ERR_NOMEM;
  }
  if (o)
    it->opts = *o;
  else
    tflrt_options_init(&it->opts);
  if (it->opts.num_threads < 1) it->opts.num_threads = 1;
  if (it->opts.arena_limit == 0) it->opts.arena_limit = DEFAULT_ARENA_LIMIT;
  it->model = m;
  pthread_mutex_init(&it->mu, NULL);
  int cap = it->opts.isa_cap;
  if (it->opts.resolver == TFLRT_RESOLVER_BUILTIN_REF) cap = TFLRT_ISA_REF;
  tflrt_kernels_init(&it->kernels, cap);
  if (it->opts.num_threads > 1) it->pool = tflrt_threadpool_create(it->opts.num_threads);
  it->n_subgraphs = m->n_subgraphs;
  it->sgs = calloc((size_t)m->n_subgraphs, sizeof(tflrt_subgraph));
  int r = it->sgs ? TFLRT_OK : tflrt_interp_fail(it, TFLRT_ERR_NOMEM, "out of memory");
  for (int32_t s = 0; r == TFLRT_OK && s < m->n_subgraphs; s++) {
    tflrt_subgraph* sg = &it->sgs[s];
    sg->index = s;
    sg->m = &m->subgraphs[s];
    r = init_tensors(it, sg);
    if (r == TFLRT_OK) r = init_nodes(it, sg);
  }
  if (r != TFLRT_OK) {
    if (err_cap) snprintf(err, err_cap, "%s", it->err);
    tflrt_interp_destroy(it);
    return r;
  }
  *out = it;
  return TFLRT_OK;
}

static void free_dynamic(tflrt_subgraph* sg) {
  for (int32_t i = 0; i < sg->n_tensors; i++) {
    tflrt_tensor* t = &sg->tensors[i];
    if (t->alloc == TFLRT_ALLOC_DYNAMIC) {
      free(t->data);
      t->data = NULL;
      t->dyn_capacity = 0;
      t->alloc = TFLRT_ALLOC_NONE;
    }
  }
}

void tflrt_interp_destroy(tflrt_interp* it) {
  if (!it) return;
  tflrt_delegation_free(it); /* delegate partitions first: they own their nodes' data */
  for (int32_t s = 0; it->sgs && s < it->n_subgraphs; s++) {
    tflrt_subgraph* sg = &it->sgs[s];
    for (int32_t i = 0; sg->nodes && i < sg->n_nodes; i++) {
      tflrt_custom_node_release(&sg->nodes[i]);
      tflrt_palloc_free_all(it, &sg->nodes[i]);
      free(sg->nodes[i].data);
    }
    if (sg->tensors) {
      free_dynamic(sg);
      for (int32_t i = 0; i < sg->n_tensors; i++)
        if (sg->tensors[i].alloc == TFLRT_ALLOC_PERSIST) free(sg->tensors[i].data);
    }
    free(sg->nodes);
    free(sg->node_outputs);
    free(sg->tensors);
    free(sg->first_use);
    free(sg->last_use);
    free(sg->arena_offset);
    free(sg->arena);
    free(sg->prof_ns);
    free(sg->prof_count);
    free(sg->plan);
  }
  free(it->sgs);
  tflrt_resources_free(it);
  tflrt_threadpool_destroy(it->pool);
  pthread_mutex_destroy(&it->mu);
  free(it);
}

/* ---- allocate ---- */

static int is_sg_input(const tflrt_subgraph* sg, int32_t t) {
  for (int32_t i = 0; i < sg->m->n_inputs; i++)
    if (sg->m->inputs[i] == t) return 1;
  return 0;
}

/* A sparse constant's data holds only its stored values, so DENSIFY (builtin code 124) is the
 * one op allowed to read it; any other reader (FULLY_CONNECTED or CONV_2D weights the converter
 * did not densify, a custom op, ...) fails here, before its prepare could misread the data. */
static int refuse_sparse_inputs(tflrt_ctx* ctx, const tflrt_subgraph* sg, const tflrt_node* n) {
  if (n->builtin_code == 124) return TFLRT_OK;
  for (int32_t j = 0; j < n->n_inputs; j++) {
    const int32_t t = n->inputs[j];
    if (t < 0 || t >= sg->m->n_tensors || sg->m->tensors[t].sparsity == NULL) continue;
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED,
                         "input %d (tensor %d '%s') is a sparse constant; tflite_rt reads sparse tensors only "
                         "through a DENSIFY op (convert the model so that a DENSIFY op produces the dense weights)",
                         (int)j, (int)t, sg->m->tensors[t].name);
  }
  return TFLRT_OK;
}

static int prepare_node(tflrt_interp* it, tflrt_subgraph* sg, tflrt_ctx* ctx, tflrt_node* n) {
  tflrt_palloc_free_all(it, n);
  n->n_scratch = 0;
  ctx->node = n;
  int r = refuse_sparse_inputs(ctx, sg, n);
  if (r != TFLRT_OK) return r;
  r = n->op->prepare(ctx, n);
  if (r != TFLRT_OK && it->err[0] == 0) {
    if (sg->index > 0)
      tflrt_interp_fail(it, r, "Subgraph %d, node %d (%s) failed to prepare.", (int)sg->index, (int)n->index,
                        n->op_name);
    else
      tflrt_interp_fail(it, r, "Node %d (%s) failed to prepare.", (int)n->index, n->op_name);
  }
  return r;
}

/* Builds the arena plan for every non-constant tensor and every scratch buffer. Lifetimes are
 * in steps of the execution plan (= node indices when no delegate is applied). */
static int plan_and_bind(tflrt_interp* it, tflrt_subgraph* sg) {
  const int32_t nn = tflrt_plan_len(sg), nt = sg->n_tensors;
  const int32_t end = nn; /* steps run 0..nn; inputs are alive from 0, outputs to end */
  const int keep = it->opts.preserve_all_tensors;
  for (int32_t i = 0; i < nt; i++) sg->first_use[i] = sg->last_use[i] = -1;
  for (int32_t i = 0; i < sg->m->n_inputs; i++) {
    const int32_t t = sg->m->inputs[i];
    sg->first_use[t] = 0;
    sg->last_use[t] = end;
  }
  for (int32_t k = 0; k < nn; k++) {
    const tflrt_node* n = tflrt_plan_node(sg, k);
    for (int32_t j = 0; j < n->n_outputs; j++) {
      const int32_t t = n->outputs[j];
      if (t < 0) continue; /* dropped: nothing reads it */
      if (sg->first_use[t] < 0) sg->first_use[t] = k;
      if (sg->last_use[t] < k) sg->last_use[t] = k;
    }
    for (int32_t j = 0; j < n->n_inputs; j++) {
      const int32_t t = n->inputs[j];
      if (t < 0) continue;
      if (sg->first_use[t] < 0) sg->first_use[t] = k; /* read before written: keep it alive */
      if (sg->last_use[t] < k) sg->last_use[t] = k;
    }
  }
  for (int32_t i = 0; i < sg->m->n_outputs; i++) {
    const int32_t t = sg->m->outputs[i];
    if (sg->first_use[t] < 0) sg->first_use[t] = 0;
    sg->last_use[t] = end;
  }
  int32_t n_scratch = 0;
  for (int32_t k = 0; k < nn; k++) n_scratch += tflrt_plan_node(sg, k)->dynamic ? 0 : tflrt_plan_node(sg, k)->n_scratch;
  tflrt_plan_buf* bufs = calloc((size_t)nt + (size_t)n_scratch + 1, sizeof(*bufs));
  int32_t* who = calloc((size_t)nt + (size_t)n_scratch + 1, sizeof(int32_t));
  if (!bufs || !who) {
    free(bufs), free(who);
    return tflrt_interp_fail(it, TFLRT_ERR_NOMEM, "out of memory planning the arena");
  }
  int32_t nb = 0;
  for (int32_t i = 0; i < nt; i++) {
    tflrt_tensor* t = &sg->tensors[i];
    sg->arena_offset[i] = -1;
    if (t->alloc != TFLRT_ALLOC_NONE && t->alloc != TFLRT_ALLOC_ARENA) continue;
    t->alloc = TFLRT_ALLOC_NONE;
    t->data = NULL;
    if (sg->first_use[i] < 0) continue; /* not used by this subgraph */
    bufs[nb].size = t->bytes;
    bufs[nb].first = keep ? 0 : sg->first_use[i];
    bufs[nb].last = keep ? end : sg->last_use[i];
    who[nb++] = i;
  }
  for (int32_t k = 0; k < nn; k++) {
    const tflrt_node* n = tflrt_plan_node(sg, k);
    if (n->dynamic) continue;
    for (int32_t s = 0; s < n->n_scratch; s++) {
      bufs[nb].size = n->scratch_bytes[s];
      bufs[nb].first = bufs[nb].last = k;
      who[nb++] = -1 - (n->index * TFLRT_MAX_SCRATCH + s);
    }
  }
  uint64_t total = 0;
  if (tflrt_plan(bufs, nb, TFLRT_ALIGN, &total) != 0) {
    free(bufs), free(who);
    return tflrt_interp_fail(it, TFLRT_ERR_NOMEM, "arena plan overflowed");
  }
  uint64_t others = 0;
  for (int32_t s = 0; s < it->n_subgraphs; s++)
    if (&it->sgs[s] != sg) others += it->sgs[s].arena_bytes;
  if (total > it->opts.arena_limit || others + total > it->opts.arena_limit) {
    free(bufs), free(who);
    return tflrt_interp_fail(it, TFLRT_ERR_NOMEM,
                             "The model needs an arena of %llu bytes, over the limit of %llu bytes",
                             (unsigned long long)total, (unsigned long long)it->opts.arena_limit);
  }
  free(sg->arena);
  sg->arena = NULL;
  sg->arena_bytes = 0;
  if (total > 0) {
    void* p = NULL;
    if (posix_memalign(&p, TFLRT_ALIGN, (size_t)total) != 0) {
      free(bufs), free(who);
      return tflrt_interp_fail(it, TFLRT_ERR_NOMEM, "cannot allocate an arena of %llu bytes",
                               (unsigned long long)total);
    }
    memset(p, 0, (size_t)total);
    sg->arena = p;
    sg->arena_bytes = total;
  }
  for (int32_t b = 0; b < nb; b++) {
    if (who[b] >= 0) {
      tflrt_tensor* t = &sg->tensors[who[b]];
      t->alloc = TFLRT_ALLOC_ARENA;
      t->data = t->bytes ? sg->arena + bufs[b].offset : (void*)sg->arena;
      sg->arena_offset[who[b]] = (int64_t)bufs[b].offset;
    } else {
      const int32_t code = -1 - who[b];
      tflrt_node* n = &sg->nodes[code / TFLRT_MAX_SCRATCH];
      n->scratch[code % TFLRT_MAX_SCRATCH] = sg->arena + bufs[b].offset;
    }
  }
  free(bufs), free(who);
  return TFLRT_OK;
}

static int allocate_subgraph(tflrt_interp* it, tflrt_subgraph* sg) {
  tflrt_ctx ctx;
  ctx_init(it, sg, &ctx);
  sg->allocated = 0;
  sg->has_dynamic = 0;
  free_dynamic(sg);
  /* Non-input activations take their shapes from prepare. */
  for (int32_t i = 0; i < sg->n_tensors; i++) {
    tflrt_tensor* t = &sg->tensors[i];
    if (t->alloc == TFLRT_ALLOC_ARENA) {
      t->alloc = TFLRT_ALLOC_NONE;
      t->data = NULL;
    }
  }
  for (int32_t k = 0; k < tflrt_plan_len(sg); k++) {
    tflrt_node* n = tflrt_plan_node(sg, k);
    n->dynamic = 0;
    /* a DELEGATE node is never deferred: its prepare refuses dynamic inputs (CPU fallback) */
    for (int32_t j = 0; j < n->n_inputs && !n->dynamic && !tflrt_node_is_delegate(n); j++) {
      const int32_t t = n->inputs[j];
      if (t >= 0 && sg->tensors[t].alloc == TFLRT_ALLOC_DYNAMIC) n->dynamic = 1;
    }
    if (n->dynamic) {
      /* Prepared at eval time, once its inputs have their shapes; outputs live on the heap. */
      sg->has_dynamic = 1;
      tflrt_palloc_free_all(it, n);
      n->n_scratch = 0;
      for (int32_t j = 0; j < n->n_outputs; j++) {
        tflrt_tensor* t = tflrt_out(&ctx, n, j);
        if (t && t->alloc == TFLRT_ALLOC_NONE) t->alloc = TFLRT_ALLOC_DYNAMIC;
      }
      continue;
    }
    int r = prepare_node(it, sg, &ctx, n);
    if (r != TFLRT_OK) {
      /* A delegated partition failed to prepare: run the subgraph on CPU instead. */
      if (tflrt_delegation_fallback(it, sg, n)) return allocate_subgraph(it, sg);
      return r;
    }
  }
  int r = plan_and_bind(it, sg);
  if (r != TFLRT_OK) return r;
  sg->allocated = 1;
  return TFLRT_OK;
}

static int recursion(tflrt_interp* it, const tflrt_subgraph* sg) {
  return tflrt_interp_fail(it, TFLRT_ERR_MODEL,
                           "Subgraph %d is entered again while it is being prepared or run: the model's control "
                           "flow (WHILE/IF/CALL_ONCE) is recursive",
                           (int)sg->index);
}

int tflrt_subgraph_allocate(tflrt_interp* it, tflrt_subgraph* sg) {
  if (sg->busy) return recursion(it, sg);
  sg->busy = 1;
  int r = allocate_subgraph(it, sg);
  sg->busy = 0;
  return r;
}

int tflrt_subgraph_invoke(tflrt_interp* it, tflrt_subgraph* sg) {
  if (sg->busy) return recursion(it, sg);
  sg->busy = 1;
  int r = invoke_subgraph(it, sg);
  sg->busy = 0;
  return r;
}

int tflrt_interp_allocate(tflrt_interp* it, int32_t s) {
  pthread_mutex_lock(&it->mu);
  it->err[0] = 0;
  int r;
  if (s < 0 || s >= it->n_subgraphs)
    r = tflrt_interp_fail(it, TFLRT_ERR_VALUE, "Invalid subgraph index %d (the model has %d)", (int)s,
                          (int)it->n_subgraphs);
  else
    r = tflrt_subgraph_allocate(it, &it->sgs[s]);
  pthread_mutex_unlock(&it->mu);
  return r;
}

int tflrt_interp_is_allocated(const tflrt_interp* it, int32_t s) {
  return s >= 0 && s < it->n_subgraphs && it->sgs[s].allocated;
}

/* ---- invoke ---- */

static int prepare_dynamic_node(tflrt_interp* it, tflrt_subgraph* sg, tflrt_ctx* ctx, tflrt_node* n) {
  int r = prepare_node(it, sg, ctx, n);
  if (r != TFLRT_OK) return r;
  for (int32_t j = 0; j < n->n_outputs; j++) {
    tflrt_tensor* t = tflrt_out(ctx, n, j);
    if (t && t->alloc == TFLRT_ALLOC_NONE) {
      t->alloc = TFLRT_ALLOC_DYNAMIC;
      r = tflrt_set_output_shape(ctx, t, t->ndims, t->dims);
      if (r != TFLRT_OK) return r;
    }
  }
  for (int32_t s = 0; s < n->n_scratch; s++) {
    void* p = tflrt_persistent_alloc(ctx, n, n->scratch_bytes[s]);
    if (!p && n->scratch_bytes[s]) return TFLRT_ERR_NOMEM;
    n->scratch[s] = p;
  }
  return TFLRT_OK;
}

static int invoke_subgraph(tflrt_interp* it, tflrt_subgraph* sg) {
  if (!sg->allocated) {
    if (sg->index > 0) return tflrt_interp_fail(it, TFLRT_ERR_RUNTIME, "Subgraph %d is not allocated.", (int)sg->index);
    return tflrt_interp_fail(it, TFLRT_ERR_RUNTIME, "Invoke called on model that is not ready.");
  }
  tflrt_ctx ctx;
  ctx_init(it, sg, &ctx);
  for (int32_t k = 0; k < tflrt_plan_len(sg); k++) {
    tflrt_node* n = tflrt_plan_node(sg, k);
    if (n->dynamic) {
      ctx.in_eval = 0;
      int r = prepare_dynamic_node(it, sg, &ctx, n);
      if (r != TFLRT_OK) return r;
    }
    ctx.node = n;
    ctx.in_eval = 1;
    struct timespec t0, t1;
    if (it->profiling) clock_gettime(CLOCK_MONOTONIC, &t0);
    int r = n->op->eval(&ctx, n);
    if (it->profiling && sg->prof_ns) {
      clock_gettime(CLOCK_MONOTONIC, &t1);
      sg->prof_ns[n->index] += (uint64_t)((int64_t)(t1.tv_sec - t0.tv_sec) * 1000000000 + (t1.tv_nsec - t0.tv_nsec));
      sg->prof_count[n->index]++;
    }
    if (r != TFLRT_OK) {
      if (it->err[0] == 0) {
        if (sg->index > 0)
          tflrt_interp_fail(it, r, "Subgraph %d, node %d (%s) failed to invoke.", (int)sg->index, (int)n->index,
                            n->op_name);
        else
          tflrt_interp_fail(it, r, "Node %d (%s) failed to invoke.", (int)n->index, n->op_name);
      }
      return r;
    }
  }
  return TFLRT_OK;
}

int tflrt_interp_invoke(tflrt_interp* it, int32_t s) {
  pthread_mutex_lock(&it->mu);
  it->err[0] = 0;
  int r;
  if (s < 0 || s >= it->n_subgraphs)
    r = tflrt_interp_fail(it, TFLRT_ERR_VALUE, "Invalid subgraph index %d (the model has %d)", (int)s,
                          (int)it->n_subgraphs);
  else
    r = tflrt_subgraph_invoke(it, &it->sgs[s]);
  pthread_mutex_unlock(&it->mu);
  return r;
}

/* ---- resize, variables, threads ---- */

int tflrt_interp_resize_input(tflrt_interp* it, int32_t s, int32_t ti, const int32_t* dims, int32_t ndims,
                              int strict) {
  pthread_mutex_lock(&it->mu);
  it->err[0] = 0;
  int r = TFLRT_OK;
  if (s < 0 || s >= it->n_subgraphs) {
    r = tflrt_interp_fail(it, TFLRT_ERR_VALUE, "Invalid subgraph index %d", (int)s);
    goto done;
  }
  tflrt_subgraph* sg = &it->sgs[s];
  if (ti < 0 || ti >= sg->n_tensors || !is_sg_input(sg, ti)) {
    r = tflrt_interp_fail(it, TFLRT_ERR_VALUE, "Tensor %d is not an input of subgraph %d", (int)ti, (int)s);
    goto done;
  }
  if (ndims < 0 || ndims > TFLRT_MAX_DIMS) {
    r = tflrt_interp_fail(it, TFLRT_ERR_VALUE, "Shape has rank %d; at most %d is supported", (int)ndims,
                          TFLRT_MAX_DIMS);
    goto done;
  }
  tflrt_tensor* t = &sg->tensors[ti];
  const int32_t* sig = sg->m->tensors[ti].dims_signature;
  if (strict) {
    if (ndims != t->ndims) {
      r = tflrt_interp_fail(it, TFLRT_ERR_RUNTIME,
                            "Attempting to resize tensor %d of rank %d to rank %d. ResizeInputTensorStrict only "
                            "allows mutating unknown dimensions identified by -1.",
                            (int)ti, (int)t->ndims, (int)ndims);
      goto done;
    }
    for (int32_t d = 0; d < ndims; d++) {
      const int unknown = sig != NULL && sig[d] == -1;
      if (!unknown && dims[d] != t->dims[d]) {
        r = tflrt_interp_fail(it, TFLRT_ERR_RUNTIME,
                              "Attempting to resize dimension %d of tensor %d with value %d to %d. "
                              "ResizeInputTensorStrict only allows mutating unknown dimensions identified by -1.",
                              (int)d, (int)ti, (int)t->dims[d], (int)dims[d]);
        goto done;
      }
    }
  }
  uint64_t bytes = tflrt_type_size(t->type);
  for (int32_t d = 0; d < ndims; d++) {
    if (dims[d] < 0) {
      r = tflrt_interp_fail(it, TFLRT_ERR_VALUE, "Cannot resize tensor %d: dimension %d is negative (%d)", (int)ti,
                            (int)d, (int)dims[d]);
      goto done;
    }
    if (dims[d] != 0 && bytes > it->opts.arena_limit / (uint64_t)dims[d]) {
      r = tflrt_interp_fail(it, TFLRT_ERR_VALUE, "Cannot resize tensor %d: the new size is over the arena limit",
                            (int)ti);
      goto done;
    }
    bytes *= (uint64_t)dims[d];
  }
  if (t->alloc == TFLRT_ALLOC_CONST || t->alloc == TFLRT_ALLOC_PERSIST) {
    r = tflrt_interp_fail(it, TFLRT_ERR_VALUE, "Tensor %d is constant or a variable and cannot be resized", (int)ti);
    goto done;
  }
  int same = ndims == t->ndims;
  for (int32_t d = 0; same && d < ndims; d++) same = dims[d] == t->dims[d];
  if (!same) {
    t->ndims = ndims;
    for (int32_t d = 0; d < ndims; d++) t->dims[d] = dims[d];
    t->bytes = (size_t)bytes;
    sg->allocated = 0;
    /* Its arena slot has the old size: no data until allocate (set/get_tensor and tensor()
     * would otherwise copy the new byte count through the old slot). */
    if (t->alloc == TFLRT_ALLOC_ARENA) {
      t->alloc = TFLRT_ALLOC_NONE;
      t->data = NULL;
    }
  }
done:
  pthread_mutex_unlock(&it->mu);
  return r;
}

int tflrt_interp_reset_variables(tflrt_interp* it) {
  pthread_mutex_lock(&it->mu);
  for (int32_t s = 0; s < it->n_subgraphs; s++) {
    tflrt_subgraph* sg = &it->sgs[s];
    for (int32_t i = 0; i < sg->n_tensors; i++) {
      tflrt_tensor* t = &sg->tensors[i];
      if (t->alloc != TFLRT_ALLOC_PERSIST) continue;
      const tflrt_mtensor* mt = &sg->m->tensors[i];
      reset_variable(t, mt);
    }
  }
  pthread_mutex_unlock(&it->mu);
  return TFLRT_OK;
}

int tflrt_interp_set_num_threads(tflrt_interp* it, int32_t n) {
  if (n < 1) return tflrt_interp_fail(it, TFLRT_ERR_VALUE, "num_threads should >= 1");
  pthread_mutex_lock(&it->mu);
  if (n != it->opts.num_threads) {
    tflrt_threadpool_destroy(it->pool);
    it->pool = n > 1 ? tflrt_threadpool_create(n) : NULL;
    it->opts.num_threads = it->pool ? tflrt_threadpool_size(it->pool) : 1;
  }
  pthread_mutex_unlock(&it->mu);
  return TFLRT_OK;
}

int tflrt_interp_set_profiling(tflrt_interp* it, int enabled) {
  pthread_mutex_lock(&it->mu);
  int r = TFLRT_OK;
  for (int32_t s = 0; enabled && s < it->n_subgraphs; s++) {
    tflrt_subgraph* sg = &it->sgs[s];
    if (!sg->prof_ns) {
      sg->prof_ns = calloc((size_t)sg->n_nodes + 1, sizeof(uint64_t));
      sg->prof_count = calloc((size_t)sg->n_nodes + 1, sizeof(uint64_t));
      if (!sg->prof_ns || !sg->prof_count) r = tflrt_interp_fail(it, TFLRT_ERR_NOMEM, "out of memory for profiling");
    } else {
      memset(sg->prof_ns, 0, sizeof(uint64_t) * (size_t)sg->n_nodes);
      memset(sg->prof_count, 0, sizeof(uint64_t) * (size_t)sg->n_nodes);
    }
  }
  it->profiling = enabled && r == TFLRT_OK;
  pthread_mutex_unlock(&it->mu);
  return r;
}

int tflrt_interp_node_profile(const tflrt_interp* it, int32_t s, int32_t k, uint64_t* total_ns, uint64_t* count) {
  *total_ns = *count = 0;
  if (s < 0 || s >= it->n_subgraphs || k < 0 || k >= it->sgs[s].n_nodes) return TFLRT_ERR_VALUE;
  if (it->sgs[s].prof_ns) {
    *total_ns = it->sgs[s].prof_ns[k];
    *count = it->sgs[s].prof_count[k];
  }
  return TFLRT_OK;
}

int32_t tflrt_interp_num_threads(const tflrt_interp* it) { return it->opts.num_threads; }
const char* tflrt_interp_isa(const tflrt_interp* it) { return tflrt_isa_name(it->kernels.isa); }
