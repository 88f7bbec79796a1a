/* DEQUANTIZE, TFLite semantics (versions 1-5): int8, uint8, int16 (zero point 0) and float16
 * to float32.
 *   per-tensor:  y = (float)((double)scale * (q - zero_point))
 *   per-channel: y = scale[c] * (float)(q - zero_point[c])      (float arithmetic), c = index
 *                along the quantized axis
 *   float16:     exact widening.
 * TFLite computes the output of a constant input once and keeps it in a persistent buffer.
 * Here the output is an ordinary arena tensor (the arena may be reused by other tensors between
 * invokes), so eval recomputes it every time: simple and always correct, at the cost of one
 * conversion pass per invoke. int4/int2/uint4/float8 inputs (versions 6-9) are not supported. */
#include <math.h>
#include <string.h>

#include "op.h"
#include "op_util.h"

#define BLOCK 4096 /* elements per work item */

typedef struct {
  int32_t per_channel;
  int64_t inner;    /* elements after the quantized axis */
  int32_t channels; /* size of the quantized axis */
} dequantize_data;

static int dequantize_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  dequantize_data* d = node->data;
  memset(d, 0, sizeof(*d));
  int rc = tflrt_check_io(ctx, node, 1, 1);
  if (rc) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  const int32_t ti = in->type;
  if (ti != TFLRT_INT8 && ti != TFLRT_UINT8 && ti != TFLRT_INT16 && ti != TFLRT_FLOAT16)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED,
                         "input type %s is not supported (supported: INT8, UINT8, INT16, FLOAT16)", tflrt_type_name(ti));
  if (out->type != TFLRT_FLOAT32)
    return tflrt_op_error(ctx, "output must be FLOAT32, got %s", tflrt_type_name(out->type));
  if (ti != TFLRT_FLOAT16) {
    if (in->nq < 1 || in->scales == NULL)
      return tflrt_op_error(ctx, "input tensor %d ('%s') has no quantization parameters", (int)in->index, in->name);
    for (int32_t i = 0; i < in->nq; i++) {
      if (!isfinite(in->scales[i]))
        return tflrt_op_error(ctx, "input scale %g is not finite", (double)in->scales[i]);
      if (ti == TFLRT_INT16 && in->zero_points[i] != 0)
        return tflrt_op_error(ctx, "int16 input needs zero point 0, got %lld", (long long)in->zero_points[i]);
    }
    if (in->nq > 1) {
      if ((rc = tflrt_per_channel_layout(ctx, in, in, "input", &d->channels, &d->inner))) return rc;
      d->per_channel = 1;
    }
  }
  return tflrt_set_output_shape(ctx, out, in->ndims, in->dims);
}

/* IEEE binary16 -> binary32, exact for every value (subnormals, infinities, NaN payloads). */
static float half_to_float(uint16_t h) {
  const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu;
  uint32_t mantissa = h & 0x3ffu;
  uint32_t bits;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112u) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;
  } else {
    uint32_t e = 113; /* biased exponent of 2^-14, decremented while normalising */
    while (!(mantissa & 0x400u)) {
      mantissa <<= 1;
      e--;
    }
    bits = sign | (e << 23) | ((mantissa & 0x3ffu) << 13);
  }
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

typedef struct {
  const dequantize_data* d;
  const tflrt_tensor* in;
  float* out;
  int64_t n;
} dequantize_work;

static inline int32_t load_q(const void* p, int32_t type, int64_t i) {
  switch (type) {
    case TFLRT_INT8: return ((const int8_t*)p)[i];
    case TFLRT_UINT8: return ((const uint8_t*)p)[i];
    default: return ((const int16_t*)p)[i];
  }
}

static void dequantize_block(void* arg, int32_t begin, int32_t end) {
  const dequantize_work* w = arg;
  const dequantize_data* d = w->d;
  const tflrt_tensor* in = w->in;
  const int64_t i0 = (int64_t)begin * BLOCK;
  const int64_t i1 = (int64_t)end * BLOCK < w->n ? (int64_t)end * BLOCK : w->n;
  float* y = w->out;
  if (in->type == TFLRT_FLOAT16) {
    const uint16_t* x = in->data;
    for (int64_t i = i0; i < i1; i++) y[i] = half_to_float(x[i]);
  } else if (d->per_channel) {
    for (int64_t i = i0; i < i1; i++) {
      const int32_t c = (int32_t)((i / d->inner) % d->channels);
      const int32_t q = load_q(in->data, in->type, i) - (int32_t)in->zero_points[c];
      y[i] = in->scales[c] * (float)q;
    }
  } else {
    const double scale = in->scale;
    const int32_t zp = in->zero_point;
    for (int64_t i = i0; i < i1; i++) y[i] = (float)(scale * (double)(load_q(in->data, in->type, i) - zp));
  }
}

static int dequantize_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  const int64_t n = tflrt_num_elements(in);
  if (n == 0) return TFLRT_OK;
  if (in->data == NULL || out->data == NULL) return tflrt_op_error(ctx, "input or output tensor has no data");
  dequantize_work w = {.d = node->data, .in = in, .out = out->data, .n = n};
  return tflrt_parallel_blocks(ctx, n, BLOCK, dequantize_block, &w);
}

const tflrt_op tflrt_op_dequantize = {
    .name = "DEQUANTIZE",
    .builtin_code = 6,
    .min_version = 1,
    .max_version = 5,
    .data_size = sizeof(dequantize_data),
    .parse = NULL,
    .prepare = dequantize_prepare,
    .eval = dequantize_eval,
};
