/* Reference element-wise unary kernels (see unary.h): plain C, the executable spec. */
#include <math.h>
#include <stdlib.h>

#include "../../quant/fixedpoint.h"
#include "../../quant/quant.h"
#include "../unary.h"

/* sigmoid(i / 24) in unsigned Q0.16 for i = 0..255 (the last entry saturates at 65535): the
 * table TFLite's int16 LOGISTIC and TANH interpolate in. These 256 numbers are taken from
 * TFLite's reference kernels as data: bit-exact int16 results need them verbatim, and no
 * rounding of the formula reproduces them (44 entries sit one above round-to-nearest; checked
 * against several roundings and float widths). tests/ops/test_activations.py checks them
 * against LiteRT over every int16 input. */
static const uint16_t k_sigmoid_q16[256] = {
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149,
    40794, 41432, 42064, 42688, 43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369,
    47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409, 51865, 52311, 52745, 53169,
    53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
    57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370,
    60565, 60753, 60935, 61110, 61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302,
    62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186, 63279, 63368, 63454, 63536,
    63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
    64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786,
    64816, 64845, 64873, 64900, 64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079,
    65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208, 65221, 65234, 65246, 65258,
    65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
    65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433,
    65438, 65442, 65445, 65449, 65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474,
    65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491, 65493, 65495, 65497, 65498,
    65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
    65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522,
    65523, 65523, 65524, 65524, 65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528,
    65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530, 65530, 65530, 65531, 65531,
    65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
    65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534,
    65534, 65534, 65534, 65535,
};

/* ---- small helpers ---- */

static inline int32_t clamp_i32(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

/* Two's complement narrowing without relying on implementation-defined conversions. */
static inline int16_t wrap_i16(int32_t v) {
  const uint16_t u = (uint16_t)(uint32_t)v;
  return u <= INT16_MAX ? (int16_t)u : (int16_t)((int32_t)u - 65536);
}
static inline int8_t wrap_i8(int32_t v) {
  const uint8_t u = (uint8_t)(uint32_t)v;
  return u <= INT8_MAX ? (int8_t)u : (int8_t)((int32_t)u - 256);
}

/* ---- float32 math ---- */

static void f32_abs__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const float* x = xv;
  float* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = fabsf(x[i]);
}

static void f32_neg__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const float* x = xv;
  float* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = -x[i];
}

static void f32_sqrt__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const float* x = xv;
  float* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = sqrtf(x[i]);
}

static void f32_rsqrt__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const float* x = xv;
  float* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = 1.0f / sqrtf(x[i]);
}

static void f32_exp__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const float* x = xv;
  float* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = expf(x[i]);
}

static void f32_log__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const float* x = xv;
  float* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = logf(x[i]);
}

static void f32_sin__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const float* x = xv;
  float* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = sinf(x[i]);
}

static void f32_cos__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const float* x = xv;
  float* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = cosf(x[i]);
}

static void f32_ceil__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const float* x = xv;
  float* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = ceilf(x[i]);
}

static void f32_floor__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const float* x = xv;
  float* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = floorf(x[i]);
}

/* ROUND rounds half to even (banker's rounding), written as TFLite writes it: from the floor,
 * so -0.5 and -0.3 give +0. */
static void f32_round__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const float* x = xv;
  float* y = yv;
  for (size_t i = 0; i < n; i++) {
    const float down = floorf(x[i]);
    const float frac = x[i] - down;
    const int down_is_even = fmodf(down, 2.0f) == 0.0f;
    y[i] = (frac < 0.5f || (frac == 0.5f && down_is_even)) ? down : down + 1.0f;
  }
}

static void f32_square__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const float* x = xv;
  float* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = x[i] * x[i];
}

/* SIGN keeps NaN, maps +-0 to +0. */
static void f32_sign__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const float* x = xv;
  float* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = isnan(x[i]) ? x[i] : (x[i] > 0.0f ? 1.0f : (x[i] < 0.0f ? -1.0f : 0.0f));
}

static void f64_sign__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const double* x = xv;
  double* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = isnan(x[i]) ? x[i] : (x[i] > 0.0 ? 1.0 : (x[i] < 0.0 ? -1.0 : 0.0));
}

/* ---- float32 activations ---- */

/* RELU, RELU6, RELU_N1_TO_1, RELU_0_TO_1: NaN passes through. */
static void f32_clamp__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const float* x = xv;
  float* y = yv;
  const float lo = p->f_min, hi = p->f_max;
  for (size_t i = 0; i < n; i++) y[i] = x[i] > hi ? hi : (x[i] < lo ? lo : x[i]);
}

static void f32_leaky_relu__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const float* x = xv;
  float* y = yv;
  const float alpha = p->alpha;
  for (size_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : x[i] * alpha;
}

static void f32_elu__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const float* x = xv;
  float* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = x[i] < 0.0f ? expm1f(x[i]) : x[i];
}

/* x * min(6, max(0, x + 3)) / 6 */
static void f32_hard_swish__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const float* x = xv;
  float* y = yv;
  for (size_t i = 0; i < n; i++) {
    const float shifted = x[i] + 3.0f;
    const float relu = 0.0f < shifted ? shifted : 0.0f;
    const float relu6 = relu < 6.0f ? relu : 6.0f;
    y[i] = x[i] * relu6 / 6.0f;
  }
}

/* 0.5 x (1 + erf(x / sqrt 2)), written with erfc to stay accurate for large negative x */
static void f32_gelu__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const float* x = xv;
  float* y = yv;
  const float minus_rsqrt2 = (float)-0.70710678118654752440;
  for (size_t i = 0; i < n; i++) y[i] = 0.5f * x[i] * erfcf(x[i] * minus_rsqrt2);
}

/* 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) */
static void f32_gelu_tanh__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const float* x = xv;
  float* y = yv;
  const float sqrt_2_over_pi = (float)0.79788456080286535588;
  for (size_t i = 0; i < n; i++) {
    const float v = x[i];
    y[i] = 0.5f * v * (1.0f + tanhf(sqrt_2_over_pi * (v + 0.044715f * v * v * v)));
  }
}

/* 1 / (1 + exp(-x)), with TFLite's cut-offs: 1 above 16.619..., exp(x) below -9. */
static void f32_logistic__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const float* x = xv;
  float* y = yv;
  const float upper = 16.619047164916992188f, lower = -9.0f;
  for (size_t i = 0; i < n; i++) {
    const float v = x[i];
    y[i] = v > upper ? 1.0f : (v < lower ? expf(v) : 1.0f / (1.0f + expf(-v)));
  }
}

static void f32_tanh__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const float* x = xv;
  float* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = tanhf(x[i]);
}

/* ---- plain integers (wrap-around like TFLite's two's complement arithmetic) ---- */

static void s8_neg__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const int8_t* x = xv;
  int8_t* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = wrap_i8(-(int32_t)x[i]);
}

static void s16_neg__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const int16_t* x = xv;
  int16_t* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = wrap_i16(-(int32_t)x[i]);
}

static void s32_neg__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const int32_t* x = xv;
  int32_t* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = tflrt_wrap_i32(-(int64_t)x[i]);
}

static void s64_neg__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const int64_t* x = xv;
  int64_t* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = x[i] == INT64_MIN ? INT64_MIN : -x[i];
}

static void s16_abs__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const int16_t* x = xv;
  int16_t* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = wrap_i16(abs((int32_t)x[i]));
}

static void s32_abs__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const int32_t* x = xv;
  int32_t* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = x[i] == INT32_MIN ? INT32_MIN : (x[i] < 0 ? -x[i] : x[i]);
}

static void s32_sign__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const int32_t* x = xv;
  int32_t* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = x[i] > 0 ? 1 : (x[i] < 0 ? -1 : 0);
}

/* ---- quantized ---- */

static void x8_lut__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const uint8_t* x = xv;
  uint8_t* y = yv;
  const uint8_t* lut = p->lut8;
  for (size_t i = 0; i < n; i++) y[i] = lut[x[i]];
}

static void qs16_lut__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const int16_t* x = xv;
  int16_t* y = yv;
  const int16_t* lut = p->lut16;
  for (size_t i = 0; i < n; i++) y[i] = tflrt_lut16_lookup(x[i], lut);
}

static inline int32_t requantize(const tflrt_unary_params* p, int32_t x) {
  const int32_t v = p->output_zero_point + tflrt_mbqm(x - p->input_zero_point, p->multiplier, p->shift);
  return clamp_i32(v, p->q_min, p->q_max);
}

static void qs8_requantize__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const int8_t* x = xv;
  int8_t* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = (int8_t)requantize(p, x[i]);
}

static void qu8_requantize__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const uint8_t* x = xv;
  uint8_t* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = (uint8_t)requantize(p, x[i]);
}

static void qs16_requantize__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const int16_t* x = xv;
  int16_t* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = (int16_t)requantize(p, x[i]);
}

static inline int32_t quantized_abs(const tflrt_unary_params* p, int32_t x) {
  const int32_t v = abs(x - p->input_zero_point);
  const int32_t scaled = p->needs_rescale ? tflrt_mbqm(v, p->multiplier, p->shift) : v;
  return clamp_i32(scaled + p->output_zero_point, p->q_min, p->q_max);
}

static void qs8_abs__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const int8_t* x = xv;
  int8_t* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = (int8_t)quantized_abs(p, x[i]);
}

static void qs16_abs__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const int16_t* x = xv;
  int16_t* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = (int16_t)quantized_abs(p, x[i]);
}

static inline int32_t leaky_relu(const tflrt_unary_params* p, int32_t x) {
  const int32_t v = x - p->input_zero_point;
  int32_t out = p->output_zero_point;
  if (v >= 0) {
    out += tflrt_mbqm(v, p->multiplier, p->shift);
  } else {
    /* a negative alpha gives a negative multiplier: apply its magnitude, then flip the sign */
    const int negative = p->alpha_multiplier < 0;
    const int32_t m = negative ? (int32_t)(0u - (uint32_t)p->alpha_multiplier) : p->alpha_multiplier;
    const int32_t scaled = tflrt_mbqm(v, m, p->alpha_shift);
    out += negative ? -scaled : scaled;
  }
  return clamp_i32(out, p->q_min, p->q_max);
}

static void qs8_leaky_relu__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const int8_t* x = xv;
  int8_t* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = (int8_t)leaky_relu(p, x[i]);
}

static void qu8_leaky_relu__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const uint8_t* x = xv;
  uint8_t* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = (uint8_t)leaky_relu(p, x[i]);
}

static void qs16_leaky_relu__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const int16_t* x = xv;
  int16_t* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = (int16_t)leaky_relu(p, x[i]);
}

/* -- hard swish: 16-bit fixed point as in TFLite's reference kernel -- */

/* Rounding doubling high multiply of two Q15 values (saturates only for -1 * -1). */
static inline int16_t srdhm16(int16_t a, int16_t b) {
  if (a == INT16_MIN && b == INT16_MIN) return INT16_MAX;
  const int32_t ab = (int32_t)a * (int32_t)b;
  const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
  return (int16_t)((ab + nudge) / (1 << 15));
}

/* The same without rounding (truncating division). */
static inline int16_t sdhm16(int16_t a, int16_t b) {
  if (a == INT16_MIN && b == INT16_MIN) return INT16_MAX;
  return (int16_t)(((int32_t)a * (int32_t)b) / (1 << 15));
}

static inline int16_t sat_shl16(int16_t v, int amount) {
  const int64_t r = amount >= 40 ? (v > 0 ? INT64_MAX / 2 : (v < 0 ? INT64_MIN / 2 : 0)) : (int64_t)v * ((int64_t)1 << amount);
  return (int16_t)(r > INT16_MAX ? INT16_MAX : (r < INT16_MIN ? INT16_MIN : r));
}

/* Rounding right shift of a 16-bit value. The mask is a 16-bit quantity, as in the 16-bit
 * instantiation TFLite uses: for exponents of 16 and more it wraps to -1, which the result
 * reproduces. */
static inline int16_t rdbpot16(int16_t x, int exponent) {
  const int16_t mask = wrap_i16((int32_t)((1LL << exponent) - 1));
  const int16_t remainder = (int16_t)(x & mask);
  const int16_t threshold = wrap_i16((mask >> 1) + (x < 0 ? 1 : 0));
  return wrap_i16((x >> exponent) + (remainder > threshold ? 1 : 0));
}

static inline int16_t hard_swish(const tflrt_unary_params* p, int32_t x) {
  const int16_t centered = wrap_i16(x - p->input_zero_point);
  const int16_t hires = wrap_i16(centered * 128); /* input on a 2^7 finer scale */
  const int16_t on_output_scale = srdhm16(hires, p->hs_output_multiplier);
  /* "reluish" factor: the input rescaled so that 3.0 maps to 32768, saturated, then moved from
   * [-1, 1] to [0, 1]. The left shift is split so that saturation only happens on the last bit. */
  int16_t reluish = hires;
  const int e = p->hs_reluish_exponent;
  if (e > 0) reluish = sat_shl16(reluish, e - 1);
  reluish = srdhm16(reluish, p->hs_reluish_multiplier);
  if (e > 0) reluish = sat_shl16(reluish, 1);
  if (e < 0) reluish = rdbpot16(reluish, -e);
  reluish = (int16_t)(((int32_t)reluish + (1 << 15)) >> 1);
  const int16_t product = sdhm16(reluish, on_output_scale);
  int16_t out = rdbpot16(product, -p->hs_output_exponent);
  out = wrap_i16(out + p->output_zero_point);
  return clamp_i32(out, p->q_min, p->q_max);
}

static void qs8_hard_swish__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const int8_t* x = xv;
  int8_t* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = (int8_t)hard_swish(p, x[i]);
}

static void qu8_hard_swish__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const uint8_t* x = xv;
  uint8_t* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = (uint8_t)hard_swish(p, x[i]);
}

/* -- int16 logistic / tanh: interpolation in the sigmoid table -- */

/* Input scaled to the table's 1/(3 * 4096)-per-step domain, in int32 arithmetic that wraps
 * like TFLite's. */
static inline int32_t scale_q16_input(int16_t x, int32_t mult, int left_shift, int32_t round) {
  return tflrt_wrap_i32((int64_t)x * mult + round) >> left_shift;
}

static void qs16_logistic__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const int16_t* x = xv;
  int16_t* y = yv;
  int32_t mult = p->multiplier;
  int shift = p->input_left_shift;
  if (mult == 0) { /* power-of-two input scale */
    mult = 3 << shift;
    shift = 0;
  }
  const int32_t round = shift > 0 ? 1 << (shift - 1) : 0;
  for (size_t i = 0; i < n; i++) {
    const int32_t v = scale_q16_input(x[i], mult, shift, round);
    const uint32_t a = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
    const uint32_t index = a >> 9;
    uint32_t r;
    if (index >= 255) {
      r = 0x7FFFu << 10;
    } else {
      const uint32_t lo = k_sigmoid_q16[index], hi = k_sigmoid_q16[index + 1];
      r = (lo << 9) + (a & 0x1ffu) * (hi - lo);
    }
    /* sigmoid(-x) = 1 - sigmoid(x) */
    r = v >= 0 ? r + (1u << 9) : (1u << 25) - r + (1u << 9) - 1u;
    y[i] = wrap_i16((int32_t)(r >> 10));
  }
}

static void qs16_tanh__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const int16_t* x = xv;
  int16_t* y = yv;
  int32_t mult = p->multiplier;
  int shift = p->input_left_shift;
  if (mult == 0) {
    mult = 3 << shift;
    shift = 0;
  }
  const int32_t round = shift > 0 ? 1 << (shift - 1) : 0;
  for (size_t i = 0; i < n; i++) {
    const int32_t v = scale_q16_input(x[i], mult, shift, round);
    const uint32_t a = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
    const uint32_t index = a >> 8; /* tanh(x) = 2 sigmoid(2x) - 1 */
    int32_t r;
    if (index >= 255) {
      r = 0xFFFF << 8;
    } else {
      const uint32_t lo = k_sigmoid_q16[index], hi = k_sigmoid_q16[index + 1];
      r = (int32_t)((lo << 8) + (a & 0xffu) * (hi - lo));
    }
    r = v >= 0 ? r - (1 << 23) + (1 << 7) : -r + (1 << 23) + (1 << 7) - 1;
    y[i] = wrap_i16(r >> 8);
  }
}

/* -- int8 RSQRT and int8/int16 SQRT -- */

static void qs8_rsqrt__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const int8_t* x = xv;
  int8_t* y = yv;
  const int extra = 20; /* keeps the intermediate 1/sqrt an integer with 20 fraction bits */
  for (size_t i = 0; i < n; i++) {
    const int32_t v = x[i] - p->input_zero_point;
    if (v == 0) { /* an input at zero maps to the largest output */
      y[i] = INT8_MAX;
      continue;
    }
    int32_t m;
    int s;
    tflrt_inv_sqrt_multiplier(v, -1, &m, &s);
    const int32_t inv = tflrt_mbqm(1, m, s + extra);
    const int32_t out = tflrt_mbqm(inv, p->multiplier, p->shift - extra) + p->output_zero_point;
    y[i] = (int8_t)clamp_i32(out, INT8_MIN, INT8_MAX);
  }
}

/* float -> int conversion as x86-64 performs it (cvttss2si): out-of-range and NaN give INT32_MIN. */
static inline int32_t truncate_f32_x86(float v) {
  if (!(v > -2147483904.0f && v < 2147483648.0f)) return INT32_MIN;
  return (int32_t)v;
}

static inline int32_t quantized_sqrt(const tflrt_unary_params* p, int32_t x) {
  const float real = p->input_scale * (float)(x - p->input_zero_point);
  const float root = sqrtf(real);
  const int32_t q = (int32_t)((int64_t)truncate_f32_x86(root / p->output_scale) + p->output_zero_point);
  return clamp_i32(q, p->q_min, p->q_max);
}

static void qs8_sqrt__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const int8_t* x = xv;
  int8_t* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = (int8_t)quantized_sqrt(p, x[i]);
}

static void qs16_sqrt__ref(const tflrt_unary_params* p, const void* xv, void* yv, size_t n) {
  const int16_t* x = xv;
  int16_t* y = yv;
  for (size_t i = 0; i < n; i++) y[i] = (int16_t)quantized_sqrt(p, x[i]);
}

void tflrt_unary_kernels_ref(tflrt_unary_kernels* k) {
  k->f32_abs = f32_abs__ref;
  k->f32_neg = f32_neg__ref;
  k->f32_sqrt = f32_sqrt__ref;
  k->f32_rsqrt = f32_rsqrt__ref;
  k->f32_exp = f32_exp__ref;
  k->f32_log = f32_log__ref;
  k->f32_sin = f32_sin__ref;
  k->f32_cos = f32_cos__ref;
  k->f32_ceil = f32_ceil__ref;
  k->f32_floor = f32_floor__ref;
  k->f32_round = f32_round__ref;
  k->f32_square = f32_square__ref;
  k->f32_sign = f32_sign__ref;
  k->f64_sign = f64_sign__ref;
  k->f32_clamp = f32_clamp__ref;
  k->f32_leaky_relu = f32_leaky_relu__ref;
  k->f32_elu = f32_elu__ref;
  k->f32_hard_swish = f32_hard_swish__ref;
  k->f32_gelu = f32_gelu__ref;
  k->f32_gelu_tanh = f32_gelu_tanh__ref;
  k->f32_logistic = f32_logistic__ref;
  k->f32_tanh = f32_tanh__ref;
  k->s8_neg = s8_neg__ref;
  k->s16_neg = s16_neg__ref;
  k->s32_neg = s32_neg__ref;
  k->s64_neg = s64_neg__ref;
  k->s16_abs = s16_abs__ref;
  k->s32_abs = s32_abs__ref;
  k->s32_sign = s32_sign__ref;
  k->x8_lut = x8_lut__ref;
  k->qs16_lut = qs16_lut__ref;
  k->qs8_requantize = qs8_requantize__ref;
  k->qu8_requantize = qu8_requantize__ref;
  k->qs16_requantize = qs16_requantize__ref;
  k->qs8_abs = qs8_abs__ref;
  k->qs16_abs = qs16_abs__ref;
  k->qs8_leaky_relu = qs8_leaky_relu__ref;
  k->qu8_leaky_relu = qu8_leaky_relu__ref;
  k->qs16_leaky_relu = qs16_leaky_relu__ref;
  k->qs8_hard_swish = qs8_hard_swish__ref;
  k->qu8_hard_swish = qu8_hard_swish__ref;
  k->qs16_logistic = qs16_logistic__ref;
  k->qs16_tanh = qs16_tanh__ref;
  k->qs8_rsqrt = qs8_rsqrt__ref;
  k->qs8_sqrt = qs8_sqrt__ref;
  k->qs16_sqrt = qs16_sqrt__ref;
  k->cast = tflrt_cast__ref;
}
