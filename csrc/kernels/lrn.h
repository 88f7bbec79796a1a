/* LOCAL_RESPONSE_NORMALIZATION kernels (float32).
 *
 * The input is viewed as rows of `depth` values (the last dimension). For each value c of a
 * row, TFLite's reference kernel sums the squares over the channel window
 *   [max(0, c - radius), min(depth, c + radius))      (note: the upper end is exclusive)
 * and computes out[c] = in[c] * powf(bias + alpha * sum, -beta), the sum accumulated in float
 * in increasing channel order. A kernel computes the rows [begin, end).
 */
#ifndef TFLITE_RT_KERNELS_LRN_H
#define TFLITE_RT_KERNELS_LRN_H

#include <stdint.h>

typedef struct tflrt_lrn_params {
  int32_t depth;
  int32_t radius;
  float bias, alpha, beta;
} tflrt_lrn_params;

typedef void (*tflrt_f32_lrn_fn)(const tflrt_lrn_params* p, const float* in, float* out,
                                 int32_t begin, int32_t end);

typedef struct tflrt_lrn_kernels {
  tflrt_f32_lrn_fn f32_lrn;
} tflrt_lrn_kernels;

/* Fills every slot with the reference kernels (reference/lrn_ref.c). */
void tflrt_lrn_kernels_ref(tflrt_lrn_kernels* k);

#endif
