/* Reference softmax kernels: the executable spec of softmax.h. */
#include <float.h>
#include <math.h>
#include <stddef.h>

#include "../../quant/fixedpoint.h"
#include "../../quant/quant.h"
#include "../softmax.h"
#include "ref_common.h"

void tflrt_f32_softmax__ref(const tflrt_softmax_params* p, const float* input, float* output, int32_t begin,
                             int32_t end) {
  const size_t depth = (size_t)p->depth;
  for (int32_t r = begin; r < end; r++) {
    const float* x = input + (size_t)r * depth;
    float* y = output + (size_t)r * depth;
    float max = -FLT_MAX;
    for (size_t c = 0; c < depth; c++) max = max < x[c] ? x[c] : max;
    float sum = 0.0f;
    for (size_t c = 0; c < depth; c++) {
      const float e = expf((x[c] - max) * p->beta);
      y[c] = e;
      sum += e;
    }
    for (size_t c = 0; c < depth; c++) y[c] = y[c] / sum;
  }
}

/* Integer bits of the scaled input difference (Q5.26) and of the sum of exps (Q12.19). */
#define SCALED_DIFF_INTEGER_BITS 5
#define ACCUM_INTEGER_BITS 12

/* exp(diff * input_beta) in Q0 for a contributing diff (diff >= diff_min). */
static inline int32_t exp_of_diff(const tflrt_softmax_params* p, int32_t diff) {
  const int32_t scaled = tflrt_mbqm_greater_than_one(diff, p->input_multiplier, p->input_left_shift);
  return tflrt_fp_exp_on_negative_values(scaled, SCALED_DIFF_INTEGER_BITS);
}

/* 8-bit input, 8- or 16-bit output: one definition per (input, output) type pair. */
#define DEFINE_SOFTMAX_Q8(NAME, TIN, IN_MIN, TOUT, OUT_MIN, OUT_MAX, OUT_BITS)                         \
  void NAME(const tflrt_softmax_params* p, const TIN* input, TOUT* output, int32_t begin,        \
                   int32_t end) {                                                                       \
    const size_t depth = (size_t)p->depth;                                                              \
    for (int32_t r = begin; r < end; r++) {                                                             \
      const TIN* x = input + (size_t)r * depth;                                                         \
      TOUT* y = output + (size_t)r * depth;                                                             \
      int32_t max_in_row = IN_MIN;                                                                      \
      for (size_t c = 0; c < depth; c++)                                                                \
        if (x[c] > max_in_row) max_in_row = x[c];                                                       \
      int32_t sum_of_exps = 0; /* Q12.19, wrapping */                                                   \
      for (size_t c = 0; c < depth; c++) {                                                              \
        const int32_t diff = (int32_t)x[c] - max_in_row;                                                \
        if (diff >= p->diff_min)                                                                        \
          sum_of_exps = tflrt_fp_add(                                                                   \
              sum_of_exps, tflrt_fp_rescale(exp_of_diff(p, diff), 0, ACCUM_INTEGER_BITS));              \
      }                                                                                                 \
      int bits_over_unit;                                                                               \
      const int32_t recip = tflrt_fp_reciprocal(sum_of_exps, ACCUM_INTEGER_BITS, &bits_over_unit);      \
      int exponent = bits_over_unit + 31 - (OUT_BITS);                                                  \
      if (exponent < 0) exponent = 0;                                                                   \
      for (size_t c = 0; c < depth; c++) {                                                              \
        const int32_t diff = (int32_t)x[c] - max_in_row;                                                \
        if (diff >= p->diff_min) {                                                                      \
          const int32_t prod = tflrt_srdhm(recip, exp_of_diff(p, diff));                                \
          const int32_t unsat = exponent > 31 ? 0 : tflrt_rdbpot(prod, exponent);                       \
          int32_t v = unsat + (OUT_MIN);                                                                \
          if (v > (OUT_MAX)) v = (OUT_MAX);                                                             \
          if (v < (OUT_MIN)) v = (OUT_MIN);                                                             \
          y[c] = (TOUT)v;                                                                               \
        } else {                                                                                        \
          y[c] = (TOUT)(OUT_MIN);                                                                       \
        }                                                                                               \
      }                                                                                                 \
    }                                                                                                   \
  }

DEFINE_SOFTMAX_Q8(tflrt_qs8_softmax__ref, int8_t, -128, int8_t, -128, 127, 8)
DEFINE_SOFTMAX_Q8(tflrt_qu8_softmax__ref, uint8_t, 0, uint8_t, 0, 255, 8)
DEFINE_SOFTMAX_Q8(tflrt_qs8_qs16_softmax__ref, int8_t, -128, int16_t, -32768, 32767, 16)
DEFINE_SOFTMAX_Q8(tflrt_qu8_qs16_softmax__ref, uint8_t, 0, int16_t, -32768, 32767, 16)

void tflrt_qs16_softmax__ref(const tflrt_softmax_params* p, const int16_t* input, int16_t* output,
                              int32_t begin, int32_t end) {
  const size_t depth = (size_t)p->depth;
  for (int32_t r = begin; r < end; r++) {
    const int16_t* x = input + (size_t)r * depth;
    int16_t* y = output + (size_t)r * depth;
    int32_t max_in_row = INT16_MIN;
    for (size_t c = 0; c < depth; c++)
      if (x[c] > max_in_row) max_in_row = x[c];
    /* exp(x - max) in Q0.15, cached in the output row; their sum in Q16.15 (the op limits
     * depth so that it cannot overflow). */
    int32_t sum_of_exps = 0;
    for (size_t c = 0; c < depth; c++) {
      const int32_t diff = (int32_t)x[c] - max_in_row;
      /* scale diff so that [-65535, 0] covers [-10, 0], then recentre on the int16 range */
      const int32_t scaled = tflrt_mbqm(diff, p->input_multiplier, p->input_left_shift);
      y[c] = tflrt_lut16_lookup((int16_t)ref_sat_i16(scaled + 32767), p->exp_lut);
      sum_of_exps += y[c];
    }
    /* 1 / sum: normalise the sum to [1, 2) in Q1.14 ... then look up 1/(1 + x), x = sum - 1,
     * recentred from [0, 65535] onto the int16 range. */
    const int headroom_plus_one = tflrt_clz32((uint32_t)sum_of_exps);
    const int32_t shifted_sum =
        (int32_t)((((int64_t)sum_of_exps << (headroom_plus_one - 1)) + (1 << 13)) >> 14);
    const int32_t sym_shifted_sum = shifted_sum - ((1 << 15) + (1 << 16));
    const int16_t recip_q015 = tflrt_lut16_lookup((int16_t)ref_sat_i16(sym_shifted_sum), p->recip_lut);
    const int right_shift = 31 - headroom_plus_one;
    const int64_t round = (int64_t)1 << (right_shift - 1);
    for (size_t c = 0; c < depth; c++) {
      const int32_t v = (int32_t)(((int64_t)y[c] * (int64_t)recip_q015 + round) >> right_shift);
      y[c] = (int16_t)(v < 0 ? 0 : (v > 32767 ? 32767 : v));
    }
  }
}

void tflrt_softmax_kernels_ref(tflrt_softmax_kernels* k) {
  k->f32_softmax = tflrt_f32_softmax__ref;
  k->qs8_softmax = tflrt_qs8_softmax__ref;
  k->qu8_softmax = tflrt_qu8_softmax__ref;
  k->qs8_qs16_softmax = tflrt_qs8_qs16_softmax__ref;
  k->qu8_qs16_softmax = tflrt_qu8_qs16_softmax__ref;
  k->qs16_softmax = tflrt_qs16_softmax__ref;
}
