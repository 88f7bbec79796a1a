/* BIDIRECTIONAL_SEQUENCE_LSTM (versions 1-3), TFLite semantics: a forward and a backward LSTM
 * (lstm_cell.c) over the same sequence, float32 or hybrid (int8 weights with per-tensor scales).
 *
 * Inputs (48): 0 input; 1-17 the forward cell (input-to-gate 1-4, recurrent 5-8, peephole 9-11,
 * biases 12-15, projection 16-17); 18-34 the backward cell in the same order; 35-36 forward output
 * and cell states, 37-38 backward ones (variable tensors); 39 auxiliary input; 40-43 forward and
 * 44-47 backward auxiliary-input-to-gate weights. No layer normalisation.
 * Stacking, as TFLite: with auxiliary weights both directions add W_aux x_aux; with an auxiliary
 * input but no auxiliary weights the backward cell reads the auxiliary input instead of the input.
 * Outputs: forward [.., n_output] and backward [.., n_output], or with merge_outputs one output
 * [.., 2 n_output] holding the forward then the backward values. The backward cell walks time
 * from the end; its outputs keep their time positions.
 *
 * One difference from LiteRT: with merge_outputs, batch-major input and more than one batch row,
 * TFLite indexes the state of batch row b at b * (2 n_output), past the state tensor; here the
 * state rows are n_output apart. */
#include <string.h>

#include "../quant/quant.h"
#include "lstm_cell.h"
#include "op.h"

#define BIDI_LSTM_OPTIONS_TYPE 69 /* BuiltinOptions union: BidirectionalSequenceLSTMOptions */
/* BidirectionalSequenceLSTMOptions field slots */
static const lstm_option_slots BIDI_OPTION_SLOTS = {.activation = 0, .cell_clip = 1, .proj_clip = 2, .time_major = 4,
                                                    .asymmetric = 5};
enum { SLOT_MERGE_OUTPUTS = 3 };

enum { IN_AUX_INPUT = 39 };

typedef struct {
  lstm_options opt;
  int32_t merge_outputs;
  int32_t aux_weights;   /* both directions add the auxiliary input's products */
  int32_t bw_reads_aux;  /* the backward cell's input is the auxiliary input */
  lstm_cell fw, bw;
  int32_t scratch_id;
} bidi_data;

static int bidi_parse(tflrt_ctx* ctx, tflrt_node* node) {
  bidi_data* d = node->data;
  int merge = 0;
  if (node->options != NULL && node->options_type == BIDI_LSTM_OPTIONS_TYPE &&
      fb_bool(node->options, SLOT_MERGE_OUTPUTS, 0, &merge))
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed BidirectionalSequenceLSTMOptions");
  d->merge_outputs = merge != 0;
  /* time_major: the schema's default is true */
  return lstm_parse_options(ctx, node, BIDI_LSTM_OPTIONS_TYPE, "BidirectionalSequenceLSTMOptions", &BIDI_OPTION_SLOTS,
                            1, &d->opt);
}

static int setup_cell(tflrt_ctx* ctx, tflrt_node* node, const bidi_data* d, lstm_cell* c, const lstm_slots* sl,
                      const tflrt_tensor* input, const tflrt_tensor* aux) {
  int rc;
  lstm_cell_init(c, sl, &d->opt);
  if ((rc = lstm_check(ctx, node, sl, input, aux, d->opt.time_major, 0, &c->s)) != TFLRT_OK) return rc;
  return lstm_cell_prepare(ctx, node, c);
}

static const tflrt_tensor* opt_in(tflrt_ctx* ctx, const tflrt_node* node, int i) { return tflrt_in(ctx, node, i); }

static int bidi_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  bidi_data* d = node->data;
  int rc;
  d->scratch_id = -1;
  if (node->n_inputs != 48) return tflrt_op_error(ctx, "expected 48 inputs, got %d", (int)node->n_inputs);
  if (node->n_outputs != (d->merge_outputs ? 1 : 2))
    return tflrt_op_error(ctx, "expected %d output(s) with merge_outputs %s, got %d", d->merge_outputs ? 1 : 2,
                          d->merge_outputs ? "on" : "off", (int)node->n_outputs);
  const tflrt_tensor* input = tflrt_in(ctx, node, 0);
  if (input == NULL) return tflrt_op_error(ctx, "the input is required");
  if (input->type != TFLRT_FLOAT32)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "input must be FLOAT32, got %s", tflrt_type_name(input->type));
  const tflrt_tensor* aux = opt_in(ctx, node, IN_AUX_INPUT);
  int n_aux_w = 0;
  for (int i = 40; i < 48; i++) n_aux_w += opt_in(ctx, node, i) != NULL;
  const int fw_aux_f = opt_in(ctx, node, 41) != NULL;
  d->aux_weights = fw_aux_f;
  if (fw_aux_f && aux == NULL) return tflrt_op_error(ctx, "auxiliary weights are given without an auxiliary input");
  if (!fw_aux_f && n_aux_w != 0)
    return tflrt_op_error(ctx, "auxiliary weights must be given for both directions' forget, cell and output gates "
                          "or not at all");
  d->bw_reads_aux = aux != NULL && !fw_aux_f;
  const tflrt_tensor* bw_input = d->bw_reads_aux ? aux : input;
  if (d->bw_reads_aux && (aux->ndims != 3 || aux->dims[0] != input->dims[0] || aux->dims[1] != input->dims[1]))
    return tflrt_op_error(ctx, "the auxiliary input (read by the backward cell) must have the input's first two "
                          "dimensions");
  const lstm_slots fw_slots = lstm_make_slots(1, 35, 36, -1, 40), bw_slots = lstm_make_slots(18, 37, 38, -1, 44);
  if ((rc = setup_cell(ctx, node, d, &d->fw, &fw_slots, input, fw_aux_f ? aux : NULL)) != TFLRT_OK) return rc;
  if ((rc = setup_cell(ctx, node, d, &d->bw, &bw_slots, bw_input, fw_aux_f ? aux : NULL)) != TFLRT_OK) return rc;
  const lstm_shape *f = &d->fw.s, *b = &d->bw.s;
  if (f->mode != b->mode || f->n_cell != b->n_cell || f->n_output != b->n_output || f->n_input != b->n_input)
    return tflrt_op_error(ctx, "the forward and backward cells must have the same weight type, cell count (%d, %d), "
                          "output size (%d, %d) and input size", (int)f->n_cell, (int)b->n_cell, (int)f->n_output,
                          (int)b->n_output);
  for (int g = 0; g < 4; g++)
    if (f->diag[g] || b->diag[g])
      return tflrt_op_error(ctx, "recurrent weights must be matrices (diagonal ones are not supported here)");
  tflrt_tensor* fw_out = tflrt_out(ctx, node, 0);
  tflrt_tensor* bw_out = d->merge_outputs ? NULL : tflrt_out(ctx, node, 1);
  if (fw_out == NULL || (!d->merge_outputs && bw_out == NULL)) return tflrt_op_error(ctx, "an output is missing");
  if (fw_out->type != TFLRT_FLOAT32 || (bw_out && bw_out->type != TFLRT_FLOAT32))
    return tflrt_op_error(ctx, "the outputs must be FLOAT32");
  int32_t dims[3] = {input->dims[0], input->dims[1], d->merge_outputs ? f->n_output + b->n_output : f->n_output};
  if ((rc = tflrt_set_output_shape(ctx, fw_out, 3, dims)) != TFLRT_OK) return rc;
  if (bw_out) {
    dims[2] = b->n_output;
    if ((rc = tflrt_set_output_shape(ctx, bw_out, 3, dims)) != TFLRT_OK) return rc;
  }
  size_t bytes = d->fw.scratch_bytes > d->bw.scratch_bytes ? d->fw.scratch_bytes : d->bw.scratch_bytes;
  return tflrt_request_scratch(ctx, node, bytes ? bytes : 1, &d->scratch_id);
}

static int bidi_eval(tflrt_ctx* ctx, tflrt_node* node) {
  bidi_data* d = node->data;
  int rc;
  const tflrt_tensor* input = tflrt_in(ctx, node, 0);
  const tflrt_tensor* aux = opt_in(ctx, node, IN_AUX_INPUT);
  tflrt_tensor* fw_out = tflrt_out(ctx, node, 0);
  tflrt_tensor* bw_out = d->merge_outputs ? fw_out : tflrt_out(ctx, node, 1);
  if (tflrt_num_elements(fw_out) == 0) return TFLRT_OK;
  if (input->data == NULL || fw_out->data == NULL || bw_out->data == NULL || (aux && aux->data == NULL))
    return tflrt_op_error(ctx, "an input or output has no data");
  void* scratch = node->scratch[d->scratch_id];
  const int32_t n_out = d->fw.s.n_output;
  const int32_t stride = d->merge_outputs ? 2 * n_out : n_out;
  const float* real_aux = d->aux_weights ? aux->data : NULL;
  const float* bw_in = d->bw_reads_aux ? aux->data : input->data;
  if ((rc = lstm_cell_run(ctx, node, &d->fw, input->data, real_aux, fw_out->data, stride, 0, 1, scratch)) != TFLRT_OK)
    return rc;
  return lstm_cell_run(ctx, node, &d->bw, bw_in, real_aux, bw_out->data, stride, d->merge_outputs ? n_out : 0, 0,
                       scratch);
}

const tflrt_op tflrt_op_bidirectional_sequence_lstm = {
    .name = "BIDIRECTIONAL_SEQUENCE_LSTM",
    .builtin_code = 52,
    .min_version = 1,
    .max_version = 3,
    .data_size = sizeof(bidi_data),
    .parse = bidi_parse,
    .prepare = bidi_prepare,
    .eval = bidi_eval,
};
