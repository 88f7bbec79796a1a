/* int8 CONV_2D over packed weights for AVX512-VNNI (template ../simd_tmpl/qs8_conv.c.inc:
 * layout, pack, im2col rows, driver): an im2col panel of 8 output pixels times a 48-channel
 * weight block, accumulated with _mm512_dpbusd_epi32 (tile 8x48c4: 8 pixels, 3 vectors of 16
 * channels, 4 input bytes per dot).
 *
 * Exactness. dpbusd multiplies unsigned by signed bytes and adds groups of 4 products into
 * int32 lanes without saturation. The panel holds u = x + 128 (x ^ 0x80, in [0, 255]) for
 * every input byte x, and u = input_zero_point + 128 for taps outside the input, so
 *   S = sum_k w_k * u_k = sum_k w_k * (x_k + input_offset) + (128 - input_offset) * sum_k w_k
 * over all taps (a padded tap has x_k + input_offset = 0, which is what the reference's
 * skipped tap contributes). The reference accumulator is therefore
 *   acc = bias + S + (input_offset - 128) * wsum,  wsum = sum_k w_k,
 * and the pack stores bias + (input_offset - 128) * wsum once per channel. Every sum is taken
 * modulo 2^32 (two's complement wrapping, the vector adds and the uint32 arithmetic of the
 * pack), and the reference result is its int64 sum wrapped to int32, so they agree for any
 * data. Padding of K' to a multiple of 4 uses zero weights. Requantization:
 * ../simd_tmpl/qs8_requant.h.
 *
 * Weights: channel blocks of 48 (the last one 16, 32 or 48 wide, rounded up to 16 with zero
 * weights), each [K'/4][vectors in the block][16 channels][4 bytes]. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../conv.h"
#include "../simd_tmpl/qs8_slots.h"
#include "simd_avx512.h"
#include "../simd_tmpl/qs8_requant.h"

TFLRT_QS8_DECLARE_PACKED(conv2d, avx512vnni)

#ifdef TFLRT_QS8_EMULATE_VNNI
/* Tests only (tests/test_isa_qs8_emu.py): CPU emulators without AVX512-VNNI run this file with dpbusd
 * replaced by its exact AVX-512BW equivalent: per int32 lane, src + sum of 4 u8 x s8 products,
 * formed as two madd_epi16 over the even and odd bytes (each pair sum < 2^17: exact). */
static inline __m512i qs8_emu_dpbusd(__m512i src, __m512i a, __m512i b) {
  const __m512i a_even = _mm512_and_si512(a, _mm512_set1_epi16(0x00FF));
  const __m512i a_odd = _mm512_srli_epi16(a, 8);
  const __m512i b_even = _mm512_srai_epi16(_mm512_slli_epi16(b, 8), 8);
  const __m512i b_odd = _mm512_srai_epi16(b, 8);
  return _mm512_add_epi32(src, _mm512_add_epi32(_mm512_madd_epi16(a_even, b_even),
                                                _mm512_madd_epi16(a_odd, b_odd)));
}
#define _mm512_dpbusd_epi32 qs8_emu_dpbusd
#endif

#define Q_FN(name) tflrt_qs8_##name##__avx512vnni
#include "qs_avx512.h"     /* CONV_MR 8, CONV_NRB 48, conv_st_row */
#define CONV_KG 4          /* bytes per dpbusd lane */
#define CONV_KC 4096       /* bytes of K' per panel chunk (multiple of 16) */
#define CONV_PANEL 65536   /* bytes of the panel buffer: a group of tiles */
typedef int8_t conv_w;
typedef uint8_t conv_px;
#define CONV_PAD(p) (128 - (p)->input_offset) /* input zero point + 128 */
#define CONV_BIAS_CORR(p) ((uint32_t)((p)->input_offset - 128))
/* the panel is [kc / 4][CONV_MR][4]: pixel m's dword i at i * CONV_MR + m */
#define CONV_A_MS(ngroups) ((size_t)1)
#define CONV_A_KS CONV_MR

/* acc + the dot products of the 4 u8 x s8 byte pairs of each lane */
static inline vi conv_dot(vi acc, vi x, vi w) { return _mm512_dpbusd_epi32(acc, x, w); }

/* x ^ 0x80 for n bytes: the u8 domain of the panel. */
static inline void conv_copy(const int8_t* s, int32_t n, int32_t input_offset, uint8_t* d) {
  int32_t i = 0;
  for (; i + 32 <= n; i += 32)
    _mm256_storeu_si256((__m256i*)(void*)(d + i),
                        _mm256_xor_si256(_mm256_loadu_si256((const __m256i*)(const void*)(s + i)),
                                         _mm256_set1_epi8((char)0x80)));
  for (; i < n; i++) d[i] = (uint8_t)(s[i] ^ 0x80);
}

#include "../simd_tmpl/qs8_conv.c.inc"

/* ---- panel filling: [kc / 4][CONV_MR][4] ---- */

/* 1x1 stride 1: 8 input rows, 16 bytes each, transposed at dword granularity. */
static void fill_panel_pointwise(const conv_pack* h, const int8_t* input, int64_t q, int32_t mr,
                                 int32_t k0, int32_t kc, uint8_t* panel) {
  const int8_t* src[CONV_MR];
  const size_t c = (size_t)h->k;
  for (int32_t m = 0; m < CONV_MR; m++) src[m] = input + (size_t)(q + (m < mr ? m : mr - 1)) * c;
  const int32_t kreal = h->k - k0 < kc ? h->k - k0 : kc;
  const __m256i flip = _mm256_set1_epi8((char)0x80);
  int32_t k = 0;
  for (; k + 16 <= kreal; k += 16) {
#define LD(m) _mm_loadu_si128((const __m128i*)(const void*)(src[m] + k0 + k))
    const __m256i r0 = _mm256_inserti128_si256(_mm256_castsi128_si256(LD(0)), LD(4), 1);
    const __m256i r1 = _mm256_inserti128_si256(_mm256_castsi128_si256(LD(1)), LD(5), 1);
    const __m256i r2 = _mm256_inserti128_si256(_mm256_castsi128_si256(LD(2)), LD(6), 1);
    const __m256i r3 = _mm256_inserti128_si256(_mm256_castsi128_si256(LD(3)), LD(7), 1);
#undef LD
    const __m256i t0 = _mm256_unpacklo_epi32(r0, r1), t1 = _mm256_unpacklo_epi32(r2, r3);
    const __m256i t2 = _mm256_unpackhi_epi32(r0, r1), t3 = _mm256_unpackhi_epi32(r2, r3);
    __m256i* d = (__m256i*)(void*)(panel + (size_t)(k / 4) * CONV_MR * 4);
    _mm256_storeu_si256(d + 0, _mm256_xor_si256(_mm256_unpacklo_epi64(t0, t1), flip));
    _mm256_storeu_si256(d + 1, _mm256_xor_si256(_mm256_unpackhi_epi64(t0, t1), flip));
    _mm256_storeu_si256(d + 2, _mm256_xor_si256(_mm256_unpacklo_epi64(t2, t3), flip));
    _mm256_storeu_si256(d + 3, _mm256_xor_si256(_mm256_unpackhi_epi64(t2, t3), flip));
  }
  for (; k < kc; k += 4) { /* the last < 16 bytes, and the K' padding */
    for (int32_t m = 0; m < CONV_MR; m++) {
      uint8_t* d = panel + (size_t)(k / 4) * CONV_MR * 4 + (size_t)m * 4;
      for (int32_t i = 0; i < 4; i++)
        d[i] = k + i < kreal ? (uint8_t)(src[m][k0 + k + i] ^ 0x80) : (uint8_t)h->pad;
    }
  }
}

/* The panel of the pixels [q, q + mr) starting at *at (advanced past them unless pointwise). */
static void conv_fill_panel(const tflrt_conv_params* p, const conv_pack* h, const int8_t* input,
                            int64_t q, pix* at, int32_t mr, int32_t k0, int32_t kc, uint8_t* panel) {
  if (h->pointwise) {
    fill_panel_pointwise(h, input, q, mr, k0, kc, panel);
    return;
  }
  uint8_t row[CONV_KC];
  for (int32_t m = 0; m < CONV_MR; m++) {
    if (m < mr) { /* else: keep the last valid row */
      im2col_row(p, h, input, q + m, at, k0, kc, row);
      pix_next(p, at);
    }
    uint8_t* d = panel + (size_t)m * 4;
    for (int32_t i = 0; i < kc / 4; i++) memcpy(d + (size_t)i * CONV_MR * 4, row + (size_t)i * 4, 4);
  }
}
