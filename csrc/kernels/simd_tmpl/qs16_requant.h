/* int16x8 (qs16: int16 activations, int8 weights, int64 bias) kernels of the x86 folders: the
 * per-channel arrays of their packed layouts and the exact vector requantization, written once
 * over the vocabulary of the ISA header (../x86_avx2/simd_avx2.h, ../x86_avx512/simd_avx512.h:
 * VN int32 lanes per vi, SIMD_X86(op), vi_ld, vi_st, vi_set1_64, vi_blend_odd), which is
 * included first. Then the element policy of the int8-weight templates (qs8_conv.c.inc,
 * qs8_dwconv.c.inc): the same names as qs8_requant.h's.
 *
 * The reference (reference/conv_ref.h acc64_out, quant.h tflrt_acc64_mbqm): for the exact
 * sum S of an output and its int64 bias B,
 *   s = S + B (int64, wrapping), clamped to [-2^47, 2^47 - 1]
 *   r = (s * red + round) >> t      (arithmetic shift), out = clamp(low 32 bits of r, q_min, q_max)
 * with red = the Q31 multiplier rounded to Q15 (0 <= red <= 2^15 - 1), t = 15 - shift in
 * [1, 46] (shifts are in [-31, 14]: quant.c flushes smaller ones to zero, prepare refuses
 * larger ones) and round = 2^(t - 1).
 *
 * Fast path (every |B| < 2^46, i.e. every bias a converter writes). The kernels' sums satisfy
 * |S| <= 2^46 (at most 2^24 products of at most 2^22: CONV_MAX_K, DW_MAX_TAPS), so |S + B| <
 * 2^47: no wrap, no clamp, and s * red = S * red + B * red. With C = B * red + round + 2^62
 * per channel (computed modulo 2^64 in the pack):
 *   x = S * red + C = s * red + round + 2^62,  0 < x < 2^63 + 2^45 < 2^64
 * (|s * red| < 2^47 * 2^15 = 2^62), so the logical shift x >> t (srlv) is
 * floor((s * red + round) / 2^t) + 2^(62 - t) exactly (2^t divides 2^62), and its low 32 bits
 * minus those of D = 2^(62 - t) are those of r. S * red is one mul_epi32 per int64 lane when S
 * is an int32 lane (the even lanes in place, the odd ones shifted down; results blended back
 * as in qs8_requant.h); for an int64 partial sum P (long K'), P * red is formed from P's 32-bit
 * halves, P = hi * 2^32 + lo: lo * red (mul_epu32) + (hi * red) << 32 (mul_epi32), exact
 * modulo 2^64 and therefore exact (|P * red| < 2^61).
 * Exact path (a pack with a bias beyond 2^46, outside anything TFLite's converter writes, even
 * beyond TFLite's own contract): the lanes go through tflrt_acc64_mbqm one by one.
 *
 * Padding slots of a pack stay zero (red, C, t, D 0): they requantize to 0. */
#ifndef TFLITE_RT_QS16_REQUANT_H
#define TFLITE_RT_QS16_REQUANT_H

#include <stddef.h>
#include <stdint.h>

#include "../../quant/quant.h"
#include "../conv.h"

static inline size_t qs16_round64(size_t n) { return (n + 63) & ~(size_t)63; }

#define QS16_OFFSET ((uint64_t)1 << 62)        /* makes the shifted value non-negative */
#define QS16_FAST_BIAS ((int64_t)1 << 46)      /* biases within (-2^46, 2^46): fast path */

/* The per-slot arrays of a pack (offsets from the pack start, 64-byte aligned; n slots, a
 * multiple of VN). Fast path, int64 per slot, each vector of VN slots stored as its even slots
 * then its odd ones (qs16_eo): red, C, t; int32 in slot order: low 32 bits of D. Exact path,
 * in slot order: bias (int64), Q31 multiplier and shift (int32). flag: nonzero when a bias
 * needs the exact path. */
typedef struct {
  size_t red, c, t, d, bias, mult, shift, flag;
} qs16_chan_layout;

/* Index of slot s in the even/odd arrays. */
static inline size_t qs16_eo(size_t s) { return s / VN * VN + s % 2 * (VN / 2) + s % VN / 2; }

/* Places the arrays of n slots from offset off; returns the end. */
static inline size_t qs16_chan_place(qs16_chan_layout* L, size_t off, size_t n) {
  size_t* const at[8] = {&L->red, &L->c, &L->t, &L->bias, &L->d, &L->mult, &L->shift, &L->flag};
  const size_t size[8] = {8, 8, 8, 8, 4, 4, 4, 0};
  for (int i = 0; i < 8; i++) {
    *at[i] = off;
    off = qs16_round64(off + (size[i] ? n * size[i] : sizeof(int64_t)));
  }
  return off;
}

static inline void* qs16_at(void* base, size_t off) { return (uint8_t*)base + off; }

/* Slot `slot` of the pack at base: the requantization of tflrt_acc64_mbqm(., bias, mult,
 * shift). */
static inline void qs16_chan_set(void* base, const qs16_chan_layout* L, size_t slot, int64_t bias,
                                 int32_t mult, int32_t shift) {
  const int32_t t = 15 - shift;
  const int64_t red = mult < 0x7FFF0000 ? (mult + (1 << 15)) >> 16 : 0x7FFF;
  const size_t e = qs16_eo(slot);
  ((int64_t*)qs16_at(base, L->red))[e] = red;
  ((int64_t*)qs16_at(base, L->t))[e] = t;
  ((int64_t*)qs16_at(base, L->c))[e] =
      (int64_t)((uint64_t)bias * (uint64_t)red + ((uint64_t)1 << (t - 1)) + QS16_OFFSET);
  ((int32_t*)qs16_at(base, L->d))[slot] = (int32_t)(uint32_t)(QS16_OFFSET >> t);
  ((int64_t*)qs16_at(base, L->bias))[slot] = bias;
  ((int32_t*)qs16_at(base, L->mult))[slot] = mult;
  ((int32_t*)qs16_at(base, L->shift))[slot] = shift;
  if (bias <= -QS16_FAST_BIAS || bias >= QS16_FAST_BIAS) *(int64_t*)qs16_at(base, L->flag) = 1;
}

/* The arrays of a pack, for the kernels. */
typedef struct {
  const int64_t *red, *c, *t, *bias;
  const int32_t *d, *mult, *shift;
  int exact; /* some bias needs the exact path */
} qs16_chan;

static inline qs16_chan qs16_chan_of(const void* base, const qs16_chan_layout* L) {
  void* b = (void*)(uintptr_t)base;
  qs16_chan c;
  c.red = qs16_at(b, L->red);
  c.c = qs16_at(b, L->c);
  c.t = qs16_at(b, L->t);
  c.bias = qs16_at(b, L->bias);
  c.d = qs16_at(b, L->d);
  c.mult = qs16_at(b, L->mult);
  c.shift = qs16_at(b, L->shift);
  c.exact = *(const int64_t*)qs16_at(b, L->flag) != 0;
  return c;
}

/* ---- the element policy of the int8-weight templates (qs8_requant.h has the int8 one) ----
 * int16 activations, int64 bias, zero points 0 (the packs refuse others): accumulators start at
 * 0 (the bias is part of C), and q_requant finishes a vector of VN int32 sums of slots
 * [c, c + VN). The conv template adds int32 block sums into int64 partial sums (Q_ACC64,
 * q_part_add: each vector's even slots, then its odd ones) and finishes with q_requant_part. */
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

/* The packs take the params of the reference's int64-bias kernels (zero points 0, shifts in
 * [-31, 14]) with multipliers. */
static inline int q_eligible(const tflrt_conv_params* p) {
  if (p->out_mult == NULL || p->out_shift == NULL || p->input_offset != 0 || p->output_offset != 0) return 0;
  for (int32_t c = 0; c < p->out_c; c++)
    if (p->out_shift[c] > 14 || p->out_shift[c] < -31) return 0;
  return 1;
}

/* The constants of the VN slots [c, c + VN) (c a multiple of VN). */
typedef struct {
  vi red_e, red_o, c_e, c_o, t_e, t_o, d;
  const int64_t* bias; /* exact path, slot order */
  const int32_t *mult, *shift;
  int exact;
} q_rq;

static inline q_rq q_rq_load(const q_chan* a, int32_t c) {
  q_rq r;
  r.red_e = vi_ld(a->red + c);
  r.red_o = vi_ld(a->red + c + VN / 2);
  r.c_e = vi_ld(a->c + c);
  r.c_o = vi_ld(a->c + c + VN / 2);
  r.t_e = vi_ld(a->t + c);
  r.t_o = vi_ld(a->t + c + VN / 2);
  r.d = vi_ld(a->d + c);
  r.bias = a->bias + c;
  r.mult = a->mult + c;
  r.shift = a->shift + c;
  r.exact = a->exact;
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

/* The accumulator's start for slots [c, c + VN): 0 (the bias is in C). */
static inline vi q_acc0(const q_chan* a, int32_t c) {
  (void)a;
  (void)c;
  return vi_set1(0);
}

/* x * red for int64 lanes x with |x * red| < 2^63 (see the header). */
static inline vi qs16_mul64(vi x, vi red) {
  const vi lo = SIMD_X86(mul_epu32)(x, red);
  const vi hi = SIMD_X86(mul_epi32)(SIMD_X86(srli_epi64)(x, 32), red);
  return SIMD_X86(add_epi64)(lo, SIMD_X86(slli_epi64)(hi, 32));
}

/* out[e] = in[e] (0 when in is NULL) + the int32 sums of acc, widened: VN int64, the even lanes
 * then the odd ones. */
static inline void q_part_add(vi acc, const int64_t* in, int64_t* out) {
  const vi one = vi_set1_64(1);
  vi e = SIMD_X86(mul_epi32)(acc, one), o = SIMD_X86(mul_epi32)(SIMD_X86(srli_epi64)(acc, 32), one);
  if (in) {
    e = SIMD_X86(add_epi64)(e, vi_ld(in));
    o = SIMD_X86(add_epi64)(o, vi_ld(in + VN / 2));
  }
  vi_st(out, e);
  vi_st(out + VN / 2, o);
}

/* The exact path: lane by lane, as the reference. */
static __attribute__((noinline)) vi qs16_requant_exact(vi acc, const int64_t* part, const q_rq* q, q_out o) {
  _Alignas(64) int32_t a[VN];
  _Alignas(64) int32_t r[VN];
  vi_st(a, acc);
  for (int l = 0; l < VN; l++) {
    const int64_t s = (int64_t)a[l] + (part ? part[l % 2 * (VN / 2) + l / 2] : 0);
    r[l] = tflrt_acc64_mbqm(s, q->bias[l], q->mult[l], q->shift[l]);
  }
  return vi_clamp(vi_ld(r), o.qmin, o.qmax);
}

/* VN results in [q_min, q_max] of the int32 sums acc, plus the int64 partial sums at part
 * (q_part_add's order) unless part is NULL. */
static inline vi q_requant_part(vi acc, const int64_t* part, const q_rq* q, q_out o) {
  if (__builtin_expect(q->exact, 0)) return qs16_requant_exact(acc, part, q, o);
  vi pe = SIMD_X86(mul_epi32)(acc, q->red_e);
  vi po = SIMD_X86(mul_epi32)(SIMD_X86(srli_epi64)(acc, 32), q->red_o);
  if (part) {
    pe = SIMD_X86(add_epi64)(pe, qs16_mul64(vi_ld(part), q->red_e));
    po = SIMD_X86(add_epi64)(po, qs16_mul64(vi_ld(part + VN / 2), q->red_o));
  }
  const vi re = SIMD_X86(srlv_epi64)(SIMD_X86(add_epi64)(pe, q->c_e), q->t_e);
  const vi ro = SIMD_X86(srlv_epi64)(SIMD_X86(add_epi64)(po, q->c_o), q->t_o);
  const vi r = SIMD_X86(sub_epi32)(vi_blend_odd(re, SIMD_X86(slli_epi64)(ro, 32)), q->d);
  return vi_clamp(r, o.qmin, o.qmax);
}

static inline vi q_requant(vi acc, const q_rq* q, q_out o) { return q_requant_part(acc, NULL, q, o); }

#endif
