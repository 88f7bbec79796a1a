/* The LSTM cell shared by UNIDIRECTIONAL_SEQUENCE_LSTM (lstm.c, lstm_integer.c) and
 * BIDIRECTIONAL_SEQUENCE_LSTM (bidirectional_lstm.c): where one direction's tensors sit among the
 * node's inputs, their validation (lstm_check), and the float / hybrid sequence loop (lstm_cell_*).
 *
 * Semantics follow TFLite's lstm_eval.cc. Gates: i = sigmoid(.), f = sigmoid(.), g = act(.),
 * o = sigmoid(.), each over W x (+ W_aux x_aux) + R h (+ P .* c) (+ bias, or layer normalisation
 * then coefficients and bias); c = clip(f .* c + i .* g) (i = 1 - f without an input gate);
 * h = clip(W_proj (o .* act(c)) + b_proj) or o .* act(c). Two quirks of TFLite are reproduced
 * because its results depend on them: with fused activation NONE the cell gate keeps a partial
 * sum when TFLite's accumulation buffers end swapped, and h is computed from o .* g instead of
 * o .* c (TFLite's NONE leaves the destination untouched). */
#ifndef TFLITE_RT_OPS_LSTM_CELL_H
#define TFLITE_RT_OPS_LSTM_CELL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../quant/quant.h"
#include "op.h"

enum { LSTM_I = 0, LSTM_F = 1, LSTM_C = 2, LSTM_O = 3 }; /* gate order of every array below */
enum { LSTM_FLOAT = 0, LSTM_HYBRID = 1, LSTM_INTEGER = 2 };

/* Positions among the node's inputs of one direction's tensors (-1: the op has no such input). */
typedef struct lstm_slots {
  int8_t w_in[4];   /* input-to-gate weights [n_cell, n_input]; I optional (CIFG without it) */
  int8_t w_rec[4];  /* recurrent-to-gate weights [n_cell, n_output], or a diagonal [n_cell] */
  int8_t w_peep[4]; /* cell-to-gate (peephole) diagonals [n_cell]; [LSTM_C] is -1 */
  int8_t bias[4];   /* gate biases [n_cell] */
  int8_t w_proj, b_proj;
  int8_t state_h, state_c; /* variable tensors: output state [n_batch, n_output], cell state */
  int8_t ln[4];     /* layer-norm coefficients [n_cell] */
  int8_t w_aux[4];  /* auxiliary-input-to-gate weights [n_cell, n_aux] (bidirectional) */
} lstm_slots;

/* The slots of one direction whose 17 weight and bias inputs start at input `first`, in TFLite's
 * order (input-to-gate 4, recurrent-to-gate 4, peepholes 3, gate biases 4, projection weights
 * and bias); ln_first / aux_first: the first of its 4 layer-norm coefficients / auxiliary
 * weights, or -1 when the op has none. */
lstm_slots lstm_make_slots(int first, int state_h, int state_c, int ln_first, int aux_first);

/* What lstm_check found. */
typedef struct lstm_shape {
  int32_t mode; /* LSTM_FLOAT, LSTM_HYBRID or LSTM_INTEGER */
  int32_t n_batch, max_time, n_input, n_aux, n_cell, n_output;
  uint8_t cifg, peephole, layer_norm, projection, aux, diag[4];
} lstm_shape;

/* Options of the sequence LSTMs (TFLite's fused activation, cell_clip, proj_clip, time_major,
 * asymmetric_quantize_inputs), and where each sits in the op's options table. */
typedef struct lstm_options {
  int32_t activation;
  float cell_clip, proj_clip;
  int32_t time_major, asymmetric;
} lstm_options;
typedef struct lstm_option_slots {
  int activation, cell_clip, proj_clip, time_major, asymmetric;
} lstm_option_slots;

/* Reads the options from node->options when it is an `options_type` table (else the defaults:
 * time_major = time_major_default, the rest 0) and validates them: a known activation, clips
 * >= 0. `table` names the table in the error for malformed options. Parse only. */
int lstm_parse_options(tflrt_ctx* ctx, const tflrt_node* node, uint8_t options_type, const char* table,
                       const lstm_option_slots* slots, int time_major_default, lstm_options* o);

/* Validates one direction's tensors (types, ranks, shapes, which optional inputs are present, the
 * state tensors being variables) for `input` [T, B, n_input] (time_major) or [B, T, n_input], and
 * `aux` (NULL without auxiliary weights). allow_integer: whether an int8 input is accepted. */
int lstm_check(tflrt_ctx* ctx, const tflrt_node* node, const lstm_slots* sl, const tflrt_tensor* input,
               const tflrt_tensor* aux, int time_major, int allow_integer, lstm_shape* s);

/* Float and hybrid cell of one direction. */
typedef struct lstm_cell {
  lstm_slots sl;
  lstm_shape s;
  int32_t activation;
  float cell_clip, proj_clip;
  uint8_t time_major, asymmetric;
  /* hybrid: per weight matrix (index LSTM_W_*), its rows' scales and row sums (persistent) */
  const float* scales[13];
  int32_t* row_sums[13];
  uint8_t row_sums_const;
  float peep_scale[4];
  size_t scratch_bytes; /* what lstm_cell_run needs */
} lstm_cell;

enum { LSTM_W_IN = 0, LSTM_W_AUX = 4, LSTM_W_REC = 8, LSTM_W_PROJ = 12 }; /* + gate */

/* Clears c and sets its slots and options (lstm_check then fills c->s). */
void lstm_cell_init(lstm_cell* c, const lstm_slots* sl, const lstm_options* o);

/* After lstm_check (c->s set, c->sl, options filled): hybrid scales and row sums, scratch size. */
int lstm_cell_prepare(tflrt_ctx* ctx, tflrt_node* node, lstm_cell* c);

/* Runs the whole sequence of one direction. output rows are out_stride floats apart, this
 * direction writing n_output of them from out_offset; forward = 0 walks time backwards.
 * scratch: c->scratch_bytes bytes, 64-byte aligned. */
int lstm_cell_run(tflrt_ctx* ctx, const tflrt_node* node, lstm_cell* c, const float* input, const float* aux,
                  float* output, int32_t out_stride, int32_t out_offset, int forward, void* scratch);

/* Input `slot` of the node (NULL for -1, a slot past the node's inputs, or an absent input). */
static inline const tflrt_tensor* lstm_slot_tensor(tflrt_ctx* ctx, const tflrt_node* node, int slot) {
  return slot < 0 || slot >= node->n_inputs ? NULL : tflrt_in(ctx, node, slot);
}

/* ---- helpers shared with the RNN ops (rnn.c) ---- */

/* TFLite's ApplyActivationToVector for a fused activation: y = act(x) (x == y allowed); NONE
 * leaves y untouched. */
void lstm_activation(tflrt_ctx* ctx, int32_t act, const float* x, float* y, size_t n);

/* Parameters of the fully-connected kernels for a product without activation or clamping:
 * batches rows, out_features columns (in_features and filter_scale are set per product). */
static inline tflrt_fc_params lstm_fc_params(int32_t batches, int32_t out_features) {
  tflrt_fc_params p;
  memset(&p, 0, sizeof(p));
  p.batches = batches;
  p.out_features = out_features;
  p.f32_min = -INFINITY;
  p.f32_max = INFINITY;
  p.hybrid_act = TFLRT_ACT_NONE;
  return p;
}

static inline int lstm_all_zero(const float* v, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (v[i] != 0.0f) return 0;
  return 1;
}

/* Bytes of a 64-byte aligned block of n elements of `size` bytes appended to *total; returns its
 * offset, or SIZE_MAX on overflow. */
size_t lstm_scratch_block(size_t* total, size_t n, size_t size);

/* Integer ("8x8_16") cell of UNIDIRECTIONAL_SEQUENCE_LSTM (lstm_integer.c): int8 input, output and
 * output state, int16 cell state, gate scales from the node's five intermediate tensors. */
typedef struct lstm_integer {
  lstm_slots sl;
  lstm_shape s;
  uint8_t time_major;
  int32_t in_mult[4], in_shift[4], rec_mult[4], rec_shift[4], peep_mult[4], peep_shift[4];
  int32_t ln_mult[4], ln_shift[4], ln_guard[4];
  int32_t proj_mult, proj_shift, hid_mult, hid_shift;
  int32_t hidden_zp, state_zp;
  int32_t cell_shift;  /* log2 of the cell state's scale */
  int32_t tanh_bits;   /* integer bits of the cell state, 15 + cell_shift */
  int16_t cell_clip;
  int8_t proj_clip;
  const int32_t* in_bias[4];  /* persistent: gate bias (unless layer norm) + zero-point terms */
  const int32_t* rec_bias[4];
  const int32_t* proj_bias;
  size_t scratch_bytes;
} lstm_integer;

int lstm_integer_prepare(tflrt_ctx* ctx, tflrt_node* node, lstm_integer* q, float cell_clip, float proj_clip);
int lstm_integer_run(tflrt_ctx* ctx, const tflrt_node* node, const lstm_integer* q, void* scratch);

#endif
