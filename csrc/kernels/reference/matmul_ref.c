/* Reference batched matrix multiplication kernels (see ../matmul.h for the contract). */
#include <stdint.h>

#include "../../quant/quant.h"
#include "../matmul.h"

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

static void tflrt_f32_bmm__ref(const tflrt_bmm_params* p, const float* lhs, const float* rhs,
                               float* out, int32_t begin, int32_t end) {
  for (int32_t r = begin; r < end; r++) {
    const row_base rb = base_of(p, r);
    const float* a = lhs + rb.lhs;
    for (int32_t j = 0; j < p->n; j++) {
      const float* bcol = rhs + rb.rhs + (int64_t)j * p->rhs_ns;
      float acc = 0.0f;
      for (int32_t k = 0; k < p->k; k++) acc += bcol[k * p->rhs_ks] * a[k * p->lhs_ks];
      out[rb.out + j] = acc;
    }
  }
}

static int32_t clamp_q(const tflrt_bmm_params* p, int32_t v) {
  return v < p->q_min ? p->q_min : (v > p->q_max ? p->q_max : v);
}

static void tflrt_qs8_bmm__ref(const tflrt_bmm_params* p, const int8_t* lhs, const int8_t* rhs,
                               int8_t* out, int32_t begin, int32_t end) {
  for (int32_t r = begin; r < end; r++) {
    const row_base rb = base_of(p, r);
    const int8_t* a = lhs + rb.lhs;
    for (int32_t j = 0; j < p->n; j++) {
      const int8_t* bcol = rhs + rb.rhs + (int64_t)j * p->rhs_ns;
      uint32_t acc = 0;
      for (int32_t k = 0; k < p->k; k++)
        acc += (uint32_t)(((int32_t)bcol[k * p->rhs_ks] + p->rhs_offset) *
                          ((int32_t)a[k * p->lhs_ks] + p->lhs_offset));
      const int32_t v = tflrt_mbqm(tflrt_wrap_i32((int64_t)acc), p->mult, p->shift);
      out[rb.out + j] = (int8_t)clamp_q(p, tflrt_wrap_i32((int64_t)v + p->output_offset));
    }
  }
}

static void tflrt_qs8_qs32_bmm__ref(const tflrt_bmm_params* p, const int8_t* lhs,
                                    const int8_t* rhs, int32_t* out, int32_t begin,
                                    int32_t end) {
  for (int32_t r = begin; r < end; r++) {
    const row_base rb = base_of(p, r);
    const int8_t* a = lhs + rb.lhs;
    for (int32_t j = 0; j < p->n; j++) {
      const int8_t* bcol = rhs + rb.rhs + (int64_t)j * p->rhs_ns;
      uint32_t acc = 0;
      for (int32_t k = 0; k < p->k; k++)
        acc += (uint32_t)((int32_t)a[k * p->lhs_ks] * (int32_t)bcol[k * p->rhs_ks]);
      out[rb.out + j] = tflrt_wrap_i32((int64_t)acc);
    }
  }
}

#define DEFINE_QS16_BMM(NAME, TR)                                                            \
  static void NAME(const tflrt_bmm_params* p, const int16_t* lhs, const TR* rhs,           \
                   int16_t* out, int32_t begin, int32_t end) {                              \
    for (int32_t r = begin; r < end; r++) {                                                 \
      const row_base rb = base_of(p, r);                                                    \
      const int16_t* a = lhs + rb.lhs;                                                      \
      for (int32_t j = 0; j < p->n; j++) {                                                  \
        const TR* bcol = rhs + rb.rhs + (int64_t)j * p->rhs_ns;                             \
        int64_t acc = 0;                                                                    \
        for (int32_t k = 0; k < p->k; k++)                                                  \
          acc += ((int64_t)bcol[k * p->rhs_ks] + p->rhs_offset) *                           \
                 ((int64_t)a[k * p->lhs_ks] + p->lhs_offset);                               \
        const int32_t v = tflrt_mbqm64_wrap(acc, p->mult, p->shift);                        \
        out[rb.out + j] = (int16_t)clamp_q(p, tflrt_wrap_i32((int64_t)v + p->output_offset)); \
      }                                                                                     \
    }                                                                                       \
  }

DEFINE_QS16_BMM(tflrt_qs16_bmm__ref, int16_t)
DEFINE_QS16_BMM(tflrt_qs16_qs8w_bmm__ref, int8_t)

/* float -> int32 as C++'s conversion in TFLite, kept defined for out-of-range values. */
static int32_t f32_to_i32(float v) {
  if (!(v > -2147483648.0f)) return INT32_MIN; /* also NaN */
  if (v >= 2147483648.0f) return INT32_MIN;
  return (int32_t)v;
}

static void tflrt_qd8_f32_bmm__ref(const tflrt_bmm_params* p, const int8_t* lhs_q,
                                   const float* row_scale, const int32_t* row_zp,
                                   const int8_t* rhs, const int32_t* col_sum, float* out,
                                   int32_t begin, int32_t end) {
  for (int32_t r = begin; r < end; r++) {
    const row_base rb = base_of(p, r);
    const int8_t* a = lhs_q + rb.lhs;
    const float scale = row_scale[rb.lhs_row];
    const float zp = (float)row_zp[rb.lhs_row];
    for (int32_t j = 0; j < p->n; j++) {
      const int8_t* bcol = rhs + rb.rhs + (int64_t)j * p->rhs_ns;
      uint32_t acc = 0;
      for (int32_t k = 0; k < p->k; k++)
        acc += (uint32_t)((int32_t)a[k * p->lhs_ks] * (int32_t)bcol[k * p->rhs_ks]);
      const int32_t dot = tflrt_wrap_i32((int64_t)acc);
      const int32_t adj = f32_to_i32((float)dot - (float)col_sum[rb.rhs_col + j] * zp);
      out[rb.out + j] = 0.0f + (scale * p->filter_scale[j]) * (float)adj;
    }
  }
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
