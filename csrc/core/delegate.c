/* Applying delegates to an interpreter (see c_api.h and tflite_rt/delegate.h).
 *
 * apply: for each subgraph, the plugin marks the nodes it supports (through the read-only view,
 * delegate_view.c); tflrt_partition_graph (partition.c) groups them into partitions over the current
 * execution plan; each kept partition becomes one DELEGATE node appended to sg->nodes, and
 * sg->plan lists the DELEGATE nodes in place of the nodes they replace. Unsupported nodes keep
 * their CPU kernels.
 *
 * A DELEGATE node is an ordinary node for the interpreter (op tflrt_delegate_kernel): its inputs
 * and outputs are the partition's boundary tensors, which the arena planner places like any
 * other tensor. Tensors used only inside a partition are read by no node of the plan and get no
 * runtime memory. Its prepare first propagates shapes by running the CPU prepare of the nodes it
 * replaces (then drops what they allocated), so the plugin sees final shapes; then it calls the
 * plugin's prepare. Its eval hands the plugin data pointers and shapes of the boundary tensors.
 *
 * Fallback: when select fails, the subgraph keeps its plan. When init fails for a partition, or
 * a DELEGATE node fails to prepare (tflrt_delegation_fallback), that partition goes back to CPU:
 * its nodes take its place in the plan (a valid order: every edge of the plan went into or out
 * of the partition as a whole) and the interpreter prepares the subgraph again. Other partitions
 * stay delegated. Either way the reason is recorded in the delegation's report. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delegate_impl.h"
#include "partition.h"

void tflrt_palloc_free_all(struct tflrt_interp* it, tflrt_node* node);

#define BUILTIN_DELEGATE 51 /* BuiltinOperator DELEGATE, as LiteRT labels its delegate nodes */

typedef struct {
  tflrt_delegate_lib* lib;
  int32_t subgraph, n_supported, n_partitions, n_delegated;
  int32_t n_failed;             /* partitions that went back to CPU */
  char* reason;                 /* heap; NULL = none; failures joined with "; " */
} drec;

#define REASON_CAP 4096

/* node->data of a DELEGATE node. */
typedef struct {
  tflrt_partition pub;
  int32_t rec;                  /* index of its drec */
  tflrt_delegate_lib* lib;
  tflrt_dview* view;
  void* state;
  int inited;
  uint8_t side_effect;          /* one of its nodes has side effects */
  int32_t* ids;                 /* nodes | inputs | outputs */
  tflrt_tensor_buffer* bufs;    /* inputs then outputs, filled at each eval */
  tflrt_partition_io io;
} dpart;

struct tflrt_delegation {
  tflrt_delegate_lib** libs;    /* one reference per apply call */
  int32_t n_libs, cap_libs;
  drec* recs;
  int32_t n_recs, cap_recs;
  tflrt_dview** views;          /* per subgraph, created on first use */
};

/* ---- records ---- */

/* Appends a failure to the record's reason (bounded; dropped when out of memory). */
static void rec_reason(drec* r, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
static void rec_reason(drec* r, const char* fmt, ...) {
  char buf[TFLRT_ERR_CAP];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  const size_t old = r->reason ? strlen(r->reason) : 0;
  if (old + 2 >= REASON_CAP) return;
  char* p = realloc(r->reason, REASON_CAP);
  if (!p) return;
  r->reason = p;
  snprintf(p + old, REASON_CAP - old, "%s%s", old ? "; " : "", buf);
}

static int grow(void** p, int32_t* cap, int32_t need, size_t elem) {
  if (need <= *cap) return 1;
  int32_t c = *cap ? *cap * 2 : 4;
  while (c < need) c *= 2;
  void* q = realloc(*p, (size_t)c * elem);
  if (!q) return 0;
  *p = q;
  *cap = c;
  return 1;
}

static struct tflrt_delegation* delegation_get(tflrt_interp* it) {
  if (it->delegation) return it->delegation;
  struct tflrt_delegation* d = calloc(1, sizeof(*d));
  if (d) d->views = calloc((size_t)it->n_subgraphs + 1, sizeof(tflrt_dview*));
  if (d && !d->views) {
    free(d);
    d = NULL;
  }
  it->delegation = d;
  return d;
}

static tflrt_dview* view_get(tflrt_interp* it, int32_t s) {
  struct tflrt_delegation* D = it->delegation;
  if (!D->views[s]) {
    D->views[s] = malloc(sizeof(tflrt_dview));
    if (D->views[s]) tflrt_dview_init(D->views[s], it, &it->sgs[s]);
  }
  return D->views[s];
}

/* ---- partitions ---- */

static int32_t* part_nodes(dpart* p) { return p->ids; }
static int32_t* part_inputs(dpart* p) { return p->ids + p->pub.n_nodes; }
static int32_t* part_outputs(dpart* p) { return p->ids + p->pub.n_nodes + p->pub.n_inputs; }

static void part_release(dpart* p) {
  if (!p) return;
  if (p->inited && p->lib->d->free) {
    tflrt_lib_enter(p->lib);
    p->lib->d->free(p->lib->d, p->state);
    tflrt_lib_leave(p->lib);
  }
  free(p->ids);
  free(p->bufs);
  free(p);
}

/* "0-26, 28, 30-31" into buf. */
static void format_nodes(const int32_t* v, int32_t n, char* buf, size_t cap) {
  size_t used = 0;
  buf[0] = 0;
  for (int32_t i = 0; i < n && used + 16 < cap;) {
    int32_t j = i;
    while (j + 1 < n && v[j + 1] == v[j] + 1) j++;
    int w = j > i ? snprintf(buf + used, cap - used, "%s%d-%d", i ? ", " : "", (int)v[i], (int)v[j])
                  : snprintf(buf + used, cap - used, "%s%d", i ? ", " : "", (int)v[i]);
    if (w < 0) break;
    used += (size_t)w;
    i = j + 1;
  }
  if (used + 16 >= cap && cap > 4) snprintf(buf + cap - 5, 5, "...");
}

static const char* part_label(const dpart* p, char* buf, size_t cap) {
  char nodes[256];
  format_nodes(p->pub.nodes, p->pub.n_nodes, nodes, sizeof nodes);
  snprintf(buf, cap, "delegate '%s', partition of nodes %s", p->lib->d->name, nodes);
  return buf;
}

/* ---- the DELEGATE node's op ---- */

static int dnode_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  dpart* p = node->data;
  tflrt_interp* it = ctx->interp;
  tflrt_subgraph* sg = ctx->sg;
  char label[384];
  for (int32_t i = 0; i < p->pub.n_inputs; i++) {
    const tflrt_tensor* t = &ctx->tensors[p->pub.inputs[i]];
    if (t->alloc == TFLRT_ALLOC_DYNAMIC)
      return tflrt_op_error(ctx, "%s: input tensor %d ('%s') has a shape known only at run time; delegated "
                            "partitions need static shapes", part_label(p, label, sizeof label), (int)t->index,
                            t->name);
  }
  /* Shape propagation through the replaced nodes with their CPU prepare; what they allocate
   * (parameters, packed weights, scratch requests) is dropped: they do not run. */
  for (int32_t k = 0; k < p->pub.n_nodes; k++) {
    tflrt_node* m = &sg->nodes[p->pub.nodes[k]];
    tflrt_palloc_free_all(it, m);
    m->n_scratch = 0;
    ctx->node = m;
    int r = m->op->prepare(ctx, m);
    if (r == TFLRT_OK) {
      for (int32_t j = 0; j < m->n_outputs; j++) {
        const tflrt_tensor* t = &ctx->tensors[m->outputs[j]];
        if (t->alloc == TFLRT_ALLOC_DYNAMIC)
          r = tflrt_op_error(ctx, "output tensor %d ('%s') gets its shape only at run time, which a delegated "
                             "partition cannot handle", (int)t->index, t->name);
      }
    }
    if (r != TFLRT_OK && it->err[0] == 0)
      tflrt_interp_fail(it, r, "Node %d (%s) failed to prepare.", (int)m->index, m->op_name);
    tflrt_palloc_free_all(it, m);
    m->n_scratch = 0;
    ctx->node = node;
    if (r != TFLRT_OK) return r;
  }
  if (p->lib->d->prepare == NULL) return TFLRT_OK;
  p->view->msg[0] = 0;
  tflrt_lib_enter(p->lib);
  int r = p->lib->d->prepare(p->lib->d, p->state, &p->view->pub, &p->pub);
  tflrt_lib_leave(p->lib);
  if (r != 0)
    return tflrt_op_error(ctx, "%s: %s", part_label(p, label, sizeof label),
                          tflrt_dview_message(p->view, "the plugin's prepare failed without a message"));
  return TFLRT_OK;
}

static void fill_buffer(tflrt_tensor_buffer* b, const tflrt_tensor* t) {
  b->tensor = t->index;
  b->type = t->type;
  b->ndims = t->ndims;
  b->dims = t->dims;
  b->data = t->data;
  b->bytes = t->bytes;
}

static int dnode_eval(tflrt_ctx* ctx, tflrt_node* node) {
  dpart* p = node->data;
  const int32_t ni = p->pub.n_inputs, no = p->pub.n_outputs;
  for (int32_t i = 0; i < ni; i++) fill_buffer(&p->bufs[i], &ctx->tensors[p->pub.inputs[i]]);
  for (int32_t i = 0; i < no; i++) {
    const tflrt_tensor* t = &ctx->tensors[p->pub.outputs[i]];
    if (t->data == NULL && t->bytes > 0)
      return tflrt_op_error(ctx, "output tensor %d ('%s') has no memory", (int)t->index, t->name);
    fill_buffer(&p->bufs[ni + i], t);
  }
  p->view->msg[0] = 0;
  tflrt_lib_enter(p->lib);
  int r = p->lib->d->invoke(p->lib->d, p->state, &p->view->pub, &p->io);
  tflrt_lib_leave(p->lib);
  if (r != 0) {
    char label[384];
    return tflrt_op_error(ctx, "%s: %s", part_label(p, label, sizeof label),
                          tflrt_dview_message(p->view, "the plugin's invoke failed without a message"));
  }
  return TFLRT_OK;
}

const tflrt_op tflrt_delegate_kernel = {
    .name = "DELEGATE",
    .builtin_code = BUILTIN_DELEGATE,
    .min_version = 1,
    .max_version = 1,
    .data_size = 0,
    .parse = NULL,
    .prepare = dnode_prepare,
    .eval = dnode_eval,
};

/* ---- removing partitions ---- */

/* Removes the DELEGATE nodes [from, n_nodes) of sg, releasing their partitions. */
static void drop_delegate_nodes(tflrt_subgraph* sg, int32_t from) {
  for (int32_t k = from; k < sg->n_nodes; k++) {
    tflrt_node* n = &sg->nodes[k];
    if (tflrt_node_is_delegate(n)) part_release(n->data);
    memset(n, 0, sizeof(*n));
  }
  if (from < sg->n_nodes) sg->n_nodes = from;
}

/* Puts the partition of DELEGATE node k back on CPU: its nodes take its place in the plan, the
 * later DELEGATE nodes move down one index. Returns 0, or -1 when out of memory (nothing
 * changed). */
static int drop_partition(tflrt_subgraph* sg, int32_t k) {
  dpart* p = sg->nodes[k].data;
  const int32_t len = sg->plan_len - 1 + p->pub.n_nodes;
  int32_t* plan = malloc(sizeof(int32_t) * ((size_t)len + 1));
  if (!plan) return -1;
  int32_t q = 0;
  for (int32_t i = 0; i < sg->plan_len; i++) {
    const int32_t x = sg->plan[i];
    if (x == k)
      for (int32_t j = 0; j < p->pub.n_nodes; j++) plan[q++] = p->pub.nodes[j];
    else
      plan[q++] = x > k ? x - 1 : x;
  }
  free(sg->plan);
  sg->plan = plan;
  sg->plan_len = q;
  part_release(p);
  for (int32_t j = k + 1; j < sg->n_nodes; j++) {
    tflrt_node* n = &sg->nodes[j];
    sg->nodes[j - 1] = *n;
    sg->nodes[j - 1].index = j - 1;
    ((dpart*)n->data)->pub.node = j - 1;
    if (sg->prof_ns) {
      sg->prof_ns[j - 1] = sg->prof_ns[j];
      sg->prof_count[j - 1] = sg->prof_count[j];
    }
  }
  sg->n_nodes--;
  memset(&sg->nodes[sg->n_nodes], 0, sizeof(tflrt_node));
  sg->allocated = 0;
  return 0;
}

int tflrt_delegation_fallback(tflrt_interp* it, tflrt_subgraph* sg, tflrt_node* failed) {
  if (!tflrt_node_is_delegate(failed) || !it->delegation) return 0;
  const dpart* fp = failed->data;
  drec* r = &it->delegation->recs[fp->rec];
  char nodes[256];
  format_nodes(fp->pub.nodes, fp->pub.n_nodes, nodes, sizeof nodes);
  char why[TFLRT_ERR_CAP];
  snprintf(why, sizeof why, "%s", it->err[0] ? it->err : "a delegated partition failed to prepare");
  if (drop_partition(sg, failed->index) != 0) return 0; /* out of memory: the prepare error stands */
  r->n_delegated--;
  r->n_failed++;
  rec_reason(r, "partition of nodes %s went back to CPU: %s", nodes, why);
  it->err[0] = 0;
  return 1;
}

void tflrt_delegation_free(tflrt_interp* it) {
  struct tflrt_delegation* D = it->delegation;
  if (!D) return;
  for (int32_t s = 0; it->sgs && s < it->n_subgraphs; s++)
    if (it->sgs[s].nodes) drop_delegate_nodes(&it->sgs[s], it->sgs[s].m->n_ops);
  for (int32_t s = 0; s < it->n_subgraphs; s++) free(D->views[s]);
  free(D->views);
  for (int32_t i = 0; i < D->n_recs; i++) free(D->recs[i].reason);
  free(D->recs);
  for (int32_t i = 0; i < D->n_libs; i++) tflrt_delegate_unload(D->libs[i]);
  free(D->libs);
  free(D);
  it->delegation = NULL;
}

/* ---- apply ---- */

/* Nodes whose relative order must not change (LiteRT's might_have_side_effect, approximated):
 * control flow, resource variables, and anything touching variable/resource/variant tensors. */
static int node_side_effect(const tflrt_subgraph* sg, const tflrt_node* n) {
  switch (n->builtin_code) {
    case 118: /* IF */
    case 119: /* WHILE */
    case 129: /* CALL_ONCE */
    case 142: /* VAR_HANDLE */
    case 143: /* READ_VARIABLE */
    case 144: /* ASSIGN_VARIABLE */
      return 1;
    default: break;
  }
  for (int32_t io = 0; io < 2; io++) {
    const int32_t cnt = io ? n->n_outputs : n->n_inputs;
    const int32_t* v = io ? n->outputs : n->inputs;
    for (int32_t j = 0; j < cnt; j++) {
      if (v[j] < 0) continue;
      const tflrt_tensor* t = &sg->tensors[v[j]];
      if (t->is_variable || t->type == TFLRT_RESOURCE || t->type == TFLRT_VARIANT) return 1;
    }
  }
  return 0;
}

static int cmp_i32(const void* a, const void* b) {
  const int32_t x = *(const int32_t*)a, y = *(const int32_t*)b;
  return (x > y) - (x < y);
}

/* Sorts and removes duplicates; returns the new length. */
static int32_t unique_i32(int32_t* v, int32_t n) {
  if (n <= 1) return n;
  qsort(v, (size_t)n, sizeof(int32_t), cmp_i32);
  int32_t m = 1;
  for (int32_t i = 1; i < n; i++)
    if (v[i] != v[m - 1]) v[m++] = v[i];
  return m;
}

typedef struct {           /* working arrays of one application to one subgraph */
  int32_t n_entries;       /* steps of the current plan */
  int32_t* entry_node;     /* node index of each step */
  int32_t *in_off, *in_idx, *out_off, *out_idx;
  uint8_t *supported, *side_effect;
  int32_t* subset_of;      /* per step */
  int32_t* producer;       /* per tensor: subset that writes it, -1 none */
  uint8_t* crossing;       /* per tensor: read outside its producer's subset, or a graph output */
} work;

static void work_free(work* w) {
  free(w->entry_node);
  free(w->in_off), free(w->in_idx), free(w->out_off), free(w->out_idx);
  free(w->supported), free(w->side_effect);
  free(w->subset_of), free(w->producer), free(w->crossing);
}

static int work_build(work* w, tflrt_subgraph* sg, const uint8_t* claimed, int32_t* n_supported) {
  const int32_t P = tflrt_plan_len(sg);
  memset(w, 0, sizeof(*w));
  w->n_entries = P;
  int64_t n_in = 0, n_out = 0;
  for (int32_t e = 0; e < P; e++) {
    n_in += tflrt_plan_node(sg, e)->n_inputs;
    n_out += tflrt_plan_node(sg, e)->n_outputs;
  }
  w->entry_node = malloc(sizeof(int32_t) * ((size_t)P + 1));
  w->in_off = malloc(sizeof(int32_t) * ((size_t)P + 1));
  w->out_off = malloc(sizeof(int32_t) * ((size_t)P + 1));
  w->in_idx = malloc(sizeof(int32_t) * ((size_t)n_in + 1));
  w->out_idx = malloc(sizeof(int32_t) * ((size_t)n_out + 1));
  w->supported = calloc((size_t)P + 1, 1);
  w->side_effect = calloc((size_t)P + 1, 1);
  w->subset_of = malloc(sizeof(int32_t) * ((size_t)P + 1));
  w->producer = malloc(sizeof(int32_t) * ((size_t)sg->n_tensors + 1));
  w->crossing = calloc((size_t)sg->n_tensors + 1, 1);
  if (!w->entry_node || !w->in_off || !w->out_off || !w->in_idx || !w->out_idx || !w->supported ||
      !w->side_effect || !w->subset_of || !w->producer || !w->crossing)
    return 0;
  int32_t a = 0, b = 0;
  *n_supported = 0;
  for (int32_t e = 0; e < P; e++) {
    const tflrt_node* n = tflrt_plan_node(sg, e);
    w->entry_node[e] = n->index;
    w->in_off[e] = a;
    w->out_off[e] = b;
    for (int32_t j = 0; j < n->n_inputs; j++) w->in_idx[a++] = n->inputs[j];
    for (int32_t j = 0; j < n->n_outputs; j++)
      if (n->outputs[j] >= 0) w->out_idx[b++] = n->outputs[j]; /* -1: dropped, read by nobody */
    if (tflrt_node_is_delegate(n)) {
      w->side_effect[e] = ((const dpart*)n->data)->side_effect;
    } else {
      w->side_effect[e] = (uint8_t)node_side_effect(sg, n);
      w->supported[e] = claimed[n->index] != 0;
      *n_supported += w->supported[e];
    }
  }
  w->in_off[P] = a;
  w->out_off[P] = b;
  return 1;
}

/* Boundary tensors of every subset: producer subset of each tensor and whether it crosses. */
static void work_boundaries(work* w, tflrt_subgraph* sg, const tflrt_partition_result* res) {
  for (int32_t s = 0; s < res->n_subsets; s++)
    for (int32_t i = res->start[s]; i < res->start[s + 1]; i++) w->subset_of[res->order[i]] = s;
  for (int32_t t = 0; t < sg->n_tensors; t++) w->producer[t] = -1;
  for (int32_t e = 0; e < w->n_entries; e++)
    for (int32_t j = w->out_off[e]; j < w->out_off[e + 1]; j++) w->producer[w->out_idx[j]] = w->subset_of[e];
  for (int32_t e = 0; e < w->n_entries; e++)
    for (int32_t j = w->in_off[e]; j < w->in_off[e + 1]; j++) {
      const int32_t t = w->in_idx[j];
      if (t >= 0 && w->producer[t] >= 0 && w->producer[t] != w->subset_of[e]) w->crossing[t] = 1;
    }
  for (int32_t i = 0; i < sg->m->n_outputs; i++) w->crossing[sg->m->outputs[i]] = 1;
  for (int32_t t = 0; t < sg->n_tensors; t++)
    if (sg->tensors[t].is_variable) w->crossing[t] = 1;
}

/* Builds the partition of subset s (its nodes, inputs, outputs). */
static dpart* part_build(const work* w, tflrt_subgraph* sg, const tflrt_partition_result* res, int32_t s) {
  const int32_t b = res->start[s], e = res->start[s + 1], cnt = e - b;
  int64_t n_in = 0, n_out = 0;
  for (int32_t i = b; i < e; i++) {
    const int32_t x = res->order[i];
    n_in += w->in_off[x + 1] - w->in_off[x];
    n_out += w->out_off[x + 1] - w->out_off[x];
  }
  dpart* p = calloc(1, sizeof(*p));
  int32_t* ids = malloc(sizeof(int32_t) * ((size_t)cnt + (size_t)n_in + (size_t)n_out + 1));
  if (!p || !ids) {
    free(p), free(ids);
    return NULL;
  }
  p->ids = ids;
  int32_t* ins = ids + cnt;
  int32_t ni = 0, no = 0;
  for (int32_t i = b; i < e; i++) {
    const int32_t x = res->order[i];
    ids[i - b] = w->entry_node[x];
    p->side_effect |= w->side_effect[x];
    for (int32_t j = w->in_off[x]; j < w->in_off[x + 1]; j++) {
      const int32_t t = w->in_idx[j];
      if (t >= 0 && w->producer[t] != s) ins[ni++] = t;
    }
  }
  ni = unique_i32(ins, ni);
  int32_t* outs = ins + ni;
  for (int32_t i = b; i < e; i++) {
    const int32_t x = res->order[i];
    for (int32_t j = w->out_off[x]; j < w->out_off[x + 1]; j++)
      if (w->crossing[w->out_idx[j]]) outs[no++] = w->out_idx[j];
  }
  no = unique_i32(outs, no);
  p->bufs = calloc((size_t)ni + (size_t)no + 1, sizeof(tflrt_tensor_buffer));
  if (!p->bufs) {
    part_release(p);
    return NULL;
  }
  p->pub.struct_size = sizeof(tflrt_partition);
  p->pub.subgraph = sg->index;
  p->pub.n_nodes = cnt;
  p->pub.nodes = part_nodes(p);
  p->pub.n_inputs = ni;
  p->pub.inputs = part_inputs(p);
  p->pub.n_outputs = no;
  p->pub.outputs = part_outputs(p);
  p->io.struct_size = sizeof(tflrt_partition_io);
  p->io.n_inputs = ni;
  p->io.inputs = p->bufs;
  p->io.n_outputs = no;
  p->io.outputs = p->bufs + ni;
  return p;
}

static void make_delegate_node(tflrt_node* n, int32_t index, dpart* p) {
  memset(n, 0, sizeof(*n));
  n->index = index;
  n->op = &tflrt_delegate_kernel;
  n->builtin_code = BUILTIN_DELEGATE;
  n->version = 1;
  n->op_name = tflrt_delegate_kernel.name;
  n->n_inputs = p->pub.n_inputs;
  n->inputs = p->pub.inputs;
  n->n_outputs = p->pub.n_outputs;
  n->outputs = p->pub.outputs;
  n->data = p;
  p->pub.node = index;
}

/* Grows the per-node profiling arrays after nodes were appended. */
static int grow_profiling(tflrt_subgraph* sg, int32_t old_n) {
  if (!sg->prof_ns) return 1;
  uint64_t* a = realloc(sg->prof_ns, sizeof(uint64_t) * ((size_t)sg->n_nodes + 1));
  if (a) sg->prof_ns = a;
  uint64_t* c = realloc(sg->prof_count, sizeof(uint64_t) * ((size_t)sg->n_nodes + 1));
  if (c) sg->prof_count = c;
  if (!a || !c) return 0;
  for (int32_t k = old_n; k <= sg->n_nodes; k++) sg->prof_ns[k] = sg->prof_count[k] = 0;
  return 1;
}

static int apply_subgraph(tflrt_interp* it, int32_t s, tflrt_delegate_lib* lib, uint32_t flags) {
  struct tflrt_delegation* D = it->delegation;
  tflrt_subgraph* sg = &it->sgs[s];
  if (!grow((void**)&D->recs, &D->cap_recs, D->n_recs + 1, sizeof(drec)))
    return tflrt_interp_fail(it, TFLRT_ERR_NOMEM, "out of memory applying a delegate");
  const int32_t rec_index = D->n_recs++;
  drec* rec = &D->recs[rec_index];
  memset(rec, 0, sizeof(*rec));
  rec->lib = lib;
  rec->subgraph = s;
  const int32_t n_model = sg->m->n_ops;
  if (n_model == 0) return TFLRT_OK;
  tflrt_dview* v = view_get(it, s);
  uint8_t* claimed = calloc((size_t)n_model + 1, 1);
  if (!v || !claimed) {
    free(claimed);
    return tflrt_interp_fail(it, TFLRT_ERR_NOMEM, "out of memory applying a delegate");
  }
  v->msg[0] = 0;
  tflrt_lib_enter(lib);
  int pr = lib->d->select_nodes(lib->d, &v->pub, claimed);
  tflrt_lib_leave(lib);
  if (pr != 0) {
    rec_reason(rec, "delegate '%s' failed to select nodes: %s", lib->d->name,
               tflrt_dview_message(v, "select_nodes failed without a message"));
    free(claimed);
    return TFLRT_OK;
  }
  work w;
  int ok = work_build(&w, sg, claimed, &rec->n_supported);
  free(claimed);
  if (!ok) {
    work_free(&w);
    return tflrt_interp_fail(it, TFLRT_ERR_NOMEM, "out of memory applying a delegate");
  }
  if (rec->n_supported == 0) {
    work_free(&w);
    return TFLRT_OK;
  }
  const tflrt_pgraph g = {.n_nodes = w.n_entries, .n_tensors = sg->n_tensors, .in_off = w.in_off,
                          .in_idx = w.in_idx, .out_off = w.out_off, .out_idx = w.out_idx,
                          .supported = w.supported, .side_effect = w.side_effect};
  const tflrt_partition_opts o = {.greedy = (flags & TFLRT_APPLY_NO_CLUSTERING) == 0,
                                  .no_fusion = (flags & TFLRT_APPLY_NO_NODE_FUSION) != 0,
                                  .max_partitions = lib->max_partitions,
                                  .min_nodes = lib->min_nodes};
  tflrt_partition_result res;
  const int rc = tflrt_partition_graph(&g, &o, &res);
  if (rc != TFLRT_PARTITION_OK) {
    work_free(&w);
    if (rc == TFLRT_PARTITION_NOMEM) return tflrt_interp_fail(it, TFLRT_ERR_NOMEM, "out of memory partitioning");
    rec_reason(rec, "the graph could not be partitioned: its nodes are not in a valid execution order");
    return TFLRT_OK;
  }
  rec->n_partitions = res.n_found;
  rec->n_delegated = res.n_delegated;
  int status = TFLRT_OK;
  const int32_t old_n = sg->n_nodes;
  int32_t* plan = NULL;
  if (res.n_delegated == 0) goto done;
  work_boundaries(&w, sg, &res);
  tflrt_node* nodes = realloc(sg->nodes, sizeof(tflrt_node) * ((size_t)old_n + (size_t)res.n_delegated + 1));
  plan = malloc(sizeof(int32_t) * ((size_t)w.n_entries + 1));
  if (nodes) sg->nodes = nodes;
  if (!nodes || !plan) {
    status = tflrt_interp_fail(it, TFLRT_ERR_NOMEM, "out of memory applying a delegate");
    goto done;
  }
  /* Create the DELEGATE nodes and the new plan. */
  int32_t q = 0;
  for (int32_t ss = 0; ss < res.n_subsets; ss++) {
    if (!res.delegated[ss]) {
      for (int32_t i = res.start[ss]; i < res.start[ss + 1]; i++) plan[q++] = w.entry_node[res.order[i]];
      continue;
    }
    dpart* p = part_build(&w, sg, &res, ss);
    if (!p) {
      status = tflrt_interp_fail(it, TFLRT_ERR_NOMEM, "out of memory applying a delegate");
      goto undo;
    }
    p->rec = rec_index;
    p->lib = lib;
    p->view = v;
    make_delegate_node(&sg->nodes[sg->n_nodes], sg->n_nodes, p);
    plan[q++] = sg->n_nodes++;
  }
  if (!grow_profiling(sg, old_n)) {
    status = tflrt_interp_fail(it, TFLRT_ERR_NOMEM, "out of memory for profiling");
    goto undo;
  }
  int32_t* old_plan = sg->plan;
  const int32_t old_len = sg->plan_len;
  sg->plan = plan;
  sg->plan_len = q;
  plan = NULL;
  sg->allocated = 0;
  /* Let the plugin set up each partition; one that fails goes back to CPU. */
  for (int32_t k = old_n; k < sg->n_nodes;) {
    dpart* p = sg->nodes[k].data;
    v->msg[0] = 0;
    tflrt_lib_enter(lib);
    pr = lib->d->init(lib->d, &v->pub, &p->pub, &p->state);
    tflrt_lib_leave(lib);
    if (pr == 0) {
      p->inited = 1;
      k++;
      continue;
    }
    char label[384];
    rec_reason(rec, "%s: init failed, the partition runs on CPU: %s", part_label(p, label, sizeof label),
               tflrt_dview_message(v, "the plugin's init failed without a message"));
    if (drop_partition(sg, k) != 0) { /* out of memory: restore the plan from before */
      free(sg->plan);
      sg->plan = old_plan;
      sg->plan_len = old_len;
      old_plan = NULL;
      status = tflrt_interp_fail(it, TFLRT_ERR_NOMEM, "out of memory applying a delegate");
      drop_delegate_nodes(sg, old_n);
      rec->n_delegated = 0;
      break;
    }
    rec->n_delegated--;
    rec->n_failed++;
  }
  free(old_plan);
  goto done;
undo:
  drop_delegate_nodes(sg, old_n);
done:
  free(plan);
  tflrt_partition_result_free(&res);
  work_free(&w);
  return status;
}

int tflrt_interp_apply_delegate(tflrt_interp* it, tflrt_delegate_lib* lib, uint32_t flags) {
  if (it == NULL || lib == NULL) return TFLRT_ERR_VALUE;
  pthread_mutex_lock(&it->mu);
  it->err[0] = 0;
  int r = TFLRT_OK;
  struct tflrt_delegation* D = delegation_get(it);
  if (!D || !grow((void**)&D->libs, &D->cap_libs, D->n_libs + 1, sizeof(tflrt_delegate_lib*))) {
    r = tflrt_interp_fail(it, TFLRT_ERR_NOMEM, "out of memory applying a delegate");
    goto out;
  }
  for (int32_t s = 0; s < it->n_subgraphs; s++)
    if (it->sgs[s].busy) {
      r = tflrt_interp_fail(it, TFLRT_ERR_RUNTIME, "cannot apply a delegate while subgraph %d is running", (int)s);
      goto out;
    }
  tflrt_delegate_lib_retain(lib);
  D->libs[D->n_libs++] = lib;
  for (int32_t s = 0; s < it->n_subgraphs && r == TFLRT_OK; s++) r = apply_subgraph(it, s, lib, flags);
out:
  pthread_mutex_unlock(&it->mu);
  return r;
}

/* ---- reports ---- */

int32_t tflrt_interp_num_delegations(const tflrt_interp* it) {
  return it->delegation ? it->delegation->n_recs : 0;
}

int tflrt_interp_delegation(const tflrt_interp* it, int32_t i, tflrt_delegation_info* out) {
  if (i < 0 || i >= tflrt_interp_num_delegations(it)) return TFLRT_ERR_VALUE;
  const drec* r = &it->delegation->recs[i];
  out->delegate = r->lib->d->name;
  out->subgraph = r->subgraph;
  out->n_supported = r->n_supported;
  out->n_partitions = r->n_partitions;
  out->n_delegated = r->n_delegated;
  out->n_failed = r->n_failed;
  out->active = r->n_delegated > 0;
  out->reason = r->reason ? r->reason : "";
  return TFLRT_OK;
}

static const tflrt_node* nth_partition(const tflrt_interp* it, int32_t i) {
  for (int32_t s = 0; s < it->n_subgraphs; s++) {
    const tflrt_subgraph* sg = &it->sgs[s];
    for (int32_t k = sg->m->n_ops; k < sg->n_nodes; k++)
      if (tflrt_node_is_delegate(&sg->nodes[k]) && i-- == 0) return &sg->nodes[k];
  }
  return NULL;
}

int32_t tflrt_interp_num_partitions(const tflrt_interp* it) {
  int32_t n = 0;
  for (int32_t s = 0; it->delegation && s < it->n_subgraphs; s++) {
    const tflrt_subgraph* sg = &it->sgs[s];
    for (int32_t k = sg->m->n_ops; k < sg->n_nodes; k++) n += tflrt_node_is_delegate(&sg->nodes[k]);
  }
  return n;
}

int tflrt_interp_partition(const tflrt_interp* it, int32_t i, tflrt_partition_info* out) {
  const tflrt_node* n = i >= 0 ? nth_partition(it, i) : NULL;
  if (!n) return TFLRT_ERR_VALUE;
  const dpart* p = n->data;
  out->delegation = p->rec;
  out->subgraph = p->pub.subgraph;
  out->node = n->index;
  out->n_nodes = p->pub.n_nodes;
  out->nodes = p->pub.nodes;
  out->n_inputs = p->pub.n_inputs;
  out->inputs = p->pub.inputs;
  out->n_outputs = p->pub.n_outputs;
  out->outputs = p->pub.outputs;
  return TFLRT_OK;
}

int tflrt_interp_execution_plan(const tflrt_interp* it, int32_t s, const int32_t** nodes, int32_t* n) {
  *nodes = NULL;
  *n = 0;
  if (s < 0 || s >= it->n_subgraphs) return TFLRT_ERR_VALUE;
  const tflrt_subgraph* sg = &it->sgs[s];
  *nodes = sg->plan;
  *n = sg->plan ? sg->plan_len : sg->n_nodes;
  return TFLRT_OK;
}
