/* int8 DEPTHWISE_CONV_2D over packed weights for AVX-512BW: 32 channels per block, two taps
 * per _mm512_madd_epi16 (template ../simd_tmpl/qs8_dwconv.c.inc: exactness, lane order,
 * layout). A partial block (< 32 channels) is read and written through byte masks. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../conv.h"
#include "../simd_tmpl/qs8_slots.h"
#include "simd_avx512.h"
#include "../simd_tmpl/qs8_requant.h"

TFLRT_QS8_DECLARE_PACKED(dwconv2d, avx512)
#define Q_FN(name) tflrt_qs8_##name##__avx512

#include "qs_avx512.h" /* dw_tail, dw_tail_of */

static inline vi dw_ld(const int8_t* ptr, const int FULL, dw_tail m) {
  return _mm512_cvtepi8_epi16(FULL ? _mm256_loadu_si256((const __m256i*)(const void*)ptr)
                                   : _mm256_maskz_loadu_epi8(m, ptr));
}

static inline void dw_st(int8_t* dst, vi lo, vi hi, const int FULL, dw_tail m) {
  const __m256i bytes = _mm512_cvtepi16_epi8(_mm512_packs_epi32(lo, hi)); /* channel order */
  if (FULL) _mm256_storeu_si256((__m256i*)(void*)dst, bytes);
  else _mm256_mask_storeu_epi8(dst, m, bytes);
}

#include "../simd_tmpl/qs8_dwconv.c.inc"
