/* The int8-weight slots of the x86 folders (kernels/conv.h, kernels/fully_connected.h), declared
 * and installed per kernel-name suffix S: tflrt_<q>_<op>_packed_size__S, tflrt_<q>_<op>_pack__S
 * and tflrt_<q>_<op>_packed__S for q = qs8 (int8) or qs16 (int16x8) and op = conv2d (CONV_2D) or
 * dwconv2d (DEPTHWISE_CONV_2D), always installed together (a packed layout is private to its
 * kernel), and tflrt_qs8_fc__S and tflrt_qs16_fc__S (FULLY_CONNECTED). Suffixes: avx2; avx512
 * (AVX-512BW), avx512vnni (AVX512-VNNI). No intrinsics here: tests/c/qs8_kernel_driver.c
 * includes it too. */
#ifndef TFLITE_RT_QS8_SLOTS_H
#define TFLITE_RT_QS8_SLOTS_H

#include <stddef.h>
#include <stdint.h>

#include "../conv.h"
#include "../fully_connected.h"

/* q = qs8 (int8 activations, int32 bias) or qs16 (int16 activations, int64 bias) */
#define TFLRT_Q_DECLARE_PACKED(q, op, S, T_X, T_BIAS)                                               \
  size_t tflrt_##q##_##op##_packed_size__##S(const tflrt_conv_params* p);                           \
  void tflrt_##q##_##op##_pack__##S(const tflrt_conv_params* p, const int8_t* filter, const T_BIAS* bias, \
                                    void* packed);                                                  \
  void tflrt_##q##_##op##_packed__##S(const tflrt_conv_params* p, const T_X* input, const void* packed, \
                                      T_X* output, int32_t begin, int32_t end);
#define TFLRT_QS8_DECLARE_PACKED(op, S) TFLRT_Q_DECLARE_PACKED(qs8, op, S, int8_t, int32_t)
#define TFLRT_QS16_DECLARE_PACKED(op, S) TFLRT_Q_DECLARE_PACKED(qs16, op, S, int16_t, int64_t)

#define TFLRT_QS8_DECLARE_FC(S)                                                                    \
  void tflrt_qs8_fc__##S(const tflrt_fc_params* p, const int8_t* input, const int8_t* weights,   \
                         const int32_t* bias, int8_t* output, int32_t r0, int32_t r1, int32_t c0, \
                         int32_t c1);

#define TFLRT_QS16_DECLARE_FC(S)                                                                    \
  void tflrt_qs16_fc__##S(const tflrt_fc_params* p, const int16_t* input, const int8_t* weights,    \
                          const int64_t* bias, int16_t* output, int32_t r0, int32_t r1, int32_t c0, \
                          int32_t c1);

#define TFLRT_Q_PLUG_PACKED(k, q, op, S)                                   \
  do {                                                                     \
    (k)->conv.q##_##op##_packed_size = tflrt_##q##_##op##_packed_size__##S; \
    (k)->conv.q##_##op##_pack = tflrt_##q##_##op##_pack__##S;               \
    (k)->conv.q##_##op##_packed = tflrt_##q##_##op##_packed__##S;           \
  } while (0)
#define TFLRT_QS8_PLUG_PACKED(k, op, S) TFLRT_Q_PLUG_PACKED(k, qs8, op, S)
#define TFLRT_QS16_PLUG_PACKED(k, op, S) TFLRT_Q_PLUG_PACKED(k, qs16, op, S)

#endif
