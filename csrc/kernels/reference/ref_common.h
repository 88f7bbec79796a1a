/* Small helpers the reference kernels share: TFLite's activation clamp, its int32
 * requantization step, two's complement narrowing, x86's float -> int32 conversion and NHWC
 * index math. Private to csrc/kernels/reference/. */
#ifndef TFLITE_RT_KERNELS_REFERENCE_REF_COMMON_H
#define TFLITE_RT_KERNELS_REFERENCE_REF_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "../../quant/quant.h"

/* TFLite's ActivationFunctionWithMinMax, std::min(std::max(v, lo), hi), for one type: NaN
 * passes through, and with lo > hi every result is hi. */
#define REF_DEFINE_CLAMP(NAME, T)                                                            \
  static inline T NAME(T v, T lo, T hi) {                                                    \
    v = v < lo ? lo : v;                                                                     \
    return hi < v ? hi : v;                                                                  \
  }
REF_DEFINE_CLAMP(ref_clampf, float)
REF_DEFINE_CLAMP(ref_clampi, int32_t)

/* TFLite's requantization of an int32 accumulator: MultiplyByQuantizedMultiplier, plus the output
 * zero point (an int32 addition that wraps like TFLite's), clamped to [lo, hi]. */
static inline int32_t ref_requantize(int32_t acc, int32_t mult, int32_t shift, int32_t zero_point,
                                     int32_t lo, int32_t hi) {
  return ref_clampi(tflrt_wrap_i32((int64_t)tflrt_mbqm(acc, mult, shift) + zero_point), lo, hi);
}

/* Saturation to the int8 / int16 range. */
static inline int32_t ref_sat_i8(int32_t v) { return ref_clampi(v, INT8_MIN, INT8_MAX); }
static inline int32_t ref_sat_i16(int32_t v) { return ref_clampi(v, INT16_MIN, INT16_MAX); }

/* Two's complement narrowing (the low bits), without implementation-defined conversions. */
static inline int8_t ref_wrap_i8(int64_t v) {
  const uint8_t u = (uint8_t)(uint64_t)v;
  return u <= INT8_MAX ? (int8_t)u : (int8_t)((int32_t)u - 256);
}
static inline int16_t ref_wrap_i16(int64_t v) {
  const uint16_t u = (uint16_t)(uint64_t)v;
  return u <= INT16_MAX ? (int16_t)u : (int16_t)((int32_t)u - 65536);
}

/* float -> int32 as x86-64 converts it (cvttss2si): truncation toward zero; NaN and values
 * outside the int32 range give INT32_MIN. */
static inline int32_t ref_f32_to_i32_x86(float v) {
  if (!(v >= -2147483648.0f && v < 2147483648.0f)) return INT32_MIN;
  return (int32_t)v;
}

/* Flat offset of element (i0, i1, i2, i3) of a row-major [*, d1, d2, d3] tensor (NHWC). */
static inline size_t ref_offset4(int32_t d1, int32_t d2, int32_t d3, int32_t i0, int32_t i1,
                                 int32_t i2, int32_t i3) {
  return (((size_t)i0 * (size_t)d1 + (size_t)i1) * (size_t)d2 + (size_t)i2) * (size_t)d3 +
         (size_t)i3;
}

#endif
