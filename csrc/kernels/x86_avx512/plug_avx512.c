/* AVX-512F plug: overwrites the kernel-table slots this folder implements (isa_plugs.h).
 * float32: csrc/kernels/simd_tmpl/ templates (f32_*); int8: qs8_* files. Every other slot
 * keeps the reference kernel. */
#include "../isa_plugs.h"
#include "plug_avx512.h"
#include "qs8_avx512.h"

void tflrt_kernels_plug_avx512(tflrt_kernels* k, int fast_f32) {
  /* float32, bit-identical with the reference kernels */
  tflrt_plug_f32_gemm__avx512(k);        /* CONV_2D (packed), FULLY_CONNECTED, BATCH_MATMUL, TRANSPOSE_CONV */
  tflrt_plug_f32_dwconv__avx512(k);      /* DEPTHWISE_CONV_2D */
  tflrt_plug_f32_elementwise__avx512(k); /* binary, RELU family, LEAKY_RELU, HARD_SWISH, pooling, reductions */
  /* float32 within the FLOAT32 tolerance only: opt-in (isa_plugs.h) */
  if (fast_f32) tflrt_plug_f32_approx__avx512(k); /* LOGISTIC, TANH, GELU, SOFTMAX */
  tflrt_qs8_plug_avx512(k);              /* int8 CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED */
}
