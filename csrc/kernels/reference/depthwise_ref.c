/* Reference DEPTHWISE_CONV_2D kernels (the executable spec; see kernels/conv.h).
 *
 * Output channel oc = ic * depth_multiplier + m reads input channel ic and filter column oc
 * (filter [1, filter_h, filter_w, out_c]). The window sum runs over filter_y then filter_x,
 * skipping taps outside the input, as in TFLite's reference kernels. */
#include "../../quant/quant.h"
#include "../conv.h"

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

/* Adds to `sum` (int64) the window sum of (filter(0, fy, fx, oc) + f_off) *
 * (input(b, iy, ix, ic) + in_off). Uses the kernel's locals p, input, filter, b, ic, oc, iy0,
 * ix0. */
#define DW_WINDOW_SUM(in_off, f_off)                                                  \
  do {                                                                                \
    for (int32_t fy = 0; fy < p->filter_h; ++fy) {                                    \
      const int32_t iy = iy0 + fy * p->dilation_h;                                    \
      if (iy < 0 || iy >= p->in_h) continue;                                          \
      for (int32_t fx = 0; fx < p->filter_w; ++fx) {                                  \
        const int32_t ix = ix0 + fx * p->dilation_w;                                  \
        if (ix < 0 || ix >= p->in_w) continue;                                        \
        const int32_t x = input[at4(p->in_h, p->in_w, p->in_c, b, iy, ix, ic)];      \
        const int32_t w = filter[at4(p->filter_h, p->filter_w, p->out_c, 0, fy, fx, oc)]; \
        sum += (int64_t)(w + (f_off)) * (int64_t)(x + (in_off));                      \
      }                                                                               \
    }                                                                                 \
  } while (0)

void tflrt_f32_dwconv2d__ref(const tflrt_conv_params* p, const float* input, const float* filter,
                             const float* bias, float* output, int32_t begin, int32_t end) {
  const int32_t dm = p->depth_multiplier;
  for (int32_t r = begin; r < end; ++r) {
    const int32_t b = r / p->out_h, oy = r % p->out_h;
    const int32_t iy0 = oy * p->stride_h - p->pad_h;
    for (int32_t ox = 0; ox < p->out_w; ++ox) {
      const int32_t ix0 = ox * p->stride_w - p->pad_w;
      float* dst = output + at4(p->out_h, p->out_w, p->out_c, b, oy, ox, 0);
      for (int32_t ic = 0; ic < p->in_c; ++ic) {
        for (int32_t m = 0; m < dm; ++m) {
          const int32_t oc = ic * dm + m;
          float total = 0.0f;
          for (int32_t fy = 0; fy < p->filter_h; ++fy) {
            const int32_t iy = iy0 + fy * p->dilation_h;
            if (iy < 0 || iy >= p->in_h) continue;
            for (int32_t fx = 0; fx < p->filter_w; ++fx) {
              const int32_t ix = ix0 + fx * p->dilation_w;
              if (ix < 0 || ix >= p->in_w) continue;
              total += input[at4(p->in_h, p->in_w, p->in_c, b, iy, ix, ic)] *
                       filter[at4(p->filter_h, p->filter_w, p->out_c, 0, fy, fx, oc)];
            }
          }
          const float bias_value = bias ? bias[oc] : 0.0f;
          dst[oc] = clampf(total + bias_value, p->f32_min, p->f32_max);
        }
      }
    }
  }
}

void tflrt_qs8_dwconv2d__ref(const tflrt_conv_params* p, const int8_t* input,
                             const int8_t* filter, const int32_t* bias, int8_t* output,
                             int32_t begin, int32_t end) {
  const int32_t dm = p->depth_multiplier;
  for (int32_t r = begin; r < end; ++r) {
    const int32_t b = r / p->out_h, oy = r % p->out_h;
    const int32_t iy0 = oy * p->stride_h - p->pad_h;
    for (int32_t ox = 0; ox < p->out_w; ++ox) {
      const int32_t ix0 = ox * p->stride_w - p->pad_w;
      int8_t* dst = output + at4(p->out_h, p->out_w, p->out_c, b, oy, ox, 0);
      for (int32_t ic = 0; ic < p->in_c; ++ic) {
        for (int32_t m = 0; m < dm; ++m) {
          const int32_t oc = ic * dm + m;
          int64_t sum = 0;
          DW_WINDOW_SUM(p->input_offset, 0);
          if (bias) sum += bias[oc];
          int32_t acc = tflrt_mbqm(tflrt_wrap_i32(sum), p->out_mult[oc], p->out_shift[oc]);
          dst[oc] = (int8_t)clampi(acc + p->output_offset, p->q_min, p->q_max);
        }
      }
    }
  }
}

void tflrt_qu8_dwconv2d__ref(const tflrt_conv_params* p, const uint8_t* input,
                             const uint8_t* filter, const int32_t* bias, uint8_t* output,
                             int32_t begin, int32_t end) {
  const int32_t dm = p->depth_multiplier;
  for (int32_t r = begin; r < end; ++r) {
    const int32_t b = r / p->out_h, oy = r % p->out_h;
    const int32_t iy0 = oy * p->stride_h - p->pad_h;
    for (int32_t ox = 0; ox < p->out_w; ++ox) {
      const int32_t ix0 = ox * p->stride_w - p->pad_w;
      uint8_t* dst = output + at4(p->out_h, p->out_w, p->out_c, b, oy, ox, 0);
      for (int32_t ic = 0; ic < p->in_c; ++ic) {
        for (int32_t m = 0; m < dm; ++m) {
          const int32_t oc = ic * dm + m;
          int64_t sum = 0;
          DW_WINDOW_SUM(p->input_offset, p->filter_offset);
          if (bias) sum += bias[oc];
          int32_t acc = tflrt_mbqm(tflrt_wrap_i32(sum), p->out_mult[oc], p->out_shift[oc]);
          dst[oc] = (uint8_t)clampi(acc + p->output_offset, p->q_min, p->q_max);
        }
      }
    }
  }
}

void tflrt_qs16_dwconv2d__ref(const tflrt_conv_params* p, const int16_t* input,
                              const int8_t* filter, const int64_t* bias, int16_t* output,
                              int32_t begin, int32_t end) {
  const int32_t dm = p->depth_multiplier;
  const int64_t lim = (int64_t)1 << 47; /* TFLite's contract for the 64-bit MBQM input */
  for (int32_t r = begin; r < end; ++r) {
    const int32_t b = r / p->out_h, oy = r % p->out_h;
    const int32_t iy0 = oy * p->stride_h - p->pad_h;
    for (int32_t ox = 0; ox < p->out_w; ++ox) {
      const int32_t ix0 = ox * p->stride_w - p->pad_w;
      int16_t* dst = output + at4(p->out_h, p->out_w, p->out_c, b, oy, ox, 0);
      for (int32_t ic = 0; ic < p->in_c; ++ic) {
        for (int32_t m = 0; m < dm; ++m) {
          const int32_t oc = ic * dm + m;
          int64_t sum = 0;
          DW_WINDOW_SUM(0, 0);
          if (bias) sum = (int64_t)((uint64_t)sum + (uint64_t)bias[oc]);
          if (sum >= lim) sum = lim - 1;
          if (sum < -lim) sum = -lim;
          /* 64-bit MBQM whose int32 result wraps, as TFLite's cast does */
          const int32_t acc = tflrt_mbqm64_wrap(sum, p->out_mult[oc], p->out_shift[oc]);
          dst[oc] = (int16_t)clampi(acc, p->q_min, p->q_max);
        }
      }
    }
  }
}

void tflrt_qd8_f32_dwconv2d__ref(const tflrt_conv_params* p, const int8_t* input,
                                 const float* batch_scale, const int32_t* batch_zp,
                                 const int8_t* filter, const float* bias, float* output,
                                 int32_t begin, int32_t end) {
  const int32_t dm = p->depth_multiplier;
  for (int32_t r = begin; r < end; ++r) {
    const int32_t b = r / p->out_h, oy = r % p->out_h;
    const int32_t iy0 = oy * p->stride_h - p->pad_h;
    const int32_t in_off = -batch_zp[b];
    for (int32_t ox = 0; ox < p->out_w; ++ox) {
      const int32_t ix0 = ox * p->stride_w - p->pad_w;
      float* dst = output + at4(p->out_h, p->out_w, p->out_c, b, oy, ox, 0);
      for (int32_t ic = 0; ic < p->in_c; ++ic) {
        for (int32_t m = 0; m < dm; ++m) {
          const int32_t oc = ic * dm + m;
          int64_t sum = 0;
          DW_WINDOW_SUM(in_off, 0);
          float v = (float)tflrt_wrap_i32(sum);
          v *= p->filter_scale[oc] * batch_scale[b];
          if (bias) v += bias[oc];
          dst[oc] = clampf(v, p->f32_min, p->f32_max);
        }
      }
    }
  }
}
