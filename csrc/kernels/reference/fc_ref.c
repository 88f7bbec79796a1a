/* Reference fully-connected kernels: the executable spec of fully_connected.h. */
#include <math.h>
#include <stddef.h>

#include "../../quant/quant.h"
#include "../fully_connected.h"
#include "ref_common.h"

/* round(acc * scale) with round half away from zero, saturated to int32. */
static inline int32_t requant_double(double acc, double scale) {
  const double v = round(acc * scale);
  if (v >= 2147483647.0) return INT32_MAX;
  if (v <= -2147483648.0) return INT32_MIN;
  if (v != v) return 0;
  return (int32_t)v;
}

/* v + offset, clamped to [lo, hi] (formed in int64: no wrap-around). */
static inline int32_t add_offset_clamp(int32_t v, int32_t offset, int32_t lo, int32_t hi) {
  int64_t r = (int64_t)v + offset;
  if (r < lo) r = lo;
  if (r > hi) r = hi;
  return (int32_t)r;
}

/* The body every FULLY_CONNECTED kernel shares: for each output (b, c) of the tile
 * [r0, r1) x [c0, c1), acc (of type T_ACC, from 0) accumulates TERM over k in increasing order,
 * where x = input[b][k] and w = weights[c][k]; then output[b][c] = RESULT. */
#define FC_LOOP(T_IN, T_W, T_ACC, TERM, RESULT)                               \
  const size_t k_n = (size_t)p->in_features, n_out = (size_t)p->out_features; \
  for (int32_t b = r0; b < r1; b++) {                                         \
    const T_IN* xb = input + (size_t)b * k_n;                                 \
    for (int32_t c = c0; c < c1; c++) {                                       \
      const T_W* wc = weights + (size_t)c * k_n;                              \
      T_ACC acc = 0;                                                          \
      for (size_t k = 0; k < k_n; k++) {                                      \
        const T_IN x = xb[k];                                                 \
        const T_W w = wc[k];                                                  \
        acc += (TERM);                                                        \
      }                                                                       \
      output[(size_t)b * n_out + (size_t)c] = (RESULT);                       \
    }                                                                         \
  }

void tflrt_f32_fc__ref(const tflrt_fc_params* p, const float* input, const float* weights,
                        const float* bias, float* output, int32_t r0, int32_t r1, int32_t c0, int32_t c1) {
  FC_LOOP(float, float, float, x * w, ref_clampf(acc + (bias ? bias[c] : 0.0f), p->f32_min, p->f32_max))
}

/* 32-bit accumulator: wraps modulo 2^32 like TFLite's int32 one; requantized in double. */
static inline int32_t acc32_out(const tflrt_fc_params* p, uint32_t acc, const int32_t* bias, int32_t c) {
  if (bias) acc += (uint32_t)bias[c];
  const int32_t scaled = requant_double((double)(int32_t)acc, p->out_scale[c]);
  return add_offset_clamp(scaled, p->output_offset, p->q_min, p->q_max);
}

/* 32-bit accumulator paths, written once for every (input, weight, output) type. */
#define DEFINE_FC_ACC32(NAME, TIN, TW, TOUT)                                                    \
  void NAME(const tflrt_fc_params* p, const TIN* input, const TW* weights, const int32_t* bias, \
            TOUT* output, int32_t r0, int32_t r1, int32_t c0, int32_t c1) {                     \
    const int32_t in_off = p->input_offset, w_off = p->filter_offset;                           \
    FC_LOOP(TIN, TW, uint32_t, (uint32_t)(((int32_t)w + w_off) * ((int32_t)x + in_off)),        \
            (TOUT)acc32_out(p, acc, bias, c))                                                   \
  }

DEFINE_FC_ACC32(tflrt_qs8_fc__ref, int8_t, int8_t, int8_t)
DEFINE_FC_ACC32(tflrt_qu8_fc__ref, uint8_t, uint8_t, uint8_t)
DEFINE_FC_ACC32(tflrt_qu8_qs16_fc__ref, uint8_t, uint8_t, int16_t)
DEFINE_FC_ACC32(tflrt_qs16_fc_acc32__ref, int16_t, int8_t, int16_t)

/* 64-bit accumulator, int64 bias (wrapping), requantized in double. */
int32_t tflrt_qs16_fc_out__ref(const tflrt_fc_params* p, int64_t acc, const int64_t* bias, int32_t c) {
  if (bias) acc = (int64_t)((uint64_t)acc + (uint64_t)bias[c]);
  const int32_t scaled = requant_double((double)acc, p->out_scale[c]);
  return add_offset_clamp(scaled, p->output_offset, p->q_min, p->q_max);
}

void tflrt_qs16_fc__ref(const tflrt_fc_params* p, const int16_t* input, const int8_t* weights,
                         const int64_t* bias, int16_t* output, int32_t r0, int32_t r1, int32_t c0, int32_t c1) {
  const int32_t in_off = p->input_offset, w_off = p->filter_offset;
  FC_LOOP(int16_t, int8_t, int64_t, (int64_t)(((int32_t)w + w_off) * ((int32_t)x + in_off)),
          (int16_t)tflrt_qs16_fc_out__ref(p, acc, bias, c))
}

/* int16 weights: 64-bit accumulator, int32 or int64 bias, 64-bit MBQM. */
static inline int32_t qs16w_out(const tflrt_fc_params* p, int64_t acc, const int32_t* bias32,
                                const int64_t* bias64, int32_t c) {
  if (bias32) acc += bias32[c];
  if (bias64) acc = (int64_t)((uint64_t)acc + (uint64_t)bias64[c]);
  const int32_t scaled = tflrt_mbqm64(acc, p->out_mult[c], p->out_shift[c]);
  return add_offset_clamp(scaled, p->output_offset, p->q_min, p->q_max);
}

void tflrt_qs16_qs16w_fc__ref(const tflrt_fc_params* p, const int16_t* input, const int16_t* weights,
                               const int32_t* bias32, const int64_t* bias64, int16_t* output, int32_t r0,
                               int32_t r1, int32_t c0, int32_t c1) {
  const int64_t in_off = p->input_offset, w_off = p->filter_offset;
  FC_LOOP(int16_t, int16_t, int64_t, ((int64_t)w + w_off) * ((int64_t)x + in_off),
          (int16_t)qs16w_out(p, acc, bias32, bias64, c))
}

static inline float hybrid_activation(int32_t act, float v, float lo, float hi) {
  switch (act) {
    case TFLRT_ACT_TANH: return tanhf(v);
    case TFLRT_ACT_SIGN_BIT: return signbit(v) ? 1.0f : 0.0f;
    case TFLRT_ACT_NONE: return v;
    default: return ref_clampf(v, lo, hi); /* RELU family: lo/hi from the fused activation */
  }
}

/* Hybrid: the int32 dot product (wrapping) corrected for the batch zero point, scaled to float
 * in TFLite's operation order, plus the bias, then the fused activation. */
static inline float hybrid_out(const tflrt_fc_params* p, uint32_t acc, int32_t row_sum, int32_t zp,
                               float batch_scale, const float* bias, int32_t c) {
  acc -= (uint32_t)row_sum * (uint32_t)zp;
  const float scale = batch_scale * p->filter_scale[c];
  const float base = bias ? bias[c] : 0.0f;
  const float v = base + (float)(int32_t)acc * scale;
  return hybrid_activation(p->hybrid_act, v, p->f32_min, p->f32_max);
}

void tflrt_qd8_f32_qc8w_fc__ref(const tflrt_fc_params* p, const int8_t* input, const float* batch_scale,
                                 const int32_t* batch_zp, const int8_t* weights, const int32_t* row_sums,
                                 const float* bias, float* output, int32_t r0, int32_t r1, int32_t c0,
                                 int32_t c1) {
  FC_LOOP(int8_t, int8_t, uint32_t, (uint32_t)((int32_t)w * (int32_t)x),
          hybrid_out(p, acc, row_sums[c], batch_zp[b], batch_scale[b], bias, c))
}

void tflrt_qs8_row_sums__ref(const int8_t* weights, int32_t in_features, int32_t* row_sums, int32_t c0,
                              int32_t c1) {
  for (int32_t c = c0; c < c1; c++) {
    const int8_t* w = weights + (size_t)c * (size_t)in_features;
    uint32_t s = 0; /* int32 sum, wrapping */
    for (int32_t k = 0; k < in_features; k++) s += (uint32_t)(int32_t)w[k];
    row_sums[c] = (int32_t)s;
  }
}

void tflrt_fc_kernels_ref(tflrt_fc_kernels* k) {
  k->f32_fc = tflrt_f32_fc__ref;
  k->qs8_fc = tflrt_qs8_fc__ref;
  k->qu8_fc = tflrt_qu8_fc__ref;
  k->qu8_qs16_fc = tflrt_qu8_qs16_fc__ref;
  k->qs16_fc = tflrt_qs16_fc__ref;
  k->qs16_fc_acc32 = tflrt_qs16_fc_acc32__ref;
  k->qs16_qs16w_fc = tflrt_qs16_qs16w_fc__ref;
  k->qd8_f32_qc8w_fc = tflrt_qd8_f32_qc8w_fc__ref;
  k->qs8_row_sums = tflrt_qs8_row_sums__ref;
}
