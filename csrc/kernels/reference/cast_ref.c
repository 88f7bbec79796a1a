/* Reference CAST kernel (see unary.h). Elements go through a small buffer in one of two
 * exact intermediate forms: int64 for integer and bool sources, double for floating-point
 * sources (every float32/float16 value is exact in double). Each store then applies TFLite's
 * conversion rule once, so no value is rounded twice where TFLite rounds once. */
#include <math.h>
#include <string.h>

#include "../unary.h"
#include "ref_common.h"
#include "tflite_rt/types.h"

#define CAST_BLOCK 256

int tflrt_cast_supported(int32_t type) {
  switch (type) {
    case TFLRT_FLOAT32: case TFLRT_FLOAT16: case TFLRT_FLOAT64: case TFLRT_COMPLEX64:
    case TFLRT_INT8: case TFLRT_UINT8: case TFLRT_INT16: case TFLRT_UINT16:
    case TFLRT_INT32: case TFLRT_UINT32: case TFLRT_INT64: case TFLRT_BOOL:
      return 1;
    default:
      return 0;
  }
}

static int is_floating(int32_t type) {
  return type == TFLRT_FLOAT32 || type == TFLRT_FLOAT16 || type == TFLRT_FLOAT64 || type == TFLRT_COMPLEX64;
}

/* IEEE binary16 <-> binary32. */
static float f16_to_f32(uint16_t h) {
  const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu, mantissa = h & 0x3ffu;
  if (exponent == 0) { /* zero or subnormal: mantissa * 2^-24, exact in float */
    const float magnitude = (float)mantissa * (1.0f / 16777216.0f);
    return sign ? -magnitude : magnitude;
  }
  const uint32_t bits =
      exponent == 0x1f ? (sign | 0x7f800000u | (mantissa << 13)) : (sign | ((exponent + 112u) << 23) | (mantissa << 13));
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

/* Round to nearest, ties to even; NaN becomes the quiet NaN 0x7e00 with the sign kept. */
static uint16_t f32_to_f16(float f) {
  uint32_t bits;
  memcpy(&bits, &f, sizeof bits);
  const uint16_t sign = (uint16_t)((bits >> 16) & 0x8000u);
  const uint32_t magnitude = bits & 0x7fffffffu;
  if (magnitude > 0x7f800000u) return sign | 0x7e00u;   /* NaN */
  if (magnitude >= 0x477ff000u) return sign | 0x7c00u;  /* >= 65520 rounds to infinity */
  if (magnitude < 0x38800000u) {                        /* below 2^-14: subnormal result */
    const float scaled = fabsf(f) * 16777216.0f;        /* exact: units of 2^-24 */
    return (uint16_t)(sign | (uint16_t)rintf(scaled));  /* rintf rounds half to even */
  }
  const uint32_t mantissa = magnitude & 0x7fffffu;
  uint32_t half = ((((magnitude >> 23) - 127u + 15u)) << 10) | (mantissa >> 13);
  const uint32_t rest = mantissa & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u))) half++; /* may carry into the exponent */
  return (uint16_t)(sign | half);
}

static void load_integers(int32_t type, const void* x, size_t i0, size_t n, int64_t* v) {
  switch (type) {
    case TFLRT_INT8: for (size_t i = 0; i < n; i++) v[i] = ((const int8_t*)x)[i0 + i]; break;
    case TFLRT_UINT8: for (size_t i = 0; i < n; i++) v[i] = ((const uint8_t*)x)[i0 + i]; break;
    case TFLRT_INT16: for (size_t i = 0; i < n; i++) v[i] = ((const int16_t*)x)[i0 + i]; break;
    case TFLRT_UINT16: for (size_t i = 0; i < n; i++) v[i] = ((const uint16_t*)x)[i0 + i]; break;
    case TFLRT_INT32: for (size_t i = 0; i < n; i++) v[i] = ((const int32_t*)x)[i0 + i]; break;
    case TFLRT_UINT32: for (size_t i = 0; i < n; i++) v[i] = ((const uint32_t*)x)[i0 + i]; break;
    case TFLRT_INT64: for (size_t i = 0; i < n; i++) v[i] = ((const int64_t*)x)[i0 + i]; break;
    case TFLRT_BOOL: for (size_t i = 0; i < n; i++) v[i] = ((const uint8_t*)x)[i0 + i] != 0; break;
    default: memset(v, 0, n * sizeof(*v)); break;
  }
}

static void load_floats(int32_t type, const void* x, size_t i0, size_t n, double* v) {
  switch (type) {
    case TFLRT_FLOAT32: for (size_t i = 0; i < n; i++) v[i] = ((const float*)x)[i0 + i]; break;
    case TFLRT_FLOAT64: for (size_t i = 0; i < n; i++) v[i] = ((const double*)x)[i0 + i]; break;
    case TFLRT_FLOAT16: for (size_t i = 0; i < n; i++) v[i] = f16_to_f32(((const uint16_t*)x)[i0 + i]); break;
    case TFLRT_COMPLEX64: /* real part */
      for (size_t i = 0; i < n; i++) v[i] = ((const float*)x)[2 * (i0 + i)];
      break;
    default: memset(v, 0, n * sizeof(*v)); break;
  }
}

/* Integer -> integer keeps the low bits (two's complement), as C++'s static_cast does. */
static void store_integers(int32_t type, const int64_t* v, void* y, size_t i0, size_t n) {
  switch (type) {
    case TFLRT_INT8: for (size_t i = 0; i < n; i++) ((int8_t*)y)[i0 + i] = ref_wrap_i8(v[i]); break;
    case TFLRT_UINT8: for (size_t i = 0; i < n; i++) ((uint8_t*)y)[i0 + i] = (uint8_t)(uint64_t)v[i]; break;
    case TFLRT_INT16: for (size_t i = 0; i < n; i++) ((int16_t*)y)[i0 + i] = ref_wrap_i16(v[i]); break;
    case TFLRT_UINT16: for (size_t i = 0; i < n; i++) ((uint16_t*)y)[i0 + i] = (uint16_t)(uint64_t)v[i]; break;
    case TFLRT_INT32: for (size_t i = 0; i < n; i++) ((int32_t*)y)[i0 + i] = tflrt_wrap_i32(v[i]); break;
    case TFLRT_UINT32: for (size_t i = 0; i < n; i++) ((uint32_t*)y)[i0 + i] = (uint32_t)(uint64_t)v[i]; break;
    case TFLRT_INT64: memcpy((int64_t*)y + i0, v, n * sizeof(*v)); break;
    case TFLRT_BOOL: for (size_t i = 0; i < n; i++) ((uint8_t*)y)[i0 + i] = v[i] != 0; break;
    case TFLRT_FLOAT32: for (size_t i = 0; i < n; i++) ((float*)y)[i0 + i] = (float)v[i]; break;
    case TFLRT_FLOAT64: for (size_t i = 0; i < n; i++) ((double*)y)[i0 + i] = (double)v[i]; break;
    case TFLRT_FLOAT16: for (size_t i = 0; i < n; i++) ((uint16_t*)y)[i0 + i] = f32_to_f16((float)v[i]); break;
    case TFLRT_COMPLEX64:
      for (size_t i = 0; i < n; i++) {
        ((float*)y)[2 * (i0 + i)] = (float)v[i];
        ((float*)y)[2 * (i0 + i) + 1] = 0.0f;
      }
      break;
    default: break;
  }
}

/* Floating -> integer: truncation toward zero, saturated at the type's bounds, NaN -> maximum.
 * The bounds are powers of two, exact in double, so the comparisons match float ones. */
static int64_t saturate_to(double v, double lo, double hi_exclusive, int64_t min, int64_t max) {
  if (isnan(v)) return max;
  if (v < lo) return min;
  if (v >= hi_exclusive) return max;
  return (int64_t)v;
}

static void store_floats(int32_t type, const double* v, void* y, size_t i0, size_t n) {
  int64_t tmp[CAST_BLOCK];
  switch (type) {
    case TFLRT_FLOAT32: for (size_t i = 0; i < n; i++) ((float*)y)[i0 + i] = (float)v[i]; return;
    case TFLRT_FLOAT64: memcpy((double*)y + i0, v, n * sizeof(*v)); return;
    case TFLRT_FLOAT16: for (size_t i = 0; i < n; i++) ((uint16_t*)y)[i0 + i] = f32_to_f16((float)v[i]); return;
    case TFLRT_COMPLEX64:
      for (size_t i = 0; i < n; i++) {
        ((float*)y)[2 * (i0 + i)] = (float)v[i];
        ((float*)y)[2 * (i0 + i) + 1] = 0.0f;
      }
      return;
    case TFLRT_BOOL: for (size_t i = 0; i < n; i++) ((uint8_t*)y)[i0 + i] = v[i] != 0.0; return;
    case TFLRT_INT8: for (size_t i = 0; i < n; i++) tmp[i] = saturate_to(v[i], -128.0, 128.0, INT8_MIN, INT8_MAX); break;
    case TFLRT_UINT8: for (size_t i = 0; i < n; i++) tmp[i] = saturate_to(v[i], 0.0, 256.0, 0, UINT8_MAX); break;
    case TFLRT_INT16:
      for (size_t i = 0; i < n; i++) tmp[i] = saturate_to(v[i], -32768.0, 32768.0, INT16_MIN, INT16_MAX);
      break;
    case TFLRT_UINT16: for (size_t i = 0; i < n; i++) tmp[i] = saturate_to(v[i], 0.0, 65536.0, 0, UINT16_MAX); break;
    case TFLRT_INT32:
      for (size_t i = 0; i < n; i++) tmp[i] = saturate_to(v[i], -2147483648.0, 2147483648.0, INT32_MIN, INT32_MAX);
      break;
    case TFLRT_UINT32:
      for (size_t i = 0; i < n; i++) tmp[i] = saturate_to(v[i], 0.0, 4294967296.0, 0, UINT32_MAX);
      break;
    case TFLRT_INT64:
      for (size_t i = 0; i < n; i++)
        tmp[i] = saturate_to(v[i], -9223372036854775808.0, 9223372036854775808.0, INT64_MIN, INT64_MAX);
      break;
    default: return;
  }
  store_integers(type, tmp, y, i0, n);
}

void tflrt_cast__ref(int32_t in_type, int32_t out_type, const void* x, void* y, size_t n) {
  if (in_type == out_type) {
    memmove(y, x, n * tflrt_type_size(in_type));
    return;
  }
  if (is_floating(in_type)) {
    double v[CAST_BLOCK];
    for (size_t i0 = 0; i0 < n; i0 += CAST_BLOCK) {
      const size_t m = n - i0 < CAST_BLOCK ? n - i0 : CAST_BLOCK;
      load_floats(in_type, x, i0, m, v);
      store_floats(out_type, v, y, i0, m);
    }
  } else {
    int64_t v[CAST_BLOCK];
    for (size_t i0 = 0; i0 < n; i0 += CAST_BLOCK) {
      const size_t m = n - i0 < CAST_BLOCK ? n - i0 : CAST_BLOCK;
      load_integers(in_type, x, i0, m, v);
      store_integers(out_type, v, y, i0, m);
    }
  }
}
