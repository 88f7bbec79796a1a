/* Element-wise binary kernels: arithmetic (ADD, SUB, MUL, DIV, SQUARED_DIFFERENCE, MAXIMUM,
 * MINIMUM, POW, FLOOR_DIV, FLOOR_MOD), comparisons, logical ops, SELECT and ADD_N.
 *
 * Every two-operand kernel computes one contiguous run of n outputs, y[0..n), from operands
 * that are either runs of n values or one value repeated (the broadcast driver in
 * csrc/ops/broadcast.c cuts any broadcast into such runs):
 *   TFLRT_BIN_VV   y[i] = a[i] op b[i]
 *   TFLRT_BIN_SV   y[i] = a[0] op b[i]     (a is one value)
 *   TFLRT_BIN_VS   y[i] = a[i] op b[0]     (b is one value)
 * Kernels never allocate, never fail and never read tensors; data-dependent errors (integer
 * division by zero) are checked by the op before the kernel runs. The output never overlaps
 * an operand (the reference kernels declare their pointers restrict).
 *
 * Semantics follow TFLite's reference kernels (BUILTIN_REF) bit for bit for integers:
 *  - Integer ADD/SUB/MUL wrap around (two's complement) on overflow; results are clamped to
 *    the fused activation range [i32_min, i32_max] (int8/int16/int32 unquantized) or
 *    [i64_min, i64_max] (int64; uint32 MUL reads its bounds there too, as uint32 values).
 *  - f32 ADD/SUB/MUL/DIV clamp to [f32_min, f32_max]; with no activation these are
 *    -FLT_MAX/FLT_MAX as in TFLite, so an infinite result becomes +-FLT_MAX (NaN passes).
 *    The clamp is min(max(x, lo), hi) with C comparisons (NaN stays NaN).
 *  - Quantized ADD/SUB (qs8, qu8, qs16 general scales): both inputs are offset by -zero_point,
 *    shifted left by left_shift (20 for 8-bit, 15 for 16-bit), rescaled each by its
 *    (multiplier, shift) with MultiplyByQuantizedMultiplierSmallerThanOneExp, added (or
 *    subtracted), rescaled by (out_multiplier, out_shift), offset by the output zero point and
 *    clamped to [q_min, q_max]. SUB's output shift may be positive (a multiplier above one);
 *    the reference then feeds a negative exponent to its rounding shift, whose result on x86
 *    is reproduced by the x86 rounding-shift emulation below (see qs*_vsub__ref).
 *  - qs16 ADD_POT/SUB_POT: power-of-two scales, zero points 0: the input whose scale differs
 *    from the output's is divided by 2^pot_shift with rounding (a_shift/b_shift is 0 or the
 *    right shift), then a saturating int16 add/sub, then the activation clamp.
 *  - Quantized MUL: (a + a_offset) * (b + b_offset), rescaled by MultiplyByQuantizedMultiplier
 *    (out_multiplier, out_shift), plus output zero point, clamped.
 *  - qs16 x qs16 -> qs8/qu8 MUL (TFLite's LSTM path): the Q0.15 product (rounding doubling
 *    high multiply), divided by 2^8 with rounding, clamped to [q_min - zp, q_max - zp], plus zp.
 *  - Quantized DIV: TFLite's reciprocal-based integer division (see qs8_vdiv__ref).
 *  - qs8 SQUARED_DIFFERENCE: like SUB with left_shift 7, then the square, then the output
 *    rescale.
 *  - MAXIMUM/MINIMUM: a > b ? a : b and a < b ? a : b on raw values (quantized inputs are
 *    compared as stored). FLOOR_DIV: floor((double)a / (double)b) converted to the type.
 *    FLOOR_MOD: the truncated remainder moved to the divisor's sign. POW: powf / pow(double)
 *    for int32; POWI: TFLite's integer-exponent path (repeated squaring with a clamped multiply).
 * Comparisons write bool bytes (0/1). Quantized comparisons rescale each input to a common
 * fixed point ((v + offset) << left_shift times its own scale as a multiplier) first.
 */
#ifndef TFLITE_RT_KERNELS_BINARY_H
#define TFLITE_RT_KERNELS_BINARY_H

#include <stddef.h>
#include <stdint.h>

/* Operand layout of one run. */
enum { TFLRT_BIN_VV = 0, TFLRT_BIN_SV = 1, TFLRT_BIN_VS = 2 };

/* Arithmetic operations (index into the per-type kernel arrays). */
typedef enum {
  TFLRT_BINOP_ADD = 0,
  TFLRT_BINOP_SUB,
  TFLRT_BINOP_MUL,
  TFLRT_BINOP_DIV,
  TFLRT_BINOP_SQRDIFF,  /* (a - b)^2 */
  TFLRT_BINOP_MAX,
  TFLRT_BINOP_MIN,
  TFLRT_BINOP_POW,
  TFLRT_BINOP_POWI,     /* a^int_exponent, b unused (TFLite's broadcast integer-exponent POW) */
  TFLRT_BINOP_FLOORDIV,
  TFLRT_BINOP_FLOORMOD,
  TFLRT_BINOP_ADD_POT,  /* qs16 only: power-of-two scales */
  TFLRT_BINOP_SUB_POT,  /* qs16 only */
  TFLRT_BINOP_COUNT
} tflrt_binop;

/* Comparisons. */
typedef enum {
  TFLRT_CMP_EQ = 0,
  TFLRT_CMP_NE,
  TFLRT_CMP_LT,
  TFLRT_CMP_LE,
  TFLRT_CMP_GT,
  TFLRT_CMP_GE,
  TFLRT_CMP_COUNT
} tflrt_cmpop;

typedef struct tflrt_binary_params {
  /* fused activation clamp */
  float f32_min, f32_max;
  int32_t i32_min, i32_max;   /* int32, raw int16/int8 */
  int64_t i64_min, i64_max;   /* int64 */
  int32_t q_min, q_max;       /* quantized output range after the activation */
  /* quantized operands: value = stored + offset */
  int32_t a_offset, b_offset, out_offset; /* -zp_a, -zp_b, +zp_out */
  int32_t left_shift;
  int32_t a_multiplier, a_shift;          /* ADD/SUB/SQRDIFF/compare rescale of a */
  int32_t b_multiplier, b_shift;
  int32_t out_multiplier, out_shift;      /* output rescale (exponent: > 0 multiplies) */
  int32_t int_exponent;                   /* POWI */
} tflrt_binary_params;

typedef void (*tflrt_f32_vbinary_fn)(const tflrt_binary_params* p, size_t n, const float* a,
                                     const float* b, float* y, int mode);
typedef void (*tflrt_s64_vbinary_fn)(const tflrt_binary_params* p, size_t n, const int64_t* a,
                                     const int64_t* b, int64_t* y, int mode);
typedef void (*tflrt_s32_vbinary_fn)(const tflrt_binary_params* p, size_t n, const int32_t* a,
                                     const int32_t* b, int32_t* y, int mode);
typedef void (*tflrt_s16_vbinary_fn)(const tflrt_binary_params* p, size_t n, const int16_t* a,
                                     const int16_t* b, int16_t* y, int mode);
typedef void (*tflrt_s8_vbinary_fn)(const tflrt_binary_params* p, size_t n, const int8_t* a,
                                    const int8_t* b, int8_t* y, int mode);
typedef void (*tflrt_u8_vbinary_fn)(const tflrt_binary_params* p, size_t n, const uint8_t* a,
                                    const uint8_t* b, uint8_t* y, int mode);
typedef void (*tflrt_u32_vbinary_fn)(const tflrt_binary_params* p, size_t n, const uint32_t* a,
                                     const uint32_t* b, uint32_t* y, int mode);
/* qs16 x qs16 -> 8-bit MUL */
typedef void (*tflrt_qs16_qs8_vmul_fn)(const tflrt_binary_params* p, size_t n, const int16_t* a,
                                       const int16_t* b, int8_t* y, int mode);
typedef void (*tflrt_qs16_qu8_vmul_fn)(const tflrt_binary_params* p, size_t n, const int16_t* a,
                                       const int16_t* b, uint8_t* y, int mode);

/* Comparisons: y is bool (one byte, 0 or 1). */
typedef void (*tflrt_f32_vcmp_fn)(const tflrt_binary_params* p, size_t n, const float* a,
                                  const float* b, uint8_t* y, int mode);
typedef void (*tflrt_s64_vcmp_fn)(const tflrt_binary_params* p, size_t n, const int64_t* a,
                                  const int64_t* b, uint8_t* y, int mode);
typedef void (*tflrt_s32_vcmp_fn)(const tflrt_binary_params* p, size_t n, const int32_t* a,
                                  const int32_t* b, uint8_t* y, int mode);
typedef void (*tflrt_s16_vcmp_fn)(const tflrt_binary_params* p, size_t n, const int16_t* a,
                                  const int16_t* b, uint8_t* y, int mode);
typedef void (*tflrt_s8_vcmp_fn)(const tflrt_binary_params* p, size_t n, const int8_t* a,
                                 const int8_t* b, uint8_t* y, int mode);
typedef void (*tflrt_u8_vcmp_fn)(const tflrt_binary_params* p, size_t n, const uint8_t* a,
                                 const uint8_t* b, uint8_t* y, int mode);

/* Logical ops on bool bytes (any nonzero byte is true; outputs are 0/1). */
typedef void (*tflrt_b8_vlogical_fn)(size_t n, const uint8_t* a, const uint8_t* b, uint8_t* y,
                                     int mode);
typedef void (*tflrt_b8_vnot_fn)(size_t n, const uint8_t* x, uint8_t* y);

/* SELECT on elements of 1, 2, 4 or 8 bytes: y[i] = c[i] ? x[i] : z[i]. c_inc, x_inc, z_inc
 * are 1 for a run of n values and 0 for one repeated value. */
typedef void (*tflrt_select_fn)(size_t n, const uint8_t* c, int c_inc, const void* x, int x_inc,
                                const void* z, int z_inc, void* y);

/* ADD_N: y[i] = sum over k of inputs[k][offset + i], summed in input order. */
typedef void (*tflrt_f32_addn_fn)(size_t n, const float* const* inputs, int32_t n_inputs,
                                  size_t offset, float* y);
typedef void (*tflrt_s32_addn_fn)(size_t n, const int32_t* const* inputs, int32_t n_inputs,
                                  size_t offset, int32_t* y);

typedef struct tflrt_binary_kernels {
  /* arithmetic, indexed by tflrt_binop; NULL where the combination does not exist */
  tflrt_f32_vbinary_fn f32[TFLRT_BINOP_COUNT];
  tflrt_s64_vbinary_fn s64[TFLRT_BINOP_COUNT];
  tflrt_s32_vbinary_fn s32[TFLRT_BINOP_COUNT];
  tflrt_s16_vbinary_fn s16[TFLRT_BINOP_COUNT]; /* raw (unquantized) int16 */
  tflrt_s8_vbinary_fn s8[TFLRT_BINOP_COUNT];   /* raw int8 */
  tflrt_u8_vbinary_fn u8[TFLRT_BINOP_COUNT];   /* raw uint8 */
  tflrt_u32_vbinary_fn u32[TFLRT_BINOP_COUNT]; /* raw uint32 (MUL) */
  tflrt_s8_vbinary_fn qs8[TFLRT_BINOP_COUNT];  /* quantized int8 */
  tflrt_u8_vbinary_fn qu8[TFLRT_BINOP_COUNT];  /* quantized uint8 */
  tflrt_s16_vbinary_fn qs16[TFLRT_BINOP_COUNT];/* quantized int16 */
  tflrt_qs16_qs8_vmul_fn qs16_qs8_mul;
  tflrt_qs16_qu8_vmul_fn qs16_qu8_mul;
  /* comparisons, indexed by tflrt_cmpop */
  tflrt_f32_vcmp_fn f32_cmp[TFLRT_CMP_COUNT];
  tflrt_s64_vcmp_fn s64_cmp[TFLRT_CMP_COUNT];
  tflrt_s32_vcmp_fn s32_cmp[TFLRT_CMP_COUNT];
  tflrt_s16_vcmp_fn s16_cmp[TFLRT_CMP_COUNT];
  tflrt_s8_vcmp_fn s8_cmp[TFLRT_CMP_COUNT];
  tflrt_u8_vcmp_fn u8_cmp[TFLRT_CMP_COUNT];    /* also bool */
  tflrt_s8_vcmp_fn qs8_cmp[TFLRT_CMP_COUNT];
  tflrt_u8_vcmp_fn qu8_cmp[TFLRT_CMP_COUNT];
  tflrt_s16_vcmp_fn qs16_cmp[TFLRT_CMP_COUNT];
  /* logical */
  tflrt_b8_vlogical_fn b8_and, b8_or;
  tflrt_b8_vnot_fn b8_not;
  /* select by element size: [0] 1 byte, [1] 2, [2] 4, [3] 8 */
  tflrt_select_fn select[4];
  tflrt_f32_addn_fn f32_addn;
  tflrt_s32_addn_fn s32_addn;
} tflrt_binary_kernels;

/* Fills every slot with the reference kernels (reference/binary_ref.c). */
void tflrt_binary_kernels_ref(tflrt_binary_kernels* k);

#endif
