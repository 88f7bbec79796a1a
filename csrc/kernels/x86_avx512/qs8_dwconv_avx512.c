/* int8 DEPTHWISE_CONV_2D over packed weights for AVX-512BW (depth multiplier 1; any filter
 * size up to MAX_TAPS taps, stride, dilation and padding): 32 channels per vector step,
 * two taps per _mm512_madd_epi16, 3x3 filters specialized.
 *
 * Exactness. Inputs x and weights w are sign-extended to int16; _mm512_madd_epi16 forms
 * x_t * w_t + x_u * w_u in an int32 lane exactly (|x|, |w| <= 128, so each product is at most
 * 2^14 and the madd cannot saturate: that needs both pairs equal to -32768 * -32768). Taps
 * outside the input read a row holding the input zero point, so the sum over all taps is
 *   S = sum_t w_t * x_t = sum_t w_t * (x_t + input_offset) - input_offset * wsum
 * (a padded tap has x_t + input_offset = 0, the reference's skipped tap), and the pack stores
 * bias + input_offset * wsum per channel. All sums wrap modulo 2^32 like the reference's final
 * int32 wrap. Requantization: qs8_avx512.h (bit-exact double rounding).
 *
 * Lane order: unpacklo/hi_epi16 work inside 128-bit lanes, so the "lo" accumulator's int32
 * lane 4L + r holds channel 8L + r and the "hi" one channel 8L + 4 + r (L = 0..3, r = 0..3);
 * the pack stores weights and per-channel parameters in that order, and packs_epi32(lo, hi)
 * restores the natural order.
 *
 * Packed layout (64-byte aligned): header | weights | per-channel arrays | zero-point row.
 * Weights: per block of 32 channels, per tap pair: 32 int16 "lo" then 32 int16 "hi"
 * (x_t, x_t+1 interleaved; an odd last tap pairs with a zero weight). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../conv.h"
#include "qs8_avx512.h"

enum { CB = 32, MAX_TAPS = 64 };

typedef struct {
  int32_t taps, pairs, c, c32, nblocks;
  size_t w_off, bias_off, mult_off, lshift_off, rshift_off, rmask_off, zrow_off;
} dw_pack;

static size_t round64(size_t n) { return (n + 63) & ~(size_t)63; }

static void layout(const tflrt_conv_params* p, dw_pack* h, size_t* total) {
  memset(h, 0, sizeof(*h));
  h->taps = p->filter_h * p->filter_w;
  h->pairs = (h->taps + 1) / 2;
  h->c = p->out_c;
  h->c32 = (p->out_c + CB - 1) / CB * CB;
  h->nblocks = h->c32 / CB;
  const size_t n = (size_t)h->c32;
  size_t off = round64(sizeof(dw_pack));
  h->w_off = off;
  off = round64(off + (size_t)h->nblocks * (size_t)h->pairs * 64 * sizeof(int16_t));
  h->bias_off = off;
  off = round64(off + n * 4);
  h->mult_off = off;
  off = round64(off + n * 4);
  h->lshift_off = off;
  off = round64(off + n * 4);
  h->rshift_off = off;
  off = round64(off + n * 4);
  h->rmask_off = off;
  off = round64(off + n * 4);
  h->zrow_off = off;
  off = round64(off + n);
  *total = off;
}

size_t tflrt_qs8_dwconv2d_packed_size__avx512(const tflrt_conv_params* p) {
  if (p->depth_multiplier != 1 || p->in_c != p->out_c || p->filter_offset != 0 ||
      (int64_t)p->filter_h * p->filter_w > MAX_TAPS || p->out_mult == NULL || p->out_shift == NULL)
    return 0;
  dw_pack h;
  size_t total;
  layout(p, &h, &total);
  return total;
}

/* Position of channel c (within its block) in the permuted lo/hi order: vector 0 (lo) or 1
 * (hi), and int32 lane. */
static void perm(int32_t c, int32_t* vec, int32_t* lane) {
  const int32_t L = c / 8, r = c % 8;
  *vec = r / 4;
  *lane = 4 * L + r % 4;
}

void tflrt_qs8_dwconv2d_pack__avx512(const tflrt_conv_params* p, const int8_t* filter,
                                     const int32_t* bias, void* packed) {
  dw_pack h;
  size_t total;
  layout(p, &h, &total);
  uint8_t* base = packed;
  memcpy(base, &h, sizeof(h));
  int16_t* w = (int16_t*)(void*)(base + h.w_off);
  int32_t* arr[5] = {(int32_t*)(void*)(base + h.bias_off), (int32_t*)(void*)(base + h.mult_off),
                     (int32_t*)(void*)(base + h.lshift_off), (int32_t*)(void*)(base + h.rshift_off),
                     (int32_t*)(void*)(base + h.rmask_off)};
  memset(base + h.zrow_off, (uint8_t)(int8_t)(-p->input_offset), (size_t)h.c32);
  for (int32_t oc = 0; oc < h.c; oc++) {
    const int32_t blk = oc / CB;
    int32_t vec, lane;
    perm(oc % CB, &vec, &lane);
    uint32_t wsum = 0;
    for (int32_t t = 0; t < h.taps; t++) {
      const int8_t wt = filter[(size_t)t * (size_t)h.c + (size_t)oc]; /* [1, fh, fw, c] */
      wsum += (uint32_t)(int32_t)wt;
      const size_t idx = (((size_t)blk * (size_t)h.pairs + (size_t)(t / 2)) * 2 + (size_t)vec) * 32 +
                         (size_t)lane * 2 + (size_t)(t % 2);
      w[idx] = wt;
    }
    const size_t slot = (size_t)blk * CB + (size_t)vec * 16 + (size_t)lane;
    const uint32_t b = bias ? (uint32_t)bias[oc] : 0u;
    arr[0][slot] = (int32_t)(b + (uint32_t)p->input_offset * wsum);
    const int32_t s = p->out_shift[oc];
    arr[1][slot] = p->out_mult[oc];
    arr[2][slot] = s > 0 ? s : 0;
    arr[3][slot] = s > 0 ? 0 : -s;
    arr[4][slot] = (int32_t)(((int64_t)1 << arr[3][slot]) - 1);
  }
}

typedef struct {
  const int32_t* bias;
  qs8_rq_arrays rq;
  __m512i out_off, qmin, qmax;
} dw_ctx;

static inline __m512i load32(const int8_t* ptr, __mmask32 m) {
  return _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(m, ptr));
}

/* One pixel, one 32-channel block: taps pointers already offset to the block's channel. */
static inline __attribute__((always_inline)) void dw_pixel(const int TAPS, const int8_t* const* ptr,
                                                           const __m512i* wlo, const __m512i* whi,
                                                           __m512i blo, __m512i bhi, __mmask32 m,
                                                           __m512i* lo, __m512i* hi) {
  __m512i alo = blo, ahi = bhi;
#pragma GCC unroll 32
  for (int t = 0; t + 1 < TAPS; t += 2) {
    const __m512i xa = load32(ptr[t], m), xb = load32(ptr[t + 1], m);
    alo = _mm512_add_epi32(alo, _mm512_madd_epi16(_mm512_unpacklo_epi16(xa, xb), wlo[t / 2]));
    ahi = _mm512_add_epi32(ahi, _mm512_madd_epi16(_mm512_unpackhi_epi16(xa, xb), whi[t / 2]));
  }
  if (TAPS % 2) {
    const __m512i xa = load32(ptr[TAPS - 1], m), z = _mm512_setzero_si512();
    alo = _mm512_add_epi32(alo, _mm512_madd_epi16(_mm512_unpacklo_epi16(xa, z), wlo[TAPS / 2]));
    ahi = _mm512_add_epi32(ahi, _mm512_madd_epi16(_mm512_unpackhi_epi16(xa, z), whi[TAPS / 2]));
  }
  *lo = alo;
  *hi = ahi;
}

static inline __attribute__((always_inline)) void dw_store(const dw_ctx* c, const qs8_rq16* qlo,
                                                            const qs8_rq16* qhi, __m512i lo, __m512i hi,
                                                            int8_t* dst, __mmask32 m) {
  __m512i vlo = _mm512_add_epi32(qs8_mbqm16(lo, qlo), c->out_off);
  __m512i vhi = _mm512_add_epi32(qs8_mbqm16(hi, qhi), c->out_off);
  vlo = _mm512_min_epi32(_mm512_max_epi32(vlo, c->qmin), c->qmax);
  vhi = _mm512_min_epi32(_mm512_max_epi32(vhi, c->qmin), c->qmax);
  _mm256_mask_storeu_epi8(dst, m, _mm512_cvtepi16_epi8(_mm512_packs_epi32(vlo, vhi)));
}

/* Output rows [begin, end); TAPS > 0 is a compile-time tap count (weights kept in registers),
 * TAPS == 0 the generic loop. */
static inline __attribute__((always_inline)) void dw_rows(const int TAPS, const tflrt_conv_params* p,
                                                          const uint8_t* base, const int8_t* input,
                                                          int8_t* output, int32_t begin, int32_t end) {
  const dw_pack* h = (const dw_pack*)(const void*)base;
  dw_ctx c;
  c.bias = (const int32_t*)(const void*)(base + h->bias_off);
  c.rq.mult = (const int32_t*)(const void*)(base + h->mult_off);
  c.rq.lshift = (const int32_t*)(const void*)(base + h->lshift_off);
  c.rq.rshift = (const int32_t*)(const void*)(base + h->rshift_off);
  c.rq.rmask = (const int32_t*)(const void*)(base + h->rmask_off);
  c.out_off = _mm512_set1_epi32(p->output_offset);
  c.qmin = _mm512_set1_epi32(p->q_min);
  c.qmax = _mm512_set1_epi32(p->q_max);
  const int16_t* weights = (const int16_t*)(const void*)(base + h->w_off);
  const int8_t* zrow = (const int8_t*)(base + h->zrow_off);
  const int32_t taps = TAPS ? TAPS : h->taps, pairs = (taps + 1) / 2;
  const size_t C = (size_t)h->c;
  const int32_t sw = p->stride_w, pw = p->pad_w;
  /* interior columns: every tap's ix = ox * sw - pw + dx inside [0, in_w) */
  const int32_t max_dx = (p->filter_w - 1) * p->dilation_w;
  int32_t ox_lo = (pw + sw - 1) / sw, ox_hi = 0;
  if (p->in_w - 1 - max_dx + pw >= 0) ox_hi = (p->in_w - 1 - max_dx + pw) / sw + 1;
  if (ox_hi > p->out_w) ox_hi = p->out_w;
  if (ox_lo > ox_hi) ox_lo = ox_hi;
  const int8_t* rowptr[MAX_TAPS]; /* per filter row: input row start, or NULL */
  int32_t tap_dx[MAX_TAPS];       /* per tap: fx * dilation_w */
  int32_t tap_fy[MAX_TAPS];
  for (int32_t t = 0; t < taps; t++) {
    tap_fy[t] = t / p->filter_w;
    tap_dx[t] = (t % p->filter_w) * p->dilation_w;
  }
  for (int32_t r = begin; r < end; r++) {
    const int32_t b = r / p->out_h, oy = r % p->out_h;
    const int32_t iy0 = oy * p->stride_h - p->pad_h;
    int rows_ok = 1;
    for (int32_t fy = 0; fy < p->filter_h; fy++) {
      const int32_t iy = iy0 + fy * p->dilation_h;
      rowptr[fy] = (iy < 0 || iy >= p->in_h)
                       ? NULL
                       : input + ((size_t)b * (size_t)p->in_h + (size_t)iy) * (size_t)p->in_w * C;
      if (rowptr[fy] == NULL) rows_ok = 0;
    }
    const int32_t lo_end = rows_ok ? ox_lo : p->out_w, hi_begin = rows_ok ? ox_hi : p->out_w;
    int8_t* out_row = output + (size_t)r * (size_t)p->out_w * C;
    for (int32_t blk = 0; blk < h->nblocks; blk++) {
      const int32_t c0 = blk * CB;
      const int32_t left = h->c - c0;
      const __mmask32 m = left >= CB ? (__mmask32)0xFFFFFFFFu : (__mmask32)((1u << left) - 1u);
      const int16_t* wb = weights + (size_t)blk * (size_t)pairs * 64;
      const __m512i blo = _mm512_loadu_si512(c.bias + c0), bhi = _mm512_loadu_si512(c.bias + c0 + 16);
      const qs8_rq16 qlo = qs8_rq16_load(&c.rq, c0), qhi = qs8_rq16_load(&c.rq, c0 + 16);
      __m512i wlo[(MAX_TAPS + 1) / 2], whi[(MAX_TAPS + 1) / 2];
      if (TAPS) {
#pragma GCC unroll 32
        for (int32_t i = 0; i < (TAPS + 1) / 2; i++) {
          wlo[i] = _mm512_loadu_si512(wb + i * 64);
          whi[i] = _mm512_loadu_si512(wb + i * 64 + 32);
        }
      }
      const int8_t* ptr[MAX_TAPS + 1];
      ptr[taps] = zrow + c0; /* an odd last tap pairs with zero weights */
      const int8_t* tb[MAX_TAPS];
      if (rows_ok)
        for (int32_t t = 0; t < taps; t++)
          tb[t] = rowptr[tap_fy[t]] + ((ptrdiff_t)tap_dx[t] - pw) * (ptrdiff_t)C + c0;
      for (int32_t ox = 0; ox < p->out_w; ox++) {
        if (ox >= lo_end && ox < hi_begin) { /* interior: no bounds checks */
          const ptrdiff_t off = (ptrdiff_t)ox * sw * (ptrdiff_t)C;
#pragma GCC unroll 32
          for (int32_t t = 0; t < taps; t++) ptr[t] = tb[t] + off;
        } else {
          const int32_t ix0 = ox * sw - pw;
          for (int32_t t = 0; t < taps; t++) {
            const int32_t ix = ix0 + tap_dx[t];
            const int8_t* row = rowptr[tap_fy[t]];
            ptr[t] = (row == NULL || ix < 0 || ix >= p->in_w) ? zrow + c0 : row + (size_t)ix * C + (size_t)c0;
          }
        }
        __m512i lo, hi;
        if (TAPS) {
          dw_pixel(TAPS, ptr, wlo, whi, blo, bhi, m, &lo, &hi);
        } else {
          lo = blo;
          hi = bhi;
          for (int32_t i = 0; i < pairs; i++) {
            const __m512i xa = load32(ptr[2 * i], m), xb = load32(ptr[2 * i + 1], m);
            lo = _mm512_add_epi32(lo, _mm512_madd_epi16(_mm512_unpacklo_epi16(xa, xb),
                                                        _mm512_loadu_si512(wb + i * 64)));
            hi = _mm512_add_epi32(hi, _mm512_madd_epi16(_mm512_unpackhi_epi16(xa, xb),
                                                        _mm512_loadu_si512(wb + i * 64 + 32)));
          }
        }
        dw_store(&c, &qlo, &qhi, lo, hi, out_row + (size_t)ox * C + (size_t)c0, m);
      }
    }
  }
}

void tflrt_qs8_dwconv2d_packed__avx512(const tflrt_conv_params* p, const int8_t* input,
                                       const void* packed, int8_t* output, int32_t begin,
                                       int32_t end) {
  const dw_pack* h = packed;
  if (h->taps == 9) dw_rows(9, p, packed, input, output, begin, end);
  else dw_rows(0, p, packed, input, output, begin, end);
}
