/* Interpreter internals shared by the files of csrc/core (not part of the public API). */
#ifndef TFLITE_RT_INTERP_H
#define TFLITE_RT_INTERP_H

#include <pthread.h>

#include "../kernels/kernels.h"
#include "../loader/model.h"
#include "../ops/op.h"
#include "tflite_rt/c_api.h"

struct tflrt_palloc {           /* one persistent allocation made by a node's prepare */
  struct tflrt_palloc* next;
  size_t bytes;
  /* data follows, 64-byte aligned */
};

typedef struct tflrt_subgraph {
  int32_t index;
  const tflrt_msubgraph* m;
  int32_t n_tensors, n_nodes;
  tflrt_tensor* tensors;
  tflrt_node* nodes;
  int32_t* node_outputs;        /* the model nodes' output lists, one owned block that nodes[].outputs
                                 * point into: an op may drop an unread output (tflrt_drop_unread_output) */
  int32_t* first_use;           /* plan: per tensor, -1 when not in the arena */
  int32_t* last_use;
  int64_t* arena_offset;
  uint8_t* arena;               /* one 64-byte aligned block */
  uint64_t arena_bytes;
  uint64_t scratch_first;       /* unused */
  int allocated;
  int has_dynamic;
  int busy;                     /* being prepared or run: re-entry is recursion */
  uint64_t* prof_ns;            /* per node: total eval time while profiling is on */
  uint64_t* prof_count;         /* per node: evals timed */
  /* Execution plan (delegate.c): node indices in run order, or NULL for 0..n_nodes-1.
   * Delegates append their DELEGATE nodes to nodes[] after the model's m->n_ops nodes and
   * list them here instead of the nodes they replace. */
  int32_t* plan;
  int32_t plan_len;
} tflrt_subgraph;

/* Number of steps of the plan and the node run at step k. */
static inline int32_t tflrt_plan_len(const tflrt_subgraph* sg) { return sg->plan ? sg->plan_len : sg->n_nodes; }
static inline tflrt_node* tflrt_plan_node(tflrt_subgraph* sg, int32_t k) {
  return &sg->nodes[sg->plan ? sg->plan[k] : k];
}

struct tflrt_threadpool;

typedef struct tflrt_resource {
  char* container;
  char* name;
  tflrt_tensor value;           /* data on the heap, dyn_capacity bytes */
  int has_value;
} tflrt_resource;

struct tflrt_interp {
  const tflrt_model* model;
  tflrt_options opts;
  tflrt_kernels kernels;
  int32_t n_subgraphs;
  tflrt_subgraph* sgs;
  struct tflrt_threadpool* pool;
  pthread_mutex_t mu;
  char err[TFLRT_ERR_CAP];
  uint64_t persistent_bytes;
  int profiling;
  tflrt_resource* resources;
  int32_t n_resources, cap_resources;
  struct tflrt_delegation* delegation; /* delegates applied (delegate.c); NULL when none */
};

/* Prepares, plans and binds one subgraph (interpreter.c). */
int tflrt_subgraph_allocate(struct tflrt_interp* it, tflrt_subgraph* sg);
/* Runs the nodes of an allocated subgraph (interpreter.c). */
int tflrt_subgraph_invoke(struct tflrt_interp* it, tflrt_subgraph* sg);
/* Frees resource variables (subgraph_services.c). */
void tflrt_resources_free(struct tflrt_interp* it);

/* Records a message in the interpreter's error buffer (replacing the previous one). */
int tflrt_interp_fail(struct tflrt_interp* it, int status, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Delegates (delegate.c). The op of DELEGATE nodes; tflrt_delegation_free releases every
 * partition and delegate reference (first thing in tflrt_interp_destroy);
 * tflrt_delegation_fallback is called when preparing node n of sg failed: when n is a DELEGATE
 * node it puts sg back on its CPU plan, records why, and returns 1 (allocate again). */
extern const tflrt_op tflrt_delegate_kernel;
static inline int tflrt_node_is_delegate(const tflrt_node* n) { return n->op == &tflrt_delegate_kernel; }
void tflrt_delegation_free(struct tflrt_interp* it);
int tflrt_delegation_fallback(struct tflrt_interp* it, tflrt_subgraph* sg, tflrt_node* n);

/* Thread pool (core/threadpool.c). */
struct tflrt_threadpool* tflrt_threadpool_create(int32_t n_threads);
void tflrt_threadpool_destroy(struct tflrt_threadpool* p);
int32_t tflrt_threadpool_size(const struct tflrt_threadpool* p);
void tflrt_threadpool_run(struct tflrt_threadpool* p, int32_t n, tflrt_range_fn fn, void* arg);

#endif
