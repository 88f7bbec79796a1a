/* UNIDIRECTIONAL_SEQUENCE_LSTM (versions 1-4), TFLite semantics.
 *
 * Inputs (24, or 20 without the layer-norm coefficients): 0 input [B, T, n_input] (or [T, B, ..]
 * with time_major), 1-4 input-to-{input, forget, cell, output} weights, 5-8 recurrent-to-gate
 * weights (matrices, or [n_cell] diagonals: version 4's diagonal_recurrent_tensors), 9-11
 * cell-to-{input, forget, output} peephole weights, 12-15 gate biases, 16-17 projection weights
 * and bias, 18-19 output state and cell state (variable tensors, read and written in place),
 * 20-23 layer-norm coefficients. Optional inputs are -1: the input gate (CIFG), peepholes,
 * projection, layer norm. Output: [.., n_output] like the input.
 *
 * Kinds: float32 (weights float32, constant or computed, e.g. float16 weights through DEQUANTIZE);
 * hybrid / dynamic range (float32 activations, int8 weights with a per-tensor scale, inputs
 * quantized per batch row, symmetric or asymmetric_quantize_inputs); integer (int8 activations,
 * int16 cell state, TFLite's 8x8_16 kernel, lstm_integer.c). Options: fused activation (the cell
 * gate's and the cell output's), cell_clip, proj_clip, time_major, asymmetric_quantize_inputs;
 * diagonal_recurrent_tensors is implied by the recurrent weights' rank, as in TFLite. */
#include <string.h>

#include "../quant/quant.h"
#include "lstm_cell.h"
#include "op.h"

#define USEQ_LSTM_OPTIONS_TYPE 71 /* BuiltinOptions union: UnidirectionalSequenceLSTMOptions */
/* UnidirectionalSequenceLSTMOptions field slots */
static const lstm_option_slots UNI_OPTION_SLOTS = {.activation = 0, .cell_clip = 1, .proj_clip = 2, .time_major = 3,
                                                   .asymmetric = 4};
enum { SLOT_DIAGONAL_RECURRENT_TENSORS = 5 };

typedef struct {
  lstm_options opt;
  int32_t mode;
  lstm_cell cell;
  lstm_integer integer;
  int32_t scratch_id;
} lstm_data;

static int lstm_parse(tflrt_ctx* ctx, tflrt_node* node) {
  lstm_data* d = node->data;
  int diag = 0; /* implied by the recurrent weights' rank; read only to refuse a malformed table */
  if (node->options != NULL && node->options_type == USEQ_LSTM_OPTIONS_TYPE &&
      fb_bool(node->options, SLOT_DIAGONAL_RECURRENT_TENSORS, 0, &diag))
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed UnidirectionalSequenceLSTMOptions");
  return lstm_parse_options(ctx, node, USEQ_LSTM_OPTIONS_TYPE, "UnidirectionalSequenceLSTMOptions", &UNI_OPTION_SLOTS,
                            0, &d->opt);
}

static int lstm_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  lstm_data* d = node->data;
  int rc;
  d->scratch_id = -1;
  if (node->n_inputs != 24 && node->n_inputs != 20)
    return tflrt_op_error(ctx, "expected 24 inputs (or 20 without layer normalisation), got %d", (int)node->n_inputs);
  if (node->n_outputs != 1) return tflrt_op_error(ctx, "expected 1 output, got %d", (int)node->n_outputs);
  const tflrt_tensor* input = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (input == NULL || out == NULL) return tflrt_op_error(ctx, "the input and the output are required");
  /* weights and biases 1-17, states 18-19, layer-norm coefficients 20-23 (absent with 20 inputs) */
  lstm_slots sl = lstm_make_slots(1, 18, 19, node->n_inputs == 24 ? 20 : -1, -1);
  lstm_shape s;
  if ((rc = lstm_check(ctx, node, &sl, input, NULL, d->opt.time_major, 1, &s)) != TFLRT_OK) return rc;
  d->mode = s.mode;
  const int32_t out_type = s.mode == LSTM_INTEGER ? TFLRT_INT8 : TFLRT_FLOAT32;
  if (out->type != out_type)
    return tflrt_op_error(ctx, "the output must be %s, got %s", tflrt_type_name(out_type), tflrt_type_name(out->type));
  int32_t dims[3] = {input->dims[0], input->dims[1], s.n_output};
  if ((rc = tflrt_set_output_shape(ctx, out, 3, dims)) != TFLRT_OK) return rc;
  size_t scratch;
  if (s.mode == LSTM_INTEGER) {
    lstm_integer* q = &d->integer;
    memset(q, 0, sizeof(*q));
    q->sl = sl;
    q->s = s;
    q->time_major = (uint8_t)d->opt.time_major;
    if ((rc = lstm_integer_prepare(ctx, node, q, d->opt.cell_clip, d->opt.proj_clip)) != TFLRT_OK) return rc;
    scratch = q->scratch_bytes;
  } else {
    lstm_cell* c = &d->cell;
    lstm_cell_init(c, &sl, &d->opt);
    c->s = s;
    if ((rc = lstm_cell_prepare(ctx, node, c)) != TFLRT_OK) return rc;
    scratch = c->scratch_bytes;
  }
  return tflrt_request_scratch(ctx, node, scratch ? scratch : 1, &d->scratch_id);
}

static int lstm_eval(tflrt_ctx* ctx, tflrt_node* node) {
  lstm_data* d = node->data;
  const tflrt_tensor* input = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (tflrt_num_elements(out) == 0) return TFLRT_OK;
  if (input->data == NULL || out->data == NULL) return tflrt_op_error(ctx, "the input or output has no data");
  void* scratch = node->scratch[d->scratch_id];
  if (d->mode == LSTM_INTEGER) return lstm_integer_run(ctx, node, &d->integer, scratch);
  const int32_t n_out = d->cell.s.n_output;
  return lstm_cell_run(ctx, node, &d->cell, input->data, NULL, out->data, n_out, 0, 1, scratch);
}

const tflrt_op tflrt_op_unidirectional_sequence_lstm = {
    .name = "UNIDIRECTIONAL_SEQUENCE_LSTM",
    .builtin_code = 44,
    .min_version = 1,
    .max_version = 4,
    .data_size = sizeof(lstm_data),
    .parse = lstm_parse,
    .prepare = lstm_prepare,
    .eval = lstm_eval,
};
