/* MAX_POOL_2D and AVERAGE_POOL_2D (versions 1-3: float32, uint8, int8, int16) and L2_POOL_2D
 * (version 1, float32).
 *
 * Input [N, H, W, C], output [N, OH, OW, C]. Options (Pool2DOptions): padding, stride_w,
 * stride_h, filter_width, filter_height, fused_activation_function. Semantics follow TFLite's
 * pooling.cc with its reference kernels: quantized pools work in the input's integer domain
 * (TFLite assumes input and output share scale and zero point and does not requantize), and the
 * fused activation clamp comes from the output's quantization. */
#include <string.h>

#include "../quant/quant.h"
#include "op.h"
#include "op_util.h"
#include "padding.h"

enum { POOL_OPTIONS_TYPE = 5 }; /* BuiltinOptions union: Pool2DOptions */

/* Pool2DOptions field slots. */
enum {
  POOL_OPT_PADDING = 0,
  POOL_OPT_STRIDE_W = 1,
  POOL_OPT_STRIDE_H = 2,
  POOL_OPT_FILTER_W = 3,
  POOL_OPT_FILTER_H = 4,
  POOL_OPT_ACTIVATION = 5
};

typedef enum { POOL_MAX, POOL_AVG, POOL_L2 } pool_type;

typedef struct {
  int32_t padding, stride_w, stride_h, filter_w, filter_h, activation;
  int32_t dtype;
  tflrt_pool_params p;
} pool_data;

static int pool_parse(tflrt_ctx* ctx, tflrt_node* node) {
  pool_data* d = node->data;
  const fb_table empty = {0}; /* absent options (or another options type) read as defaults */
  const fb_table* o =
      node->options != NULL && node->options_type == POOL_OPTIONS_TYPE ? node->options : &empty;
  int8_t padding = 0, act = 0;
  int ok = fb_i8(o, POOL_OPT_PADDING, 0, &padding) == 0 &&
           fb_i32(o, POOL_OPT_STRIDE_W, 0, &d->stride_w) == 0 &&
           fb_i32(o, POOL_OPT_STRIDE_H, 0, &d->stride_h) == 0 &&
           fb_i32(o, POOL_OPT_FILTER_W, 0, &d->filter_w) == 0 &&
           fb_i32(o, POOL_OPT_FILTER_H, 0, &d->filter_h) == 0 &&
           fb_i8(o, POOL_OPT_ACTIVATION, 0, &act) == 0;
  if (!ok) return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed Pool2DOptions");
  d->padding = padding;
  d->activation = act;
  return TFLRT_OK;
}

static int pool_prepare(tflrt_ctx* ctx, tflrt_node* node, pool_type type) {
  pool_data* d = node->data;
  tflrt_pool_params* p = &d->p;
  memset(p, 0, sizeof(*p));
  int rc = tflrt_check_io(ctx, node, 1, 1);
  if (rc) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (in->ndims != 4)
    return tflrt_op_error(ctx, "input must be 4-D [batch, height, width, channels], got rank %d",
                          (int)in->ndims);
  if (out->type != in->type)
    return tflrt_op_error(ctx, "output type %s differs from input type %s",
                          tflrt_type_name(out->type), tflrt_type_name(in->type));
  d->dtype = in->type;
  if (type == POOL_L2) {
    if (in->type != TFLRT_FLOAT32)
      return tflrt_op_error(ctx, "type %s is not supported (L2_POOL_2D supports FLOAT32)",
                            tflrt_type_name(in->type));
  } else if (in->type != TFLRT_FLOAT32 && in->type != TFLRT_INT8 && in->type != TFLRT_UINT8 &&
             in->type != TFLRT_INT16) {
    return tflrt_op_error(ctx, "type %s is not supported (FLOAT32, INT8, UINT8, INT16)",
                          tflrt_type_name(in->type));
  }
  if (d->activation < TFLRT_ACT_NONE || d->activation > TFLRT_ACT_SIGN_BIT)
    return tflrt_op_error(ctx, "unknown fused activation function %d", (int)d->activation);
  p->batches = in->dims[0];
  p->in_h = in->dims[1];
  p->in_w = in->dims[2];
  p->channels = in->dims[3];
  int r = tflrt_window_2d(ctx, d->padding, p->in_h, p->in_w, d->filter_h, d->filter_w, d->stride_h,
                          d->stride_w, 1, 1, &p->out_h, &p->out_w, &p->pad_h, &p->pad_w);
  if (r != TFLRT_OK) return r;
  /* Windows have at least one cell (tflrt_window_2d checked it); then SAME/VALID windows always
   * overlap the input, so no clipped window is empty. Clipped window counts must fit int32,
   * as in TFLite. */
  const int64_t max_count = (int64_t)(d->filter_h < p->in_h ? d->filter_h : p->in_h) *
                            (int64_t)(d->filter_w < p->in_w ? d->filter_w : p->in_w);
  if (max_count > INT32_MAX)
    return tflrt_op_error(ctx, "pooling windows of up to %lld cells are too large",
                          (long long)max_count);
  p->filter_h = d->filter_h;
  p->filter_w = d->filter_w;
  p->stride_h = d->stride_h;
  p->stride_w = d->stride_w;
  if (in->type == TFLRT_FLOAT32) {
    tflrt_act_range_f32(d->activation, &p->f32_min, &p->f32_max);
  } else {
    const int clamps = d->activation == TFLRT_ACT_RELU || d->activation == TFLRT_ACT_RELU6 ||
                       d->activation == TFLRT_ACT_RELU_N1_TO_1;
    if (clamps && (out->nq < 1 || !(out->scale > 0.0f)))
      return tflrt_op_error(ctx, "a fused activation needs the output's quantization scale; output "
                            "tensor %d ('%s') has none", (int)out->index, out->name);
    int32_t qmin, qmax;
    tflrt_type_range(out->type, &qmin, &qmax);
    tflrt_act_range_quant(d->activation, out->scale, out->zero_point, qmin, qmax, &p->q_min,
                          &p->q_max);
  }
  if ((int64_t)p->batches * (int64_t)p->out_h > INT32_MAX) /* rows are split as int32 ranges */
    return tflrt_op_error(ctx, "batch (%d) x output height (%d) is too large", (int)p->batches,
                          (int)p->out_h);
  const int32_t out_dims[4] = {p->batches, p->out_h, p->out_w, p->channels};
  return tflrt_set_output_shape(ctx, out, 4, out_dims);
}

static int max_pool_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  return pool_prepare(ctx, node, POOL_MAX);
}
static int avg_pool_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  return pool_prepare(ctx, node, POOL_AVG);
}
static int l2_pool_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  return pool_prepare(ctx, node, POOL_L2);
}

typedef struct {
  const pool_data* d;
  const tflrt_pool_kernels* k;
  pool_type type;
  const void* in;
  void* out;
} pool_job;

static void pool_rows(void* arg, int32_t begin, int32_t end) {
  const pool_job* j = arg;
  const tflrt_pool_params* p = &j->d->p;
  const tflrt_pool_kernels* k = j->k;
  const int is_max = j->type == POOL_MAX;
  switch (j->d->dtype) {
    case TFLRT_FLOAT32:
      if (j->type == POOL_L2) k->f32_l2pool2d(p, j->in, j->out, begin, end);
      else (is_max ? k->f32_maxpool2d : k->f32_avgpool2d)(p, j->in, j->out, begin, end);
      break;
    case TFLRT_INT8:
      (is_max ? k->qs8_maxpool2d : k->qs8_avgpool2d)(p, j->in, j->out, begin, end);
      break;
    case TFLRT_UINT8:
      (is_max ? k->qu8_maxpool2d : k->qu8_avgpool2d)(p, j->in, j->out, begin, end);
      break;
    case TFLRT_INT16:
      (is_max ? k->qs16_maxpool2d : k->qs16_avgpool2d)(p, j->in, j->out, begin, end);
      break;
    default:
      break; /* rejected in prepare */
  }
}

static int pool_eval(tflrt_ctx* ctx, tflrt_node* node, pool_type type) {
  const pool_data* d = node->data;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  const int32_t rows = d->p.batches * d->p.out_h;
  if (tflrt_num_elements(out) == 0 || rows == 0) return TFLRT_OK;
  pool_job job = {d, &ctx->k->pool, type, in->data, out->data};
  tflrt_parallel_for(ctx, rows, pool_rows, &job);
  return TFLRT_OK;
}

static int max_pool_eval(tflrt_ctx* ctx, tflrt_node* node) { return pool_eval(ctx, node, POOL_MAX); }
static int avg_pool_eval(tflrt_ctx* ctx, tflrt_node* node) { return pool_eval(ctx, node, POOL_AVG); }
static int l2_pool_eval(tflrt_ctx* ctx, tflrt_node* node) { return pool_eval(ctx, node, POOL_L2); }

const tflrt_op tflrt_op_average_pool_2d = {
    .name = "AVERAGE_POOL_2D",
    .builtin_code = 1,
    .min_version = 1,
    .max_version = 3,
    .data_size = sizeof(pool_data),
    .parse = pool_parse,
    .prepare = avg_pool_prepare,
    .eval = avg_pool_eval,
};

const tflrt_op tflrt_op_max_pool_2d = {
    .name = "MAX_POOL_2D",
    .builtin_code = 17,
    .min_version = 1,
    .max_version = 3,
    .data_size = sizeof(pool_data),
    .parse = pool_parse,
    .prepare = max_pool_prepare,
    .eval = max_pool_eval,
};

const tflrt_op tflrt_op_l2_pool_2d = {
    .name = "L2_POOL_2D",
    .builtin_code = 12,
    .min_version = 1,
    .max_version = 1,
    .data_size = sizeof(pool_data),
    .parse = pool_parse,
    .prepare = l2_pool_prepare,
    .eval = l2_pool_eval,
};
