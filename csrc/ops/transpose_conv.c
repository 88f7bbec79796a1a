/* TRANSPOSE_CONV (versions 1-5): float32, int8 (per-tensor or per-channel filter), legacy uint8,
 * int16 activations with int8 filters (int64 or int32 bias/accumulator), and the hybrid path
 * (float32 activations, int8 filter; the input is quantized asymmetrically per batch at run
 * time, as TFLite's reference kernel does).
 *
 * Inputs: 0 output_shape (int32 [4]), 1 filter [C_out, KH, KW, C_in] (OHWI), 2 input
 * [N, H, W, C_in], 3 optional bias [C_out] (absent or index -1 when the node has 3 inputs).
 * Output [N, OH, OW, C_out] as given by output_shape; a non-constant output_shape makes it
 * dynamic. Options (TransposeConvOptions): padding, stride_w, stride_h,
 * fused_activation_function (version 4+), quantized_bias_type (version 5).
 *
 * The input height/width must equal those of the forward convolution over the output
 * (TFLite's check); padding is that convolution's. Kernels gather instead of scatter, in the
 * same summation order as TFLite's reference (see kernels/transpose_conv.h), so no int32
 * scratch the size of the output is needed. */
#include <math.h>
#include <string.h>

#include "../quant/quant.h"
#include "op.h"
#include "padding.h"

enum { TCONV_OPTIONS_TYPE = 49 }; /* BuiltinOptions union: TransposeConvOptions */
enum {
  TCONV_OPT_PADDING = 0,
  TCONV_OPT_STRIDE_W = 1,
  TCONV_OPT_STRIDE_H = 2,
  TCONV_OPT_ACTIVATION = 3,
  TCONV_OPT_QUANTIZED_BIAS_TYPE = 4
};

typedef enum { TC_F32, TC_QS8, TC_QU8, TC_QS16, TC_QS16_ACC32, TC_HYBRID } tconv_kind;

typedef struct {
  int32_t padding, stride_w, stride_h, activation, bias_type;
  tconv_kind kind;
  int shape_const;
  tflrt_conv_params p;
  int32_t scratch; /* hybrid: [quantized input | batch scales | batch zero points] */
  size_t scale_offset, zp_offset;
} tconv_data;

static int tconv_parse(tflrt_ctx* ctx, tflrt_node* node) {
  tconv_data* d = node->data;
  const fb_table empty = {0};
  const fb_table* o =
      node->options != NULL && node->options_type == TCONV_OPTIONS_TYPE ? node->options : &empty;
  int8_t padding = 0, act = 0, bias_type = 0;
  if (fb_i8(o, TCONV_OPT_PADDING, 0, &padding) != 0 ||
      fb_i32(o, TCONV_OPT_STRIDE_W, 0, &d->stride_w) != 0 ||
      fb_i32(o, TCONV_OPT_STRIDE_H, 0, &d->stride_h) != 0 ||
      fb_i8(o, TCONV_OPT_ACTIVATION, 0, &act) != 0 ||
      fb_i8(o, TCONV_OPT_QUANTIZED_BIAS_TYPE, 0, &bias_type) != 0)
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed TransposeConvOptions");
  d->padding = padding;
  d->activation = act;
  d->bias_type = bias_type;
  return TFLRT_OK;
}

static int check_scale(tflrt_ctx* ctx, const tflrt_tensor* t, const char* what) {
  if (t->nq < 1 || !(t->scale > 0.0f) || !isfinite(t->scale))
    return tflrt_op_error(ctx, "%s tensor %d ('%s') of type %s needs a positive quantization scale",
                          what, (int)t->index, t->name, tflrt_type_name(t->type));
  return TFLRT_OK;
}

/* Filter scales: one, or one per output channel (int8 only). */
static int check_filter_scales(tflrt_ctx* ctx, const tflrt_tensor* f, int32_t out_c,
                               int allow_per_channel) {
  if (f->nq < 1)
    return tflrt_op_error(ctx, "filter tensor %d ('%s') has no quantization parameters",
                          (int)f->index, f->name);
  if (f->nq != 1 && (!allow_per_channel || f->nq != out_c))
    return tflrt_op_error(ctx, "filter tensor %d ('%s') has %d scales; expected 1%s",
                          (int)f->index, f->name, (int)f->nq,
                          allow_per_channel ? " or one per output channel" : "");
  for (int32_t i = 0; i < f->nq; i++)
    if (!(f->scales[i] > 0.0f) || !isfinite(f->scales[i]))
      return tflrt_op_error(ctx, "filter tensor %d ('%s') has an invalid scale %g",
                            (int)f->index, f->name, (double)f->scales[i]);
  return TFLRT_OK;
}

static int tconv_quant_params(tflrt_ctx* ctx, tflrt_node* node, tconv_data* d,
                              const tflrt_tensor* in, const tflrt_tensor* filter,
                              const tflrt_tensor* bias, const tflrt_tensor* out) {
  tflrt_conv_params* p = &d->p;
  int r;
  if ((r = check_scale(ctx, in, "input")) != TFLRT_OK) return r;
  if ((r = check_scale(ctx, out, "output")) != TFLRT_OK) return r;
  if ((r = check_filter_scales(ctx, filter, p->out_c, d->kind != TC_QU8)) != TFLRT_OK) return r;
  int32_t* mult = tflrt_persistent_alloc(ctx, node, 2 * sizeof(int32_t) * (size_t)p->out_c);
  if (mult == NULL) return TFLRT_ERR_NOMEM;
  int32_t* shift = mult + p->out_c;
  int max_shift;
  if (d->kind == TC_QU8) {
    /* Legacy uint8: bias scale within 2% of an output step of input_scale * filter_scale, and
     * the multiplier from the float product of the two scales (TFLite). */
    const double product = (double)in->scale * (double)filter->scale;
    if (bias != NULL && bias->nq > 0 &&
        fabs(product - (double)bias->scale) / (double)out->scale > 0.02)
      return tflrt_op_error(ctx, "bias scale %g differs from input scale x filter scale (%g) by "
                            "more than 2%% of the output scale", (double)bias->scale, product);
    int s = 0;
    tflrt_quantize_multiplier((double)(in->scale * filter->scale) / (double)out->scale, &mult[0],
                              &s);
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
  const int limit = d->kind == TC_QS16 ? 14 : 30;
  if (max_shift > limit)
    return tflrt_op_error(ctx, "effective output multiplier input_scale * filter_scale / "
                          "output_scale is too large (2^%d)", max_shift);
  int32_t qmin, qmax, fmin, fmax;
  tflrt_type_range(out->type, &qmin, &qmax);
  tflrt_type_range(filter->type, &fmin, &fmax);
  if (in->zero_point < qmin || in->zero_point > qmax || out->zero_point < qmin ||
      out->zero_point > qmax || filter->zero_point < fmin || filter->zero_point > fmax)
    return tflrt_op_error(ctx, "zero points (input %d, filter %d, output %d) are outside the "
                          "ranges of their types", (int)in->zero_point, (int)filter->zero_point,
                          (int)out->zero_point);
  tflrt_act_range_quant(d->activation, out->scale, out->zero_point, qmin, qmax, &p->q_min,
                        &p->q_max);
  p->out_mult = mult;
  p->out_shift = shift;
  p->input_offset = -in->zero_point;
  p->output_offset = out->zero_point;
  return TFLRT_OK;
}

static int tconv_hybrid_params(tflrt_ctx* ctx, tflrt_node* node, tconv_data* d,
                               const tflrt_tensor* in, const tflrt_tensor* filter) {
  tflrt_conv_params* p = &d->p;
  int r = check_filter_scales(ctx, filter, p->out_c, 1);
  if (r != TFLRT_OK) return r;
  float* fs = tflrt_persistent_alloc(ctx, node, sizeof(float) * (size_t)p->out_c);
  if (fs == NULL) return TFLRT_ERR_NOMEM;
  for (int32_t c = 0; c < p->out_c; c++) fs[c] = filter->scales[filter->nq == 1 ? 0 : c];
  p->filter_scale = fs;
  const size_t n_in = (size_t)tflrt_num_elements(in);
  const size_t nb = (size_t)(p->batches > 0 ? p->batches : 1);
  d->scale_offset = (n_in + 63) / 64 * 64;
  d->zp_offset = d->scale_offset + (nb * sizeof(float) + 63) / 64 * 64;
  return tflrt_request_scratch(ctx, node, d->zp_offset + nb * sizeof(int32_t), &d->scratch);
}

/* Output shape from the output_shape tensor, then the geometry checks that need it. */
static int tconv_setup(tflrt_ctx* ctx, tconv_data* d, const tflrt_tensor* shape,
                       const tflrt_tensor* filter, tflrt_tensor* out) {
  tflrt_conv_params* p = &d->p;
  const int64_t n = tflrt_num_elements(shape);
  if (n != 4)
    return tflrt_op_error(ctx, "output_shape must have 4 elements, got %lld", (long long)n);
  if (shape->data == NULL || shape->bytes < 4 * sizeof(int32_t))
    return tflrt_op_error(ctx, "output_shape tensor %d ('%s') has no data", (int)shape->index,
                          shape->name);
  int32_t dims[4];
  memcpy(dims, shape->data, sizeof dims);
  if (dims[0] != p->batches)
    return tflrt_op_error(ctx, "output batch %d differs from input batch %d", (int)dims[0],
                          (int)p->batches);
  if (dims[1] <= 0 || dims[2] <= 0)
    return tflrt_op_error(ctx, "output height and width must be positive (got %dx%d)",
                          (int)dims[1], (int)dims[2]);
  if (dims[3] != filter->dims[0])
    return tflrt_op_error(ctx, "output channels %d differ from the filter's %d", (int)dims[3],
                          (int)filter->dims[0]);
  int32_t in_h, in_w;
  int r = tflrt_window_2d(ctx, d->padding, dims[1], dims[2], p->filter_h, p->filter_w,
                          d->stride_h, d->stride_w, 1, 1, &in_h, &in_w, &p->pad_h, &p->pad_w);
  if (r != TFLRT_OK) return r;
  if (in_h != p->in_h || in_w != p->in_w)
    return tflrt_op_error(ctx, "input size %dx%d does not match the output size %dx%d (a "
                          "forward convolution of the output gives %dx%d)", (int)p->in_h,
                          (int)p->in_w, (int)dims[1], (int)dims[2], (int)in_h, (int)in_w);
  if ((int64_t)p->batches * dims[1] > INT32_MAX)
    return tflrt_op_error(ctx, "batches x output height is too large");
  p->out_h = dims[1];
  p->out_w = dims[2];
  return tflrt_set_output_shape(ctx, out, 4, dims);
}

static int tconv_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  tconv_data* d = node->data;
  tflrt_conv_params* p = &d->p;
  memset(p, 0, sizeof(*p));
  if (node->n_inputs < 3 || node->n_inputs > 4 || node->n_outputs != 1)
    return tflrt_op_error(ctx, "expects 3 or 4 inputs (output_shape, filter, input, optional "
                          "bias) and 1 output, got %d and %d", (int)node->n_inputs,
                          (int)node->n_outputs);
  const tflrt_tensor* shape = tflrt_in(ctx, node, 0);
  const tflrt_tensor* filter = tflrt_in(ctx, node, 1);
  const tflrt_tensor* in = tflrt_in(ctx, node, 2);
  const tflrt_tensor* bias = tflrt_in(ctx, node, 3);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (shape == NULL || filter == NULL || in == NULL || out == NULL)
    return tflrt_op_error(ctx, "the output_shape, filter and input tensors are required");
  if (shape->ndims != 1 || shape->type != TFLRT_INT32)
    return tflrt_op_error(ctx, "output_shape must be a 1-D INT32 tensor (got rank %d, %s)",
                          (int)shape->ndims, tflrt_type_name(shape->type));
  if (in->ndims != 4 || filter->ndims != 4)
    return tflrt_op_error(ctx, "input and filter must be 4-D (got ranks %d and %d)",
                          (int)in->ndims, (int)filter->ndims);
  if (d->stride_h <= 0 || d->stride_h > INT16_MAX || d->stride_w <= 0 || d->stride_w > INT16_MAX)
    return tflrt_op_error(ctx, "strides must be in [1, %d] (got %d, %d)", INT16_MAX,
                          (int)d->stride_h, (int)d->stride_w);
  if (d->activation < TFLRT_ACT_NONE || d->activation > TFLRT_ACT_RELU6)
    return tflrt_op_error(ctx, "unsupported fused activation function %d", (int)d->activation);
  p->batches = in->dims[0];
  p->in_h = in->dims[1];
  p->in_w = in->dims[2];
  p->in_c = in->dims[3];
  p->out_c = filter->dims[0];
  p->filter_h = filter->dims[1];
  p->filter_w = filter->dims[2];
  p->filter_c = filter->dims[3];
  p->stride_h = d->stride_h;
  p->stride_w = d->stride_w;
  p->dilation_h = p->dilation_w = 1;
  if (p->in_h <= 0 || p->in_w <= 0 || p->in_c <= 0)
    return tflrt_op_error(ctx, "input height, width and channels must be positive (got %dx%dx%d)",
                          (int)p->in_h, (int)p->in_w, (int)p->in_c);
  if (p->out_c <= 0 || p->filter_h <= 0 || p->filter_w <= 0)
    return tflrt_op_error(ctx, "filter dimensions must be positive (got %dx%dx%dx%d)",
                          (int)p->out_c, (int)p->filter_h, (int)p->filter_w, (int)p->filter_c);
  if (p->filter_c != p->in_c)
    return tflrt_op_error(ctx, "filter input channels %d differ from the input's %d",
                          (int)p->filter_c, (int)p->in_c);

  const int32_t it = in->type, ft = filter->type;
  if (out->type != it)
    return tflrt_op_error(ctx, "output type %s differs from input type %s",
                          tflrt_type_name(out->type), tflrt_type_name(it));
  if (it == TFLRT_FLOAT32 && ft == TFLRT_FLOAT32) d->kind = TC_F32;
  else if (it == TFLRT_FLOAT32 && ft == TFLRT_INT8) d->kind = TC_HYBRID;
  else if (it == TFLRT_INT8 && ft == TFLRT_INT8) d->kind = TC_QS8;
  else if (it == TFLRT_UINT8 && ft == TFLRT_UINT8) d->kind = TC_QU8;
  else if (it == TFLRT_INT16 && ft == TFLRT_INT8) d->kind = TC_QS16;
  else
    return tflrt_op_error(ctx, "unsupported input/filter types %s/%s (supported: FLOAT32/FLOAT32, "
                          "FLOAT32/INT8 (hybrid), INT8/INT8, UINT8/UINT8, INT16/INT8)",
                          tflrt_type_name(it), tflrt_type_name(ft));
  if (bias != NULL) {
    int32_t want = TFLRT_FLOAT32;
    if (d->kind == TC_QS8 || d->kind == TC_QU8) want = TFLRT_INT32;
    if (d->kind == TC_QS16) want = bias->type == TFLRT_INT32 ? TFLRT_INT32 : TFLRT_INT64;
    if (bias->type != want)
      return tflrt_op_error(ctx, "bias type %s does not match: expected %s",
                            tflrt_type_name(bias->type), tflrt_type_name(want));
    if (tflrt_num_elements(bias) != p->out_c)
      return tflrt_op_error(ctx, "bias has %lld elements; expected %d (one per output channel)",
                            (long long)tflrt_num_elements(bias), (int)p->out_c);
    if ((d->kind == TC_QS8 || d->kind == TC_QS16) && bias->nq > 0 && bias->zero_point != 0)
      return tflrt_op_error(ctx, "bias zero point must be 0, got %d", (int)bias->zero_point);
  }
  if (d->kind == TC_QS16) {
    if (in->zero_point != 0 || out->zero_point != 0)
      return tflrt_op_error(ctx, "int16 input and output must have zero point 0 (got %d and %d)",
                            (int)in->zero_point, (int)out->zero_point);
    /* quantized_bias_type (version 5), when set, names the bias and accumulator type. */
    if (d->bias_type != TFLRT_FLOAT32 && d->bias_type != TFLRT_INT32 &&
        d->bias_type != TFLRT_INT64)
      return tflrt_op_error(ctx, "quantized_bias_type must be INT32 or INT64, got %s",
                            tflrt_type_name(d->bias_type));
    if (d->bias_type != TFLRT_FLOAT32 && bias != NULL && bias->type != d->bias_type)
      return tflrt_op_error(ctx, "bias type %s differs from quantized_bias_type %s",
                            tflrt_type_name(bias->type), tflrt_type_name(d->bias_type));
    if (d->bias_type == TFLRT_INT32) d->kind = TC_QS16_ACC32;
    else if (d->bias_type == TFLRT_FLOAT32 && bias != NULL && bias->type == TFLRT_INT32)
      return tflrt_op_error(ctx, "an INT32 bias with INT16 input needs quantized_bias_type INT32 "
                            "(TFLite reads it as INT64 otherwise)");
  }
  int r;
  if (d->kind == TC_F32 || d->kind == TC_HYBRID) {
    tflrt_act_range_f32(d->activation, &p->f32_min, &p->f32_max);
    if (d->kind == TC_HYBRID && (r = tconv_hybrid_params(ctx, node, d, in, filter)) != TFLRT_OK)
      return r;
  } else if ((r = tconv_quant_params(ctx, node, d, in, filter, bias, out)) != TFLRT_OK) {
    return r;
  }
  d->shape_const = tflrt_is_const(shape);
  if (!d->shape_const) return tflrt_set_dynamic(ctx, out);
  return tconv_setup(ctx, d, shape, filter, out);
}

typedef struct {
  const tconv_data* d;
  const tflrt_tconv_kernels* k;
  const void* in;
  const void* filter;
  const void* bias;
  void* out;
  const float* batch_scale;
  const int32_t* batch_zp;
} tconv_job;

static void tconv_rows(void* arg, int32_t begin, int32_t end) {
  const tconv_job* j = arg;
  const tflrt_conv_params* p = &j->d->p;
  const tflrt_tconv_kernels* k = j->k;
  switch (j->d->kind) {
    case TC_F32: k->f32_tconv(p, j->in, j->filter, j->bias, j->out, begin, end); break;
    case TC_QS8: k->qs8_tconv(p, j->in, j->filter, j->bias, j->out, begin, end); break;
    case TC_QU8: k->qu8_tconv(p, j->in, j->filter, j->bias, j->out, begin, end); break;
    case TC_QS16: k->qs16_tconv(p, j->in, j->filter, j->bias, j->out, begin, end); break;
    case TC_QS16_ACC32:
      k->qs16_tconv_acc32(p, j->in, j->filter, j->bias, j->out, begin, end);
      break;
    case TC_HYBRID:
      k->qd8_f32_tconv(p, j->in, j->batch_scale, j->batch_zp, j->filter, j->bias, j->out, begin,
                       end);
      break;
  }
}

static int tconv_eval(tflrt_ctx* ctx, tflrt_node* node) {
  tconv_data* d = node->data;
  const tflrt_tensor* shape = tflrt_in(ctx, node, 0);
  const tflrt_tensor* filter = tflrt_in(ctx, node, 1);
  const tflrt_tensor* in = tflrt_in(ctx, node, 2);
  const tflrt_tensor* bias = tflrt_in(ctx, node, 3);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (!d->shape_const) {
    int r = tconv_setup(ctx, d, shape, filter, out);
    if (r != TFLRT_OK) return r;
  }
  const int32_t rows = d->p.batches * d->p.out_h;
  if (rows == 0 || tflrt_num_elements(out) == 0) return TFLRT_OK;
  tconv_job job = {d,        &ctx->k->tconv, in->data, filter->data, bias ? bias->data : NULL,
                   out->data, NULL,          NULL};
  if (d->kind == TC_HYBRID) {
    /* Asymmetric quantization of each batch (TFLite's hybrid TRANSPOSE_CONV). */
    uint8_t* s = node->scratch[d->scratch];
    int8_t* q = (int8_t*)s;
    float* scale = (float*)(void*)(s + d->scale_offset);
    int32_t* zp = (int32_t*)(void*)(s + d->zp_offset);
    const size_t per_batch = (size_t)tflrt_num_elements(in) / (size_t)d->p.batches;
    const float* x = in->data;
    for (int32_t b = 0; b < d->p.batches; b++)
      ctx->k->conv.f32_to_qd8_asym(x + (size_t)b * per_batch, per_batch,
                                   q + (size_t)b * per_batch, &scale[b], &zp[b]);
    job.in = q;
    job.batch_scale = scale;
    job.batch_zp = zp;
  }
  tflrt_parallel_for(ctx, rows, tconv_rows, &job);
  return TFLRT_OK;
}

const tflrt_op tflrt_op_transpose_conv = {
    .name = "TRANSPOSE_CONV",
    .builtin_code = 67,
    .min_version = 1,
    .max_version = 5,
    .data_size = sizeof(tconv_data),
    .parse = tconv_parse,
    .prepare = tconv_prepare,
    .eval = tconv_eval,
};
