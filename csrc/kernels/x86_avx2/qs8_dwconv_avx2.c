/* int8 DEPTHWISE_CONV_2D over packed weights for AVX2: 16 channels per block, two taps per
 * _mm256_madd_epi16 (template ../simd_tmpl/qs8_dwconv.c.inc: exactness, lane order, layout).
 * A partial block (< 16 channels) is read and written through zeroed copies, so nothing past
 * the channels is touched. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../conv.h"
#include "../simd_tmpl/qs8_slots.h"
#include "simd_avx2.h"
#include "../simd_tmpl/qs8_requant.h"

TFLRT_QS8_DECLARE_PACKED(dwconv2d, avx2)
#define Q_FN(name) tflrt_qs8_##name##__avx2

typedef int32_t dw_tail; /* channels left, < 16 */

static inline dw_tail dw_tail_of(int32_t left) { return left; }

static inline vi dw_ld(const int8_t* ptr, const int FULL, dw_tail left) {
  if (FULL) return _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*)(const void*)ptr));
  int8_t tmp[16] = {0};
  memcpy(tmp, ptr, (size_t)left);
  return _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*)(const void*)tmp));
}

static inline void dw_st(int8_t* dst, vi lo, vi hi, const int FULL, dw_tail left) {
  const __m256i w = _mm256_packs_epi32(lo, hi); /* natural channel order, int16 */
  const __m128i bytes = _mm_packs_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
  if (FULL) {
    _mm_storeu_si128((__m128i*)(void*)dst, bytes);
  } else {
    int8_t tmp[16];
    _mm_storeu_si128((__m128i*)(void*)tmp, bytes);
    memcpy(dst, tmp, (size_t)left);
  }
}

#include "../simd_tmpl/qs8_dwconv.c.inc"
