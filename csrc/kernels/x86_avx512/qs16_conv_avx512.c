/* int16x8 CONV_2D (int16 activations, int8 weights, int64 bias) over packed weights for
 * AVX512-VNNI (template ../simd_tmpl/qs8_conv.c.inc: layout, pack, im2col rows, tile, driver):
 * a row-major im2col panel of 8 output pixels in int16 (the input values themselves) times a
 * 48-channel weight block, accumulated with _mm512_dpwssd_epi32 (tile 8x48c2: 8 pixels, 3
 * vectors of 16 channels, 2 products per lane), int32 lanes widened to int64 every CONV_KBLK
 * steps.
 *
 * Exactness. dpwssd adds the two int16 x int16 products of each lane to it, without
 * saturation (modulo 2^32). Zero points are 0 (the pack refuses others): the panel holds the
 * input x, and 0 for taps outside the input and for the padding of K' to a multiple of 2
 * (which also has zero weights): the reference's sum over the taps it does not skip. Weights
 * are int16 in [-128, 127], so one step moves a lane by at most 2 * 2^15 * 2^7 = 2^23, and
 * CONV_KBLK = 240 steps by at most 240 * 2^23 < 2^31: the int32 block sums never wrap, and
 * their int64 totals are exact. Requantization: ../simd_tmpl/qs16_requant.h.
 *
 * Weights: channel blocks of 48 (the last one 16, 32 or 48 wide, rounded up to 16 with zero
 * weights), each [K'/2][vectors in the block][16 channels][2 x int16]. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../conv.h"
#include "../simd_tmpl/qs8_slots.h"
#include "simd_avx512.h"
#include "../simd_tmpl/qs16_requant.h"

TFLRT_QS16_DECLARE_PACKED(conv2d, avx512vnni)

#ifdef TFLRT_QS8_EMULATE_VNNI
/* Tests only (as in qs8_conv_avx512.c): dpwssd's exact AVX-512BW equivalent. */
static inline __m512i qs16_emu_dpwssd(__m512i src, __m512i a, __m512i b) {
  return _mm512_add_epi32(src, _mm512_madd_epi16(a, b));
}
#define _mm512_dpwssd_epi32 qs16_emu_dpwssd
#endif

#define Q_FN(name) tflrt_qs16_##name##__avx512vnni
#include "qs_avx512.h"     /* CONV_MR 8, CONV_NRB 48, conv_st_row */
#define CONV_KG 2          /* int16 values per dpwssd lane */
#define CONV_KC 2048       /* int16 values of K' per panel chunk (multiple of 16) */
#define CONV_PANEL 32768   /* int16 values of the panel buffer (64 KiB): a group of tiles */
#define CONV_KBLK 240      /* dpwssd steps per int32 block (see above) */
#define CONV_PANEL_ROWS    /* row-major panel, filled by the template */
typedef int16_t conv_w;
typedef int16_t conv_px;
#define CONV_PAD(p) 0
#define CONV_BIAS_CORR(p) 0u

/* acc + the two int16 products of each lane */
static inline vi conv_dot(vi acc, vi x, vi w) { return _mm512_dpwssd_epi32(acc, x, w); }

/* the panel holds the input values (input_offset is 0) */
static inline void conv_copy(const int16_t* s, int32_t n, int32_t off, int16_t* d) {
  (void)off;
  memcpy(d, s, (size_t)n * sizeof(int16_t));
}

#include "../simd_tmpl/qs8_conv.c.inc"
