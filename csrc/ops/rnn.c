/* RNN (versions 1-3) and UNIDIRECTIONAL_SEQUENCE_RNN (versions 1-3), TFLite semantics:
 *   h_t = act(bias + W x_t + R h_{t-1}),   output_t = h_t
 * Inputs: 0 input (RNN: [batch, n_input]; sequence: [batch, time, n_input], or [time, batch,
 * n_input] with time_major), 1 weights [units, n_input], 2 recurrent weights [units, units],
 * 3 bias [units], 4 hidden state [batch, units] (a variable tensor, read and written in place).
 * Kinds: float32, and hybrid (float32 activations, int8 weights with a per-tensor scale, inputs
 * and hidden state quantized per batch row, symmetric or asymmetric_quantize_inputs; TFLite skips
 * the product of an all-zero input or state). The gate products reuse the fully-connected
 * kernels. */
#include <math.h>
#include <string.h>

#include "../quant/quant.h"
#include "lstm_cell.h" /* lstm_scratch_block and the hybrid helpers */
#include "op.h"
#include "op_util.h"

#define RNN_OPTIONS_TYPE 7      /* BuiltinOptions union: RNNOptions */
#define SEQ_RNN_OPTIONS_TYPE 31 /* SequenceRNNOptions */
enum { RNN_SLOT_ACTIVATION = 0, RNN_SLOT_ASYMMETRIC = 1 };                              /* RNNOptions */
enum { SEQ_SLOT_TIME_MAJOR = 0, SEQ_SLOT_ACTIVATION = 1, SEQ_SLOT_ASYMMETRIC = 2 };     /* SequenceRNNOptions */

#define COL_BLOCK 16

typedef struct {
  int32_t activation, time_major, asymmetric, sequence;
  int32_t hybrid;
  int32_t n_batch, max_time, n_input, units;
  float w_scale, r_scale;
  float* w_scales; /* units copies of each scale, for the hybrid kernel */
  float* r_scales;
  int32_t *w_row_sums, *r_row_sums;
  int32_t row_sums_const;
  int32_t scratch_id;
  size_t off_tmp, off_qx, off_qh, off_sf, off_zp;
} rnn_data;

static int parse_common(tflrt_ctx* ctx, rnn_data* d, int8_t act, int asym, int time_major) {
  if (act < TFLRT_ACT_NONE || act > TFLRT_ACT_SIGN_BIT)
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "unknown fused activation function %d", (int)act);
  d->activation = act;
  d->asymmetric = asym != 0;
  d->time_major = time_major != 0;
  return TFLRT_OK;
}

static int rnn_parse(tflrt_ctx* ctx, tflrt_node* node) {
  rnn_data* d = node->data;
  int8_t act = 0;
  int asym = 0;
  if (node->options != NULL && node->options_type == RNN_OPTIONS_TYPE) {
    if (fb_i8(node->options, RNN_SLOT_ACTIVATION, 0, &act) || fb_bool(node->options, RNN_SLOT_ASYMMETRIC, 0, &asym))
      return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed RNNOptions");
  }
  d->sequence = 0;
  return parse_common(ctx, d, act, asym, 0);
}

static int seq_rnn_parse(tflrt_ctx* ctx, tflrt_node* node) {
  rnn_data* d = node->data;
  int8_t act = 0;
  int asym = 0, tm = 0;
  if (node->options != NULL && node->options_type == SEQ_RNN_OPTIONS_TYPE) {
    if (fb_bool(node->options, SEQ_SLOT_TIME_MAJOR, 0, &tm) || fb_i8(node->options, SEQ_SLOT_ACTIVATION, 0, &act) ||
        fb_bool(node->options, SEQ_SLOT_ASYMMETRIC, 0, &asym))
      return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed SequenceRNNOptions");
  }
  d->sequence = 1;
  return parse_common(ctx, d, act, asym, tm);
}

static int weight_scale(tflrt_ctx* ctx, const tflrt_tensor* t, const char* what, float* scale) {
  if (t->nq < 1 || t->scales == NULL) return tflrt_op_error(ctx, "int8 %s have no quantization scale", what);
  if (t->nq > 1)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED,
                         "%s have %d per-channel scales; TFLite's hybrid RNN supports only a per-tensor scale", what,
                         (int)t->nq);
  if (!isfinite(t->scale) || t->scale < 0.0f) return tflrt_op_error(ctx, "%s have an invalid scale", what);
  *scale = t->scale;
  return TFLRT_OK;
}

static void row_sums(const int8_t* w, int32_t rows, int32_t cols, int32_t* out) {
  for (int32_t r = 0; r < rows; r++) {
    uint32_t s = 0;
    for (int32_t k = 0; k < cols; k++) s += (uint32_t)(int32_t)w[(size_t)r * cols + k];
    out[r] = tflrt_wrap_i32((int64_t)s);
  }
}

static int rnn_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  rnn_data* d = node->data;
  int rc;
  d->scratch_id = -1;
  if ((rc = tflrt_check_arity(ctx, node, 5, 5, 1, "input, weights, recurrent weights, bias, hidden state")) != TFLRT_OK)
    return rc;
  const tflrt_tensor* x = tflrt_in(ctx, node, 0);
  const tflrt_tensor* w = tflrt_in(ctx, node, 1);
  const tflrt_tensor* r = tflrt_in(ctx, node, 2);
  const tflrt_tensor* bias = tflrt_in(ctx, node, 3);
  const tflrt_tensor* h = tflrt_in(ctx, node, 4);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  const int32_t rank = d->sequence ? 3 : 2;
  if (x->ndims != rank) return tflrt_op_error(ctx, "input must have rank %d, got %d", (int)rank, (int)x->ndims);
  if (x->type != TFLRT_FLOAT32) return tflrt_op_error(ctx, "input must be FLOAT32, got %s", tflrt_type_name(x->type));
  if (d->sequence) {
    d->max_time = d->time_major ? x->dims[0] : x->dims[1];
    d->n_batch = d->time_major ? x->dims[1] : x->dims[0];
  } else {
    d->max_time = 1;
    d->n_batch = x->dims[0];
  }
  d->n_input = x->dims[rank - 1];
  if (w->ndims != 2 || w->dims[1] != d->n_input)
    return tflrt_op_error(ctx, "weights must have shape [units, %d]", (int)d->n_input);
  d->units = w->dims[0];
  const int32_t u = d->units;
  if (u < 1) return tflrt_op_error(ctx, "the unit count must be positive");
  if (r->ndims != 2 || r->dims[0] != u || r->dims[1] != u)
    return tflrt_op_error(ctx, "recurrent weights must have shape [%d, %d]", (int)u, (int)u);
  if (bias->ndims != 1 || bias->dims[0] != u || bias->type != TFLRT_FLOAT32)
    return tflrt_op_error(ctx, "bias must be FLOAT32 with shape [%d]", (int)u);
  if (w->type != r->type) return tflrt_op_error(ctx, "weights and recurrent weights must have the same type");
  if (w->type != TFLRT_FLOAT32 && w->type != TFLRT_INT8)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "%s weights are not supported (FLOAT32 or INT8)",
                         tflrt_type_name(w->type));
  if (!h->is_variable)
    return tflrt_op_error(ctx, "the hidden state (tensor %d '%s') must be a variable tensor", (int)h->index, h->name);
  if (h->ndims != 2 || h->dims[0] != d->n_batch || h->dims[1] != u || h->type != TFLRT_FLOAT32)
    return tflrt_op_error(ctx, "the hidden state must be FLOAT32 with shape [%d, %d]", (int)d->n_batch, (int)u);
  if (out->type != TFLRT_FLOAT32) return tflrt_op_error(ctx, "the output must be FLOAT32");
  d->hybrid = w->type == TFLRT_INT8;
  d->row_sums_const = 0;
  const size_t nb = d->time_major || !d->sequence ? (size_t)d->n_batch : 1;
  size_t total = 0;
  d->off_tmp = lstm_scratch_block(&total, nb * (size_t)u, sizeof(float));
  if (d->hybrid) {
    if ((rc = weight_scale(ctx, w, "weights", &d->w_scale)) != TFLRT_OK ||
        (rc = weight_scale(ctx, r, "recurrent weights", &d->r_scale)) != TFLRT_OK)
      return rc;
    d->w_scales = tflrt_persistent_alloc(ctx, node, (size_t)u * sizeof(float));
    d->r_scales = tflrt_persistent_alloc(ctx, node, (size_t)u * sizeof(float));
    d->w_row_sums = tflrt_persistent_alloc(ctx, node, (size_t)u * sizeof(int32_t));
    d->r_row_sums = tflrt_persistent_alloc(ctx, node, (size_t)u * sizeof(int32_t));
    if (!d->w_scales || !d->r_scales || !d->w_row_sums || !d->r_row_sums) return TFLRT_ERR_NOMEM;
    for (int32_t i = 0; i < u; i++) {
      d->w_scales[i] = d->w_scale;
      d->r_scales[i] = d->r_scale;
    }
    if (tflrt_is_const(w) && tflrt_is_const(r) && w->data && r->data) {
      row_sums(w->data, u, d->n_input, d->w_row_sums);
      row_sums(r->data, u, u, d->r_row_sums);
      d->row_sums_const = 1;
    }
    d->off_qx = lstm_scratch_block(&total, nb * (size_t)d->n_input, 1);
    d->off_qh = lstm_scratch_block(&total, nb * (size_t)u, 1);
    d->off_sf = lstm_scratch_block(&total, 2 * nb, sizeof(float)); /* input's, then the state's */
    d->off_zp = lstm_scratch_block(&total, 2 * nb, sizeof(int32_t));
  }
  if (total == SIZE_MAX) return tflrt_op_error(ctx, "scratch size overflows");
  if ((rc = tflrt_request_scratch(ctx, node, total ? total : 1, &d->scratch_id)) != TFLRT_OK) return rc;
  int32_t dims[3];
  if (d->sequence) {
    dims[0] = x->dims[0];
    dims[1] = x->dims[1];
    dims[2] = u;
  } else {
    dims[0] = d->n_batch;
    dims[1] = u;
  }
  return tflrt_set_output_shape(ctx, out, rank, dims);
}

typedef struct {
  tflrt_ctx* ctx;
  const rnn_data* d;
  int32_t nb;
  const float *x, *h, *bias;
  const void *w, *r;
  float *y, *tmp;
  int8_t *qx, *qh;
  float *sf_x, *sf_h;
  int32_t *zp_x, *zp_h;
  int x_nz, h_nz;
} rnn_work;

/* y[:, c0:c1] = bias + W x + R h (before the activation) */
static void rnn_cols(void* arg, int32_t begin, int32_t end) {
  const rnn_work* wk = arg;
  const rnn_data* d = wk->d;
  const int32_t u = d->units, nb = wk->nb;
  const int32_t c0 = begin * COL_BLOCK, c1 = end * COL_BLOCK < u ? end * COL_BLOCK : u;
  const tflrt_fc_kernels* fk = &wk->ctx->k->fc;
  tflrt_fc_params p = lstm_fc_params(nb, u);
  if (!d->hybrid || wk->x_nz) {
    p.in_features = d->n_input;
    if (d->hybrid) {
      p.filter_scale = d->w_scales;
      fk->qd8_f32_qc8w_fc(&p, wk->qx, wk->sf_x, wk->zp_x, wk->w, d->w_row_sums, wk->bias, wk->y, 0, nb, c0, c1);
    } else {
      fk->f32_fc(&p, wk->x, wk->w, wk->bias, wk->y, 0, nb, c0, c1);
    }
  } else {
    for (int32_t b = 0; b < nb; b++)
      memcpy(wk->y + (size_t)b * u + c0, wk->bias + c0, (size_t)(c1 - c0) * sizeof(float));
  }
  if (d->hybrid && !wk->h_nz) return;
  p.in_features = u;
  if (d->hybrid) {
    p.filter_scale = d->r_scales;
    fk->qd8_f32_qc8w_fc(&p, wk->qh, wk->sf_h, wk->zp_h, wk->r, d->r_row_sums, NULL, wk->tmp, 0, nb, c0, c1);
  } else {
    fk->f32_fc(&p, wk->h, wk->r, NULL, wk->tmp, 0, nb, c0, c1);
  }
  for (int32_t b = 0; b < nb; b++)
    for (int32_t j = c0; j < c1; j++) wk->y[(size_t)b * u + j] += wk->tmp[(size_t)b * u + j];
}

static int rnn_eval(tflrt_ctx* ctx, tflrt_node* node) {
  rnn_data* d = node->data;
  const tflrt_tensor* x = tflrt_in(ctx, node, 0);
  const tflrt_tensor* w = tflrt_in(ctx, node, 1);
  const tflrt_tensor* r = tflrt_in(ctx, node, 2);
  const tflrt_tensor* bias = tflrt_in(ctx, node, 3);
  tflrt_tensor* hs = tflrt_in(ctx, node, 4);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (tflrt_num_elements(out) == 0) return TFLRT_OK;
  if (!x->data || !w->data || !r->data || !bias->data || !hs->data || !out->data)
    return tflrt_op_error(ctx, "a tensor has no data");
  if (d->hybrid && !d->row_sums_const) {
    row_sums(w->data, d->units, d->n_input, d->w_row_sums);
    row_sums(r->data, d->units, d->units, d->r_row_sums);
  }
  char* scratch = node->scratch[d->scratch_id];
  rnn_work wk;
  memset(&wk, 0, sizeof(wk));
  wk.ctx = ctx;
  wk.d = d;
  wk.nb = d->time_major || !d->sequence ? d->n_batch : 1;
  wk.bias = bias->data;
  wk.w = w->data;
  wk.r = r->data;
  wk.tmp = (float*)(scratch + d->off_tmp);
  const size_t nb_rows = (size_t)wk.nb;
  if (d->hybrid) {
    wk.qx = (int8_t*)(scratch + d->off_qx);
    wk.qh = (int8_t*)(scratch + d->off_qh);
    wk.sf_x = (float*)(scratch + d->off_sf);
    wk.zp_x = (int32_t*)(scratch + d->off_zp);
    wk.sf_h = wk.sf_x + nb_rows;
    wk.zp_h = wk.zp_x + nb_rows;
  }
  const int32_t u = d->units, T = d->max_time, B = d->n_batch, nb = wk.nb;
  const size_t n = (size_t)nb * (size_t)u;
  const int32_t blocks = (u + COL_BLOCK - 1) / COL_BLOCK;
  const int parallel = ctx->num_threads > 1 && (int64_t)nb * u * (d->n_input + u) >= 32768;
  const float* xd = x->data;
  float* yd = out->data;
  for (int32_t bb = 0; bb < (nb == B ? 1 : B); bb++) {
    float* h = (float*)hs->data + (nb == B ? 0 : (size_t)bb * u);
    for (int32_t t = 0; t < T; t++) {
      const size_t row = nb == B ? (size_t)t * (size_t)B : (size_t)bb * (size_t)T + (size_t)t;
      wk.x = xd + row * (size_t)d->n_input;
      wk.h = h;
      wk.y = yd + row * (size_t)u;
      if (d->hybrid) {
        wk.x_nz = !lstm_all_zero(wk.x, (size_t)nb * (size_t)d->n_input);
        wk.h_nz = !lstm_all_zero(h, n);
        const tflrt_conv_kernels* ck = &ctx->k->conv;
        if (wk.x_nz) tflrt_quantize_rows(ck, d->asymmetric, wk.x, (size_t)d->n_input, 0, nb, wk.qx, wk.sf_x, wk.zp_x);
        if (wk.h_nz) tflrt_quantize_rows(ck, d->asymmetric, h, (size_t)u, 0, nb, wk.qh, wk.sf_h, wk.zp_h);
      }
      if (parallel)
        tflrt_parallel_for(ctx, blocks, rnn_cols, &wk);
      else
        rnn_cols(&wk, 0, blocks);
      lstm_activation(ctx, d->activation, wk.y, wk.y, n);
      memcpy(h, wk.y, n * sizeof(float));
    }
  }
  return TFLRT_OK;
}

const tflrt_op tflrt_op_rnn = {
    .name = "RNN",
    .builtin_code = 24,
    .min_version = 1,
    .max_version = 3,
    .data_size = sizeof(rnn_data),
    .parse = rnn_parse,
    .prepare = rnn_prepare,
    .eval = rnn_eval,
};

const tflrt_op tflrt_op_unidirectional_sequence_rnn = {
    .name = "UNIDIRECTIONAL_SEQUENCE_RNN",
    .builtin_code = 35,
    .min_version = 1,
    .max_version = 3,
    .data_size = sizeof(rnn_data),
    .parse = seq_rnn_parse,
    .prepare = rnn_prepare,
    .eval = rnn_eval,
};
