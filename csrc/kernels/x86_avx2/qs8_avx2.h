/* int8 (qs8) kernels of the AVX2 folder: the plug, and the exact vector requantization they
 * share.
 *
 * No VNNI here, and no _mm256_maddubs_epi16: its int16 pair sums saturate on full-range
 * u8 x s8 data. Products are formed with _mm256_madd_epi16 on values sign-extended to 16
 * bits, whose int32 pair sums are exact for |a|, |b| <= 255 (the one saturating input,
 * -32768 * -32768 twice, cannot occur).
 *
 * Requantization (gemmlowp double rounding, quant.h tflrt_mbqm), 8 int32 lanes at a time:
 *   x = acc << left (wrapping); r = SaturatingRoundingDoublingHighMul(x, mult);
 *   r = RoundingDivideByPOT(r, right); out = clamp(r + output_offset, q_min, q_max).
 * SaturatingRoundingDoublingHighMul: gemmlowp's (ab + nudge) / 2^31 truncated toward zero,
 * nudge = ab >= 0 ? 2^30 : 1 - 2^30, equals floor((ab + 2^30) / 2^31) for every 64-bit
 * product ab (for ab < 0: ceil((ab + 1 - 2^30) / 2^31) = floor((ab + 2^30) / 2^31)), i.e.
 * bits 31..62 of ab + 2^30; the saturating case x == mult == INT32_MIN cannot occur
 * (multipliers are in [0, 2^31)). RoundingDivideByPOT: quant.h's mask/threshold formula lane by
 * lane, with mask = 2^right - 1 precomputed. */
#ifndef TFLITE_RT_QS8_AVX2_H
#define TFLITE_RT_QS8_AVX2_H

#include <immintrin.h>
#include <stdint.h>

#include "../kernels.h"

/* Installs the int8 kernels of this folder (qs8_plug_avx2.c). */
void tflrt_qs8_plug_avx2(tflrt_kernels* k);

/* Per-channel requantization arrays (int32 each, padded with zeros to the kernel's block). */
typedef struct {
  const int32_t* mult;   /* Q31 multiplier */
  const int32_t* lshift; /* max(shift, 0) */
  const int32_t* rshift; /* max(-shift, 0) */
  const int32_t* rmask;  /* 2^rshift - 1 */
} qs8_rq_arrays8;

typedef struct {
  __m256i mult_even, mult_odd, lshift, rshift, rmask, rhalf;
} qs8_rq8;

static inline qs8_rq8 qs8_rq8_load(const qs8_rq_arrays8* a, int32_t c) {
  qs8_rq8 r;
  r.mult_even = _mm256_loadu_si256((const __m256i*)(const void*)(a->mult + c));
  r.mult_odd = _mm256_srli_epi64(r.mult_even, 32);
  r.lshift = _mm256_loadu_si256((const __m256i*)(const void*)(a->lshift + c));
  r.rshift = _mm256_loadu_si256((const __m256i*)(const void*)(a->rshift + c));
  r.rmask = _mm256_loadu_si256((const __m256i*)(const void*)(a->rmask + c));
  r.rhalf = _mm256_srli_epi32(r.rmask, 1);
  return r;
}

/* tflrt_mbqm(acc, mult, shift) on 8 lanes. */
static inline __m256i qs8_mbqm8(__m256i acc, const qs8_rq8* q) {
  const __m256i x = _mm256_sllv_epi32(acc, q->lshift);
  const __m256i round = _mm256_set1_epi64x((int64_t)1 << 30);
  const __m256i pe = _mm256_add_epi64(_mm256_mul_epi32(x, q->mult_even), round);
  const __m256i po = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), q->mult_odd), round);
  const __m256i r = _mm256_blend_epi32(_mm256_srli_epi64(pe, 31), _mm256_slli_epi64(po, 1), 0xAA);
  const __m256i rem = _mm256_and_si256(r, q->rmask);
  const __m256i thr = _mm256_sub_epi32(q->rhalf, _mm256_srai_epi32(r, 31)); /* + (r < 0) */
  const __m256i up = _mm256_cmpgt_epi32(rem, thr);                          /* -1 or 0 */
  return _mm256_sub_epi32(_mm256_srav_epi32(r, q->rshift), up);
}

/* Requantize, add the output offset (wrapping), clamp: 8 int32 results in [q_min, q_max]. */
static inline __m256i qs8_requant8(__m256i acc, const qs8_rq8* q, __m256i out_off, __m256i qmin,
                                   __m256i qmax) {
  const __m256i v = _mm256_add_epi32(qs8_mbqm8(acc, q), out_off);
  return _mm256_min_epi32(_mm256_max_epi32(v, qmin), qmax);
}

/* 16 int32 values already in int8 range (a: channels 0-7, b: 8-15) -> 16 int8 in order. */
static inline __m128i qs8_narrow16(__m256i a, __m256i b) {
  const __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0xD8); /* 16 x int16 */
  return _mm_packs_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
}

#endif
