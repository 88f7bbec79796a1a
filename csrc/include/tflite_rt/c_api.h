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

#include "custom_op.h"
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

/* Copies bytes into / out of a tensor under the interpreter's lock, so a copy never races an
 * allocate or resize from another thread. Fails (TFLRT_ERR_VALUE, message in the interpreter)
 * when the tensor has no data yet, is a constant (copy_in), or holds a different byte count. */
int tflrt_interp_copy_in(tflrt_interp* it, int32_t subgraph, int32_t tensor, const void* src, size_t bytes);
int tflrt_interp_copy_out(tflrt_interp* it, int32_t subgraph, int32_t tensor, void* dst, size_t bytes);

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


/* ---- model queries without an interpreter ----
 * For inspecting a model before (or instead of) running it, including a model whose ops are
 * not all supported and for which tflrt_interp_create fails. Everything comes from the loaded
 * model; pointers stay valid while the model exists. */
typedef struct {
  const char* name;
  int32_t n_tensors, n_ops, n_inputs, n_outputs;
  const int32_t* inputs;
  const int32_t* outputs;
} tflrt_model_subgraph_info;

typedef struct {
  const char* op_name;       /* builtin name ("CONV_2D"), the custom code for custom ops, or "UNKNOWN"; never NULL */
  const char* custom_code;   /* NULL unless CUSTOM */
  int32_t builtin_code, version;
  int32_t supported;         /* 1 when this build resolves (code, custom code, version) */
  int32_t n_inputs, n_outputs;
  const int32_t* inputs;     /* -1 = optional input absent */
  const int32_t* outputs;
} tflrt_model_op_info;

int tflrt_model_subgraph(const tflrt_model* m, int32_t subgraph, tflrt_model_subgraph_info* out);
int tflrt_model_op(const tflrt_model* m, int32_t subgraph, int32_t op, tflrt_model_op_info* out);
/* Fills the fields a model knows: data is the constant data (NULL for non-constants), bytes the
 * constant's size or, for other tensors, element count x type size of the declared shape; mem is
 * TFLRT_MEM_CONST or TFLRT_MEM_NONE, arena_offset/first_node/last_node are -1. */
int tflrt_model_tensor(const tflrt_model* m, int32_t subgraph, int32_t tensor, tflrt_tensor_info* out);

/* ---- delegates ----
 * A delegate is a plugin shared library that runs some nodes instead of the CPU kernels; its
 * side of the contract is tflite_rt/delegate.h. Loading creates one instance of the plugin,
 * which any number of interpreters may share. */
typedef struct tflrt_delegate_lib tflrt_delegate_lib;

/* Opens the library (dlopen: a bare name uses the normal search path), checks its ABI and
 * creates an instance with the key/value options. The runtime consumes two options and does not
 * pass them to the plugin: max_delegated_partitions (keep only the N largest partitions; <= 0
 * means no limit, the default) and min_nodes_per_partition (partitions with fewer nodes stay
 * on CPU; default 1). On failure returns TFLRT_ERR_VALUE and writes a message naming the path
 * and what went wrong (missing library, missing symbol, ABI version, the plugin's own message). */
int tflrt_delegate_load(const char* path, const char* const* keys, const char* const* values, size_t n_options,
                        tflrt_delegate_lib** out, char* err, size_t err_cap);
/* Drops the caller's reference. The instance is destroyed once no interpreter uses it. */
void tflrt_delegate_unload(tflrt_delegate_lib* d);
const char* tflrt_delegate_lib_name(const tflrt_delegate_lib* d);
const char* tflrt_delegate_lib_version(const tflrt_delegate_lib* d); /* "" when unknown */
const char* tflrt_delegate_lib_path(const tflrt_delegate_lib* d);
/* The plugin's abi_version; *struct_size receives its struct_size. */
uint32_t tflrt_delegate_lib_abi(const tflrt_delegate_lib* d, uint32_t* struct_size);

enum {
  TFLRT_APPLY_NO_CLUSTERING = 1,  /* partitions keep the model's execution order (not greedy) */
  TFLRT_APPLY_NO_NODE_FUSION = 2  /* one node per partition */
};

/* Applies the delegate to every subgraph: asks the plugin which nodes it supports, groups them
 * into partitions and replaces each partition by one DELEGATE node (appended after the model's
 * nodes; tflrt_interp_node shows it with op_name "DELEGATE"). The interpreter keeps a reference
 * to d until it is destroyed. Subgraphs must be allocated again afterwards. A plugin that fails
 * does not fail the call: if select fails the subgraph keeps its plan; a partition whose init
 * (now) or prepare (at allocate) fails goes back to CPU, its nodes in its place, while the other
 * partitions stay delegated. The reasons are recorded (tflrt_interp_delegation). Returns an
 * error only for invalid arguments or when out of memory. */
int tflrt_interp_apply_delegate(tflrt_interp* it, tflrt_delegate_lib* d, uint32_t flags);

/* One application of a delegate to one subgraph. */
typedef struct {
  const char* delegate;          /* the plugin's name */
  int32_t subgraph;
  int32_t n_supported;           /* nodes the plugin claimed */
  int32_t n_partitions;          /* partitions formed from them */
  int32_t n_delegated;           /* partitions in the execution plan now (after max_delegated_partitions,
                                    min_nodes_per_partition and fallbacks) */
  int32_t n_failed;              /* partitions that went back to CPU because the plugin failed */
  int32_t active;                /* n_delegated > 0 */
  const char* reason;            /* why partitions went back to CPU ("" when none did) */
} tflrt_delegation_info;

int32_t tflrt_interp_num_delegations(const tflrt_interp* it);
int tflrt_interp_delegation(const tflrt_interp* it, int32_t i, tflrt_delegation_info* out);

/* One partition in the execution plan (a DELEGATE node). */
typedef struct {
  int32_t delegation;            /* index for tflrt_interp_delegation */
  int32_t subgraph;
  int32_t node;                  /* the DELEGATE node */
  int32_t n_nodes;
  const int32_t* nodes;          /* model nodes it runs, in execution order */
  int32_t n_inputs;
  const int32_t* inputs;         /* tensors it reads (constants included) */
  int32_t n_outputs;
  const int32_t* outputs;        /* tensors it writes for the rest of the graph */
} tflrt_partition_info;

int32_t tflrt_interp_num_partitions(const tflrt_interp* it);
int tflrt_interp_partition(const tflrt_interp* it, int32_t i, tflrt_partition_info* out);

/* The nodes a subgraph runs, in order (DELEGATE nodes instead of the nodes they replace).
 * *nodes is NULL when the plan is simply 0 .. *n - 1. */
int tflrt_interp_execution_plan(const tflrt_interp* it, int32_t subgraph, const int32_t** nodes, int32_t* n);

/* ---- custom ops ----
 * Implementations of a model's custom ops (the ABI, with an example, is tflite_rt/custom_op.h).
 * Registration is process-wide, thread-safe, and applies to interpreters created afterwards; an
 * unresolved custom op fails tflrt_interp_create with TFLRT_ERR_UNSUPPORTED naming the op. */

/* Registers op; returns TFLRT_OK, or TFLRT_ERR_VALUE / TFLRT_ERR_NOMEM with a message in err. */
int tflrt_register_custom_op(const tflrt_custom_op* op, char* err, size_t err_cap);
/* The API table custom ops are called with; also what a registerer function receives. */
const tflrt_custom_api* tflrt_custom_op_api(void);

#ifdef __cplusplus
}
#endif
#endif
