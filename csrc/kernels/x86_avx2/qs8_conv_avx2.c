/* int8 CONV_2D over packed weights for AVX2 (template ../simd_tmpl/qs8_conv.c.inc: layout,
 * pack, im2col rows, driver; tile 6x16c2: qs_avx2.h): the im2col panel holds int16 (row-major:
 * filling it is a widening copy, the tile broadcasts from 6 row streams).
 *
 * Exactness. The panel holds x + input_offset (in [-255, 255]) as int16, and 0 for taps
 * outside the input and for the padding of K' to a multiple of 2 (which also has zero
 * weights): the reference's sum over the taps it does not skip. Weights are int16 in
 * [-128, 127]; each madd lane adds two products of magnitude <= 255 * 128 exactly (no
 * saturation is possible). Sums wrap modulo 2^32 like the reference's final int32 wrap, and the
 * bias is added modulo 2^32 as well (no correction). Requantization: ../simd_tmpl/qs8_requant.h. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../conv.h"
#include "../simd_tmpl/qs8_slots.h"
#include "simd_avx2.h"
#include "../simd_tmpl/qs8_requant.h"

TFLRT_QS8_DECLARE_PACKED(conv2d, avx2)

#define Q_FN(name) tflrt_qs8_##name##__avx2
#include "qs_avx2.h"

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
