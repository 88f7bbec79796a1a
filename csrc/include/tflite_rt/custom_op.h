/* tflite_rt custom op ABI (version 1): run your own C implementation of a model's custom op.
 *
 * A .tflite operator whose OperatorCode has a custom_code (builtin code CUSTOM) is resolved by
 * name and version when an interpreter is created. Register an implementation before that:
 *
 *   static int my_prepare(const tflrt_custom_api* api, tflrt_custom_ctx* ctx, void* user, void* op_data) {
 *     const tflrt_custom_tensor* x = api->input(ctx, 0);
 *     if (x == NULL || api->type(x) != TFLRT_FLOAT32) return api->report_error(ctx, "x must be float32");
 *     int32_t dims[TFLRT_MAX_DIMS];
 *     for (int32_t i = 0; i < api->ndims(x); i++) dims[i] = api->dim(x, i);
 *     return api->set_output_shape(ctx, 0, api->ndims(x), dims);
 *   }
 *   static int my_eval(const tflrt_custom_api* api, tflrt_custom_ctx* ctx, void* user, void* op_data) {
 *     const float* x = api->data(api->input(ctx, 0));
 *     float* y = api->mutable_data(api->output(ctx, 0));
 *     ...
 *     return 0;
 *   }
 *   int register_my_ops(const tflrt_custom_api* api) {    // a "registerer"
 *     tflrt_custom_op op = {sizeof(tflrt_custom_op)};
 *     op.name = "MyOp"; op.min_version = 1; op.max_version = 1;
 *     op.prepare = my_prepare; op.eval = my_eval;
 *     return api->register_op(api, &op, NULL, 0);
 *   }
 *
 * Two ways in:
 *  - C programs linked with the tflite_rt core call tflrt_register_custom_op() (c_api.h), or
 *    tflrt_custom_op_api() and then api->register_op.
 *  - Shared libraries loaded next to the Python package (which keeps its C symbols private)
 *    export a registerer, `int NAME(const tflrt_custom_api* api)`, returning 0 on success;
 *    tflite_rt.InterpreterWithCustomOps(custom_op_registerers=["NAME"], ...) finds it with
 *    ctypes (in the process, or in a library you name) and calls it with the API table. Such a
 *    library includes only this header and types.h and calls nothing of the runtime directly:
 *    everything goes through the tflrt_custom_api table it receives.
 *
 * Registration is process-wide and thread-safe; it applies to interpreters created afterwards.
 * Registering the same (name, versions, callbacks, user_data) again is a no-op; registering
 * another implementation under a name already registered (or under a built-in custom op's name,
 * such as TFLite_Detection_PostProcess) takes precedence for the versions it covers. Entries
 * are never removed: user_data and the callbacks must stay valid for the life of the process.
 *
 * Life cycle per node of a model, all from the thread that calls the interpreter:
 *   init     once, at interpreter creation, with the operator's custom_options bytes (possibly
 *            NULL/0; untrusted file contents: check every read). Returns a status; *op_data
 *            receives per-node state passed to every later call (may stay NULL).
 *   prepare  at allocate_tensors() and after input resizes: check inputs, set every output's
 *            shape (set_output_shape) or mark it dynamic (set_output_dynamic). Output data is
 *            not available yet.
 *   eval     at every invoke(): read inputs, write outputs. Outputs marked dynamic must get
 *            their shape here (set_output_shape) before their data is written.
 *   free     once, when the interpreter is destroyed (if init ran), with op_data.
 * Callbacks return 0 (TFLRT_OK) on success or report_error(...) / a non-zero tflrt_status; they
 * must not print, abort, block forever, or keep tensor pointers between calls (arena memory
 * moves between prepares). Several interpreters may call one op from different threads at once:
 * state shared through user_data needs its own locking.
 *
 * Versioning: abi_version changes only when an existing field or signature changes. Both
 * structs start with struct_size and only grow by appending: the runtime reads the fields of
 * a tflrt_custom_op that lie below its struct_size, and a library built against a newer header
 * checks api->struct_size before using a callback appended after version 1.0. */
#ifndef TFLITE_RT_CUSTOM_OP_H
#define TFLITE_RT_CUSTOM_OP_H

#include <stddef.h>
#include <stdint.h>

#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TFLRT_CUSTOM_OP_ABI_VERSION 1u

typedef struct tflrt_custom_ctx tflrt_custom_ctx;       /* opaque: one node, during one call */
typedef struct tflrt_custom_tensor tflrt_custom_tensor; /* opaque: one tensor of that node */
typedef struct tflrt_custom_api tflrt_custom_api;

typedef int (*tflrt_custom_fn)(const tflrt_custom_api* api, tflrt_custom_ctx* ctx, void* user_data, void* op_data);

/* An implementation, filled by the caller and copied at registration. */
typedef struct tflrt_custom_op {
  uint32_t struct_size;              /* sizeof(tflrt_custom_op) as the caller compiled it */
  const char* name;                  /* the model's custom_code (copied; at most 127 bytes) */
  int32_t min_version, max_version;  /* OperatorCode.version range served (1 <= min <= max) */
  void* user_data;                   /* passed to every callback */
  int (*init)(void* user_data, const void* custom_options, size_t options_size, void** op_data); /* optional */
  void (*free)(void* user_data, void* op_data);                                                 /* optional */
  tflrt_custom_fn prepare;           /* required */
  tflrt_custom_fn eval;              /* required */
} tflrt_custom_op;

/* What the runtime offers, filled by the runtime. Tensor handles are valid during the call
 * that obtained them. */
struct tflrt_custom_api {
  uint32_t abi_version;              /* TFLRT_CUSTOM_OP_ABI_VERSION */
  uint32_t struct_size;              /* sizeof(tflrt_custom_api) of the runtime */

  /* Registers op (see above). On failure returns TFLRT_ERR_VALUE (invalid op) or
   * TFLRT_ERR_NOMEM (registry full) and writes a message into err (err_cap bytes) if given. */
  int (*register_op)(const tflrt_custom_api* api, const tflrt_custom_op* op, char* err, size_t err_cap);

  /* The node: its inputs and outputs in the model's order. input() is NULL for an absent
   * optional input (-1 in the model) or i out of range; output() is NULL when out of range. */
  int32_t (*num_inputs)(const tflrt_custom_ctx* ctx);
  int32_t (*num_outputs)(const tflrt_custom_ctx* ctx);
  const tflrt_custom_tensor* (*input)(const tflrt_custom_ctx* ctx, int32_t i);
  tflrt_custom_tensor* (*output)(tflrt_custom_ctx* ctx, int32_t i);
  const char* (*op_name)(const tflrt_custom_ctx* ctx);
  int32_t (*op_version)(const tflrt_custom_ctx* ctx);

  /* A tensor. dim() is -1 for i out of range. data() is NULL while a tensor has no data yet
   * (outputs during prepare); mutable_data() is non-NULL only for outputs of this node, in
   * eval. bytes() is the data size (element count x element size). */
  int32_t (*type)(const tflrt_custom_tensor* t);       /* tflrt_type */
  int32_t (*ndims)(const tflrt_custom_tensor* t);
  int32_t (*dim)(const tflrt_custom_tensor* t, int32_t i);
  const void* (*data)(const tflrt_custom_tensor* t);
  void* (*mutable_data)(tflrt_custom_tensor* t);
  size_t (*bytes)(const tflrt_custom_tensor* t);
  int (*is_constant)(const tflrt_custom_tensor* t);    /* model weights: data known in prepare */
  const char* (*name)(const tflrt_custom_tensor* t);
  /* Quantization: the number of (scale, zero point) pairs (0 when not quantized, 1 per-tensor,
   * one per channel of axis quantized_dim otherwise); quant_param reads pair i (0 on success). */
  int32_t (*num_quant_params)(const tflrt_custom_tensor* t);
  int (*quant_param)(const tflrt_custom_tensor* t, int32_t i, float* scale, int64_t* zero_point);
  int32_t (*quantized_dim)(const tflrt_custom_tensor* t);

  /* Output shapes: in prepare for every output, or in eval for outputs marked dynamic in
   * prepare. The element type is the model's. */
  int (*set_output_shape)(tflrt_custom_ctx* ctx, int32_t i, int32_t ndims, const int32_t* dims);
  int (*set_output_dynamic)(tflrt_custom_ctx* ctx, int32_t i);

  /* Records message as the interpreter's error ("Node N (NAME) failed to prepare/invoke: ...")
   * and returns TFLRT_ERR_RUNTIME, for `return api->report_error(ctx, "...");`. */
  int (*report_error)(tflrt_custom_ctx* ctx, const char* message);
};

#ifdef __cplusplus
}
#endif
#endif
