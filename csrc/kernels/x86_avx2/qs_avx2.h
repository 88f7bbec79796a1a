/* What the AVX2 int8 (qs8_conv_avx2.c) and int16x8 (qs16_conv_avx2.c) CONV_2D kernels share:
 * the tile of the int8-weight conv template (../simd_tmpl/qs8_conv.c.inc) and its output rows.
 * The includer has included simd_avx2.h and the element policy (../simd_tmpl/qs8_requant.h or
 * qs16_requant.h: q_x, Q_ACC64).
 *
 * Tile 6x16c2: a row-major im2col panel of 6 output pixels in int16 (the template fills it;
 * the includer's conv_copy turns input values into panel values) times a 16-channel weight
 * block in int16 (sign-extended int8), with _mm256_madd_epi16: 2 vectors of 8 channels, 2
 * products per int32 lane. Weights: blocks of 16 channels (the last one 8 or 16 wide), each
 * [K'/2][vectors in the block][8 channels][2 x int16]. */
#ifndef TFLITE_RT_QS_AVX2_H
#define TFLITE_RT_QS_AVX2_H

#include <string.h>

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

/* One row of the tile's output: 8 * NV int32 results in q_x's range (r[0]: channels 0-7,
 * r[1]: 8-15), the first `left` stored as q_x. */
static inline __attribute__((always_inline)) void conv_st_row(const int NV, q_x* dst, const vi* r, int32_t left) {
  const __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(r[0], NV > 1 ? r[1] : r[0]), 0xD8); /* 16 x int16 */
#if Q_ACC64
  const __m256i v = w; /* int16 */
#else
  const __m128i v = _mm_packs_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1)); /* int8 */
#endif
  if (left >= 16) {
    memcpy(dst, &v, 16 * sizeof(q_x));
  } else if (left == 8) {
    memcpy(dst, &v, 8 * sizeof(q_x));
  } else {
    memcpy(dst, &v, (size_t)left * sizeof(q_x));
  }
}

#endif
