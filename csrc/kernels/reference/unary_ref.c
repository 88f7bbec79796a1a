/* Reference element-wise unary kernels (see unary.h): plain C, the executable spec. */
#include <math.h>
#include <stdlib.h>

#include "../../quant/fixedpoint.h"
#include "../../quant/quant.h"
#include "../unary.h"
#include "ref_common.h"

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

/* NAME__ref: y[i] = EXPR for every element v = x[i] of type T (the output has the same type). The
 * parameters are copied to a local first: the build uses -fno-strict-aliasing, so every store
 * to y could otherwise change *params and force reloads in the loop. */
#define UNARY_KERNEL(NAME, T, EXPR)                                                               \
  static void NAME##__ref(const tflrt_unary_params* params, const void* xv, void* yv, size_t n) { \
    const tflrt_unary_params local = *params;                                                     \
    const tflrt_unary_params* p = &local;                                                         \
    const T* x = xv;                                                                              \
    T* y = yv;                                                                                    \
    (void)p;                                                                                      \
    for (size_t i = 0; i < n; i++) {                                                              \
      const T v = x[i];                                                                           \
      y[i] = (EXPR);                                                                              \
    }                                                                                             \
  }

/* ---- float32 math ---- */

/* ROUND rounds half to even (banker's rounding), written as TFLite writes it: from the floor,
 * so -0.5 and -0.3 give +0. */
static inline float round_half_even(float v) {
  const float down = floorf(v);
  const float frac = v - down;
  const int down_is_even = fmodf(down, 2.0f) == 0.0f;
  return (frac < 0.5f || (frac == 0.5f && down_is_even)) ? down : down + 1.0f;
}

UNARY_KERNEL(f32_abs, float, fabsf(v))
UNARY_KERNEL(f32_neg, float, -v)
UNARY_KERNEL(f32_sqrt, float, sqrtf(v))
UNARY_KERNEL(f32_rsqrt, float, 1.0f / sqrtf(v))
UNARY_KERNEL(f32_exp, float, expf(v))
UNARY_KERNEL(f32_log, float, logf(v))
UNARY_KERNEL(f32_sin, float, sinf(v))
UNARY_KERNEL(f32_cos, float, cosf(v))
UNARY_KERNEL(f32_ceil, float, ceilf(v))
UNARY_KERNEL(f32_floor, float, floorf(v))
UNARY_KERNEL(f32_round, float, round_half_even(v))
UNARY_KERNEL(f32_square, float, v * v)
/* SIGN keeps NaN, maps +-0 to +0. */
UNARY_KERNEL(f32_sign, float, isnan(v) ? v : (v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : 0.0f)))
UNARY_KERNEL(f64_sign, double, isnan(v) ? v : (v > 0.0 ? 1.0 : (v < 0.0 ? -1.0 : 0.0)))

/* ---- float32 activations ---- */

/* x * min(6, max(0, x + 3)) / 6 */
static inline float hard_swish_f32(float v) {
  const float shifted = v + 3.0f;
  const float relu = 0.0f < shifted ? shifted : 0.0f;
  const float relu6 = relu < 6.0f ? relu : 6.0f;
  return v * relu6 / 6.0f;
}

/* 0.5 x (1 + erf(x / sqrt 2)), written with erfc to stay accurate for large negative x */
static inline float gelu_f32(float v) {
  const float minus_rsqrt2 = (float)-0.70710678118654752440;
  return 0.5f * v * erfcf(v * minus_rsqrt2);
}

/* 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) */
static inline float gelu_tanh_f32(float v) {
  const float sqrt_2_over_pi = (float)0.79788456080286535588;
  return 0.5f * v * (1.0f + tanhf(sqrt_2_over_pi * (v + 0.044715f * v * v * v)));
}

/* 1 / (1 + exp(-x)), with TFLite's cut-offs: 1 above 16.619..., exp(x) below -9. */
static inline float logistic_f32(float v) {
  const float upper = 16.619047164916992188f, lower = -9.0f;
  return v > upper ? 1.0f : (v < lower ? expf(v) : 1.0f / (1.0f + expf(-v)));
}

/* RELU, RELU6, RELU_N1_TO_1, RELU_0_TO_1: NaN passes through. */
UNARY_KERNEL(f32_clamp, float, v > p->f_max ? p->f_max : (v < p->f_min ? p->f_min : v))
UNARY_KERNEL(f32_leaky_relu, float, v > 0.0f ? v : v * p->alpha)
UNARY_KERNEL(f32_elu, float, v < 0.0f ? expm1f(v) : v)
UNARY_KERNEL(f32_hard_swish, float, hard_swish_f32(v))
UNARY_KERNEL(f32_gelu, float, gelu_f32(v))
UNARY_KERNEL(f32_gelu_tanh, float, gelu_tanh_f32(v))
UNARY_KERNEL(f32_logistic, float, logistic_f32(v))
UNARY_KERNEL(f32_tanh, float, tanhf(v))

/* ---- plain integers (wrap-around like TFLite's two's complement arithmetic) ---- */

UNARY_KERNEL(s8_neg, int8_t, ref_wrap_i8(-(int32_t)v))
UNARY_KERNEL(s16_neg, int16_t, ref_wrap_i16(-(int32_t)v))
UNARY_KERNEL(s32_neg, int32_t, tflrt_wrap_i32(-(int64_t)v))
UNARY_KERNEL(s64_neg, int64_t, v == INT64_MIN ? INT64_MIN : -v)
UNARY_KERNEL(s16_abs, int16_t, ref_wrap_i16(abs((int32_t)v)))
UNARY_KERNEL(s32_abs, int32_t, v == INT32_MIN ? INT32_MIN : (v < 0 ? -v : v))
UNARY_KERNEL(s32_sign, int32_t, v > 0 ? 1 : (v < 0 ? -1 : 0))

/* ---- quantized ---- */

UNARY_KERNEL(x8_lut, uint8_t, p->lut8[v])
UNARY_KERNEL(qs16_lut, int16_t, tflrt_lut16_lookup(v, p->lut16))

static inline int32_t requantize(const tflrt_unary_params* p, int32_t x) {
  return ref_requantize(x - p->input_zero_point, p->multiplier, p->shift, p->output_zero_point,
                        p->q_min, p->q_max);
}
UNARY_KERNEL(qs8_requantize, int8_t, (int8_t)requantize(p, v))
UNARY_KERNEL(qu8_requantize, uint8_t, (uint8_t)requantize(p, v))
UNARY_KERNEL(qs16_requantize, int16_t, (int16_t)requantize(p, v))

static inline int32_t quantized_abs(const tflrt_unary_params* p, int32_t x) {
  const int32_t v = abs(x - p->input_zero_point);
  const int32_t scaled = p->needs_rescale ? tflrt_mbqm(v, p->multiplier, p->shift) : v;
  return ref_clampi(scaled + p->output_zero_point, p->q_min, p->q_max);
}
UNARY_KERNEL(qs8_abs, int8_t, (int8_t)quantized_abs(p, v))
UNARY_KERNEL(qs16_abs, int16_t, (int16_t)quantized_abs(p, v))

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
  return ref_clampi(out, p->q_min, p->q_max);
}
UNARY_KERNEL(qs8_leaky_relu, int8_t, (int8_t)leaky_relu(p, v))
UNARY_KERNEL(qu8_leaky_relu, uint8_t, (uint8_t)leaky_relu(p, v))
UNARY_KERNEL(qs16_leaky_relu, int16_t, (int16_t)leaky_relu(p, v))

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
  const int16_t mask = ref_wrap_i16((int32_t)((1LL << exponent) - 1));
  const int16_t remainder = (int16_t)(x & mask);
  const int16_t threshold = ref_wrap_i16((mask >> 1) + (x < 0 ? 1 : 0));
  return ref_wrap_i16((x >> exponent) + (remainder > threshold ? 1 : 0));
}

static inline int16_t hard_swish(const tflrt_unary_params* p, int32_t x) {
  const int16_t centered = ref_wrap_i16(x - p->input_zero_point);
  const int16_t hires = ref_wrap_i16(centered * 128); /* input on a 2^7 finer scale */
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
  out = ref_wrap_i16(out + p->output_zero_point);
  return ref_clampi(out, p->q_min, p->q_max);
}
UNARY_KERNEL(qs8_hard_swish, int8_t, (int8_t)hard_swish(p, v))
UNARY_KERNEL(qu8_hard_swish, uint8_t, (uint8_t)hard_swish(p, v))

/* -- int16 logistic / tanh: interpolation in the sigmoid table -- */

/* The input scaled to the table's 1/(3 * 4096)-per-step domain by (multiplier, input_left_shift)
 * (multiplier 0: a power-of-two input scale, 3 << input_left_shift), in int32 arithmetic that
 * wraps like TFLite's. */
static inline int32_t scale_q16_input(const tflrt_unary_params* p, int16_t x) {
  int32_t mult = p->multiplier;
  int shift = p->input_left_shift;
  if (mult == 0) {
    mult = 3 << shift;
    shift = 0;
  }
  const int32_t round = shift > 0 ? 1 << (shift - 1) : 0;
  return tflrt_wrap_i32((int64_t)x * mult + round) >> shift;
}

/* The table interpolated at a / 2^frac_bits (a >= 0), scaled by 2^frac_bits; `saturated`
 * beyond the table's end. */
static inline uint32_t sigmoid_table_at(uint32_t a, int frac_bits, uint32_t saturated) {
  const uint32_t index = a >> frac_bits;
  if (index >= 255) return saturated;
  const uint32_t lo = k_sigmoid_q16[index], hi = k_sigmoid_q16[index + 1];
  return (lo << frac_bits) + (a & ((1u << frac_bits) - 1u)) * (hi - lo);
}

static inline int16_t logistic_q16(const tflrt_unary_params* p, int16_t x) {
  const int32_t v = scale_q16_input(p, x);
  const uint32_t a = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
  uint32_t r = sigmoid_table_at(a, 9, 0x7FFFu << 10);
  /* sigmoid(-x) = 1 - sigmoid(x) */
  r = v >= 0 ? r + (1u << 9) : (1u << 25) - r + (1u << 9) - 1u;
  return ref_wrap_i16((int32_t)(r >> 10));
}

/* tanh(x) = 2 sigmoid(2x) - 1 */
static inline int16_t tanh_q16(const tflrt_unary_params* p, int16_t x) {
  const int32_t v = scale_q16_input(p, x);
  const uint32_t a = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
  int32_t r = (int32_t)sigmoid_table_at(a, 8, 0xFFFFu << 8);
  r = v >= 0 ? r - (1 << 23) + (1 << 7) : -r + (1 << 23) + (1 << 7) - 1;
  return ref_wrap_i16(r >> 8);
}
UNARY_KERNEL(qs16_logistic, int16_t, logistic_q16(p, v))
UNARY_KERNEL(qs16_tanh, int16_t, tanh_q16(p, v))

/* -- int8 RSQRT and int8/int16 SQRT -- */

static inline int8_t rsqrt_q8(const tflrt_unary_params* p, int8_t x) {
  const int extra = 20; /* keeps the intermediate 1/sqrt an integer with 20 fraction bits */
  const int32_t v = x - p->input_zero_point;
  if (v == 0) return INT8_MAX; /* an input at zero maps to the largest output */
  int32_t m;
  int s;
  tflrt_inv_sqrt_multiplier(v, -1, &m, &s);
  const int32_t inv = tflrt_mbqm(1, m, s + extra);
  const int32_t out = tflrt_mbqm(inv, p->multiplier, p->shift - extra) + p->output_zero_point;
  return (int8_t)ref_clampi(out, INT8_MIN, INT8_MAX);
}
UNARY_KERNEL(qs8_rsqrt, int8_t, rsqrt_q8(p, v))

static inline int32_t quantized_sqrt(const tflrt_unary_params* p, int32_t x) {
  const float real = p->input_scale * (float)(x - p->input_zero_point);
  const float root = sqrtf(real);
  const int32_t q = (int32_t)((int64_t)ref_f32_to_i32_x86(root / p->output_scale) + p->output_zero_point);
  return ref_clampi(q, p->q_min, p->q_max);
}
UNARY_KERNEL(qs8_sqrt, int8_t, (int8_t)quantized_sqrt(p, v))
UNARY_KERNEL(qs16_sqrt, int16_t, (int16_t)quantized_sqrt(p, v))

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
