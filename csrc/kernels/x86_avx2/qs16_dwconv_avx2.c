/* int16x8 DEPTHWISE_CONV_2D (int16 activations, int8 weights, int64 bias) over packed weights
 * for AVX2: 16 channels per block, two taps per _mm256_madd_epi16, int32 sums widened to int64
 * for the requantization (template ../simd_tmpl/qs8_dwconv.c.inc: exactness, lane order,
 * layout; ../simd_tmpl/qs16_requant.h). A partial block (< 16 channels) is read and written
 * through zeroed copies, so nothing past the channels is touched. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../conv.h"
#include "../simd_tmpl/qs8_slots.h"
#include "simd_avx2.h"
#include "../simd_tmpl/qs16_requant.h"

TFLRT_QS16_DECLARE_PACKED(dwconv2d, avx2)
#define Q_FN(name) tflrt_qs16_##name##__avx2

typedef int32_t dw_tail; /* channels left, < 16 */

static inline dw_tail dw_tail_of(int32_t left) { return left; }

static inline vi dw_ld(const int16_t* ptr, const int FULL, dw_tail left) {
  if (FULL) return _mm256_loadu_si256((const __m256i*)(const void*)ptr);
  int16_t tmp[16] = {0};
  memcpy(tmp, ptr, (size_t)left * sizeof(int16_t));
  return _mm256_loadu_si256((const __m256i*)(const void*)tmp);
}

static inline void dw_st(int16_t* dst, vi lo, vi hi, const int FULL, dw_tail left) {
  const __m256i w = _mm256_packs_epi32(lo, hi); /* natural channel order */
  if (FULL) {
    _mm256_storeu_si256((__m256i*)(void*)dst, w);
  } else {
    int16_t tmp[16];
    _mm256_storeu_si256((__m256i*)(void*)tmp, w);
    memcpy(dst, tmp, (size_t)left * sizeof(int16_t));
  }
}

#include "../simd_tmpl/qs8_dwconv.c.inc"
