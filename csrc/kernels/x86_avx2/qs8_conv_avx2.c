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

#define Q_FN(name) tflrt_qs8_##name##__avx2
#define CONV_MR 6          /* output pixels per tile */
#define CONV_NRB 16        /* channels per weight block (2 vectors of 8) */
#define CONV_KG 2          /* int16 values per madd lane */
#define CONV_KC 2048       /* int16 values of K' per panel chunk (multiple of 16) */
#define CONV_PANEL 32768   /* int16 values of the panel buffer (64 KiB): a group of tiles */
#define CONV_PANEL_ROWS    /* row-major panel, filled by the template */
typedef int16_t conv_w;
typedef int16_t conv_px;
#define CONV_PAD(p) 0
#define CONV_BIAS_CORR(p) 0u

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

/* One row of the tile's output: 8 * NV int32 results in int8 range (r[0]: channels 0-7, r[1]:
 * 8-15), the first `left` stored as int8. */
static inline __attribute__((always_inline)) void conv_st_row(const int NV, int8_t* dst, const vi* r, int32_t left) {
  const __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(r[0], NV > 1 ? r[1] : r[0]), 0xD8); /* 16 x int16 */
  const __m128i bytes = _mm_packs_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
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

#include "../simd_tmpl/qs8_conv.c.inc"
