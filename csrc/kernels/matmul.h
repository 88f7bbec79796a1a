/* Batched matrix multiplication kernels (BATCH_MATMUL).
 *
 * out[b][i][j] = sum_k lhs[b][i][k] * rhs[b][k][j] for i < m, j < n, k < k_depth, where b runs
 * over up to three broadcast batch dimensions (batch_size[3], leading 1s for fewer). The
 * operands are addressed through element strides, so transposed ("adjoint") operands need no
 * copy:
 *   lhs element (b, i, k) at  sum_d bidx_d * lhs_bstride[d] + i * lhs_ms + k * lhs_ks
 *   rhs element (b, k, j) at  sum_d bidx_d * rhs_bstride[d] + k * rhs_ks + j * rhs_ns
 * (a batch stride is 0 along a broadcast dimension). The output is dense [batches][m][n].
 * Every kernel computes the output rows [begin, end) of the flattened (batch, i) range.
 *
 * Semantics (TFLite's reference kernels, bit for bit for integers):
 *   f32            float sum over k in increasing order, starting from 0.
 *   qs8            acc(int32, wrapping) = sum (rhs + rhs_offset) * (lhs + lhs_offset);
 *                  out = clamp(MBQM(acc, mult, shift) + output_offset, q_min, q_max)
 *   qs8_qs32       int8 operands, int32 output: plain wrapping int32 sum of lhs * rhs (TFLite
 *                  ignores the zero points on this path).
 *   qs16, qs16_qs8w  int16 lhs, int16 or int8 rhs (zero points 0): int64 accumulator,
 *                  out = clamp(MBQM64(acc, mult, shift) with a wrapping int32 result, q_min,
 *                  q_max).
 *   qd8_f32 (hybrid): lhs was quantized per row of k values to int8 (row scale, row zero point,
 *                  rows numbered lhs_batch_row + i with lhs_row_bstride per batch index); with
 *                  col_sum[c] = sum_k rhs[k][j] (numbered rhs_col_bstride per batch index + j):
 *                    acc = sum_k lhs_q * rhs                                  (int32, wrapping)
 *                    acc = (int32)((float)acc - (float)col_sum * (float)row_zp)
 *                    out = 0.0f + (row_scale * filter_scale[j]) * (float)acc
 *                  which is TFLite's operation order (filter_scale repeats the per-tensor scale).
 */
#ifndef TFLITE_RT_KERNELS_MATMUL_H
#define TFLITE_RT_KERNELS_MATMUL_H

#include <stdint.h>

typedef struct tflrt_bmm_params {
  int32_t batch_size[3];
  int64_t lhs_bstride[3], rhs_bstride[3];
  int32_t m, n, k;
  int64_t lhs_ms, lhs_ks, rhs_ks, rhs_ns;
  /* Quantized paths. */
  int32_t lhs_offset, rhs_offset; /* -zero points */
  int32_t output_offset;
  int32_t mult, shift;            /* TFLite convention: shift > 0 shifts left */
  int32_t q_min, q_max;
  /* Hybrid path. */
  int64_t lhs_row_bstride[3];     /* rows of the quantized lhs per batch index */
  int64_t rhs_col_bstride[3];     /* entries of col_sum per batch index */
  const float* filter_scale;      /* n entries */
} tflrt_bmm_params;

typedef void (*tflrt_f32_bmm_fn)(const tflrt_bmm_params* p, const float* lhs, const float* rhs,
                                 float* out, int32_t begin, int32_t end);
typedef void (*tflrt_qs8_bmm_fn)(const tflrt_bmm_params* p, const int8_t* lhs, const int8_t* rhs,
                                 int8_t* out, int32_t begin, int32_t end);
typedef void (*tflrt_qs8_qs32_bmm_fn)(const tflrt_bmm_params* p, const int8_t* lhs,
                                      const int8_t* rhs, int32_t* out, int32_t begin,
                                      int32_t end);
typedef void (*tflrt_qs16_bmm_fn)(const tflrt_bmm_params* p, const int16_t* lhs,
                                  const int16_t* rhs, int16_t* out, int32_t begin, int32_t end);
typedef void (*tflrt_qs16_qs8w_bmm_fn)(const tflrt_bmm_params* p, const int16_t* lhs,
                                       const int8_t* rhs, int16_t* out, int32_t begin,
                                       int32_t end);
/* Hybrid: lhs_q is the row-quantized lhs (dense [lhs batches][m][k], lhs_ms = k, lhs_ks = 1). */
typedef void (*tflrt_qd8_f32_bmm_fn)(const tflrt_bmm_params* p, const int8_t* lhs_q,
                                     const float* row_scale, const int32_t* row_zp,
                                     const int8_t* rhs, const int32_t* col_sum, float* out,
                                     int32_t begin, int32_t end);
/* col_sum[bb * n + j] = sum_k rhs[bb][k][j] for every rhs batch bb < rhs_batches, where rhs
 * batches are dense k * n blocks addressed with rhs_ks / rhs_ns. */
typedef void (*tflrt_qs8_bmm_col_sums_fn)(const tflrt_bmm_params* p, const int8_t* rhs,
                                          int64_t rhs_batches, int32_t* col_sum);

typedef struct tflrt_matmul_kernels {
  tflrt_f32_bmm_fn f32_bmm;
  tflrt_qs8_bmm_fn qs8_bmm;
  tflrt_qs8_qs32_bmm_fn qs8_qs32_bmm;
  tflrt_qs16_bmm_fn qs16_bmm;
  tflrt_qs16_qs8w_bmm_fn qs16_qs8w_bmm;
  tflrt_qd8_f32_bmm_fn qd8_f32_bmm;
  tflrt_qs8_bmm_col_sums_fn qs8_bmm_col_sums;
} tflrt_matmul_kernels;

/* Fills every slot with the reference kernels (reference/matmul_ref.c). */
void tflrt_matmul_kernels_ref(tflrt_matmul_kernels* k);

#endif
