/* Reference element-wise binary kernels (see binary.h for the semantics they implement).
 *
 * Each kernel is one loop over a run, written once per operand layout by RUN_BINARY: the
 * element expression sees the operands as `x` (from a) and `z` (from b) and the parameters
 * as `p`. Scalar helpers below hold the arithmetic of each operation. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../../quant/fixedpoint.h"
#include "../../quant/quant.h"
#include "../binary.h"
#include "ref_common.h"

typedef tflrt_binary_params bparams;

/* y[i] = EXPR(x, z) over one run, for the three operand layouts. The loops go in blocks of
 * BIN_BLOCK with a fixed trip count (which GCC's -O2 cost model will vectorise), then a tail. */
#define BIN_BLOCK 16
#define RUN_LOOP(TA, LOAD_X, LOAD_Z, EXPR)                                     \
  do {                                                                         \
    size_t i_ = 0;                                                             \
    for (; i_ + BIN_BLOCK <= n; i_ += BIN_BLOCK) {                             \
      for (size_t j_ = 0; j_ < BIN_BLOCK; j_++) {                              \
        const size_t k_ = i_ + j_;                                             \
        const TA x = LOAD_X;                                                   \
        const TA z = LOAD_Z;                                                   \
        y[k_] = (EXPR);                                                        \
      }                                                                        \
    }                                                                          \
    for (; i_ < n; i_++) {                                                     \
      const size_t k_ = i_;                                                    \
      const TA x = LOAD_X;                                                     \
      const TA z = LOAD_Z;                                                     \
      y[k_] = (EXPR);                                                          \
    }                                                                          \
  } while (0)

#define RUN_BINARY(TA, EXPR)                                                   \
  do {                                                                         \
    if (mode == TFLRT_BIN_SV) {                                                \
      const TA x0_ = a[0];                                                     \
      RUN_LOOP(TA, x0_, b[k_], EXPR);                                          \
    } else if (mode == TFLRT_BIN_VS) {                                         \
      const TA z0_ = b[0];                                                     \
      RUN_LOOP(TA, a[k_], z0_, EXPR);                                          \
    } else {                                                                   \
      RUN_LOOP(TA, a[k_], b[k_], EXPR);                                        \
    }                                                                          \
  } while (0)

/* A kernel NAME over operands of type TA writing TY, computing EXPR. The parameters are
 * copied to a local first: the build uses -fno-strict-aliasing, so every store to y could
 * otherwise change *params and force reloads in the loop. */
#define DEFINE_KERNEL(NAME, TA, TY, EXPR)                                                          \
  static void NAME(const bparams* params, size_t n, const TA* restrict a, const TA* restrict b,    \
                   TY* restrict y, int mode) {                                                 \
    const bparams local = *params;                                                             \
    const bparams* p = &local;                                                                 \
    (void)p;                                                                                   \
    RUN_BINARY(TA, EXPR);                                                                      \
  }

/* ---------------------------------------------------------------------------------------- */
/* Scalar helpers                                                                            */
/* ---------------------------------------------------------------------------------------- */

/* Activation clamps: TFLite's min(max(v, lo), hi) (ref_clampf and ref_clampi for float and
 * int32). For uint32 with TFLite's RELU_N1_TO_1 bounds (lo = 2^32 - 1, hi = 1) every result is
 * 1, which this order reproduces. */
REF_DEFINE_CLAMP(clamp_i64, int64_t)
REF_DEFINE_CLAMP(clamp_u32, uint32_t)

/* Two's complement wrap of a 64-bit unsigned value to int64 (no implementation-defined cast). */
static inline int64_t wrap_i64(uint64_t u) {
  return u <= (uint64_t)INT64_MAX ? (int64_t)u : (int64_t)(u - (UINT64_C(1) << 63)) + INT64_MIN;
}
static inline int32_t add_w32(int32_t a, int32_t b) { return tflrt_wrap_i32((int64_t)a + b); }
static inline int32_t sub_w32(int32_t a, int32_t b) { return tflrt_wrap_i32((int64_t)a - b); }
static inline int32_t mul_w32(int32_t a, int32_t b) { return tflrt_wrap_i32((int64_t)a * b); }
static inline int64_t add_w64(int64_t a, int64_t b) { return wrap_i64((uint64_t)a + (uint64_t)b); }
static inline int64_t sub_w64(int64_t a, int64_t b) { return wrap_i64((uint64_t)a - (uint64_t)b); }
static inline int64_t mul_w64(int64_t a, int64_t b) { return wrap_i64((uint64_t)a * (uint64_t)b); }

/* x86-64's result for a double -> int32 conversion (cvttsd2si): truncation, and INT32_MIN for
 * NaN or out-of-range values, which the reference reaches in POW and FLOOR_DIV. */
static inline int32_t f64_to_i32_x86(double v) {
  if (!(v > -2147483649.0 && v < 2147483648.0)) return INT32_MIN;
  return (int32_t)v;
}

/* RoundingDivideByPOT as TFLite's x86 build computes it for any exponent e. For 0 <= e <= 31
 * this is the exact rounding shift (tflrt_rdbpot). TFLite's reference also calls it with e
 * outside that range (quantized DIV with small numerators, SUB with an output multiplier
 * above one, comparisons of inputs with scales >= 1): its mask (1 << e) - 1 is then formed
 * with a 64-bit shift by e mod 64 and truncated to 32 bits, and the value shift uses e mod 32. */
static inline int32_t rdbpot_x86(int32_t x, int e) {
  const uint64_t m64 = (UINT64_C(1) << ((unsigned)e & 63u)) - 1u;
  const int32_t mask = tflrt_wrap_i32((int64_t)(uint32_t)m64);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> ((unsigned)e & 31u)) + (remainder > threshold ? 1 : 0);
}

/* MultiplyByQuantizedMultiplierSmallerThanOneExp (shift <= 0: exact; > 0: x86 emulation). */
static inline int32_t mbqm_exp(int32_t x, int32_t qm, int shift) {
  return rdbpot_x86(tflrt_srdhm(x, qm), -shift);
}

/* CountLeadingSignBits of an int32 (31 for 0 and -1). */
static inline int clrsb32(int32_t x) {
  const uint32_t u = x >= 0 ? (uint32_t)x : ~(uint32_t)x;
  return tflrt_clz32(u) - 1;
}

/* ---- float ---- */

static inline float f32_powi(float x, int32_t e, float lo, float hi) {
  /* TFLite's IntegerExponentPow: r(1) = x; r(e) = r(e/2)^2 (times x when e is odd), every
   * product clamped to [lo, hi] as its float Mul does. */
  int top = 30;
  while (top > 0 && !((e >> top) & 1)) top--;
  float r = x;
  for (int bit = top - 1; bit >= 0; bit--) {
    r = ref_clampf(r * r, lo, hi);
    if ((e >> bit) & 1) r = ref_clampf(x * r, lo, hi);
  }
  return r;
}
static inline float f32_floordiv(float x, float z) { return (float)floor((double)x / (double)z); }
static inline float f32_floormod(float x, float z) {
  const float m = fmodf(x, z);
  return (m != 0.0f && ((z < 0.0f) != (m < 0.0f))) ? m + z : m;
}
static inline float f32_sqrdiff(float x, float z) {
  const float d = x - z;
  return d * d;
}

/* ---- int32 / int64 ---- */

static inline int32_t s32_div(int32_t x, int32_t z) {
  if (z == 0) return 0;                       /* excluded by the op; never trap */
  if (z == -1) return sub_w32(0, x);          /* INT32_MIN / -1 wraps */
  return x / z;
}
static inline int32_t s32_floordiv(int32_t x, int32_t z) {
  if (z == 0) return 0;
  return f64_to_i32_x86(floor((double)x / (double)z));
}
static inline int32_t s32_floormod(int32_t x, int32_t z) {
  if (z == 0 || z == -1) return 0;
  const int32_t m = x % z;
  return (m != 0 && ((z < 0) != (m < 0))) ? m + z : m;
}
static inline int64_t s64_floormod(int64_t x, int64_t z) {
  if (z == 0 || z == -1) return 0;
  const int64_t m = x % z;
  return (m != 0 && ((z < 0) != (m < 0))) ? m + z : m;
}
static inline int32_t s32_pow(int32_t x, int32_t z) { return f64_to_i32_x86(pow((double)x, (double)z)); }
static inline int32_t s32_powi(int32_t x, int32_t e) {
  int top = 30;
  while (top > 0 && !((e >> top) & 1)) top--;
  int32_t r = x;
  for (int bit = top - 1; bit >= 0; bit--) {
    r = mul_w32(r, r);
    if ((e >> bit) & 1) r = mul_w32(x, r);
  }
  return r;
}
static inline int32_t s32_sqrdiff(int32_t x, int32_t z) {
  const int32_t d = sub_w32(x, z);
  return mul_w32(d, d);
}

/* ---- raw int16 / int8 (computed in int, narrowed like the reference) ----
 * FLOOR_DIV's only out-of-range quotient is MIN / -1. The reference converts the double
 * quotient straight to the narrow type, which is undefined; its vectorised x86 loops saturate
 * (to MAX) and that is what these kernels do (its scalar tail loop wraps to MIN instead). */

static inline int32_t small_floordiv(int32_t x, int32_t z) {
  if (z == 0) return 0;
  return f64_to_i32_x86(floor((double)x / (double)z));
}
static inline int32_t small_floormod(int32_t x, int32_t z) {
  if (z == 0) return 0;
  const int32_t m = x % z; /* operands are promoted int16/int8: no INT32_MIN / -1 */
  return (m != 0 && ((z < 0) != (m < 0))) ? m + z : m;
}

/* ---- quantized ---- */

/* ADD/SUB/SQUARED_DIFFERENCE of two 8/16-bit quantized values: rescale each input to the
 * common fixed point (q_in_a/q_in_b), then combine and rescale to the output (q_*_out). */
static inline int32_t q_rescale_input(int32_t v, int32_t offset, int left_shift, int32_t qm, int shift) {
  return tflrt_rdbpot(tflrt_srdhm((v + offset) * (1 << left_shift), qm), -shift);
}
static inline int32_t q_in_a(const bparams* p, int32_t x) {
  return q_rescale_input(x, p->a_offset, p->left_shift, p->a_multiplier, p->a_shift);
}
static inline int32_t q_in_b(const bparams* p, int32_t z) {
  return q_rescale_input(z, p->b_offset, p->left_shift, p->b_multiplier, p->b_shift);
}
static inline int32_t q_add_out(const bparams* p, int32_t sa, int32_t sb) {
  const int32_t r = tflrt_rdbpot(tflrt_srdhm(add_w32(sa, sb), p->out_multiplier), -p->out_shift);
  return ref_clampi(add_w32(r, p->out_offset), p->q_min, p->q_max);
}
static inline int32_t q_sub_out(const bparams* p, int32_t sa, int32_t sb) {
  const int32_t r = mbqm_exp(sub_w32(sa, sb), p->out_multiplier, p->out_shift);
  return ref_clampi(add_w32(r, p->out_offset), p->q_min, p->q_max);
}
static inline int32_t q_sqrdiff_out(const bparams* p, int32_t sa, int32_t sb) {
  const int32_t d = sub_w32(sa, sb);
  const int32_t r = tflrt_rdbpot(tflrt_srdhm(mul_w32(d, d), p->out_multiplier), -p->out_shift);
  return ref_clampi(add_w32(r, p->out_offset), p->q_min, p->q_max);
}
static inline int32_t q_add(const bparams* p, int32_t x, int32_t z) { return q_add_out(p, q_in_a(p, x), q_in_b(p, z)); }
static inline int32_t q_sub(const bparams* p, int32_t x, int32_t z) { return q_sub_out(p, q_in_a(p, x), q_in_b(p, z)); }
static inline int32_t q_mul(const bparams* p, int32_t x, int32_t z) {
  const int32_t prod = mul_w32(x + p->a_offset, z + p->b_offset);
  return ref_requantize(prod, p->out_multiplier, p->out_shift, p->out_offset, p->q_min, p->q_max);
}
/* TFLite's quantized DIV: the divisor's reciprocal in fixed point (GetReciprocal), the
 * dividend normalised by its headroom, then one output rescale whose exponent combines the
 * output shift, the reciprocal's and the headroom. */
static inline int32_t q_div(const bparams* p, int32_t x, int32_t z) {
  int32_t num = x + p->a_offset, den = z + p->b_offset;
  if (den < 0) {
    num = -num;
    den = -den;
  }
  int recip_shift = 0;
  const int32_t recip = tflrt_fp_reciprocal(den, 31, &recip_shift);
  const int headroom = clrsb32(num);
  const int32_t quotient = tflrt_srdhm(tflrt_shl_wrap(num, headroom), recip);
  const int total_shift = p->out_shift - recip_shift - headroom;
  const int32_t r = mbqm_exp(quotient, p->out_multiplier, total_shift);
  return ref_clampi(add_w32(r, p->out_offset), p->q_min, p->q_max);
}
/* int16 power-of-two-scale ADD/SUB: a_shift/b_shift are right shifts (one of them is 0). */
static inline int32_t q16_pot_add(const bparams* p, int32_t x, int32_t z) {
  const int32_t r = ref_sat_i16(tflrt_rdbpot(x, p->a_shift) + tflrt_rdbpot(z, p->b_shift));
  return ref_clampi(r, p->q_min, p->q_max);
}
static inline int32_t q16_pot_sub(const bparams* p, int32_t x, int32_t z) {
  const int32_t r = ref_sat_i16(tflrt_rdbpot(x, p->a_shift) - tflrt_rdbpot(z, p->b_shift));
  return ref_clampi(r, p->q_min, p->q_max);
}
/* int16 x int16 -> 8-bit MUL: Q0.15 product, rounded down by 2^8, clamped around the zp. */
static inline int32_t q16_mul_to8(const bparams* p, int32_t x, int32_t z) {
  int32_t prod;
  if (x == INT16_MIN && z == INT16_MIN) {
    prod = INT16_MAX;
  } else {
    const int32_t ab = x * z;
    const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
    prod = ref_wrap_i16((ab + nudge) / (1 << 15));
  }
  int32_t r = tflrt_rdbpot(prod, 8);
  const int32_t hi = p->q_max - p->out_offset, lo = p->q_min - p->out_offset;
  r = r > hi ? hi : r;
  r = r < lo ? lo : r;
  return r + p->out_offset;
}
/* Comparisons of quantized values: each side rescaled to a common fixed point. */
static inline int32_t q_cmp_a(const bparams* p, int32_t x) {
  return mbqm_exp((x + p->a_offset) * (1 << p->left_shift), p->a_multiplier, p->a_shift);
}
static inline int32_t q_cmp_b(const bparams* p, int32_t z) {
  return mbqm_exp((z + p->b_offset) * (1 << p->left_shift), p->b_multiplier, p->b_shift);
}

/* ---------------------------------------------------------------------------------------- */
/* Arithmetic kernels                                                                        */
/* ---------------------------------------------------------------------------------------- */

DEFINE_KERNEL(f32_vadd__ref, float, float, ref_clampf(x + z, p->f32_min, p->f32_max))
DEFINE_KERNEL(f32_vsub__ref, float, float, ref_clampf(x - z, p->f32_min, p->f32_max))
DEFINE_KERNEL(f32_vmul__ref, float, float, ref_clampf(x * z, p->f32_min, p->f32_max))
DEFINE_KERNEL(f32_vdiv__ref, float, float, ref_clampf(x / z, p->f32_min, p->f32_max))
DEFINE_KERNEL(f32_vsqrdiff__ref, float, float, f32_sqrdiff(x, z))
DEFINE_KERNEL(f32_vmax__ref, float, float, x > z ? x : z)
DEFINE_KERNEL(f32_vmin__ref, float, float, x < z ? x : z)
DEFINE_KERNEL(f32_vpow__ref, float, float, powf(x, z))
DEFINE_KERNEL(f32_vpowi__ref, float, float, ((void)z, f32_powi(x, p->int_exponent, -FLT_MAX, FLT_MAX)))
DEFINE_KERNEL(f32_vfloordiv__ref, float, float, f32_floordiv(x, z))
DEFINE_KERNEL(f32_vfloormod__ref, float, float, f32_floormod(x, z))

DEFINE_KERNEL(s64_vadd__ref, int64_t, int64_t, clamp_i64(add_w64(x, z), p->i64_min, p->i64_max))
DEFINE_KERNEL(s64_vsub__ref, int64_t, int64_t, clamp_i64(sub_w64(x, z), p->i64_min, p->i64_max))
DEFINE_KERNEL(s64_vmul__ref, int64_t, int64_t, clamp_i64(mul_w64(x, z), p->i64_min, p->i64_max))
DEFINE_KERNEL(s64_vmax__ref, int64_t, int64_t, x > z ? x : z)
DEFINE_KERNEL(s64_vmin__ref, int64_t, int64_t, x < z ? x : z)
DEFINE_KERNEL(s64_vfloormod__ref, int64_t, int64_t, s64_floormod(x, z))

DEFINE_KERNEL(s32_vadd__ref, int32_t, int32_t, ref_clampi(add_w32(x, z), p->i32_min, p->i32_max))
DEFINE_KERNEL(s32_vsub__ref, int32_t, int32_t, ref_clampi(sub_w32(x, z), p->i32_min, p->i32_max))
DEFINE_KERNEL(s32_vmul__ref, int32_t, int32_t, ref_clampi(mul_w32(x, z), p->i32_min, p->i32_max))
DEFINE_KERNEL(s32_vdiv__ref, int32_t, int32_t, ref_clampi(s32_div(x, z), p->i32_min, p->i32_max))
DEFINE_KERNEL(s32_vsqrdiff__ref, int32_t, int32_t, s32_sqrdiff(x, z))
DEFINE_KERNEL(s32_vmax__ref, int32_t, int32_t, x > z ? x : z)
DEFINE_KERNEL(s32_vmin__ref, int32_t, int32_t, x < z ? x : z)
DEFINE_KERNEL(s32_vpow__ref, int32_t, int32_t, s32_pow(x, z))
DEFINE_KERNEL(s32_vpowi__ref, int32_t, int32_t, ((void)z, s32_powi(x, p->int_exponent)))
DEFINE_KERNEL(s32_vfloordiv__ref, int32_t, int32_t, s32_floordiv(x, z))
DEFINE_KERNEL(s32_vfloormod__ref, int32_t, int32_t, s32_floormod(x, z))

DEFINE_KERNEL(s16_vadd__ref, int16_t, int16_t, (int16_t)ref_clampi(ref_wrap_i16(x + z), p->i32_min, p->i32_max))
DEFINE_KERNEL(s16_vmul__ref, int16_t, int16_t, (int16_t)ref_clampi(ref_wrap_i16(x * z), p->i32_min, p->i32_max))
DEFINE_KERNEL(s16_vmax__ref, int16_t, int16_t, x > z ? x : z)
DEFINE_KERNEL(s16_vmin__ref, int16_t, int16_t, x < z ? x : z)
DEFINE_KERNEL(s16_vfloordiv__ref, int16_t, int16_t, (int16_t)ref_clampi(small_floordiv(x, z), INT16_MIN, INT16_MAX))
DEFINE_KERNEL(s16_vfloormod__ref, int16_t, int16_t, (int16_t)small_floormod(x, z))

DEFINE_KERNEL(s8_vmax__ref, int8_t, int8_t, x > z ? x : z)
DEFINE_KERNEL(s8_vmin__ref, int8_t, int8_t, x < z ? x : z)
DEFINE_KERNEL(s8_vfloordiv__ref, int8_t, int8_t, (int8_t)ref_clampi(small_floordiv(x, z), INT8_MIN, INT8_MAX))
DEFINE_KERNEL(s8_vfloormod__ref, int8_t, int8_t, (int8_t)small_floormod(x, z))

DEFINE_KERNEL(u8_vmax__ref, uint8_t, uint8_t, x > z ? x : z)
DEFINE_KERNEL(u32_vmul__ref, uint32_t, uint32_t, clamp_u32(x * z, (uint32_t)p->i64_min, (uint32_t)p->i64_max))
DEFINE_KERNEL(u8_vmin__ref, uint8_t, uint8_t, x < z ? x : z)

DEFINE_KERNEL(qs8_vmul__ref, int8_t, int8_t, (int8_t)q_mul(p, x, z))
DEFINE_KERNEL(qs8_vdiv__ref, int8_t, int8_t, (int8_t)q_div(p, x, z))

DEFINE_KERNEL(qu8_vmul__ref, uint8_t, uint8_t, (uint8_t)q_mul(p, x, z))
DEFINE_KERNEL(qu8_vdiv__ref, uint8_t, uint8_t, (uint8_t)q_div(p, x, z))

/* 8-bit kernels whose inputs are first rescaled one by one (IN_A, IN_B) and then combined:
 * y = (TY)COMBINE(p, IN_A(p, x), IN_B(p, z)). Each input's rescaled value depends only on its
 * byte, so long runs first tabulate both rescales (256 entries each, the same arithmetic), then
 * only the combining step runs per element. */
#define Q8_LUT_MIN_RUN 512
#define DEFINE_Q8_KERNEL(NAME, T, TY, IN_A, IN_B, COMBINE)                                     \
  static void NAME(const bparams* params, size_t n, const T* restrict a, const T* restrict b,  \
                   TY* restrict y, int mode) {                                                 \
    const bparams local = *params;                                                             \
    const bparams* p = &local;                                                                 \
    if (n < Q8_LUT_MIN_RUN) {                                                                  \
      RUN_BINARY(T, (TY)COMBINE(p, IN_A(p, x), IN_B(p, z)));                                   \
      return;                                                                                  \
    }                                                                                          \
    int32_t ta[256], tb[256];                                                                  \
    for (int32_t v = 0; v < 256; v++) {                                                        \
      const int32_t value = (T)-1 < 0 ? (v < 128 ? v : v - 256) : v;                           \
      ta[v] = IN_A(p, value);                                                                  \
      tb[v] = IN_B(p, value);                                                                  \
    }                                                                                          \
    RUN_BINARY(T, (TY)COMBINE(p, ta[(uint8_t)x], tb[(uint8_t)z]));                             \
  }

/* 8-bit ADD/SUB/SQUARED_DIFFERENCE */
DEFINE_Q8_KERNEL(qs8_vadd__ref, int8_t, int8_t, q_in_a, q_in_b, q_add_out)
DEFINE_Q8_KERNEL(qs8_vsub__ref, int8_t, int8_t, q_in_a, q_in_b, q_sub_out)
DEFINE_Q8_KERNEL(qs8_vsqrdiff__ref, int8_t, int8_t, q_in_a, q_in_b, q_sqrdiff_out)
DEFINE_Q8_KERNEL(qu8_vadd__ref, uint8_t, uint8_t, q_in_a, q_in_b, q_add_out)
DEFINE_Q8_KERNEL(qu8_vsub__ref, uint8_t, uint8_t, q_in_a, q_in_b, q_sub_out)

DEFINE_KERNEL(qs16_vadd__ref, int16_t, int16_t, (int16_t)q_add(p, x, z))
DEFINE_KERNEL(qs16_vsub__ref, int16_t, int16_t, (int16_t)q_sub(p, x, z))
DEFINE_KERNEL(qs16_vmul__ref, int16_t, int16_t, (int16_t)q_mul(p, x, z))
DEFINE_KERNEL(qs16_vdiv__ref, int16_t, int16_t, (int16_t)q_div(p, x, z))
DEFINE_KERNEL(qs16_vadd_pot__ref, int16_t, int16_t, (int16_t)q16_pot_add(p, x, z))
DEFINE_KERNEL(qs16_vsub_pot__ref, int16_t, int16_t, (int16_t)q16_pot_sub(p, x, z))

DEFINE_KERNEL(qs16_qs8_vmul__ref, int16_t, int8_t, (int8_t)q16_mul_to8(p, x, z))
DEFINE_KERNEL(qs16_qu8_vmul__ref, int16_t, uint8_t, (uint8_t)q16_mul_to8(p, x, z))

/* ---------------------------------------------------------------------------------------- */
/* Comparisons                                                                               */
/* ---------------------------------------------------------------------------------------- */

/* The six comparisons, as X(PREFIX, T, name, operator): the kernels PREFIX_v<name>__ref over
 * operands of type T, name in {eq, ne, lt, le, gt, ge}. */
#define CMP_OPS(X, PREFIX, T)                                                        \
  X(PREFIX, T, eq, ==) X(PREFIX, T, ne, !=) X(PREFIX, T, lt, <) X(PREFIX, T, le, <=) \
  X(PREFIX, T, gt, >) X(PREFIX, T, ge, >=)

/* cmp_<name>(p, a, b) = a <op> b, on quantized values rescaled to a common fixed point. */
#define CMP_FN(PREFIX, T, NAME, OP)                                          \
  static inline int32_t cmp_##NAME(const bparams* p, int32_t a, int32_t b) { \
    (void)p;                                                                 \
    return a OP b;                                                           \
  }
CMP_OPS(CMP_FN, , )

/* Raw values: y = x <op> z. */
#define RAW_CMP(PREFIX, T, NAME, OP) \
  DEFINE_KERNEL(PREFIX##_v##NAME##__ref, T, uint8_t, (uint8_t)(x OP z))
/* Quantized values: each side rescaled (q_cmp_a, q_cmp_b), then compared. */
#define QUANT_CMP(PREFIX, T, NAME, OP) \
  DEFINE_KERNEL(PREFIX##_v##NAME##__ref, T, uint8_t, (uint8_t)cmp_##NAME(p, q_cmp_a(p, x), q_cmp_b(p, z)))
/* 8-bit quantized values: the same, long runs tabulating both rescales first. */
#define Q8_CMP(PREFIX, T, NAME, OP) \
  DEFINE_Q8_KERNEL(PREFIX##_v##NAME##__ref, T, uint8_t, q_cmp_a, q_cmp_b, cmp_##NAME)

CMP_OPS(RAW_CMP, f32, float)
CMP_OPS(RAW_CMP, s64, int64_t)
CMP_OPS(RAW_CMP, s32, int32_t)
CMP_OPS(RAW_CMP, s16, int16_t)
CMP_OPS(RAW_CMP, s8, int8_t)
CMP_OPS(RAW_CMP, u8, uint8_t)
CMP_OPS(Q8_CMP, qs8, int8_t)
CMP_OPS(Q8_CMP, qu8, uint8_t)
CMP_OPS(QUANT_CMP, qs16, int16_t)

#define FILL_CMP_SET(ARR, PREFIX)            \
  do {                                       \
    (ARR)[TFLRT_CMP_EQ] = PREFIX##_veq__ref; \
    (ARR)[TFLRT_CMP_NE] = PREFIX##_vne__ref; \
    (ARR)[TFLRT_CMP_LT] = PREFIX##_vlt__ref; \
    (ARR)[TFLRT_CMP_LE] = PREFIX##_vle__ref; \
    (ARR)[TFLRT_CMP_GT] = PREFIX##_vgt__ref; \
    (ARR)[TFLRT_CMP_GE] = PREFIX##_vge__ref; \
  } while (0)

/* ---------------------------------------------------------------------------------------- */
/* Logical, SELECT, ADD_N                                                                    */
/* ---------------------------------------------------------------------------------------- */

static void b8_vand__ref(size_t n, const uint8_t* restrict a, const uint8_t* restrict b, uint8_t* restrict y,
                         int mode) {
  RUN_BINARY(uint8_t, (uint8_t)((x != 0) & (z != 0)));
}
static void b8_vor__ref(size_t n, const uint8_t* restrict a, const uint8_t* restrict b, uint8_t* restrict y,
                        int mode) {
  RUN_BINARY(uint8_t, (uint8_t)((x != 0) | (z != 0)));
}
static void b8_vnot__ref(size_t n, const uint8_t* x, uint8_t* y) {
  for (size_t i = 0; i < n; i++) y[i] = (uint8_t)(x[i] == 0);
}

#define DEFINE_SELECT(NAME, T)                                                                \
  static void NAME(size_t n, const uint8_t* c, int c_inc, const void* xv, int x_inc,          \
                   const void* zv, int z_inc, void* yv) {                                     \
    const T* x = xv;                                                                          \
    const T* z = zv;                                                                          \
    T* y = yv;                                                                                \
    const size_t cs = c_inc ? 1 : 0, xs = x_inc ? 1 : 0, zs = z_inc ? 1 : 0;                  \
    if (!c_inc) {                                                                             \
      const T* src = c[0] ? x : z;                                                            \
      const size_t ss = c[0] ? xs : zs;                                                       \
      if (ss) {                                                                               \
        memmove(y, src, n * sizeof(T));                                                       \
      } else {                                                                                \
        const T v = src[0];                                                                   \
        for (size_t i = 0; i < n; i++) y[i] = v;                                              \
      }                                                                                       \
      return;                                                                                 \
    }                                                                                         \
    for (size_t i = 0; i < n; i++) y[i] = c[i * cs] ? x[i * xs] : z[i * zs];                  \
  }

DEFINE_SELECT(x8_select__ref, uint8_t)
DEFINE_SELECT(x16_select__ref, uint16_t)
DEFINE_SELECT(x32_select__ref, uint32_t)
DEFINE_SELECT(x64_select__ref, uint64_t)

static void f32_addn__ref(size_t n, const float* const* inputs, int32_t n_inputs, size_t offset, float* y) {
  for (size_t i = 0; i < n; i++) {
    float s = 0.0f;
    for (int32_t k = 0; k < n_inputs; k++) s += inputs[k][offset + i];
    y[i] = s;
  }
}
static void s32_addn__ref(size_t n, const int32_t* const* inputs, int32_t n_inputs, size_t offset, int32_t* y) {
  for (size_t i = 0; i < n; i++) {
    int32_t s = 0;
    for (int32_t k = 0; k < n_inputs; k++) s = add_w32(s, inputs[k][offset + i]);
    y[i] = s;
  }
}

void tflrt_binary_kernels_ref(tflrt_binary_kernels* k) {
  memset(k, 0, sizeof(*k));
  k->f32[TFLRT_BINOP_ADD] = f32_vadd__ref;
  k->f32[TFLRT_BINOP_SUB] = f32_vsub__ref;
  k->f32[TFLRT_BINOP_MUL] = f32_vmul__ref;
  k->f32[TFLRT_BINOP_DIV] = f32_vdiv__ref;
  k->f32[TFLRT_BINOP_SQRDIFF] = f32_vsqrdiff__ref;
  k->f32[TFLRT_BINOP_MAX] = f32_vmax__ref;
  k->f32[TFLRT_BINOP_MIN] = f32_vmin__ref;
  k->f32[TFLRT_BINOP_POW] = f32_vpow__ref;
  k->f32[TFLRT_BINOP_POWI] = f32_vpowi__ref;
  k->f32[TFLRT_BINOP_FLOORDIV] = f32_vfloordiv__ref;
  k->f32[TFLRT_BINOP_FLOORMOD] = f32_vfloormod__ref;

  k->s64[TFLRT_BINOP_ADD] = s64_vadd__ref;
  k->s64[TFLRT_BINOP_SUB] = s64_vsub__ref;
  k->s64[TFLRT_BINOP_MUL] = s64_vmul__ref;
  k->s64[TFLRT_BINOP_MAX] = s64_vmax__ref;
  k->s64[TFLRT_BINOP_MIN] = s64_vmin__ref;
  k->s64[TFLRT_BINOP_FLOORMOD] = s64_vfloormod__ref;

  k->s32[TFLRT_BINOP_ADD] = s32_vadd__ref;
  k->s32[TFLRT_BINOP_SUB] = s32_vsub__ref;
  k->s32[TFLRT_BINOP_MUL] = s32_vmul__ref;
  k->s32[TFLRT_BINOP_DIV] = s32_vdiv__ref;
  k->s32[TFLRT_BINOP_SQRDIFF] = s32_vsqrdiff__ref;
  k->s32[TFLRT_BINOP_MAX] = s32_vmax__ref;
  k->s32[TFLRT_BINOP_MIN] = s32_vmin__ref;
  k->s32[TFLRT_BINOP_POW] = s32_vpow__ref;
  k->s32[TFLRT_BINOP_POWI] = s32_vpowi__ref;
  k->s32[TFLRT_BINOP_FLOORDIV] = s32_vfloordiv__ref;
  k->s32[TFLRT_BINOP_FLOORMOD] = s32_vfloormod__ref;

  k->s16[TFLRT_BINOP_ADD] = s16_vadd__ref;
  k->s16[TFLRT_BINOP_MUL] = s16_vmul__ref;
  k->s16[TFLRT_BINOP_MAX] = s16_vmax__ref;
  k->s16[TFLRT_BINOP_MIN] = s16_vmin__ref;
  k->s16[TFLRT_BINOP_FLOORDIV] = s16_vfloordiv__ref;
  k->s16[TFLRT_BINOP_FLOORMOD] = s16_vfloormod__ref;

  k->s8[TFLRT_BINOP_MAX] = s8_vmax__ref;
  k->s8[TFLRT_BINOP_MIN] = s8_vmin__ref;
  k->s8[TFLRT_BINOP_FLOORDIV] = s8_vfloordiv__ref;
  k->s8[TFLRT_BINOP_FLOORMOD] = s8_vfloormod__ref;

  k->u8[TFLRT_BINOP_MAX] = u8_vmax__ref;
  k->u8[TFLRT_BINOP_MIN] = u8_vmin__ref;
  k->u32[TFLRT_BINOP_MUL] = u32_vmul__ref;

  k->qs8[TFLRT_BINOP_ADD] = qs8_vadd__ref;
  k->qs8[TFLRT_BINOP_SUB] = qs8_vsub__ref;
  k->qs8[TFLRT_BINOP_MUL] = qs8_vmul__ref;
  k->qs8[TFLRT_BINOP_DIV] = qs8_vdiv__ref;
  k->qs8[TFLRT_BINOP_SQRDIFF] = qs8_vsqrdiff__ref;

  k->qu8[TFLRT_BINOP_ADD] = qu8_vadd__ref;
  k->qu8[TFLRT_BINOP_SUB] = qu8_vsub__ref;
  k->qu8[TFLRT_BINOP_MUL] = qu8_vmul__ref;
  k->qu8[TFLRT_BINOP_DIV] = qu8_vdiv__ref;

  k->qs16[TFLRT_BINOP_ADD] = qs16_vadd__ref;
  k->qs16[TFLRT_BINOP_SUB] = qs16_vsub__ref;
  k->qs16[TFLRT_BINOP_MUL] = qs16_vmul__ref;
  k->qs16[TFLRT_BINOP_DIV] = qs16_vdiv__ref;
  k->qs16[TFLRT_BINOP_ADD_POT] = qs16_vadd_pot__ref;
  k->qs16[TFLRT_BINOP_SUB_POT] = qs16_vsub_pot__ref;
  k->qs16_qs8_mul = qs16_qs8_vmul__ref;
  k->qs16_qu8_mul = qs16_qu8_vmul__ref;

  FILL_CMP_SET(k->f32_cmp, f32);
  FILL_CMP_SET(k->s64_cmp, s64);
  FILL_CMP_SET(k->s32_cmp, s32);
  FILL_CMP_SET(k->s16_cmp, s16);
  FILL_CMP_SET(k->s8_cmp, s8);
  FILL_CMP_SET(k->u8_cmp, u8);
  FILL_CMP_SET(k->qs8_cmp, qs8);
  FILL_CMP_SET(k->qu8_cmp, qu8);
  FILL_CMP_SET(k->qs16_cmp, qs16);

  k->b8_and = b8_vand__ref;
  k->b8_or = b8_vor__ref;
  k->b8_not = b8_vnot__ref;
  k->select[0] = x8_select__ref;
  k->select[1] = x16_select__ref;
  k->select[2] = x32_select__ref;
  k->select[3] = x64_select__ref;
  k->f32_addn = f32_addn__ref;
  k->s32_addn = s32_addn__ref;
}
