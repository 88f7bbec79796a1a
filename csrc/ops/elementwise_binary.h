/* Shared glue of the two-input element-wise ops (arithmetic, comparisons, logical): option
 * parsing, type and shape checks, the broadcast plan, activation ranges and the eval driver
 * that cuts the broadcast into kernel runs. Used by elementwise_binary.c (MAXIMUM, MINIMUM,
 * POW, FLOOR_DIV, FLOOR_MOD, SQUARED_DIFFERENCE), arith.c (ADD, SUB, MUL, DIV), compare.c and
 * logical.c. */
#ifndef TFLITE_RT_ELEMENTWISE_BINARY_H
#define TFLITE_RT_ELEMENTWISE_BINARY_H

#include <stdint.h>

#include "../kernels/binary.h"
#include "broadcast.h"
#include "op.h"

/* Which kernel array (and element types) a node runs. */
typedef enum {
  EW_NONE = 0,
  EW_F32, EW_S64, EW_S32, EW_S16, EW_S8, EW_U8, EW_U32, /* raw arithmetic */
  EW_QS8, EW_QU8, EW_QS16,                      /* quantized arithmetic */
  EW_QS16_QS8, EW_QS16_QU8,                     /* int16 x int16 -> 8-bit MUL */
  EW_CMP_F32, EW_CMP_S64, EW_CMP_S32, EW_CMP_S16, EW_CMP_S8, EW_CMP_U8,
  EW_CMP_QS8, EW_CMP_QU8, EW_CMP_QS16,
  EW_AND, EW_OR
} ew_kind;

typedef struct ew_binary {
  /* options */
  int32_t activation;
  int32_t pot_scale_int16; /* ADD/SUB */
  /* prepared */
  int32_t kind;            /* ew_kind */
  int32_t op;              /* tflrt_binop or tflrt_cmpop */
  tflrt_binary_params p;
  tflrt_bcast plan;
  uint8_t same_shape;      /* the inputs have equal shapes */
} ew_binary;

/* Reads fused_activation_function (slot 0) and, when pot_slot >= 0, pot_scale_int16 from the
 * options table when it has type options_type. Absent options give TFLite's zeroed defaults
 * (no activation, pot_scale_int16 false); a present table without the field gives the schema
 * default (true). */
int ew_parse_options(tflrt_ctx* ctx, tflrt_node* node, int32_t options_type, int32_t pot_slot);

/* Checks 2 inputs and 1 output with equal input types, computes the broadcast output shape
 * (rank <= max_rank), sets it on the output and builds the plan. On success *a, *b, *out are
 * the tensors. The output type is checked by the caller. */
int ew_prepare_shapes(tflrt_ctx* ctx, tflrt_node* node, ew_binary* d, int32_t max_rank,
                      const tflrt_tensor** a, const tflrt_tensor** b, tflrt_tensor** out);

/* ew_prepare_shapes (rank <= TFLRT_MAX_DIMS) for ops whose output has the inputs' type. */
int ew_prepare_same_type(tflrt_ctx* ctx, tflrt_node* node, ew_binary* d, const tflrt_tensor** a, const tflrt_tensor** b,
                         tflrt_tensor** out);

/* The output must have type `type`. */
int ew_check_output_type(tflrt_ctx* ctx, const tflrt_tensor* out, int32_t type);

/* Fused activation clamp for raw outputs of type `type` (FLOAT32, INT64, INT32, INT16, INT8,
 * UINT32), following TFLite's CalculateActivationRange for that C type (UINT32 bounds are
 * stored in i64_min/i64_max, -1 wrapping to 2^32 - 1 as in C++). */
void ew_set_activation_raw(tflrt_binary_params* p, int32_t activation, int32_t type);

/* Quantized tensors: a per-tensor positive scale and a zero point inside the type's range. */
int ew_check_quant(tflrt_ctx* ctx, const tflrt_tensor* t, const char* what);
/* Whether the tensor carries quantization parameters. */
static inline int ew_is_quantized(const tflrt_tensor* t) { return t->nq > 0; }

/* Fills q_min/q_max from the activation and the output's quantization. */
void ew_set_activation_quant(tflrt_binary_params* p, int32_t activation, const tflrt_tensor* out);

/* Runs the prepared kernel over the broadcast (any thread count). */
int ew_run(tflrt_ctx* ctx, tflrt_node* node, const ew_binary* d, const tflrt_tensor* a,
           const tflrt_tensor* b, tflrt_tensor* out);

/* Eval of a node that needs no per-invoke work besides the kernel: ew_run on its tensors. */
int ew_eval(tflrt_ctx* ctx, tflrt_node* node);

/* Data-dependent check of eval: fails when any element of t equals `forbidden` (t is an
 * integer tensor of type INT8, UINT8, INT16, INT32 or INT64, or FLOAT32 where forbidden is
 * compared as 0.0f). `what` completes "... by zero" style messages. */
int ew_check_no_value(tflrt_ctx* ctx, const tflrt_tensor* t, int64_t forbidden, const char* message);

/* Number of elements of a tensor and its first element as int64/float (t non-empty). */
int64_t ew_count(const tflrt_tensor* t);

#endif
