/* CONV_2D (versions 1-8): float32, int8 (per-tensor and per-channel filters, int4-packed
 * filters), int16 activations with int8 filters (int64 or int32 bias), legacy uint8, and the
 * hybrid path (float32 activations, int8 filter; the input is quantized at run time per batch).
 *
 * Inputs: 0 input [N, H, W, C_in], 1 filter [C_out, KH, KW, C_in / groups], 2 optional bias
 * [C_out]. Output [N, OH, OW, C_out]. Options (Conv2DOptions): padding, stride_w, stride_h,
 * fused_activation_function, dilation_w_factor, dilation_h_factor, quantized_bias_type.
 *
 * Semantics follow TFLite's conv.cc with its reference kernels; where TFLite is looser than
 * needed to stay safe, prepare rejects the model with a message instead (see each check). One
 * deliberate superset: the bias may be absent (TFLite's kernel requires it; the math is the
 * same with a zero bias). */
#include "../quant/quant.h"
#include "conv_common.h"
#include "op.h"

static const tflrt_conv_rules CONV_RULES = {
    .options_name = "Conv2DOptions",
    .options_type = 1, /* BuiltinOptions union: Conv2DOptions */
    .slot = {0, 1, 2, -1, 3, 4, 5, 6}, /* slots: padding, stride w/h, depth_multiplier,
                                            activation, dilation w/h, bias type */
    .io = {0, 1, 2}, /* input, filter, bias */
    .filter_layout = "[out_channels, height, width, in_channels]",
    .filter_qdim = 0,
    .max_activation = TFLRT_ACT_SIGN_BIT,
    .int4_kinds = 1u << TFLRT_CONV_QS8 | 1u << TFLRT_CONV_QS16 | 1u << TFLRT_CONV_HYBRID,
    .int8_filter_zp_0 = 1,
    .qs16_int32_bias = 1, /* the accumulator then is int32 (version 8 quantized_bias_type) */
    .bias_rank1 = 0,
    .qu8_bias_zp_0 = 1,
};

static int conv_parse(tflrt_ctx* ctx, tflrt_node* node) {
  return tflrt_conv_parse(ctx, node, &CONV_RULES);
}

static int conv_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  tflrt_conv_state* d = node->data;
  tflrt_conv_params* p = &d->p;
  tflrt_conv_io io;
  int r = tflrt_conv_begin(ctx, node, &CONV_RULES, d, &io);
  if (r != TFLRT_OK) return r;
  const tflrt_tensor* filter = io.filter;
  p->out_c = filter->dims[0];
  p->filter_h = filter->dims[1];
  p->filter_w = filter->dims[2];
  p->filter_c = filter->dims[3];
  if (p->out_c <= 0 || p->filter_h <= 0 || p->filter_w <= 0 || p->filter_c <= 0)
    return tflrt_op_error(ctx, "filter dimensions must be positive (got %dx%dx%dx%d)",
                          (int)p->out_c, (int)p->filter_h, (int)p->filter_w, (int)p->filter_c);
  if (p->in_c % p->filter_c != 0)
    return tflrt_op_error(ctx, "input channels (%d) must be a multiple of the filter's input "
                          "channels (%d)", (int)p->in_c, (int)p->filter_c);
  const int32_t groups = p->in_c / p->filter_c;
  if (p->out_c % groups != 0)
    return tflrt_op_error(ctx, "output channels (%d) must be a multiple of the number of groups "
                          "(%d = %d input channels / %d filter channels)", (int)p->out_c,
                          (int)groups, (int)p->in_c, (int)p->filter_c);
  p->out_c_per_group = p->out_c / groups;
  if ((r = tflrt_conv_geometry(ctx, &CONV_RULES, d, &io)) != TFLRT_OK) return r;
  if (d->kind == TFLRT_CONV_QS16) {
    /* quantized_bias_type (version 8) names the bias and accumulator type when set; an INT32
     * bias alone also selects the int32 accumulator. */
    if ((r = tflrt_conv_check_bias_type(ctx, d, io.bias)) != TFLRT_OK) return r;
    const int32_t acc = io.bias != NULL ? io.bias->type : d->opt.bias_type;
    if (acc == TFLRT_INT32) d->kind = TFLRT_CONV_QS16_ACC32;
  }
  if (d->kind == TFLRT_CONV_HYBRID) {
    /* TFLite: per-channel (asymmetric input) when the filter scales differ, or for grouped
     * convolutions; otherwise symmetric input and one filter scale. */
    int per_channel = groups != 1;
    for (int32_t i = 1; i < filter->nq; i++)
      if (filter->scales[i] != filter->scales[0]) per_channel = 1;
    p->hybrid_mode = per_channel ? TFLRT_HYBRID_CONV_PER_CHANNEL : TFLRT_HYBRID_CONV_PER_TENSOR;
    d->hybrid_symmetric = !per_channel;
  }
  if ((r = tflrt_conv_prepare_params(ctx, node, &CONV_RULES, d, &io, 1)) != TFLRT_OK) return r;
  /* Let the kernel table pack constant weights once (kernels/conv.h): float32, int8, int16x8. */
  const tflrt_conv_kernels* ck = &ctx->k->conv;
  const tflrt_conv_packers pk = {ck->f32_conv2d_packed_size, ck->f32_conv2d_pack,
                                 ck->qs8_conv2d_packed_size, ck->qs8_conv2d_pack,
                                 ck->qs16_conv2d_packed_size, ck->qs16_conv2d_pack};
  if ((r = tflrt_conv_pack(ctx, node, d, &io, &pk)) != TFLRT_OK) return r;
  const int32_t out_dims[4] = {p->batches, p->out_h, p->out_w, p->out_c};
  return tflrt_set_output_shape(ctx, io.out, 4, out_dims);
}

static int conv_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const tflrt_conv_kernels* k = &ctx->k->conv;
  const tflrt_conv_fns fns = {k->f32_conv2d, k->qs8_conv2d, k->qu8_conv2d, k->qs16_conv2d,
                              k->qs16_conv2d_acc32, k->qd8_f32_conv2d, k->f32_conv2d_packed,
                              k->qs8_conv2d_packed, k->qs16_conv2d_packed};
  return tflrt_conv_run(ctx, node, &CONV_RULES, node->data, &fns);
}

const tflrt_op tflrt_op_conv_2d = {
    .name = "CONV_2D",
    .builtin_code = 3,
    .min_version = 1,
    .max_version = 8,
    .data_size = sizeof(tflrt_conv_state),
    .parse = conv_parse,
    .prepare = conv_prepare,
    .eval = conv_eval,
};
