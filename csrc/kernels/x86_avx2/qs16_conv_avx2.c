/* int16x8 CONV_2D (int16 activations, int8 weights, int64 bias) over packed weights for AVX2
 * (template ../simd_tmpl/qs8_conv.c.inc: layout, pack, im2col rows, tile, driver; tile 6x16c2:
 * qs_avx2.h): the im2col panel holds the int16 input values themselves, and the tile's int32
 * lanes are widened to int64 every CONV_KBLK steps.
 *
 * Exactness. Zero points are 0 (the pack refuses others): the panel holds the input x, and 0
 * for taps outside the input and for the padding of K' to a multiple of 2 (which also has
 * zero weights): the reference's sum over the taps it does not skip. Weights are int16 in
 * [-128, 127]; each madd lane adds two products of magnitude <= 2^15 * 2^7 = 2^22 exactly (no
 * saturation: that needs -32768 * -32768 twice). So one dot step moves an int32 lane by at
 * most 2^23, and CONV_KBLK = 240 steps by at most 240 * 2^23 < 2^31: the int32 block sums are
 * exact, and so are their int64 totals. Requantization: ../simd_tmpl/qs16_requant.h. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../conv.h"
#include "../simd_tmpl/qs8_slots.h"
#include "simd_avx2.h"
#include "../simd_tmpl/qs16_requant.h"

TFLRT_QS16_DECLARE_PACKED(conv2d, avx2)

#define Q_FN(name) tflrt_qs16_##name##__avx2
#define CONV_KBLK 240      /* madd steps per int32 block (see above) */
#include "qs_avx2.h"

/* the panel holds the input values (input_offset is 0) */
static inline void conv_copy(const int16_t* s, int32_t n, int32_t off, int16_t* d) {
  (void)off;
  memcpy(d, s, (size_t)n * sizeof(int16_t));
}

#include "../simd_tmpl/qs8_conv.c.inc"
