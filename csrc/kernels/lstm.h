/* Recurrent-cell kernels (UNIDIRECTIONAL_SEQUENCE_LSTM, BIDIRECTIONAL_SEQUENCE_LSTM): the pieces
 * of an LSTM step that are not plain matrix products. The float and hybrid gate products reuse the
 * fully-connected slots (fully_connected.h); the integer ("8x8_16") LSTM has its own products
 * because TFLite requantizes them with MultiplyByQuantizedMultiplier into int16 gates.
 *
 * Layouts: a batch of vectors is row-major [n_batch, n]; weights are [rows, cols] row-major.
 *
 * Integer semantics follow TFLite's integer LSTM (lstm_eval.cc with the portable tensor
 * utilities, as LiteRT's x86 and ARM builds run it) bit for bit; MBQM is
 * MultiplyByQuantizedMultiplier (quant.h, double rounding), all int32 sums wrap:
 *   qs8_matmul_acc16  out[b][r] = sat16(out[b][r] + MBQM(bias[r] + sum_k x[b][k] w[r][k], m, s))
 *   qs8_matmul_acc8   out[b][r] = sat8(out[b][r] + zp + MBQM(bias[r] + sum_k x[b][k] w[r][k], m, s))
 *                     both for rows r in [r0, r1) of every batch row (bias holds the zero-point
 *                     corrections folded in by the op)
 *   qs16_sigmoid      y = gemmlowp logistic of x read as Q3.12, result Q0.15
 *   qs16_tanh         y = gemmlowp tanh of x read with `integer_bits` integer bits (0..6), Q0.15
 *   qs16_layer_norm   TFLite's integer layer normalisation of each of n_batch rows of n values:
 *                     mean and variance in integers (scaled by 2^10 and 2^20), 1/sqrt as a
 *                     fixed-point multiplier, then w[j] and bias[j], rounded /1024, requantized
 *                     by (m, s + 12) and saturated to int16
 *   qs16_peephole_acc gate[i] = sat16(gate[i] + MBQM'(w[v] * cell[i], m, s)) for i = b * v_size + v:
 *                     LiteRT's vector kernel: elements in whole blocks of 16 of each row use a
 *                     rounding right shift that rounds ties up; the remaining elements use MBQM
 *   qs16_cell_update  c = RDBPOT(f * c, 15); u = RDBPOT(i * g, 30 + cell_shift) (i = 32767 - f
 *                     without an input gate); c = sat16(c + u), then clipped to [-clip, clip]
 *                     when clip > 0
 *   qs16_mul_qs8      y = sat8(zp + MBQM(a * b, m, s))
 * Float:
 *   f32_layer_norm    each row: (x - mean) / sqrt(variance + 1e-8) * coef + bias (two-pass mean
 *                     and variance in float, as TFLite's MeanStddevNormalization)
 */
#ifndef TFLITE_RT_KERNELS_LSTM_H
#define TFLITE_RT_KERNELS_LSTM_H

#include <stddef.h>
#include <stdint.h>

typedef void (*tflrt_qs8_matmul_acc16_fn)(const int8_t* x, const int8_t* w, const int32_t* bias, int32_t mult,
                                          int32_t shift, int32_t n_batch, int32_t n_cols, int32_t n_rows,
                                          int16_t* out, int32_t r0, int32_t r1);
typedef void (*tflrt_qs8_matmul_acc8_fn)(const int8_t* x, const int8_t* w, const int32_t* bias, int32_t mult,
                                         int32_t shift, int32_t zp, int32_t n_batch, int32_t n_cols,
                                         int32_t n_rows, int8_t* out, int32_t r0, int32_t r1);
typedef void (*tflrt_qs16_sigmoid_fn)(const int16_t* x, int16_t* y, size_t n);
typedef void (*tflrt_qs16_tanh_fn)(int32_t integer_bits, const int16_t* x, int16_t* y, size_t n);
typedef void (*tflrt_qs16_layer_norm_fn)(const int16_t* x, const int16_t* w, const int32_t* bias, int32_t mult,
                                         int32_t shift, int32_t variance_guard, int32_t n_batch, int32_t n,
                                         int16_t* y);
typedef void (*tflrt_qs16_peephole_acc_fn)(const int16_t* w, int32_t v_size, const int16_t* cell, int32_t n_batch,
                                           int32_t mult, int32_t shift, int16_t* gate);
typedef void (*tflrt_qs16_cell_update_fn)(int16_t* cell, const int16_t* input_gate, const int16_t* forget_gate,
                                          const int16_t* cell_gate, int32_t cell_shift, int16_t clip, size_t n);
typedef void (*tflrt_qs16_mul_qs8_fn)(const int16_t* a, const int16_t* b, int32_t mult, int32_t shift, int32_t zp,
                                      int8_t* y, size_t n);
typedef void (*tflrt_f32_layer_norm_fn)(float* x, const float* coef, const float* bias, int32_t n_batch, int32_t n);

typedef struct tflrt_lstm_kernels {
  tflrt_qs8_matmul_acc16_fn qs8_matmul_acc16;
  tflrt_qs8_matmul_acc8_fn qs8_matmul_acc8;
  tflrt_qs16_sigmoid_fn qs16_sigmoid;
  tflrt_qs16_tanh_fn qs16_tanh;
  tflrt_qs16_layer_norm_fn qs16_layer_norm;
  tflrt_qs16_peephole_acc_fn qs16_peephole_acc;
  tflrt_qs16_cell_update_fn qs16_cell_update; /* input_gate NULL: coupled input gate (CIFG) */
  tflrt_qs16_mul_qs8_fn qs16_mul_qs8;
  tflrt_f32_layer_norm_fn f32_layer_norm;
} tflrt_lstm_kernels;

/* Fills every slot with the reference kernels (reference/lstm_ref.c). */
void tflrt_lstm_kernels_ref(tflrt_lstm_kernels* k);

#endif
