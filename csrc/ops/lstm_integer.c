/* The integer ("8x8_16") cell of UNIDIRECTIONAL_SEQUENCE_LSTM, bit-exact with TFLite's
 * EvalInteger8x8_16 (lstm_eval.cc) as LiteRT's builds run it.
 *
 * int8 input, output and output state; int16 cell state whose scale is a power of two; int8
 * weights with per-tensor scales, int32 biases, int16 peephole and layer-norm weights. The node's
 * five intermediate tensors carry the scales of the four gate pre-activations (used with layer
 * normalisation; Q3.12 otherwise) and the scale and zero point of the hidden state o .* tanh(c).
 * Gates are int16: sigmoid on Q3.12 -> Q0.15, tanh likewise; the cell update and the hidden state
 * use power-of-two and MultiplyByQuantizedMultiplier rescaling (kernels/lstm.h).
 *
 * TFLite behaviours reproduced on purpose: its peephole product walks n_output values per batch
 * row (not n_cell); and when the cell state's scale gives tanh an integer-bit count outside 0..6,
 * TFLite's tanh writes nothing, so the hidden state is computed from the buffer it would have
 * overwritten: the input gate (the converter's usual 2^-16 cell scale lands there). */
#include <math.h>
#include <string.h>

#include "../quant/quant.h"
#include "lstm_cell.h"
#include "op_util.h"

#define ROW_BLOCK 16

static const char* const GATE[4] = {"input", "forget", "cell", "output"};

static int positive_scale(tflrt_ctx* ctx, const tflrt_tensor* t, const char* what, float* scale) {
  if (t->nq < 1 || t->scales == NULL) return tflrt_op_error(ctx, "%s has no quantization parameters", what);
  if (!(t->scale > 0.0f) || !isfinite(t->scale))
    return tflrt_op_error(ctx, "%s has an invalid scale %g (must be > 0)", what, (double)t->scale);
  *scale = t->scale;
  return TFLRT_OK;
}

/* TFLite's QuantizeMultiplier of a float scale; shifts beyond what the kernels shift are refused. */
static int multiplier(tflrt_ctx* ctx, float scale, int max_shift, const char* what, int32_t* mult, int32_t* shift) {
  int s;
  tflrt_quantize_multiplier((double)scale, mult, &s);
  if (s > max_shift) return tflrt_op_error(ctx, "the %s scale %g is too large", what, (double)scale);
  *shift = s;
  return TFLRT_OK;
}

/* bias (or 0) + zero_point * (row sums of w) for each of `rows` rows, wrapping like int32. */
static int32_t* effective_bias(tflrt_ctx* ctx, tflrt_node* node, const tflrt_tensor* w, const tflrt_tensor* bias,
                               int32_t zero_point, int32_t rows, int32_t cols) {
  int32_t* out = tflrt_persistent_alloc(ctx, node, (size_t)rows * sizeof(int32_t));
  if (out == NULL) return NULL;
  const int8_t* wd = w->data;
  const int32_t* bd = bias ? bias->data : NULL;
  for (int32_t r = 0; r < rows; r++) {
    uint32_t sum = 0;
    for (int32_t k = 0; k < cols; k++) sum += (uint32_t)(int32_t)wd[(size_t)r * cols + k];
    out[r] = tflrt_wrap_i32((int64_t)(bd ? bd[r] : 0) + (int64_t)tflrt_wrap_i32((int64_t)sum * zero_point));
  }
  return out;
}

int lstm_integer_prepare(tflrt_ctx* ctx, tflrt_node* node, lstm_integer* q, float cell_clip, float proj_clip) {
  const lstm_shape* s = &q->s;
  const lstm_slots* sl = &q->sl;
  int rc;
  const tflrt_tensor* input = tflrt_in(ctx, node, 0);
  const tflrt_tensor* out = tflrt_out(ctx, node, 0);
  const tflrt_tensor* hs = lstm_slot_tensor(ctx, node, sl->state_h);
  const tflrt_tensor* cs = lstm_slot_tensor(ctx, node, sl->state_c);
  if (node->n_intermediates != 5)
    return tflrt_op_error(ctx, "the integer LSTM needs 5 intermediate tensors (gate and hidden-state scales), got %d",
                          (int)node->n_intermediates);
  for (int i = 0; i < 5; i++)
    if (node->intermediates[i] < 0 || node->intermediates[i] >= ctx->n_tensors)
      return tflrt_op_error(ctx, "intermediate tensor %d is missing", i);
  /* every constant the kernel folds in prepare must be there */
  const int8_t const_slots[14] = {sl->w_in[0], sl->w_in[1], sl->w_in[2], sl->w_in[3], sl->w_rec[0], sl->w_rec[1],
                                  sl->w_rec[2], sl->w_rec[3], sl->bias[0], sl->bias[1], sl->bias[2], sl->bias[3],
                                  sl->w_proj, sl->b_proj};
  for (int i = 0; i < 14; i++) {
    const tflrt_tensor* t = lstm_slot_tensor(ctx, node, const_slots[i]);
    if (t != NULL && (!tflrt_is_const(t) || t->data == NULL))
      return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "the integer LSTM needs constant weights and biases (tensor %d)",
                           (int)t->index);
  }
  float in_scale, h_scale, c_scale, inter[5];
  if ((rc = positive_scale(ctx, input, "the input", &in_scale)) != TFLRT_OK ||
      (rc = positive_scale(ctx, hs, "the output state", &h_scale)) != TFLRT_OK ||
      (rc = positive_scale(ctx, cs, "the cell state", &c_scale)) != TFLRT_OK)
    return rc;
  for (int i = 0; i < 5; i++) {
    const tflrt_tensor* t = &ctx->tensors[node->intermediates[i]];
    if (i < 4 && !s->layer_norm) {
      inter[i] = 1.0f / 4096.0f; /* Q3.12 gate pre-activations */
      continue;
    }
    if ((rc = positive_scale(ctx, t, i < 4 ? "a gate intermediate tensor" : "the hidden-state intermediate tensor",
                             &inter[i])) != TFLRT_OK)
      return rc;
    if (i == 4) q->hidden_zp = t->zero_point;
  }
  q->state_zp = hs->zero_point;
  if (!tflrt_checked_log2(c_scale, &q->cell_shift))
    return tflrt_op_error(ctx, "the cell state's scale %g must be a power of two", (double)c_scale);
  if (q->cell_shift < -30 || q->cell_shift > 1)
    return tflrt_op_error(ctx, "the cell state's scale 2^%d is out of range (2^-30 .. 2)", (int)q->cell_shift);
  q->tanh_bits = 15 + q->cell_shift;
  if ((q->tanh_bits < 0 || q->tanh_bits > 6) && s->cifg)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED,
                         "a cell state scale of 2^%d with CIFG: TFLite's tanh (integer bits 0..6) produces no result "
                         "here and its output is undefined", (int)q->cell_shift);
  if (s->peephole && s->n_output > s->n_cell)
    return tflrt_op_error(ctx, "peephole weights with n_output (%d) > n_cell (%d) are not supported (TFLite's integer "
                          "peephole reads n_output values)", (int)s->n_output, (int)s->n_cell);
  /* effective scales, in TFLite's float / double arithmetic */
  float w_in[4] = {1, 1, 1, 1}, w_rec[4] = {1, 1, 1, 1}, w_peep[4] = {1, 1, 1, 1}, ln[4] = {1, 1, 1, 1}, w_proj = 1.0f;
  for (int g = 0; g < 4; g++) {
    const tflrt_tensor* t;
    if ((t = lstm_slot_tensor(ctx, node, sl->w_in[g])) != NULL) w_in[g] = t->scale;
    if ((t = lstm_slot_tensor(ctx, node, sl->w_rec[g])) != NULL) w_rec[g] = t->scale;
    if (s->peephole && g != LSTM_C && (t = lstm_slot_tensor(ctx, node, sl->w_peep[g])) != NULL) w_peep[g] = t->scale;
    if (s->layer_norm && (t = lstm_slot_tensor(ctx, node, sl->ln[g])) != NULL) {
      if (t->nq < 1 || !isfinite(t->scale) || t->scale < 0.0f)
        return tflrt_op_error(ctx, "the %s layer-norm coefficients need a valid scale", GATE[g]);
      ln[g] = t->scale;
    }
  }
  if (s->projection) w_proj = lstm_slot_tensor(ctx, node, sl->w_proj)->scale;
  for (int g = 0; g < 4; g++) {
    const float e_in = w_in[g] * in_scale / inter[g];
    const float e_rec = w_rec[g] * h_scale / inter[g];
    const float e_peep = (float)(pow(2.0, q->cell_shift) * (double)w_peep[g] / (double)inter[g]);
    if ((rc = multiplier(ctx, e_in, 30, "input-to-gate", &q->in_mult[g], &q->in_shift[g])) != TFLRT_OK ||
        (rc = multiplier(ctx, e_rec, 30, "recurrent-to-gate", &q->rec_mult[g], &q->rec_shift[g])) != TFLRT_OK ||
        (rc = multiplier(ctx, e_peep, 30, "peephole", &q->peep_mult[g], &q->peep_shift[g])) != TFLRT_OK ||
        (rc = multiplier(ctx, ln[g], 18, "layer-norm", &q->ln_mult[g], &q->ln_shift[g])) != TFLRT_OK)
      return rc;
    const float guard = 10000.0f * ln[g];
    q->ln_guard[g] = guard >= 2147483520.0f ? INT32_MAX : (guard < 1.0f ? 1 : (int32_t)guard);
  }
  const float e_hidden = (float)(pow(2.0, -15) / (double)inter[4] * pow(2.0, -15));
  const float e_proj = w_proj * inter[4] / h_scale;
  if ((rc = multiplier(ctx, e_hidden, 30, "hidden-state", &q->hid_mult, &q->hid_shift)) != TFLRT_OK ||
      (rc = multiplier(ctx, e_proj, 30, "projection", &q->proj_mult, &q->proj_shift)) != TFLRT_OK)
    return rc;
  /* quantized clips */
  q->cell_clip = 0;
  q->proj_clip = 0;
  if (cell_clip > 0.0f) {
    const float v = cell_clip / c_scale;
    q->cell_clip = (int16_t)(v < -32768.0f ? -32768.0f : (v > 32767.0f ? 32767.0f : v));
  }
  if (proj_clip > 0.0f) {
    float o_scale;
    if ((rc = positive_scale(ctx, out, "the output", &o_scale)) != TFLRT_OK) return rc;
    const float v = proj_clip / o_scale;
    q->proj_clip = (int8_t)(v < -128.0f ? -128.0f : (v > 127.0f ? 127.0f : v));
  }
  /* zero-point terms folded into the biases (gate biases go to the layer norm when present) */
  for (int g = s->cifg ? 1 : 0; g < 4; g++) {
    const tflrt_tensor* b = s->layer_norm ? NULL : lstm_slot_tensor(ctx, node, sl->bias[g]);
    q->in_bias[g] = effective_bias(ctx, node, lstm_slot_tensor(ctx, node, sl->w_in[g]), b, -input->zero_point, s->n_cell,
                                   s->n_input);
    q->rec_bias[g] = effective_bias(ctx, node, lstm_slot_tensor(ctx, node, sl->w_rec[g]), NULL, -hs->zero_point,
                                    s->n_cell, s->n_output);
    if (q->in_bias[g] == NULL || q->rec_bias[g] == NULL) return TFLRT_ERR_NOMEM;
  }
  q->proj_bias = NULL;
  if (s->projection) {
    q->proj_bias = effective_bias(ctx, node, lstm_slot_tensor(ctx, node, sl->w_proj),
                                  lstm_slot_tensor(ctx, node, sl->b_proj),
                                  q->hidden_zp, s->n_output, s->n_cell);
    if (q->proj_bias == NULL) return TFLRT_ERR_NOMEM;
  }
  const size_t nb = q->time_major ? (size_t)s->n_batch : 1;
  size_t total = 0;
  for (int g = 0; g < 4; g++) lstm_scratch_block(&total, nb * (size_t)s->n_cell, sizeof(int16_t));
  lstm_scratch_block(&total, nb * (size_t)s->n_cell, sizeof(int8_t));
  if (total == SIZE_MAX) return tflrt_op_error(ctx, "scratch size overflows");
  q->scratch_bytes = total;
  return TFLRT_OK;
}

typedef struct {
  tflrt_ctx* ctx;
  const lstm_integer* q;
  int32_t nb;
  const int8_t *x, *h;
  const int8_t* w_in[4];
  const int8_t* w_rec[4];
  int16_t* gate[4];
  int gates[4], n_gates, n_blocks;
} int_work;

static void gate_rows(void* arg, int32_t begin, int32_t end) {
  const int_work* wk = arg;
  const lstm_integer* q = wk->q;
  const tflrt_lstm_kernels* k = &wk->ctx->k->lstm;
  const int32_t n = q->s.n_cell;
  for (int32_t it = begin; it < end; it++) {
    const int g = wk->gates[it / wk->n_blocks];
    const int32_t r0 = (it % wk->n_blocks) * ROW_BLOCK, r1 = r0 + ROW_BLOCK < n ? r0 + ROW_BLOCK : n;
    for (int32_t b = 0; b < wk->nb; b++) memset(wk->gate[g] + (size_t)b * n + r0, 0, (size_t)(r1 - r0) * 2);
    k->qs8_matmul_acc16(wk->x, wk->w_in[g], q->in_bias[g], q->in_mult[g], q->in_shift[g], wk->nb, q->s.n_input, n,
                        wk->gate[g], r0, r1);
    k->qs8_matmul_acc16(wk->h, wk->w_rec[g], q->rec_bias[g], q->rec_mult[g], q->rec_shift[g], wk->nb, q->s.n_output,
                        n, wk->gate[g], r0, r1);
  }
}

int lstm_integer_run(tflrt_ctx* ctx, const tflrt_node* node, const lstm_integer* q, void* scratch) {
  const lstm_shape* s = &q->s;
  const lstm_slots* sl = &q->sl;
  const tflrt_lstm_kernels* k = &ctx->k->lstm;
  const tflrt_tensor* input = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  const tflrt_tensor* hs = lstm_slot_tensor(ctx, node, sl->state_h);
  const tflrt_tensor* cs = lstm_slot_tensor(ctx, node, sl->state_c);
  if (hs->data == NULL || cs->data == NULL) return tflrt_op_error(ctx, "a state tensor has no data");
  int_work wk;
  memset(&wk, 0, sizeof(wk));
  wk.ctx = ctx;
  wk.q = q;
  const int16_t* peep[4] = {NULL, NULL, NULL, NULL};
  const int16_t* ln[4] = {NULL, NULL, NULL, NULL};
  const int32_t* bias[4] = {NULL, NULL, NULL, NULL};
  for (int g = s->cifg ? 1 : 0; g < 4; g++) {
    wk.w_in[g] = lstm_slot_tensor(ctx, node, sl->w_in[g])->data;
    wk.w_rec[g] = lstm_slot_tensor(ctx, node, sl->w_rec[g])->data;
    bias[g] = lstm_slot_tensor(ctx, node, sl->bias[g])->data;
    if (s->peephole && g != LSTM_C) peep[g] = lstm_slot_tensor(ctx, node, sl->w_peep[g])->data;
    if (s->layer_norm) ln[g] = lstm_slot_tensor(ctx, node, sl->ln[g])->data;
    if ((s->peephole && g != LSTM_C && peep[g] == NULL) || (s->layer_norm && ln[g] == NULL))
      return tflrt_op_error(ctx, "a %s gate tensor has no data", GATE[g]);
  }
  const int8_t* w_proj = s->projection ? lstm_slot_tensor(ctx, node, sl->w_proj)->data : NULL;
  const int32_t nb = q->time_major ? s->n_batch : 1, n = s->n_cell, T = s->max_time, B = s->n_batch;
  const size_t cells = (size_t)nb * (size_t)n;
  size_t total = 0, off[5];
  for (int g = 0; g < 5; g++) off[g] = lstm_scratch_block(&total, cells, g < 4 ? sizeof(int16_t) : 1);
  for (int g = 0; g < 4; g++) wk.gate[g] = (int16_t*)((char*)scratch + off[g]);
  int8_t* hid = (int8_t*)((char*)scratch + off[4]);
  wk.nb = nb;
  wk.n_gates = 0;
  for (int g = s->cifg ? 1 : 0; g < 4; g++) wk.gates[wk.n_gates++] = g;
  wk.n_blocks = (n + ROW_BLOCK - 1) / ROW_BLOCK;
  const int parallel = ctx->num_threads > 1 && (int64_t)nb * n * (s->n_input + s->n_output) >= 32768;
  const int8_t* x_all = input->data;
  int8_t* y_all = out->data;
  for (int32_t bb = 0; bb < (q->time_major ? 1 : B); bb++) {
    int8_t* h = (int8_t*)hs->data + (q->time_major ? 0 : (size_t)bb * s->n_output);
    int16_t* c = (int16_t*)cs->data + (q->time_major ? 0 : (size_t)bb * n);
    for (int32_t t = 0; t < T; t++) {
      const size_t row = q->time_major ? (size_t)t * (size_t)B : (size_t)bb * (size_t)T + (size_t)t;
      wk.x = x_all + row * (size_t)s->n_input;
      wk.h = h;
      if (parallel)
        tflrt_parallel_for(ctx, wk.n_gates * wk.n_blocks, gate_rows, &wk);
      else
        gate_rows(&wk, 0, wk.n_gates * wk.n_blocks);
      for (int i = 0; i < wk.n_gates; i++) {
        const int g = wk.gates[i];
        if (g == LSTM_O) continue; /* after the cell update: its peephole reads the new cell state */
        if (peep[g]) k->qs16_peephole_acc(peep[g], s->n_output, c, nb, q->peep_mult[g], q->peep_shift[g], wk.gate[g]);
        if (ln[g])
          k->qs16_layer_norm(wk.gate[g], ln[g], bias[g], q->ln_mult[g], q->ln_shift[g], q->ln_guard[g], nb, n,
                             wk.gate[g]);
        if (g == LSTM_C)
          k->qs16_tanh(3, wk.gate[g], wk.gate[g], cells);
        else
          k->qs16_sigmoid(wk.gate[g], wk.gate[g], cells);
      }
      k->qs16_cell_update(c, s->cifg ? NULL : wk.gate[LSTM_I], wk.gate[LSTM_F], wk.gate[LSTM_C], q->cell_shift,
                          q->cell_clip, cells);
      int16_t* og = wk.gate[LSTM_O];
      if (peep[LSTM_O])
        k->qs16_peephole_acc(peep[LSTM_O], s->n_output, c, nb, q->peep_mult[LSTM_O], q->peep_shift[LSTM_O], og);
      if (ln[LSTM_O])
        k->qs16_layer_norm(og, ln[LSTM_O], bias[LSTM_O], q->ln_mult[LSTM_O], q->ln_shift[LSTM_O], q->ln_guard[LSTM_O],
                           nb, n, og);
      k->qs16_sigmoid(og, og, cells);
      /* tanh(c) goes where TFLite puts it, over the input gate (kept when tanh has no result) */
      int16_t* tc = wk.gate[LSTM_I];
      if (q->tanh_bits >= 0 && q->tanh_bits <= 6) k->qs16_tanh(q->tanh_bits, c, tc, cells);
      if (w_proj != NULL) {
        k->qs16_mul_qs8(og, tc, q->hid_mult, q->hid_shift, -q->hidden_zp, hid, cells);
        memset(h, 0, (size_t)nb * (size_t)s->n_output);
        k->qs8_matmul_acc8(hid, w_proj, q->proj_bias, q->proj_mult, q->proj_shift, q->state_zp, nb, n, s->n_output, h,
                           0, s->n_output);
        if (q->proj_clip > 0) {
          const int8_t clip = q->proj_clip;
          for (size_t i = 0; i < (size_t)nb * (size_t)s->n_output; i++)
            h[i] = h[i] > clip ? clip : (h[i] < -clip ? (int8_t)-clip : h[i]);
        }
      } else {
        k->qs16_mul_qs8(og, tc, q->hid_mult, q->hid_shift, q->hidden_zp, h, cells);
      }
      memcpy(y_all + row * (size_t)s->n_output, h, (size_t)nb * (size_t)s->n_output);
    }
  }
  return TFLRT_OK;
}
