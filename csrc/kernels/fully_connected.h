/* Fully-connected kernels (FULLY_CONNECTED), every data type.
 *
 * Layouts (TFLite's): input  [batches, in_features]    (any input rank, flattened by the op)
 *                     weights [out_features, in_features]
 *                     output [batches, out_features]
 *                     bias   [out_features] or NULL
 * Every kernel computes the output tile rows [r0, r1) x columns [c0, c1),
 * 0 <= r0 <= r1 <= batches, 0 <= c0 <= c1 <= out_features, so the thread pool can split over
 * batch rows or over output features. Kernels write only their tile, never allocate and never
 * fail; the op validated everything in prepare.
 *
 * Integer semantics follow TFLite's reference kernels (BUILTIN_REF) bit for bit:
 *   qs8, qu8, qu8_qs16 (32-bit accumulator, wrapping modulo 2^32 like TFLite's int32):
 *       acc = sum (w + filter_offset) * (x + input_offset) + bias[c]
 *       out = clamp(round(acc * out_scale[c]) + output_offset, q_min, q_max)
 *     where out_scale[c] = (double)input_scale * (double)filter_scale[c] / (double)output_scale
 *     is applied in double and rounded half away from zero: TFLite's reference FC requantizes
 *     in floating point (not with MultiplyByQuantizedMultiplier). filter_offset is 0 for
 *     per-channel weights. The double -> int32 conversion saturates (TFLite leaves it undefined).
 *   qs16 (int16 activations, int8 weights, zero points 0): same formula with a 64-bit
 *     accumulator and an int64 bias; qs16_acc32 keeps a 32-bit wrapping accumulator and an int32
 *     bias (quantized_bias_type INT32).
 *   qs16_qs16w (int16 activations and int16 weights): 64-bit accumulator, bias int32 or int64,
 *     out = clamp(MultiplyByQuantizedMultiplier64(acc, out_mult[c], out_shift[c])
 *                 + output_offset, q_min, q_max).
 *   qd8_f32_qc8w (hybrid / dynamic range: float input and output, int8 weights): the float
 *     input rows were quantized to int8 (batch_scale[b], batch_zp[b]) by the conv family's
 *     f32_to_qd8 kernels; with row_sums[c] = sum_k w[c][k],
 *       acc = sum_k w[c][k] * q[b][k] - row_sums[c] * batch_zp[b]     (int32, wrapping)
 *       out = (bias[c] or 0) + (float)acc * (batch_scale[b] * filter_scale[c])
 *     followed by the fused activation (hybrid_act, which includes TANH and SIGN_BIT), in the
 *     operation order of TFLite's tensor_utils.
 */
#ifndef TFLITE_RT_KERNELS_FULLY_CONNECTED_H
#define TFLITE_RT_KERNELS_FULLY_CONNECTED_H

#include <stdint.h>

typedef struct tflrt_fc_params {
  int32_t batches, in_features, out_features;
  /* float32 and hybrid paths: fused activation clamp (NONE/RELU/RELU_N1_TO_1/RELU6). */
  float f32_min, f32_max;
  /* Hybrid path: the fused activation code (quant.h TFLRT_ACT_*), applied to float results. */
  int32_t hybrid_act;
  /* Quantized paths. */
  int32_t input_offset;  /* -input zero point */
  int32_t filter_offset; /* -filter zero point (per-tensor weights; 0 for per-channel) */
  int32_t output_offset; /* output zero point */
  int32_t q_min, q_max;  /* fused activation clamp in the output's integer domain */
  const double* out_scale;  /* out_features requantization scales (qs8, qu8, qs16) */
  const int32_t* out_mult;  /* out_features Q31 multipliers (qs16_qs16w) */
  const int32_t* out_shift; /* out_features exponents, TFLite sign convention (> 0: left) */
  /* Hybrid path: out_features weight scales (per-tensor weights repeat the one scale). */
  const float* filter_scale;
} tflrt_fc_params;

/* The kernel signatures as function types (which also declare the reference kernels below) and
 * the pointer types of the table slots. */
typedef void tflrt_f32_fc_kernel(const tflrt_fc_params* p, const float* input, const float* weights,
                                 const float* bias, float* output, int32_t r0, int32_t r1, int32_t c0,
                                 int32_t c1);
typedef void tflrt_qs8_fc_kernel(const tflrt_fc_params* p, const int8_t* input, const int8_t* weights,
                                 const int32_t* bias, int8_t* output, int32_t r0, int32_t r1, int32_t c0,
                                 int32_t c1);
typedef void tflrt_qu8_fc_kernel(const tflrt_fc_params* p, const uint8_t* input, const uint8_t* weights,
                                 const int32_t* bias, uint8_t* output, int32_t r0, int32_t r1, int32_t c0,
                                 int32_t c1);
typedef void tflrt_qu8_qs16_fc_kernel(const tflrt_fc_params* p, const uint8_t* input,
                                      const uint8_t* weights, const int32_t* bias, int16_t* output,
                                      int32_t r0, int32_t r1, int32_t c0, int32_t c1);
typedef void tflrt_qs16_fc_kernel(const tflrt_fc_params* p, const int16_t* input, const int8_t* weights,
                                  const int64_t* bias, int16_t* output, int32_t r0, int32_t r1, int32_t c0,
                                  int32_t c1);
typedef void tflrt_qs16_fc_acc32_kernel(const tflrt_fc_params* p, const int16_t* input,
                                        const int8_t* weights, const int32_t* bias, int16_t* output,
                                        int32_t r0, int32_t r1, int32_t c0, int32_t c1);
/* bias32 or bias64 (at most one non-NULL) */
typedef void tflrt_qs16_qs16w_fc_kernel(const tflrt_fc_params* p, const int16_t* input,
                                        const int16_t* weights, const int32_t* bias32,
                                        const int64_t* bias64, int16_t* output, int32_t r0, int32_t r1,
                                        int32_t c0, int32_t c1);
/* Hybrid: qinput [batches, in_features] int8, batch_scale/batch_zp one entry per batch row. */
typedef void tflrt_qd8_f32_qc8w_fc_kernel(const tflrt_fc_params* p, const int8_t* qinput,
                                          const float* batch_scale, const int32_t* batch_zp,
                                          const int8_t* weights, const int32_t* row_sums,
                                          const float* bias, float* output, int32_t r0, int32_t r1,
                                          int32_t c0, int32_t c1);
/* row_sums[c] = sum_k weights[c][k] for c in [c0, c1). */
typedef void tflrt_qs8_row_sums_kernel(const int8_t* weights, int32_t in_features, int32_t* row_sums,
                                       int32_t c0, int32_t c1);
typedef tflrt_f32_fc_kernel* tflrt_f32_fc_fn;
typedef tflrt_qs8_fc_kernel* tflrt_qs8_fc_fn;
typedef tflrt_qu8_fc_kernel* tflrt_qu8_fc_fn;
typedef tflrt_qu8_qs16_fc_kernel* tflrt_qu8_qs16_fc_fn;
typedef tflrt_qs16_fc_kernel* tflrt_qs16_fc_fn;
typedef tflrt_qs16_fc_acc32_kernel* tflrt_qs16_fc_acc32_fn;
typedef tflrt_qs16_qs16w_fc_kernel* tflrt_qs16_qs16w_fc_fn;
typedef tflrt_qd8_f32_qc8w_fc_kernel* tflrt_qd8_f32_qc8w_fc_fn;
typedef tflrt_qs8_row_sums_kernel* tflrt_qs8_row_sums_fn;

typedef struct tflrt_fc_kernels {
  tflrt_f32_fc_fn f32_fc;
  tflrt_qs8_fc_fn qs8_fc;
  tflrt_qu8_fc_fn qu8_fc;
  tflrt_qu8_qs16_fc_fn qu8_qs16_fc;
  tflrt_qs16_fc_fn qs16_fc;             /* int64 bias, 64-bit accumulator */
  tflrt_qs16_fc_acc32_fn qs16_fc_acc32; /* int32 bias, 32-bit accumulator */
  tflrt_qs16_qs16w_fc_fn qs16_qs16w_fc;
  tflrt_qd8_f32_qc8w_fc_fn qd8_f32_qc8w_fc;
  tflrt_qs8_row_sums_fn qs8_row_sums;
} tflrt_fc_kernels;

/* Fills every slot with the reference kernels (reference/fc_ref.c). */
void tflrt_fc_kernels_ref(tflrt_fc_kernels* k);

/* Reference kernels, exported so ISA files can fall back to them and tests can call them. */
tflrt_f32_fc_kernel tflrt_f32_fc__ref;
tflrt_qs8_fc_kernel tflrt_qs8_fc__ref;
tflrt_qu8_fc_kernel tflrt_qu8_fc__ref;
tflrt_qu8_qs16_fc_kernel tflrt_qu8_qs16_fc__ref;
tflrt_qs16_fc_kernel tflrt_qs16_fc__ref;
tflrt_qs16_fc_acc32_kernel tflrt_qs16_fc_acc32__ref;
tflrt_qs16_qs16w_fc_kernel tflrt_qs16_qs16w_fc__ref;
tflrt_qd8_f32_qc8w_fc_kernel tflrt_qd8_f32_qc8w_fc__ref;
tflrt_qs8_row_sums_kernel tflrt_qs8_row_sums__ref;

/* The qs16 kernel's output value for column c from its exact 64-bit sum acc (the int64 bias
 * added with wrap-around, requantized in double, offset, clamped), so ISA kernels finish their
 * sums exactly as the reference does. */
int32_t tflrt_qs16_fc_out__ref(const tflrt_fc_params* p, int64_t acc, const int64_t* bias, int32_t c);

#endif
