/* int8 DEPTHWISE_CONV_2D over packed weights for AVX2 (depth multiplier 1; any filter size up
 * to MAX_TAPS taps, stride, dilation and padding): 16 channels per vector step, two taps per
 * _mm256_madd_epi16, 3x3 filters specialized.
 *
 * Exactness. Inputs x and weights w are sign-extended to int16 and _mm256_madd_epi16 forms
 * x_t * w_t + x_u * w_u exactly (|products| <= 2^14; no saturation is possible). Taps outside
 * the input read a row holding the input zero point, so the sum over all taps is
 *   S = sum_t w_t * (x_t + input_offset) - input_offset * wsum,
 * and the pack stores bias + input_offset * wsum per channel. All sums wrap modulo 2^32 like
 * the reference's final int32 wrap. Requantization: qs8_avx2.h (bit-exact double rounding).
 *
 * Lane order: unpacklo/hi_epi16 work inside 128-bit lanes, so the "lo" accumulator's int32
 * lane 4L + r holds channel 8L + r and the "hi" one channel 8L + 4 + r (L = 0, 1); the pack
 * stores weights and per-channel parameters in that order, and packs_epi32(lo, hi) restores the
 * natural order.
 *
 * Packed layout (64-byte aligned): header | weights | per-channel arrays | zero-point row.
 * Weights: per block of 16 channels, per tap pair: 16 int16 "lo" then 16 int16 "hi". */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../conv.h"
#include "qs8_avx2.h"

enum { CB = 16, MAX_TAPS = 64 };

typedef struct {
  int32_t taps, pairs, c, c16, nblocks;
  size_t w_off, bias_off, mult_off, lshift_off, rshift_off, rmask_off, zrow_off;
} dw_pack;

static size_t round64(size_t n) { return (n + 63) & ~(size_t)63; }

static void layout(const tflrt_conv_params* p, dw_pack* h, size_t* total) {
  memset(h, 0, sizeof(*h));
  h->taps = p->filter_h * p->filter_w;
  h->pairs = (h->taps + 1) / 2;
  h->c = p->out_c;
  h->c16 = (p->out_c + CB - 1) / CB * CB;
  h->nblocks = h->c16 / CB;
  const size_t n = (size_t)h->c16;
  size_t off = round64(sizeof(dw_pack));
  h->w_off = off;
  off = round64(off + (size_t)h->nblocks * (size_t)h->pairs * 32 * sizeof(int16_t));
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

size_t tflrt_qs8_dwconv2d_packed_size__avx2(const tflrt_conv_params* p) {
  if (p->depth_multiplier != 1 || p->in_c != p->out_c || p->filter_offset != 0 ||
      (int64_t)p->filter_h * p->filter_w > MAX_TAPS || p->out_mult == NULL || p->out_shift == NULL)
    return 0;
  dw_pack h;
  size_t total;
  layout(p, &h, &total);
  return total;
}

void tflrt_qs8_dwconv2d_pack__avx2(const tflrt_conv_params* p, const int8_t* filter,
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
  memset(base + h.zrow_off, (uint8_t)(int8_t)(-p->input_offset), (size_t)h.c16);
  for (int32_t oc = 0; oc < h.c; oc++) {
    const int32_t blk = oc / CB, cc = oc % CB;
    const int32_t vec = (cc % 8) / 4, lane = 4 * (cc / 8) + cc % 4;
    uint32_t wsum = 0;
    for (int32_t t = 0; t < h.taps; t++) {
      const int8_t wt = filter[(size_t)t * (size_t)h.c + (size_t)oc]; /* [1, fh, fw, c] */
      wsum += (uint32_t)(int32_t)wt;
      w[(((size_t)blk * (size_t)h.pairs + (size_t)(t / 2)) * 2 + (size_t)vec) * 16 + (size_t)lane * 2 +
        (size_t)(t % 2)] = wt;
    }
    const size_t slot = (size_t)blk * CB + (size_t)vec * 8 + (size_t)lane;
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
  qs8_rq_arrays8 rq;
  __m256i out_off, qmin, qmax;
} dw_ctx;

/* 16 channels at ptr sign-extended to int16; a partial block (left < 16) is read through a
 * zeroed copy so that nothing past the row is touched. */
static inline __m256i load16(const int8_t* ptr, int32_t left) {
  if (left >= 16) return _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*)(const void*)ptr));
  int8_t tmp[16] = {0};
  memcpy(tmp, ptr, (size_t)left);
  return _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*)(const void*)tmp));
}

static inline __attribute__((always_inline)) void dw_store(const dw_ctx* c, const qs8_rq8* qlo,
                                                            const qs8_rq8* qhi, __m256i lo, __m256i hi,
                                                            int8_t* dst, int32_t left) {
  const __m256i vlo = qs8_requant8(lo, qlo, c->out_off, c->qmin, c->qmax);
  const __m256i vhi = qs8_requant8(hi, qhi, c->out_off, c->qmin, c->qmax);
  const __m256i w = _mm256_packs_epi32(vlo, vhi); /* natural channel order, int16 */
  const __m128i bytes = _mm_packs_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
  if (left >= 16) {
    _mm_storeu_si128((__m128i*)(void*)dst, bytes);
  } else {
    int8_t tmp[16];
    _mm_storeu_si128((__m128i*)(void*)tmp, bytes);
    memcpy(dst, tmp, (size_t)left);
  }
}

/* One pixel of one 16-channel block: ptr[0..taps] (ptr[taps] = zero row for an odd last tap).
 * FULL: a whole block (plain loads); else `left` < 16 channels. */
static inline __attribute__((always_inline)) void dw_pixel(const int TAPS, const int FULL, int32_t taps,
                                                           const int8_t* const* ptr, const int16_t* wb,
                                                           __m256i blo, __m256i bhi, int32_t left,
                                                           __m256i* lo_out, __m256i* hi_out) {
  const int32_t pairs = TAPS ? (TAPS + 1) / 2 : (taps + 1) / 2;
  __m256i lo = blo, hi = bhi;
#pragma GCC unroll 16
  for (int32_t i = 0; i < pairs; i++) {
    const __m256i xa = load16(ptr[2 * i], FULL ? 16 : left), xb = load16(ptr[2 * i + 1], FULL ? 16 : left);
    lo = _mm256_add_epi32(lo, _mm256_madd_epi16(_mm256_unpacklo_epi16(xa, xb),
                                                _mm256_loadu_si256((const __m256i*)(const void*)(wb + i * 32))));
    hi = _mm256_add_epi32(hi, _mm256_madd_epi16(_mm256_unpackhi_epi16(xa, xb),
                                                _mm256_loadu_si256((const __m256i*)(const void*)(wb + i * 32 + 16))));
  }
  *lo_out = lo;
  *hi_out = hi;
}

/* Output rows [begin, end); TAPS > 0 is a compile-time tap count, 0 the generic loop. */
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
  c.out_off = _mm256_set1_epi32(p->output_offset);
  c.qmin = _mm256_set1_epi32(p->q_min);
  c.qmax = _mm256_set1_epi32(p->q_max);
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
  const int8_t* rowptr[MAX_TAPS];
  int32_t tap_dx[MAX_TAPS], tap_fy[MAX_TAPS];
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
      const int32_t c0 = blk * CB, left = h->c - c0;
      const int16_t* wb = weights + (size_t)blk * (size_t)pairs * 32;
      const __m256i blo = _mm256_loadu_si256((const __m256i*)(const void*)(c.bias + c0));
      const __m256i bhi = _mm256_loadu_si256((const __m256i*)(const void*)(c.bias + c0 + 8));
      const qs8_rq8 qlo = qs8_rq8_load(&c.rq, c0), qhi = qs8_rq8_load(&c.rq, c0 + 8);
      const int8_t* ptr[MAX_TAPS + 1];
      ptr[taps] = zrow + c0; /* an odd last tap pairs with zero weights */
      __m256i lo, hi;
      if (left >= CB && rows_ok) { /* interior columns of a full block: no bounds checks */
        const int8_t* tb[MAX_TAPS];
        for (int32_t t = 0; t < taps; t++)
          tb[t] = rowptr[tap_fy[t]] + ((ptrdiff_t)tap_dx[t] - pw) * (ptrdiff_t)C + c0;
        for (int32_t ox = lo_end; ox < hi_begin; ox++) {
          const ptrdiff_t off = (ptrdiff_t)ox * sw * (ptrdiff_t)C;
#pragma GCC unroll 16
          for (int32_t t = 0; t < taps; t++) ptr[t] = tb[t] + off;
          dw_pixel(TAPS, 1, taps, ptr, wb, blo, bhi, 16, &lo, &hi);
          dw_store(&c, &qlo, &qhi, lo, hi, out_row + (size_t)ox * C + (size_t)c0, 16);
        }
      }
      for (int32_t ox = 0; ox < p->out_w; ox++) {
        if (left >= CB && rows_ok && ox >= lo_end && ox < hi_begin) {
          ox = hi_begin - 1; /* done above */
          continue;
        }
        const int32_t ix0 = ox * sw - pw;
        for (int32_t t = 0; t < taps; t++) {
          const int32_t ix = ix0 + tap_dx[t];
          const int8_t* row = rowptr[tap_fy[t]];
          ptr[t] = (row == NULL || ix < 0 || ix >= p->in_w) ? zrow + c0 : row + (size_t)ix * C + (size_t)c0;
        }
        if (left >= CB) dw_pixel(TAPS, 1, taps, ptr, wb, blo, bhi, 16, &lo, &hi);
        else dw_pixel(0, 0, taps, ptr, wb, blo, bhi, left, &lo, &hi);
        dw_store(&c, &qlo, &qhi, lo, hi, out_row + (size_t)ox * C + (size_t)c0, left);
      }
    }
  }
}

void tflrt_qs8_dwconv2d_packed__avx2(const tflrt_conv_params* p, const int8_t* input,
                                     const void* packed, int8_t* output, int32_t begin,
                                     int32_t end) {
  const dw_pack* h = packed;
  if (h->taps == 9) dw_rows(9, p, packed, input, output, begin, end);
  else dw_rows(0, p, packed, input, output, begin, end);
}
