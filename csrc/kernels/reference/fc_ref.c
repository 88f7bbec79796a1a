/* Reference fully-connected kernels: the executable spec of fully_connected.h. */
#include <math.h>
#include <stddef.h>

#include "../../quant/quant.h"
#include "../fully_connected.h"

/* std::max / std::min as TFLite uses them (a NaN first argument is kept). */
static inline float max_f(float a, float b) { return a < b ? b : a; }
static inline float min_f(float a, float b) { return b < a ? b : a; }

/* round(acc * scale) with round half away from zero, saturated to int32. */
static inline int32_t requant_double(double acc, double scale) {
  const double v = round(acc * scale);
  if (v >= 2147483647.0) return INT32_MAX;
  if (v <= -2147483648.0) return INT32_MIN;
  if (v != v) return 0;
  return (int32_t)v;
}

static inline int32_t add_offset_clamp(int32_t v, int32_t offset, int32_t lo, int32_t hi) {
  int64_t r = (int64_t)v + offset;
  if (r < lo) r = lo;
  if (r > hi) r = hi;
  return (int32_t)r;
}

void tflrt_f32_fc__ref(const tflrt_fc_params* p, const float* input, const float* weights,
                        const float* bias, float* output, int32_t r0, int32_t r1, int32_t c0, int32_t c1) {
  const size_t k_n = (size_t)p->in_features, n_out = (size_t)p->out_features;
  for (int32_t b = r0; b < r1; b++) {
    const float* x = input + (size_t)b * k_n;
    for (int32_t c = c0; c < c1; c++) {
      const float* w = weights + (size_t)c * k_n;
      float total = 0.0f;
      for (size_t k = 0; k < k_n; k++) total += x[k] * w[k];
      const float bias_value = bias ? bias[c] : 0.0f;
      output[(size_t)b * n_out + (size_t)c] = min_f(max_f(total + bias_value, p->f32_min), p->f32_max);
    }
  }
}

/* 32-bit accumulator paths, written once for every (input, weight, output) type. */
#define DEFINE_FC_ACC32(NAME, TIN, TW, TOUT)                                                            \
  void NAME(const tflrt_fc_params* p, const TIN* input, const TW* weights, const int32_t* bias,   \
                   TOUT* output, int32_t r0, int32_t r1, int32_t c0, int32_t c1) {                      \
    const size_t k_n = (size_t)p->in_features, n_out = (size_t)p->out_features;                         \
    const int32_t in_off = p->input_offset, w_off = p->filter_offset;                                   \
    for (int32_t b = r0; b < r1; b++) {                                                                 \
      const TIN* x = input + (size_t)b * k_n;                                                           \
      for (int32_t c = c0; c < c1; c++) {                                                               \
        const TW* w = weights + (size_t)c * k_n;                                                        \
        uint32_t acc = 0; /* wraps modulo 2^32 like TFLite's int32 accumulator */                       \
        for (size_t k = 0; k < k_n; k++)                                                                \
          acc += (uint32_t)(((int32_t)w[k] + w_off) * ((int32_t)x[k] + in_off));                       \
        if (bias) acc += (uint32_t)bias[c];                                                             \
        const int32_t scaled = requant_double((double)(int32_t)acc, p->out_scale[c]);                   \
        output[(size_t)b * n_out + (size_t)c] =                                                         \
            (TOUT)add_offset_clamp(scaled, p->output_offset, p->q_min, p->q_max);                       \
      }                                                                                                 \
    }                                                                                                   \
  }

DEFINE_FC_ACC32(tflrt_qs8_fc__ref, int8_t, int8_t, int8_t)
DEFINE_FC_ACC32(tflrt_qu8_fc__ref, uint8_t, uint8_t, uint8_t)
DEFINE_FC_ACC32(tflrt_qu8_qs16_fc__ref, uint8_t, uint8_t, int16_t)
DEFINE_FC_ACC32(tflrt_qs16_fc_acc32__ref, int16_t, int8_t, int16_t)

void tflrt_qs16_fc__ref(const tflrt_fc_params* p, const int16_t* input, const int8_t* weights,
                         const int64_t* bias, int16_t* output, int32_t r0, int32_t r1, int32_t c0, int32_t c1) {
  const size_t k_n = (size_t)p->in_features, n_out = (size_t)p->out_features;
  const int32_t in_off = p->input_offset, w_off = p->filter_offset;
  for (int32_t b = r0; b < r1; b++) {
    const int16_t* x = input + (size_t)b * k_n;
    for (int32_t c = c0; c < c1; c++) {
      const int8_t* w = weights + (size_t)c * k_n;
      int64_t acc = 0;
      for (size_t k = 0; k < k_n; k++) acc += (int64_t)(((int32_t)w[k] + w_off) * ((int32_t)x[k] + in_off));
      if (bias) acc = (int64_t)((uint64_t)acc + (uint64_t)bias[c]);
      const int32_t scaled = requant_double((double)acc, p->out_scale[c]);
      output[(size_t)b * n_out + (size_t)c] = (int16_t)add_offset_clamp(scaled, p->output_offset, p->q_min, p->q_max);
    }
  }
}

void tflrt_qs16_qs16w_fc__ref(const tflrt_fc_params* p, const int16_t* input, const int16_t* weights,
                               const int32_t* bias32, const int64_t* bias64, int16_t* output, int32_t r0,
                               int32_t r1, int32_t c0, int32_t c1) {
  const size_t k_n = (size_t)p->in_features, n_out = (size_t)p->out_features;
  const int64_t in_off = p->input_offset, w_off = p->filter_offset;
  for (int32_t b = r0; b < r1; b++) {
    const int16_t* x = input + (size_t)b * k_n;
    for (int32_t c = c0; c < c1; c++) {
      const int16_t* w = weights + (size_t)c * k_n;
      int64_t acc = 0;
      for (size_t k = 0; k < k_n; k++) acc += ((int64_t)w[k] + w_off) * ((int64_t)x[k] + in_off);
      if (bias32) acc += bias32[c];
      if (bias64) acc = (int64_t)((uint64_t)acc + (uint64_t)bias64[c]);
      const int32_t scaled = tflrt_mbqm64(acc, p->out_mult[c], p->out_shift[c]);
      output[(size_t)b * n_out + (size_t)c] = (int16_t)add_offset_clamp(scaled, p->output_offset, p->q_min, p->q_max);
    }
  }
}

static inline float hybrid_activation(int32_t act, float v, float lo, float hi) {
  switch (act) {
    case TFLRT_ACT_TANH: return tanhf(v);
    case TFLRT_ACT_SIGN_BIT: return signbit(v) ? 1.0f : 0.0f;
    case TFLRT_ACT_NONE: return v;
    default: return min_f(max_f(v, lo), hi); /* RELU family: lo/hi from the fused activation */
  }
}

void tflrt_qd8_f32_qc8w_fc__ref(const tflrt_fc_params* p, const int8_t* qinput, const float* batch_scale,
                                 const int32_t* batch_zp, const int8_t* weights, const int32_t* row_sums,
                                 const float* bias, float* output, int32_t r0, int32_t r1, int32_t c0,
                                 int32_t c1) {
  const size_t k_n = (size_t)p->in_features, n_out = (size_t)p->out_features;
  for (int32_t b = r0; b < r1; b++) {
    const int8_t* x = qinput + (size_t)b * k_n;
    const float bs = batch_scale[b];
    const int32_t zp = batch_zp[b];
    for (int32_t c = c0; c < c1; c++) {
      const int8_t* w = weights + (size_t)c * k_n;
      uint32_t acc = 0;
      for (size_t k = 0; k < k_n; k++) acc += (uint32_t)((int32_t)w[k] * (int32_t)x[k]);
      acc -= (uint32_t)row_sums[c] * (uint32_t)zp;
      const float scale = bs * p->filter_scale[c];
      const float base = bias ? bias[c] : 0.0f;
      const float v = base + (float)(int32_t)acc * scale;
      output[(size_t)b * n_out + (size_t)c] = hybrid_activation(p->hybrid_act, v, p->f32_min, p->f32_max);
    }
  }
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
