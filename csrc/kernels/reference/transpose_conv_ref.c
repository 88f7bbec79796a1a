/* Reference transposed convolution kernels (see ../transpose_conv.h for the contract). */
#include <stdint.h>

#include "../../quant/quant.h"
#include "../transpose_conv.h"
#include "ref_common.h"

/* Input index range [*lo, *hi] whose taps reach output coordinate o along one axis. */
static void tap_range(int32_t o, int32_t pad, int32_t stride, int32_t filter, int32_t in,
                      int32_t* lo, int32_t* hi) {
  const int64_t first = (int64_t)o + pad - filter + 1; /* smallest i * stride reaching o */
  const int64_t last = (int64_t)o + pad;
  *lo = first <= 0 ? 0 : (int32_t)((first + stride - 1) / stride);
  const int64_t h = last / stride;
  *hi = h < in - 1 ? (int32_t)h : in - 1;
}

/* The gather loop shared by all types. For output (b, oy, ox, oc) it runs ACCUMULATE(x, w)
 * for every contributing (input value x, filter value w) in TFLite's order, then STORE(o, c)
 * with the accumulator `acc` (initialised to ACC_INIT). */
#define TCONV_LOOP(TI, TW, TA, ACC_INIT, ACCUMULATE, STORE)                                   \
  for (int32_t row = begin; row < end; row++) {                                              \
    const int32_t b = row / p->out_h, oy = row % p->out_h;                                   \
    int32_t iy0, iy1;                                                                        \
    tap_range(oy, p->pad_h, p->stride_h, p->filter_h, p->in_h, &iy0, &iy1);                 \
    const TI* in_b = input + (int64_t)b * p->in_h * p->in_w * p->in_c;                       \
    for (int32_t ox = 0; ox < p->out_w; ox++) {                                              \
      int32_t ix0, ix1;                                                                      \
      tap_range(ox, p->pad_w, p->stride_w, p->filter_w, p->in_w, &ix0, &ix1);               \
      const int64_t o = (((int64_t)b * p->out_h + oy) * p->out_w + ox) * p->out_c;           \
      for (int32_t c = 0; c < p->out_c; c++) {                                               \
        const TW* w_c = filter + (int64_t)c * p->filter_h * p->filter_w * p->in_c;           \
        TA acc = ACC_INIT;                                                                   \
        for (int32_t iy = iy0; iy <= iy1; iy++) {                                            \
          const int32_t fy = oy + p->pad_h - iy * p->stride_h;                               \
          for (int32_t ix = ix0; ix <= ix1; ix++) {                                          \
            const int32_t fx = ox + p->pad_w - ix * p->stride_w;                             \
            const TI* xv = in_b + ((int64_t)iy * p->in_w + ix) * p->in_c;                    \
            const TW* wv = w_c + ((int64_t)fy * p->filter_w + fx) * p->in_c;                 \
            for (int32_t ic = 0; ic < p->in_c; ic++) {                                       \
              ACCUMULATE(xv[ic], wv[ic]);                                                    \
            }                                                                                \
          }                                                                                  \
        }                                                                                    \
        STORE(o, c);                                                                         \
      }                                                                                      \
    }                                                                                        \
  }

/* The float accumulator (f32 and hybrid) plus the bias, clamped. */
#define F32_STORE(o, c)                                                                      \
  output[(o) + (c)] = ref_clampf(bias ? acc + bias[c] : acc, p->f32_min, p->f32_max)

static void tflrt_f32_tconv__ref(const tflrt_conv_params* p, const float* input,
                                 const float* filter, const float* bias, float* output,
                                 int32_t begin, int32_t end) {
#define F32_ACC(x, w) acc += (x) * (w)
  TCONV_LOOP(float, float, float, 0.0f, F32_ACC, F32_STORE)
#undef F32_ACC
}

#define Q32_ACC(x, w) acc += (uint32_t)(((int32_t)(x) + p->input_offset) * (int32_t)(w))
/* The int32 accumulator (wrapping) plus the bias, requantized with the output zero point ZP. */
#define Q32_STORE(T, o, c, ZP)                                                               \
  do {                                                                                       \
    uint32_t a = acc;                                                                        \
    if (bias) a += (uint32_t)bias[c];                                                        \
    output[(o) + (c)] = (T)ref_requantize(tflrt_wrap_i32((int64_t)a), p->out_mult[c],        \
                                          p->out_shift[c], ZP, p->q_min, p->q_max);          \
  } while (0)

static void tflrt_qs8_tconv__ref(const tflrt_conv_params* p, const int8_t* input,
                                 const int8_t* filter, const int32_t* bias, int8_t* output,
                                 int32_t begin, int32_t end) {
#define QS8_STORE(o, c) Q32_STORE(int8_t, o, c, p->output_offset)
  TCONV_LOOP(int8_t, int8_t, uint32_t, 0u, Q32_ACC, QS8_STORE)
#undef QS8_STORE
}

static void tflrt_qu8_tconv__ref(const tflrt_conv_params* p, const uint8_t* input,
                                 const uint8_t* filter, const int32_t* bias, uint8_t* output,
                                 int32_t begin, int32_t end) {
#define QU8_ACC(x, w)                                                                        \
  acc += (uint32_t)(((int32_t)(x) + p->input_offset) * ((int32_t)(w) + p->filter_offset))
#define QU8_STORE(o, c) Q32_STORE(uint8_t, o, c, p->output_offset)
  TCONV_LOOP(uint8_t, uint8_t, uint32_t, 0u, QU8_ACC, QU8_STORE)
#undef QU8_ACC
#undef QU8_STORE
}

static void tflrt_qs16_tconv__ref(const tflrt_conv_params* p, const int16_t* input,
                                  const int8_t* filter, const int64_t* bias, int16_t* output,
                                  int32_t begin, int32_t end) {
#define QS16_ACC(x, w) acc += (int64_t)(x) * (int64_t)(w)
#define QS16_STORE(o, c)                                                                     \
  do {                                                                                       \
    /* as CONV_2D: the bias added without overflow, the sum held to MBQM's +-2^47 domain */ \
    const int32_t v = tflrt_acc64_mbqm(acc, bias ? bias[c] : 0, p->out_mult[c], p->out_shift[c]); \
    output[(o) + (c)] = (int16_t)ref_clampi(v, p->q_min, p->q_max);                          \
  } while (0)
  TCONV_LOOP(int16_t, int8_t, int64_t, 0, QS16_ACC, QS16_STORE)
#undef QS16_ACC
#undef QS16_STORE
}

static void tflrt_qs16_tconv_acc32__ref(const tflrt_conv_params* p, const int16_t* input,
                                        const int8_t* filter, const int32_t* bias,
                                        int16_t* output, int32_t begin, int32_t end) {
#define QS16A_ACC(x, w) acc += (uint32_t)((int32_t)(x) * (int32_t)(w))
#define QS16A_STORE(o, c) Q32_STORE(int16_t, o, c, 0)
  TCONV_LOOP(int16_t, int8_t, uint32_t, 0u, QS16A_ACC, QS16A_STORE)
#undef QS16A_ACC
#undef QS16A_STORE
}

static void tflrt_qd8_f32_tconv__ref(const tflrt_conv_params* p, const int8_t* input,
                                     const float* batch_scale, const int32_t* batch_zp,
                                     const int8_t* filter, const float* bias, float* output,
                                     int32_t begin, int32_t end) {
#define QD8_ACC(x, w)                                                                        \
  acc += (float)(((int32_t)(x) - batch_zp[b]) * (int32_t)(w)) * p->filter_scale[c] *        \
         batch_scale[b]
  TCONV_LOOP(int8_t, int8_t, float, 0.0f, QD8_ACC, F32_STORE)
#undef QD8_ACC
}

void tflrt_tconv_kernels_ref(tflrt_tconv_kernels* k) {
  k->f32_tconv = tflrt_f32_tconv__ref;
  k->qs8_tconv = tflrt_qs8_tconv__ref;
  k->qu8_tconv = tflrt_qu8_tconv__ref;
  k->qs16_tconv = tflrt_qs16_tconv__ref;
  k->qs16_tconv_acc32 = tflrt_qs16_tconv_acc32__ref;
  k->qd8_f32_tconv = tflrt_qd8_f32_tconv__ref;
}
