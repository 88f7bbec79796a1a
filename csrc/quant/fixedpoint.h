/* Fixed-point transcendental helpers and int16/int8 lookup tables.
 *
 * This is the single source of truth for the non-linear integer arithmetic of TFLite's
 * reference kernels (SOFTMAX today; LOGISTIC, TANH, LOG_SOFTMAX later). It complements
 * quant.h (requantization) and must stay bit-exact with TFLite, which builds these functions
 * on gemmlowp's fixed-point library.
 *
 * Conventions. A fixed-point value is an int32 "raw" integer with a number of integer bits IB
 * (0 <= IB <= 30): it represents raw / 2^(31 - IB). Q0 ("IB = 0") covers [-1, 1), and its
 * "one" is INT32_MAX. Additions of raw values wrap (two's complement) as the int32 arithmetic
 * of the reference does; products use tflrt_srdhm (quant.h), which saturates only for
 * INT32_MIN * INT32_MIN.
 *
 * Lookup tables (the int16 LUT scheme of TFLite's reference kernels): a 513-entry table samples
 * a function over the whole int16 input range in 512 steps; a lookup takes the high 9 bits of
 * the input as the index and interpolates linearly with the low 7 bits. */
#ifndef TFLITE_RT_FIXEDPOINT_H
#define TFLITE_RT_FIXEDPOINT_H

#include <stdint.h>

#include "quant.h"

/* Number of leading zero bits of x (32 for x == 0). */
static inline int tflrt_clz32(uint32_t x) { return x == 0 ? 32 : __builtin_clz(x); }

/* Two's complement wrap-around addition/subtraction of raw values. */
static inline int32_t tflrt_fp_add(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }
static inline int32_t tflrt_fp_sub(int32_t a, int32_t b) { return (int32_t)((uint32_t)a - (uint32_t)b); }

/* x * 2^e on raw values: saturating left shift for e > 0, rounding (half away from zero)
 * right shift for e < 0. -31 <= e <= 31. */
static inline int32_t tflrt_fp_mul_pot(int32_t x, int e) {
  if (e == 0) return x;
  if (e < 0) return tflrt_rdbpot(x, -e);
  const int32_t threshold = (int32_t)((UINT32_C(1) << (31 - e)) - 1);
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return tflrt_shl_wrap(x, e);
}

/* Changes the number of integer bits of a fixed-point value (saturating, rounding). */
static inline int32_t tflrt_fp_rescale(int32_t raw, int src_integer_bits, int dst_integer_bits) {
  return tflrt_fp_mul_pot(raw, src_integer_bits - dst_integer_bits);
}

/* (a + b) / 2 rounded to nearest, ties away from zero. */
static inline int32_t tflrt_fp_rounding_half_sum(int32_t a, int32_t b) {
  const int64_t sum = (int64_t)a + (int64_t)b;
  return (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
}

/* exp(a) for a Q0 value a in [-1/4, 0); result in Q0. */
int32_t tflrt_fp_exp_on_interval_between_negative_one_quarter_and_0_excl(int32_t a);

/* exp(a) for a <= 0 given with `integer_bits` integer bits (0..30); result in Q0
 * (exp(0) gives INT32_MAX). */
int32_t tflrt_fp_exp_on_negative_values(int32_t a, int integer_bits);

/* 1 / (1 + a) for a Q0 value a in [0, 1); result in Q0 (three Newton-Raphson steps). */
int32_t tflrt_fp_one_over_one_plus_x_for_x_in_0_1(int32_t a);

/* Reciprocal of a positive fixed-point value x with `x_integer_bits` integer bits, as used by
 * the quantized SOFTMAX: returns 1/x scaled into Q0 after normalising x to [1, 2), and stores
 * in *num_bits_over_unit how many powers of two were taken out (x_integer_bits minus the
 * headroom of x, plus one). */
int32_t tflrt_fp_reciprocal(int32_t x, int x_integer_bits, int* num_bits_over_unit);

/* ---- int16 lookup tables ---- */

#define TFLRT_LUT16_SIZE 513

/* Fills lut[513] for func over the int16 input range: inputs are dequantized with
 * (input_scale, input_zero_point), outputs quantized with (output_scale, output_zero_point).
 * The _f64 variant computes in double (TFLite's legacy tables, used by int16 SOFTMAX), the _f32
 * variant in float (TFLite's default for LOGISTIC/TANH and friends). func receives `arg`. */
void tflrt_lut16_populate_f64(double input_scale, int32_t input_zero_point, double output_scale,
                              int32_t output_zero_point, double (*func)(double x, const void* arg),
                              const void* arg, int16_t* lut);
void tflrt_lut16_populate_f32(float input_scale, int32_t input_zero_point, float output_scale,
                              int32_t output_zero_point, float (*func)(float x, const void* arg),
                              const void* arg, int16_t* lut);

/* Interpolated lookup in a 513-entry table. */
static inline int16_t tflrt_lut16_lookup(int16_t value, const int16_t* lut) {
  const int32_t index = 256 + (value >> 7); /* 0..511 */
  const int32_t offset = value & 0x7f;
  const int32_t base = lut[index];
  const int16_t slope = (int16_t)(lut[index + 1] - lut[index]);
  const int32_t delta = (slope * offset + 64) >> 7;
  return (int16_t)(base + delta);
}

/* ---- 8-bit lookup tables (256 entries) ---- */

/* Fills lut[256] with func applied to every int8 (is_signed) or uint8 input value, computed in
 * float and quantized with round-half-away-from-zero and clamping to the type range. The table
 * is indexed by the input byte: lut[(uint8_t)x]. Entries hold the output byte (int8 values
 * stored as their two's complement byte). */
void tflrt_lut8_populate(int is_signed, float input_scale, int32_t input_zero_point, float output_scale,
                         int32_t output_zero_point, float (*func)(float x, const void* arg),
                         const void* arg, uint8_t* lut);

/* ---- additions for L2_NORMALIZATION, RSQRT and LOG_SOFTMAX ---- */

/* 1/sqrt(x) of a non-negative integer x as a multiplier and exponent (TFLite's
 * GetInvSqrtQuantizedMultiplierExp): 1/sqrt(x) ~ mult * 2^(shift - 31) when reverse_shift is -1
 * (shift is then a left shift, as MultiplyByQuantizedMultiplier takes it). x <= 1 gives
 * (INT32_MAX, 0). The root is found with five Newton-Raphson steps in fixed point. */
void tflrt_inv_sqrt_multiplier(int32_t x, int reverse_shift, int32_t* mult, int* shift);

/* log(x) for a positive fixed-point value x with `input_integer_bits` integer bits (x >= 1 in
 * intent; smaller values down to 2^-input_integer_bits work too); the result has
 * `output_integer_bits` integer bits (0..29). Bit-exact with TFLite's
 * log_x_for_x_greater_than_or_equal_to_1, the log of quantized LOG_SOFTMAX. */
int32_t tflrt_fp_log_x_ge_1(int32_t x, int input_integer_bits, int output_integer_bits);

/* ---- additions for the integer LSTM: 16-bit fixed point ---- */

/* logistic(x) and tanh(x) of an int16 fixed-point value x with `integer_bits` integer bits
 * (0..6; raw / 2^(15 - integer_bits)); the result is Q0.15. Bit-exact with gemmlowp's
 * logistic/tanh on FixedPoint<int16_t, integer_bits>, which TFLite's integer LSTM uses. */
int16_t tflrt_fp16_logistic(int16_t x, int integer_bits);
int16_t tflrt_fp16_tanh(int16_t x, int integer_bits);

#endif
