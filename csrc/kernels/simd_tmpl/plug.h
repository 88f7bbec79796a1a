/* The per-family installers of an ISA folder (isa_plugs.h), named with the folder's ISA_FN:
 * each template defines its own (f32_gemm.c.inc, f32_dwconv.c.inc, f32_elementwise.c.inc), the
 * folder's qs8_plug_<isa>.c the int8 one, and plug.c.inc calls them all. */
#ifndef TFLITE_RT_SIMD_PLUG_H
#define TFLITE_RT_SIMD_PLUG_H

#include "../kernels.h"

void ISA_FN(tflrt_plug_f32_gemm)(tflrt_kernels* k);        /* CONV_2D (packed), FULLY_CONNECTED, BATCH_MATMUL, TRANSPOSE_CONV */
void ISA_FN(tflrt_plug_f32_dwconv)(tflrt_kernels* k);      /* DEPTHWISE_CONV_2D */
void ISA_FN(tflrt_plug_f32_elementwise)(tflrt_kernels* k); /* binary, RELU family, LEAKY_RELU, HARD_SWISH, pooling, reductions */
void ISA_FN(tflrt_plug_f32_approx)(tflrt_kernels* k);      /* LOGISTIC, TANH, GELU, SOFTMAX (within tolerance) */
void ISA_FN(tflrt_plug_qs8)(tflrt_kernels* k);             /* int8 CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED */

#endif
