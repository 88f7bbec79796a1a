/* tflite_rt delegate plugin ABI (major version 1, minor 1).
 *
 * A delegate is a shared library that runs some nodes of a model instead of tflite_rt's CPU
 * kernels. It exports two C functions (see the end of this header):
 *
 *   tflrt_delegate* tflrt_delegate_create(keys, values, n_options, report_error, error_user);
 *   void            tflrt_delegate_destroy(tflrt_delegate* d);
 *
 * and everything else happens through the tflrt_delegate struct that create returns:
 *
 *   select_nodes  once per subgraph, when the delegate is applied to an interpreter: the plugin
 *                 marks the nodes it can run. The runtime groups them into partitions (maximal
 *                 sets that keep a valid execution order; see docs/delegates.md) and replaces
 *                 each partition by one DELEGATE node. Every other node keeps its CPU kernel.
 *   init          once per partition, right after partitioning: the plugin builds its state.
 *   prepare       at every allocate_tensors() (and after an input is resized): tensor shapes
 *                 are final (the runtime has propagated them through the partition's nodes);
 *                 the plugin checks them and sizes its buffers. No tensor data yet.
 *   invoke        at every invoke(): the partition reads its input buffers and writes its
 *                 output buffers (tflrt_partition_io).
 *   free          when the partition goes away (interpreter destroyed, or CPU fallback).
 *
 * If select_nodes, init or prepare fails, the runtime puts the whole subgraph back on its CPU
 * plan, records the plugin's message (Interpreter.delegate_report()) and keeps working.
 * If invoke fails, invoke() fails with the plugin's message.
 *
 * The plugin sees the graph only through tflrt_graph_view: read-only callbacks that answer
 * questions about tensors (type, shape, quantization, name, constant data) and nodes (operator,
 * version, inputs, outputs, options by schema slot). No runtime struct layout is part of the
 * ABI: only the structs declared in this header, which follow the rules below.
 *
 * Include only this header and types.h (for the tflrt_type enum values). A plugin cannot call
 * functions of the runtime: it is loaded with RTLD_LOCAL and finds none of them.
 *
 * ---- Versioning rules ----------------------------------------------------------------------
 *  - abi_version (major) changes only when an existing field, callback signature or meaning
 *    changes. The runtime refuses a plugin whose abi_version it does not implement, with a
 *    message naming both versions. This runtime implements major version 1.
 *  - Minor versions only append fields at the end of a struct. Every struct that can grow
 *    starts with uint32_t struct_size: the size of the struct as its producer was compiled.
 *      * tflrt_delegate (filled by the plugin): the runtime requires struct_size >= the size
 *        of the 1.0 struct (TFLRT_DELEGATE_SIZE_1_0), reads fields that lie entirely below
 *        struct_size, and treats later ones as absent. A larger struct_size (a plugin built
 *        against a newer minor version) is accepted; the fields this runtime does not know
 *        are ignored.
 *      * tflrt_graph_view, tflrt_partition, tflrt_partition_io (filled by the runtime): a
 *        plugin built against a newer header must check TFLRT_HAS_FIELD before it uses a
 *        field or callback added after 1.0; everything of 1.0 is always present.
 *  - tflrt_tensor_buffer is used in arrays and never grows within major version 1: new facts
 *    about a tensor come through new view callbacks.
 *  - Enum values (tflrt_type, flags, builtin operator codes of the .tflite schema) never
 *    change meaning; new flags may be added, and the runtime ignores flags it does not know.
 *  - History: 1.0 first version. 1.1 appended tflrt_delegate.version.
 *
 * ---- Threads and lifetimes -----------------------------------------------------------------
 *  - One plugin instance (one create) may serve many interpreters, which may run in different
 *    threads. Calls for one partition never overlap; calls for different partitions may, unless
 *    the plugin sets TFLRT_DELEGATE_FLAG_SERIALIZE (then the runtime never calls the instance
 *    from two threads at once).
 *  - destroy is called once, after free has been called for every partition of every
 *    interpreter that used the instance.
 *  - Pointers obtained from the view stay valid until the next prepare of the same subgraph
 *    (shapes) or for the interpreter's life (names, constant data, node input/output lists).
 *  - Plugin callbacks must not block forever, print, or abort: return non-zero and report. */
#ifndef TFLITE_RT_DELEGATE_H
#define TFLITE_RT_DELEGATE_H

#include <stddef.h>
#include <stdint.h>

#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TFLRT_DELEGATE_ABI_VERSION 1u /* major */
#define TFLRT_DELEGATE_ABI_MINOR 1u

/* Whether a struct that starts with struct_size has `field` (it lies entirely inside). */
#define TFLRT_HAS_FIELD(ptr, type, field) \
  ((size_t)(ptr)->struct_size >= offsetof(type, field) + sizeof(((const type*)0)->field))

/* Bit in an option slot: read builtin_options_2 instead of builtin_options. */
#define TFLRT_OPTIONS_2 0x10000

/* Flags of tflrt_delegate.flags. */
#define TFLRT_DELEGATE_FLAG_SERIALIZE 1u /* never call this instance from two threads at once */

typedef struct tflrt_graph_view tflrt_graph_view;
typedef struct tflrt_delegate tflrt_delegate;

/* ---- The read-only graph view (filled by the runtime) ----------------------------------------
 * One view per subgraph. Tensor and node indices are those of the model's subgraph (the same
 * numbers as Interpreter.get_tensor_details() and _get_ops_details()). Every callback takes
 * the view itself as first argument and is safe to call with an out-of-range index: it then
 * returns -1, NULL, or a non-zero status as documented. */
struct tflrt_graph_view {
  uint32_t struct_size;  /* sizeof(tflrt_graph_view) in the runtime */
  uint32_t abi_minor;    /* TFLRT_DELEGATE_ABI_MINOR of the runtime */
  int32_t subgraph;      /* index of this subgraph in the model */
  int32_t reserved;

  int32_t (*num_tensors)(const tflrt_graph_view* g);
  int32_t (*num_nodes)(const tflrt_graph_view* g);
  int32_t (*num_graph_inputs)(const tflrt_graph_view* g);
  int32_t (*graph_input)(const tflrt_graph_view* g, int32_t i);   /* tensor index */
  int32_t (*num_graph_outputs)(const tflrt_graph_view* g);
  int32_t (*graph_output)(const tflrt_graph_view* g, int32_t i);

  /* Tensors. */
  int32_t (*tensor_type)(const tflrt_graph_view* g, int32_t t);   /* tflrt_type, -1 invalid */
  int32_t (*tensor_ndims)(const tflrt_graph_view* g, int32_t t);  /* -1 invalid */
  /* Current shape: the model's declared shape in select_nodes and init (inputs as resized),
   * the final shape in prepare and invoke. tensor_ndims entries. */
  const int32_t* (*tensor_dims)(const tflrt_graph_view* g, int32_t t);
  const char* (*tensor_name)(const tflrt_graph_view* g, int32_t t); /* never NULL for a valid t */
  /* Quantization: 0 entries = not quantized, 1 = per tensor, n = per channel along quant_dim. */
  int32_t (*tensor_num_quant)(const tflrt_graph_view* g, int32_t t);
  const float* (*tensor_scales)(const tflrt_graph_view* g, int32_t t);
  const int64_t* (*tensor_zero_points)(const tflrt_graph_view* g, int32_t t);
  int32_t (*tensor_quant_dim)(const tflrt_graph_view* g, int32_t t);
  /* Constant data (weights) and its size in bytes; NULL for every non-constant tensor. */
  const void* (*tensor_const_data)(const tflrt_graph_view* g, int32_t t, size_t* bytes);
  int32_t (*tensor_is_variable)(const tflrt_graph_view* g, int32_t t);

  /* Nodes. */
  int32_t (*node_builtin_code)(const tflrt_graph_view* g, int32_t n); /* schema BuiltinOperator; 32 CUSTOM */
  const char* (*node_custom_name)(const tflrt_graph_view* g, int32_t n); /* NULL unless custom */
  int32_t (*node_version)(const tflrt_graph_view* g, int32_t n);
  int32_t (*node_num_inputs)(const tflrt_graph_view* g, int32_t n);
  int32_t (*node_input)(const tflrt_graph_view* g, int32_t n, int32_t i);  /* -1: absent optional */
  int32_t (*node_num_outputs)(const tflrt_graph_view* g, int32_t n);
  int32_t (*node_output)(const tflrt_graph_view* g, int32_t n, int32_t i);  /* -1: dropped (unread WHILE output) */
  /* Type of the node's builtin_options union (schema BuiltinOptions), 0 when absent. */
  int32_t (*node_options_type)(const tflrt_graph_view* g, int32_t n);
  const void* (*node_custom_options)(const tflrt_graph_view* g, int32_t n, size_t* size);

  /* Builtin options by field slot of the options table (the schema's field order, 0-based;
   * OR TFLRT_OPTIONS_2 to read builtin_options_2). Use the accessor of the field's schema type
   * (enums such as Padding and ActivationFunctionType are byte: option_i8). An absent field or
   * options table gives dflt. Returns 0, or non-zero for an invalid node or a malformed table. */
  int (*option_bool)(const tflrt_graph_view* g, int32_t n, int32_t slot, int dflt, int* out);
  int (*option_i8)(const tflrt_graph_view* g, int32_t n, int32_t slot, int8_t dflt, int8_t* out);
  int (*option_u8)(const tflrt_graph_view* g, int32_t n, int32_t slot, uint8_t dflt, uint8_t* out);
  int (*option_i16)(const tflrt_graph_view* g, int32_t n, int32_t slot, int16_t dflt, int16_t* out);
  int (*option_i32)(const tflrt_graph_view* g, int32_t n, int32_t slot, int32_t dflt, int32_t* out);
  int (*option_u32)(const tflrt_graph_view* g, int32_t n, int32_t slot, uint32_t dflt, uint32_t* out);
  int (*option_i64)(const tflrt_graph_view* g, int32_t n, int32_t slot, int64_t dflt, int64_t* out);
  int (*option_f32)(const tflrt_graph_view* g, int32_t n, int32_t slot, float dflt, float* out);
  /* A [int] field: copies up to cap values into out and sets *len to the vector's length
   * (0 when absent); *len > cap means the copy was truncated. */
  int (*option_i32_vector)(const tflrt_graph_view* g, int32_t n, int32_t slot, int32_t* out, int32_t cap,
                           int32_t* len);

  /* Explains a failure of the current call (select_nodes, init, prepare, invoke): the runtime
   * shows the message with the node, delegate and partition. Only valid during such a call;
   * the last message wins. */
  void (*report_error)(const tflrt_graph_view* g, const char* msg);
};

/* ---- Partitions (filled by the runtime) ------------------------------------------------------ */
typedef struct tflrt_partition {
  uint32_t struct_size;       /* sizeof(tflrt_partition) in the runtime */
  int32_t subgraph;
  int32_t node;               /* index of the DELEGATE node that replaces the partition */
  int32_t n_nodes;
  const int32_t* nodes;       /* model node indices, in a valid execution order */
  int32_t n_inputs;
  const int32_t* inputs;      /* tensors read from outside the partition, ascending: graph inputs,
                                 outputs of other nodes, variables and constants */
  int32_t n_outputs;
  const int32_t* outputs;     /* tensors the partition must write, ascending: those read after it
                                 or that are outputs of the subgraph. Tensors used only inside
                                 the partition get no runtime memory: the plugin holds them. */
} tflrt_partition;

/* One tensor at invoke. Never grows within ABI major version 1. */
typedef struct tflrt_tensor_buffer {
  int32_t tensor;             /* tensor index */
  int32_t type;               /* tflrt_type */
  int32_t ndims;
  const int32_t* dims;
  void* data;                 /* inputs: read only; outputs: the partition writes all `bytes` */
  size_t bytes;
} tflrt_tensor_buffer;

typedef struct tflrt_partition_io {
  uint32_t struct_size;       /* sizeof(tflrt_partition_io) in the runtime */
  int32_t n_inputs;
  const tflrt_tensor_buffer* inputs;   /* in the order of tflrt_partition.inputs */
  int32_t n_outputs;
  const tflrt_tensor_buffer* outputs;  /* in the order of tflrt_partition.outputs */
} tflrt_partition_io;

/* ---- The delegate (filled by the plugin) ------------------------------------------------------
 * Callbacks return 0 for success and non-zero for failure (then call g->report_error first). */
struct tflrt_delegate {
  /* -- 1.0 -- */
  uint32_t abi_version;       /* TFLRT_DELEGATE_ABI_VERSION the plugin was built with */
  uint32_t struct_size;       /* sizeof(tflrt_delegate) as the plugin was built */
  const char* name;           /* short non-empty name ("refcheck"), shown in reports */
  uint64_t flags;             /* TFLRT_DELEGATE_FLAG_* */
  void* user;                 /* the plugin's own data; never touched by the runtime */

  /* Marks supported nodes: supported has g->num_nodes(g) entries, all 0 on entry; set 1 for
   * each node the plugin can run. Claims on nodes another delegate already took are ignored.
   * Required. */
  int (*select_nodes)(tflrt_delegate* self, const tflrt_graph_view* g, uint8_t* supported);
  /* Creates the state of one partition (*state, may stay NULL). Required. */
  int (*init)(tflrt_delegate* self, const tflrt_graph_view* g, const tflrt_partition* part, void** state);
  /* Shapes are final: check them, size buffers. May be NULL. */
  int (*prepare)(tflrt_delegate* self, void* state, const tflrt_graph_view* g, const tflrt_partition* part);
  /* Runs the partition. Required. */
  int (*invoke)(tflrt_delegate* self, void* state, const tflrt_graph_view* g, const tflrt_partition_io* io);
  /* Releases the state of one partition (also after a failed prepare). May be NULL. */
  void (*free)(tflrt_delegate* self, void* state);

  /* -- 1.1 -- */
  const char* version;        /* the plugin's own version string, shown in reports; may be NULL */
};

/* Size of the 1.0 struct: the smallest struct_size the runtime accepts. */
#define TFLRT_DELEGATE_SIZE_1_0 (offsetof(tflrt_delegate, free) + sizeof(void (*)(void)))

/* ---- Entry points exported by the plugin ------------------------------------------------------
 * create: options as key/value strings. On failure return NULL after calling
 * report_error(error_user, message) (as many times as useful; the messages are joined).
 * report_error stays valid until destroy returns. */
#if defined(__GNUC__)
#define TFLRT_DELEGATE_EXPORT __attribute__((visibility("default")))
#else
#define TFLRT_DELEGATE_EXPORT
#endif

#define TFLRT_DELEGATE_CREATE_SYMBOL "tflrt_delegate_create"
#define TFLRT_DELEGATE_DESTROY_SYMBOL "tflrt_delegate_destroy"

typedef void (*tflrt_delegate_error_fn)(void* user, const char* msg);
typedef tflrt_delegate* (*tflrt_delegate_create_fn)(const char* const* keys, const char* const* values,
                                                     size_t n_options, tflrt_delegate_error_fn report_error,
                                                     void* error_user);
typedef void (*tflrt_delegate_destroy_fn)(tflrt_delegate* d);

TFLRT_DELEGATE_EXPORT tflrt_delegate* tflrt_delegate_create(const char* const* keys, const char* const* values,
                                                            size_t n_options, tflrt_delegate_error_fn report_error,
                                                            void* error_user);
TFLRT_DELEGATE_EXPORT void tflrt_delegate_destroy(tflrt_delegate* d);

#ifdef __cplusplus
}
#endif
#endif
