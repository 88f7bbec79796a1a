/* The float32 vector vocabulary of the shared kernel templates (../simd_tmpl/), for AVX-512F
 * (+VL/BW/DQ): 16 floats per vector. Every ISA folder defines the same names (see
 * simd_tmpl/README.md).
 *
 * Partial ("tail") operations touch exactly n < VN elements through AVX-512 masks: masked-out
 * lanes are neither read (nor faulted) nor written. */
#ifndef TFLITE_RT_SIMD_AVX512_H
#define TFLITE_RT_SIMD_AVX512_H

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#define VN 16
#define ISA_FN(name) name##__avx512
#define ISA_SUFFIX "avx512"

typedef __m512 vf;

static inline vf v_ld(const float* p) { return _mm512_loadu_ps(p); }
static inline void v_st(float* p, vf v) { _mm512_storeu_ps(p, v); }
static inline vf v_set1(float x) { return _mm512_set1_ps(x); }
static inline vf v_bcast(const float* p) { return _mm512_set1_ps(*p); }
static inline vf v_zero(void) { return _mm512_setzero_ps(); }
/* a * b + c, one rounding */
static inline vf v_fma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
static inline vf v_add(vf a, vf b) { return _mm512_add_ps(a, b); }
static inline vf v_sub(vf a, vf b) { return _mm512_sub_ps(a, b); }
static inline vf v_mul(vf a, vf b) { return _mm512_mul_ps(a, b); }
static inline vf v_div(vf a, vf b) { return _mm512_div_ps(a, b); }
/* x86 semantics: a > b ? a : b (v_max) and a < b ? a : b (v_min); when either is NaN the
 * result is b. So v_max(lo, x) keeps a NaN x, and v_max(x, lo) replaces it by lo. */
static inline vf v_max(vf a, vf b) { return _mm512_max_ps(a, b); }
static inline vf v_min(vf a, vf b) { return _mm512_min_ps(a, b); }
/* x < lo ? lo : x, then > hi ? hi : . ; NaN passes (TFLite's activation clamp) */
static inline vf v_clamp(vf x, vf lo, vf hi) { return _mm512_min_ps(hi, _mm512_max_ps(lo, x)); }

/* Comparisons produce lane masks used only by v_select. */
typedef __mmask16 vmask;
static inline vmask v_lt(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
static inline vmask v_gt(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
/* m ? a : b, lane by lane */
static inline vf v_select(vmask m, vf a, vf b) { return _mm512_mask_blend_ps(m, b, a); }

static inline vf v_round(vf x) { return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
/* 2^n for integral n in [-126, 127] given as a float */
static inline vf v_pow2i(vf n) {
  const __m512i e = _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127));
  return _mm512_castsi512_ps(_mm512_slli_epi32(e, 23));
}
static inline vf v_abs(vf x) { return _mm512_abs_ps(x); }

static inline __mmask16 v_tail_mask(size_t n) { return (__mmask16)((1u << n) - 1u); }
/* n < VN elements; the other lanes are 0 */
static inline vf v_ld_part(const float* p, size_t n) { return _mm512_maskz_loadu_ps(v_tail_mask(n), p); }
static inline void v_st_part(float* p, vf v, size_t n) { _mm512_mask_storeu_ps(p, v_tail_mask(n), v); }

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

/* base[idx[l]] for each lane l */
static inline vf v_gather(const float* base, const int32_t* idx) {
  return _mm512_i32gather_ps(_mm512_loadu_si512((const void*)idx), base, 4);
}

/* r[i][j] <- r[j][i] for a 16 x 16 block (through memory: the pack is not the hot loop) */
static inline void v_transpose(vf* r) {
  float t[16 * 16];
  for (int i = 0; i < 16; i++) _mm512_storeu_ps(t + 16 * i, r[i]);
  const __m512i idx = _mm512_set_epi32(240, 224, 208, 192, 176, 160, 144, 128, 112, 96, 80, 64, 48, 32, 16, 0);
  for (int i = 0; i < 16; i++) r[i] = _mm512_i32gather_ps(idx, t + i, 4);
}

static inline float v_hsum(vf v) {
  __m256 h = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

#endif
