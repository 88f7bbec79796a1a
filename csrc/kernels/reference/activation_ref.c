/* Reference PRELU, LOG_SOFTMAX and L2_NORMALIZATION kernels (see activation.h). */
#include <float.h>
#include <math.h>

#include "../../quant/fixedpoint.h"
#include "../../quant/quant.h"
#include "../activation.h"
#include "ref_common.h"

/* ---- PRELU ---- */

/* Offset of alpha's first element for output row `row` (row-major over the outer axes). */
static int64_t alpha_row_offset(const tflrt_prelu_params* p, int32_t row) {
  int64_t off = 0;
  for (int32_t a = p->outer_ndims - 1; a >= 0; a--) {
    const int32_t d = p->outer_dims[a];
    off += (int64_t)(row % d) * p->alpha_strides[a];
    row /= d;
  }
  return off;
}

static inline int32_t prelu_q(const tflrt_prelu_params* p, int32_t x, int32_t alpha) {
  const int32_t v = x - p->input_zero_point;
  const int32_t scaled = v >= 0 ? tflrt_mbqm(v, p->multiplier1, p->shift1)
                                : tflrt_mbqm(v * (alpha - p->alpha_zero_point), p->multiplier2, p->shift2);
  return ref_clampi(scaled + p->output_zero_point, p->q_min, p->q_max);
}

/* NAME: y = EXPR for every x of type T and its alpha a (of type TA), row by row. */
#define DEFINE_PRELU(NAME, T, TA, EXPR)                                                         \
  static void NAME(const tflrt_prelu_params* p, const void* xv, const void* av, void* yv,       \
                   int32_t begin, int32_t end) {                                                \
    const int64_t step = p->alpha_strides[p->outer_ndims];                                      \
    for (int32_t r = begin; r < end; r++) {                                                     \
      const T* xr = (const T*)xv + (int64_t)r * p->depth;                                       \
      T* y = (T*)yv + (int64_t)r * p->depth;                                                    \
      const TA* ar = (const TA*)av + alpha_row_offset(p, r);                                    \
      for (int32_t c = 0; c < p->depth; c++) {                                                  \
        const T x = xr[c];                                                                      \
        const TA a = ar[c * step];                                                              \
        y[c] = (EXPR);                                                                          \
      }                                                                                         \
    }                                                                                           \
  }

DEFINE_PRELU(f32_prelu__ref, float, float, x >= 0.0f ? x : x * a)
DEFINE_PRELU(qs8_prelu__ref, int8_t, int8_t, (int8_t)prelu_q(p, x, a))
DEFINE_PRELU(qu8_prelu__ref, uint8_t, uint8_t, (uint8_t)prelu_q(p, x, a))
/* int16 input and output, int8 alpha */
DEFINE_PRELU(qs16_prelu__ref, int16_t, int8_t, (int16_t)prelu_q(p, x, a))

/* ---- LOG_SOFTMAX ---- */

static void f32_log_softmax__ref(const tflrt_rowwise_params* p, const void* xv, void* yv, int32_t begin,
                                 int32_t end) {
  for (int32_t r = begin; r < end; r++) {
    const float* x = (const float*)xv + (int64_t)r * p->depth;
    float* y = (float*)yv + (int64_t)r * p->depth;
    float max = -FLT_MAX;
    for (int32_t c = 0; c < p->depth; c++) max = x[c] > max ? x[c] : max;
    float sum = 0.0f;
    for (int32_t c = 0; c < p->depth; c++) sum += expf(x[c] - max);
    const float log_sum = logf(sum);
    for (int32_t c = 0; c < p->depth; c++) y[c] = x[c] - max - log_sum;
  }
}

#define LSM_DIFF_INTEGER_BITS 5 /* scaled differences in Q5.26 */
#define LSM_ACCUM_INTEGER_BITS 12
#define LSM_OUTPUT_INTEGER_BITS 4

static inline int32_t load8(const uint8_t* row, int32_t c, int is_unsigned) {
  return is_unsigned ? (int32_t)row[c] : (int32_t)(int8_t)row[c];
}

/* Rows of the 8-bit log softmax; the output is zero_point + round((diff - log_sum) * 16),
 * clamped, with zero point 127 (int8) or 255 (uint8). */
static void log_softmax_8bit(const tflrt_rowwise_params* p, const void* xv, void* yv, int32_t begin, int32_t end,
                             int is_unsigned) {
  const int32_t out_min = is_unsigned ? 0 : INT8_MIN, out_max = is_unsigned ? UINT8_MAX : INT8_MAX;
  const int32_t out_zero_point = out_max;
  for (int32_t r = begin; r < end; r++) {
    const uint8_t* x = (const uint8_t*)xv + (int64_t)r * p->depth;
    uint8_t* y = (uint8_t*)yv + (int64_t)r * p->depth;
    int32_t max = out_min;
    for (int32_t c = 0; c < p->depth; c++) {
      const int32_t v = load8(x, c, is_unsigned);
      max = v > max ? v : max;
    }
    int32_t sum = 0; /* Q12.19 */
    for (int32_t c = 0; c < p->depth; c++) {
      const int32_t diff = load8(x, c, is_unsigned) - max;
      if (diff >= p->diff_min) {
        const int32_t scaled = tflrt_mbqm(diff, p->input_multiplier, p->input_left_shift);
        const int32_t e = tflrt_fp_exp_on_negative_values(scaled, LSM_DIFF_INTEGER_BITS);
        sum = tflrt_fp_add(sum, tflrt_fp_rescale(e, 0, LSM_ACCUM_INTEGER_BITS));
      }
    }
    const int32_t log_sum = tflrt_fp_log_x_ge_1(sum, LSM_ACCUM_INTEGER_BITS, LSM_DIFF_INTEGER_BITS);
    /* Differences at or below this limit would leave Q5.26 once log_sum is subtracted. */
    const int32_t limit = tflrt_mbqm(tflrt_fp_add(log_sum, INT32_MIN), p->reverse_multiplier, p->reverse_shift);
    const int32_t adjusted_min = p->diff_min - 1 > limit ? p->diff_min - 1 : limit;
    for (int32_t c = 0; c < p->depth; c++) {
      const int32_t diff = load8(x, c, is_unsigned) - max;
      int32_t out = out_min;
      if (diff > adjusted_min) {
        const int32_t scaled = tflrt_mbqm(diff, p->input_multiplier, p->input_left_shift);
        out = tflrt_rdbpot(tflrt_fp_sub(scaled, log_sum), 31 - LSM_DIFF_INTEGER_BITS - LSM_OUTPUT_INTEGER_BITS) +
              out_zero_point;
        out = ref_clampi(out, out_min, out_max);
      }
      y[c] = is_unsigned ? (uint8_t)out : (uint8_t)(int8_t)out;
    }
  }
}

static void qs8_log_softmax__ref(const tflrt_rowwise_params* p, const void* x, void* y, int32_t begin, int32_t end) {
  log_softmax_8bit(p, x, y, begin, end, 0);
}

static void qu8_log_softmax__ref(const tflrt_rowwise_params* p, const void* x, void* y, int32_t begin, int32_t end) {
  log_softmax_8bit(p, x, y, begin, end, 1);
}

/* ---- L2_NORMALIZATION ---- */

static void f32_l2norm__ref(const tflrt_rowwise_params* p, const void* xv, void* yv, int32_t begin, int32_t end) {
  for (int32_t r = begin; r < end; r++) {
    const float* x = (const float*)xv + (int64_t)r * p->depth;
    float* y = (float*)yv + (int64_t)r * p->depth;
    float sum = 0.0f;
    for (int32_t c = 0; c < p->depth; c++) sum += x[c] * x[c];
    float norm = sqrtf(sum);
    norm = norm < p->epsilon ? p->epsilon : norm;
    for (int32_t c = 0; c < p->depth; c++) y[c] = x[c] / norm;
  }
}

/* Sum of squared centered values, in int32 arithmetic that wraps like TFLite's accumulator. */
static int32_t sum_of_squares(const uint8_t* x, int32_t depth, int32_t zero_point, int is_unsigned) {
  uint32_t acc = 0;
  for (int32_t c = 0; c < depth; c++) {
    const int32_t v = load8(x, c, is_unsigned) - zero_point;
    acc += (uint32_t)(v * v);
  }
  return tflrt_wrap_i32((int64_t)acc);
}

/* Rows of the 8-bit L2 normalization: 1/sqrt of the row's sum of squares as a multiplier, then
 * output scale 1/128 with zero point 0 (int8) or 128 (uint8), as TFLite's two paths compute it. */
static void l2norm_8bit(const tflrt_rowwise_params* p, const void* xv, void* yv, int32_t begin, int32_t end,
                        int is_unsigned) {
  for (int32_t r = begin; r < end; r++) {
    const uint8_t* x = (const uint8_t*)xv + (int64_t)r * p->depth;
    uint8_t* y = (uint8_t*)yv + (int64_t)r * p->depth;
    int32_t m;
    int s;
    tflrt_inv_sqrt_multiplier(sum_of_squares(x, p->depth, p->input_zero_point, is_unsigned), -1, &m, &s);
    for (int32_t c = 0; c < p->depth; c++) {
      const int32_t v = load8(x, c, is_unsigned) - p->input_zero_point;
      if (is_unsigned)
        y[c] = (uint8_t)ref_clampi(128 + tflrt_mbqm_smaller_than_one(128 * v, m, s), 0, UINT8_MAX);
      else
        y[c] = (uint8_t)(int8_t)ref_clampi(tflrt_mbqm(v, m, s + 7), INT8_MIN, INT8_MAX);
    }
  }
}

static void qs8_l2norm__ref(const tflrt_rowwise_params* p, const void* x, void* y, int32_t begin, int32_t end) {
  l2norm_8bit(p, x, y, begin, end, 0);
}

static void qu8_l2norm__ref(const tflrt_rowwise_params* p, const void* x, void* y, int32_t begin, int32_t end) {
  l2norm_8bit(p, x, y, begin, end, 1);
}

void tflrt_activation_kernels_ref(tflrt_activation_kernels* k) {
  k->f32_prelu = f32_prelu__ref;
  k->qs8_prelu = qs8_prelu__ref;
  k->qu8_prelu = qu8_prelu__ref;
  k->qs16_prelu = qs16_prelu__ref;
  k->f32_log_softmax = f32_log_softmax__ref;
  k->qs8_log_softmax = qs8_log_softmax__ref;
  k->qu8_log_softmax = qu8_log_softmax__ref;
  k->f32_l2norm = f32_l2norm__ref;
  k->qs8_l2norm = qs8_l2norm__ref;
  k->qu8_l2norm = qu8_l2norm__ref;
}
