/* The vector vocabulary of the shared kernel templates (../simd_tmpl/), for AVX2 + FMA: 8 floats
 * (or int32) per vector. Every ISA folder defines the same names (see simd_tmpl/README.md); the
 * ones that are the same at every x86 width are written once in ../simd_tmpl/simd_x86.h.
 *
 * Partial ("tail") operations touch exactly n < VN elements: v_ld_part uses a masked load
 * (masked lanes are neither read nor faulted), v_st_part writes element by element, so kernels
 * never read or write outside their buffers. */
#ifndef TFLITE_RT_SIMD_AVX2_H
#define TFLITE_RT_SIMD_AVX2_H

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#define VN 8
#define ISA_FN(name) name##__avx2
#define ISA_SUFFIX "avx2"

typedef __m256 vf;
typedef __m256i vi;
#define SIMD_X86(op) _mm256_##op
static inline vf vi_as_vf(vi x) { return _mm256_castsi256_ps(x); }
#include "../simd_tmpl/simd_x86.h"

static inline vf v_bcast(const float* p) { return _mm256_broadcast_ss(p); }

/* Comparisons produce lane masks used only by v_select. */
typedef __m256 vmask;
static inline vmask v_lt(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
static inline vmask v_gt(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
/* m ? a : b, lane by lane */
static inline vf v_select(vmask m, vf a, vf b) { return _mm256_blendv_ps(b, a, m); }

/* round to nearest integer (as float) */
static inline vf v_round(vf x) { return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
static inline vf v_abs(vf x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x); }

static inline __m256i v_tail_mask(size_t n) {
  static const int32_t tab[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
  return _mm256_loadu_si256((const __m256i*)(const void*)(tab + 8 - n));
}
/* n < VN elements; the other lanes are 0 */
static inline vf v_ld_part(const float* p, size_t n) { return _mm256_maskload_ps(p, v_tail_mask(n)); }
static inline void v_st_part(float* p, vf v, size_t n) {
  float t[8];
  _mm256_storeu_ps(t, v);
  for (size_t i = 0; i < n; i++) p[i] = t[i];
}

/* base[idx[l]] for each lane l */
static inline vf v_gather(const float* base, const int32_t* idx) {
  return _mm256_i32gather_ps(base, _mm256_loadu_si256((const __m256i*)(const void*)idx), 4);
}

/* r[i][j] <- r[j][i] for an 8 x 8 block */
static inline void v_transpose(vf* r) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
  r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
  r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
  r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
  r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
  r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
  r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
  r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

static inline float v_hsum(vf v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

/* ---- int32 lanes: the width-specific part of the int8 kernels' vocabulary ---- */
static inline vi vi_ld(const void* p) { return _mm256_loadu_si256((const __m256i*)p); }
static inline void vi_st(void* p, vi v) { _mm256_storeu_si256((__m256i*)p, v); }
static inline vi vi_and(vi a, vi b) { return _mm256_and_si256(a, b); }
static inline vi vi_set1_64(int64_t x) { return _mm256_set1_epi64x(x); }
/* the even int32 lanes of `even`, the odd ones of `odd` */
static inline vi vi_blend_odd(vi even, vi odd) { return _mm256_blend_epi32(even, odd, 0xAA); }
/* a > b lane by lane (all ones or 0), and s + 1 where m */
typedef __m256i vi_mask;
static inline vi_mask vi_gt(vi a, vi b) { return _mm256_cmpgt_epi32(a, b); }
static inline vi vi_inc(vi s, vi_mask m) { return _mm256_sub_epi32(s, m); }

#endif
