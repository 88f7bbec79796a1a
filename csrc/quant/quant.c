/* Fixed-point helpers (see quant.h). */
#include "quant.h"

#include <math.h>

#include "tflite_rt/types.h"

float tflrt_roundf(float x) { return roundf(x); }

void tflrt_quantize_multiplier(double m, int32_t* qm, int* shift) {
  if (m == 0.0 || !isfinite(m)) {
    *qm = 0;
    *shift = 0;
    return;
  }
  int s;
  const double q = frexp(m, &s);
  int64_t q_fixed = (int64_t)llround(q * (double)(1LL << 31));
  if (q_fixed == (1LL << 31)) {
    q_fixed /= 2;
    ++s;
  }
  if (s < -31) {
    s = 0;
    q_fixed = 0;
  }
  *qm = (int32_t)q_fixed;
  *shift = s;
}

void tflrt_quantize_multiplier_smaller_than_one(double m, int32_t* qm, int* shift) {
  tflrt_quantize_multiplier(m, qm, shift);
  if (*shift > 0) *shift = 0; /* callers validate m < 1 first */
}

int tflrt_type_range(int32_t type, int32_t* qmin, int32_t* qmax) {
  switch (type) {
    case TFLRT_INT8: *qmin = -128; *qmax = 127; return 1;
    case TFLRT_UINT8: *qmin = 0; *qmax = 255; return 1;
    case TFLRT_INT16: *qmin = -32768; *qmax = 32767; return 1;
    case TFLRT_INT32: *qmin = INT32_MIN; *qmax = INT32_MAX; return 1;
    default: return 0;
  }
}

static int32_t quantize_clamped(float f, float scale, int32_t zp) {
  double q = (double)zp + (double)tflrt_roundf(f / scale);
  if (q > INT32_MAX) return INT32_MAX;
  if (q < INT32_MIN) return INT32_MIN;
  return (int32_t)q;
}

void tflrt_act_range_quant(int act, float scale, int32_t zp, int32_t qmin, int32_t qmax,
                           int32_t* out_min, int32_t* out_max) {
  int32_t lo = qmin, hi = qmax, v;
  switch (act) {
    case TFLRT_ACT_RELU:
      v = quantize_clamped(0.0f, scale, zp);
      lo = v > qmin ? v : qmin;
      break;
    case TFLRT_ACT_RELU6:
      v = quantize_clamped(0.0f, scale, zp);
      lo = v > qmin ? v : qmin;
      v = quantize_clamped(6.0f, scale, zp);
      hi = v < qmax ? v : qmax;
      break;
    case TFLRT_ACT_RELU_N1_TO_1:
      v = quantize_clamped(-1.0f, scale, zp);
      lo = v > qmin ? v : qmin;
      v = quantize_clamped(1.0f, scale, zp);
      hi = v < qmax ? v : qmax;
      break;
    default:
      break;
  }
  *out_min = lo;
  *out_max = hi;
}

void tflrt_act_range_f32(int act, float* out_min, float* out_max) {
  switch (act) {
    case TFLRT_ACT_RELU: *out_min = 0.0f; *out_max = INFINITY; break;
    case TFLRT_ACT_RELU6: *out_min = 0.0f; *out_max = 6.0f; break;
    case TFLRT_ACT_RELU_N1_TO_1: *out_min = -1.0f; *out_max = 1.0f; break;
    default: *out_min = -INFINITY; *out_max = INFINITY; break;
  }
}

int tflrt_conv_multipliers(float in_scale, const float* filter_scales, int32_t n_scales,
                           float out_scale, int32_t n_channels, int32_t* mult, int32_t* shift) {
  int max_shift = INT32_MIN;
  for (int32_t c = 0; c < n_channels; c++) {
    const float fs = n_scales == 1 ? filter_scales[0] : filter_scales[c];
    const double m = (double)in_scale * (double)fs / (double)out_scale;
    int s = 0;
    tflrt_quantize_multiplier(m, &mult[c], &s);
    shift[c] = s;
    if (s > max_shift) max_shift = s;
  }
  return max_shift;
}
