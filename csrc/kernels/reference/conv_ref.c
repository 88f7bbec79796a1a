/* Reference CONV_2D kernels (the executable spec; see kernels/conv.h for the semantics) and the
 * dynamic input quantization used by the hybrid conv/depthwise paths.
 *
 * Loop order and arithmetic follow TFLite's reference kernels so that integer results are
 * bit-exact and float results accumulate in the same order: for each output pixel and output
 * channel, sum over filter_y, filter_x, then input channel, skipping taps outside the input. */
#include <math.h>
#include <string.h>

#include "../../quant/quant.h"
#include "../conv.h"

/* Flat NHWC offset. */
static inline size_t at4(int32_t d1, int32_t d2, int32_t d3, int32_t i0, int32_t i1, int32_t i2,
                         int32_t i3) {
  return (((size_t)i0 * (size_t)d1 + (size_t)i1) * (size_t)d2 + (size_t)i2) * (size_t)d3 +
         (size_t)i3;
}

static inline float clampf(float v, float lo, float hi) {
  v = v < lo ? lo : v; /* NaN passes through, as in TFLite */
  return v > hi ? hi : v;
}

static inline int32_t clampi(int32_t v, int32_t lo, int32_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

/* TFLite's 64-bit MBQM: its result is cast to int32, so a value outside int32 wraps (as in
 * TFLite). Its input is kept inside TFLite's documented contract |x| < 2^47: beyond it TFLite's
 * product overflows (undefined); clamping keeps ours defined. */
static inline int32_t requant64(int64_t acc, int32_t mult, int32_t shift) {
  const int64_t lim = (int64_t)1 << 47;
  if (acc >= lim) acc = lim - 1;
  if (acc < -lim) acc = -lim;
  return tflrt_mbqm64_wrap(acc, mult, shift);
}

/* Adds to `sum` (int64) the window sum of (filter(oc, fy, fx, ic) + f_off) *
 * (input(b, iy, ix, g * filter_c + ic) + in_off) for the output pixel whose window starts at
 * (iy0, ix0), skipping taps outside the input. Uses the kernel's locals p, input, filter, b,
 * g, oc, iy0, ix0. T_IN/T_F are the input and filter element types. */
#define CONV_WINDOW_SUM(T_IN, T_F, in_off, f_off)                                              \
  do {                                                                                         \
    for (int32_t fy = 0; fy < p->filter_h; ++fy) {                                             \
      const int32_t iy = iy0 + fy * p->dilation_h;                                             \
      if (iy < 0 || iy >= p->in_h) continue;                                                   \
      for (int32_t fx = 0; fx < p->filter_w; ++fx) {                                           \
        const int32_t ix = ix0 + fx * p->dilation_w;                                           \
        if (ix < 0 || ix >= p->in_w) continue;                                                 \
        const T_IN* src = input + at4(p->in_h, p->in_w, p->in_c, b, iy, ix, g * p->filter_c);  \
        const T_F* w = filter + at4(p->filter_h, p->filter_w, p->filter_c, oc, fy, fx, 0);     \
        for (int32_t ic = 0; ic < p->filter_c; ++ic)                                           \
          sum += (int64_t)((int32_t)w[ic] + (f_off)) * (int64_t)((int32_t)src[ic] + (in_off)); \
      }                                                                                        \
    }                                                                                          \
  } while (0)

void tflrt_f32_conv2d__ref(const tflrt_conv_params* p, const float* input, const float* filter,
                           const float* bias, float* output, int32_t begin, int32_t end) {
  for (int32_t r = begin; r < end; ++r) {
    const int32_t b = r / p->out_h, oy = r % p->out_h;
    const int32_t iy0 = oy * p->stride_h - p->pad_h;
    for (int32_t ox = 0; ox < p->out_w; ++ox) {
      const int32_t ix0 = ox * p->stride_w - p->pad_w;
      float* dst = output + at4(p->out_h, p->out_w, p->out_c, b, oy, ox, 0);
      for (int32_t oc = 0; oc < p->out_c; ++oc) {
        const int32_t g = oc / p->out_c_per_group;
        float total = 0.0f;
        for (int32_t fy = 0; fy < p->filter_h; ++fy) {
          const int32_t iy = iy0 + fy * p->dilation_h;
          if (iy < 0 || iy >= p->in_h) continue;
          for (int32_t fx = 0; fx < p->filter_w; ++fx) {
            const int32_t ix = ix0 + fx * p->dilation_w;
            if (ix < 0 || ix >= p->in_w) continue;
            const float* src = input + at4(p->in_h, p->in_w, p->in_c, b, iy, ix, g * p->filter_c);
            const float* w = filter + at4(p->filter_h, p->filter_w, p->filter_c, oc, fy, fx, 0);
            for (int32_t ic = 0; ic < p->filter_c; ++ic) total += src[ic] * w[ic];
          }
        }
        const float bias_value = bias ? bias[oc] : 0.0f;
        dst[oc] = clampf(total + bias_value, p->f32_min, p->f32_max);
      }
    }
  }
}

void tflrt_qs8_conv2d__ref(const tflrt_conv_params* p, const int8_t* input, const int8_t* filter,
                           const int32_t* bias, int8_t* output, int32_t begin, int32_t end) {
  for (int32_t r = begin; r < end; ++r) {
    const int32_t b = r / p->out_h, oy = r % p->out_h;
    const int32_t iy0 = oy * p->stride_h - p->pad_h;
    for (int32_t ox = 0; ox < p->out_w; ++ox) {
      const int32_t ix0 = ox * p->stride_w - p->pad_w;
      int8_t* dst = output + at4(p->out_h, p->out_w, p->out_c, b, oy, ox, 0);
      for (int32_t oc = 0; oc < p->out_c; ++oc) {
        const int32_t g = oc / p->out_c_per_group;
        int64_t sum = 0;
        CONV_WINDOW_SUM(int8_t, int8_t, p->input_offset, 0);
        if (bias) sum += bias[oc];
        int32_t acc = tflrt_mbqm(tflrt_wrap_i32(sum), p->out_mult[oc], p->out_shift[oc]);
        acc = clampi(acc + p->output_offset, p->q_min, p->q_max);
        dst[oc] = (int8_t)acc;
      }
    }
  }
}

void tflrt_qu8_conv2d__ref(const tflrt_conv_params* p, const uint8_t* input,
                           const uint8_t* filter, const int32_t* bias, uint8_t* output,
                           int32_t begin, int32_t end) {
  for (int32_t r = begin; r < end; ++r) {
    const int32_t b = r / p->out_h, oy = r % p->out_h;
    const int32_t iy0 = oy * p->stride_h - p->pad_h;
    for (int32_t ox = 0; ox < p->out_w; ++ox) {
      const int32_t ix0 = ox * p->stride_w - p->pad_w;
      uint8_t* dst = output + at4(p->out_h, p->out_w, p->out_c, b, oy, ox, 0);
      for (int32_t oc = 0; oc < p->out_c; ++oc) {
        const int32_t g = oc / p->out_c_per_group;
        int64_t sum = 0;
        CONV_WINDOW_SUM(uint8_t, uint8_t, p->input_offset, p->filter_offset);
        if (bias) sum += bias[oc];
        int32_t acc = tflrt_mbqm(tflrt_wrap_i32(sum), p->out_mult[oc], p->out_shift[oc]);
        acc = clampi(acc + p->output_offset, p->q_min, p->q_max);
        dst[oc] = (uint8_t)acc;
      }
    }
  }
}

void tflrt_qs16_conv2d__ref(const tflrt_conv_params* p, const int16_t* input,
                            const int8_t* filter, const int64_t* bias, int16_t* output,
                            int32_t begin, int32_t end) {
  for (int32_t r = begin; r < end; ++r) {
    const int32_t b = r / p->out_h, oy = r % p->out_h;
    const int32_t iy0 = oy * p->stride_h - p->pad_h;
    for (int32_t ox = 0; ox < p->out_w; ++ox) {
      const int32_t ix0 = ox * p->stride_w - p->pad_w;
      int16_t* dst = output + at4(p->out_h, p->out_w, p->out_c, b, oy, ox, 0);
      for (int32_t oc = 0; oc < p->out_c; ++oc) {
        const int32_t g = oc / p->out_c_per_group;
        int64_t sum = 0; /* |sum| <= taps * 2^22: cannot overflow for any loadable filter */
        CONV_WINDOW_SUM(int16_t, int8_t, 0, 0);
        if (bias) sum = (int64_t)((uint64_t)sum + (uint64_t)bias[oc]); /* wraps, no UB */
        int32_t acc = requant64(sum, p->out_mult[oc], p->out_shift[oc]);
        acc = clampi(acc, p->q_min, p->q_max);
        dst[oc] = (int16_t)acc;
      }
    }
  }
}

void tflrt_qs16_conv2d_acc32__ref(const tflrt_conv_params* p, const int16_t* input,
                                  const int8_t* filter, const int32_t* bias, int16_t* output,
                                  int32_t begin, int32_t end) {
  for (int32_t r = begin; r < end; ++r) {
    const int32_t b = r / p->out_h, oy = r % p->out_h;
    const int32_t iy0 = oy * p->stride_h - p->pad_h;
    for (int32_t ox = 0; ox < p->out_w; ++ox) {
      const int32_t ix0 = ox * p->stride_w - p->pad_w;
      int16_t* dst = output + at4(p->out_h, p->out_w, p->out_c, b, oy, ox, 0);
      for (int32_t oc = 0; oc < p->out_c; ++oc) {
        const int32_t g = oc / p->out_c_per_group;
        int64_t sum = 0;
        CONV_WINDOW_SUM(int16_t, int8_t, 0, 0);
        if (bias) sum += bias[oc];
        /* TFLite's int32 accumulator (int32 bias): wraps, then the 32-bit MBQM. */
        int32_t acc = tflrt_mbqm(tflrt_wrap_i32(sum), p->out_mult[oc], p->out_shift[oc]);
        acc = clampi(acc, p->q_min, p->q_max);
        dst[oc] = (int16_t)acc;
      }
    }
  }
}

void tflrt_qd8_f32_conv2d__ref(const tflrt_conv_params* p, const int8_t* input,
                               const float* batch_scale, const int32_t* batch_zp,
                               const int8_t* filter, const float* bias, float* output,
                               int32_t begin, int32_t end) {
  for (int32_t r = begin; r < end; ++r) {
    const int32_t b = r / p->out_h, oy = r % p->out_h;
    const int32_t iy0 = oy * p->stride_h - p->pad_h;
    const int32_t in_off = -batch_zp[b];
    for (int32_t ox = 0; ox < p->out_w; ++ox) {
      const int32_t ix0 = ox * p->stride_w - p->pad_w;
      float* dst = output + at4(p->out_h, p->out_w, p->out_c, b, oy, ox, 0);
      for (int32_t oc = 0; oc < p->out_c; ++oc) {
        const int32_t g = oc / p->out_c_per_group;
        int64_t sum = 0;
        CONV_WINDOW_SUM(int8_t, int8_t, in_off, 0);
        const float acc = (float)tflrt_wrap_i32(sum);
        float v;
        if (p->hybrid_mode == TFLRT_HYBRID_CONV_PER_TENSOR) {
          v = 0.0f + acc * batch_scale[b];
        } else { /* TFLRT_HYBRID_CONV_PER_CHANNEL */
          v = acc * p->filter_scale[oc] * batch_scale[b];
        }
        if (bias) v += bias[oc];
        dst[oc] = clampf(v, p->f32_min, p->f32_max);
      }
    }
  }
}

void tflrt_f32_to_qd8_sym__ref(const float* x, size_t n, int8_t* q, float* scale) {
  float lo = n ? x[0] : 0.0f, hi = lo;
  for (size_t i = 1; i < n; ++i) {
    if (x[i] < lo) lo = x[i];
    if (hi < x[i]) hi = x[i];
  }
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
  float lo = n ? x[0] : 0.0f, hi = lo;
  for (size_t i = 1; i < n; ++i) {
    if (x[i] < lo) lo = x[i];
    if (hi < x[i]) hi = x[i];
  }
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
