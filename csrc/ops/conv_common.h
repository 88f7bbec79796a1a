/* What CONV_2D, DEPTHWISE_CONV_2D and TRANSPOSE_CONV share: option parsing, the choice of
 * kernel family from the tensor types, bias and quantization checks, per-channel output
 * multipliers and activation clamps, int4 filter unpacking, the hybrid (dynamic-range) setup,
 * weight packing, and the eval driver that quantizes hybrid inputs and splits output rows.
 *
 * Each op describes where it differs from the others in one static const tflrt_conv_rules
 * (its options table, filter layout and the checks TFLite makes for it), keeps a
 * tflrt_conv_state in its node data, and does only its own shape logic. Every check reports
 * through tflrt_op_error, so messages carry "Node N (OP)" and name the tensor concerned. */
#ifndef TFLITE_RT_OPS_CONV_COMMON_H
#define TFLITE_RT_OPS_CONV_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "op.h"

/* Kernel family, chosen in prepare from the input and filter types. */
typedef enum {
  TFLRT_CONV_F32,
  TFLRT_CONV_QS8,
  TFLRT_CONV_QU8,
  TFLRT_CONV_QS16,       /* int16 activations, int64 bias, 64-bit accumulator */
  TFLRT_CONV_QS16_ACC32, /* int16 activations, int32 bias, 32-bit accumulator */
  TFLRT_CONV_HYBRID      /* float32 activations quantized per batch at run time, int8 filter */
} tflrt_conv_kind;

/* Options-table fields, indexing tflrt_conv_rules.slot. */
enum {
  TFLRT_CONV_SLOT_PADDING,
  TFLRT_CONV_SLOT_STRIDE_W,
  TFLRT_CONV_SLOT_STRIDE_H,
  TFLRT_CONV_SLOT_DEPTH_MULTIPLIER, /* read (so a malformed field is refused) but not used */
  TFLRT_CONV_SLOT_ACTIVATION,
  TFLRT_CONV_SLOT_DILATION_W,
  TFLRT_CONV_SLOT_DILATION_H,
  TFLRT_CONV_SLOT_BIAS_TYPE,
  TFLRT_CONV_N_SLOTS
};

typedef struct tflrt_conv_rules {
  const char* options_name; /* "Conv2DOptions", for the malformed-options message */
  uint8_t options_type;     /* BuiltinOptions union type of that table */
  int8_t slot[TFLRT_CONV_N_SLOTS]; /* by TFLRT_CONV_SLOT_*: field slot; -1: absent (default) */
  int8_t io[3];              /* node input positions of the input, filter and bias */
  const char* filter_layout; /* "[out_channels, height, width, in_channels]" */
  int32_t filter_qdim;       /* dimension of per-channel filter scales; -1: not checked */
  int32_t max_activation;    /* largest accepted fused activation (TFLRT_ACT_*) */
  uint8_t int4_kinds;        /* kinds accepting an INT4 filter: bits 1 << TFLRT_CONV_* */
  uint8_t int8_filter_zp_0;  /* int8 filter zero points must be 0 (else: in the type's range) */
  uint8_t qs16_int32_bias;   /* int16 input also accepts an INT32 bias (else INT64 only) */
  uint8_t bias_rank1;        /* the bias must be 1-D (else any shape of out_c elements) */
  uint8_t qu8_bias_zp_0;     /* a uint8 model's bias zero point must be 0 too */
} tflrt_conv_rules;

/* Parsed options (absent fields read as TFLite's defaults). */
typedef struct tflrt_conv_options {
  int32_t padding, stride_w, stride_h, activation, dilation_w, dilation_h, bias_type;
} tflrt_conv_options;

/* Node data of the three ops (TRANSPOSE_CONV puts it first in its own struct). */
typedef struct tflrt_conv_state {
  tflrt_conv_options opt;
  tflrt_conv_kind kind;
  tflrt_conv_params p;
  const int8_t* unpacked_filter; /* INT4 filters, unpacked to int8 in prepare; else NULL */
  const void* packed;            /* weights packed by a kernel-table pack slot for this kind */
  int hybrid_symmetric;          /* hybrid: symmetric input quantization, filter scale folded
                                    into the batch scale (CONV_2D per-tensor); else asymmetric */
  float hybrid_filter_scale;     /* hybrid: the filter's (first) scale */
  int32_t scratch;               /* hybrid: [quantized input | batch scales | batch zero points] */
  size_t scale_offset, zp_offset;
} tflrt_conv_state;

/* The tensors of one node. */
typedef struct tflrt_conv_io {
  const tflrt_tensor* in;
  const tflrt_tensor* filter;
  const tflrt_tensor* bias; /* NULL when absent */
  tflrt_tensor* out;
} tflrt_conv_io;

/* Row-range kernels of one op, per kind (taken from the kernel table at eval). */
typedef struct tflrt_conv_fns {
  tflrt_f32_conv_fn f32;
  tflrt_qs8_conv_fn qs8;
  tflrt_qu8_conv_fn qu8;
  tflrt_qs16_conv_fn qs16;
  tflrt_qs16_conv_acc32_fn qs16_acc32; /* NULL for an op without that kind */
  tflrt_qd8_f32_conv_fn qd8_f32;
  tflrt_f32_conv_packed_fn f32_packed; /* used when st->packed is set; NULL: never packed */
  tflrt_qs8_conv_packed_fn qs8_packed;
  tflrt_qs16_conv_packed_fn qs16_packed; /* int64 bias kind only */
} tflrt_conv_fns;

/* parse: reads the options table named by the rules into st->opt. */
int tflrt_conv_parse(tflrt_ctx* ctx, tflrt_node* node, const tflrt_conv_rules* rules);

/* prepare, CONV_2D and DEPTHWISE_CONV_2D: resets st, checks the node's 2 or 3 inputs and 1
 * output and their ranks (4-D input, 4-D filter laid out as rules->filter_layout), and sets
 * p's batches and input height, width and channels (checked positive). */
int tflrt_conv_begin(tflrt_ctx* ctx, tflrt_node* node, const tflrt_conv_rules* rules,
                     tflrt_conv_state* st, tflrt_conv_io* io);

/* p's batches and input height, width and channels from a 4-D input (checked positive). */
int tflrt_conv_input_dims(tflrt_ctx* ctx, tflrt_conv_params* p, const tflrt_tensor* in);

/* The fused activation must be one of TFLRT_ACT_NONE .. rules->max_activation. */
int tflrt_conv_check_activation(tflrt_ctx* ctx, const tflrt_conv_rules* rules, int32_t act);

/* prepare, CONV_2D and DEPTHWISE_CONV_2D, once p's filter dimensions are set: checks the
 * fused activation, computes the output size and padding (SAME/VALID, strides, dilations),
 * chooses the kind (tflrt_conv_select_kind) and checks the bias (tflrt_conv_check_bias). */
int tflrt_conv_geometry(tflrt_ctx* ctx, const tflrt_conv_rules* rules, tflrt_conv_state* st,
                        const tflrt_conv_io* io);

/* st->kind from the input/filter types (the output type must equal the input's). */
int tflrt_conv_select_kind(tflrt_ctx* ctx, const tflrt_conv_rules* rules, tflrt_conv_state* st,
                           const tflrt_conv_io* io);

/* The optional bias: type for st->kind, one value per output channel, zero point 0. */
int tflrt_conv_check_bias(tflrt_ctx* ctx, const tflrt_conv_rules* rules,
                          const tflrt_conv_state* st, const tflrt_tensor* bias);

/* int16 input with quantized_bias_type set: it must name INT32 or INT64 and match the bias. */
int tflrt_conv_check_bias_type(tflrt_ctx* ctx, const tflrt_conv_state* st,
                               const tflrt_tensor* bias);

/* prepare, all three ops, once the kind and p's shapes are final: unpacks an INT4 filter,
 * then sets the float clamp (float32, hybrid), the hybrid filter scales and scratch, or the
 * integer requantization (per-channel multipliers and shifts, offsets, clamp). The op sets
 * p->hybrid_mode and st->hybrid_symmetric itself. CONV_2D and DEPTHWISE_CONV_2D also check
 * that batches x output height fits the int32 row ranges (check_rows). */
int tflrt_conv_prepare_params(tflrt_ctx* ctx, tflrt_node* node, const tflrt_conv_rules* rules,
                              tflrt_conv_state* st, const tflrt_conv_io* io, int check_rows);

/* Optional weight packing (kernels/conv.h): the pack slots of one op's kernel table. */
typedef struct tflrt_conv_packers {
  tflrt_f32_conv_packed_size_fn f32_packed_size; /* float32; NULL pack: not packed */
  tflrt_f32_conv_pack_fn f32_pack;
  tflrt_qs8_conv_packed_size_fn qs8_packed_size; /* int8 */
  tflrt_qs8_conv_pack_fn qs8_pack;
  tflrt_qs16_conv_packed_size_fn qs16_packed_size; /* int16x8 with an int64 bias (TFLRT_CONV_QS16) */
  tflrt_qs16_conv_pack_fn qs16_pack;
} tflrt_conv_packers;

/* prepare, once p is final: when st->kind has a pack slot and the filter and bias are
 * constants, packs them into persistent memory and sets st->packed. */
int tflrt_conv_pack(tflrt_ctx* ctx, tflrt_node* node, tflrt_conv_state* st,
                    const tflrt_conv_io* io, const tflrt_conv_packers* pk);

/* The node's input, filter, optional bias (at rules->io) and output tensors. */
tflrt_conv_io tflrt_conv_tensors(tflrt_ctx* ctx, const tflrt_node* node,
                                 const tflrt_conv_rules* rules);

/* eval: quantizes a hybrid input per batch into the scratch, then runs the kernel of st->kind
 * over the batches x output-height rows on the thread pool. */
int tflrt_conv_run(tflrt_ctx* ctx, tflrt_node* node, const tflrt_conv_rules* rules,
                   const tflrt_conv_state* st, const tflrt_conv_fns* fns);

#endif
