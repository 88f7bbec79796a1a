/* The int8 slots of the x86 folders (kernels/conv.h, kernels/fully_connected.h), declared and
 * installed per kernel-name suffix S: tflrt_qs8_<op>_packed_size__S, tflrt_qs8_<op>_pack__S and
 * tflrt_qs8_<op>_packed__S for op = conv2d (CONV_2D) and dwconv2d (DEPTHWISE_CONV_2D), always
 * installed together (a packed layout is private to its kernel), and tflrt_qs8_fc__S
 * (FULLY_CONNECTED). Suffixes: avx2; avx512 (AVX-512BW), avx512vnni (AVX512-VNNI). No
 * intrinsics here: tests/c/qs8_kernel_driver.c includes it too. */
#ifndef TFLITE_RT_QS8_SLOTS_H
#define TFLITE_RT_QS8_SLOTS_H

#include <stddef.h>
#include <stdint.h>

#include "../conv.h"
#include "../fully_connected.h"

#define TFLRT_QS8_DECLARE_PACKED(op, S)                                                              \
  size_t tflrt_qs8_##op##_packed_size__##S(const tflrt_conv_params* p);                             \
  void tflrt_qs8_##op##_pack__##S(const tflrt_conv_params* p, const int8_t* filter, const int32_t* bias, \
                                  void* packed);                                                    \
  void tflrt_qs8_##op##_packed__##S(const tflrt_conv_params* p, const int8_t* input, const void* packed, \
                                    int8_t* output, int32_t begin, int32_t end);

#define TFLRT_QS8_DECLARE_FC(S)                                                                    \
  void tflrt_qs8_fc__##S(const tflrt_fc_params* p, const int8_t* input, const int8_t* weights,   \
                         const int32_t* bias, int8_t* output, int32_t r0, int32_t r1, int32_t c0, \
                         int32_t c1);

#define TFLRT_QS8_PLUG_PACKED(k, op, S)                                \
  do {                                                                 \
    (k)->conv.qs8_##op##_packed_size = tflrt_qs8_##op##_packed_size__##S; \
    (k)->conv.qs8_##op##_pack = tflrt_qs8_##op##_pack__##S;               \
    (k)->conv.qs8_##op##_packed = tflrt_qs8_##op##_packed__##S;           \
  } while (0)

#endif
