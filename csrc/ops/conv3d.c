/* CONV_3D (version 1): float32, as TFLite (its kernel supports no other type).
 *
 * Inputs: 0 input [N, D, H, W, C_in], 1 filter [KD, KH, KW, C_in, C_out], 2 optional bias
 * [C_out]. Output [N, OD, OH, OW, C_out]. Options (Conv3DOptions): padding, stride_d,
 * stride_w, stride_h, fused_activation_function, dilation_d_factor, dilation_w_factor,
 * dilation_h_factor (slots 0-7; dilations default to 1). Output sizes and padding follow the
 * SAME/VALID rules of the 2-D convolution, per dimension (ops/padding.h). */
#include <string.h>

#include "../quant/quant.h"
#include "op.h"
#include "op_util.h"
#include "padding.h"

enum { CONV3D_OPTIONS_TYPE = 106 }; /* BuiltinOptions union: Conv3DOptions */
enum {
  C3_OPT_PADDING = 0,
  C3_OPT_STRIDE_D = 1,
  C3_OPT_STRIDE_W = 2,
  C3_OPT_STRIDE_H = 3,
  C3_OPT_ACTIVATION = 4,
  C3_OPT_DILATION_D = 5,
  C3_OPT_DILATION_W = 6,
  C3_OPT_DILATION_H = 7
};

typedef struct {
  int32_t padding, activation;
  tflrt_conv3d_params p;
  int32_t rows;
} conv3d_data;

static int conv3d_parse(tflrt_ctx* ctx, tflrt_node* node) {
  conv3d_data* d = node->data;
  tflrt_conv3d_params* p = &d->p;
  const fb_table empty = {0};
  const fb_table* o =
      node->options != NULL && node->options_type == CONV3D_OPTIONS_TYPE ? node->options : &empty;
  int8_t padding = 0, act = 0;
  if (fb_i8(o, C3_OPT_PADDING, 0, &padding) != 0 ||
      fb_i32(o, C3_OPT_STRIDE_D, 0, &p->stride_d) != 0 ||
      fb_i32(o, C3_OPT_STRIDE_W, 0, &p->stride_w) != 0 ||
      fb_i32(o, C3_OPT_STRIDE_H, 0, &p->stride_h) != 0 ||
      fb_i8(o, C3_OPT_ACTIVATION, 0, &act) != 0 ||
      fb_i32(o, C3_OPT_DILATION_D, 1, &p->dilation_d) != 0 ||
      fb_i32(o, C3_OPT_DILATION_W, 1, &p->dilation_w) != 0 ||
      fb_i32(o, C3_OPT_DILATION_H, 1, &p->dilation_h) != 0)
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed Conv3DOptions");
  d->padding = padding;
  d->activation = act;
  return TFLRT_OK;
}

static int conv3d_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  conv3d_data* d = node->data;
  tflrt_conv3d_params* p = &d->p;
  int rc = tflrt_check_arity(ctx, node, 2, 3, 1, "input, filter, optional bias");
  if (rc) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* filter = tflrt_in(ctx, node, 1);
  const tflrt_tensor* bias = tflrt_in(ctx, node, 2);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (in->ndims != 5 || filter->ndims != 5)
    return tflrt_op_error(ctx, "input and filter must be 5-D (got ranks %d and %d)",
                          (int)in->ndims, (int)filter->ndims);
  if (in->type != TFLRT_FLOAT32 || filter->type != TFLRT_FLOAT32 || out->type != TFLRT_FLOAT32)
    return tflrt_op_error(ctx, "only FLOAT32 is supported (input %s, filter %s, output %s)",
                          tflrt_type_name(in->type), tflrt_type_name(filter->type),
                          tflrt_type_name(out->type));
  p->batches = in->dims[0];
  p->in_d = in->dims[1];
  p->in_h = in->dims[2];
  p->in_w = in->dims[3];
  p->in_c = in->dims[4];
  p->filter_d = filter->dims[0];
  p->filter_h = filter->dims[1];
  p->filter_w = filter->dims[2];
  p->out_c = filter->dims[4];
  if (p->in_d <= 0 || p->in_h <= 0 || p->in_w <= 0 || p->in_c <= 0)
    return tflrt_op_error(ctx, "input depth, height, width and channels must be positive");
  if (p->filter_d <= 0 || p->filter_h <= 0 || p->filter_w <= 0 || filter->dims[3] <= 0 ||
      p->out_c <= 0)
    return tflrt_op_error(ctx, "filter dimensions must be positive");
  if (filter->dims[3] != p->in_c)
    return tflrt_op_error(ctx, "filter input channels %d differ from the input's %d",
                          (int)filter->dims[3], (int)p->in_c);
  if (bias != NULL) {
    if (bias->type != TFLRT_FLOAT32)
      return tflrt_op_error(ctx, "bias type %s is not FLOAT32", tflrt_type_name(bias->type));
    if (tflrt_num_elements(bias) != p->out_c)
      return tflrt_op_error(ctx, "bias has %lld elements; expected %d",
                            (long long)tflrt_num_elements(bias), (int)p->out_c);
  }
  if (d->activation < TFLRT_ACT_NONE || d->activation > TFLRT_ACT_RELU6)
    return tflrt_op_error(ctx, "unsupported fused activation function %d", (int)d->activation);
  tflrt_act_range_f32(d->activation, &p->f32_min, &p->f32_max);
  int r = tflrt_window_2d(ctx, d->padding, p->in_h, p->in_w, p->filter_h, p->filter_w,
                          p->stride_h, p->stride_w, p->dilation_h, p->dilation_w, &p->out_h,
                          &p->out_w, &p->pad_h, &p->pad_w);
  if (r != TFLRT_OK) return r;
  if (p->stride_d <= 0 || p->dilation_d <= 0)
    return tflrt_op_error(ctx, "depth stride and dilation must be positive (got %d and %d)",
                          (int)p->stride_d, (int)p->dilation_d);
  const char* why = tflrt_window_1d(d->padding, p->in_d, p->filter_d, p->stride_d,
                                    p->dilation_d, &p->out_d, &p->pad_d);
  if (why != NULL) return tflrt_op_error(ctx, "depth: %s", why);
  const int64_t rows = (int64_t)p->batches * p->out_d * p->out_h;
  if (rows > INT32_MAX)
    return tflrt_op_error(ctx, "output has too many rows (%lld)", (long long)rows);
  d->rows = (int32_t)rows;
  const int32_t dims[5] = {p->batches, p->out_d, p->out_h, p->out_w, p->out_c};
  return tflrt_set_output_shape(ctx, out, 5, dims);
}

typedef struct {
  const conv3d_data* d;
  const tflrt_conv3d_kernels* k;
  const float* in;
  const float* filter;
  const float* bias;
  float* out;
} conv3d_job;

static void conv3d_rows(void* arg, int32_t begin, int32_t end) {
  const conv3d_job* j = arg;
  j->k->f32_conv3d(&j->d->p, j->in, j->filter, j->bias, j->out, begin, end);
}

static int conv3d_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const conv3d_data* d = node->data;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* filter = tflrt_in(ctx, node, 1);
  const tflrt_tensor* bias = tflrt_in(ctx, node, 2);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (tflrt_num_elements(out) == 0) return TFLRT_OK;
  conv3d_job job = {d, &ctx->k->conv3d, in->data, filter->data, bias ? bias->data : NULL,
                    out->data};
  tflrt_parallel_for(ctx, d->rows, conv3d_rows, &job);
  return TFLRT_OK;
}

const tflrt_op tflrt_op_conv_3d = {
    .name = "CONV_3D",
    .builtin_code = 132,
    .min_version = 1,
    .max_version = 1,
    .data_size = sizeof(conv3d_data),
    .parse = conv3d_parse,
    .prepare = conv3d_prepare,
    .eval = conv3d_eval,
};
