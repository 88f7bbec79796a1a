/* refcheck: the reference-check delegate (internal declarations).
 *
 * refcheck.c  the plugin ABI: create/destroy, options, select_nodes, init/prepare/invoke/free,
 *             and the checks of what the runtime hands over
 * ops.c       what refcheck supports, the per-op preparation (shapes by its own rules,
 *             requantization parameters) and plain C kernels
 *
 * The plugin only includes tflite_rt/delegate.h (the ABI) and the fixed-point helpers of
 * csrc/quant (linked into the plugin, so that integer results match the CPU kernels bit for
 * bit). It never calls the runtime. */
#ifndef TFLITE_RT_REFCHECK_H
#define TFLITE_RT_REFCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "tflite_rt/delegate.h"

#define RC_MAX_DIMS 8
#define RC_MAX_INPUTS 3

/* Builtin operator codes (schema BuiltinOperator) refcheck knows. */
enum {
  RC_ADD = 0,
  RC_AVERAGE_POOL_2D = 1,
  RC_CONV_2D = 3,
  RC_DEPTHWISE_CONV_2D = 4,
  RC_FULLY_CONNECTED = 9,
  RC_MAX_POOL_2D = 17,
  RC_MUL = 18,
  RC_RESHAPE = 22,
  RC_SOFTMAX = 25
};

/* Where a tensor's data is during invoke. */
enum { RC_IN = 0, RC_OUT = 1, RC_CONST = 2, RC_INTERNAL = 3 };

typedef struct {
  int32_t tensor;               /* index in the view */
  int32_t kind;                 /* RC_IN, RC_OUT, RC_CONST, RC_INTERNAL */
  int32_t io;                   /* index in tflrt_partition_io inputs/outputs (RC_IN, RC_OUT) */
  int32_t type;
  int32_t ndims;
  int32_t dims[RC_MAX_DIMS];    /* as prepared */
  size_t bytes;
  float scale;                  /* per-tensor quantization (activations) */
  int32_t zero_point;
  void* data;                   /* constants and internal buffers; io tensors are bound at invoke */
} rc_tensor;

typedef struct {
  int32_t node;                 /* model node index */
  int32_t code;                 /* RC_* */
  int32_t n_in;
  int32_t in[RC_MAX_INPUTS];    /* slots in rc_part.tensors, -1 = absent */
  int32_t out;
  /* options */
  int32_t padding, stride_w, stride_h, dilation_w, dilation_h, filter_w, filter_h, depth_multiplier;
  int32_t activation, keep_num_dims;
  float beta;
  /* prepared */
  int32_t pad_w, pad_h;
  float fmin, fmax;             /* float activation clamp */
  int32_t qmin, qmax;           /* quantized activation clamp */
  int32_t* mult;                /* per output channel (conv, depthwise) */
  int32_t* shift;
  double* fc_scale;             /* per output unit (int8 FULLY_CONNECTED) */
  int32_t filter_offset;        /* int8 FULLY_CONNECTED with per-tensor weights: -zero point */
  int32_t a_mult, a_shift, b_mult, b_shift, out_mult, out_shift, left_shift; /* ADD / MUL / SOFTMAX */
  int32_t diff_min;             /* SOFTMAX */
} rc_node;

typedef struct {
  int32_t n_io_inputs, n_io_outputs; /* sizes of tflrt_partition_io the runtime must pass */
  int32_t n_tensors;
  rc_tensor* tensors;
  int32_t n_nodes;
  rc_node* nodes;
  char msg[512];                /* last error, for report_error */
} rc_part;

typedef struct {
  uint32_t ops_mask;            /* bit i: op i of rc_op_names may be claimed */
  int check_finite;
} rc_config;

/* Names of the claimable ops, in the order of rc_config.ops_mask bits. */
extern const char* const rc_op_names[];
extern const int32_t rc_op_codes[];
extern const int rc_num_ops;

/* ops.c. All return 0 or non-zero after writing a message to msg (msg_cap bytes). */
/* Whether refcheck runs node n (model shapes and types; static checks only). */
int rc_supported(const tflrt_graph_view* g, int32_t n, char* msg, size_t msg_cap);
/* Reads the node's options into nd (init). */
int rc_read_options(const tflrt_graph_view* g, rc_node* nd, char* msg, size_t msg_cap);
/* With final shapes: checks the runtime's output shape against refcheck's own rule and computes
 * the parameters (prepare). */
int rc_prepare_node(const tflrt_graph_view* g, rc_part* p, rc_node* nd, char* msg, size_t msg_cap);
/* Runs one node on the bound tensors. */
void rc_run_node(const rc_part* p, const rc_node* nd);
void rc_free_node(rc_node* nd);
const char* rc_op_name(int32_t code);

#endif
