/* FULLY_CONNECTED: y = x W^T + b over the last axis, TFLite semantics (versions 1-12).
 *
 * Supported: float32; int8 (per-tensor or per-channel weights); legacy uint8 (uint8 or int16
 * output); int16 activations with int8 weights and an int64 or int32 bias (16x8); int16
 * activations with int16 weights; hybrid / dynamic range (float input and output, int8 weights,
 * per-tensor or per-channel, symmetric or asymmetric_quantize_inputs). The input of any rank is
 * flattened to [batches, in_features] with in_features = weights dim 1; keep_num_dims keeps the
 * input's leading axes in the output. Not supported (rejected in prepare with a message): the
 * SHUFFLED4x16INT8 weights format, sparse weights, int4/int2 weights (versions 10, 13, 14). */
#include <math.h>
#include <string.h>

#include "../quant/quant.h"
#include "op.h"
#include "op_util.h"

#define FC_OPTIONS_TYPE 8 /* BuiltinOptions union: FullyConnectedOptions */
enum { /* FullyConnectedOptions field slots */
       SLOT_ACTIVATION = 0,
       SLOT_WEIGHTS_FORMAT = 1,
       SLOT_KEEP_NUM_DIMS = 2,
       SLOT_ASYMMETRIC_QUANTIZE_INPUTS = 3,
       SLOT_QUANTIZED_BIAS_TYPE = 4 };

enum { FC_F32, FC_HYBRID, FC_QS8, FC_QU8, FC_QU8_QS16, FC_QS16, FC_QS16_ACC32, FC_QS16_QS16W };

#define COLUMN_BLOCK 16

typedef struct {
  /* options */
  int32_t activation, keep_num_dims, asymmetric, bias_type; /* bias_type: schema TensorType */
  /* prepared */
  int32_t kind;
  int32_t zero_fill; /* in_features == 0: the output is zero-filled */
  tflrt_fc_params p;
  int32_t sc_qinput, sc_scale, sc_zp, sc_row_sums; /* hybrid scratch slots (-1 = none) */
  const int32_t* const_row_sums;                   /* hybrid, constant weights */
} fc_data;

static int fc_parse(tflrt_ctx* ctx, tflrt_node* node) {
  fc_data* d = node->data;
  d->activation = TFLRT_ACT_NONE;
  d->bias_type = TFLRT_FLOAT32;
  int8_t act = 0, format = 0, bias_type = TFLRT_FLOAT32;
  int keep = 0, asym = 0;
  if (node->options != NULL && node->options_type == FC_OPTIONS_TYPE) {
    if (fb_i8(node->options, SLOT_ACTIVATION, 0, &act) || fb_i8(node->options, SLOT_WEIGHTS_FORMAT, 0, &format) ||
        fb_bool(node->options, SLOT_KEEP_NUM_DIMS, 0, &keep) ||
        fb_bool(node->options, SLOT_ASYMMETRIC_QUANTIZE_INPUTS, 0, &asym) ||
        fb_i8(node->options, SLOT_QUANTIZED_BIAS_TYPE, TFLRT_FLOAT32, &bias_type))
      return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed FullyConnectedOptions");
  }
  if (act < TFLRT_ACT_NONE || act > TFLRT_ACT_SIGN_BIT)
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "unknown fused activation function %d", (int)act);
  if (format == 1)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED,
                         "weights_format SHUFFLED4x16INT8 is not supported (only DEFAULT)");
  if (format != 0)
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "unknown weights_format %d", (int)format);
  d->activation = act;
  d->keep_num_dims = keep != 0;
  d->asymmetric = asym != 0;
  d->bias_type = bias_type;
  return TFLRT_OK;
}

static const char* act_name(int32_t act) {
  static const char* names[] = {"NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH", "SIGN_BIT"};
  return act >= 0 && act <= 5 ? names[act] : "UNKNOWN";
}

/* A quantized tensor must carry a positive, finite scale. */
static int check_quantized(tflrt_ctx* ctx, const tflrt_tensor* t, const char* role) {
  if (t->nq < 1 || t->scales == NULL)
    return tflrt_op_error(ctx, "%s tensor %d ('%s') of type %s has no quantization parameters", role,
                          (int)t->index, t->name, tflrt_type_name(t->type));
  for (int32_t i = 0; i < t->nq; i++)
    if (!(t->scales[i] > 0.0f) || !isfinite(t->scales[i]))
      return tflrt_op_error(ctx, "%s tensor %d ('%s') has an invalid scale %g (must be > 0)", role, (int)t->index,
                            t->name, (double)t->scales[i]);
  return TFLRT_OK;
}

/* Per-channel weights: one scale per output unit along axis 0. */
static int check_per_channel(tflrt_ctx* ctx, const tflrt_tensor* w, int32_t n_units) {
  if (w->qdim != 0)
    return tflrt_op_error(ctx, "per-channel weights must be quantized along axis 0 (output units), not axis %d",
                          (int)w->qdim);
  if (w->nq != n_units)
    return tflrt_op_error(ctx, "weights have %d per-channel scales for %d output units", (int)w->nq, (int)n_units);
  return TFLRT_OK;
}

static int prepare_hybrid(tflrt_ctx* ctx, tflrt_node* node, fc_data* d, const tflrt_tensor* w,
                          const tflrt_tensor* bias, const tflrt_tensor* out) {
  tflrt_fc_params* p = &d->p;
  int rc;
  if (out->type != TFLRT_FLOAT32)
    return tflrt_op_error(ctx, "hybrid FULLY_CONNECTED (float input, int8 weights) needs a FLOAT32 output, got %s",
                          tflrt_type_name(out->type));
  if (bias && bias->type != TFLRT_FLOAT32)
    return tflrt_op_error(ctx, "hybrid FULLY_CONNECTED needs a FLOAT32 bias, got %s", tflrt_type_name(bias->type));
  if ((rc = check_quantized(ctx, w, "weights")) != TFLRT_OK) return rc;
  if (w->nq > 1 && (rc = check_per_channel(ctx, w, p->out_features)) != TFLRT_OK) return rc;
  const size_t n = (size_t)p->out_features, rows = (size_t)p->batches, k = (size_t)p->in_features;
  float* fs = tflrt_persistent_alloc(ctx, node, (n ? n : 1) * sizeof(float));
  if (fs == NULL) return TFLRT_ERR_NOMEM;
  for (size_t c = 0; c < n; c++) fs[c] = w->nq > 1 ? w->scales[c] : w->scale;
  p->filter_scale = fs;
  p->hybrid_act = d->activation;
  tflrt_act_range_f32(d->activation, &p->f32_min, &p->f32_max);
  if (rows > SIZE_MAX / (k ? k : 1)) return tflrt_op_error(ctx, "quantized input scratch size overflows");
  if ((rc = tflrt_request_scratch(ctx, node, rows * k > 0 ? rows * k : 1, &d->sc_qinput)) != TFLRT_OK) return rc;
  if ((rc = tflrt_request_scratch(ctx, node, (rows ? rows : 1) * sizeof(float), &d->sc_scale)) != TFLRT_OK)
    return rc;
  if ((rc = tflrt_request_scratch(ctx, node, (rows ? rows : 1) * sizeof(int32_t), &d->sc_zp)) != TFLRT_OK)
    return rc;
  if (tflrt_is_const(w) && w->data != NULL) {
    int32_t* sums = tflrt_persistent_alloc(ctx, node, (n ? n : 1) * sizeof(int32_t));
    if (sums == NULL) return TFLRT_ERR_NOMEM;
    ctx->k->fc.qs8_row_sums(w->data, p->in_features, sums, 0, p->out_features);
    d->const_row_sums = sums;
  } else if ((rc = tflrt_request_scratch(ctx, node, (n ? n : 1) * sizeof(int32_t), &d->sc_row_sums)) != TFLRT_OK) {
    return rc;
  }
  d->kind = FC_HYBRID;
  return TFLRT_OK;
}

/* Chooses the quantized kernel from the (input, weights, output, bias) types. */
static int select_quantized_kind(tflrt_ctx* ctx, fc_data* d, const tflrt_tensor* in, const tflrt_tensor* w,
                                 const tflrt_tensor* bias, const tflrt_tensor* out) {
  const int32_t ti = in->type, tw = w->type, to = out->type, tb = bias ? bias->type : -1;
  if (ti == TFLRT_INT8 && tw == TFLRT_INT8 && to == TFLRT_INT8) {
    d->kind = FC_QS8;
    if (bias && tb != TFLRT_INT32) goto bad_bias;
    return TFLRT_OK;
  }
  if (ti == TFLRT_UINT8 && tw == TFLRT_UINT8 && (to == TFLRT_UINT8 || to == TFLRT_INT16)) {
    d->kind = to == TFLRT_UINT8 ? FC_QU8 : FC_QU8_QS16;
    if (bias && tb != TFLRT_INT32) goto bad_bias;
    return TFLRT_OK;
  }
  if (ti == TFLRT_INT16 && (tw == TFLRT_INT8 || tw == TFLRT_INT16) && to == TFLRT_INT16) {
    /* quantized_bias_type (version 11): FLOAT32 (the default) means "not set". */
    const int32_t qbt = d->bias_type;
    if (qbt != TFLRT_FLOAT32) {
      if (qbt != TFLRT_INT32 && qbt != TFLRT_INT64)
        return tflrt_op_error(ctx, "quantized_bias_type must be INT32 or INT64, got %s", tflrt_type_name(qbt));
      if (bias && tb != qbt)
        return tflrt_op_error(ctx, "bias type %s does not match quantized_bias_type %s", tflrt_type_name(tb),
                              tflrt_type_name(qbt));
    }
    if (bias && tb != TFLRT_INT32 && tb != TFLRT_INT64) goto bad_bias;
    if (tw == TFLRT_INT16) {
      d->kind = FC_QS16_QS16W;
    } else {
      const int acc32 = bias ? tb == TFLRT_INT32 : qbt == TFLRT_INT32;
      d->kind = acc32 ? FC_QS16_ACC32 : FC_QS16;
    }
    return TFLRT_OK;
  }
  if (tw == TFLRT_INT4 || tw == 19 /* INT2 */)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "%s weights are not supported", tflrt_type_name(tw));
  return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED,
                       "unsupported combination: input %s, weights %s, output %s (supported: FLOAT32 x FLOAT32, "
                       "FLOAT32 x INT8 hybrid, INT8 x INT8 -> INT8, UINT8 x UINT8 -> UINT8/INT16, INT16 x INT8/INT16 "
                       "-> INT16)",
                       tflrt_type_name(ti), tflrt_type_name(tw), tflrt_type_name(to));
bad_bias:
  return tflrt_op_error(ctx, "bias of type %s is not valid for %s input and %s weights", tflrt_type_name(tb),
                        tflrt_type_name(ti), tflrt_type_name(tw));
}

static int prepare_quantized(tflrt_ctx* ctx, tflrt_node* node, fc_data* d, const tflrt_tensor* in,
                             const tflrt_tensor* w, const tflrt_tensor* bias, const tflrt_tensor* out) {
  tflrt_fc_params* p = &d->p;
  int rc;
  if ((rc = select_quantized_kind(ctx, d, in, w, bias, out)) != TFLRT_OK) return rc;
  if (d->activation > TFLRT_ACT_RELU6)
    return tflrt_op_error(ctx, "fused activation %s is not supported by quantized FULLY_CONNECTED",
                          act_name(d->activation));
  if ((rc = check_quantized(ctx, in, "input")) != TFLRT_OK || (rc = check_quantized(ctx, w, "weights")) != TFLRT_OK ||
      (rc = check_quantized(ctx, out, "output")) != TFLRT_OK)
    return rc;
  if (in->type == TFLRT_INT16 && (in->zero_point != 0 || out->zero_point != 0))
    return tflrt_op_error(ctx, "int16 input and output need zero point 0 (got %d and %d)", (int)in->zero_point,
                          (int)out->zero_point);
  const int per_channel = w->nq > 1;
  const int32_t n = p->out_features;
  if (per_channel) {
    if (in->type != TFLRT_INT8 && in->type != TFLRT_INT16)
      return tflrt_op_error(ctx, "per-channel weights need an INT8 or INT16 input, got %s", tflrt_type_name(in->type));
    if ((rc = check_per_channel(ctx, w, n)) != TFLRT_OK) return rc;
  } else if (bias && bias->nq >= 1) {
    /* As TFLite: the bias scale must match input_scale * weights_scale closely. */
    const double product = (double)in->scale * (double)w->scale;
    if (fabs(product - (double)bias->scale) / (double)out->scale > 0.02)
      return tflrt_op_error(ctx, "bias scale %g does not match input scale x weights scale = %g", (double)bias->scale,
                            product);
  }
  int32_t qmin, qmax;
  tflrt_type_range(out->type, &qmin, &qmax);
  tflrt_act_range_quant(d->activation, out->scale, out->zero_point, qmin, qmax, &p->q_min, &p->q_max);
  p->input_offset = -in->zero_point;
  p->filter_offset = per_channel ? 0 : -w->zero_point;
  p->output_offset = out->zero_point;
  const size_t cnt = n > 0 ? (size_t)n : 1;
  if (d->kind == FC_QS16_QS16W) {
    int32_t* mult = tflrt_persistent_alloc(ctx, node, cnt * sizeof(int32_t));
    int32_t* shift = tflrt_persistent_alloc(ctx, node, cnt * sizeof(int32_t));
    if (mult == NULL || shift == NULL) return TFLRT_ERR_NOMEM;
    for (int32_t c = 0; c < n; c++) {
      /* TFLite: per-channel in double; per-tensor from the float product of the scales. */
      const double real = per_channel ? (double)in->scale * (double)w->scales[c] / (double)out->scale
                                       : (double)(in->scale * w->scale) / (double)out->scale;
      int s;
      tflrt_quantize_multiplier(real, &mult[c], &s);
      if (s > 14)
        return tflrt_op_error(ctx, "requantization scale %g is too large (input x weights / output scale)", real);
      shift[c] = s;
    }
    p->out_mult = mult;
    p->out_shift = shift;
  } else {
    double* scale = tflrt_persistent_alloc(ctx, node, cnt * sizeof(double));
    if (scale == NULL) return TFLRT_ERR_NOMEM;
    for (int32_t c = 0; c < n; c++)
      scale[c] = (double)in->scale * (double)(per_channel ? w->scales[c] : w->scale) / (double)out->scale;
    p->out_scale = scale;
  }
  return TFLRT_OK;
}

static int fc_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  fc_data* d = node->data;
  tflrt_fc_params* p = &d->p;
  int rc;
  memset(p, 0, sizeof(*p));
  d->zero_fill = 0;
  d->sc_qinput = d->sc_scale = d->sc_zp = d->sc_row_sums = -1;
  d->const_row_sums = NULL;
  if ((rc = tflrt_check_arity(ctx, node, 2, 3, 1, "input, weights, optional bias")) != TFLRT_OK) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* w = tflrt_in(ctx, node, 1);
  const tflrt_tensor* bias = node->n_inputs == 3 ? tflrt_in(ctx, node, 2) : NULL;
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (w->ndims != 2) return tflrt_op_error(ctx, "weights must have rank 2, got rank %d", (int)w->ndims);
  if (in->ndims < 1) return tflrt_op_error(ctx, "input must have rank >= 1");
  const int32_t n_units = w->dims[0], k = w->dims[1];
  int64_t batches = 1;
  if (k == 0) {
    for (int32_t i = 0; i + 1 < in->ndims; i++) batches *= in->dims[i];
    d->zero_fill = 1;
  } else {
    const int64_t total = tflrt_num_elements(in);
    if (total % k != 0)
      return tflrt_op_error(ctx, "input has %lld elements, not a multiple of the weights' %d input features",
                            (long long)total, (int)k);
    batches = total / k;
  }
  if (batches > INT32_MAX) return tflrt_op_error(ctx, "batch count %lld overflows int32", (long long)batches);
  if (d->keep_num_dims && k != 0 && in->dims[in->ndims - 1] != k)
    return tflrt_op_error(ctx, "keep_num_dims needs the input's last dimension (%d) to equal the weights' input "
                          "features (%d)", (int)in->dims[in->ndims - 1], (int)k);
  int32_t od[TFLRT_MAX_DIMS];
  int32_t nd;
  if (d->keep_num_dims) {
    nd = in->ndims;
    memcpy(od, in->dims, sizeof(int32_t) * (size_t)nd);
    od[nd - 1] = n_units;
  } else {
    nd = 2;
    od[0] = (int32_t)batches;
    od[1] = n_units;
  }
  if (bias && tflrt_num_elements(bias) != n_units)
    return tflrt_op_error(ctx, "bias has %lld elements, expected %d (the weights' output units)",
                          (long long)tflrt_num_elements(bias), (int)n_units);
  const size_t wsize = tflrt_type_size(w->type);
  if (tflrt_is_const(w) && wsize != 0 && w->bytes != (size_t)n_units * (size_t)k * wsize)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED,
                         "weights hold %zu bytes, expected %zu for shape [%d, %d]: sparse or packed weights are not "
                         "supported", w->bytes, (size_t)n_units * (size_t)k * wsize, (int)n_units, (int)k);
  p->batches = (int32_t)batches;
  p->in_features = k;
  p->out_features = n_units;

  if (in->type == TFLRT_FLOAT32 && w->type == TFLRT_FLOAT32) {
    if (out->type != TFLRT_FLOAT32)
      return tflrt_op_error(ctx, "float FULLY_CONNECTED needs a FLOAT32 output, got %s", tflrt_type_name(out->type));
    if (bias && bias->type != TFLRT_FLOAT32)
      return tflrt_op_error(ctx, "float FULLY_CONNECTED needs a FLOAT32 bias, got %s", tflrt_type_name(bias->type));
    if (d->activation > TFLRT_ACT_RELU6)
      return tflrt_op_error(ctx, "fused activation %s is not supported by float FULLY_CONNECTED",
                            act_name(d->activation));
    tflrt_act_range_f32(d->activation, &p->f32_min, &p->f32_max);
    d->kind = FC_F32;
  } else if (in->type == TFLRT_FLOAT32 && w->type == TFLRT_INT8) {
    if ((rc = prepare_hybrid(ctx, node, d, w, bias, out)) != TFLRT_OK) return rc;
  } else if (in->type == TFLRT_FLOAT32) {
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "float input with %s weights is not supported",
                         tflrt_type_name(w->type));
  } else if ((rc = prepare_quantized(ctx, node, d, in, w, bias, out)) != TFLRT_OK) {
    return rc;
  }
  return tflrt_set_output_shape(ctx, out, nd, od);
}

/* ---- eval ---- */

typedef struct {
  const fc_data* d;
  const tflrt_fc_kernels* k;
  const tflrt_conv_kernels* ck;
  const void *in, *w, *bias;
  void* out;
  const tflrt_tensor* bias_t;
  int8_t* qinput;
  float* batch_scale;
  int32_t* batch_zp;
  const int32_t* row_sums;
  int32_t split_rows; /* 1: work items are batch rows; 0: blocks of COLUMN_BLOCK output units */
} fc_work;

static void fc_tile(void* arg, int32_t begin, int32_t end) {
  const fc_work* wk = arg;
  const tflrt_fc_params* p = &wk->d->p;
  int32_t r0 = 0, r1 = p->batches, c0 = 0, c1 = p->out_features;
  if (wk->split_rows) {
    r0 = begin;
    r1 = end;
  } else {
    c0 = begin * COLUMN_BLOCK;
    c1 = end * COLUMN_BLOCK < c1 ? end * COLUMN_BLOCK : c1;
  }
  const tflrt_fc_kernels* k = wk->k;
  switch (wk->d->kind) {
    case FC_F32: k->f32_fc(p, wk->in, wk->w, wk->bias, wk->out, r0, r1, c0, c1); break;
    case FC_QS8: k->qs8_fc(p, wk->in, wk->w, wk->bias, wk->out, r0, r1, c0, c1); break;
    case FC_QU8: k->qu8_fc(p, wk->in, wk->w, wk->bias, wk->out, r0, r1, c0, c1); break;
    case FC_QU8_QS16: k->qu8_qs16_fc(p, wk->in, wk->w, wk->bias, wk->out, r0, r1, c0, c1); break;
    case FC_QS16: k->qs16_fc(p, wk->in, wk->w, wk->bias, wk->out, r0, r1, c0, c1); break;
    case FC_QS16_ACC32: k->qs16_fc_acc32(p, wk->in, wk->w, wk->bias, wk->out, r0, r1, c0, c1); break;
    case FC_QS16_QS16W: {
      const int is64 = wk->bias_t && wk->bias_t->type == TFLRT_INT64;
      k->qs16_qs16w_fc(p, wk->in, wk->w, is64 ? NULL : wk->bias, is64 ? wk->bias : NULL, wk->out, r0, r1, c0, c1);
      break;
    }
    case FC_HYBRID:
      k->qd8_f32_qc8w_fc(p, wk->qinput, wk->batch_scale, wk->batch_zp, wk->w, wk->row_sums, wk->bias, wk->out, r0, r1,
                         c0, c1);
      break;
    default: break;
  }
}

/* Hybrid: quantizes the float input rows [begin, end) to int8. */
static void fc_quantize_rows(void* arg, int32_t begin, int32_t end) {
  const fc_work* wk = arg;
  tflrt_quantize_rows(wk->ck, wk->d->asymmetric, wk->in, (size_t)wk->d->p.in_features, begin, end, wk->qinput,
                      wk->batch_scale, wk->batch_zp);
}

static int fc_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const fc_data* d = node->data;
  const tflrt_fc_params* p = &d->p;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* w = tflrt_in(ctx, node, 1);
  const tflrt_tensor* bias = node->n_inputs == 3 ? tflrt_in(ctx, node, 2) : NULL;
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (tflrt_num_elements(out) == 0) return TFLRT_OK;
  if (out->data == NULL) return tflrt_op_error(ctx, "output tensor has no data");
  if (d->zero_fill) {
    memset(out->data, 0, out->bytes);
    return TFLRT_OK;
  }
  if (in->data == NULL || w->data == NULL || (bias && bias->data == NULL))
    return tflrt_op_error(ctx, "an input tensor has no data");
  fc_work wk = {.d = d, .k = &ctx->k->fc, .ck = &ctx->k->conv, .in = in->data, .w = w->data,
                .bias = bias ? bias->data : NULL, .out = out->data, .bias_t = bias};
  if (d->kind == FC_HYBRID) {
    wk.qinput = node->scratch[d->sc_qinput];
    wk.batch_scale = node->scratch[d->sc_scale];
    wk.batch_zp = node->scratch[d->sc_zp];
    tflrt_parallel_for(ctx, p->batches, fc_quantize_rows, &wk);
    if (d->const_row_sums) {
      wk.row_sums = d->const_row_sums;
    } else {
      int32_t* sums = node->scratch[d->sc_row_sums];
      ctx->k->fc.qs8_row_sums(w->data, p->in_features, sums, 0, p->out_features);
      wk.row_sums = sums;
    }
  }
  if (p->batches >= ctx->num_threads || p->out_features <= COLUMN_BLOCK) {
    wk.split_rows = 1;
    tflrt_parallel_for(ctx, p->batches, fc_tile, &wk);
  } else {
    wk.split_rows = 0;
    tflrt_parallel_for(ctx, (p->out_features + COLUMN_BLOCK - 1) / COLUMN_BLOCK, fc_tile, &wk);
  }
  return TFLRT_OK;
}

const tflrt_op tflrt_op_fully_connected = {
    .name = "FULLY_CONNECTED",
    .builtin_code = 9,
    .min_version = 1,
    .max_version = 12,
    .data_size = sizeof(fc_data),
    .parse = fc_parse,
    .prepare = fc_prepare,
    .eval = fc_eval,
};
