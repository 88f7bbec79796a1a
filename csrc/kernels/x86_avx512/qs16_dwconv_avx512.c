/* int16x8 DEPTHWISE_CONV_2D (int16 activations, int8 weights, int64 bias) over packed weights
 * for AVX-512BW: 32 channels per block, two taps per _mm512_madd_epi16, int32 sums widened to
 * int64 for the requantization (template ../simd_tmpl/qs8_dwconv.c.inc: exactness, lane order,
 * layout; ../simd_tmpl/qs16_requant.h). A partial block (< 32 channels) is read and written
 * through masks. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../conv.h"
#include "../simd_tmpl/qs8_slots.h"
#include "simd_avx512.h"
#include "../simd_tmpl/qs16_requant.h"

TFLRT_QS16_DECLARE_PACKED(dwconv2d, avx512)
#define Q_FN(name) tflrt_qs16_##name##__avx512

#include "qs_avx512.h" /* dw_tail, dw_tail_of */

static inline vi dw_ld(const int16_t* ptr, const int FULL, dw_tail m) {
  return FULL ? _mm512_loadu_si512(ptr) : _mm512_maskz_loadu_epi16(m, ptr);
}

static inline void dw_st(int16_t* dst, vi lo, vi hi, const int FULL, dw_tail m) {
  const __m512i w = _mm512_packs_epi32(lo, hi); /* natural channel order */
  if (FULL) _mm512_storeu_si512(dst, w);
  else _mm512_mask_storeu_epi16(dst, m, w);
}

#include "../simd_tmpl/qs8_dwconv.c.inc"
