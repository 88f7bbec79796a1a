/* int8 CONV_2D over packed weights for AVX512-VNNI (one group; any filter size, stride,
 * dilation and padding): an im2col panel of 8 output pixels times a 48-channel weight panel,
 * accumulated with _mm512_dpbusd_epi32 (tile 8x48c4: 8 pixels, 3 vectors of 16 channels, 4
 * input bytes per dot).
 *
 * Exactness. dpbusd multiplies unsigned by signed bytes and adds groups of 4 products into
 * int32 lanes without saturation. The panel holds u = x + 128 (x ^ 0x80, in [0, 255]) for
 * every input byte x, and u = input_zero_point + 128 for taps outside the input, so
 *   S = sum_k w_k * u_k = sum_k w_k * (x_k + input_offset) + (128 - input_offset) * sum_k w_k
 * over all taps (a padded tap has x_k + input_offset = 0, which is what the reference's
 * skipped tap contributes). The reference accumulator is therefore
 *   acc = bias + S + (input_offset - 128) * wsum,  wsum = sum_k w_k,
 * and the pack stores bias + (input_offset - 128) * wsum once per channel. Every sum is taken
 * modulo 2^32 (two's complement wrapping, the vector adds and the uint32 arithmetic of the
 * pack), and the reference result is its int64 sum wrapped to int32, so they agree for any
 * data. Padding of K' to a multiple of 4 uses zero weights. Requantization: qs8_avx512.h.
 *
 * Packed layout (64-byte aligned): header | weights | bias' | mult | lshift | rshift | rmask.
 * Weights: channel blocks of 48 (the last one 16, 32 or 48 wide, rounded up to 16 with zero
 * weights), each [K'/4][vectors in the block][16 channels][4 bytes]. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../conv.h"
#include "qs8_avx512.h"

#ifdef TFLRT_QS8_EMULATE_VNNI
/* Tests only (tests/qs8_emu.py): CPU emulators without AVX512-VNNI run this file with dpbusd
 * replaced by its exact AVX-512BW equivalent: per int32 lane, src + sum of 4 u8 x s8 products,
 * formed as two madd_epi16 over the even and odd bytes (each pair sum < 2^17: exact). */
static inline __m512i qs8_emu_dpbusd(__m512i src, __m512i a, __m512i b) {
  const __m512i a_even = _mm512_and_si512(a, _mm512_set1_epi16(0x00FF));
  const __m512i a_odd = _mm512_srli_epi16(a, 8);
  const __m512i b_even = _mm512_srai_epi16(_mm512_slli_epi16(b, 8), 8);
  const __m512i b_odd = _mm512_srai_epi16(b, 8);
  return _mm512_add_epi32(src, _mm512_add_epi32(_mm512_madd_epi16(a_even, b_even),
                                                _mm512_madd_epi16(a_odd, b_odd)));
}
#define _mm512_dpbusd_epi32 qs8_emu_dpbusd
#endif

enum {
  MR = 8,           /* output pixels per tile */
  NRB = 48,         /* channels per weight block (3 vectors) */
  KC = 4096,        /* bytes of K' per panel chunk (multiple of 16) */
  PANEL = 65536,    /* bytes of the panel buffer: a group of tiles */
  MAX_GROUP = 32,   /* at most this many pixel tiles per group */
  MAX_K = 1 << 24   /* larger K' (not a real model) stays on the reference kernel */
};

typedef struct {
  int32_t k, kp;       /* K' = filter_h * filter_w * in_c, and K' rounded up to 4 */
  int32_t out_c, out_c16;
  int32_t pointwise;   /* 1x1, stride 1, no padding: pixel p's row is input + p * in_c */
  int32_t pad_u8;      /* input zero point + 128: the panel value of taps outside the input */
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
  h->kp = (h->k + 3) & ~3;
  h->out_c = p->out_c;
  h->out_c16 = (p->out_c + 15) & ~15;
  h->pointwise = p->filter_h == 1 && p->filter_w == 1 && p->stride_h == 1 && p->stride_w == 1 &&
                 p->pad_h == 0 && p->pad_w == 0 && p->in_h == p->out_h && p->in_w == p->out_w;
  h->pad_u8 = -p->input_offset + 128;
  const size_t n = (size_t)h->out_c16;
  size_t off = round64(sizeof(conv_pack));
  h->w_off = off;
  off = round64(off + n * (size_t)h->kp);
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

size_t tflrt_qs8_conv2d_packed_size__avx512vnni(const tflrt_conv_params* p) {
  if (!eligible(p)) return 0;
  conv_pack h;
  size_t total;
  layout(p, &h, &total);
  return total;
}

void tflrt_qs8_conv2d_pack__avx512vnni(const tflrt_conv_params* p, const int8_t* filter,
                                       const int32_t* bias, void* packed) {
  conv_pack h;
  size_t total;
  layout(p, &h, &total);
  uint8_t* base = packed;
  memcpy(base, &h, sizeof(h));
  int8_t* w = (int8_t*)(base + h.w_off);
  int32_t* b = (int32_t*)(void*)(base + h.bias_off);
  int32_t* mult = (int32_t*)(void*)(base + h.mult_off);
  int32_t* ls = (int32_t*)(void*)(base + h.lshift_off);
  int32_t* rs = (int32_t*)(void*)(base + h.rshift_off);
  int32_t* rm = (int32_t*)(void*)(base + h.rmask_off);
  const uint32_t corr = (uint32_t)(p->input_offset - 128);
  for (int32_t oc = 0; oc < p->out_c; oc++) {
    const int32_t j = oc / NRB, v = (oc % NRB) / 16, lane = oc % 16;
    const int32_t rem = h.out_c16 - j * NRB;
    const int32_t nv = rem >= NRB ? 3 : rem / 16;
    int8_t* blk = w + (size_t)j * NRB * (size_t)h.kp;
    const int8_t* src = filter + (size_t)oc * (size_t)h.k;
    uint32_t wsum = 0;
    for (int32_t k = 0; k < h.k; k++) {
      blk[(size_t)(k / 4) * (size_t)nv * 64 + (size_t)v * 64 + (size_t)lane * 4 + (size_t)(k % 4)] = src[k];
      wsum += (uint32_t)(int32_t)src[k];
    }
    const uint32_t bias_v = bias ? (uint32_t)bias[oc] : 0u;
    b[oc] = (int32_t)(bias_v + corr * wsum);
    const int32_t s = p->out_shift[oc];
    mult[oc] = p->out_mult[oc];
    ls[oc] = s > 0 ? s : 0;
    rs[oc] = s > 0 ? 0 : -s;
    rm[oc] = (int32_t)(((int64_t)1 << rs[oc]) - 1);
  }
}

/* ---- panel filling: pixels [q, q + mr) (rows beyond mr repeat the last pixel), bytes
 * [k0, k0 + kc) of their im2col rows, as [kc / 4][MR][4] with x ^ 0x80 ---- */

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

/* x ^ 0x80 for n bytes: the u8 domain of the panel. */
static inline void flip_copy(const int8_t* s, int32_t n, uint8_t* d) {
  int32_t i = 0;
  for (; i + 32 <= n; i += 32)
    _mm256_storeu_si256((__m256i*)(void*)(d + i),
                        _mm256_xor_si256(_mm256_loadu_si256((const __m256i*)(const void*)(s + i)),
                                         _mm256_set1_epi8((char)0x80)));
  for (; i < n; i++) d[i] = (uint8_t)(s[i] ^ 0x80);
}

/* im2col row bytes [k0, k0 + n) of the output pixel at `at` into dst (u8 domain). */
static void im2col_row(const tflrt_conv_params* p, const conv_pack* h, const int8_t* input,
                       const pix* at, int32_t k0, int32_t n, uint8_t* dst) {
  const int32_t c = p->in_c;
  const int32_t iy0 = at->oy * p->stride_h - p->pad_h, ix0 = at->ox * p->stride_w - p->pad_w;
  const int8_t* img = input + (size_t)at->b * (size_t)p->in_h * (size_t)p->in_w * (size_t)c;
  const int32_t kend = k0 + n < h->k ? k0 + n : h->k;
  int32_t k = k0, t = k0 / c, ic = k0 % c;
  int32_t fy = t / p->filter_w, fx = t % p->filter_w;
  while (k < kend) {
    const int32_t iy = iy0 + fy * p->dilation_h, ix = ix0 + fx * p->dilation_w;
    int32_t len = c - ic;
    if (len > kend - k) len = kend - k;
    uint8_t* d = dst + (k - k0);
    int32_t adv = 1; /* taps consumed */
    if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
      memset(d, h->pad_u8, (size_t)len);
    } else {
      if (ic == 0 && p->dilation_w == 1) { /* the row's next in-range taps are contiguous */
        adv = p->filter_w - fx;
        if (ix + adv > p->in_w) adv = p->in_w - ix;
        len = adv * c < kend - k ? adv * c : kend - k;
      }
      flip_copy(img + ((size_t)iy * (size_t)p->in_w + (size_t)ix) * (size_t)c + (size_t)ic, len, d);
    }
    k += len;
    ic = 0;
    fx += adv;
    if (fx >= p->filter_w) {
      fx = 0;
      fy++;
    }
  }
  for (; k < k0 + n; k++) dst[k - k0] = (uint8_t)h->pad_u8; /* K' padding (zero weights) */
}

/* Panel of the pixels [q, q + mr) starting at *at (advanced past them). */
static void fill_panel_general(const tflrt_conv_params* p, const conv_pack* h, const int8_t* input,
                               pix* at, int32_t mr, int32_t k0, int32_t kc, uint8_t* panel) {
  uint8_t row[KC];
  for (int32_t m = 0; m < MR; m++) {
    if (m < mr) { /* else: keep the last valid row */
      im2col_row(p, h, input, at, k0, kc, row);
      pix_next(p, at);
    }
    uint8_t* d = panel + (size_t)m * 4;
    for (int32_t i = 0; i < kc / 4; i++) memcpy(d + (size_t)i * MR * 4, row + (size_t)i * 4, 4);
  }
}

/* 1x1 stride 1: 8 input rows, 16 bytes each, transposed at dword granularity. */
static void fill_panel_pointwise(const conv_pack* h, const int8_t* input, int64_t q, int32_t mr,
                                 int32_t k0, int32_t kc, uint8_t* panel) {
  const int8_t* src[MR];
  const size_t c = (size_t)h->k;
  for (int32_t m = 0; m < MR; m++) src[m] = input + (size_t)(q + (m < mr ? m : mr - 1)) * c;
  const int32_t kreal = h->k - k0 < kc ? h->k - k0 : kc;
  const __m256i flip = _mm256_set1_epi8((char)0x80);
  int32_t k = 0;
  for (; k + 16 <= kreal; k += 16) {
#define LD(m) _mm_loadu_si128((const __m128i*)(const void*)(src[m] + k0 + k))
    const __m256i r0 = _mm256_inserti128_si256(_mm256_castsi128_si256(LD(0)), LD(4), 1);
    const __m256i r1 = _mm256_inserti128_si256(_mm256_castsi128_si256(LD(1)), LD(5), 1);
    const __m256i r2 = _mm256_inserti128_si256(_mm256_castsi128_si256(LD(2)), LD(6), 1);
    const __m256i r3 = _mm256_inserti128_si256(_mm256_castsi128_si256(LD(3)), LD(7), 1);
#undef LD
    const __m256i t0 = _mm256_unpacklo_epi32(r0, r1), t1 = _mm256_unpacklo_epi32(r2, r3);
    const __m256i t2 = _mm256_unpackhi_epi32(r0, r1), t3 = _mm256_unpackhi_epi32(r2, r3);
    __m256i* d = (__m256i*)(void*)(panel + (size_t)(k / 4) * MR * 4);
    _mm256_storeu_si256(d + 0, _mm256_xor_si256(_mm256_unpacklo_epi64(t0, t1), flip));
    _mm256_storeu_si256(d + 1, _mm256_xor_si256(_mm256_unpackhi_epi64(t0, t1), flip));
    _mm256_storeu_si256(d + 2, _mm256_xor_si256(_mm256_unpacklo_epi64(t2, t3), flip));
    _mm256_storeu_si256(d + 3, _mm256_xor_si256(_mm256_unpackhi_epi64(t2, t3), flip));
  }
  for (; k < kc; k += 4) { /* the last < 16 bytes, and the K' padding */
    for (int32_t m = 0; m < MR; m++) {
      uint8_t* d = panel + (size_t)(k / 4) * MR * 4 + (size_t)m * 4;
      for (int32_t i = 0; i < 4; i++)
        d[i] = k + i < kreal ? (uint8_t)(src[m][k0 + k + i] ^ 0x80) : (uint8_t)h->pad_u8;
    }
  }
}

/* ---- the 8 x (16 * NV) c4 tile ---- */

typedef struct {
  const conv_pack* h;
  const int32_t* bias; /* corrected bias, out_c16 entries */
  qs8_rq_arrays rq;
  __m512i out_off, qmin, qmax;
} tile_ctx;

/* Accumulates the panel (n4 groups of 4 bytes) against a weight block with NV vectors.
 * init: NULL to start from the bias, else a [MR][NRB] int32 buffer of partial sums.
 * tbuf: non-NULL to store partial sums there instead of requantizing. */
static inline __attribute__((always_inline)) void tile_c4(
    const int NV, const tile_ctx* t, const uint8_t* panel, int32_t n4, const int8_t* w,
    int32_t c0, const int32_t* init, int32_t* tbuf, int8_t* out, size_t out_stride, int32_t mr) {
  __m512i acc[MR][3];
#pragma GCC unroll 8
  for (int m = 0; m < MR; m++) {
#pragma GCC unroll 3
    for (int v = 0; v < NV; v++)
      acc[m][v] = init ? _mm512_loadu_si512(init + m * NRB + v * 16)
                       : _mm512_loadu_si512(t->bias + c0 + v * 16);
  }
  const int32_t* a = (const int32_t*)(const void*)panel;
  for (int32_t i = 0; i < n4; i++) {
    __m512i wv[3];
#pragma GCC unroll 3
    for (int v = 0; v < NV; v++) wv[v] = _mm512_loadu_si512(w + v * 64);
#pragma GCC unroll 8
    for (int m = 0; m < MR; m++) {
      const __m512i x = _mm512_set1_epi32(a[m]);
#pragma GCC unroll 3
      for (int v = 0; v < NV; v++) acc[m][v] = _mm512_dpbusd_epi32(acc[m][v], x, wv[v]);
    }
    a += MR;
    w += NV * 64;
  }
  if (tbuf) {
#pragma GCC unroll 8
    for (int m = 0; m < MR; m++) {
#pragma GCC unroll 3
      for (int v = 0; v < NV; v++) _mm512_storeu_si512(tbuf + m * NRB + v * 16, acc[m][v]);
    }
    return;
  }
#pragma GCC unroll 3
  for (int v = 0; v < NV; v++) {
    const qs8_rq16 q = qs8_rq16_load(&t->rq, c0 + v * 16);
    const int32_t left = t->h->out_c - (c0 + v * 16);
    const __mmask16 keep = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1u);
#pragma GCC unroll 8
    for (int m = 0; m < MR; m++) {
      if (m < mr)
        _mm_mask_storeu_epi8(out + (size_t)m * out_stride + v * 16, keep,
                             qs8_requant16(acc[m][v], &q, t->out_off, t->qmin, t->qmax));
    }
  }
}

static void tile_dispatch(int nv, const tile_ctx* t, const uint8_t* panel, int32_t n4,
                          const int8_t* w, int32_t c0, const int32_t* init, int32_t* tbuf,
                          int8_t* out, size_t out_stride, int32_t mr) {
  switch (nv) {
    case 1: tile_c4(1, t, panel, n4, w, c0, init, tbuf, out, out_stride, mr); break;
    case 2: tile_c4(2, t, panel, n4, w, c0, init, tbuf, out, out_stride, mr); break;
    default: tile_c4(3, t, panel, n4, w, c0, init, tbuf, out, out_stride, mr); break;
  }
}

void tflrt_qs8_conv2d_packed__avx512vnni(const tflrt_conv_params* p, const int8_t* input,
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
  t.out_off = _mm512_set1_epi32(p->output_offset);
  t.qmin = _mm512_set1_epi32(p->q_min);
  t.qmax = _mm512_set1_epi32(p->q_max);
  const int8_t* weights = (const int8_t*)(base + h->w_off);
  const int64_t q0 = (int64_t)begin * p->out_w, q1 = (int64_t)end * p->out_w;
  const int32_t nblocks = (h->out_c16 + NRB - 1) / NRB;
  const size_t out_c = (size_t)p->out_c;
  _Alignas(64) uint8_t panel[PANEL];
  _Alignas(64) int32_t tbuf[MR * NRB];
  pix at;
  pix_init(p, q0, &at);
  if (h->kp <= KC) {
    /* groups of pixel tiles whose panels fit in PANEL: each weight block is then read once
     * per group instead of once per tile */
    int32_t group = PANEL / (MR * h->kp);
    if (group > MAX_GROUP) group = MAX_GROUP;
    const size_t tile_bytes = (size_t)MR * (size_t)h->kp;
    for (int64_t q = q0; q < q1; q += (int64_t)group * MR) {
      const int64_t qn = q + (int64_t)group * MR < q1 ? q + (int64_t)group * MR : q1;
      const int32_t ng = (int32_t)((qn - q + MR - 1) / MR);
      for (int32_t g = 0; g < ng; g++) {
        const int64_t qt = q + (int64_t)g * MR;
        const int32_t mr = qn - qt < MR ? (int32_t)(qn - qt) : MR;
        if (h->pointwise) {
          fill_panel_pointwise(h, input, qt, mr, 0, h->kp, panel + (size_t)g * tile_bytes);
        } else {
          fill_panel_general(p, h, input, &at, mr, 0, h->kp, panel + (size_t)g * tile_bytes);
        }
      }
      for (int32_t j = 0; j < nblocks; j++) {
        const int32_t rem = h->out_c16 - j * NRB;
        const int nv = rem >= NRB ? 3 : rem / 16;
        const int8_t* wb = weights + (size_t)j * NRB * (size_t)h->kp;
        for (int32_t g = 0; g < ng; g++) {
          const int64_t qt = q + (int64_t)g * MR;
          tile_dispatch(nv, &t, panel + (size_t)g * tile_bytes, h->kp / 4, wb, j * NRB, NULL, NULL,
                        output + (size_t)qt * out_c + (size_t)j * NRB, out_c,
                        qn - qt < MR ? (int32_t)(qn - qt) : MR);
        }
      }
    }
    return;
  }
  /* long K': chunks of KC bytes, partial sums kept in tbuf */
  for (int64_t q = q0; q < q1; q += MR) {
    const int32_t mr = q1 - q < MR ? (int32_t)(q1 - q) : MR;
    int8_t* out = output + (size_t)q * out_c;
    for (int32_t j = 0; j < nblocks; j++) {
      const int32_t rem = h->out_c16 - j * NRB;
      const int nv = rem >= NRB ? 3 : rem / 16;
      const int8_t* wb = weights + (size_t)j * NRB * (size_t)h->kp;
      for (int32_t k0 = 0; k0 < h->kp; k0 += KC) {
        const int32_t kc = h->kp - k0 < KC ? h->kp - k0 : KC;
        pix a = at;
        if (h->pointwise) fill_panel_pointwise(h, input, q, mr, k0, kc, panel);
        else fill_panel_general(p, h, input, &a, mr, k0, kc, panel);
        const int last = k0 + kc >= h->kp;
        tile_dispatch(nv, &t, panel, kc / 4, wb + (size_t)(k0 / 4) * (size_t)nv * 64, j * NRB,
                      k0 == 0 ? NULL : tbuf, last ? NULL : tbuf, out + (size_t)j * NRB, out_c, mr);
      }
    }
    for (int32_t m = 0; m < mr; m++) pix_next(p, &at);
  }
}
