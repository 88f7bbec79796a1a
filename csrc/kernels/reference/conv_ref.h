/* What the reference CONV_2D (conv_ref.c) and DEPTHWISE_CONV_2D (depthwise_ref.c) kernels share.
 *
 * A depthwise convolution is a grouped convolution with one input channel per group and its
 * filter stored [1, filter_h, filter_w, out_c], so both ops run one loop over the output values
 * and one sum over each value's taps; only where the taps lie differs (conv_out below).
 *
 * Loop order and arithmetic follow TFLite's reference kernels, so integer results are bit-exact
 * and float sums accumulate in the same order: for each output value (batch, out_y, out_x,
 * out_channel), sum over filter_y, filter_x, then input channel, skipping taps outside the
 * input. Private to csrc/kernels/reference/. */
#ifndef TFLITE_RT_KERNELS_REFERENCE_CONV_REF_H
#define TFLITE_RT_KERNELS_REFERENCE_CONV_REF_H

#include "../conv.h"
#include "ref_common.h"

/* One output value and where its taps lie. Output rows r = (batch, out_y) run over [begin, end),
 * then out_x, then output channel oc, in TFLite's order; o is the flat output offset. Filter
 * tap (fy, fx) meets input pixel (iy0 + fy * dilation_h, ix0 + fx * dilation_w) when that lies
 * inside the input, and there multiplies the n_c input channels from in_c0 on with the filter
 * values from f0 + (fy * filter_w + fx) * f_step on:
 *   CONV_2D (filter [out_c, filter_h, filter_w, filter_c]), group g = oc / out_c_per_group:
 *     in_c0 = g * filter_c, n_c = filter_c, f0 = oc * filter_h * filter_w * filter_c,
 *     f_step = filter_c
 *   DEPTHWISE_CONV_2D (filter [1, filter_h, filter_w, out_c]):
 *     in_c0 = oc / depth_multiplier, n_c = 1, f0 = oc, f_step = out_c */
typedef struct {
  int32_t r, ox, oc;   /* output row (batch * out_h + out_y), column, channel */
  size_t o;            /* flat output offset of (r, ox, oc) */
  int32_t b, iy0, ix0; /* batch; input position of tap (0, 0) */
  int32_t in_c0, n_c;  /* the input channels each tap reads */
  size_t f0, f_step;   /* filter offset of tap (0, 0), channel 0; step from one tap to the next */
} conv_out;

static inline void conv_out_channel(const tflrt_conv_params* p, int depthwise, conv_out* t) {
  if (depthwise) {
    t->in_c0 = t->oc / p->depth_multiplier;
    t->n_c = 1;
    t->f0 = (size_t)t->oc;
    t->f_step = (size_t)p->out_c;
  } else {
    t->in_c0 = t->oc / p->out_c_per_group * p->filter_c;
    t->n_c = p->filter_c;
    t->f0 = (size_t)t->oc * (size_t)p->filter_h * (size_t)p->filter_w * (size_t)p->filter_c;
    t->f_step = (size_t)p->filter_c;
  }
}

static inline void conv_out_pixel(const tflrt_conv_params* p, conv_out* t) {
  t->b = t->r / p->out_h;
  t->iy0 = t->r % p->out_h * p->stride_h - p->pad_h;
  t->ix0 = t->ox * p->stride_w - p->pad_w;
}

static inline conv_out conv_out_first(const tflrt_conv_params* p, int32_t begin, int32_t end,
                                      int depthwise) {
  conv_out t = {0};
  t.r = begin;
  t.o = (size_t)begin * (size_t)p->out_w * (size_t)p->out_c;
  if (begin >= end || p->out_w <= 0 || p->out_c <= 0) {
    t.r = end; /* nothing to compute */
    return t;
  }
  conv_out_pixel(p, &t);
  conv_out_channel(p, depthwise, &t);
  return t;
}

static inline void conv_out_next(const tflrt_conv_params* p, int depthwise, conv_out* t) {
  t->o++;
  if (++t->oc == p->out_c) {
    t->oc = 0;
    if (++t->ox == p->out_w) {
      t->ox = 0;
      t->r++;
    }
    conv_out_pixel(p, t);
  }
  conv_out_channel(p, depthwise, t);
}

/* for (each output value t of rows [begin, end)), in the kernel's p, begin, end */
#define FOR_EACH_CONV_OUT(t, depthwise)                                  \
  for (conv_out t = conv_out_first(p, begin, end, depthwise); t.r < end; \
       conv_out_next(p, depthwise, &t))

/* NAME(p, t, input, filter, in_off, f_off): the sum over the taps of t of TERM, where x and w
 * point at the input and filter values of one tap and c is the channel. */
#define DEFINE_TAP_SUM(NAME, T_IN, T_F, T_ACC, TERM)                                            \
  static inline T_ACC NAME(const tflrt_conv_params* p, const conv_out* t, const T_IN* input,    \
                           const T_F* filter, int32_t in_off, int32_t f_off) {                  \
    T_ACC acc = 0;                                                                              \
    for (int32_t fy = 0; fy < p->filter_h; ++fy) {                                              \
      const int32_t iy = t->iy0 + fy * p->dilation_h;                                           \
      if (iy < 0 || iy >= p->in_h) continue;                                                    \
      for (int32_t fx = 0; fx < p->filter_w; ++fx) {                                            \
        const int32_t ix = t->ix0 + fx * p->dilation_w;                                         \
        if (ix < 0 || ix >= p->in_w) continue;                                                  \
        const T_IN* x = input + ref_offset4(p->in_h, p->in_w, p->in_c, t->b, iy, ix, t->in_c0); \
        const T_F* w = filter + t->f0 + (size_t)(fy * p->filter_w + fx) * t->f_step;            \
        for (int32_t c = 0; c < t->n_c; ++c) acc += TERM;                                       \
      }                                                                                         \
    }                                                                                           \
    return acc;                                                                                 \
  }

/* float: the sum of input * filter, in float (the offsets are unused). */
DEFINE_TAP_SUM(tap_sum_f32, float, float, float, x[c] * w[c])
/* integers: the sum of (filter + f_off) * (input + in_off), exact in int64; the callers wrap it
 * to TFLite's int32 accumulator where TFLite has one. */
#define INT_TAP ((int64_t)((int32_t)w[c] + f_off) * (int64_t)((int32_t)x[c] + in_off))
DEFINE_TAP_SUM(tap_sum_s8, int8_t, int8_t, int64_t, INT_TAP)
DEFINE_TAP_SUM(tap_sum_u8, uint8_t, uint8_t, int64_t, INT_TAP)
DEFINE_TAP_SUM(tap_sum_s16, int16_t, int8_t, int64_t, INT_TAP)
#undef INT_TAP

/* ---- from the tap sum to the output value ---- */

/* float: sum + bias, fused activation clamp. */
static inline float f32_out(const tflrt_conv_params* p, float sum, const float* bias, int32_t oc) {
  const float bias_value = bias ? bias[oc] : 0.0f;
  return ref_clampf(sum + bias_value, p->f32_min, p->f32_max);
}

/* TFLite's int32 accumulator (the sum plus the int32 bias, wrapped), the per-channel 32-bit
 * MBQM, the output zero point, the clamp. */
static inline int32_t acc32_out(const tflrt_conv_params* p, int64_t sum, const int32_t* bias,
                                int32_t oc, int32_t zero_point) {
  if (bias) sum += bias[oc];
  return ref_requantize(tflrt_wrap_i32(sum), p->out_mult[oc], p->out_shift[oc], zero_point,
                        p->q_min, p->q_max);
}

/* The 64-bit accumulator of int16 activations with an int64 bias (zero points 0): quant.h's
 * tflrt_acc64_mbqm, then the clamp. */
static inline int32_t acc64_out(const tflrt_conv_params* p, int64_t sum, const int64_t* bias,
                                int32_t oc) {
  return ref_clampi(tflrt_acc64_mbqm(sum, bias ? bias[oc] : 0, p->out_mult[oc], p->out_shift[oc]),
                    p->q_min, p->q_max);
}

/* Hybrid: the int32 accumulator scaled to float in the operation order of `mode`
 * (TFLRT_HYBRID_*, see conv.h), plus the bias, clamped. */
static inline float hybrid_out(const tflrt_conv_params* p, int32_t mode, int64_t sum,
                               float batch_scale, const float* bias, int32_t oc) {
  const float acc = (float)tflrt_wrap_i32(sum);
  float v;
  if (mode == TFLRT_HYBRID_CONV_PER_TENSOR) {
    v = 0.0f + acc * batch_scale;
  } else if (mode == TFLRT_HYBRID_DEPTHWISE) {
    v = acc * (p->filter_scale[oc] * batch_scale);
  } else { /* TFLRT_HYBRID_CONV_PER_CHANNEL */
    v = acc * p->filter_scale[oc] * batch_scale;
  }
  if (bias) v += bias[oc];
  return ref_clampf(v, p->f32_min, p->f32_max);
}

/* ---- the kernels of both ops, over one output row range (depthwise: 0 or 1) ---- */

static inline void f32_conv(const tflrt_conv_params* p, const float* input, const float* filter,
                            const float* bias, float* output, int32_t begin, int32_t end,
                            int depthwise) {
  FOR_EACH_CONV_OUT(t, depthwise) {
    output[t.o] = f32_out(p, tap_sum_f32(p, &t, input, filter, 0, 0), bias, t.oc);
  }
}

static inline void qs8_conv(const tflrt_conv_params* p, const int8_t* input, const int8_t* filter,
                            const int32_t* bias, int8_t* output, int32_t begin, int32_t end,
                            int depthwise) {
  FOR_EACH_CONV_OUT(t, depthwise) {
    const int64_t sum = tap_sum_s8(p, &t, input, filter, p->input_offset, 0);
    output[t.o] = (int8_t)acc32_out(p, sum, bias, t.oc, p->output_offset);
  }
}

/* the legacy uint8 path: the filter has a zero point too */
static inline void qu8_conv(const tflrt_conv_params* p, const uint8_t* input,
                            const uint8_t* filter, const int32_t* bias, uint8_t* output,
                            int32_t begin, int32_t end, int depthwise) {
  FOR_EACH_CONV_OUT(t, depthwise) {
    const int64_t sum = tap_sum_u8(p, &t, input, filter, p->input_offset, p->filter_offset);
    output[t.o] = (uint8_t)acc32_out(p, sum, bias, t.oc, p->output_offset);
  }
}

/* int16 activations: |sum| <= taps * 2^22 cannot overflow for any loadable filter */
static inline void qs16_conv(const tflrt_conv_params* p, const int16_t* input,
                             const int8_t* filter, const int64_t* bias, int16_t* output,
                             int32_t begin, int32_t end, int depthwise) {
  FOR_EACH_CONV_OUT(t, depthwise) {
    output[t.o] = (int16_t)acc64_out(p, tap_sum_s16(p, &t, input, filter, 0, 0), bias, t.oc);
  }
}

static inline void qd8_f32_conv(const tflrt_conv_params* p, const int8_t* input,
                                const float* batch_scale, const int32_t* batch_zp,
                                const int8_t* filter, const float* bias, float* output,
                                int32_t begin, int32_t end, int depthwise) {
  const int32_t mode = depthwise ? TFLRT_HYBRID_DEPTHWISE : p->hybrid_mode;
  FOR_EACH_CONV_OUT(t, depthwise) {
    const int64_t sum = tap_sum_s8(p, &t, input, filter, -batch_zp[t.b], 0);
    output[t.o] = hybrid_out(p, mode, sum, batch_scale[t.b], bias, t.oc);
  }
}

/* Defines the exported kernel NAME (the conv.h signature of tflrt_<type>_conv_fn) as DRIVER over
 * the taps of CONV_2D (DEPTHWISE 0) or DEPTHWISE_CONV_2D (1). */
#define DEFINE_CONV_KERNEL(NAME, DRIVER, DEPTHWISE, T_IN, T_F, T_BIAS, T_OUT)                 \
  void NAME(const tflrt_conv_params* p, const T_IN* input, const T_F* filter,                 \
            const T_BIAS* bias, T_OUT* output, int32_t begin, int32_t end) {                  \
    DRIVER(p, input, filter, bias, output, begin, end, DEPTHWISE);                            \
  }

#endif
