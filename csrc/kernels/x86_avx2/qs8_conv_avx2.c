/* int8 CONV_2D over packed weights for AVX2 (template ../simd_tmpl/qs8_conv.c.inc: layout,
 * pack, im2col rows, driver): an im2col panel of 6 output pixels in int16 (row-major: filling it
 * is a widening copy, the tile broadcasts from 6 row streams) times a 16-channel weight block,
 * with _mm256_madd_epi16 (tile 6x16c2: 6 pixels, 2 vectors of 8 channels, 2 products per lane).
 *
 * Exactness. The panel holds x + input_offset (in [-255, 255]) as int16, and 0 for taps
 * outside the input and for the padding of K' to a multiple of 2 (which also has zero
 * weights): the reference's sum over the taps it does not skip. Weights are int16 in
 * [-128, 127]; each madd lane adds two products of magnitude <= 255 * 128 exactly (no
 * saturation is possible). Sums wrap modulo 2^32 like the reference's final int32 wrap, and the
 * bias is added modulo 2^32 as well (no correction). Requantization: ../simd_tmpl/qs8_requant.h.
 *
 * Weights: blocks of 16 channels (the last one 8 or 16 wide), each
 * [K'/2][vectors in the block][8 channels][2 x int16]. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../conv.h"
#include "../simd_tmpl/qs8_slots.h"
#include "simd_avx2.h"
#include "../simd_tmpl/qs8_requant.h"

TFLRT_QS8_DECLARE_PACKED(conv2d, avx2)

#define QS8C_FN ISA_FN
#define CONV_MR 6          /* output pixels per tile */
#define CONV_NRB 16        /* channels per weight block (2 vectors of 8) */
#define CONV_KG 2          /* int16 values per madd lane */
#define CONV_KC 2048       /* int16 values of K' per panel chunk (multiple of 16) */
#define CONV_PANEL 32768   /* int16 values of the panel buffer (64 KiB): a group of tiles */
typedef int16_t conv_w;
typedef int16_t conv_px;
#define CONV_PAD(p) 0
#define CONV_BIAS_CORR(p) 0u
/* the panel is row-major: pixel m's dword i at m * ngroups + i */
#define CONV_A_MS(ngroups) ((size_t)(ngroups))
#define CONV_A_KS 1

/* acc + x * w: 8 lanes of 2 int16 products each */
static inline vi conv_dot(vi acc, vi x, vi w) { return _mm256_add_epi32(acc, _mm256_madd_epi16(x, w)); }

/* x + input_offset for n int8 values (n multiple of 16 handled vectorially). */
static inline void conv_copy(const int8_t* s, int32_t n, int32_t off, int16_t* d) {
  const __m256i vo = _mm256_set1_epi16((int16_t)off);
  int32_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm256_storeu_si256((__m256i*)(void*)(d + i),
                        _mm256_add_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*)(const void*)(s + i))), vo));
  for (; i < n; i++) d[i] = (int16_t)(s[i] + off);
}

#include "../simd_tmpl/qs8_conv.c.inc"

/* MR rows of kc values, row m at panel + m * kc. */
static void conv_fill_panel(const tflrt_conv_params* p, const conv_pack* h, const int8_t* input,
                            int64_t q, pix* at, int32_t mr, int32_t k0, int32_t kc, int16_t* panel) {
  for (int32_t m = 0; m < CONV_MR; m++) {
    int16_t* row = panel + (size_t)m * (size_t)kc;
    if (m < mr) {
      im2col_row(p, h, input, q + m, at, k0, kc, row);
      pix_next(p, at);
    } else {
      memcpy(row, row - kc, (size_t)kc * sizeof(int16_t));
    }
  }
}

/* 16 int32 values already in int8 range (a: channels 0-7, b: 8-15) -> 16 int8 in order. */
static inline __m128i narrow16(__m256i a, __m256i b) {
  const __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0xD8); /* 16 x int16 */
  return _mm_packs_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
}

/* ---- the tile's output: 6 rows of 8 * NV channels ---- */

static inline __attribute__((always_inline)) void conv_tile_out(const int NV, const tile_ctx* t,
                                                                vi acc[][CONV_NRB / VN], int32_t c0,
                                                                int8_t* out, size_t out_stride, int32_t mr) {
#pragma GCC unroll 2
  for (int v = 0; v < NV; v++) {
    const qs8_rq q = qs8_rq_load(&t->ch, c0 + v * 8);
#pragma GCC unroll 6
    for (int m = 0; m < CONV_MR; m++) acc[m][v] = qs8_requant(acc[m][v], &q, t->o);
  }
  const int32_t left = t->h->out_c - c0; /* valid channels in this block */
#pragma GCC unroll 6
  for (int m = 0; m < CONV_MR; m++) {
    if (m >= mr) break;
    int8_t* dst = out + (size_t)m * out_stride;
    const __m128i bytes = narrow16(acc[m][0], NV > 1 ? acc[m][1] : acc[m][0]);
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
