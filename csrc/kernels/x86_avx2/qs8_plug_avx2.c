/* int8 slots of the AVX2 folder (called from tflrt_kernels_plug_avx2): CONV_2D and
 * DEPTHWISE_CONV_2D over weights packed in prepare (conv.h qs8 pack slots), and
 * FULLY_CONNECTED. Every kernel is bit-exact with the reference (see each file's header). */
#include "../simd_tmpl/qs8_slots.h"
#include "simd_avx2.h"
#include "../simd_tmpl/plug.h"

TFLRT_QS8_DECLARE_PACKED(conv2d, avx2)
TFLRT_QS8_DECLARE_PACKED(dwconv2d, avx2)
TFLRT_QS8_DECLARE_FC(avx2)
TFLRT_QS16_DECLARE_PACKED(conv2d, avx2)
TFLRT_QS16_DECLARE_PACKED(dwconv2d, avx2)
TFLRT_QS16_DECLARE_FC(avx2)

void ISA_FN(tflrt_plug_qs8)(tflrt_kernels* k) {
  TFLRT_QS8_PLUG_PACKED(k, conv2d, avx2);
  TFLRT_QS8_PLUG_PACKED(k, dwconv2d, avx2);
  k->fc.qs8_fc = tflrt_qs8_fc__avx2;
  TFLRT_QS16_PLUG_PACKED(k, conv2d, avx2);
  TFLRT_QS16_PLUG_PACKED(k, dwconv2d, avx2);
  k->fc.qs16_fc = tflrt_qs16_fc__avx2;
}
