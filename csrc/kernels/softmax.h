/* Softmax kernels (SOFTMAX) over the last axis.
 *
 * Layout: input and output [rows, depth] (the op flattens every leading axis into rows).
 * Every kernel computes the rows [begin, end), 0 <= begin <= end <= rows, so the thread pool
 * can split the work; kernels never allocate and never fail.
 *
 * Semantics follow TFLite's reference kernels (BUILTIN_REF) bit for bit for integers:
 *   f32:   out = exp((x - max) * beta) / sum, in float.
 *   8-bit input (qs8/qu8) -> 8- or 16-bit output: gemmlowp fixed point. Within a row,
 *          diff = x - max; entries with diff < diff_min contribute nothing and output the
 *          type minimum; otherwise diff is scaled by (input_multiplier, input_left_shift)
 *          into a Q5.26 value, exp() is taken in fixed point (fixedpoint.h), the sum is
 *          accumulated in Q12.19 and inverted with tflrt_fp_reciprocal, and
 *          out = clamp(round(exp * recip / 2^(bits_over_unit + 31 - out_bits)) + out_min,
 *                      out_min, out_max)
 *          i.e. the output scale is 1/256 (int8/uint8) or 1/65536 (int16) and its zero point
 *          the type minimum. Where TFLite would abort (a shift above 31, reached only when the
 *          sum of exps exceeds 2^(39 - out_bits)), the rounded quotient is 0.
 *   qs16:  int16 -> int16 with two 513-entry LUTs (exp on [-10, 0] and 1/(1+x) on [0, 1]),
 *          input scaled by (input_multiplier, input_left_shift) into [-65535, 0], output scale
 *          1/32768, zero points 0.
 */
#ifndef TFLITE_RT_KERNELS_SOFTMAX_H
#define TFLITE_RT_KERNELS_SOFTMAX_H

#include <stdint.h>

typedef struct tflrt_softmax_params {
  int32_t rows, depth;
  float beta;                 /* f32 */
  int32_t input_multiplier;   /* quantized: Q31 multiplier of input_scale * beta (rescaled) */
  int32_t input_left_shift;   /* quantized: exponent (>= 0 for 8-bit inputs) */
  int32_t diff_min;           /* 8-bit inputs: smallest diff that contributes */
  const int16_t* exp_lut;     /* qs16: 513 entries */
  const int16_t* recip_lut;   /* qs16: 513 entries, 1/(1+x) */
} tflrt_softmax_params;

/* The kernel signatures as function types (which also declare the reference kernels below) and
 * the pointer types of the table slots. */
typedef void tflrt_f32_softmax_kernel(const tflrt_softmax_params* p, const float* input,
                                      float* output, int32_t begin, int32_t end);
typedef void tflrt_qs8_softmax_kernel(const tflrt_softmax_params* p, const int8_t* input,
                                      int8_t* output, int32_t begin, int32_t end);
typedef void tflrt_qu8_softmax_kernel(const tflrt_softmax_params* p, const uint8_t* input,
                                      uint8_t* output, int32_t begin, int32_t end);
typedef void tflrt_qs8_qs16_softmax_kernel(const tflrt_softmax_params* p, const int8_t* input,
                                           int16_t* output, int32_t begin, int32_t end);
typedef void tflrt_qu8_qs16_softmax_kernel(const tflrt_softmax_params* p, const uint8_t* input,
                                           int16_t* output, int32_t begin, int32_t end);
typedef void tflrt_qs16_softmax_kernel(const tflrt_softmax_params* p, const int16_t* input,
                                       int16_t* output, int32_t begin, int32_t end);
typedef tflrt_f32_softmax_kernel* tflrt_f32_softmax_fn;
typedef tflrt_qs8_softmax_kernel* tflrt_qs8_softmax_fn;
typedef tflrt_qu8_softmax_kernel* tflrt_qu8_softmax_fn;
typedef tflrt_qs8_qs16_softmax_kernel* tflrt_qs8_qs16_softmax_fn;
typedef tflrt_qu8_qs16_softmax_kernel* tflrt_qu8_qs16_softmax_fn;
typedef tflrt_qs16_softmax_kernel* tflrt_qs16_softmax_fn;

typedef struct tflrt_softmax_kernels {
  tflrt_f32_softmax_fn f32_softmax;
  tflrt_qs8_softmax_fn qs8_softmax;
  tflrt_qu8_softmax_fn qu8_softmax;
  tflrt_qs8_qs16_softmax_fn qs8_qs16_softmax;
  tflrt_qu8_qs16_softmax_fn qu8_qs16_softmax;
  tflrt_qs16_softmax_fn qs16_softmax;
} tflrt_softmax_kernels;

/* Fills every slot with the reference kernels (reference/softmax_ref.c). */
void tflrt_softmax_kernels_ref(tflrt_softmax_kernels* k);

/* Reference kernels, exported so ISA files can fall back to them and tests can call them. */
tflrt_f32_softmax_kernel tflrt_f32_softmax__ref;
tflrt_qs8_softmax_kernel tflrt_qs8_softmax__ref;
tflrt_qu8_softmax_kernel tflrt_qu8_softmax__ref;
tflrt_qs8_qs16_softmax_kernel tflrt_qs8_qs16_softmax__ref;
tflrt_qu8_qs16_softmax_kernel tflrt_qu8_qs16_softmax__ref;
tflrt_qs16_softmax_kernel tflrt_qs16_softmax__ref;

#endif
