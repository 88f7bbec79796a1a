/* int16x8 (qs16: int16 activations, int8 weights, int64 bias) kernels of the x86 folders: the
 * per-channel arrays of their packed layouts and the exact vector requantization, written once
 * over the vocabulary of the ISA header (../x86_avx2/simd_avx2.h, ../x86_avx512/simd_avx512.h:
 * SIMD_X86(op), vi_ld, vi_set1_64, and the int64 lanes vl_lo, vl_hi, vi_of_vl, vl_min, vl_max,
 * vl_srav), which is included first. Then the element policy of the int8-weight templates
 * (qs8_conv.c.inc, qs8_dwconv.c.inc), the same names as qs8_requant.h's.
 *
 * Requantization: the reference's acc64_out (reference/conv_ref.h), with TFLite's 64-bit
 * MultiplyByQuantizedMultiplier (quant.h tflrt_mbqm64_wrap), VN / 2 int64 lanes at a time:
 *   s   = sum + bias                         (int64, wrapping: add_epi64)
 *   s   = clamp(s, -2^47, 2^47 - 1)          (the reference's clamp to TFLite's contract)
 *   r   = (s * reduced + round) >> total     (arithmetic shift)
 *   out = clamp(low 32 bits of r, q_min, q_max)   (the int32 wrap of TFLite's cast)
 * with, per channel, reduced = the Q31 multiplier rounded to Q15 (at most 2^15 - 1; 0 for a
 * zero multiplier), total = 15 - shift in [1, 46] (shifts are in [-31, 14]: quant.c flushes
 * smaller ones to zero, prepare refuses larger ones) and round = 2^(total - 1).
 * The product: |s| <= 2^47 and 0 <= reduced < 2^15, so |s * reduced| < 2^62 and
 * s * reduced + round < 2^62 + 2^45: no int64 overflow. It is formed from the 32-bit halves,
 * s = hi * 2^32 + lo (hi signed, lo unsigned): lo * reduced (mul_epu32) + (hi * reduced) << 32
 * (mul_epi32 on the high dword), exact modulo 2^64 and therefore exact. Padding channels of a
 * pack stay zero (reduced 0, total 0, round 0): they requantize to 0. */
#ifndef TFLITE_RT_QS16_REQUANT_H
#define TFLITE_RT_QS16_REQUANT_H

#include <stddef.h>
#include <stdint.h>

#include "../conv.h"

static inline size_t qs16_round64(size_t n) { return (n + 63) & ~(size_t)63; }

/* The per-output-channel int64 arrays of a pack (offsets from the pack start, 64-byte
 * aligned): bias, reduced multiplier, total shift, rounding constant. */
typedef struct {
  size_t bias, mult, shift, round;
} qs16_chan_layout;

/* Places n entries per array from offset off; returns the end. */
static inline size_t qs16_chan_place(qs16_chan_layout* L, size_t off, size_t n) {
  size_t* const at[4] = {&L->bias, &L->mult, &L->shift, &L->round};
  for (int i = 0; i < 4; i++) {
    *at[i] = off;
    off = qs16_round64(off + n * sizeof(int64_t));
  }
  return off;
}

static inline int64_t* qs16_chan_at(void* base, size_t off) { return (int64_t*)(void*)((uint8_t*)base + off); }

/* Channel slot `slot` of the pack at base: its bias and the parameters of
 * tflrt_mbqm64_wrap(., mult, shift), as quant.h derives them. */
static inline void qs16_chan_set(void* base, const qs16_chan_layout* L, size_t slot, int64_t bias,
                                 int32_t mult, int32_t shift) {
  const int32_t total = 15 - shift;
  qs16_chan_at(base, L->bias)[slot] = bias;
  qs16_chan_at(base, L->mult)[slot] = mult < 0x7FFF0000 ? (mult + (1 << 15)) >> 16 : 0x7FFF;
  qs16_chan_at(base, L->shift)[slot] = total;
  qs16_chan_at(base, L->round)[slot] = (int64_t)1 << (total - 1);
}

/* The arrays of a pack, for the kernels. */
typedef struct {
  const int64_t* bias;
  const int64_t* mult;  /* reduced (Q15) multiplier */
  const int64_t* shift; /* 15 - shift */
  const int64_t* round; /* 2^(15 - shift - 1) */
} qs16_chan;

static inline qs16_chan qs16_chan_of(const void* base, const qs16_chan_layout* L) {
  const uint8_t* b = base;
  qs16_chan c;
  c.bias = (const int64_t*)(const void*)(b + L->bias);
  c.mult = (const int64_t*)(const void*)(b + L->mult);
  c.shift = (const int64_t*)(const void*)(b + L->shift);
  c.round = (const int64_t*)(const void*)(b + L->round);
  return c;
}

/* The constants of VN / 2 channels (int64 lanes). */
typedef struct {
  vi bias, mult, shift, round;
} qs16_rq64;

static inline qs16_rq64 qs16_rq64_load(const qs16_chan* a, int32_t c) {
  qs16_rq64 r;
  r.bias = vi_ld(a->bias + c);
  r.mult = vi_ld(a->mult + c);
  r.shift = vi_ld(a->shift + c);
  r.round = vi_ld(a->round + c);
  return r;
}

/* VN / 2 sums (int64 lanes) -> r (int64 lanes; the results are their low dwords). */
static inline vi qs16_mbqm64(vi sum, const qs16_rq64* q) {
  vi s = SIMD_X86(add_epi64)(sum, q->bias);
  s = vl_min(vl_max(s, vi_set1_64(-((int64_t)1 << 47))), vi_set1_64(((int64_t)1 << 47) - 1));
  const vi lo = SIMD_X86(mul_epu32)(s, q->mult);
  const vi hi = SIMD_X86(mul_epi32)(SIMD_X86(srli_epi64)(s, 32), q->mult);
  const vi prod = SIMD_X86(add_epi64)(lo, SIMD_X86(slli_epi64)(hi, 32));
  return vl_srav(SIMD_X86(add_epi64)(prod, q->round), q->shift);
}

/* ---- the element policy of the int8-weight templates (qs8_requant.h has the int8 one) ----
 * int16 activations, int64 bias, zero points 0 (the packs refuse others): accumulators start at
 * 0; a vector of VN int32 sums of channel slots [c, c + VN) is widened to two int64 halves
 * (slots [c, c + VN/2) and [c + VN/2, c + VN)) and requantized with the bias. The conv
 * template widens int32 block sums into int64 partial sums (Q_ACC64). */
#define Q_ACC64 1
typedef int16_t q_x;
typedef int64_t q_bias;
typedef qs16_chan_layout q_chan_layout;
typedef qs16_chan q_chan;
#define q_round64 qs16_round64
#define q_chan_place qs16_chan_place
#define q_chan_of qs16_chan_of

/* slot's bias and requantization; `add` (the templates' zero-point correction) is 0 here */
static inline void q_chan_set(void* base, const q_chan_layout* L, size_t slot, q_bias bias, uint32_t add,
                              int32_t mult, int32_t shift) {
  (void)add;
  qs16_chan_set(base, L, slot, bias, mult, shift);
}

/* The packs take the params of the reference's int64-bias kernels (zero points 0, shifts at
 * most 14) with multipliers. */
static inline int q_eligible(const tflrt_conv_params* p) {
  if (p->out_mult == NULL || p->out_shift == NULL || p->input_offset != 0 || p->output_offset != 0) return 0;
  for (int32_t c = 0; c < p->out_c; c++)
    if (p->out_shift[c] > 14 || p->out_shift[c] < -31) return 0;
  return 1;
}

typedef struct {
  qs16_rq64 lo, hi;
} q_rq;

static inline q_rq q_rq_load(const q_chan* a, int32_t c) {
  q_rq r;
  r.lo = qs16_rq64_load(a, c);
  r.hi = qs16_rq64_load(a, c + VN / 2);
  return r;
}

typedef struct {
  vi qmin, qmax;
} q_out;

static inline q_out q_out_of(const tflrt_conv_params* p) {
  q_out o;
  o.qmin = vi_set1(p->q_min);
  o.qmax = vi_set1(p->q_max);
  return o;
}

/* The accumulator's start for channel slots [c, c + VN): 0 (the bias is added in int64). */
static inline vi q_acc0(const q_chan* a, int32_t c) {
  (void)a;
  (void)c;
  return vi_set1(0);
}

/* VN results in [q_min, q_max] from the int64 sums lo (slots c..) and hi (slots c + VN/2..). */
static inline vi qs16_requant64(vi lo, vi hi, const q_rq* q, q_out o) {
  return vi_clamp(vi_of_vl(qs16_mbqm64(lo, &q->lo), qs16_mbqm64(hi, &q->hi)), o.qmin, o.qmax);
}

/* VN int32 sums, plus the int64 partial sums at part (VN of them) unless part is NULL. */
static inline vi q_requant_part(vi acc, const int64_t* part, const q_rq* q, q_out o) {
  vi lo = vl_lo(acc), hi = vl_hi(acc);
  if (part) {
    lo = SIMD_X86(add_epi64)(lo, vi_ld(part));
    hi = SIMD_X86(add_epi64)(hi, vi_ld(part + VN / 2));
  }
  return qs16_requant64(lo, hi, q, o);
}

static inline vi q_requant(vi acc, const q_rq* q, q_out o) { return q_requant_part(acc, NULL, q, o); }

#endif
