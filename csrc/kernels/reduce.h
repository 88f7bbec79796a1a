/* Reduction kernels: MEAN, SUM, REDUCE_PROD, REDUCE_MAX, REDUCE_MIN, REDUCE_ANY, REDUCE_ALL.
 *
 * The op describes the reduction as two strided index spaces over the input (row-major):
 *   outer: the kept dimensions, in order; output element o (flat, row-major over outer_size)
 *          starts at input offset sum_i idx_i * outer_stride[i]
 *   inner: the reduced dimensions, in order; each output combines the inner_count elements
 *          at (start + sum_j idx_j * inner_stride[j]), visited in increasing input order
 * Adjacent dimensions of the same kind are merged and size-1 dimensions dropped by the op, so
 * n_outer, n_inner <= TFLRT_MAX_DIMS. A kernel computes the outputs [begin, end).
 *
 * Semantics (TFLite's reference kernels, bit for bit for integers):
 *   SUM, PROD   wrap around for integer types (two's complement); float sums in visit order.
 *   MAX, MIN    acc = (x > acc) ? x : acc (MIN: x < acc), so NaNs never replace a value.
 *   ANY, ALL    logical or/and over bytes (0 = false).
 *   init        acc starts at the neutral element (SUM 0, PROD 1, MAX the lowest finite value
 *               of the type, MIN the highest, ANY false, ALL true); with init_from_first set
 *               (TFLite reduces "all dimensions" that way) it starts at the first element
 *               instead, which differs for MAX/MIN when every element is -inf/+inf or the first
 *               is NaN. An empty reduction (inner_count 0) gives the neutral element.
 *   MEAN        float: sum in float, divided by (float)inner_count; empty: NaN.
 *               int32/int64: sum in int64 (wrapping), divided by inner_count (truncating
 *               toward zero); empty: 0.
 * Quantized (int8, uint8, int16):
 *   mean/sum    s = sum of raw values (int32, wrapping);
 *               t = s - input_zp * inner_count (int32, wrapping);
 *               out = clamp(MBQM(t, mult, shift) + output_zp, type range); empty: 0.
 *               The op folds 1/inner_count into (mult, shift) for MEAN as TFLite does.
 *   prod        acc = x0 - input_zp, then acc = MBQM64(acc * (x - input_zp), mult, shift) for
 *               each further element; out = clamp(MBQM64(acc, mult, shift) + output_zp, type
 *               range) (64-bit MultiplyByQuantizedMultiplier; shift <= 14, checked by the op).
 */
#ifndef TFLITE_RT_KERNELS_REDUCE_H
#define TFLITE_RT_KERNELS_REDUCE_H

#include <stdint.h>

#include "tflite_rt/types.h"

enum {
  TFLRT_REDUCE_SUM = 0,
  TFLRT_REDUCE_PROD = 1,
  TFLRT_REDUCE_MAX = 2,
  TFLRT_REDUCE_MIN = 3,
  TFLRT_REDUCE_ANY = 4,
  TFLRT_REDUCE_ALL = 5,
  TFLRT_REDUCE_MEAN = 6
};

typedef struct tflrt_reduce_params {
  int32_t op; /* TFLRT_REDUCE_* (the quantized kernels ignore it) */
  int32_t n_outer, n_inner;
  int32_t outer_size[TFLRT_MAX_DIMS];
  int64_t outer_stride[TFLRT_MAX_DIMS];
  int32_t inner_size[TFLRT_MAX_DIMS];
  int64_t inner_stride[TFLRT_MAX_DIMS];
  int64_t inner_count;     /* product of inner_size: elements per output */
  int32_t init_from_first; /* start from the first element instead of the neutral element */
  /* Quantized kernels. */
  int32_t input_zp, output_zp;
  int32_t mult, shift;     /* TFLite convention: shift > 0 shifts left */
  int32_t q_min, q_max;    /* output type range */
} tflrt_reduce_params;

typedef void (*tflrt_f32_reduce_fn)(const tflrt_reduce_params* p, const float* in, float* out,
                                    int32_t begin, int32_t end);
typedef void (*tflrt_s32_reduce_fn)(const tflrt_reduce_params* p, const int32_t* in,
                                    int32_t* out, int32_t begin, int32_t end);
typedef void (*tflrt_s64_reduce_fn)(const tflrt_reduce_params* p, const int64_t* in,
                                    int64_t* out, int32_t begin, int32_t end);
typedef void (*tflrt_s16_reduce_fn)(const tflrt_reduce_params* p, const int16_t* in,
                                    int16_t* out, int32_t begin, int32_t end);
typedef void (*tflrt_s8_reduce_fn)(const tflrt_reduce_params* p, const int8_t* in, int8_t* out,
                                   int32_t begin, int32_t end);
typedef void (*tflrt_u8_reduce_fn)(const tflrt_reduce_params* p, const uint8_t* in,
                                   uint8_t* out, int32_t begin, int32_t end);

typedef struct tflrt_reduce_kernels {
  /* Plain reductions (op = SUM, PROD, MAX, MIN; MEAN for f32/s32/s64). */
  tflrt_f32_reduce_fn f32_reduce;
  tflrt_s32_reduce_fn s32_reduce;
  tflrt_s64_reduce_fn s64_reduce;
  tflrt_s16_reduce_fn s16_reduce;
  tflrt_s8_reduce_fn s8_reduce;
  tflrt_u8_reduce_fn u8_reduce;  /* uint8 values */
  tflrt_u8_reduce_fn b8_reduce;  /* bool bytes: ANY, ALL */
  /* Quantized MEAN/SUM (requantized sum) and PROD. */
  tflrt_s8_reduce_fn qs8_sum;
  tflrt_u8_reduce_fn qu8_sum;
  tflrt_s16_reduce_fn qs16_sum;
  tflrt_s8_reduce_fn qs8_prod;
  tflrt_s16_reduce_fn qs16_prod;
} tflrt_reduce_kernels;

/* Fills every slot with the reference kernels (reference/reduce_ref.c). */
void tflrt_reduce_kernels_ref(tflrt_reduce_kernels* k);

#endif
