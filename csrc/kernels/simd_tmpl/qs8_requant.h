/* int8 (qs8) kernels of the x86 folders: the per-channel arrays of their packed layouts and the
 * exact vector requantization, written once over the int32 vocabulary of the ISA header
 * (../x86_avx2/simd_avx2.h, ../x86_avx512/simd_avx512.h: VN int32 lanes per vi, SIMD_X86(op),
 * vi_ld, vi_and, vi_set1_64, vi_blend_odd, vi_gt, vi_inc), which is included first.
 *
 * Requantization (gemmlowp double rounding, quant.h tflrt_mbqm), VN int32 lanes at a time:
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
#ifndef TFLITE_RT_QS8_REQUANT_H
#define TFLITE_RT_QS8_REQUANT_H

#include <stddef.h>
#include <stdint.h>

#include "../conv.h"

static inline size_t qs8_round64(size_t n) { return (n + 63) & ~(size_t)63; }

/* The per-output-channel int32 arrays of a pack (offsets from the pack start, 64-byte aligned):
 * the bias (plus whatever constant the kernel folds into it), then the requantization
 * parameters of tflrt_mbqm(acc, mult, shift). Padding channels stay zero: a zero multiplier and
 * shift requantize them to the output offset. */
typedef struct {
  size_t bias, mult, lshift, rshift, rmask;
} qs8_chan_layout;

/* Places n entries per array from offset off; returns the end. */
static inline size_t qs8_chan_place(qs8_chan_layout* L, size_t off, size_t n) {
  size_t* const at[5] = {&L->bias, &L->mult, &L->lshift, &L->rshift, &L->rmask};
  for (int i = 0; i < 5; i++) {
    *at[i] = off;
    off = qs8_round64(off + n * sizeof(int32_t));
  }
  return off;
}

static inline int32_t* qs8_chan_at(void* base, size_t off) { return (int32_t*)(void*)((uint8_t*)base + off); }

/* Channel slot `slot` of the pack at base: its bias and requantization parameters. */
static inline void qs8_chan_set(void* base, const qs8_chan_layout* L, size_t slot, int32_t bias,
                                int32_t mult, int32_t shift) {
  const int32_t right = shift > 0 ? 0 : -shift;
  qs8_chan_at(base, L->bias)[slot] = bias;
  qs8_chan_at(base, L->mult)[slot] = mult;                  /* Q31 multiplier */
  qs8_chan_at(base, L->lshift)[slot] = shift > 0 ? shift : 0;
  qs8_chan_at(base, L->rshift)[slot] = right;
  qs8_chan_at(base, L->rmask)[slot] = (int32_t)(((int64_t)1 << right) - 1);
}

/* The arrays of a pack, for the kernels. */
typedef struct {
  const int32_t* bias;
  const int32_t* mult;   /* Q31 multiplier */
  const int32_t* lshift; /* max(shift, 0) */
  const int32_t* rshift; /* max(-shift, 0) */
  const int32_t* rmask;  /* 2^rshift - 1 */
} qs8_chan;

static inline qs8_chan qs8_chan_of(const void* base, const qs8_chan_layout* L) {
  const uint8_t* b = base;
  qs8_chan c;
  c.bias = (const int32_t*)(const void*)(b + L->bias);
  c.mult = (const int32_t*)(const void*)(b + L->mult);
  c.lshift = (const int32_t*)(const void*)(b + L->lshift);
  c.rshift = (const int32_t*)(const void*)(b + L->rshift);
  c.rmask = (const int32_t*)(const void*)(b + L->rmask);
  return c;
}

/* The loop-invariant requantization constants of one vector of VN channels. */
typedef struct {
  vi mult_even, mult_odd, lshift, rshift, rmask, rhalf;
} qs8_rq;

static inline qs8_rq qs8_rq_load(const qs8_chan* a, int32_t c) {
  qs8_rq r;
  r.mult_even = vi_ld(a->mult + c);
  r.mult_odd = SIMD_X86(srli_epi64)(r.mult_even, 32);
  r.lshift = vi_ld(a->lshift + c);
  r.rshift = vi_ld(a->rshift + c);
  r.rmask = vi_ld(a->rmask + c);
  r.rhalf = SIMD_X86(srli_epi32)(r.rmask, 1);
  return r;
}

/* tflrt_mbqm(acc, mult, shift) on VN lanes (see the header comment). */
static inline vi qs8_mbqm(vi acc, const qs8_rq* q) {
  const vi x = SIMD_X86(sllv_epi32)(acc, q->lshift);
  const vi round = vi_set1_64((int64_t)1 << 30);
  /* even lanes: products of the low dwords of each qword (sign-extended) */
  const vi pe = SIMD_X86(add_epi64)(SIMD_X86(mul_epi32)(x, q->mult_even), round);
  const vi po = SIMD_X86(add_epi64)(SIMD_X86(mul_epi32)(SIMD_X86(srli_epi64)(x, 32), q->mult_odd), round);
  /* bits 31..62: low dword of pe >> 31 (even lanes), high dword of po << 1 (odd lanes) */
  const vi r = vi_blend_odd(SIMD_X86(srli_epi64)(pe, 31), SIMD_X86(slli_epi64)(po, 1));
  const vi rem = vi_and(r, q->rmask);
  const vi thr = SIMD_X86(sub_epi32)(q->rhalf, SIMD_X86(srai_epi32)(r, 31)); /* + (r < 0) */
  const vi_mask up = vi_gt(rem, thr);
  return vi_inc(SIMD_X86(srav_epi32)(r, q->rshift), up);
}

/* The output stage's constants: offset, q_min, q_max. */
typedef struct {
  vi off, qmin, qmax;
} qs8_out;

static inline qs8_out qs8_out_of(int32_t off, int32_t qmin, int32_t qmax) {
  qs8_out o;
  o.off = vi_set1(off);
  o.qmin = vi_set1(qmin);
  o.qmax = vi_set1(qmax);
  return o;
}

/* Requantize, add the output offset (wrapping), clamp: VN int32 results in [q_min, q_max]. */
static inline vi qs8_requant(vi acc, const qs8_rq* q, qs8_out o) {
  return vi_clamp(vi_add(qs8_mbqm(acc, q), o.off), o.qmin, o.qmax);
}

/* ---- the element policy of the int8-weight templates (qs8_conv.c.inc, qs8_dwconv.c.inc) ----
 * int8 activations, int32 bias: the bias plus the kernel's zero-point correction (`add`, modulo
 * 2^32) starts the int32 accumulator, whose sums wrap like the reference's; qs8_requant
 * finishes it. qs16_requant.h defines the same names for int16x8. */
#define Q_ACC64 0
typedef int8_t q_x;     /* activation element (input and output) */
typedef int32_t q_bias;
typedef qs8_chan_layout q_chan_layout;
typedef qs8_chan q_chan;
typedef qs8_rq q_rq;
typedef qs8_out q_out;
#define q_round64 qs8_round64
#define q_chan_place qs8_chan_place
#define q_chan_of qs8_chan_of
#define q_rq_load qs8_rq_load
#define q_requant qs8_requant

static inline void q_chan_set(void* base, const q_chan_layout* L, size_t slot, q_bias bias, uint32_t add,
                              int32_t mult, int32_t shift) {
  qs8_chan_set(base, L, slot, (int32_t)((uint32_t)bias + add), mult, shift);
}

static inline int q_eligible(const tflrt_conv_params* p) { return p->out_mult != NULL && p->out_shift != NULL; }

static inline q_out q_out_of(const tflrt_conv_params* p) { return qs8_out_of(p->output_offset, p->q_min, p->q_max); }

/* The accumulator's start for channel slots [c, c + VN): the corrected bias. */
static inline vi q_acc0(const q_chan* a, int32_t c) { return vi_ld(a->bias + c); }

#endif
