/* int8 CONV_2D over packed weights for AVX2 (one group; any filter size, stride, dilation and
 * padding): an im2col panel of 6 output pixels in int16 (row-major: filling it is a widening
 * copy, the tile broadcasts from 6 row streams) times a 16-channel weight panel, with
 * _mm256_madd_epi16 (tile 6x16c2: 6 pixels, 2 vectors of 8 channels, 2 products per lane).
 *
 * Exactness. The panel holds x + input_offset (in [-255, 255]) as int16, and 0 for taps
 * outside the input and for the padding of K' to a multiple of 2 (which also has zero
 * weights): the reference's sum over the taps it does not skip. Weights are int16 in
 * [-128, 127]; each madd lane adds two products of magnitude <= 255 * 128 exactly (no
 * saturation is possible). Sums wrap modulo 2^32 like the reference's final int32 wrap, and the
 * bias is added modulo 2^32 as well. Requantization: qs8_avx2.h (bit-exact double rounding).
 *
 * Packed layout (64-byte aligned): header | weights | bias | mult | lshift | rshift | rmask.
 * Weights: blocks of 16 channels (the last one 8 or 16 wide), each
 * [K'/2][vectors in the block][8 channels][2 x int16]. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../conv.h"
#include "qs8_avx2.h"

enum {
  MR = 6,          /* output pixels per tile */
  NRB = 16,        /* channels per weight block (2 vectors of 8) */
  KC = 2048,       /* int16 values of K' per panel chunk (multiple of 16) */
  PANEL = 32768,   /* int16 values of the panel buffer (64 KiB): a group of tiles */
  MAX_GROUP = 32,  /* at most this many pixel tiles per group */
  MAX_K = 1 << 24  /* larger K' stays on the reference kernel */
};

typedef struct {
  int32_t k, kp;       /* K' = filter_h * filter_w * in_c, and K' rounded up to 2 */
  int32_t out_c, out_c8;
  int32_t pointwise;   /* 1x1, stride 1, no padding: pixel p's row is input + p * in_c */
  int32_t input_offset;
  size_t w_off, bias_off, mult_off, lshift_off, rshift_off, rmask_off; /* from the pack start */
} conv_pack;

static size_t round64(size_t n) { return (n + 63) & ~(size_t)63; }

static int eligible(const tflrt_conv_params* p) {
  const int64_t k = (int64_t)p->filter_h * p->filter_w * p->filter_c;
  return p->filter_c == p->in_c && p->out_c_per_group == p->out_c && p->filter_offset == 0 &&
         k <= MAX_K && p->out_mult != NULL && p->out_shift != NULL;
}

static void layout(const tflrt_conv_params* p, conv_pack* h, size_t* total) {
  memset(h, 0, sizeof(*h));
  h->k = p->filter_h * p->filter_w * p->filter_c;
  h->kp = (h->k + 1) & ~1;
  h->out_c = p->out_c;
  h->out_c8 = (p->out_c + 7) & ~7;
  h->pointwise = p->filter_h == 1 && p->filter_w == 1 && p->stride_h == 1 && p->stride_w == 1 &&
                 p->pad_h == 0 && p->pad_w == 0 && p->in_h == p->out_h && p->in_w == p->out_w;
  h->input_offset = p->input_offset;
  const size_t n = (size_t)((h->out_c8 + NRB - 1) / NRB * NRB); /* arrays padded to a block */
  size_t off = round64(sizeof(conv_pack));
  h->w_off = off;
  off = round64(off + (size_t)h->out_c8 * (size_t)h->kp * sizeof(int16_t));
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
  *total = off;
}

size_t tflrt_qs8_conv2d_packed_size__avx2(const tflrt_conv_params* p) {
  if (!eligible(p)) return 0;
  conv_pack h;
  size_t total;
  layout(p, &h, &total);
  return total;
}

void tflrt_qs8_conv2d_pack__avx2(const tflrt_conv_params* p, const int8_t* filter,
                                 const int32_t* bias, void* packed) {
  conv_pack h;
  size_t total;
  layout(p, &h, &total);
  uint8_t* base = packed;
  memcpy(base, &h, sizeof(h));
  int16_t* w = (int16_t*)(void*)(base + h.w_off);
  int32_t* b = (int32_t*)(void*)(base + h.bias_off);
  int32_t* mult = (int32_t*)(void*)(base + h.mult_off);
  int32_t* ls = (int32_t*)(void*)(base + h.lshift_off);
  int32_t* rs = (int32_t*)(void*)(base + h.rshift_off);
  int32_t* rm = (int32_t*)(void*)(base + h.rmask_off);
  for (int32_t oc = 0; oc < p->out_c; oc++) {
    const int32_t j = oc / NRB, v = (oc % NRB) / 8, lane = oc % 8;
    const int32_t rem = h.out_c8 - j * NRB;
    const int32_t nv = rem >= NRB ? 2 : 1;
    int16_t* blk = w + (size_t)j * NRB * (size_t)h.kp;
    const int8_t* src = filter + (size_t)oc * (size_t)h.k;
    for (int32_t k = 0; k < h.k; k++)
      blk[(size_t)(k / 2) * (size_t)nv * 16 + (size_t)v * 16 + (size_t)lane * 2 + (size_t)(k % 2)] = src[k];
    b[oc] = bias ? bias[oc] : 0;
    const int32_t s = p->out_shift[oc];
    mult[oc] = p->out_mult[oc];
    ls[oc] = s > 0 ? s : 0;
    rs[oc] = s > 0 ? 0 : -s;
    rm[oc] = (int32_t)(((int64_t)1 << rs[oc]) - 1);
  }
}

/* ---- panel filling: pixels [q, q + mr) (rows beyond mr repeat the last pixel), values
 * [k0, k0 + kc) of their im2col rows, as [kc / 2][MR][2 x int16] ---- */

/* x + input_offset for n int8 values (n multiple of 16 handled vectorially). */
static inline void widen_row(const int8_t* s, int32_t n, int32_t off, int16_t* d) {
  const __m256i vo = _mm256_set1_epi16((int16_t)off);
  int32_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm256_storeu_si256((__m256i*)(void*)(d + i),
                        _mm256_add_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*)(const void*)(s + i))), vo));
  for (; i < n; i++) d[i] = (int16_t)(s[i] + off);
}

/* Output pixel coordinates, advanced one pixel at a time (no divisions per pixel). */
typedef struct {
  int32_t b, oy, ox;
} pix;

static inline void pix_init(const tflrt_conv_params* p, int64_t q, pix* x) {
  const int64_t hw = (int64_t)p->out_h * p->out_w;
  const int32_t rem = (int32_t)(q % hw);
  x->b = (int32_t)(q / hw);
  x->oy = rem / p->out_w;
  x->ox = rem % p->out_w;
}

static inline void pix_next(const tflrt_conv_params* p, pix* x) {
  if (++x->ox == p->out_w) {
    x->ox = 0;
    if (++x->oy == p->out_h) {
      x->oy = 0;
      x->b++;
    }
  }
}

/* im2col row values [k0, k0 + n) of output pixel (q, at) into dst. */
static void im2col_row(const tflrt_conv_params* p, const conv_pack* h, const int8_t* input,
                       int64_t q, const pix* at, int32_t k0, int32_t n, int16_t* dst) {
  const int32_t c = p->in_c;
  const int32_t kend = k0 + n < h->k ? k0 + n : h->k;
  int32_t k = k0;
  if (h->pointwise) {
    widen_row(input + (size_t)q * (size_t)c + (size_t)k0, kend - k0, h->input_offset, dst);
    k = kend;
  } else {
    const int32_t iy0 = at->oy * p->stride_h - p->pad_h, ix0 = at->ox * p->stride_w - p->pad_w;
    const int8_t* img = input + (size_t)at->b * (size_t)p->in_h * (size_t)p->in_w * (size_t)c;
    int32_t t = k0 / c, ic = k0 % c;
    int32_t fy = t / p->filter_w, fx = t % p->filter_w;
    while (k < kend) {
      const int32_t iy = iy0 + fy * p->dilation_h, ix = ix0 + fx * p->dilation_w;
      int32_t len = c - ic;
      if (len > kend - k) len = kend - k;
      int16_t* d = dst + (k - k0);
      int32_t adv = 1; /* taps consumed */
      if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
        memset(d, 0, (size_t)len * sizeof(int16_t));
      } else {
        if (ic == 0 && p->dilation_w == 1) { /* the row's next in-range taps are contiguous */
          adv = p->filter_w - fx;
          if (ix + adv > p->in_w) adv = p->in_w - ix;
          len = adv * c < kend - k ? adv * c : kend - k;
        }
        widen_row(img + ((size_t)iy * (size_t)p->in_w + (size_t)ix) * (size_t)c + (size_t)ic, len,
                  h->input_offset, d);
      }
      k += len;
      ic = 0;
      fx += adv;
      if (fx >= p->filter_w) {
        fx = 0;
        fy++;
      }
    }
  }
  for (; k < k0 + n; k++) dst[k - k0] = 0; /* K' padding */
}

/* Panel of the pixels [q, q + mr) starting at coordinates *at (advanced past them): MR rows
 * of kc values, row m at panel + m * kc; rows past mr repeat the last pixel. */
static void fill_panel(const tflrt_conv_params* p, const conv_pack* h, const int8_t* input,
                       int64_t q, pix* at, int32_t mr, int32_t k0, int32_t kc, int16_t* panel) {
  for (int32_t m = 0; m < MR; m++) {
    int16_t* row = panel + (size_t)m * (size_t)kc;
    if (m < mr) {
      im2col_row(p, h, input, q + m, at, k0, kc, row);
      pix_next(p, at);
    } else {
      memcpy(row, row - kc, (size_t)kc * sizeof(int16_t));
    }
  }
}

/* ---- the 6 x (8 * NV) c2 tile ---- */

typedef struct {
  const conv_pack* h;
  const int32_t* bias;
  qs8_rq_arrays8 rq;
  __m256i out_off, qmin, qmax;
} tile_ctx;

static inline __attribute__((always_inline)) void tile_c2(
    const int NV, const tile_ctx* t, const int16_t* panel, int32_t n2, const int16_t* w,
    int32_t c0, const int32_t* init, int32_t* tbuf, int8_t* out, size_t out_stride, int32_t mr) {
  __m256i acc[MR][2];
#pragma GCC unroll 6
  for (int m = 0; m < MR; m++) {
#pragma GCC unroll 2
    for (int v = 0; v < NV; v++)
      acc[m][v] = _mm256_loadu_si256((const __m256i*)(const void*)(init ? init + m * NRB + v * 8
                                                                        : t->bias + c0 + v * 8));
  }
  /* row m of the panel: n2 dwords (pairs of int16) at a + m * n2 */
  const int32_t* a = (const int32_t*)(const void*)panel;
  const size_t rs = (size_t)n2;
  for (int32_t i = 0; i < n2; i++) {
    __m256i wv[2];
#pragma GCC unroll 2
    for (int v = 0; v < NV; v++) wv[v] = _mm256_loadu_si256((const __m256i*)(const void*)(w + v * 16));
#pragma GCC unroll 6
    for (int m = 0; m < MR; m++) {
      const __m256i x = _mm256_set1_epi32(a[(size_t)m * rs]);
#pragma GCC unroll 2
      for (int v = 0; v < NV; v++) acc[m][v] = _mm256_add_epi32(acc[m][v], _mm256_madd_epi16(x, wv[v]));
    }
    a += 1;
    w += NV * 16;
  }
  if (tbuf) {
#pragma GCC unroll 6
    for (int m = 0; m < MR; m++) {
#pragma GCC unroll 2
      for (int v = 0; v < NV; v++) _mm256_storeu_si256((__m256i*)(void*)(tbuf + m * NRB + v * 8), acc[m][v]);
    }
    return;
  }
#pragma GCC unroll 2
  for (int v = 0; v < NV; v++) {
    const qs8_rq8 q = qs8_rq8_load(&t->rq, c0 + v * 8);
#pragma GCC unroll 6
    for (int m = 0; m < MR; m++) acc[m][v] = qs8_requant8(acc[m][v], &q, t->out_off, t->qmin, t->qmax);
  }
  const int32_t left = t->h->out_c - c0; /* valid channels in this block */
#pragma GCC unroll 6
  for (int m = 0; m < MR; m++) {
    if (m >= mr) break;
    int8_t* dst = out + (size_t)m * out_stride;
    const __m128i bytes = qs8_narrow16(acc[m][0], NV > 1 ? acc[m][1] : acc[m][0]);
    if (left >= 16) {
      _mm_storeu_si128((__m128i*)(void*)dst, bytes);
    } else if (left == 8) {
      _mm_storel_epi64((__m128i*)(void*)dst, bytes);
    } else {
      uint8_t tmp[16];
      _mm_storeu_si128((__m128i*)(void*)tmp, bytes);
      memcpy(dst, tmp, (size_t)left);
    }
  }
}

static void tile_dispatch(int nv, const tile_ctx* t, const int16_t* panel, int32_t n2,
                          const int16_t* w, int32_t c0, const int32_t* init, int32_t* tbuf,
                          int8_t* out, size_t out_stride, int32_t mr) {
  if (nv == 2) tile_c2(2, t, panel, n2, w, c0, init, tbuf, out, out_stride, mr);
  else tile_c2(1, t, panel, n2, w, c0, init, tbuf, out, out_stride, mr);
}

void tflrt_qs8_conv2d_packed__avx2(const tflrt_conv_params* p, const int8_t* input,
                                   const void* packed, int8_t* output, int32_t begin,
                                   int32_t end) {
  const uint8_t* base = packed;
  const conv_pack* h = packed;
  tile_ctx t;
  t.h = h;
  t.bias = (const int32_t*)(const void*)(base + h->bias_off);
  t.rq.mult = (const int32_t*)(const void*)(base + h->mult_off);
  t.rq.lshift = (const int32_t*)(const void*)(base + h->lshift_off);
  t.rq.rshift = (const int32_t*)(const void*)(base + h->rshift_off);
  t.rq.rmask = (const int32_t*)(const void*)(base + h->rmask_off);
  t.out_off = _mm256_set1_epi32(p->output_offset);
  t.qmin = _mm256_set1_epi32(p->q_min);
  t.qmax = _mm256_set1_epi32(p->q_max);
  const int16_t* weights = (const int16_t*)(const void*)(base + h->w_off);
  const int64_t q0 = (int64_t)begin * p->out_w, q1 = (int64_t)end * p->out_w;
  const int32_t nblocks = (h->out_c8 + NRB - 1) / NRB;
  const size_t out_c = (size_t)p->out_c;
  _Alignas(64) int16_t panel[PANEL];
  _Alignas(64) int32_t tbuf[MR * NRB];
  pix at;
  pix_init(p, q0, &at);
  if (h->kp <= KC) {
    /* groups of pixel tiles whose panels fit in PANEL: each weight block is then read once
     * per group instead of once per tile */
    int32_t group = PANEL / (MR * h->kp);
    if (group > MAX_GROUP) group = MAX_GROUP;
    const size_t tile_elems = (size_t)MR * (size_t)h->kp;
    for (int64_t q = q0; q < q1; q += (int64_t)group * MR) {
      const int64_t qn = q + (int64_t)group * MR < q1 ? q + (int64_t)group * MR : q1;
      const int32_t ng = (int32_t)((qn - q + MR - 1) / MR);
      for (int32_t g = 0; g < ng; g++) {
        const int64_t qt = q + (int64_t)g * MR;
        fill_panel(p, h, input, qt, &at, qn - qt < MR ? (int32_t)(qn - qt) : MR, 0, h->kp,
                   panel + (size_t)g * tile_elems);
      }
      for (int32_t j = 0; j < nblocks; j++) {
        const int nv = h->out_c8 - j * NRB >= NRB ? 2 : 1;
        const int16_t* wb = weights + (size_t)j * NRB * (size_t)h->kp;
        for (int32_t g = 0; g < ng; g++) {
          const int64_t qt = q + (int64_t)g * MR;
          tile_dispatch(nv, &t, panel + (size_t)g * tile_elems, h->kp / 2, wb, j * NRB, NULL, NULL,
                        output + (size_t)qt * out_c + (size_t)j * NRB, out_c,
                        qn - qt < MR ? (int32_t)(qn - qt) : MR);
        }
      }
    }
    return;
  }
  /* long K': chunks of KC values, partial sums kept in tbuf */
  for (int64_t q = q0; q < q1; q += MR) {
    const int32_t mr = q1 - q < MR ? (int32_t)(q1 - q) : MR;
    int8_t* out = output + (size_t)q * out_c;
    for (int32_t j = 0; j < nblocks; j++) {
      const int nv = h->out_c8 - j * NRB >= NRB ? 2 : 1;
      const int16_t* wb = weights + (size_t)j * NRB * (size_t)h->kp;
      for (int32_t k0 = 0; k0 < h->kp; k0 += KC) {
        const int32_t kc = h->kp - k0 < KC ? h->kp - k0 : KC;
        pix a = at;
        fill_panel(p, h, input, q, &a, mr, k0, kc, panel);
        const int last = k0 + kc >= h->kp;
        tile_dispatch(nv, &t, panel, kc / 2, wb + (size_t)(k0 / 2) * (size_t)nv * 16, j * NRB,
                      k0 == 0 ? NULL : tbuf, last ? NULL : tbuf, out + (size_t)j * NRB, out_c, mr);
      }
    }
    for (int32_t m = 0; m < mr; m++) pix_next(p, &at);
  }
}
