/* Shared prepare/eval logic of CONV_2D, DEPTHWISE_CONV_2D and TRANSPOSE_CONV (conv_common.h). */
#include "conv_common.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../quant/quant.h"
#include "padding.h"

/* ---- options ---- */

static int opt_i8(const fb_table* o, int slot, int8_t* out) {
  if (slot < 0) {
    *out = 0;
    return 0;
  }
  return fb_i8(o, slot, 0, out);
}

static int opt_i32(const fb_table* o, int slot, int32_t dflt, int32_t* out) {
  if (slot < 0) {
    *out = dflt;
    return 0;
  }
  return fb_i32(o, slot, dflt, out);
}

int tflrt_conv_parse(tflrt_ctx* ctx, tflrt_node* node, const tflrt_conv_rules* rules) {
  tflrt_conv_options* opt = &((tflrt_conv_state*)node->data)->opt;
  /* Absent options, or options of another type (as TFLite's typed accessor), read as defaults:
   * an empty table has no fields. */
  const fb_table empty = {0};
  const fb_table* o =
      node->options != NULL && node->options_type == rules->options_type ? node->options : &empty;
  const int8_t* s = rules->slot;
  int8_t padding = 0, act = 0, bias_type = 0;
  int32_t depth_multiplier = 0;
  int ok = opt_i8(o, s[TFLRT_CONV_SLOT_PADDING], &padding) == 0 &&
           opt_i32(o, s[TFLRT_CONV_SLOT_STRIDE_W], 0, &opt->stride_w) == 0 &&
           opt_i32(o, s[TFLRT_CONV_SLOT_STRIDE_H], 0, &opt->stride_h) == 0 &&
           opt_i32(o, s[TFLRT_CONV_SLOT_DEPTH_MULTIPLIER], 0, &depth_multiplier) == 0 &&
           opt_i8(o, s[TFLRT_CONV_SLOT_ACTIVATION], &act) == 0 &&
           opt_i32(o, s[TFLRT_CONV_SLOT_DILATION_W], 1, &opt->dilation_w) == 0 &&
           opt_i32(o, s[TFLRT_CONV_SLOT_DILATION_H], 1, &opt->dilation_h) == 0 &&
           opt_i8(o, s[TFLRT_CONV_SLOT_BIAS_TYPE], &bias_type) == 0;
  if (!ok) return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed %s", rules->options_name);
  opt->padding = padding;
  opt->activation = act;
  opt->bias_type = bias_type;
  return TFLRT_OK;
}

/* ---- shapes and types ---- */

int tflrt_conv_begin(tflrt_ctx* ctx, tflrt_node* node, const tflrt_conv_rules* rules,
                     tflrt_conv_state* st, tflrt_conv_io* io) {
  tflrt_conv_params* p = &st->p;
  memset(p, 0, sizeof(*p));
  st->unpacked_filter = NULL;
  st->packed = NULL;
  st->hybrid_symmetric = 0;
  if (node->n_inputs < 2 || node->n_inputs > 3)
    return tflrt_op_error(ctx, "expects 2 or 3 inputs (input, filter, optional bias), got %d",
                          (int)node->n_inputs);
  if (node->n_outputs != 1)
    return tflrt_op_error(ctx, "expects 1 output, got %d", (int)node->n_outputs);
  *io = tflrt_conv_tensors(ctx, node, rules);
  if (io->in == NULL || io->filter == NULL || io->out == NULL)
    return tflrt_op_error(ctx, "the input and filter tensors are required");
  if (io->in->ndims != 4)
    return tflrt_op_error(ctx, "input must be 4-D [batch, height, width, channels], got rank %d",
                          (int)io->in->ndims);
  if (io->filter->ndims != 4)
    return tflrt_op_error(ctx, "filter must be 4-D %s, got rank %d", rules->filter_layout,
                          (int)io->filter->ndims);
  return tflrt_conv_input_dims(ctx, p, io->in);
}

int tflrt_conv_input_dims(tflrt_ctx* ctx, tflrt_conv_params* p, const tflrt_tensor* in) {
  p->batches = in->dims[0];
  p->in_h = in->dims[1];
  p->in_w = in->dims[2];
  p->in_c = in->dims[3];
  if (p->in_h <= 0 || p->in_w <= 0 || p->in_c <= 0)
    return tflrt_op_error(ctx, "input height, width and channels must be positive (got %dx%dx%d)",
                          (int)p->in_h, (int)p->in_w, (int)p->in_c);
  return TFLRT_OK;
}

int tflrt_conv_check_activation(tflrt_ctx* ctx, const tflrt_conv_rules* rules, int32_t act) {
  if (act < TFLRT_ACT_NONE || act > rules->max_activation)
    return tflrt_op_error(ctx, "unsupported fused activation function %d (at most %d)", (int)act,
                          (int)rules->max_activation);
  return TFLRT_OK;
}

int tflrt_conv_geometry(tflrt_ctx* ctx, const tflrt_conv_rules* rules, tflrt_conv_state* st,
                        const tflrt_conv_io* io) {
  tflrt_conv_params* p = &st->p;
  const tflrt_conv_options* o = &st->opt;
  int r = tflrt_conv_check_activation(ctx, rules, o->activation);
  if (r != TFLRT_OK) return r;
  r = tflrt_window_2d(ctx, o->padding, p->in_h, p->in_w, p->filter_h, p->filter_w, o->stride_h,
                      o->stride_w, o->dilation_h, o->dilation_w, &p->out_h, &p->out_w, &p->pad_h,
                      &p->pad_w);
  if (r != TFLRT_OK) return r;
  p->stride_h = o->stride_h;
  p->stride_w = o->stride_w;
  p->dilation_h = o->dilation_h;
  p->dilation_w = o->dilation_w;
  if ((r = tflrt_conv_select_kind(ctx, rules, st, io)) != TFLRT_OK) return r;
  return tflrt_conv_check_bias(ctx, rules, st, io->bias);
}

/* An INT8 filter, or INT4 where the rules accept it for this kind. */
static int int8_filter(const tflrt_conv_rules* rules, int32_t ft, tflrt_conv_kind kind) {
  return ft == TFLRT_INT8 || (ft == TFLRT_INT4 && (rules->int4_kinds & (1u << kind)) != 0);
}

int tflrt_conv_select_kind(tflrt_ctx* ctx, const tflrt_conv_rules* rules, tflrt_conv_state* st,
                           const tflrt_conv_io* io) {
  const int32_t it = io->in->type, ft = io->filter->type;
  if (io->out->type != it)
    return tflrt_op_error(ctx, "output type %s differs from input type %s",
                          tflrt_type_name(io->out->type), tflrt_type_name(it));
  if (it == TFLRT_FLOAT32 && ft == TFLRT_FLOAT32) st->kind = TFLRT_CONV_F32;
  else if (it == TFLRT_FLOAT32 && int8_filter(rules, ft, TFLRT_CONV_HYBRID))
    st->kind = TFLRT_CONV_HYBRID;
  else if (it == TFLRT_INT8 && int8_filter(rules, ft, TFLRT_CONV_QS8)) st->kind = TFLRT_CONV_QS8;
  else if (it == TFLRT_UINT8 && ft == TFLRT_UINT8) st->kind = TFLRT_CONV_QU8;
  else if (it == TFLRT_INT16 && int8_filter(rules, ft, TFLRT_CONV_QS16)) st->kind = TFLRT_CONV_QS16;
  else {
    const unsigned k4 = rules->int4_kinds;
    return tflrt_op_error(ctx, "unsupported input/filter types %s/%s (supported: FLOAT32/FLOAT32, "
                          "FLOAT32/INT8 (hybrid)%s, INT8/INT8%s, INT16/INT8%s, UINT8/UINT8)",
                          tflrt_type_name(it), tflrt_type_name(ft),
                          k4 & (1u << TFLRT_CONV_HYBRID) ? ", FLOAT32/INT4 (hybrid)" : "",
                          k4 & (1u << TFLRT_CONV_QS8) ? ", INT8/INT4" : "",
                          k4 & (1u << TFLRT_CONV_QS16) ? ", INT16/INT4" : "");
  }
  return TFLRT_OK;
}

int tflrt_conv_check_bias(tflrt_ctx* ctx, const tflrt_conv_rules* rules,
                          const tflrt_conv_state* st, const tflrt_tensor* bias) {
  if (bias == NULL) return TFLRT_OK;
  const int32_t out_c = st->p.out_c;
  const int qs16 = st->kind == TFLRT_CONV_QS16 || st->kind == TFLRT_CONV_QS16_ACC32;
  int32_t want = TFLRT_FLOAT32;
  if (st->kind == TFLRT_CONV_QS8 || st->kind == TFLRT_CONV_QU8) want = TFLRT_INT32;
  if (qs16) want = rules->qs16_int32_bias && bias->type == TFLRT_INT32 ? TFLRT_INT32 : TFLRT_INT64;
  if (bias->type != want)
    return tflrt_op_error(ctx, "bias tensor %d ('%s') of type %s does not match: expected %s",
                          (int)bias->index, bias->name, tflrt_type_name(bias->type),
                          qs16 && rules->qs16_int32_bias ? "INT64 or INT32 (INT16 input)"
                                                         : tflrt_type_name(want));
  const int64_t n = tflrt_num_elements(bias);
  if (rules->bias_rank1 ? bias->ndims != 1 || bias->dims[0] != out_c : n != out_c)
    return tflrt_op_error(ctx, "bias tensor %d ('%s') has %lld elements (rank %d); expected %s%d "
                          "(one per output channel)", (int)bias->index, bias->name, (long long)n,
                          (int)bias->ndims, rules->bias_rank1 ? "a 1-D tensor of " : "",
                          (int)out_c);
  const int zp_checked = want != TFLRT_FLOAT32 && (st->kind != TFLRT_CONV_QU8 || rules->qu8_bias_zp_0);
  if (zp_checked && bias->nq == 1 && bias->zero_point != 0)
    return tflrt_op_error(ctx, "bias tensor %d ('%s') has zero point %d; it must be 0",
                          (int)bias->index, bias->name, (int)bias->zero_point);
  return TFLRT_OK;
}

int tflrt_conv_check_bias_type(tflrt_ctx* ctx, const tflrt_conv_state* st,
                               const tflrt_tensor* bias) {
  const int32_t bt = st->opt.bias_type;
  if (bt != TFLRT_FLOAT32 && bt != TFLRT_INT32 && bt != TFLRT_INT64)
    return tflrt_op_error(ctx, "quantized_bias_type must be INT32 or INT64, got %s",
                          tflrt_type_name(bt));
  if (bt != TFLRT_FLOAT32 && bias != NULL && bias->type != bt)
    return tflrt_op_error(ctx, "bias tensor %d ('%s') of type %s differs from quantized_bias_type %s",
                          (int)bias->index, bias->name, tflrt_type_name(bias->type),
                          tflrt_type_name(bt));
  return TFLRT_OK;
}

/* ---- quantization ---- */

/* A quantized activation tensor must carry a usable per-tensor scale. */
static int check_activation_quant(tflrt_ctx* ctx, const tflrt_tensor* t, const char* what) {
  if (t->nq < 1)
    return tflrt_op_error(ctx, "%s tensor %d ('%s') of type %s has no quantization parameters", what,
                          (int)t->index, t->name, tflrt_type_name(t->type));
  if (!(t->scale > 0.0f) || !isfinite(t->scale))
    return tflrt_op_error(ctx, "%s tensor %d ('%s') has an invalid scale %g", what, (int)t->index,
                          t->name, (double)t->scale);
  return TFLRT_OK;
}

/* Filter quantization: per-tensor (1 scale) or, when allowed, one scale per output channel
 * (along rules->filter_qdim when that is checked). Scales must be positive and finite; zero
 * points must be 0 unless allow_zp. */
static int check_filter_quant(tflrt_ctx* ctx, const tflrt_conv_rules* rules,
                              const tflrt_tensor* f, int32_t n_channels, int allow_per_channel,
                              int allow_zp) {
  if (f->nq < 1)
    return tflrt_op_error(ctx, "filter tensor %d ('%s') of type %s has no quantization parameters",
                          (int)f->index, f->name, tflrt_type_name(f->type));
  if (f->nq != 1) {
    if (!allow_per_channel)
      return tflrt_op_error(ctx, "filter tensor %d ('%s') has %d scales; only per-tensor "
                            "quantization is supported for this type", (int)f->index, f->name,
                            (int)f->nq);
    if (f->nq != n_channels || (rules->filter_qdim >= 0 && f->qdim != rules->filter_qdim)) {
      char along[32] = "";
      if (rules->filter_qdim >= 0)
        snprintf(along, sizeof along, " along dimension %d", (int)rules->filter_qdim);
      return tflrt_op_error(ctx, "filter tensor %d ('%s') has %d scales along dimension %d; "
                            "expected 1, or %d (one per output channel)%s", (int)f->index, f->name,
                            (int)f->nq, (int)f->qdim, (int)n_channels, along);
    }
  }
  for (int32_t i = 0; i < f->nq; i++) {
    if (!(f->scales[i] > 0.0f) || !isfinite(f->scales[i]))
      return tflrt_op_error(ctx, "filter tensor %d ('%s') has an invalid scale %g at index %d",
                            (int)f->index, f->name, (double)f->scales[i], (int)i);
    if (!allow_zp && f->zero_points[i] != 0)
      return tflrt_op_error(ctx, "filter tensor %d ('%s') has zero point %lld at index %d; "
                            "int8 filters must be symmetric (zero point 0)", (int)f->index,
                            f->name, (long long)f->zero_points[i], (int)i);
  }
  return TFLRT_OK;
}

/* Unpacks a constant int4 filter (two values per byte, low nibble first, sign-extended). */
static const int8_t* unpack_int4(tflrt_ctx* ctx, tflrt_node* node, const tflrt_tensor* f) {
  if (!tflrt_is_const(f) || f->data == NULL) {
    tflrt_op_error(ctx, "INT4 filter tensor %d ('%s') must be a constant", (int)f->index, f->name);
    return NULL;
  }
  const int64_t n = tflrt_num_elements(f);
  if ((uint64_t)f->bytes < ((uint64_t)n + 1) / 2) {
    tflrt_op_error(ctx, "INT4 filter tensor %d ('%s') has %zu bytes of data; %lld values need %lld",
                   (int)f->index, f->name, f->bytes, (long long)n, (long long)((n + 1) / 2));
    return NULL;
  }
  int8_t* dst = tflrt_persistent_alloc(ctx, node, n > 0 ? (size_t)n : 1);
  if (dst == NULL) return NULL;
  const uint8_t* src = f->data;
  for (int64_t i = 0; i < n; i++) {
    const uint8_t byte = src[i / 2];
    const int32_t nib = (i % 2 == 0) ? (byte & 0x0F) : (byte >> 4);
    dst[i] = (int8_t)(nib >= 8 ? nib - 16 : nib);
  }
  return dst;
}

/* Integer requantization: multipliers per output channel, activation clamp, offsets. */
static int quant_params(tflrt_ctx* ctx, tflrt_node* node, const tflrt_conv_rules* rules,
                        tflrt_conv_state* st, const tflrt_conv_io* io) {
  tflrt_conv_params* p = &st->p;
  const tflrt_tensor *in = io->in, *filter = io->filter, *bias = io->bias, *out = io->out;
  int r;
  if ((r = check_activation_quant(ctx, in, "input")) != TFLRT_OK) return r;
  if ((r = check_activation_quant(ctx, out, "output")) != TFLRT_OK) return r;
  const int legacy_u8 = st->kind == TFLRT_CONV_QU8;
  const int filter_zp = legacy_u8 || !rules->int8_filter_zp_0; /* a filter zero point is allowed */
  if ((r = check_filter_quant(ctx, rules, filter, p->out_c, !legacy_u8, filter_zp)) != TFLRT_OK)
    return r;
  if (st->kind == TFLRT_CONV_QS16 || st->kind == TFLRT_CONV_QS16_ACC32) {
    if (in->zero_point != 0 || out->zero_point != 0)
      return tflrt_op_error(ctx, "int16 input and output must have zero point 0 (got %d and %d)",
                            (int)in->zero_point, (int)out->zero_point);
  }
  int32_t* mult = tflrt_persistent_alloc(ctx, node, 2 * sizeof(int32_t) * (size_t)p->out_c);
  if (mult == NULL) return TFLRT_ERR_NOMEM;
  int32_t* shift = mult + p->out_c;
  int max_shift;
  if (legacy_u8) {
    /* TFLite's legacy path (all three ops): the bias scale must match input_scale *
     * filter_scale within 2% of an output step, and the product of the two scales is taken in
     * float. */
    const double product = (double)in->scale * (double)filter->scale;
    /* TFLite reads the bias's per-tensor scale, which is 0 unless it has exactly one. */
    const double bias_scale = (bias != NULL && bias->nq == 1) ? (double)bias->scale : 0.0;
    if (bias != NULL && fabs(product - bias_scale) / (double)out->scale > 0.02)
      return tflrt_op_error(ctx, "bias tensor %d ('%s') scale %g differs from input scale x filter "
                            "scale (%g) by more than 2%% of the output scale", (int)bias->index,
                            bias->name, bias_scale, product);
    const double m = (double)(in->scale * filter->scale) / (double)out->scale;
    int s = 0;
    tflrt_quantize_multiplier(m, &mult[0], &s);
    for (int32_t c = 0; c < p->out_c; c++) {
      mult[c] = mult[0];
      shift[c] = s;
    }
    max_shift = s;
    p->filter_offset = -filter->zero_point;
  } else {
    max_shift = tflrt_conv_multipliers(in->scale, filter->scales, filter->nq, out->scale,
                                       p->out_c, mult, shift);
  }
  const int limit = st->kind == TFLRT_CONV_QS16 ? 14 : 30; /* 64-bit MBQM needs 15 - shift >= 1 */
  if (max_shift > limit)
    return tflrt_op_error(ctx, "effective output multiplier input_scale * filter_scale / "
                          "output_scale is too large (2^%d); at most 2^%d is supported",
                          max_shift, limit);
  int32_t qmin, qmax, fmin, fmax;
  tflrt_type_range(out->type, &qmin, &qmax);
  if (in->zero_point < qmin || in->zero_point > qmax || out->zero_point < qmin ||
      out->zero_point > qmax)
    return tflrt_op_error(ctx, "input/output zero points (%d, %d) are outside the range of %s",
                          (int)in->zero_point, (int)out->zero_point, tflrt_type_name(out->type));
  if (filter_zp && tflrt_type_range(filter->type, &fmin, &fmax) &&
      (filter->zero_point < fmin || filter->zero_point > fmax))
    return tflrt_op_error(ctx, "filter tensor %d ('%s') has zero point %d, outside the range of %s",
                          (int)filter->index, filter->name, (int)filter->zero_point,
                          tflrt_type_name(filter->type));
  tflrt_act_range_quant(st->opt.activation, out->scale, out->zero_point, qmin, qmax, &p->q_min,
                        &p->q_max);
  p->out_mult = mult;
  p->out_shift = shift;
  p->input_offset = -in->zero_point;
  p->output_offset = out->zero_point;
  return TFLRT_OK;
}

/* Hybrid: filter scales per output channel and the scratch block
 * [quantized input (int8) | batch scales (float) | batch zero points (int32)]. */
static int hybrid_params(tflrt_ctx* ctx, tflrt_node* node, const tflrt_conv_rules* rules,
                         tflrt_conv_state* st, const tflrt_conv_io* io) {
  tflrt_conv_params* p = &st->p;
  const tflrt_tensor* filter = io->filter;
  int r = check_filter_quant(ctx, rules, filter, p->out_c, 1, 1);
  if (r != TFLRT_OK) return r;
  float* fs = tflrt_persistent_alloc(ctx, node, sizeof(float) * (size_t)p->out_c);
  if (fs == NULL) return TFLRT_ERR_NOMEM;
  for (int32_t c = 0; c < p->out_c; c++) fs[c] = filter->scales[filter->nq == 1 ? 0 : c];
  p->filter_scale = fs;
  st->hybrid_filter_scale = filter->scales[0];
  const size_t n_in = (size_t)tflrt_num_elements(io->in);
  const size_t nb = (size_t)(p->batches > 0 ? p->batches : 1);
  st->scale_offset = (n_in + 63) / 64 * 64;
  st->zp_offset = st->scale_offset + (nb * sizeof(float) + 63) / 64 * 64;
  return tflrt_request_scratch(ctx, node, st->zp_offset + nb * sizeof(int32_t), &st->scratch);
}

int tflrt_conv_prepare_params(tflrt_ctx* ctx, tflrt_node* node, const tflrt_conv_rules* rules,
                              tflrt_conv_state* st, const tflrt_conv_io* io, int check_rows) {
  tflrt_conv_params* p = &st->p;
  int r;
  if (io->filter->type == TFLRT_INT4) {
    st->unpacked_filter = unpack_int4(ctx, node, io->filter);
    if (st->unpacked_filter == NULL) return TFLRT_ERR_RUNTIME;
  }
  if (st->kind == TFLRT_CONV_F32 || st->kind == TFLRT_CONV_HYBRID) {
    tflrt_act_range_f32(st->opt.activation, &p->f32_min, &p->f32_max);
    if (st->kind == TFLRT_CONV_HYBRID && (r = hybrid_params(ctx, node, rules, st, io)) != TFLRT_OK)
      return r;
  } else if ((r = quant_params(ctx, node, rules, st, io)) != TFLRT_OK) {
    return r;
  }
  if (check_rows && (int64_t)p->batches * (int64_t)p->out_h > INT32_MAX) /* int32 row ranges */
    return tflrt_op_error(ctx, "batch (%d) x output height (%d) is too large", (int)p->batches,
                          (int)p->out_h);
  return TFLRT_OK;
}

/* ---- weight packing ---- */

int tflrt_conv_pack(tflrt_ctx* ctx, tflrt_node* node, tflrt_conv_state* st,
                    const tflrt_conv_io* io, const tflrt_conv_packers* pk) {
  const tflrt_tensor *filter = io->filter, *bias = io->bias;
  const int f32 = st->kind == TFLRT_CONV_F32 && pk->f32_pack != NULL;
  const int qs8 = st->kind == TFLRT_CONV_QS8 && pk->qs8_pack != NULL;
  const int qs16 = st->kind == TFLRT_CONV_QS16 && pk->qs16_pack != NULL;
  if (!(f32 || qs8 || qs16) || !tflrt_is_const(filter) || filter->data == NULL ||
      (bias != NULL && (!tflrt_is_const(bias) || bias->data == NULL)))
    return TFLRT_OK;
  const size_t bytes = f32 ? pk->f32_packed_size(&st->p)
                           : qs8 ? pk->qs8_packed_size(&st->p) : pk->qs16_packed_size(&st->p);
  if (bytes == 0) return TFLRT_OK; /* the kernel does not pack these parameters */
  void* packed = tflrt_persistent_alloc(ctx, node, bytes);
  if (packed == NULL) return TFLRT_ERR_NOMEM;
  const void* b = bias ? bias->data : NULL;
  /* int4 filters pack their unpacked copy */
  const int8_t* f8 = st->unpacked_filter ? st->unpacked_filter : filter->data;
  if (f32) pk->f32_pack(&st->p, filter->data, b, packed);
  else if (qs8) pk->qs8_pack(&st->p, f8, b, packed);
  else pk->qs16_pack(&st->p, f8, b, packed);
  st->packed = packed;
  return TFLRT_OK;
}

/* ---- eval ---- */

typedef struct {
  const tflrt_conv_state* st;
  const tflrt_conv_fns* f;
  const void* in;
  const void* filter;
  const void* bias;
  void* out;
  const float* batch_scale;
  const int32_t* batch_zp;
} conv_job;

static void conv_rows(void* arg, int32_t begin, int32_t end) {
  const conv_job* j = arg;
  const tflrt_conv_params* p = &j->st->p;
  const tflrt_conv_fns* f = j->f;
/* the kind's kernel over packed weights when prepare packed them, else its plain one */
#define PACKED_OR_PLAIN(q)                                         \
  if (j->st->packed != NULL)                                       \
    f->q##_packed(p, j->in, j->st->packed, j->out, begin, end);    \
  else                                                             \
    f->q(p, j->in, j->filter, j->bias, j->out, begin, end)
  switch (j->st->kind) {
    case TFLRT_CONV_F32: PACKED_OR_PLAIN(f32); break;
    case TFLRT_CONV_QS8: PACKED_OR_PLAIN(qs8); break;
    case TFLRT_CONV_QU8: f->qu8(p, j->in, j->filter, j->bias, j->out, begin, end); break;
    case TFLRT_CONV_QS16: PACKED_OR_PLAIN(qs16); break;
    case TFLRT_CONV_QS16_ACC32:
      f->qs16_acc32(p, j->in, j->filter, j->bias, j->out, begin, end);
      break;
    case TFLRT_CONV_HYBRID:
      f->qd8_f32(p, j->in, j->batch_scale, j->batch_zp, j->filter, j->bias, j->out, begin, end);
      break;
  }
#undef PACKED_OR_PLAIN
}

/* Hybrid input quantization, one batch per range index. */
typedef struct {
  const tflrt_conv_state* st;
  const tflrt_conv_kernels* k;
  const float* in;
  int8_t* q;
  float* scale;
  int32_t* zp;
  size_t per_batch;
} quantize_job;

static void quantize_batches(void* arg, int32_t begin, int32_t end) {
  const quantize_job* j = arg;
  for (int32_t b = begin; b < end; b++) {
    const size_t off = (size_t)b * j->per_batch;
    if (j->st->hybrid_symmetric) {
      j->k->f32_to_qd8_sym(j->in + off, j->per_batch, j->q + off, &j->scale[b]);
      j->scale[b] *= j->st->hybrid_filter_scale;
      j->zp[b] = 0;
    } else {
      j->k->f32_to_qd8_asym(j->in + off, j->per_batch, j->q + off, &j->scale[b], &j->zp[b]);
    }
  }
}

tflrt_conv_io tflrt_conv_tensors(tflrt_ctx* ctx, const tflrt_node* node,
                                 const tflrt_conv_rules* rules) {
  const tflrt_conv_io io = {tflrt_in(ctx, node, rules->io[0]), tflrt_in(ctx, node, rules->io[1]),
                            tflrt_in(ctx, node, rules->io[2]), tflrt_out(ctx, node, 0)};
  return io;
}

int tflrt_conv_run(tflrt_ctx* ctx, tflrt_node* node, const tflrt_conv_rules* rules,
                   const tflrt_conv_state* st, const tflrt_conv_fns* fns) {
  const tflrt_conv_io io = tflrt_conv_tensors(ctx, node, rules);
  const int32_t rows = st->p.batches * st->p.out_h;
  if (tflrt_num_elements(io.out) == 0 || rows == 0) return TFLRT_OK;
  conv_job job = {st, fns, io.in->data,
                  st->unpacked_filter ? (const void*)st->unpacked_filter : io.filter->data,
                  io.bias ? io.bias->data : NULL, io.out->data, NULL, NULL};
  if (st->kind == TFLRT_CONV_HYBRID) {
    uint8_t* s = node->scratch[st->scratch];
    quantize_job qj = {st, &ctx->k->conv, io.in->data, (int8_t*)s,
                       (float*)(void*)(s + st->scale_offset), (int32_t*)(void*)(s + st->zp_offset),
                       (size_t)tflrt_num_elements(io.in) / (size_t)st->p.batches};
    tflrt_parallel_for(ctx, st->p.batches, quantize_batches, &qj);
    job.in = qj.q;
    job.batch_scale = qj.scale;
    job.batch_zp = qj.zp;
  }
  tflrt_parallel_for(ctx, rows, conv_rows, &job);
  return TFLRT_OK;
}
