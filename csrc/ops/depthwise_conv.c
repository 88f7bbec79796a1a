/* DEPTHWISE_CONV_2D (versions 1-7): float32, int8 (per-tensor and per-channel filters, int4-packed
 * filters), int16 activations with int8 filters and int64 bias, legacy uint8, and the hybrid
 * path (float32 activations, int8 filter, input quantized asymmetrically per batch at run time).
 *
 * Inputs: 0 input [N, H, W, C_in], 1 filter [1, KH, KW, C_out], 2 optional bias [C_out], with
 * C_out = C_in * depth_multiplier. Output [N, OH, OW, C_out]. Options (DepthwiseConv2DOptions):
 * padding, stride_w, stride_h, depth_multiplier, fused_activation_function, dilation_w_factor,
 * dilation_h_factor. As in current TFLite, the depth multiplier is taken from the shapes
 * (C_out / C_in); the option is redundant and not used.
 *
 * Semantics follow TFLite's depthwise_conv.cc with its reference kernels. Per-channel filter
 * scales run along dimension 3. */
#include <math.h>
#include <string.h>

#include "../quant/quant.h"
#include "op.h"
#include "padding.h"

enum { DW_OPTIONS_TYPE = 2 }; /* BuiltinOptions union: DepthwiseConv2DOptions */

/* DepthwiseConv2DOptions field slots. */
enum {
  DW_OPT_PADDING = 0,
  DW_OPT_STRIDE_W = 1,
  DW_OPT_STRIDE_H = 2,
  DW_OPT_DEPTH_MULTIPLIER = 3,
  DW_OPT_ACTIVATION = 4,
  DW_OPT_DILATION_W = 5,
  DW_OPT_DILATION_H = 6
};

typedef enum { DW_F32, DW_QS8, DW_QU8, DW_QS16, DW_HYBRID } dw_kind;

typedef struct {
  /* options */
  int32_t padding, stride_w, stride_h, activation, dilation_w, dilation_h;
  /* prepared */
  dw_kind kind;
  tflrt_conv_params p;
  const int8_t* unpacked_filter; /* int4 filters, unpacked to int8 in prepare; else NULL */
  int32_t scratch;               /* hybrid: [quantized input | batch scales | batch zero points] */
  size_t scale_offset, zp_offset;
  const void* qs8_packed;        /* int8: weights packed by the kernel table's qs8 pack slot */
} dw_data;

static int dw_parse(tflrt_ctx* ctx, tflrt_node* node) {
  dw_data* d = node->data;
  const fb_table empty = {0}; /* absent options (or another options type) read as defaults */
  const fb_table* o =
      node->options != NULL && node->options_type == DW_OPTIONS_TYPE ? node->options : &empty;
  int8_t padding = 0, act = 0;
  int32_t depth_multiplier = 0;
  int ok = fb_i8(o, DW_OPT_PADDING, 0, &padding) == 0 &&
           fb_i32(o, DW_OPT_STRIDE_W, 0, &d->stride_w) == 0 &&
           fb_i32(o, DW_OPT_STRIDE_H, 0, &d->stride_h) == 0 &&
           fb_i32(o, DW_OPT_DEPTH_MULTIPLIER, 0, &depth_multiplier) == 0 &&
           fb_i8(o, DW_OPT_ACTIVATION, 0, &act) == 0 &&
           fb_i32(o, DW_OPT_DILATION_W, 1, &d->dilation_w) == 0 &&
           fb_i32(o, DW_OPT_DILATION_H, 1, &d->dilation_h) == 0;
  if (!ok) return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed DepthwiseConv2DOptions");
  d->padding = padding;
  d->activation = act;
  return TFLRT_OK;
}

static int dw_check_activation_quant(tflrt_ctx* ctx, const tflrt_tensor* t, const char* what) {
  if (t->nq < 1)
    return tflrt_op_error(ctx, "%s tensor %d ('%s') of type %s has no quantization parameters", what,
                          (int)t->index, t->name, tflrt_type_name(t->type));
  if (!(t->scale > 0.0f) || !isfinite(t->scale))
    return tflrt_op_error(ctx, "%s tensor %d ('%s') has an invalid scale %g", what, (int)t->index,
                          t->name, (double)t->scale);
  return TFLRT_OK;
}

/* Filter scales: 1, or one per output channel along dimension 3 (for a [1, KH, KW, C] filter
 * TFLite also accepts a single scale declared along dimension 0). */
static int dw_check_filter_quant(tflrt_ctx* ctx, const tflrt_tensor* f, int32_t out_c,
                                 int allow_per_channel, int allow_zp) {
  if (f->nq < 1)
    return tflrt_op_error(ctx, "filter tensor %d ('%s') of type %s has no quantization parameters",
                          (int)f->index, f->name, tflrt_type_name(f->type));
  if (f->nq != 1) {
    if (!allow_per_channel)
      return tflrt_op_error(ctx, "filter tensor %d ('%s') has %d scales; only per-tensor "
                            "quantization is supported for this type", (int)f->index, f->name,
                            (int)f->nq);
    if (f->nq != out_c || f->qdim != 3)
      return tflrt_op_error(ctx, "filter tensor %d ('%s') has %d scales along dimension %d; "
                            "expected 1, or %d (one per output channel) along dimension 3",
                            (int)f->index, f->name, (int)f->nq, (int)f->qdim, (int)out_c);
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
static const int8_t* dw_unpack_int4(tflrt_ctx* ctx, tflrt_node* node, const tflrt_tensor* f) {
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

static int dw_quant_params(tflrt_ctx* ctx, tflrt_node* node, dw_data* d, const tflrt_tensor* in,
                           const tflrt_tensor* filter, const tflrt_tensor* bias,
                           const tflrt_tensor* out) {
  tflrt_conv_params* p = &d->p;
  int r;
  if ((r = dw_check_activation_quant(ctx, in, "input")) != TFLRT_OK) return r;
  if ((r = dw_check_activation_quant(ctx, out, "output")) != TFLRT_OK) return r;
  const int legacy_u8 = d->kind == DW_QU8;
  if ((r = dw_check_filter_quant(ctx, filter, p->out_c, !legacy_u8, legacy_u8)) != TFLRT_OK)
    return r;
  if (d->kind == DW_QS16 && (in->zero_point != 0 || out->zero_point != 0))
    return tflrt_op_error(ctx, "int16 input and output must have zero point 0 (got %d and %d)",
                          (int)in->zero_point, (int)out->zero_point);
  int32_t* mult = tflrt_persistent_alloc(ctx, node, 2 * sizeof(int32_t) * (size_t)p->out_c);
  if (mult == NULL) return TFLRT_ERR_NOMEM;
  int32_t* shift = mult + p->out_c;
  int max_shift;
  if (legacy_u8) {
    /* TFLite's legacy path: bias scale within 2% of an output step of input x filter scale;
     * the product of the two scales is taken in float. */
    const double product = (double)in->scale * (double)filter->scale;
    /* TFLite reads the bias's per-tensor scale, which is 0 unless it has exactly one. */
    const double bias_scale = (bias != NULL && bias->nq == 1) ? (double)bias->scale : 0.0;
    if (bias != NULL && fabs(product - bias_scale) / (double)out->scale > 0.02)
      return tflrt_op_error(ctx, "bias scale %g differs from input scale x filter scale (%g) by "
                            "more than 2%% of the output scale", bias_scale, product);
    const double m = (double)(in->scale * filter->scale) / (double)out->scale;
    int s = 0;
    tflrt_quantize_multiplier(m, &mult[0], &s);
    for (int32_t c = 0; c < p->out_c; c++) {
      mult[c] = mult[0];
      shift[c] = s;
    }
    max_shift = s;
    if (filter->zero_point < 0 || filter->zero_point > 255)
      return tflrt_op_error(ctx, "uint8 filter zero point %d is outside [0, 255]",
                            (int)filter->zero_point);
    p->filter_offset = -filter->zero_point;
  } else {
    max_shift = tflrt_conv_multipliers(in->scale, filter->scales, filter->nq, out->scale,
                                       p->out_c, mult, shift);
  }
  const int limit = d->kind == DW_QS16 ? 14 : 30; /* 64-bit MBQM needs 15 - shift >= 1 */
  if (max_shift > limit)
    return tflrt_op_error(ctx, "effective output multiplier input_scale * filter_scale / "
                          "output_scale is too large (2^%d); at most 2^%d is supported",
                          max_shift, limit);
  int32_t qmin, qmax;
  tflrt_type_range(out->type, &qmin, &qmax);
  if (in->zero_point < qmin || in->zero_point > qmax || out->zero_point < qmin ||
      out->zero_point > qmax)
    return tflrt_op_error(ctx, "input/output zero points (%d, %d) are outside the range of %s",
                          (int)in->zero_point, (int)out->zero_point, tflrt_type_name(out->type));
  tflrt_act_range_quant(d->activation, out->scale, out->zero_point, qmin, qmax, &p->q_min,
                        &p->q_max);
  p->out_mult = mult;
  p->out_shift = shift;
  p->input_offset = -in->zero_point;
  p->output_offset = out->zero_point;
  return TFLRT_OK;
}

static int dw_hybrid_params(tflrt_ctx* ctx, tflrt_node* node, dw_data* d, const tflrt_tensor* in,
                            const tflrt_tensor* filter) {
  tflrt_conv_params* p = &d->p;
  int r = dw_check_filter_quant(ctx, filter, p->out_c, 1, 1);
  if (r != TFLRT_OK) return r;
  float* fs = tflrt_persistent_alloc(ctx, node, sizeof(float) * (size_t)p->out_c);
  if (fs == NULL) return TFLRT_ERR_NOMEM;
  for (int32_t c = 0; c < p->out_c; c++) fs[c] = filter->scales[filter->nq == 1 ? 0 : c];
  p->filter_scale = fs;
  p->hybrid_mode = TFLRT_HYBRID_DEPTHWISE;
  const size_t n_in = (size_t)tflrt_num_elements(in);
  const size_t nb = (size_t)(p->batches > 0 ? p->batches : 1);
  d->scale_offset = (n_in + 63) / 64 * 64;
  d->zp_offset = d->scale_offset + (nb * sizeof(float) + 63) / 64 * 64;
  return tflrt_request_scratch(ctx, node, d->zp_offset + nb * sizeof(int32_t), &d->scratch);
}

static int dw_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  dw_data* d = node->data;
  tflrt_conv_params* p = &d->p;
  memset(p, 0, sizeof(*p));
  d->unpacked_filter = NULL;
  d->qs8_packed = NULL;
  if (node->n_inputs < 2 || node->n_inputs > 3)
    return tflrt_op_error(ctx, "expects 2 or 3 inputs (input, filter, optional bias), got %d",
                          (int)node->n_inputs);
  if (node->n_outputs != 1)
    return tflrt_op_error(ctx, "expects 1 output, got %d", (int)node->n_outputs);
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* filter = tflrt_in(ctx, node, 1);
  const tflrt_tensor* bias = tflrt_in(ctx, node, 2);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (in == NULL || filter == NULL || out == NULL)
    return tflrt_op_error(ctx, "the input and filter tensors are required");
  if (in->ndims != 4)
    return tflrt_op_error(ctx, "input must be 4-D [batch, height, width, channels], got rank %d",
                          (int)in->ndims);
  if (filter->ndims != 4)
    return tflrt_op_error(ctx, "filter must be 4-D [1, height, width, out_channels], got rank %d",
                          (int)filter->ndims);
  p->batches = in->dims[0];
  p->in_h = in->dims[1];
  p->in_w = in->dims[2];
  p->in_c = in->dims[3];
  p->filter_h = filter->dims[1];
  p->filter_w = filter->dims[2];
  p->out_c = filter->dims[3];
  p->filter_c = 1;
  if (p->in_h <= 0 || p->in_w <= 0 || p->in_c <= 0)
    return tflrt_op_error(ctx, "input height, width and channels must be positive (got %dx%dx%d)",
                          (int)p->in_h, (int)p->in_w, (int)p->in_c);
  if (filter->dims[0] != 1)
    return tflrt_op_error(ctx, "filter dimension 0 must be 1 (filter shape [1, H, W, C]), got %d",
                          (int)filter->dims[0]);
  if (p->filter_h <= 0 || p->filter_w <= 0 || p->out_c <= 0)
    return tflrt_op_error(ctx, "filter height, width and channels must be positive (got %dx%dx%d)",
                          (int)p->filter_h, (int)p->filter_w, (int)p->out_c);
  if (p->out_c % p->in_c != 0)
    return tflrt_op_error(ctx, "filter channels (%d) must be a multiple of the input channels (%d)",
                          (int)p->out_c, (int)p->in_c);
  p->depth_multiplier = p->out_c / p->in_c;
  if (d->activation < TFLRT_ACT_NONE || d->activation > TFLRT_ACT_SIGN_BIT)
    return tflrt_op_error(ctx, "unknown fused activation function %d", (int)d->activation);
  int r = tflrt_window_2d(ctx, d->padding, p->in_h, p->in_w, p->filter_h, p->filter_w, d->stride_h,
                          d->stride_w, d->dilation_h, d->dilation_w, &p->out_h, &p->out_w,
                          &p->pad_h, &p->pad_w);
  if (r != TFLRT_OK) return r;
  p->stride_h = d->stride_h;
  p->stride_w = d->stride_w;
  p->dilation_h = d->dilation_h;
  p->dilation_w = d->dilation_w;

  const int32_t it = in->type, ft = filter->type;
  if (out->type != it)
    return tflrt_op_error(ctx, "output type %s differs from input type %s",
                          tflrt_type_name(out->type), tflrt_type_name(it));
  const int filter_i8 = ft == TFLRT_INT8 || ft == TFLRT_INT4;
  if (it == TFLRT_FLOAT32 && ft == TFLRT_FLOAT32) d->kind = DW_F32;
  else if (it == TFLRT_FLOAT32 && ft == TFLRT_INT8) d->kind = DW_HYBRID;
  else if (it == TFLRT_INT8 && filter_i8) d->kind = DW_QS8;
  else if (it == TFLRT_UINT8 && ft == TFLRT_UINT8) d->kind = DW_QU8;
  else if (it == TFLRT_INT16 && ft == TFLRT_INT8) d->kind = DW_QS16;
  else
    return tflrt_op_error(ctx, "unsupported input/filter types %s/%s (supported: FLOAT32/FLOAT32, "
                          "FLOAT32/INT8 (hybrid), INT8/INT8, INT8/INT4, INT16/INT8, UINT8/UINT8)",
                          tflrt_type_name(it), tflrt_type_name(ft));
  if (bias != NULL) {
    int32_t want = TFLRT_FLOAT32;
    if (d->kind == DW_QS8 || d->kind == DW_QU8) want = TFLRT_INT32;
    if (d->kind == DW_QS16) want = TFLRT_INT64;
    if (bias->type != want)
      return tflrt_op_error(ctx, "bias type %s does not match: expected %s",
                            tflrt_type_name(bias->type), tflrt_type_name(want));
    if (bias->ndims != 1 || bias->dims[0] != p->out_c)
      return tflrt_op_error(ctx, "bias must be 1-D with %d elements (one per output channel)",
                            (int)p->out_c);
    if (want != TFLRT_FLOAT32 && bias->nq == 1 && bias->zero_point != 0)
      return tflrt_op_error(ctx, "bias zero point must be 0, got %d", (int)bias->zero_point);
  }
  if (ft == TFLRT_INT4) {
    d->unpacked_filter = dw_unpack_int4(ctx, node, filter);
    if (d->unpacked_filter == NULL) return TFLRT_ERR_RUNTIME;
  }
  if (d->kind == DW_F32 || d->kind == DW_HYBRID) {
    tflrt_act_range_f32(d->activation, &p->f32_min, &p->f32_max);
    if (d->kind == DW_HYBRID && (r = dw_hybrid_params(ctx, node, d, in, filter)) != TFLRT_OK)
      return r;
  } else if ((r = dw_quant_params(ctx, node, d, in, filter, bias, out)) != TFLRT_OK) {
    return r;
  }
  if ((int64_t)p->batches * (int64_t)p->out_h > INT32_MAX) /* rows are split as int32 ranges */
    return tflrt_op_error(ctx, "batch (%d) x output height (%d) is too large", (int)p->batches,
                          (int)p->out_h);
  /* int8: let the kernel table pack constant weights once (kernels/conv.h). */
  const tflrt_conv_kernels* ck = &ctx->k->conv;
  if (d->kind == DW_QS8 && ck->qs8_dwconv2d_pack != NULL && tflrt_is_const(filter) &&
      filter->data != NULL && (bias == NULL || (tflrt_is_const(bias) && bias->data != NULL))) {
    const size_t bytes = ck->qs8_dwconv2d_packed_size(p);
    if (bytes > 0) {
      void* packed = tflrt_persistent_alloc(ctx, node, bytes);
      if (packed == NULL) return TFLRT_ERR_NOMEM;
      ck->qs8_dwconv2d_pack(p, d->unpacked_filter ? d->unpacked_filter : (const int8_t*)filter->data,
                            bias ? bias->data : NULL, packed);
      d->qs8_packed = packed;
    }
  }
  const int32_t out_dims[4] = {p->batches, p->out_h, p->out_w, p->out_c};
  return tflrt_set_output_shape(ctx, out, 4, out_dims);
}

typedef struct {
  const dw_data* d;
  const tflrt_conv_kernels* k;
  const void* in;
  const void* filter;
  const void* bias;
  void* out;
  const float* batch_scale;
  const int32_t* batch_zp;
} dw_job;

static void dw_rows(void* arg, int32_t begin, int32_t end) {
  const dw_job* j = arg;
  const tflrt_conv_params* p = &j->d->p;
  switch (j->d->kind) {
    case DW_F32: j->k->f32_dwconv2d(p, j->in, j->filter, j->bias, j->out, begin, end); break;
    case DW_QS8:
      if (j->d->qs8_packed != NULL)
        j->k->qs8_dwconv2d_packed(p, j->in, j->d->qs8_packed, j->out, begin, end);
      else
        j->k->qs8_dwconv2d(p, j->in, j->filter, j->bias, j->out, begin, end);
      break;
    case DW_QU8: j->k->qu8_dwconv2d(p, j->in, j->filter, j->bias, j->out, begin, end); break;
    case DW_QS16: j->k->qs16_dwconv2d(p, j->in, j->filter, j->bias, j->out, begin, end); break;
    case DW_HYBRID:
      j->k->qd8_f32_dwconv2d(p, j->in, j->batch_scale, j->batch_zp, j->filter, j->bias, j->out,
                             begin, end);
      break;
  }
}

typedef struct {
  const tflrt_conv_kernels* k;
  const float* in;
  int8_t* q;
  float* scale;
  int32_t* zp;
  size_t per_batch;
} dw_quantize_job;

static void dw_quantize_batches(void* arg, int32_t begin, int32_t end) {
  const dw_quantize_job* j = arg;
  for (int32_t b = begin; b < end; b++) {
    const size_t off = (size_t)b * j->per_batch;
    j->k->f32_to_qd8_asym(j->in + off, j->per_batch, j->q + off, &j->scale[b], &j->zp[b]);
  }
}

static int dw_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const dw_data* d = node->data;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* filter = tflrt_in(ctx, node, 1);
  const tflrt_tensor* bias = tflrt_in(ctx, node, 2);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  const int32_t rows = d->p.batches * d->p.out_h;
  if (tflrt_num_elements(out) == 0 || rows == 0) return TFLRT_OK;
  dw_job job = {d, &ctx->k->conv, in->data,
                d->unpacked_filter ? (const void*)d->unpacked_filter : filter->data,
                bias ? bias->data : NULL, out->data, NULL, NULL};
  if (d->kind == DW_HYBRID) {
    uint8_t* s = node->scratch[d->scratch];
    dw_quantize_job qj = {&ctx->k->conv, in->data, (int8_t*)s,
                          (float*)(void*)(s + d->scale_offset),
                          (int32_t*)(void*)(s + d->zp_offset),
                          (size_t)tflrt_num_elements(in) / (size_t)d->p.batches};
    tflrt_parallel_for(ctx, d->p.batches, dw_quantize_batches, &qj);
    job.in = qj.q;
    job.batch_scale = qj.scale;
    job.batch_zp = qj.zp;
  }
  tflrt_parallel_for(ctx, rows, dw_rows, &job);
  return TFLRT_OK;
}

const tflrt_op tflrt_op_depthwise_conv_2d = {
    .name = "DEPTHWISE_CONV_2D",
    .builtin_code = 4,
    .min_version = 1,
    .max_version = 7,
    .data_size = sizeof(dw_data),
    .parse = dw_parse,
    .prepare = dw_prepare,
    .eval = dw_eval,
};
