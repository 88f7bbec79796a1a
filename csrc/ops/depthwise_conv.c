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
#include "../quant/quant.h"
#include "conv_common.h"
#include "op.h"

static const tflrt_conv_rules DW_RULES = {
    .options_name = "DepthwiseConv2DOptions",
    .options_type = 2, /* BuiltinOptions union: DepthwiseConv2DOptions */
    .slot = {0, 1, 2, 3, 4, 5, 6, -1}, /* slots: padding, stride w/h, depth_multiplier,
                                            activation, dilation w/h, bias type */
    .io = {0, 1, 2}, /* input, filter, bias */
    .filter_layout = "[1, height, width, out_channels]",
    /* For a [1, KH, KW, C] filter TFLite also accepts a single scale declared along
     * dimension 0: per-tensor scales are not checked for their dimension. */
    .filter_qdim = 3,
    .max_activation = TFLRT_ACT_SIGN_BIT,
    .int4_kinds = 1u << TFLRT_CONV_QS8,
    .int8_filter_zp_0 = 1,
    .qs16_int32_bias = 0,
    .bias_rank1 = 1,
    .qu8_bias_zp_0 = 1,
};

static int dw_parse(tflrt_ctx* ctx, tflrt_node* node) {
  return tflrt_conv_parse(ctx, node, &DW_RULES);
}

static int dw_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  tflrt_conv_state* d = node->data;
  tflrt_conv_params* p = &d->p;
  tflrt_conv_io io;
  int r = tflrt_conv_begin(ctx, node, &DW_RULES, d, &io);
  if (r != TFLRT_OK) return r;
  const tflrt_tensor* filter = io.filter;
  p->filter_h = filter->dims[1];
  p->filter_w = filter->dims[2];
  p->out_c = filter->dims[3];
  p->filter_c = 1;
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
  if ((r = tflrt_conv_geometry(ctx, &DW_RULES, d, &io)) != TFLRT_OK) return r;
  if (d->kind == TFLRT_CONV_HYBRID) p->hybrid_mode = TFLRT_HYBRID_DEPTHWISE; /* asymmetric input */
  if ((r = tflrt_conv_prepare_params(ctx, node, &DW_RULES, d, &io, 1)) != TFLRT_OK) return r;
  /* int8, int16x8: let the kernel table pack constant weights once (kernels/conv.h). */
  const tflrt_conv_kernels* ck = &ctx->k->conv;
  const tflrt_conv_packers pk = {NULL, NULL, ck->qs8_dwconv2d_packed_size, ck->qs8_dwconv2d_pack,
                                 ck->qs16_dwconv2d_packed_size, ck->qs16_dwconv2d_pack};
  if ((r = tflrt_conv_pack(ctx, node, d, &io, &pk)) != TFLRT_OK) return r;
  const int32_t out_dims[4] = {p->batches, p->out_h, p->out_w, p->out_c};
  return tflrt_set_output_shape(ctx, io.out, 4, out_dims);
}

static int dw_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const tflrt_conv_kernels* k = &ctx->k->conv;
  const tflrt_conv_fns fns = {k->f32_dwconv2d, k->qs8_dwconv2d, k->qu8_dwconv2d, k->qs16_dwconv2d,
                              NULL, k->qd8_f32_dwconv2d, NULL, k->qs8_dwconv2d_packed,
                              k->qs16_dwconv2d_packed};
  return tflrt_conv_run(ctx, node, &DW_RULES, node->data, &fns);
}

const tflrt_op tflrt_op_depthwise_conv_2d = {
    .name = "DEPTHWISE_CONV_2D",
    .builtin_code = 4,
    .min_version = 1,
    .max_version = 7,
    .data_size = sizeof(tflrt_conv_state),
    .parse = dw_parse,
    .prepare = dw_prepare,
    .eval = dw_eval,
};
