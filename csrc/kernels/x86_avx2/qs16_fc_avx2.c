/* int16x8 FULLY_CONNECTED for AVX2: 16 products per _mm256_madd_epi16 (template
 * ../simd_tmpl/qs16_fc.c.inc: loops, exactness). */
#include <stddef.h>
#include <stdint.h>

#include "../simd_tmpl/qs8_slots.h"
#include "simd_avx2.h"

TFLRT_QS16_DECLARE_FC(avx2)

static inline vi fc_ldw(const int8_t* w) { return _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*)(const void*)w)); }

#include "../simd_tmpl/qs16_fc.c.inc"
