/* Reference CONV_2D kernels (the executable spec; see kernels/conv.h for the semantics) and the
 * dynamic input quantization used by the hybrid conv/depthwise paths. The loop, the tap sums and
 * the requantization are shared with DEPTHWISE_CONV_2D (conv_ref.h): each kernel here runs them
 * over CONV_2D's taps, for each output value the sum over filter_y, filter_x, then the input
 * channels of its group, skipping taps outside the input (TFLite's order). */
#include <math.h>
#include <string.h>

#include "conv_ref.h"

DEFINE_CONV_KERNEL(tflrt_f32_conv2d__ref, f32_conv, 0, float, float, float, float)
DEFINE_CONV_KERNEL(tflrt_qs8_conv2d__ref, qs8_conv, 0, int8_t, int8_t, int32_t, int8_t)
DEFINE_CONV_KERNEL(tflrt_qu8_conv2d__ref, qu8_conv, 0, uint8_t, uint8_t, int32_t, uint8_t)
DEFINE_CONV_KERNEL(tflrt_qs16_conv2d__ref, qs16_conv, 0, int16_t, int8_t, int64_t, int16_t)

/* TFLite's int32 accumulator (int32 bias): wraps, then the 32-bit MBQM; zero points 0. */
void tflrt_qs16_conv2d_acc32__ref(const tflrt_conv_params* p, const int16_t* input,
                                  const int8_t* filter, const int32_t* bias, int16_t* output,
                                  int32_t begin, int32_t end) {
  FOR_EACH_CONV_OUT(t, 0) {
    const int64_t sum = tap_sum_s16(p, &t, input, filter, 0, 0);
    output[t.o] = (int16_t)acc32_out(p, sum, bias, t.oc, 0);
  }
}

void tflrt_qd8_f32_conv2d__ref(const tflrt_conv_params* p, const int8_t* input,
                               const float* batch_scale, const int32_t* batch_zp,
                               const int8_t* filter, const float* bias, float* output,
                               int32_t begin, int32_t end) {
  qd8_f32_conv(p, input, batch_scale, batch_zp, filter, bias, output, begin, end, 0);
}

/* The range [min(x), max(x)] of n floats ([0, 0] when n is 0); a NaN after the first value is
 * skipped. */
static void min_max(const float* x, size_t n, float* lo, float* hi) {
  *lo = n ? x[0] : 0.0f;
  *hi = *lo;
  for (size_t i = 1; i < n; ++i) {
    if (x[i] < *lo) *lo = x[i];
    if (*hi < x[i]) *hi = x[i];
  }
}

void tflrt_f32_to_qd8_sym__ref(const float* x, size_t n, int8_t* q, float* scale) {
  float lo, hi;
  min_max(x, n, &lo, &hi);
  const float range = fabsf(lo) > fabsf(hi) ? fabsf(lo) : fabsf(hi);
  if (range == 0.0f) {
    memset(q, 0, n);
    *scale = 1.0f;
    return;
  }
  *scale = range / 127.0f;
  const float inv = 127.0f / range;
  for (size_t i = 0; i < n; ++i) {
    const float v = roundf(x[i] * inv);
    const int32_t qi = v != v ? 0 : v > 127.0f ? 127 : (v < -127.0f ? -127 : (int32_t)v);
    q[i] = (int8_t)qi;
  }
}

/* LiteRT's released builds quantize hybrid inputs with their NEON tensor utilities (on x86
 * through an SSE translation of NEON), not the portable C++ loop; the two differ in three
 * ways that change results, and this follows the NEON one (measured bit-exact against
 * ai-edge-litert 2.3.0 BUILTIN_REF, see tests/ops/test_conv.py::test_hybrid_input_*):
 *   - the range max - min is subtracted in float, then divided by 255 in double;
 *   - 1 / scale is computed in double, then rounded to float;
 *   - x / scale is rounded half away from zero first, then the zero point is added (the
 *     portable code rounds zp + x / scale, which differs on ties).
 * One x86-only artifact of that translation is not reproduced: its rounding adds +-0.5 in
 * float and truncates, which turns x / scale = +-(0.5 - 2^-25) into +-1. */
void tflrt_f32_to_qd8_asym__ref(const float* x, size_t n, int8_t* q, float* scale,
                                int32_t* zero_point) {
  float lo, hi;
  min_max(x, n, &lo, &hi);
  const float rmin = lo < 0.0f ? lo : 0.0f; /* the range always includes 0 */
  const float rmax = hi > 0.0f ? hi : 0.0f;
  if (rmin == rmax) {
    memset(q, 0, n);
    *scale = 1.0f;
    *zero_point = 0;
    return;
  }
  const double qmin = -128.0, qmax = 127.0;
  const double s = (double)(rmax - rmin) / (qmax - qmin);
  const double zp_from_min = qmin - (double)rmin / s;
  const double zp_from_max = qmax - (double)rmax / s;
  const double err_min = fabs(qmin) + fabs((double)rmin / s);
  const double err_max = fabs(qmax) + fabs((double)rmax / s);
  const double zp_real = err_min < err_max ? zp_from_min : zp_from_max;
  int32_t zp;
  if (!(zp_real > qmin)) zp = -128; /* also NaN: an input with inf gives inf / inf */
  else if (zp_real >= qmax) zp = 127;
  else zp = (int32_t)round(zp_real);
  *scale = (float)s;
  *zero_point = zp;
  const float inv = (float)(1.0 / (double)*scale);
  for (size_t i = 0; i < n; ++i) {
    /* Both terms are integers of small magnitude here, so the float sum is exact. */
    const float v = roundf(x[i] * inv) + (float)zp;
    const int32_t qi = v != v ? 0 : v > 127.0f ? 127 : (v < -128.0f ? -128 : (int32_t)v);
    q[i] = (int8_t)qi;
  }
}

void tflrt_conv_kernels_ref(tflrt_conv_kernels* k) {
  k->f32_conv2d = tflrt_f32_conv2d__ref;
  k->qs8_conv2d = tflrt_qs8_conv2d__ref;
  k->qu8_conv2d = tflrt_qu8_conv2d__ref;
  k->qs16_conv2d = tflrt_qs16_conv2d__ref;
  k->qs16_conv2d_acc32 = tflrt_qs16_conv2d_acc32__ref;
  k->qd8_f32_conv2d = tflrt_qd8_f32_conv2d__ref;
  k->f32_dwconv2d = tflrt_f32_dwconv2d__ref;
  k->qs8_dwconv2d = tflrt_qs8_dwconv2d__ref;
  k->qu8_dwconv2d = tflrt_qu8_dwconv2d__ref;
  k->qs16_dwconv2d = tflrt_qs16_dwconv2d__ref;
  k->qd8_f32_dwconv2d = tflrt_qd8_f32_dwconv2d__ref;
  k->f32_to_qd8_sym = tflrt_f32_to_qd8_sym__ref;
  k->f32_to_qd8_asym = tflrt_f32_to_qd8_asym__ref;
}
