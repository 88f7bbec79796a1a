/* What the AVX-512 int8 (qs8_*_avx512.c) and int16x8 (qs16_*_avx512.c) kernels share: the tile
 * shape and output rows of the int8-weight conv template (../simd_tmpl/qs8_conv.c.inc; the
 * panel, its values and the dot step are each file's), and the partial block of the depthwise
 * template (../simd_tmpl/qs8_dwconv.c.inc). The includer has included simd_avx512.h and the
 * element policy (../simd_tmpl/qs8_requant.h or qs16_requant.h: q_x, Q_ACC64). */
#ifndef TFLITE_RT_QS_AVX512_H
#define TFLITE_RT_QS_AVX512_H

#define CONV_MR 8          /* output pixels per tile */
#define CONV_NRB 48        /* channels per weight block (3 vectors of 16) */

/* One row of the tile's output: 16 * NV int32 results in q_x's range, the first `left`
 * stored as q_x. */
static inline __attribute__((always_inline)) void conv_st_row(const int NV, q_x* dst, const vi* r, int32_t left) {
#pragma GCC unroll 3
  for (int v = 0; v < NV; v++) {
    const int32_t l = left - v * 16;
    if (l <= 0) break;
    const __mmask16 keep = l >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << l) - 1u);
#if Q_ACC64
    _mm256_mask_storeu_epi16(dst + v * 16, keep, _mm512_cvtepi32_epi16(r[v]));
#else
    _mm_mask_storeu_epi8(dst + v * 16, keep, _mm512_cvtepi32_epi8(r[v]));
#endif
  }
}

/* The channels of a partial depthwise block (32 int16 lanes): a mask of the first `left`. */
typedef __mmask32 dw_tail;

static inline dw_tail dw_tail_of(int32_t left) {
  return left >= 32 ? (__mmask32)0xFFFFFFFFu : (__mmask32)((1u << left) - 1u);
}

#endif
