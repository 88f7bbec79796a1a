/* int8 slots of the AVX2 folder (called from tflrt_kernels_plug_avx2): CONV_2D and
 * DEPTHWISE_CONV_2D over weights packed in prepare (conv.h qs8 pack slots), and
 * FULLY_CONNECTED. Every kernel is bit-exact with the reference (see each file's header). */
#include "../conv.h"
#include "../fully_connected.h"
#include "qs8_avx2.h"

size_t tflrt_qs8_conv2d_packed_size__avx2(const tflrt_conv_params* p);
void tflrt_qs8_conv2d_pack__avx2(const tflrt_conv_params* p, const int8_t* filter,
                                 const int32_t* bias, void* packed);
void tflrt_qs8_conv2d_packed__avx2(const tflrt_conv_params* p, const int8_t* input,
                                   const void* packed, int8_t* output, int32_t begin,
                                   int32_t end);
size_t tflrt_qs8_dwconv2d_packed_size__avx2(const tflrt_conv_params* p);
void tflrt_qs8_dwconv2d_pack__avx2(const tflrt_conv_params* p, const int8_t* filter,
                                   const int32_t* bias, void* packed);
void tflrt_qs8_dwconv2d_packed__avx2(const tflrt_conv_params* p, const int8_t* input,
                                     const void* packed, int8_t* output, int32_t begin,
                                     int32_t end);
void tflrt_qs8_fc__avx2(const tflrt_fc_params* p, const int8_t* input, const int8_t* weights,
                        const int32_t* bias, int8_t* output, int32_t r0, int32_t r1, int32_t c0,
                        int32_t c1);

void tflrt_qs8_plug_avx2(tflrt_kernels* k) {
  k->conv.qs8_conv2d_packed_size = tflrt_qs8_conv2d_packed_size__avx2;
  k->conv.qs8_conv2d_pack = tflrt_qs8_conv2d_pack__avx2;
  k->conv.qs8_conv2d_packed = tflrt_qs8_conv2d_packed__avx2;
  k->conv.qs8_dwconv2d_packed_size = tflrt_qs8_dwconv2d_packed_size__avx2;
  k->conv.qs8_dwconv2d_pack = tflrt_qs8_dwconv2d_pack__avx2;
  k->conv.qs8_dwconv2d_packed = tflrt_qs8_dwconv2d_packed__avx2;
  k->fc.qs8_fc = tflrt_qs8_fc__avx2;
}
