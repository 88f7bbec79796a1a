/* Row-wise and broadcasting activation kernels: PRELU, LOG_SOFTMAX, L2_NORMALIZATION.
 *
 * Layout: the tensor is viewed as [rows, depth] with depth the last axis. Every kernel
 * computes the rows [begin, end), 0 <= begin <= end <= rows, so the thread pool can split the
 * work; kernels never allocate and never fail.
 *
 * Semantics follow TFLite's reference kernels (BUILTIN_REF), bit for bit for integers:
 *   PRELU      y = x >= 0 ? x : x * alpha, alpha broadcast to x's shape. Quantized: with
 *              v = x - input_zp, y = clamp(output_zp + (v >= 0 ? MBQM(v, mult1, shift1)
 *              : MBQM(v * (alpha - alpha_zp), mult2, shift2)), q_min, q_max). The int16 kernel
 *              takes an int8 alpha.
 *   LOG_SOFTMAX  f32: y = x - max - log(sum(exp(x - max))). 8-bit: gemmlowp fixed point; the
 *              differences to the row maximum are scaled into Q5.26 by (input_multiplier,
 *              input_left_shift), exp is summed in Q12.19, its log taken in Q5.26
 *              (tflrt_fp_log_x_ge_1), and y = rounded (diff - log_sum) in units of 1/16 plus the
 *              output zero point (127 for int8, 255 for uint8), clamped; differences at or below
 *              max(diff_min - 1, MBQM(log_sum + INT32_MIN, reverse_multiplier, reverse_shift))
 *              give the type minimum.
 *   L2_NORMALIZATION  f32: y = x / max(sqrt(sum(x^2)), epsilon). 8-bit: the sum of squared
 *              (x - input_zp) is inverted with tflrt_inv_sqrt_multiplier; output scale 1/128 with
 *              zero point 0 (int8) or 128 (uint8).
 * MBQM is MultiplyByQuantizedMultiplier (quant.h). */
#ifndef TFLITE_RT_KERNELS_ACTIVATION_H
#define TFLITE_RT_KERNELS_ACTIVATION_H

#include <stdint.h>

#include "tflite_rt/types.h"

typedef struct tflrt_prelu_params {
  int32_t rows, depth;
  int32_t outer_ndims;                        /* axes before the last one */
  int32_t outer_dims[TFLRT_MAX_DIMS];
  int64_t alpha_strides[TFLRT_MAX_DIMS];      /* per output axis (last one included); 0 = broadcast */
  int32_t input_zero_point, alpha_zero_point, output_zero_point;
  int32_t multiplier1, shift1;                /* x >= 0 */
  int32_t multiplier2, shift2;                /* x < 0: scale of x * alpha */
  int32_t q_min, q_max;
} tflrt_prelu_params;

typedef struct tflrt_rowwise_params {
  int32_t rows, depth;
  float epsilon;                              /* f32 L2 normalization */
  int32_t input_zero_point;                   /* 8-bit L2 normalization */
  int32_t input_multiplier, input_left_shift; /* 8-bit log softmax */
  int32_t reverse_multiplier, reverse_shift;  /* reverse_shift <= 0 (a left shift) */
  int32_t diff_min;
} tflrt_rowwise_params;

typedef void (*tflrt_prelu_fn)(const tflrt_prelu_params* p, const void* x, const void* alpha, void* y,
                               int32_t begin, int32_t end);
typedef void (*tflrt_rowwise_fn)(const tflrt_rowwise_params* p, const void* x, void* y, int32_t begin, int32_t end);

typedef struct tflrt_activation_kernels {
  tflrt_prelu_fn f32_prelu, qs8_prelu, qu8_prelu, qs16_prelu;
  tflrt_rowwise_fn f32_log_softmax, qs8_log_softmax, qu8_log_softmax;
  tflrt_rowwise_fn f32_l2norm, qs8_l2norm, qu8_l2norm;
} tflrt_activation_kernels;

/* Fills every slot with the reference kernels (reference/activation_ref.c). */
void tflrt_activation_kernels_ref(tflrt_activation_kernels* k);

#endif
