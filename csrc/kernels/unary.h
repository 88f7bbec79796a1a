/* Element-wise unary kernels: math (ABS, SQRT, EXP, ...), activations (RELU family, LOGISTIC,
 * TANH, HARD_SWISH, GELU, ...), their quantized variants, and CAST.
 *
 * Every kernel maps n consecutive elements, y[i] = f(x[i]) for 0 <= i < n; callers split a
 * tensor into blocks (pointer offsets) to spread it over threads. Input and output may be the
 * same buffer (except for a CAST between types of different sizes). Kernels never allocate and
 * never fail: data-dependent errors (SQRT of a negative quantized value, ...) are detected by
 * the op before the call.
 *
 * One function type serves every slot; the slot name gives the element types:
 *   f32/f64   float/double in and out            s8/s16/s32/s64  plain integers in and out
 *   qs8/qu8/qs16  quantized int8/uint8/int16      x8   any 8-bit type (byte-indexed table)
 *
 * Integer semantics follow TFLite's reference kernels (BUILTIN_REF) bit for bit:
 *   x8_lut        y = lut8[(uint8_t)x]: 256-entry table built in prepare (LOGISTIC, TANH, ELU,
 *                 GELU, EXP and LOG on int8/uint8)
 *   qs16_lut      y = tflrt_lut16_lookup(x, lut16): 513-entry interpolated table (EXP, LOG, RSQRT,
 *                 GELU on int16)
 *   q*_requantize y = clamp(zo + MBQM(x - zi, multiplier, shift), q_min, q_max)  (RELU family)
 *   q*_abs        v = |x - zi|; y = clamp(zo + (needs_rescale ? MBQM(v, multiplier, shift) : v))
 *   q*_leaky_relu v = x - zi; y = clamp(zo + (v >= 0 ? MBQM(v, multiplier, shift)
 *                 : +-MBQM(v, |alpha_multiplier|, alpha_shift)))  (sign of alpha_multiplier)
 *   q*_hard_swish TFLite's int16 fixed-point hard-swish (hs_* parameters)
 *   qs16_logistic/qs16_tanh  TFLite's int16 sigmoid-table interpolation with the input scaled by
 *                 (multiplier, input_left_shift); multiplier 0 means a power-of-two input scale
 *   qs8_rsqrt     per element 1/sqrt(x - zi) in fixed point, requantized (x == zi gives 127);
 *                 the op guarantees x >= zi
 *   q*_sqrt       y = clamp(trunc(sqrtf(input_scale * (x - zi)) / output_scale) + zo); the op
 *                 guarantees x >= zi
 * MBQM is MultiplyByQuantizedMultiplier (quant.h). */
#ifndef TFLITE_RT_KERNELS_UNARY_H
#define TFLITE_RT_KERNELS_UNARY_H

#include <stddef.h>
#include <stdint.h>

typedef struct tflrt_unary_params {
  /* float */
  float f_min, f_max; /* f32_clamp */
  float alpha;        /* f32_leaky_relu */
  /* quantized */
  int32_t input_zero_point, output_zero_point;
  int32_t q_min, q_max;                   /* output clamp */
  int32_t multiplier, shift;              /* main requantization */
  int32_t alpha_multiplier, alpha_shift;  /* leaky relu, negative side (multiplier may be < 0) */
  int32_t needs_rescale;                  /* abs */
  int32_t input_left_shift;               /* qs16_logistic / qs16_tanh */
  float input_scale, output_scale;        /* q*_sqrt */
  int16_t hs_output_multiplier, hs_reluish_multiplier; /* hard swish, Q15 */
  int32_t hs_output_exponent, hs_reluish_exponent;
  const uint8_t* lut8;  /* 256 entries */
  const int16_t* lut16; /* 513 entries */
} tflrt_unary_params;

typedef void (*tflrt_unary_fn)(const tflrt_unary_params* p, const void* x, void* y, size_t n);

/* CAST between element types (TFLite semantics): float -> integer truncates toward zero and
 * saturates (NaN gives the type maximum); integer -> integer wraps; anything -> bool is
 * "!= 0"; bool -> number is 0/1; float16 results go through float32 with round-to-nearest-even;
 * complex64 inputs contribute their real part, complex64 outputs get a zero imaginary part.
 * Supported types: tflrt_cast_supported(). */
typedef void (*tflrt_cast_fn)(int32_t in_type, int32_t out_type, const void* x, void* y, size_t n);
int tflrt_cast_supported(int32_t type);

typedef struct tflrt_unary_kernels {
  /* float32 math */
  tflrt_unary_fn f32_abs, f32_neg, f32_sqrt, f32_rsqrt, f32_exp, f32_log, f32_sin, f32_cos;
  tflrt_unary_fn f32_ceil, f32_floor, f32_round, f32_square, f32_sign, f64_sign;
  /* float32 activations */
  tflrt_unary_fn f32_clamp, f32_leaky_relu, f32_elu, f32_hard_swish, f32_gelu, f32_gelu_tanh;
  tflrt_unary_fn f32_logistic, f32_tanh;
  /* plain integers */
  tflrt_unary_fn s8_neg, s16_neg, s32_neg, s64_neg, s16_abs, s32_abs, s32_sign;
  /* quantized */
  tflrt_unary_fn x8_lut, qs16_lut;
  tflrt_unary_fn qs8_requantize, qu8_requantize, qs16_requantize;
  tflrt_unary_fn qs8_abs, qs16_abs;
  tflrt_unary_fn qs8_leaky_relu, qu8_leaky_relu, qs16_leaky_relu;
  tflrt_unary_fn qs8_hard_swish, qu8_hard_swish;
  tflrt_unary_fn qs16_logistic, qs16_tanh;
  tflrt_unary_fn qs8_rsqrt, qs8_sqrt, qs16_sqrt;
  tflrt_cast_fn cast;
} tflrt_unary_kernels;

/* Fills every slot with the reference kernels (reference/unary_ref.c, reference/cast_ref.c). */
void tflrt_unary_kernels_ref(tflrt_unary_kernels* k);

/* The reference CAST kernel (reference/cast_ref.c). */
void tflrt_cast__ref(int32_t in_type, int32_t out_type, const void* x, void* y, size_t n);

#endif
