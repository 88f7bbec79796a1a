/* The op interface: what an op implementation sees of the interpreter.
 *
 * An op is one table line in registry.c pointing at a const tflrt_op. Its life cycle per node:
 *   parse    (once, at interpreter creation)  read node->options into node->data
 *   prepare  (at allocate_tensors, and again after a resize or when an input is dynamic)
 *            check input types and shapes, set output shapes with tflrt_set_output_shape,
 *            precompute parameters into node->data, request scratch with tflrt_request_scratch,
 *            allocate extra persistent data (packed weights, LUTs) with tflrt_persistent_alloc
 *   eval     (every invoke) call a kernel-table slot on raw pointers; no allocation, no shape
 *            logic beyond what prepare stored. May fail only for data-dependent reasons
 *            (for example an out-of-range gather index), via tflrt_op_error.
 * Errors: return tflrt_op_error(ctx, fmt, ...), which records "Node N (OP_NAME): message" in
 * the interpreter's error buffer and returns TFLRT_ERR_RUNTIME (tflrt_op_fail takes a status).
 * Ops never print and never abort. */
#ifndef TFLITE_RT_OP_H
#define TFLITE_RT_OP_H

#include <stddef.h>
#include <stdint.h>

#include "../kernels/kernels.h"
#include "../loader/fb.h"
#include "../loader/model.h" /* tflrt_sparsity, for tflrt_tensor_sparsity */
#include "tflite_rt/types.h"

/* Where a tensor's data lives. */
enum {
  TFLRT_ALLOC_NONE = 0,    /* no data yet (or an absent optional tensor) */
  TFLRT_ALLOC_CONST = 1,   /* read-only, points into the model bytes */
  TFLRT_ALLOC_ARENA = 2,   /* planned in the activation arena */
  TFLRT_ALLOC_PERSIST = 3, /* variables: own block, lives as long as the interpreter */
  TFLRT_ALLOC_DYNAMIC = 4  /* shape known only at eval: heap block owned by the interpreter */
};

typedef struct tflrt_tensor {
  int32_t index;
  int32_t type;                 /* tflrt_type */
  int32_t ndims;
  int32_t dims[TFLRT_MAX_DIMS];
  void* data;
  size_t bytes;
  uint8_t alloc;                /* TFLRT_ALLOC_* */
  uint8_t is_variable;
  /* Quantization. For per-tensor params nq == 1 and scale/zero_point repeat scales[0]/zps[0]. */
  int32_t nq;
  float scale;
  int32_t zero_point;
  const float* scales;
  const int64_t* zero_points;
  int32_t qdim;
  const char* name;
  size_t dyn_capacity;          /* private: heap bytes held by a DYNAMIC tensor */
} tflrt_tensor;

#define TFLRT_MAX_SCRATCH 4

typedef struct tflrt_node {
  int32_t index;                /* position in the subgraph's execution order */
  const struct tflrt_op* op;
  int32_t builtin_code, version;
  const char* op_name;          /* "CONV_2D" or the custom op's name */
  int32_t n_inputs, n_outputs, n_intermediates;
  const int32_t* inputs;        /* -1 = absent optional input */
  const int32_t* outputs;
  const int32_t* intermediates;
  const fb_table* options;      /* builtin_options table, NULL when absent */
  uint8_t options_type;
  const fb_table* options2;     /* builtin_options_2 table, NULL when absent */
  const uint8_t* custom_options;
  size_t custom_options_size;
  void* data;                   /* op->data_size zeroed bytes owned by the interpreter */
  int32_t n_scratch;
  size_t scratch_bytes[TFLRT_MAX_SCRATCH];
  void* scratch[TFLRT_MAX_SCRATCH]; /* bound after planning */
  struct tflrt_palloc* palloc;  /* persistent allocations made by prepare (private) */
  uint8_t dynamic;              /* prepared at eval because an input's shape is data-dependent */
} tflrt_node;

struct tflrt_interp;
struct tflrt_subgraph;
struct tflrt_threadpool;

typedef struct tflrt_ctx {
  tflrt_tensor* tensors;
  int32_t n_tensors;
  const tflrt_kernels* k;       /* kernel table of this interpreter (reference-only for BUILTIN_REF) */
  struct tflrt_threadpool* pool;
  int32_t num_threads;
  struct tflrt_interp* interp;
  struct tflrt_subgraph* sg;
  tflrt_node* node;             /* node being parsed/prepared/evaluated (for error messages) */
  int in_eval;                  /* 0 in parse/prepare, 1 in eval */
} tflrt_ctx;

typedef struct tflrt_op {
  const char* name;             /* builtin name or custom name */
  int32_t builtin_code;         /* 32 (CUSTOM) for custom ops */
  int32_t min_version, max_version;
  size_t data_size;             /* bytes of node->data */
  int (*parse)(tflrt_ctx* ctx, tflrt_node* node);   /* may be NULL */
  int (*prepare)(tflrt_ctx* ctx, tflrt_node* node);
  int (*eval)(tflrt_ctx* ctx, tflrt_node* node);
} tflrt_op;

/* ---- services for ops (core/interpreter.c) ---- */

/* Records "Node N (OP): <message>" and returns TFLRT_ERR_RUNTIME / the given status. */
int tflrt_op_error(tflrt_ctx* ctx, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
int tflrt_op_fail(tflrt_ctx* ctx, int status, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

/* i-th input/output tensor of the node; NULL for an absent optional input or i out of range. */
tflrt_tensor* tflrt_in(tflrt_ctx* ctx, const tflrt_node* node, int32_t i);
tflrt_tensor* tflrt_out(tflrt_ctx* ctx, const tflrt_node* node, int32_t i);

/* Sets an output's shape (prepare, or eval for dynamic outputs). Computes bytes with overflow
 * checks; fails with a clear message on overflow or rank > TFLRT_MAX_DIMS. */
int tflrt_set_output_shape(tflrt_ctx* ctx, tflrt_tensor* t, int32_t ndims, const int32_t* dims);

/* Whether a tensor's values are available during prepare (constant data). Ops that need
 * values to compute an output shape (RESHAPE's shape input, ...) and find none call
 * tflrt_set_dynamic for that output; its data is then (re)allocated when eval calls
 * tflrt_set_output_shape. */
int tflrt_is_const(const tflrt_tensor* t);
int tflrt_set_dynamic(tflrt_ctx* ctx, tflrt_tensor* t);

/* Scratch memory alive only during this node's eval, planned in the arena. Prepare requests;
 * eval reads node->scratch[id]. Returns a status; *id receives the slot. */
int tflrt_request_scratch(tflrt_ctx* ctx, tflrt_node* node, size_t bytes, int32_t* id);

/* Zeroed, 64-byte aligned persistent memory for this node (packed weights, tables). Freed when
 * the node is prepared again or the interpreter is destroyed. NULL (and an error recorded)
 * on failure. Prepare only. */
void* tflrt_persistent_alloc(tflrt_ctx* ctx, tflrt_node* node, size_t bytes);

/* Element count of a tensor (product of dims; validated not to overflow). */
int64_t tflrt_num_elements(const tflrt_tensor* t);
/* dims[i] with negative i counting from the end; i must be valid. */
int32_t tflrt_dim(const tflrt_tensor* t, int32_t i);
/* Same shape (rank and dims). */
int tflrt_same_shape(const tflrt_tensor* a, const tflrt_tensor* b);

/* Work splitting: calls fn(arg, begin, end) over disjoint ranges covering [0, n), on up to
 * ctx->num_threads threads, and returns when all are done. Kernels take ranges, so any
 * op can split its outer loop without changing the kernel. */
typedef void (*tflrt_range_fn)(void* arg, int32_t begin, int32_t end);
void tflrt_parallel_for(tflrt_ctx* ctx, int32_t n, tflrt_range_fn fn, void* arg);

/* ---- sparse constants (DENSIFY) ----
 * A sparse constant's data holds only its stored values (t->bytes is their size, t->dims the
 * dense shape); the interpreter refuses to prepare any node other than DENSIFY that reads one. */

/* Sparsity of tensor t of the current subgraph as decoded and validated by the loader
 * (loader/model.h lists the invariants), or NULL when t is dense. */
const tflrt_sparsity* tflrt_tensor_sparsity(const tflrt_ctx* ctx, const tflrt_tensor* t);
/* Turns output t of node into a constant: its data is `data`, which prepare filled and which
 * must come from tflrt_persistent_alloc(ctx, node, t->bytes) (so it lives until the node is
 * prepared again). The arena then holds no copy, eval need not write t, and the nodes that read
 * t see a constant in their prepare (tflrt_is_const), so they may pack it as weights.
 * Prepare only; t must already have its final shape. */
int tflrt_set_output_constant(tflrt_ctx* ctx, tflrt_node* node, tflrt_tensor* t, void* data);

/* ---- control flow (WHILE, IF, CALL_ONCE): running other subgraphs ---- */

int32_t tflrt_num_subgraphs(const tflrt_ctx* ctx);
/* Inputs and outputs (tensor indices inside subgraph s). Fails for an invalid s. */
int tflrt_subgraph_io(tflrt_ctx* ctx, int32_t s, int32_t* n_in, const int32_t** in, int32_t* n_out,
                      const int32_t** out);
/* Tensor t of subgraph s (NULL when out of range). */
tflrt_tensor* tflrt_subgraph_tensor(tflrt_ctx* ctx, int32_t s, int32_t t);
/* Gives input i of subgraph s a shape; the subgraph is prepared again when it changed. */
int tflrt_subgraph_set_input_shape(tflrt_ctx* ctx, int32_t s, int32_t i, int32_t ndims, const int32_t* dims);
/* Prepares and plans subgraph s unless it already is; refuses recursion (a subgraph that is
 * running or being prepared cannot be entered again). */
int tflrt_subgraph_prepare(tflrt_ctx* ctx, int32_t s);
/* Whether subgraph s, once prepared, has outputs whose shapes are known only at eval. */
int tflrt_subgraph_is_dynamic(tflrt_ctx* ctx, int32_t s);
/* Runs subgraph s (prepared first if needed). */
int tflrt_subgraph_run(tflrt_ctx* ctx, int32_t s);
/* Drops output i of node when nothing reads it: no node of the current subgraph's execution plan
 * takes it as an input and it is not a subgraph output (nor a variable). From then on the node
 * lists -1 there (as TFLite does for a WHILE output it does not need), tflrt_out returns NULL for
 * it and the tensor gets no memory. Permanent. Prepare only; returns 1 when dropped, else 0. */
int tflrt_drop_unread_output(tflrt_ctx* ctx, tflrt_node* node, int32_t i);

/* ---- resource variables (VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE) ---- */

/* Id of the variable named (container, shared_name), created empty on first use. */
int tflrt_resource_id(tflrt_ctx* ctx, const char* container, const char* shared_name, int32_t* id);
/* The variable's current value; *has_value = 0 until it is assigned. The returned tensor is
 * owned by the interpreter and stays valid until the next assignment. */
int tflrt_resource_get(tflrt_ctx* ctx, int32_t id, const tflrt_tensor** value, int* has_value);
/* Copies the value (type, shape, bytes) into the variable. */
int tflrt_resource_assign(tflrt_ctx* ctx, int32_t id, const tflrt_tensor* value);

#endif
