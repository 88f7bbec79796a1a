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
#include <string.h>

#include "../quant/quant.h"
#include "conv_common.h"
#include "op.h"
#include "padding.h"

static const tflrt_conv_rules TCONV_RULES = {
    .options_name = "TransposeConvOptions",
    .options_type = 49, /* BuiltinOptions union: TransposeConvOptions */
    .slot = {0, 1, 2, -1, 3, -1, -1, 4}, /* slots: padding, stride w/h, depth_multiplier,
                                            activation, dilation w/h, bias type */
    .io = {2, 1, 3}, /* input, filter, bias */
    .filter_layout = "[out_channels, height, width, in_channels]",
    /* As TFLite's transpose_conv.cc: one filter scale or one per output channel, in any
     * declared dimension, and int8 filter zero points only range-checked. */
    .filter_qdim = -1,
    .max_activation = TFLRT_ACT_RELU6,
    .int4_kinds = 0,
    .int8_filter_zp_0 = 0,
    .qs16_int32_bias = 1, /* with quantized_bias_type INT32 only (checked in prepare) */
    .bias_rank1 = 0,
    .qu8_bias_zp_0 = 0,
};

typedef struct {
  tflrt_conv_state s;
  int shape_const;
} tconv_data;

static int tconv_parse(tflrt_ctx* ctx, tflrt_node* node) {
  return tflrt_conv_parse(ctx, node, &TCONV_RULES);
}

/* Output shape from the output_shape tensor, then the geometry checks that need it. */
static int tconv_setup(tflrt_ctx* ctx, tflrt_conv_state* st, const tflrt_tensor* shape,
                       const tflrt_tensor* filter, tflrt_tensor* out) {
  tflrt_conv_params* p = &st->p;
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
  int r = tflrt_window_2d(ctx, st->opt.padding, dims[1], dims[2], p->filter_h, p->filter_w,
                          p->stride_h, p->stride_w, 1, 1, &in_h, &in_w, &p->pad_h, &p->pad_w);
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
  tflrt_conv_state* st = &d->s;
  tflrt_conv_params* p = &st->p;
  const tflrt_conv_options* o = &st->opt;
  memset(p, 0, sizeof(*p));
  if (node->n_inputs < 3 || node->n_inputs > 4 || node->n_outputs != 1)
    return tflrt_op_error(ctx, "expects 3 or 4 inputs (output_shape, filter, input, optional "
                          "bias) and 1 output, got %d and %d", (int)node->n_inputs,
                          (int)node->n_outputs);
  const tflrt_tensor* shape = tflrt_in(ctx, node, 0);
  const tflrt_conv_io io = tflrt_conv_tensors(ctx, node, &TCONV_RULES);
  const tflrt_tensor *in = io.in, *filter = io.filter, *bias = io.bias;
  if (shape == NULL || filter == NULL || in == NULL || io.out == NULL)
    return tflrt_op_error(ctx, "the output_shape, filter and input tensors are required");
  if (shape->ndims != 1 || shape->type != TFLRT_INT32)
    return tflrt_op_error(ctx, "output_shape must be a 1-D INT32 tensor (got rank %d, %s)",
                          (int)shape->ndims, tflrt_type_name(shape->type));
  if (in->ndims != 4 || filter->ndims != 4)
    return tflrt_op_error(ctx, "input and filter must be 4-D (got ranks %d and %d)",
                          (int)in->ndims, (int)filter->ndims);
  if (o->stride_h <= 0 || o->stride_h > INT16_MAX || o->stride_w <= 0 || o->stride_w > INT16_MAX)
    return tflrt_op_error(ctx, "strides must be in [1, %d] (got %d, %d)", INT16_MAX,
                          (int)o->stride_h, (int)o->stride_w);
  int r = tflrt_conv_check_activation(ctx, &TCONV_RULES, o->activation);
  if (r != TFLRT_OK || (r = tflrt_conv_input_dims(ctx, p, in)) != TFLRT_OK) return r;
  p->out_c = filter->dims[0];
  p->filter_h = filter->dims[1];
  p->filter_w = filter->dims[2];
  p->filter_c = filter->dims[3];
  p->stride_h = o->stride_h;
  p->stride_w = o->stride_w;
  p->dilation_h = p->dilation_w = 1;
  if (p->out_c <= 0 || p->filter_h <= 0 || p->filter_w <= 0)
    return tflrt_op_error(ctx, "filter dimensions must be positive (got %dx%dx%dx%d)",
                          (int)p->out_c, (int)p->filter_h, (int)p->filter_w, (int)p->filter_c);
  if (p->filter_c != p->in_c)
    return tflrt_op_error(ctx, "filter input channels %d differ from the input's %d",
                          (int)p->filter_c, (int)p->in_c);
  if ((r = tflrt_conv_select_kind(ctx, &TCONV_RULES, st, &io)) != TFLRT_OK ||
      (r = tflrt_conv_check_bias(ctx, &TCONV_RULES, st, bias)) != TFLRT_OK)
    return r;
  if (st->kind == TFLRT_CONV_QS16) {
    /* quantized_bias_type (version 5), when set, names the bias and accumulator type. */
    if ((r = tflrt_conv_check_bias_type(ctx, st, bias)) != TFLRT_OK) return r;
    if (o->bias_type == TFLRT_INT32) st->kind = TFLRT_CONV_QS16_ACC32;
    else if (o->bias_type == TFLRT_FLOAT32 && bias != NULL && bias->type == TFLRT_INT32)
      return tflrt_op_error(ctx, "an INT32 bias (tensor %d '%s') with INT16 input needs "
                            "quantized_bias_type INT32 (TFLite reads it as INT64 otherwise)",
                            (int)bias->index, bias->name);
  }
  if ((r = tflrt_conv_prepare_params(ctx, node, &TCONV_RULES, st, &io, 0)) != TFLRT_OK) return r;
  d->shape_const = tflrt_is_const(shape);
  if (!d->shape_const) return tflrt_set_dynamic(ctx, io.out);
  return tconv_setup(ctx, st, shape, filter, io.out);
}

static int tconv_eval(tflrt_ctx* ctx, tflrt_node* node) {
  tconv_data* d = node->data;
  if (!d->shape_const) {
    int r = tconv_setup(ctx, &d->s, tflrt_in(ctx, node, 0), tflrt_in(ctx, node, 1),
                        tflrt_out(ctx, node, 0));
    if (r != TFLRT_OK) return r;
  }
  /* The hybrid input is quantized asymmetrically per batch (TFLite's hybrid TRANSPOSE_CONV). */
  const tflrt_tconv_kernels* k = &ctx->k->tconv;
  const tflrt_conv_fns fns = {k->f32_tconv, k->qs8_tconv, k->qu8_tconv, k->qs16_tconv,
                              k->qs16_tconv_acc32, k->qd8_f32_tconv, NULL, NULL, NULL};
  return tflrt_conv_run(ctx, node, &TCONV_RULES, &d->s, &fns);
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
