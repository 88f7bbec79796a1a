/* int8 (qs8) kernels of the AVX-512 folder: the plug, and the exact vector requantization they
 * share.
 *
 * Requantization (gemmlowp double rounding, quant.h tflrt_mbqm), 16 int32 lanes at a time:
 *   x  = acc << left                      (wrapping, as tflrt_shl_wrap)
 *   r  = SaturatingRoundingDoublingHighMul(x, mult)
 *   r  = RoundingDivideByPOT(r, right)
 *   out = clamp(r + output_offset, q_min, q_max)     (the add wraps, as the C int32 add does)
 * SaturatingRoundingDoublingHighMul: for ab = x * mult (exact, 64 bits) gemmlowp computes
 * (ab + nudge) / 2^31 truncated toward zero, nudge = ab >= 0 ? 2^30 : 1 - 2^30. For ab >= 0
 * that is floor((ab + 2^30) / 2^31); for ab < 0 it is ceil((ab + 1 - 2^30) / 2^31)
 * = floor((ab + 1 - 2^30 + 2^31 - 1) / 2^31) = floor((ab + 2^30) / 2^31) as well. So one
 * formula, floor((ab + 2^30) / 2^31) = bits 31..62 of (ab + 2^30), is exact for every ab
 * (|ab| <= 2^62, no 64-bit overflow). The saturating case x == mult == INT32_MIN cannot occur:
 * multipliers come from tflrt_quantize_multiplier and are in [0, 2^31).
 * RoundingDivideByPOT(x, e): mask = 2^e - 1, remainder = x & mask,
 * threshold = (mask >> 1) + (x < 0), result = (x >> e) + (remainder > threshold), the formula
 * of quant.h evaluated lane by lane with per-lane e, mask and mask >> 1 precomputed. */
#ifndef TFLITE_RT_QS8_AVX512_H
#define TFLITE_RT_QS8_AVX512_H

#include <immintrin.h>
#include <stdint.h>

#include "../kernels.h"

/* Installs the int8 kernels of this folder (qs8_plug_avx512.c). The CONV_2D kernel needs
 * AVX512-VNNI and is installed only when the CPU has it (otherwise the AVX2 one stays);
 * DEPTHWISE_CONV_2D and FULLY_CONNECTED need AVX-512BW only. */
void tflrt_qs8_plug_avx512(tflrt_kernels* k);

/* Per-output-channel requantization parameters, one int32 array each, padded with zeros to a
 * multiple of 16 channels (zero multiplier/shift requantize padding lanes to the offset). */
typedef struct {
  const int32_t* mult;   /* Q31 multiplier */
  const int32_t* lshift; /* max(shift, 0) */
  const int32_t* rshift; /* max(-shift, 0) */
  const int32_t* rmask;  /* 2^rshift - 1 */
} qs8_rq_arrays;

/* The loop-invariant requantization constants of one 16-channel vector. */
typedef struct {
  __m512i mult_even, mult_odd, lshift, rshift, rmask, rhalf;
} qs8_rq16;

static inline qs8_rq16 qs8_rq16_load(const qs8_rq_arrays* a, int32_t c) {
  qs8_rq16 r;
  r.mult_even = _mm512_loadu_si512(a->mult + c);
  r.mult_odd = _mm512_srli_epi64(r.mult_even, 32);
  r.lshift = _mm512_loadu_si512(a->lshift + c);
  r.rshift = _mm512_loadu_si512(a->rshift + c);
  r.rmask = _mm512_loadu_si512(a->rmask + c);
  r.rhalf = _mm512_srli_epi32(r.rmask, 1);
  return r;
}

/* tflrt_mbqm(acc, mult, shift) on 16 lanes (see the header comment). */
static inline __m512i qs8_mbqm16(__m512i acc, const qs8_rq16* q) {
  const __m512i x = _mm512_sllv_epi32(acc, q->lshift);
  const __m512i round = _mm512_set1_epi64((int64_t)1 << 30);
  /* even lanes: products of the low dwords of each qword (sign-extended) */
  const __m512i pe = _mm512_add_epi64(_mm512_mul_epi32(x, q->mult_even), round);
  const __m512i po = _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(x, 32), q->mult_odd), round);
  /* bits 31..62: low dword of pe >> 31 (even lanes), high dword of po << 1 (odd lanes) */
  const __m512i r = _mm512_mask_blend_epi32((__mmask16)0xAAAA, _mm512_srli_epi64(pe, 31),
                                            _mm512_slli_epi64(po, 1));
  const __m512i rem = _mm512_and_si512(r, q->rmask);
  const __m512i thr = _mm512_sub_epi32(q->rhalf, _mm512_srai_epi32(r, 31)); /* + (r < 0) */
  const __mmask16 up = _mm512_cmpgt_epi32_mask(rem, thr);
  const __m512i s = _mm512_srav_epi32(r, q->rshift);
  return _mm512_mask_sub_epi32(s, up, s, _mm512_set1_epi32(-1));
}

/* Full output stage: requantize, add the output offset, clamp, narrow to 16 int8. */
static inline __m128i qs8_requant16(__m512i acc, const qs8_rq16* q, __m512i out_off, __m512i qmin,
                                    __m512i qmax) {
  __m512i v = _mm512_add_epi32(qs8_mbqm16(acc, q), out_off);
  v = _mm512_min_epi32(_mm512_max_epi32(v, qmin), qmax);
  return _mm512_cvtepi32_epi8(v);
}

#endif
