/* int8 slots of the AVX-512 folder (called from tflrt_kernels_plug_avx512, after the AVX2
 * plug): DEPTHWISE_CONV_2D and FULLY_CONNECTED need AVX-512BW only; the CONV_2D GEMM needs
 * AVX512-VNNI (_mm512_dpbusd_epi32), checked here with CPUID, since the folder's ISA level
 * (F/BW/DQ/VL) does not include it. Without VNNI the AVX2 CONV_2D kernels stay in place. */
#include <cpuid.h>

#include "../simd_tmpl/qs8_slots.h"
#include "simd_avx512.h"
#include "../simd_tmpl/plug.h"

TFLRT_QS8_DECLARE_PACKED(conv2d, avx512vnni)
TFLRT_QS8_DECLARE_PACKED(dwconv2d, avx512)
TFLRT_QS8_DECLARE_FC(avx512)
TFLRT_QS16_DECLARE_PACKED(conv2d, avx512vnni)
TFLRT_QS16_DECLARE_PACKED(dwconv2d, avx512)
TFLRT_QS16_DECLARE_FC(avx512)

static int cpu_has_avx512vnni(void) {
  unsigned a, b, c, d;
  if (__get_cpuid_max(0, NULL) < 7) return 0;
  __cpuid_count(7, 0, a, b, c, d);
  return (c >> 11) & 1;
}

void ISA_FN(tflrt_plug_qs8)(tflrt_kernels* k) {
  TFLRT_QS8_PLUG_PACKED(k, dwconv2d, avx512);
  k->fc.qs8_fc = tflrt_qs8_fc__avx512;
  TFLRT_QS16_PLUG_PACKED(k, dwconv2d, avx512);
  k->fc.qs16_fc = tflrt_qs16_fc__avx512;
  if (cpu_has_avx512vnni()) {
    TFLRT_QS8_PLUG_PACKED(k, conv2d, avx512vnni);
    TFLRT_QS16_PLUG_PACKED(k, conv2d, avx512vnni);
  }
}
