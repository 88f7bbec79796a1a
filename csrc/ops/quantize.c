/* QUANTIZE, TFLite semantics (versions 1-3):
 *   float32 -> int8/uint8/int16, per-tensor or per-channel (output quantized along qdim):
 *       q = clamp(round_half_away(x / scale) + zero_point, type range)   (division in float)
 *   requantize int8/uint8 -> int8/uint8/int16, int16 -> int8/int16/int32, int32 -> int8/int16:
 *       q = clamp(MultiplyByQuantizedMultiplier(x - in_zp, M, shift) + out_zp, type range)
 *       with (M, shift) = QuantizeMultiplier(in_scale / out_scale) (double rounding).
 * int4/uint4 outputs (versions 4, 5) are not supported. */
#include <math.h>
#include <string.h>

#include "../quant/quant.h"
#include "op.h"
#include "op_util.h"

#define BLOCK 4096 /* elements per work item */

typedef struct {
  int32_t requant; /* 0: float input; 1: integer input */
  int32_t qmin, qmax;
  /* float input */
  int32_t per_channel;
  int64_t inner;    /* elements after the quantized axis */
  int32_t channels; /* size of the quantized axis */
  /* requantize */
  int32_t in_zp, out_zp, mult, shift;
} quantize_data;

static int quantize_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  quantize_data* d = node->data;
  memset(d, 0, sizeof(*d));
  int rc = tflrt_check_io(ctx, node, 1, 1);
  if (rc) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  const int32_t ti = in->type, to = out->type;
  if (out->nq < 1 || out->scales == NULL)
    return tflrt_op_error(ctx, "output tensor %d ('%s') has no quantization parameters", (int)out->index, out->name);
  for (int32_t i = 0; i < out->nq; i++)
    if (!(out->scales[i] > 0.0f) || !isfinite(out->scales[i]))
      return tflrt_op_error(ctx, "output scale %g is invalid (must be > 0)", (double)out->scales[i]);
  int ok;
  if (ti == TFLRT_FLOAT32) ok = to == TFLRT_INT8 || to == TFLRT_UINT8 || to == TFLRT_INT16;
  else if (ti == TFLRT_INT8 || ti == TFLRT_UINT8) ok = to == TFLRT_INT8 || to == TFLRT_UINT8 || to == TFLRT_INT16;
  else if (ti == TFLRT_INT16) ok = to == TFLRT_INT8 || to == TFLRT_INT16 || to == TFLRT_INT32;
  else if (ti == TFLRT_INT32) ok = to == TFLRT_INT8 || to == TFLRT_INT16;
  else ok = 0;
  if (!ok)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "input type %s with output type %s is not supported",
                         tflrt_type_name(ti), tflrt_type_name(to));
  tflrt_type_range(to, &d->qmin, &d->qmax);
  if (ti == TFLRT_FLOAT32) {
    if (out->nq > 1) {
      if ((rc = tflrt_per_channel_layout(ctx, out, in, "output", &d->channels, &d->inner))) return rc;
      d->per_channel = 1;
    }
  } else {
    if (in->nq < 1 || !(in->scale > 0.0f) || !isfinite(in->scale))
      return tflrt_op_error(ctx, "input tensor %d ('%s') needs quantization parameters with a positive scale",
                            (int)in->index, in->name);
    if (in->nq > 1 || out->nq > 1)
      return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "requantization supports per-tensor quantization only");
    if (ti == TFLRT_INT16 && to == TFLRT_INT16 && (in->zero_point != 0 || out->zero_point != 0))
      return tflrt_op_error(ctx, "int16 to int16 requantization needs zero points 0 (got %d and %d)",
                            (int)in->zero_point, (int)out->zero_point);
    const double real = (double)in->scale / (double)out->scale;
    int shift;
    tflrt_quantize_multiplier(real, &d->mult, &shift);
    if (shift > 30)
      return tflrt_op_error(ctx, "input/output scale ratio %g is too large", real);
    d->shift = shift;
    d->requant = 1;
    d->in_zp = in->zero_point;
    d->out_zp = out->zero_point;
  }
  return tflrt_set_output_shape(ctx, out, in->ndims, in->dims);
}

/* round(x / scale) + zp, with the float -> int conversion saturated (TFLite leaves overflow and
 * NaN undefined; here NaN maps to the zero point), then clamped to [qmin, qmax]. */
static inline int32_t quantize_one(float x, float scale, int32_t zp, int32_t qmin, int32_t qmax) {
  const float r = roundf(x / scale);
  int64_t q;
  if (r != r) q = 0;
  else if (r >= 2147483648.0f) q = INT32_MAX;
  else if (r < -2147483648.0f) q = INT32_MIN;
  else q = (int64_t)(int32_t)r;
  q += zp;
  return (int32_t)(q < qmin ? qmin : (q > qmax ? qmax : q));
}

typedef struct {
  const quantize_data* d;
  const tflrt_tensor* in;
  tflrt_tensor* out;
  int64_t n;
} quantize_work;

static int32_t load_int(const void* p, int32_t type, int64_t i) {
  switch (type) {
    case TFLRT_INT8: return ((const int8_t*)p)[i];
    case TFLRT_UINT8: return ((const uint8_t*)p)[i];
    case TFLRT_INT16: return ((const int16_t*)p)[i];
    default: return ((const int32_t*)p)[i];
  }
}

static void store_int(void* p, int32_t type, int64_t i, int32_t v) {
  switch (type) {
    case TFLRT_INT8: ((int8_t*)p)[i] = (int8_t)v; break;
    case TFLRT_UINT8: ((uint8_t*)p)[i] = (uint8_t)v; break;
    case TFLRT_INT16: ((int16_t*)p)[i] = (int16_t)v; break;
    default: ((int32_t*)p)[i] = v; break;
  }
}

static void quantize_block(void* arg, int32_t begin, int32_t end) {
  const quantize_work* w = arg;
  const quantize_data* d = w->d;
  const int64_t i0 = (int64_t)begin * BLOCK;
  const int64_t i1 = (int64_t)end * BLOCK < w->n ? (int64_t)end * BLOCK : w->n;
  const int32_t to = w->out->type;
  void* y = w->out->data;
  if (d->requant) {
    const void* x = w->in->data;
    const int32_t ti = w->in->type;
    for (int64_t i = i0; i < i1; i++) {
      const int32_t v = (int32_t)((uint32_t)load_int(x, ti, i) - (uint32_t)d->in_zp);
      int64_t q = (int64_t)tflrt_mbqm(v, d->mult, d->shift) + d->out_zp;
      store_int(y, to, i, (int32_t)(q < d->qmin ? d->qmin : (q > d->qmax ? d->qmax : q)));
    }
    return;
  }
  const float* x = w->in->data;
  const tflrt_tensor* out = w->out;
  if (d->per_channel) {
    for (int64_t i = i0; i < i1; i++) {
      const int32_t c = (int32_t)((i / d->inner) % d->channels);
      store_int(y, to, i, quantize_one(x[i], out->scales[c], (int32_t)out->zero_points[c], d->qmin, d->qmax));
    }
  } else {
    for (int64_t i = i0; i < i1; i++) store_int(y, to, i, quantize_one(x[i], out->scale, out->zero_point, d->qmin, d->qmax));
  }
}

static int quantize_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  const int64_t n = tflrt_num_elements(in);
  if (n == 0) return TFLRT_OK;
  if (in->data == NULL || out->data == NULL) return tflrt_op_error(ctx, "input or output tensor has no data");
  quantize_work w = {.d = node->data, .in = in, .out = out, .n = n};
  return tflrt_parallel_blocks(ctx, n, BLOCK, quantize_block, &w);
}

const tflrt_op tflrt_op_quantize = {
    .name = "QUANTIZE",
    .builtin_code = 114,
    .min_version = 1,
    .max_version = 3,
    .data_size = sizeof(quantize_data),
    .parse = NULL,
    .prepare = quantize_prepare,
    .eval = quantize_eval,
};
