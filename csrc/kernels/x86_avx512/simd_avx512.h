/* The vector vocabulary of the shared kernel templates (../simd_tmpl/), for AVX-512F
 * (+VL/BW/DQ): 16 floats (or int32) per vector. Every ISA folder defines the same names (see
 * simd_tmpl/README.md); the ones that are the same at every x86 width are written once in
 * ../simd_tmpl/simd_x86.h.
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
typedef __m512i vi;
#define SIMD_X86(op) _mm512_##op
static inline vf vi_as_vf(vi x) { return _mm512_castsi512_ps(x); }
#include "../simd_tmpl/simd_x86.h"

static inline vf v_bcast(const float* p) { return _mm512_set1_ps(*p); }

/* Comparisons produce lane masks used only by v_select. */
typedef __mmask16 vmask;
static inline vmask v_lt(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
static inline vmask v_gt(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
/* m ? a : b, lane by lane */
static inline vf v_select(vmask m, vf a, vf b) { return _mm512_mask_blend_ps(m, b, a); }

static inline vf v_round(vf x) { return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
static inline vf v_abs(vf x) { return _mm512_abs_ps(x); }

static inline __mmask16 v_tail_mask(size_t n) { return (__mmask16)((1u << n) - 1u); }
/* n < VN elements; the other lanes are 0 */
static inline vf v_ld_part(const float* p, size_t n) { return _mm512_maskz_loadu_ps(v_tail_mask(n), p); }
static inline void v_st_part(float* p, vf v, size_t n) { _mm512_mask_storeu_ps(p, v_tail_mask(n), v); }

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

/* ---- int32 lanes: the width-specific part of the int8 kernels' vocabulary ---- */
static inline vi vi_ld(const void* p) { return _mm512_loadu_si512(p); }
static inline void vi_st(void* p, vi v) { _mm512_storeu_si512(p, v); }
static inline vi vi_and(vi a, vi b) { return _mm512_and_si512(a, b); }
static inline vi vi_set1_64(int64_t x) { return _mm512_set1_epi64(x); }
/* the even int32 lanes of `even`, the odd ones of `odd` */
static inline vi vi_blend_odd(vi even, vi odd) { return _mm512_mask_blend_epi32((__mmask16)0xAAAA, even, odd); }
/* a > b lane by lane, and s + 1 where m */
typedef __mmask16 vi_mask;
static inline vi_mask vi_gt(vi a, vi b) { return _mm512_cmpgt_epi32_mask(a, b); }
static inline vi vi_inc(vi s, vi_mask m) { return _mm512_mask_sub_epi32(s, m, s, _mm512_set1_epi32(-1)); }

#endif
