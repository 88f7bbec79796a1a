/* Reference batched matrix multiplication kernels (see ../matmul.h for the contract). */
#include <stdint.h>

#include "../../quant/quant.h"
#include "../matmul.h"
#include "ref_common.h"

/* Operand offsets of output row r = (batch, i). */
typedef struct {
  int64_t lhs, rhs, out;   /* element offsets: lhs row start, rhs batch start, out row start */
  int64_t lhs_row, rhs_col; /* hybrid: quantized lhs row index, col_sum base */
} row_base;

static row_base base_of(const tflrt_bmm_params* p, int32_t r) {
  row_base rb;
  const int32_t i = r % p->m;
  int64_t b = r / p->m;
  const int64_t b2 = b % p->batch_size[2];
  b /= p->batch_size[2];
  const int64_t b1 = b % p->batch_size[1];
  const int64_t b0 = b / p->batch_size[1];
  rb.lhs = b0 * p->lhs_bstride[0] + b1 * p->lhs_bstride[1] + b2 * p->lhs_bstride[2] +
           (int64_t)i * p->lhs_ms;
  rb.rhs = b0 * p->rhs_bstride[0] + b1 * p->rhs_bstride[1] + b2 * p->rhs_bstride[2];
  rb.out = (int64_t)r * p->n;
  rb.lhs_row = b0 * p->lhs_row_bstride[0] + b1 * p->lhs_row_bstride[1] +
               b2 * p->lhs_row_bstride[2] + i;
  rb.rhs_col = b0 * p->rhs_col_bstride[0] + b1 * p->rhs_col_bstride[1] +
               b2 * p->rhs_col_bstride[2];
  return rb;
}

/* The body every BATCH_MATMUL kernel shares: for each output row r = (batch, i) of [begin, end)
 * and column j, acc (of type T_ACC, from 0) accumulates TERM over k in increasing order, where
 * x = lhs[b][i][k] and w = rhs[b][k][j]; then out[b][i][j] = RESULT. */
#define BMM_LOOP(T_L, T_R, T_ACC, TERM, RESULT)                \
  for (int32_t r = begin; r < end; r++) {                      \
    const row_base rb = base_of(p, r);                         \
    const T_L* a = lhs + rb.lhs;                               \
    for (int32_t j = 0; j < p->n; j++) {                       \
      const T_R* bcol = rhs + rb.rhs + (int64_t)j * p->rhs_ns; \
      T_ACC acc = 0;                                           \
      for (int32_t k = 0; k < p->k; k++) {                     \
        const T_L x = a[k * p->lhs_ks];                        \
        const T_R w = bcol[k * p->rhs_ks];                     \
        acc += (TERM);                                         \
      }                                                        \
      out[rb.out + j] = (RESULT);                              \
    }                                                          \
  }

static void tflrt_f32_bmm__ref(const tflrt_bmm_params* p, const float* lhs, const float* rhs,
                               float* out, int32_t begin, int32_t end) {
  BMM_LOOP(float, float, float, w * x, acc)
}

/* int32 accumulator, wrapping (an unsigned sum) */
static void tflrt_qs8_bmm__ref(const tflrt_bmm_params* p, const int8_t* lhs, const int8_t* rhs,
                               int8_t* out, int32_t begin, int32_t end) {
  BMM_LOOP(int8_t, int8_t, uint32_t,
           (uint32_t)(((int32_t)w + p->rhs_offset) * ((int32_t)x + p->lhs_offset)),
           (int8_t)ref_requantize(tflrt_wrap_i32((int64_t)acc), p->mult, p->shift,
                                  p->output_offset, p->q_min, p->q_max))
}

static void tflrt_qs8_qs32_bmm__ref(const tflrt_bmm_params* p, const int8_t* lhs,
                                    const int8_t* rhs, int32_t* out, int32_t begin,
                                    int32_t end) {
  BMM_LOOP(int8_t, int8_t, uint32_t, (uint32_t)((int32_t)x * (int32_t)w),
           tflrt_wrap_i32((int64_t)acc))
}

/* 64-bit accumulator and MBQM, whose int32 result wraps */
static inline int16_t qs16_bmm_out(const tflrt_bmm_params* p, int64_t acc) {
  const int32_t v = tflrt_mbqm64_wrap(acc, p->mult, p->shift);
  return (int16_t)ref_clampi(tflrt_wrap_i32((int64_t)v + p->output_offset), p->q_min, p->q_max);
}
#define QS16_TERM (((int64_t)w + p->rhs_offset) * ((int64_t)x + p->lhs_offset))

static void tflrt_qs16_bmm__ref(const tflrt_bmm_params* p, const int16_t* lhs,
                                const int16_t* rhs, int16_t* out, int32_t begin, int32_t end) {
  BMM_LOOP(int16_t, int16_t, int64_t, QS16_TERM, qs16_bmm_out(p, acc))
}

static void tflrt_qs16_qs8w_bmm__ref(const tflrt_bmm_params* p, const int16_t* lhs,
                                     const int8_t* rhs, int16_t* out, int32_t begin,
                                     int32_t end) {
  BMM_LOOP(int16_t, int8_t, int64_t, QS16_TERM, qs16_bmm_out(p, acc))
}

/* Hybrid: the int32 dot product corrected for the row zero point in float, as TFLite. */
static inline float qd8_bmm_out(const tflrt_bmm_params* p, uint32_t acc, float scale, float zp,
                                int32_t col_sum, int32_t j) {
  const int32_t dot = tflrt_wrap_i32((int64_t)acc);
  const int32_t adj = ref_f32_to_i32_x86((float)dot - (float)col_sum * zp);
  return 0.0f + (scale * p->filter_scale[j]) * (float)adj;
}

static void tflrt_qd8_f32_bmm__ref(const tflrt_bmm_params* p, const int8_t* lhs,
                                   const float* row_scale, const int32_t* row_zp,
                                   const int8_t* rhs, const int32_t* col_sum, float* out,
                                   int32_t begin, int32_t end) {
  BMM_LOOP(int8_t, int8_t, uint32_t, (uint32_t)((int32_t)x * (int32_t)w),
           qd8_bmm_out(p, acc, row_scale[rb.lhs_row], (float)row_zp[rb.lhs_row],
                       col_sum[rb.rhs_col + j], j))
}

static void tflrt_qs8_bmm_col_sums__ref(const tflrt_bmm_params* p, const int8_t* rhs,
                                        int64_t rhs_batches, int32_t* col_sum) {
  const int64_t block = (int64_t)p->k * p->n;
  for (int64_t bb = 0; bb < rhs_batches; bb++) {
    for (int32_t j = 0; j < p->n; j++) {
      const int8_t* bcol = rhs + bb * block + (int64_t)j * p->rhs_ns;
      uint32_t s = 0;
      for (int32_t k = 0; k < p->k; k++) s += (uint32_t)(int32_t)bcol[k * p->rhs_ks];
      col_sum[bb * p->n + j] = tflrt_wrap_i32((int64_t)s);
    }
  }
}

void tflrt_matmul_kernels_ref(tflrt_matmul_kernels* k) {
  k->f32_bmm = tflrt_f32_bmm__ref;
  k->qs8_bmm = tflrt_qs8_bmm__ref;
  k->qs8_qs32_bmm = tflrt_qs8_qs32_bmm__ref;
  k->qs16_bmm = tflrt_qs16_bmm__ref;
  k->qs16_qs8w_bmm = tflrt_qs16_qs8w_bmm__ref;
  k->qd8_f32_bmm = tflrt_qd8_f32_bmm__ref;
  k->qs8_bmm_col_sums = tflrt_qs8_bmm_col_sums__ref;
}
