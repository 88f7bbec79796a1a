/* A small delegate plugin for the test suite (tests/test_delegates.py compiles it with the system
 * C compiler). It claims the float32 op types listed in the option ops=ADD,MUL,... and runs them
 * itself, so partitioning can be tested on any graph built from those ops.
 *
 * Runtime options (failures to test the runtime's handling):
 *   ops=NAME,...          op types to claim: ADD SUB MUL MAXIMUM MINIMUM RELU TANH
 *   fail_create=MSG       create reports MSG and returns NULL
 *   fail_select=MSG / fail_init=MSG / fail_prepare=MSG / fail_invoke=MSG
 *   fail_nodes=N,...      fail_init / fail_prepare only partitions that contain one of these nodes
 *   destroy_marker=PATH   destroy appends "destroyed inits=N frees=M" to PATH
 *   serialize=1           set TFLRT_DELEGATE_FLAG_SERIALIZE
 * Build variants (-D...): TD_ABI=N (abi_version), TD_SMALL (struct_size too small), TD_V1_0
 * (built against ABI 1.0: no `version` field, struct allocated at the 1.0 size), TD_BIG (a newer
 * minor version: a larger struct), TD_NO_DESTROY (destroy not exported), TD_TFLITE (exports
 * TensorFlow Lite's tflite_plugin_* pair instead), TD_NO_INVOKE (invoke left NULL). */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tflite_rt/delegate.h"

#ifndef TD_ABI
#define TD_ABI TFLRT_DELEGATE_ABI_VERSION
#endif

enum { OP_ADD = 0, OP_MUL = 18, OP_RELU = 19, OP_TANH = 28, OP_SUB = 41, OP_MAXIMUM = 55, OP_MINIMUM = 57 };

typedef struct {
  char ops[256];
  char fail_select[256], fail_init[256], fail_prepare[256], fail_invoke[256];
  char fail_nodes[256];
  char destroy_marker[1024];
  atomic_int inits, frees; /* init/free of different partitions may run concurrently */
} td_config;

typedef struct {
  int32_t tensor;
  float* data;
} td_buf;

typedef struct {
  int32_t n_nodes;
  int32_t* nodes;
  td_buf* internal; /* tensors produced and consumed inside the partition */
  int32_t n_internal;
} td_part;

static const char* op_name(int32_t code) {
  switch (code) {
    case OP_ADD: return "ADD";
    case OP_SUB: return "SUB";
    case OP_MUL: return "MUL";
    case OP_MAXIMUM: return "MAXIMUM";
    case OP_MINIMUM: return "MINIMUM";
    case OP_RELU: return "RELU";
    case OP_TANH: return "TANH";
    default: return NULL;
  }
}

static int listed(const char* list, const char* name) {
  const size_t n = strlen(name);
  for (const char* p = list; p && *p;) {
    const char* e = strchr(p, ',');
    const size_t len = e ? (size_t)(e - p) : strlen(p);
    if (len == n && strncmp(p, name, n) == 0) return 1;
    p = e ? e + 1 : NULL;
  }
  return 0;
}

/* Whether the configured init/prepare failure applies to this partition. */
static int fails_here(const td_config* c, const tflrt_partition* part) {
  if (!c->fail_nodes[0]) return 1;
  for (int32_t k = 0; k < part->n_nodes; k++) {
    char name[16];
    snprintf(name, sizeof name, "%d", (int)part->nodes[k]);
    if (listed(c->fail_nodes, name)) return 1;
  }
  return 0;
}

static int64_t numel(const tflrt_graph_view* g, int32_t t) {
  int64_t n = 1;
  const int32_t* d = g->tensor_dims(g, t);
  for (int32_t i = 0; i < g->tensor_ndims(g, t); i++) n *= d[i];
  return n;
}

static int td_select(tflrt_delegate* self, const tflrt_graph_view* g, uint8_t* supported) {
  td_config* c = self->user;
  if (c->fail_select[0]) {
    g->report_error(g, c->fail_select);
    return 1;
  }
  for (int32_t n = 0; n < g->num_nodes(g); n++) {
    const char* name = op_name(g->node_builtin_code(g, n));
    if (!name || !listed(c->ops, name)) continue;
    int ok = g->node_num_outputs(g, n) == 1 && g->tensor_type(g, g->node_output(g, n, 0)) == TFLRT_FLOAT32;
    const int32_t ni = g->node_num_inputs(g, n);
    for (int32_t i = 0; i < ni && ok; i++) ok = g->tensor_type(g, g->node_input(g, n, i)) == TFLRT_FLOAT32;
    if (ni == 2 && ok) {
      const int64_t a = numel(g, g->node_input(g, n, 0)), b = numel(g, g->node_input(g, n, 1));
      ok = a == b || a == 1 || b == 1;
    }
    supported[n] = (uint8_t)ok;
  }
  return 0;
}

static int td_init(tflrt_delegate* self, const tflrt_graph_view* g, const tflrt_partition* part, void** state) {
  td_config* c = self->user;
  if (c->fail_init[0] && fails_here(c, part)) {
    g->report_error(g, c->fail_init);
    return 1;
  }
  td_part* p = calloc(1, sizeof(*p));
  if (!p) return 1;
  p->n_nodes = part->n_nodes;
  p->nodes = malloc(sizeof(int32_t) * (size_t)(part->n_nodes + 1));
  if (!p->nodes) {
    free(p);
    return 1;
  }
  memcpy(p->nodes, part->nodes, sizeof(int32_t) * (size_t)part->n_nodes);
  c->inits++;
  *state = p;
  return 0;
}

static int is_in(const int32_t* v, int32_t n, int32_t x) {
  for (int32_t i = 0; i < n; i++)
    if (v[i] == x) return 1;
  return 0;
}

static void free_internal(td_part* p) {
  for (int32_t i = 0; i < p->n_internal; i++) free(p->internal[i].data);
  free(p->internal);
  p->internal = NULL;
  p->n_internal = 0;
}

static int td_prepare(tflrt_delegate* self, void* state, const tflrt_graph_view* g, const tflrt_partition* part) {
  td_config* c = self->user;
  td_part* p = state;
  if (c->fail_prepare[0] && fails_here(c, part)) {
    g->report_error(g, c->fail_prepare);
    return 1;
  }
  free_internal(p);
  p->internal = calloc((size_t)p->n_nodes + 1, sizeof(td_buf));
  if (!p->internal) return 1;
  for (int32_t k = 0; k < p->n_nodes; k++) {
    const int32_t t = g->node_output(g, p->nodes[k], 0);
    if (is_in(part->outputs, part->n_outputs, t)) continue;
    const int64_t n = numel(g, t);
    p->internal[p->n_internal].tensor = t;
    p->internal[p->n_internal].data = malloc(sizeof(float) * (size_t)(n > 0 ? n : 1));
    if (!p->internal[p->n_internal++].data) {
      g->report_error(g, "out of memory");
      return 1;
    }
  }
  return 0;
}

/* Where tensor t lives during this invoke. */
static float* find(const tflrt_graph_view* g, const td_part* p, const tflrt_partition_io* io, int32_t t) {
  for (int32_t i = 0; i < io->n_inputs; i++)
    if (io->inputs[i].tensor == t) return io->inputs[i].data;
  for (int32_t i = 0; i < io->n_outputs; i++)
    if (io->outputs[i].tensor == t) return io->outputs[i].data;
  for (int32_t i = 0; i < p->n_internal; i++)
    if (p->internal[i].tensor == t) return p->internal[i].data;
  return (float*)(uintptr_t)g->tensor_const_data(g, t, NULL);
}

static float activate(float v, int8_t act) {
  switch (act) {
    case 1: return v < 0.0f ? 0.0f : v;
    case 2: return v < -1.0f ? -1.0f : (v > 1.0f ? 1.0f : v);
    case 3: return v < 0.0f ? 0.0f : (v > 6.0f ? 6.0f : v);
    default: return v;
  }
}

__attribute__((unused)) static int td_invoke(tflrt_delegate* self, void* state, const tflrt_graph_view* g, const tflrt_partition_io* io) {
  td_config* c = self->user;
  const td_part* p = state;
  if (c->fail_invoke[0]) {
    g->report_error(g, c->fail_invoke);
    return 1;
  }
  for (int32_t k = 0; k < p->n_nodes; k++) {
    const int32_t n = p->nodes[k], code = g->node_builtin_code(g, n);
    const int32_t to = g->node_output(g, n, 0);
    float* out = find(g, p, io, to);
    const int64_t cnt = numel(g, to);
    if (!out && cnt > 0) {
      g->report_error(g, "test delegate: no memory for an output tensor");
      return 1;
    }
    if (code == OP_RELU || code == OP_TANH) {
      const float* x = find(g, p, io, g->node_input(g, n, 0));
      for (int64_t i = 0; i < cnt; i++) out[i] = code == OP_RELU ? (x[i] < 0.0f ? 0.0f : x[i]) : tanhf(x[i]);
      continue;
    }
    const int32_t ta = g->node_input(g, n, 0), tb = g->node_input(g, n, 1);
    const float* a = find(g, p, io, ta);
    const float* b = find(g, p, io, tb);
    const int64_t na = numel(g, ta), nb = numel(g, tb);
    int8_t act = 0;
    if (code == OP_ADD || code == OP_SUB || code == OP_MUL) g->option_i8(g, n, 0, 0, &act);
    for (int64_t i = 0; i < cnt; i++) {
      const float x = a[na == 1 ? 0 : i], y = b[nb == 1 ? 0 : i];
      float v;
      switch (code) {
        case OP_ADD: v = x + y; break;
        case OP_SUB: v = x - y; break;
        case OP_MUL: v = x * y; break;
        case OP_MAXIMUM: v = x > y ? x : y; break;
        default: v = x < y ? x : y; break;
      }
      out[i] = activate(v, act);
    }
  }
  return 0;
}

static void td_free(tflrt_delegate* self, void* state) {
  td_config* c = self->user;
  td_part* p = state;
  if (!p) return;
  free_internal(p);
  free(p->nodes);
  free(p);
  c->frees++;
}

static void copy_opt(char* dst, size_t cap, const char* v) { snprintf(dst, cap, "%s", v); }

#ifdef TD_TFLITE
#define CREATE_NAME tflite_plugin_create_delegate_impl
#else
#define CREATE_NAME tflrt_delegate_create
#endif

TFLRT_DELEGATE_EXPORT tflrt_delegate* CREATE_NAME(const char* const* keys, const char* const* values, size_t n,
                                                  tflrt_delegate_error_fn report_error, void* error_user) {
  td_config* c = calloc(1, sizeof(*c));
  if (!c) return NULL;
  uint64_t flags = 0;
  for (size_t i = 0; i < n; i++) {
    const char* k = keys[i];
    const char* v = values[i];
    if (strcmp(k, "ops") == 0) copy_opt(c->ops, sizeof c->ops, v);
    else if (strcmp(k, "fail_create") == 0) {
      report_error(error_user, v);
      free(c);
      return NULL;
    } else if (strcmp(k, "fail_select") == 0) copy_opt(c->fail_select, sizeof c->fail_select, v);
    else if (strcmp(k, "fail_init") == 0) copy_opt(c->fail_init, sizeof c->fail_init, v);
    else if (strcmp(k, "fail_prepare") == 0) copy_opt(c->fail_prepare, sizeof c->fail_prepare, v);
    else if (strcmp(k, "fail_invoke") == 0) copy_opt(c->fail_invoke, sizeof c->fail_invoke, v);
    else if (strcmp(k, "fail_nodes") == 0) copy_opt(c->fail_nodes, sizeof c->fail_nodes, v);
    else if (strcmp(k, "destroy_marker") == 0) copy_opt(c->destroy_marker, sizeof c->destroy_marker, v);
    else if (strcmp(k, "serialize") == 0) flags |= strcmp(v, "0") != 0 ? TFLRT_DELEGATE_FLAG_SERIALIZE : 0;
    else {
      char msg[300];
      snprintf(msg, sizeof msg, "test delegate: unknown option '%s'", k);
      report_error(error_user, msg);
      free(c);
      return NULL;
    }
  }
#if defined(TD_V1_0)
  const size_t size = TFLRT_DELEGATE_SIZE_1_0; /* a plugin compiled against the 1.0 header */
#elif defined(TD_BIG)
  const size_t size = sizeof(tflrt_delegate) + 64; /* a plugin compiled against a newer minor */
#else
  const size_t size = sizeof(tflrt_delegate);
#endif
  tflrt_delegate* d = calloc(1, size);
  if (!d) {
    free(c);
    return NULL;
  }
  d->abi_version = TD_ABI;
#ifdef TD_SMALL
  d->struct_size = 16;
#else
  d->struct_size = (uint32_t)size;
#endif
  d->name = "testdelegate";
  d->flags = flags;
  d->user = c;
  d->select_nodes = td_select;
  d->init = td_init;
  d->prepare = td_prepare;
#ifndef TD_NO_INVOKE
  d->invoke = td_invoke;
#endif
  d->free = td_free;
#if !defined(TD_V1_0)
  d->version = "1.2.3";
#endif
  return d;
}

__attribute__((unused)) static void destroy_impl(tflrt_delegate* d) {
  if (!d) return;
  td_config* c = d->user;
  if (c->destroy_marker[0]) {
    FILE* f = fopen(c->destroy_marker, "a");
    if (f) {
      fprintf(f, "destroyed inits=%d frees=%d\n", atomic_load(&c->inits), atomic_load(&c->frees));
      fclose(f);
    }
  }
  free(c);
  free(d);
}

#if defined(TD_TFLITE)
TFLRT_DELEGATE_EXPORT void* tflite_plugin_create_delegate(char** keys, char** values, size_t n, void (*err)(const char*)) {
  (void)keys, (void)values, (void)n, (void)err;
  return NULL;
}
TFLRT_DELEGATE_EXPORT void tflite_plugin_destroy_delegate(void* d) { (void)d; }
#elif !defined(TD_NO_DESTROY)
TFLRT_DELEGATE_EXPORT void tflrt_delegate_destroy(tflrt_delegate* d) { destroy_impl(d); }
#endif
