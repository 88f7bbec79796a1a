/* tflite_rt public C API: everything the Cython binding (and C users) see.
 *
 * Life cycle: load a model (from bytes or a file, validated before anything else runs),
 * create an interpreter (resolves every op, failing with the op name, version and node),
 * allocate (prepare every node, plan the arena, bind pointers), then invoke any number of
 * times. Every call that can fail returns a tflrt_status; the message of the last failure is
 * kept in the interpreter (tflrt_interp_error) or written to the caller's buffer for the
 * functions that have no interpreter yet. Messages are replaced, never accumulated.
 * An interpreter may be used from one thread at a time; calls are serialized by a lock. */
#ifndef TFLITE_RT_C_API_H
#define TFLITE_RT_C_API_H

#include <stddef.h>
#include <stdint.h>

#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tflrt_model tflrt_model;
typedef struct tflrt_interp tflrt_interp;

#define TFLRT_VERSION "0.1.0"
const char* tflrt_version(void);

/* Resolver types, same values as LiteRT's OpResolverType. */
enum {
  TFLRT_RESOLVER_AUTO = 0,
  TFLRT_RESOLVER_BUILTIN = 1,
  TFLRT_RESOLVER_BUILTIN_REF = 2,
  TFLRT_RESOLVER_BUILTIN_WITHOUT_DEFAULT_DELEGATES = 3
};

typedef struct {
  int32_t num_threads;          /* >= 1 */
  int32_t resolver;             /* TFLRT_RESOLVER_* */
  int32_t preserve_all_tensors; /* no arena reuse: every tensor keeps its value after invoke */
  int32_t isa_cap;              /* tflrt_isa cap (kernels.h), -1 = none */
  uint64_t arena_limit;         /* bytes; allocate fails with TFLRT_ERR_NOMEM above it; 0 = 4 GiB */
} tflrt_options;

void tflrt_options_init(tflrt_options* o);

/* ---- models ---- */
/* Borrows data: the caller keeps it alive and unchanged while the model exists. */
int tflrt_model_from_buffer(const void* data, size_t size, tflrt_model** out, char* err, size_t err_cap);
/* Maps the file read-only. */
int tflrt_model_from_file(const char* path, tflrt_model** out, char* err, size_t err_cap);
void tflrt_model_destroy(tflrt_model* m);

typedef struct {
  const char* key;
  int32_t subgraph;
  int32_t n_inputs, n_outputs;
  const char* const* input_names;
  const int32_t* input_tensors;
  const char* const* output_names;
  const int32_t* output_tensors;
} tflrt_signature_info;

int32_t tflrt_model_num_signatures(const tflrt_model* m);
int tflrt_model_signature(const tflrt_model* m, int32_t i, tflrt_signature_info* out);
int32_t tflrt_model_num_subgraphs(const tflrt_model* m);
const char* tflrt_model_description(const tflrt_model* m);

/* ---- interpreters ---- */
/* The model must outlive the interpreter. */
int tflrt_interp_create(const tflrt_model* m, const tflrt_options* o, tflrt_interp** out, char* err,
                        size_t err_cap);
void tflrt_interp_destroy(tflrt_interp* it);
const char* tflrt_interp_error(const tflrt_interp* it);

int tflrt_interp_allocate(tflrt_interp* it, int32_t subgraph);
int tflrt_interp_invoke(tflrt_interp* it, int32_t subgraph);
int tflrt_interp_is_allocated(const tflrt_interp* it, int32_t subgraph);
/* Changes an input's shape; the subgraph must be allocated again before invoke.
 * strict: only dimensions that are -1 in shape_signature may change. */
int tflrt_interp_resize_input(tflrt_interp* it, int32_t subgraph, int32_t tensor, const int32_t* dims,
                              int32_t ndims, int strict);
/* Zeroes variable tensors (or restores their initial constant value). */
int tflrt_interp_reset_variables(tflrt_interp* it);
int tflrt_interp_set_num_threads(tflrt_interp* it, int32_t n);
int32_t tflrt_interp_num_threads(const tflrt_interp* it);
/* Per-node timing of eval (CLOCK_MONOTONIC), collected while enabled; enabling resets it.
 * Subgraphs run by control-flow ops are timed too, and inside their caller's time. */
int tflrt_interp_set_profiling(tflrt_interp* it, int enabled);
int tflrt_interp_node_profile(const tflrt_interp* it, int32_t subgraph, int32_t node, uint64_t* total_ns,
                              uint64_t* count);
const char* tflrt_interp_isa(const tflrt_interp* it);

int32_t tflrt_interp_num_subgraphs(const tflrt_interp* it);
int32_t tflrt_interp_num_tensors(const tflrt_interp* it, int32_t subgraph);
int32_t tflrt_interp_num_inputs(const tflrt_interp* it, int32_t subgraph);
int32_t tflrt_interp_num_outputs(const tflrt_interp* it, int32_t subgraph);
int32_t tflrt_interp_input(const tflrt_interp* it, int32_t subgraph, int32_t i);
int32_t tflrt_interp_output(const tflrt_interp* it, int32_t subgraph, int32_t i);

enum { TFLRT_MEM_NONE = 0, TFLRT_MEM_CONST = 1, TFLRT_MEM_ARENA = 2, TFLRT_MEM_PERSIST = 3, TFLRT_MEM_DYNAMIC = 4 };

typedef struct {
  const char* name;
  int32_t type;
  int32_t ndims;
  const int32_t* dims;
  const int32_t* dims_signature; /* NULL when the model has none */
  void* data;                    /* NULL before allocation */
  size_t bytes;
  int32_t nq;
  const float* scales;
  const int64_t* zero_points;
  int32_t qdim;
  int32_t mem;                   /* TFLRT_MEM_* */
  int64_t arena_offset;          /* -1 unless in the arena */
  int32_t first_node, last_node; /* lifetime in the arena plan (-1 when not planned) */
  int32_t is_variable;
  int32_t is_sparse;
} tflrt_tensor_info;

int tflrt_interp_tensor(const tflrt_interp* it, int32_t subgraph, int32_t tensor, tflrt_tensor_info* out);

typedef struct {
  const char* op_name;
  int32_t builtin_code, version;
  int32_t n_inputs, n_outputs;
  const int32_t* inputs;
  const int32_t* outputs;
} tflrt_node_info;

int32_t tflrt_interp_num_nodes(const tflrt_interp* it, int32_t subgraph);
int tflrt_interp_node(const tflrt_interp* it, int32_t subgraph, int32_t node, tflrt_node_info* out);

typedef struct {
  uint64_t arena_bytes;      /* activation arena, all subgraphs */
  uint64_t persistent_bytes; /* per-node data, packed weights, tables, variables */
  uint64_t dynamic_bytes;    /* heap tensors of data-dependent shape, now */
  uint64_t weights_bytes;    /* constant tensor data in the model */
  uint64_t model_bytes;      /* size of the model file */
} tflrt_memory_info;

int tflrt_interp_memory(const tflrt_interp* it, tflrt_memory_info* out);

/* Names of builtin ops this build supports, for "which ops of my model run here?" */
int32_t tflrt_num_supported_ops(void);
int tflrt_supported_op(int32_t i, const char** name, int32_t* builtin_code, int32_t* min_version,
                       int32_t* max_version);
/* Whether (code, custom name, version) resolves. */
int tflrt_op_supported(int32_t builtin_code, const char* custom_name, int32_t version);
const char* tflrt_builtin_op_name(int32_t code);
const char* tflrt_type_name_of(int32_t type);

#ifdef __cplusplus
}
#endif
#endif
