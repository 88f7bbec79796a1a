/* Fixed-point transcendental helpers and lookup tables (see fixedpoint.h). */
#include "fixedpoint.h"

#include <math.h>

/* Q0 constants (raw int32 values). */
#define FP_EXP_MINUS_ONE_EIGHTH 1895147668 /* exp(-1/8) */
#define FP_ONE_THIRD 715827883             /* 1/3 */
#define FP_ONE_EIGHTH (1 << 28)            /* 1/8 */

int32_t tflrt_fp_exp_on_interval_between_negative_one_quarter_and_0_excl(int32_t a) {
  /* Fourth-order Taylor expansion of exp around -1/8, in the variable x = a + 1/8. */
  const int32_t x = tflrt_fp_add(a, FP_ONE_EIGHTH);
  const int32_t x2 = tflrt_srdhm(x, x);
  const int32_t x3 = tflrt_srdhm(x2, x);
  const int32_t x4 = tflrt_srdhm(x2, x2);
  const int32_t x4_over_4 = tflrt_fp_mul_pot(x4, -2);
  /* x^4/24 + x^3/6 + x^2/2 = ((x^4/4 + x^3) / 3 + x^2) / 2 */
  const int32_t poly =
      tflrt_fp_mul_pot(tflrt_fp_add(tflrt_srdhm(tflrt_fp_add(x4_over_4, x3), FP_ONE_THIRD), x2), -1);
  return tflrt_fp_add(FP_EXP_MINUS_ONE_EIGHTH, tflrt_srdhm(FP_EXP_MINUS_ONE_EIGHTH, tflrt_fp_add(x, poly)));
}

int32_t tflrt_fp_exp_on_negative_values(int32_t a, int integer_bits) {
  const int frac_bits = 31 - integer_bits;
  const int32_t one_quarter = (int32_t)1 << (frac_bits - 2);
  const int32_t mask = one_quarter - 1;
  /* Split a = (a mod 1/4 - 1/4) - remainder, with the first part in [-1/4, 0). */
  const int32_t a_mod_quarter_minus_quarter = tflrt_fp_sub(a & mask, one_quarter);
  int32_t result = tflrt_fp_exp_on_interval_between_negative_one_quarter_and_0_excl(
      tflrt_fp_rescale(a_mod_quarter_minus_quarter, integer_bits, 0));
  const int32_t remainder = tflrt_fp_sub(a_mod_quarter_minus_quarter, a);
  /* Multiply by exp(-2^k) for every bit 2^k set in the remainder (a barrel shifter), for
   * k = -2 .. 4, as far as the integer bits of the input reach. */
  static const int32_t exp_of_minus_pow2[7] = {
      1672461947, /* exp(-1/4) */
      1302514674, /* exp(-1/2) */
      790015084,  /* exp(-1) */
      290630308,  /* exp(-2) */
      39332535,   /* exp(-4) */
      720401,     /* exp(-8) */
      242,        /* exp(-16) */
  };
  for (int k = -2; k <= 4; k++) {
    if (integer_bits > k) {
      const int shift = frac_bits + k;
      if (remainder & (int32_t)(UINT32_C(1) << shift)) result = tflrt_srdhm(result, exp_of_minus_pow2[k + 2]);
    }
  }
  /* Inputs below -32 give 0 (only reachable with more than 5 integer bits). */
  if (integer_bits > 5) {
    const int32_t clamp = -(int32_t)(UINT32_C(1) << (36 - integer_bits));
    if (a < clamp) result = 0;
  }
  if (a == 0) result = INT32_MAX;
  return result;
}

int32_t tflrt_fp_one_over_one_plus_x_for_x_in_0_1(int32_t a) {
  /* Newton-Raphson division of 1 by d = (1 + a) / 2 in [1/2, 1), with the classic starting
   * point 48/17 - 32/17 d. x is kept with 2 integer bits. */
  const int32_t half_denominator = tflrt_fp_rounding_half_sum(a, INT32_MAX);
  const int32_t c48_over_17 = 1515870810;      /* 48/17 with 2 integer bits */
  const int32_t cneg32_over_17 = -1010580540;  /* -32/17 with 2 integer bits */
  const int32_t one_q2 = (int32_t)1 << 29;     /* 1.0 with 2 integer bits */
  int32_t x = tflrt_fp_add(c48_over_17, tflrt_srdhm(half_denominator, cneg32_over_17));
  for (int i = 0; i < 3; i++) {
    const int32_t half_denominator_times_x = tflrt_srdhm(half_denominator, x);
    const int32_t one_minus = tflrt_fp_sub(one_q2, half_denominator_times_x);
    /* x * one_minus has 4 integer bits; bring it back to 2. */
    x = tflrt_fp_add(x, tflrt_fp_rescale(tflrt_srdhm(x, one_minus), 4, 2));
  }
  /* 1/(1+a) = x / 2: reinterpret x as having 1 integer bit, then rescale to Q0. */
  return tflrt_fp_rescale(x, 1, 0);
}

int32_t tflrt_fp_reciprocal(int32_t x, int x_integer_bits, int* num_bits_over_unit) {
  const int headroom_plus_one = tflrt_clz32((uint32_t)x);
  *num_bits_over_unit = x_integer_bits - headroom_plus_one;
  /* Normalise x to [1, 2) and subtract one: the result is a Q0 value in [0, 1). */
  const uint32_t shifted = headroom_plus_one >= 32 ? 0u : ((uint32_t)x << headroom_plus_one);
  const int32_t shifted_minus_one = (int32_t)(shifted - (UINT32_C(1) << 31));
  return tflrt_fp_one_over_one_plus_x_for_x_in_0_1(shifted_minus_one);
}

/* ---- int16 lookup tables ---- */

/* A table entry: clamped to int16 like TFLite's min(max(v, lo), hi). A NaN (only extreme scales
 * give one: inf * 0, inf - inf) passes that clamp, and its conversion to an integer is undefined
 * in C; x86 converts it to 0x80000000, whose low 16 bits are 0, which is what LiteRT's tables
 * get there. So NaN -> 0, explicitly. */
static int16_t lut_entry_d(double v) {
  if (v != v) return 0;
  return (int16_t)(v < INT16_MIN ? INT16_MIN : (v > INT16_MAX ? INT16_MAX : v));
}
static int16_t lut_entry_f(float v) { return lut_entry_d((double)v); }

void tflrt_lut16_populate_f64(double input_scale, int32_t input_zero_point, double output_scale,
                              int32_t output_zero_point, double (*func)(double x, const void* arg),
                              const void* arg, int16_t* lut) {
  const double input_min = input_scale * (double)(INT16_MIN - input_zero_point);
  const double input_max = input_scale * (double)(INT16_MAX - input_zero_point);
  const double output_min = output_scale * (double)(INT16_MIN - output_zero_point);
  const double output_max = output_scale * (double)(INT16_MAX - output_zero_point);
  const int steps = TFLRT_LUT16_SIZE - 1;
  const double step = (input_max - input_min) / steps;
  const double half_step = step / 2;
  const double out_inv = 65536.0 / (output_max - output_min);
  for (int i = 0; i < steps; i++) {
    const double v = func(input_min + i * step, arg);
    const double v_mid = func(input_min + i * step + half_step, arg);
    const double v_next = func(input_min + (i + 1) * step, arg);
    const double sample = round(v * out_inv);
    /* Bias the sample so that linear interpolation is right at the midpoint, on average. */
    const double interp_mid = round((v_next * out_inv + round(v * out_inv)) / 2);
    const double exact_mid = round(v_mid * out_inv);
    const double bias = round((interp_mid - exact_mid) / 2);
    lut[i] = lut_entry_d(sample - bias);
  }
  lut[steps] = lut_entry_d(round(func(input_max, arg) * out_inv));
}

void tflrt_lut16_populate_f32(float input_scale, int32_t input_zero_point, float output_scale,
                              int32_t output_zero_point, float (*func)(float x, const void* arg),
                              const void* arg, int16_t* lut) {
  const float input_min = input_scale * (float)(INT16_MIN - input_zero_point);
  const float input_max = input_scale * (float)(INT16_MAX - input_zero_point);
  const float output_min = output_scale * (float)(INT16_MIN - output_zero_point);
  const float output_max = output_scale * (float)(INT16_MAX - output_zero_point);
  const int steps = TFLRT_LUT16_SIZE - 1;
  const float step = (input_max - input_min) / (float)steps;
  const float half_step = step / 2;
  const float out_inv = 65536.0f / (output_max - output_min);
  for (int i = 0; i < steps; i++) {
    const float v = func(input_min + (float)i * step, arg);
    const float v_mid = func(input_min + (float)i * step + half_step, arg);
    const float v_next = func(input_min + (float)(i + 1) * step, arg);
    const float sample = roundf(v * out_inv);
    const float interp_mid = roundf((v_next * out_inv + roundf(v * out_inv)) / 2);
    const float exact_mid = roundf(v_mid * out_inv);
    const float bias = roundf((interp_mid - exact_mid) / 2);
    lut[i] = lut_entry_f(sample - bias);
  }
  lut[steps] = lut_entry_f(roundf(func(input_max, arg) * out_inv));
}

/* ---- 8-bit lookup tables ---- */

void tflrt_lut8_populate(int is_signed, float input_scale, int32_t input_zero_point, float output_scale,
                         int32_t output_zero_point, float (*func)(float x, const void* arg),
                         const void* arg, uint8_t* lut) {
  const float inverse_scale = 1 / output_scale;
  const int32_t lo = is_signed ? -128 : 0, hi = is_signed ? 127 : 255;
  for (int32_t v = lo; v <= hi; v++) {
    const float dequantized = input_scale * (float)(v - input_zero_point);
    const float transformed = func(dequantized, arg);
    const float rescaled = roundf(transformed * inverse_scale);
    /* float -> int32 conversion, saturated instead of undefined when out of range */
    const float sum = rescaled + (float)output_zero_point;
    int32_t q;
    if (!(sum == sum)) q = lo;
    else if (sum >= 2147483648.0f) q = INT32_MAX;
    else if (sum < -2147483648.0f) q = INT32_MIN;
    else q = (int32_t)sum;
    if (q < lo) q = lo;
    if (q > hi) q = hi;
    lut[(uint8_t)v] = (uint8_t)q;
  }
}

/* ---- additions for L2_NORMALIZATION, RSQRT and LOG_SOFTMAX ---- */

static int32_t sat_add_i32(int32_t a, int32_t b) {
  const int64_t s = (int64_t)a + (int64_t)b;
  return s > INT32_MAX ? INT32_MAX : (s < INT32_MIN ? INT32_MIN : (int32_t)s);
}

void tflrt_inv_sqrt_multiplier(int32_t x, int reverse_shift, int32_t* mult, int* shift) {
  if (x <= 1) {
    *mult = INT32_MAX;
    *shift = 0;
    return;
  }
  /* Normalise x into [2^27, 2^29) by whole bit pairs, so that sqrt takes whole bits out. */
  int s = 11;
  while (x >= (1 << 29)) {
    x /= 4;
    s++;
  }
  const int pairs = (tflrt_clz32((uint32_t)x) - 1) / 2 - 1;
  s -= pairs;
  x = tflrt_shl_wrap(x, 2 * pairs);
  /* Newton-Raphson on y <- y * (3 - x y^2) / 2, values with 3 integer bits, y0 = 1. */
  const int32_t half_x = tflrt_fp_mul_pot(x >> 1, -1);
  const int32_t three_halves = (1 << 28) + (1 << 27);
  int32_t y = 1 << 28;
  for (int i = 0; i < 5; i++) {
    const int32_t y3 = tflrt_fp_mul_pot(tflrt_srdhm(tflrt_srdhm(y, y), y), 6); /* 9 -> 3 integer bits */
    y = tflrt_fp_mul_pot(tflrt_fp_sub(tflrt_srdhm(three_halves, y), tflrt_srdhm(half_x, y3)), 3);
  }
  y = tflrt_srdhm(y, 1518500250); /* times sqrt(2)/2 (Q0) */
  if (s < 0) {
    y = tflrt_shl_wrap(y, -s);
    s = 0;
  }
  *mult = y;
  *shift = s * reverse_shift;
}

int32_t tflrt_fp_log_x_ge_1(int32_t x, int input_integer_bits, int output_integer_bits) {
  /* Q0 constants */
  const int32_t log_2 = 1488522236;          /* log(2) */
  const int32_t sqrt_sqrt_half = 1805811301; /* 0.5^(1/4) */
  const int32_t sqrt_half = 1518500250;      /* 0.5^(1/2) */
  const int32_t one_quarter = 536870912;
  const int32_t alpha_n = 117049297;  /* 11/240 * 2^(1/4) */
  const int32_t alpha_d = 127690142;  /* 1/20 * 2^(1/4) */
  const int32_t alpha_i = 1057819769; /* 2 / 2^(1/4) - 2^(1/4) */
  const int32_t alpha_f = 638450708;  /* 1/4 * 2^(1/4) */
  /* The sum is accumulated with one more integer bit than the output. */
  const int acc_bits = output_integer_bits + 1;
  const int32_t quarter_acc = tflrt_fp_rescale(one_quarter, 0, acc_bits);
  /* Two candidate normalisations of x into [1/2, 1): x itself shifted, and x * sqrt(1/2)
   * shifted; the one giving the smaller mantissa is used, with its power of two. */
  const int a_headroom_plus_1 = tflrt_clz32((uint32_t)x);
  const int32_t r_a = tflrt_fp_mul_pot(tflrt_srdhm(tflrt_fp_mul_pot(x, a_headroom_plus_1 - 1), sqrt_half), 1);
  const int32_t pow_a = sat_add_i32(tflrt_fp_mul_pot(input_integer_bits - a_headroom_plus_1, 31 - acc_bits),
                                    quarter_acc);
  const int32_t z_b = tflrt_srdhm(x, sqrt_half);
  const int b_headroom = tflrt_clz32((uint32_t)z_b) - 1;
  const int32_t r_b = tflrt_fp_mul_pot(x, b_headroom);
  const int64_t pow_b64 =
      (int64_t)tflrt_fp_mul_pot(input_integer_bits - b_headroom, 31 - acc_bits) - (int64_t)quarter_acc;
  const int32_t pow_b = pow_b64 > INT32_MAX ? INT32_MAX : (pow_b64 < INT32_MIN ? INT32_MIN : (int32_t)pow_b64);
  const int32_t r = r_a < r_b ? r_a : r_b;
  const int32_t pow2 = pow_a > pow_b ? pow_a : pow_b;
  /* Rational approximation of log(r) around 0.5^(1/4). */
  const int32_t p = tflrt_fp_rounding_half_sum(r, sqrt_sqrt_half);
  int32_t q = tflrt_fp_sub(r, sqrt_sqrt_half);
  q = tflrt_fp_add(q, q);
  const int32_t q2 = tflrt_srdhm(q, q);
  const int32_t num = tflrt_fp_add(tflrt_srdhm(q, r), tflrt_srdhm(tflrt_srdhm(q, q2), alpha_n));
  const int32_t den_minus_one =
      tflrt_fp_add(tflrt_srdhm(p, tflrt_fp_add(tflrt_fp_add(alpha_i, q), tflrt_srdhm(alpha_d, q2))),
                   tflrt_srdhm(alpha_f, q));
  const int32_t recip = tflrt_fp_one_over_one_plus_x_for_x_in_0_1(den_minus_one);
  const int32_t num_acc = tflrt_fp_rescale(num, 0, acc_bits);
  const int32_t sum = tflrt_fp_add(tflrt_srdhm(pow2, log_2), tflrt_srdhm(num_acc, recip));
  return tflrt_fp_rescale(sum, acc_bits, output_integer_bits);
}

/* ---- additions for the integer LSTM: 16-bit fixed point (gemmlowp FixedPoint<int16_t, N>) ---- */

/* Raw int16 arithmetic as gemmlowp performs it: sums wrap, products are the saturating rounding
 * doubling high multiply, power-of-two scalings saturate (left) or round (right). */
static int16_t fp16_wrap(int32_t v) { return (int16_t)(uint16_t)(uint32_t)v; }

static int16_t fp16_mul(int16_t a, int16_t b) {
  if (a == INT16_MIN && b == INT16_MIN) return INT16_MAX;
  const int32_t ab = (int32_t)a * (int32_t)b;
  return (int16_t)((ab + (ab >= 0 ? (1 << 14) : 1 - (1 << 14))) / (1 << 15));
}

static int16_t fp16_sat_add(int16_t a, int16_t b) {
  const int32_t s = (int32_t)a + (int32_t)b;
  return (int16_t)(s > INT16_MAX ? INT16_MAX : (s < INT16_MIN ? INT16_MIN : s));
}

/* x * 2^e, -15 <= e <= 15 */
static int16_t fp16_mul_pot(int16_t x, int e) {
  if (e < 0) return (int16_t)tflrt_rdbpot(x, -e);
  if (e == 0) return x;
  const int32_t threshold = (1 << (15 - e)) - 1;
  if (x > threshold) return INT16_MAX;
  if (x < -threshold) return INT16_MIN;
  return (int16_t)(x * (1 << e));
}

/* A Q0.31 constant of gemmlowp, narrowed to 16 bits with rounding. */
static int16_t fp16_const(int32_t q31) { return (int16_t)tflrt_rdbpot(q31, 16); }

/* exp(a) for a Q0.15 value a in [-1/4, 0). */
static int16_t fp16_exp_quarter(int16_t a) {
  const int16_t c_exp_minus_eighth = fp16_const(1895147668), c_third = fp16_const(715827883);
  const int16_t x = fp16_wrap(a + (1 << 12)); /* a + 1/8 */
  const int16_t x2 = fp16_mul(x, x), x3 = fp16_mul(x2, x), x4 = fp16_mul(x2, x2);
  const int16_t x4_4 = fp16_mul_pot(x4, -2);
  const int16_t poly = fp16_mul_pot(fp16_wrap(fp16_mul(fp16_wrap(x4_4 + x3), c_third) + x2), -1);
  return fp16_sat_add(c_exp_minus_eighth, fp16_mul(c_exp_minus_eighth, fp16_wrap(x + poly)));
}

/* exp(a) for a <= 0 with `ib` integer bits (0..13); result Q0.15. */
static int16_t fp16_exp_negative(int16_t a, int ib) {
  static const int32_t multipliers[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
  const int fb = 15 - ib;
  const int16_t quarter = (int16_t)(1 << (fb - 2));
  const int16_t a_mod = fp16_wrap((a & (quarter - 1)) - quarter);
  int16_t result = fp16_exp_quarter(fp16_mul_pot(a_mod, ib));
  const int16_t remainder = fp16_wrap(a_mod - a);
  for (int e = -2; e <= 4; e++) {
    if (ib > e && (remainder & (1 << (fb + e)))) result = fp16_mul(result, fp16_const(multipliers[e + 2]));
  }
  if (ib > 5 && a < fp16_const(-(1 << (36 - ib)))) result = 0;
  return a == 0 ? INT16_MAX : result;
}

/* Newton-Raphson reciprocal of (1 + a) / 2 for a Q0.15 value a in [0, 1); the result has 2
 * integer bits. */
static int16_t fp16_half_reciprocal(int16_t a) {
  const int32_t sum = (int32_t)a + INT16_MAX;
  const int16_t hd = (int16_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
  int16_t x = fp16_wrap(fp16_const(1515870810) + fp16_mul(hd, fp16_const(-1010580540))); /* 48/17 - 32/17 hd */
  for (int i = 0; i < 3; i++) {
    const int16_t one_minus = fp16_wrap((1 << 13) - fp16_mul(hd, x));
    x = fp16_wrap(x + fp16_mul_pot(fp16_mul(x, one_minus), 2));
  }
  return x;
}

int16_t tflrt_fp16_logistic(int16_t a, int integer_bits) {
  if (a == 0) return (int16_t)(1 << 14);
  const int16_t abs_a = a > 0 ? a : fp16_wrap(-a);
  const int16_t x = fp16_half_reciprocal(fp16_exp_negative(fp16_wrap(-abs_a), integer_bits));
  const int16_t positive = fp16_mul_pot(x, 1); /* 1 / (1 + e^-|a|) */
  return a > 0 ? positive : fp16_wrap(INT16_MAX - positive);
}

int16_t tflrt_fp16_tanh(int16_t a, int integer_bits) {
  if (a == 0) return 0;
  const int16_t n = a < 0 ? a : fp16_wrap(-a);
  const int16_t x = fp16_half_reciprocal(fp16_exp_negative(n, integer_bits + 1));
  const int16_t t = fp16_mul_pot(fp16_wrap(x - (1 << 13)), 2); /* (1 - e) / (1 + e) */
  return a < 0 ? fp16_wrap(-t) : t;
}
