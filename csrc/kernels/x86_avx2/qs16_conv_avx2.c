/* int16x8 CONV_2D (int16 activations, int8 weights, int64 bias) over packed weights for AVX2
 * (template ../simd_tmpl/qs8_conv.c.inc: layout, pack, im2col rows, tile, driver): a row-major
 * im2col panel of 6 output pixels in int16 (the input values themselves) times a 16-channel
 * weight block, with _mm256_madd_epi16 (tile 6x16c2: 6 pixels, 2 vectors of 8 channels, 2
 * products per lane), int32 lanes widened to int64 every CONV_KBLK steps.
 *
 * Exactness. Zero points are 0 (the pack refuses others): the panel holds the input x, and 0
 * for taps outside the input and for the padding of K' to a multiple of 2 (which also has
 * zero weights): the reference's sum over the taps it does not skip. Weights are int16 in
 * [-128, 127]; each madd lane adds two products of magnitude <= 2^15 * 2^7 = 2^22 exactly (no
 * saturation: that needs -32768 * -32768 twice). So one dot step moves an int32 lane by at
 * most 2^23, and CONV_KBLK = 240 steps by at most 240 * 2^23 < 2^31: the int32 block sums are
 * exact, and so are their int64 totals. Requantization: ../simd_tmpl/qs16_requant.h.
 *
 * Weights: blocks of 16 channels (the last one 8 or 16 wide), each
 * [K'/2][vectors in the block][8 channels][2 x int16]. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../conv.h"
#include "../simd_tmpl/qs8_slots.h"
#include "simd_avx2.h"
#include "../simd_tmpl/qs16_requant.h"

TFLRT_QS16_DECLARE_PACKED(conv2d, avx2)

#define Q_FN(name) tflrt_qs16_##name##__avx2
#define CONV_MR 6          /* output pixels per tile */
#define CONV_NRB 16        /* channels per weight block (2 vectors of 8) */
#define CONV_KG 2          /* int16 values per madd lane */
#define CONV_KC 2048       /* int16 values of K' per panel chunk (multiple of 16) */
#define CONV_PANEL 32768   /* int16 values of the panel buffer (64 KiB): a group of tiles */
#define CONV_KBLK 240      /* madd steps per int32 block (see above) */
#define CONV_PANEL_ROWS    /* row-major panel, filled by the template */
typedef int16_t conv_w;
typedef int16_t conv_px;
#define CONV_PAD(p) 0
#define CONV_BIAS_CORR(p) 0u

/* acc + x * w: 8 lanes of 2 int16 products each */
static inline vi conv_dot(vi acc, vi x, vi w) { return _mm256_add_epi32(acc, _mm256_madd_epi16(x, w)); }

/* the panel holds the input values (input_offset is 0) */
static inline void conv_copy(const int16_t* s, int32_t n, int32_t off, int16_t* d) {
  (void)off;
  memcpy(d, s, (size_t)n * sizeof(int16_t));
}

/* One row of the tile's output: 8 * NV int32 results in int16 range (r[0]: channels 0-7, r[1]:
 * 8-15), the first `left` stored as int16. */
static inline __attribute__((always_inline)) void conv_st_row(const int NV, int16_t* dst, const vi* r, int32_t left) {
  const __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(r[0], NV > 1 ? r[1] : r[0]), 0xD8);
  if (left >= 16) {
    _mm256_storeu_si256((__m256i*)(void*)dst, w);
  } else if (left == 8) {
    _mm_storeu_si128((__m128i*)(void*)dst, _mm256_castsi256_si128(w));
  } else {
    int16_t tmp[16];
    _mm256_storeu_si256((__m256i*)(void*)tmp, w);
    memcpy(dst, tmp, (size_t)left * sizeof(int16_t));
  }
}

#include "../simd_tmpl/qs8_conv.c.inc"
