/* Fixed-point helpers: the single source of truth for requantization in tflite_rt.
 *
 * These follow TFLite's reference arithmetic (double rounding, the default in LiteRT and
 * tflite-micro): QuantizeMultiplier splits a real multiplier into a Q31 mantissa and a
 * power-of-two exponent; MultiplyByQuantizedMultiplier applies it with the gemmlowp
 * saturating rounding doubling high multiply followed by a rounding right shift. Kernels of
 * every ISA must produce the same integers as these functions. */
#ifndef TFLITE_RT_QUANT_H
#define TFLITE_RT_QUANT_H

#include <stdint.h>

/* Fused activation function codes of the schema. */
enum {
  TFLRT_ACT_NONE = 0,
  TFLRT_ACT_RELU = 1,
  TFLRT_ACT_RELU_N1_TO_1 = 2,
  TFLRT_ACT_RELU6 = 3,
  TFLRT_ACT_TANH = 4,
  TFLRT_ACT_SIGN_BIT = 5
};

/* m = qm * 2^(shift - 31), qm in [2^30, 2^31) (or 0). shift < -31 flushes to zero. */
void tflrt_quantize_multiplier(double m, int32_t* qm, int* shift);
/* For multipliers in (0, 1): shift <= 0. */
void tflrt_quantize_multiplier_smaller_than_one(double m, int32_t* qm, int* shift);

static inline int32_t tflrt_srdhm(int32_t a, int32_t b) {
  /* SaturatingRoundingDoublingHighMul */
  if (a == b && a == INT32_MIN) return INT32_MAX;
  int64_t ab = (int64_t)a * (int64_t)b;
  int64_t nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));
  return (int32_t)((ab + nudge) / (1LL << 31));
}

static inline int32_t tflrt_rdbpot(int32_t x, int exponent) {
  /* RoundingDivideByPOT: round half away from zero */
  const int32_t mask = (int32_t)((1LL << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

static inline int32_t tflrt_shl_wrap(int32_t x, int s) { return (int32_t)((uint32_t)x << s); }

/* MultiplyByQuantizedMultiplier for int32 accumulators. */
static inline int32_t tflrt_mbqm(int32_t x, int32_t qm, int shift) {
  int left = shift > 0 ? shift : 0;
  int right = shift > 0 ? 0 : -shift;
  return tflrt_rdbpot(tflrt_srdhm(tflrt_shl_wrap(x, left), qm), right);
}

/* MultiplyByQuantizedMultiplierSmallerThanOneExp (left_shift <= 0). */
static inline int32_t tflrt_mbqm_smaller_than_one(int32_t x, int32_t qm, int left_shift) {
  return tflrt_rdbpot(tflrt_srdhm(x, qm), -left_shift);
}

/* MultiplyByQuantizedMultiplierGreaterThanOne (left_shift >= 0). */
static inline int32_t tflrt_mbqm_greater_than_one(int32_t x, int32_t qm, int left_shift) {
  return tflrt_srdhm(tflrt_shl_wrap(x, left_shift), qm);
}

/* MultiplyByQuantizedMultiplier for int64 accumulators (int16x8 conv/FC): the multiplier is
 * reduced to Q15 with rounding, then one rounding shift. */
static inline int32_t tflrt_mbqm64(int64_t x, int32_t qm, int shift) {
  const int32_t reduced = qm < 0x7FFF0000 ? ((qm + (1 << 15)) >> 16) : 0x7FFF;
  const int total_shift = 15 - shift;
  const int64_t round = (int64_t)1 << (total_shift - 1);
  /* TFLite requires |x| < 2^47; outside that contract the product wraps (no undefined
   * behaviour) and the result saturates. */
  int64_t r = (int64_t)((uint64_t)x * (uint64_t)(int64_t)reduced);
  r = (int64_t)((uint64_t)r + (uint64_t)round) >> total_shift;
  if (r < INT32_MIN) r = INT32_MIN;
  if (r > INT32_MAX) r = INT32_MAX;
  return (int32_t)r;
}

/* TfLiteRound: round half away from zero. */
float tflrt_roundf(float x);

/* Quantized clamp bounds for a fused activation (CalculateActivationRangeQuantized), given the
 * output scale/zero point and the type's range [qmin, qmax]. */
void tflrt_act_range_quant(int act, float scale, int32_t zero_point, int32_t qmin, int32_t qmax,
                           int32_t* out_min, int32_t* out_max);
/* Float clamp bounds for a fused activation (CalculateActivationRange). */
void tflrt_act_range_f32(int act, float* out_min, float* out_max);

/* Storage range of an integer type (tflrt_type): int8 [-128,127], uint8 [0,255],
 * int16 [-32768,32767], int32. Returns 0 for other types. */
int tflrt_type_range(int32_t type, int32_t* qmin, int32_t* qmax);

/* ---- additions for conv/pool (kept small) ---- */

/* Two's-complement wrap of a 64-bit sum to int32: the value TFLite's int32 accumulators hold
 * after an overflow, computed without signed-overflow UB or implementation-defined casts. */
static inline int32_t tflrt_wrap_i32(int64_t v) {
  const uint32_t u = (uint32_t)(uint64_t)v;
  return u <= (uint32_t)INT32_MAX ? (int32_t)u : (int32_t)(u - 0x80000000u) + INT32_MIN;
}

/* Per-output-channel requantization of conv-like ops (TFLite PopulateConvolutionQuantizationParams
 * for int8/int16): the effective scale of channel c is
 *   (double)in_scale * (double)filter_scale / (double)out_scale
 * with filter_scale = filter_scales[c], or filter_scales[0] for every channel when
 * n_scales == 1; each is split by tflrt_quantize_multiplier. Returns the largest shift, which
 * the caller checks against what its MBQM variant accepts. */
int tflrt_conv_multipliers(float in_scale, const float* filter_scales, int32_t n_scales,
                           float out_scale, int32_t n_channels, int32_t* mult, int32_t* shift);

/* ---- additions for reductions ---- */

/* tflrt_mbqm64 without the final saturation: a result outside int32 wraps around (two's
 * complement), as TFLite's 64-bit MultiplyByQuantizedMultiplier does with its int32 cast
 * (REDUCE_PROD chains it, so overflowed intermediate values matter). |x| < 2^47, shift <= 14. */
static inline int32_t tflrt_mbqm64_wrap(int64_t x, int32_t qm, int shift) {
  const int32_t reduced = qm < 0x7FFF0000 ? ((qm + (1 << 15)) >> 16) : 0x7FFF;
  const int total_shift = 15 - shift;
  const int64_t r = (x * (int64_t)reduced + ((int64_t)1 << (total_shift - 1))) >> total_shift;
  return tflrt_wrap_i32(r);
}

/* The 64-bit accumulator of int16 activations with an int64 bias (int16x8 CONV_2D,
 * DEPTHWISE_CONV_2D): sum + bias (wrapping, no UB), then TFLite's 64-bit MBQM,
 * whose int32 result wraps (its cast). Its input is kept inside TFLite's documented contract
 * |x| < 2^47: beyond it TFLite's product overflows (undefined); clamping keeps ours defined. */
static inline int32_t tflrt_acc64_mbqm(int64_t sum, int64_t bias, int32_t qm, int shift) {
  sum = (int64_t)((uint64_t)sum + (uint64_t)bias);
  const int64_t lim = (int64_t)1 << 47;
  if (sum >= lim) sum = lim - 1;
  if (sum < -lim) sum = -lim;
  return tflrt_mbqm64_wrap(sum, qm, shift);
}

#endif
