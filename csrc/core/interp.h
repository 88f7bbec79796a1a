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
} tflrt_subgraph;

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

/* Thread pool (core/threadpool.c). */
struct tflrt_threadpool* tflrt_threadpool_create(int32_t n_threads);
void tflrt_threadpool_destroy(struct tflrt_threadpool* p);
int32_t tflrt_threadpool_size(const struct tflrt_threadpool* p);
void tflrt_threadpool_run(struct tflrt_threadpool* p, int32_t n, tflrt_range_fn fn, void* arg);

#endif
