/* The part of the x86 vector vocabulary that is the same at every vector width, written once
 * over the intrinsic prefix. Included by ../x86_avx2/simd_avx2.h and ../x86_avx512/simd_avx512.h
 * after they define:
 *
 *   SIMD_X86(op)   the intrinsic `op` at this width: _mm256_##op, _mm512_##op
 *   vf, vi         the float and integer vector types
 *   vi_as_vf(x)    reinterpretation of an integer vector as floats
 *
 * The float functions are the templates' vocabulary (README.md); the integer ones that differ
 * between widths (loads, 64-bit splats, blends, compares: AVX2 compares give vectors, AVX-512
 * compares give masks) stay in the ISA header, next to their callers' needs (qs8_requant.h). */
#ifndef TFLITE_RT_SIMD_X86_H
#define TFLITE_RT_SIMD_X86_H

static inline vf v_ld(const float* p) { return SIMD_X86(loadu_ps)(p); }
static inline void v_st(float* p, vf v) { SIMD_X86(storeu_ps)(p, v); }
static inline vf v_set1(float x) { return SIMD_X86(set1_ps)(x); }
static inline vf v_zero(void) { return SIMD_X86(setzero_ps)(); }
/* a * b + c, one rounding */
static inline vf v_fma(vf a, vf b, vf c) { return SIMD_X86(fmadd_ps)(a, b, c); }
static inline vf v_add(vf a, vf b) { return SIMD_X86(add_ps)(a, b); }
static inline vf v_sub(vf a, vf b) { return SIMD_X86(sub_ps)(a, b); }
static inline vf v_mul(vf a, vf b) { return SIMD_X86(mul_ps)(a, b); }
static inline vf v_div(vf a, vf b) { return SIMD_X86(div_ps)(a, b); }
/* x86 semantics: a > b ? a : b (v_max) and a < b ? a : b (v_min); when either is NaN the
 * result is b. So v_max(lo, x) keeps a NaN x, and v_max(x, lo) replaces it by lo. */
static inline vf v_max(vf a, vf b) { return SIMD_X86(max_ps)(a, b); }
static inline vf v_min(vf a, vf b) { return SIMD_X86(min_ps)(a, b); }
/* x < lo ? lo : x, then > hi ? hi : . ; NaN passes (TFLite's activation clamp) */
static inline vf v_clamp(vf x, vf lo, vf hi) { return v_min(hi, v_max(lo, x)); }

/* 2^n for integral n in [-126, 127] given as a float */
static inline vf v_pow2i(vf n) {
  const vi e = SIMD_X86(add_epi32)(SIMD_X86(cvtps_epi32)(n), SIMD_X86(set1_epi32)(127));
  return vi_as_vf(SIMD_X86(slli_epi32)(e, 23));
}

/* Denormal operands and results cost microcode assists on many x86 cores. The approximate
 * kernels (not bit-identical anyway) run with flush-to-zero and denormals-are-zero (MXCSR FTZ |
 * DAZ) and restore the caller's MXCSR before returning: results move by less than FLT_MIN
 * (1.2e-38). The exact kernels keep IEEE denormals, as the reference does. */
typedef unsigned int v_fpstate;
static inline v_fpstate v_fp_enter(void) {
  const unsigned int csr = _mm_getcsr();
  _mm_setcsr(csr | 0x8040u);
  return csr;
}
static inline void v_fp_leave(v_fpstate csr) { _mm_setcsr(csr); }

/* ---- int32 lanes (VN of them), for the int8 kernels ---- */
static inline vi vi_set1(int32_t x) { return SIMD_X86(set1_epi32)(x); }
static inline vi vi_add(vi a, vi b) { return SIMD_X86(add_epi32)(a, b); }
static inline vi vi_clamp(vi x, vi lo, vi hi) { return SIMD_X86(min_epi32)(SIMD_X86(max_epi32)(x, lo), hi); }

#endif
