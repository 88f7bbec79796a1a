/* int16x8 FULLY_CONNECTED for AVX-512BW: 32 products per _mm512_madd_epi16 (template
 * ../simd_tmpl/qs16_fc.c.inc: loops, exactness). */
#include <stddef.h>
#include <stdint.h>

#include "../simd_tmpl/qs8_slots.h"
#include "simd_avx512.h"

TFLRT_QS16_DECLARE_FC(avx512)

static inline vi fc_ldw(const int8_t* w) { return _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i*)(const void*)w)); }

#include "../simd_tmpl/qs16_fc.c.inc"
