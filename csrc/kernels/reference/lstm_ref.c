/* Reference recurrent-cell kernels: the executable spec of lstm.h. */
#include <math.h>

#include "../../quant/fixedpoint.h"
#include "../../quant/quant.h"
#include "../lstm.h"
#include "ref_common.h"


/* bias[r] + sum_k x[k] w[r][k] with int32 wrap-around */
static inline int32_t dot_qs8(const int8_t* x, const int8_t* w, int32_t n, int32_t bias) {
  uint32_t acc = (uint32_t)bias;
  for (int32_t k = 0; k < n; k++) acc += (uint32_t)((int32_t)x[k] * (int32_t)w[k]);
  return tflrt_wrap_i32((int64_t)acc);
}

static void qs8_matmul_acc16__ref(const int8_t* x, const int8_t* w, const int32_t* bias, int32_t mult,
                                  int32_t shift, int32_t n_batch, int32_t n_cols, int32_t n_rows, int16_t* out,
                                  int32_t r0, int32_t r1) {
  for (int32_t b = 0; b < n_batch; b++) {
    const int8_t* xb = x + (size_t)b * (size_t)n_cols;
    int16_t* ob = out + (size_t)b * (size_t)n_rows;
    for (int32_t r = r0; r < r1; r++) {
      const int32_t acc = dot_qs8(xb, w + (size_t)r * (size_t)n_cols, n_cols, bias[r]);
      const int64_t v = (int64_t)tflrt_mbqm(acc, mult, shift) + ob[r];
      ob[r] = (int16_t)ref_sat_i16(v > INT32_MAX ? INT32_MAX : (v < INT32_MIN ? INT32_MIN : (int32_t)v));
    }
  }
}

static void qs8_matmul_acc8__ref(const int8_t* x, const int8_t* w, const int32_t* bias, int32_t mult,
                                 int32_t shift, int32_t zp, int32_t n_batch, int32_t n_cols, int32_t n_rows,
                                 int8_t* out, int32_t r0, int32_t r1) {
  for (int32_t b = 0; b < n_batch; b++) {
    const int8_t* xb = x + (size_t)b * (size_t)n_cols;
    int8_t* ob = out + (size_t)b * (size_t)n_rows;
    for (int32_t r = r0; r < r1; r++) {
      const int32_t acc = dot_qs8(xb, w + (size_t)r * (size_t)n_cols, n_cols, bias[r]);
      const int64_t v = (int64_t)tflrt_mbqm(acc, mult, shift) + zp + ob[r];
      ob[r] = (int8_t)ref_sat_i8(v > INT32_MAX ? INT32_MAX : (v < INT32_MIN ? INT32_MIN : (int32_t)v));
    }
  }
}

static void qs16_sigmoid__ref(const int16_t* x, int16_t* y, size_t n) {
  for (size_t i = 0; i < n; i++) y[i] = tflrt_fp16_logistic(x[i], 3);
}

static void qs16_tanh__ref(int32_t integer_bits, const int16_t* x, int16_t* y, size_t n) {
  for (size_t i = 0; i < n; i++) y[i] = tflrt_fp16_tanh(x[i], integer_bits);
}

static void qs16_layer_norm__ref(const int16_t* x, const int16_t* w, const int32_t* bias, int32_t mult,
                                 int32_t shift, int32_t variance_guard, int32_t n_batch, int32_t n, int16_t* y) {
  const int32_t two_to_20 = 1 << 20;
  for (int32_t b = 0; b < n_batch; b++) {
    const int16_t* xb = x + (size_t)b * (size_t)n;
    int16_t* yb = y + (size_t)b * (size_t)n;
    int64_t sum = 0, sum_sq = 0;
    for (int32_t j = 0; j < n; j++) {
      sum += xb[j];
      sum_sq += (int64_t)xb[j] * xb[j];
    }
    const int32_t mean = (int32_t)(sum * 1024 / n);
    const int64_t variance = sum_sq * (two_to_20 / n) - (int64_t)mean * (int64_t)mean;
    int32_t var = (int32_t)(variance / two_to_20);
    if (var < 1) var = variance_guard;
    int32_t inv_mult;
    int inv_shift;
    tflrt_inv_sqrt_multiplier(var, -1, &inv_mult, &inv_shift);
    for (int32_t j = 0; j < n; j++) {
      const int32_t shifted = tflrt_wrap_i32((int64_t)1024 * xb[j] - mean);
      const int32_t rescaled = tflrt_mbqm(shifted, inv_mult, inv_shift);
      /* TFLite forms rescaled * w + bias in (wrapping) int32 before widening */
      const int64_t weighted = tflrt_wrap_i32((int64_t)rescaled * w[j] + bias[j]);
      const int32_t rounded = (int32_t)((weighted > 0 ? weighted + 512 : weighted - 512) / 1024);
      yb[j] = (int16_t)ref_sat_i16(tflrt_mbqm(rounded, mult, shift + 12));
    }
  }
}

/* Rounding right shift that rounds ties toward +infinity (ARM's VRSHL with a negative count). */
static inline int32_t rshift_round_up(int32_t x, int n) {
  if (n <= 0) return x;
  return (int32_t)(((int64_t)x + ((int64_t)1 << (n - 1))) >> n);
}

static void qs16_peephole_acc__ref(const int16_t* w, int32_t v_size, const int16_t* cell, int32_t n_batch,
                                   int32_t mult, int32_t shift, int16_t* gate) {
  const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  const int32_t blocked = v_size >= 16 ? v_size - v_size % 16 : 0;
  for (int32_t b = 0; b < n_batch; b++) {
    const int16_t* cb = cell + (size_t)b * (size_t)v_size;
    int16_t* gb = gate + (size_t)b * (size_t)v_size;
    for (int32_t v = 0; v < v_size; v++) {
      const int32_t prod = (int32_t)w[v] * (int32_t)cb[v];
      const int32_t scaled = v < blocked ? rshift_round_up(tflrt_srdhm(tflrt_shl_wrap(prod, left), mult), right)
                                         : tflrt_mbqm(prod, mult, shift);
      const int64_t sum = (int64_t)scaled + gb[v];
      gb[v] = (int16_t)(sum > INT16_MAX ? INT16_MAX : (sum < INT16_MIN ? INT16_MIN : sum));
    }
  }
}

static void qs16_cell_update__ref(int16_t* cell, const int16_t* input_gate, const int16_t* forget_gate,
                                  const int16_t* cell_gate, int32_t cell_shift, int16_t clip, size_t n) {
  const int update_shift = 30 + cell_shift;
  for (size_t i = 0; i < n; i++) {
    const int16_t kept = ref_wrap_i16(tflrt_rdbpot((int32_t)forget_gate[i] * cell[i], 15));
    const int32_t gate_in = input_gate ? input_gate[i] : INT16_MAX - forget_gate[i];
    const int16_t update = ref_wrap_i16(tflrt_rdbpot(ref_wrap_i16(gate_in) * (int32_t)cell_gate[i], update_shift));
    int32_t c = ref_sat_i16((int32_t)kept + update);
    if (clip > 0) c = c > clip ? clip : (c < -clip ? -clip : c);
    cell[i] = (int16_t)c;
  }
}

static void qs16_mul_qs8__ref(const int16_t* a, const int16_t* b, int32_t mult, int32_t shift, int32_t zp, int8_t* y,
                              size_t n) {
  for (size_t i = 0; i < n; i++) {
    const int64_t v = (int64_t)tflrt_mbqm((int32_t)a[i] * (int32_t)b[i], mult, shift) + zp;
    y[i] = (int8_t)(v > INT8_MAX ? INT8_MAX : (v < INT8_MIN ? INT8_MIN : v));
  }
}

static void f32_layer_norm__ref(float* x, const float* coef, const float* bias, int32_t n_batch, int32_t n) {
  for (int32_t b = 0; b < n_batch; b++) {
    float* xb = x + (size_t)b * (size_t)n;
    float sum = 0.0f;
    for (int32_t j = 0; j < n; j++) sum += xb[j];
    const float mean = sum / (float)n;
    float sum_sq = 0.0f;
    for (int32_t j = 0; j < n; j++) sum_sq += (xb[j] - mean) * (xb[j] - mean);
    const float inv = 1.0f / sqrtf(sum_sq / (float)n + 1e-8f);
    for (int32_t j = 0; j < n; j++) xb[j] = (xb[j] - mean) * inv * coef[j] + bias[j];
  }
}

void tflrt_lstm_kernels_ref(tflrt_lstm_kernels* k) {
  k->qs8_matmul_acc16 = qs8_matmul_acc16__ref;
  k->qs8_matmul_acc8 = qs8_matmul_acc8__ref;
  k->qs16_sigmoid = qs16_sigmoid__ref;
  k->qs16_tanh = qs16_tanh__ref;
  k->qs16_layer_norm = qs16_layer_norm__ref;
  k->qs16_peephole_acc = qs16_peephole_acc__ref;
  k->qs16_cell_update = qs16_cell_update__ref;
  k->qs16_mul_qs8 = qs16_mul_qs8__ref;
  k->f32_layer_norm = f32_layer_norm__ref;
}
