/* int8 slots of the AVX-512 folder (called from tflrt_kernels_plug_avx512, after the AVX2
 * plug): DEPTHWISE_CONV_2D and FULLY_CONNECTED need AVX-512BW only; the CONV_2D GEMM needs
 * AVX512-VNNI (_mm512_dpbusd_epi32), checked here with CPUID, since the folder's ISA level
 * (F/BW/DQ/VL) does not include it. Without VNNI the AVX2 CONV_2D kernels stay in place. */
#include <cpuid.h>

#include "../conv.h"
#include "../fully_connected.h"
#include "qs8_avx512.h"

size_t tflrt_qs8_conv2d_packed_size__avx512vnni(const tflrt_conv_params* p);
void tflrt_qs8_conv2d_pack__avx512vnni(const tflrt_conv_params* p, const int8_t* filter,
                                       const int32_t* bias, void* packed);
void tflrt_qs8_conv2d_packed__avx512vnni(const tflrt_conv_params* p, const int8_t* input,
                                         const void* packed, int8_t* output, int32_t begin,
                                         int32_t end);
size_t tflrt_qs8_dwconv2d_packed_size__avx512(const tflrt_conv_params* p);
void tflrt_qs8_dwconv2d_pack__avx512(const tflrt_conv_params* p, const int8_t* filter,
                                     const int32_t* bias, void* packed);
void tflrt_qs8_dwconv2d_packed__avx512(const tflrt_conv_params* p, const int8_t* input,
                                       const void* packed, int8_t* output, int32_t begin,
                                       int32_t end);
void tflrt_qs8_fc__avx512(const tflrt_fc_params* p, const int8_t* input, const int8_t* weights,
                          const int32_t* bias, int8_t* output, int32_t r0, int32_t r1, int32_t c0,
                          int32_t c1);

static int cpu_has_avx512vnni(void) {
  unsigned a, b, c, d;
  if (__get_cpuid_max(0, NULL) < 7) return 0;
  __cpuid_count(7, 0, a, b, c, d);
  return (c >> 11) & 1;
}

void tflrt_qs8_plug_avx512(tflrt_kernels* k) {
  k->conv.qs8_dwconv2d_packed_size = tflrt_qs8_dwconv2d_packed_size__avx512;
  k->conv.qs8_dwconv2d_pack = tflrt_qs8_dwconv2d_pack__avx512;
  k->conv.qs8_dwconv2d_packed = tflrt_qs8_dwconv2d_packed__avx512;
  k->fc.qs8_fc = tflrt_qs8_fc__avx512;
  if (cpu_has_avx512vnni()) {
    k->conv.qs8_conv2d_packed_size = tflrt_qs8_conv2d_packed_size__avx512vnni;
    k->conv.qs8_conv2d_pack = tflrt_qs8_conv2d_pack__avx512vnni;
    k->conv.qs8_conv2d_packed = tflrt_qs8_conv2d_packed__avx512vnni;
  }
}
