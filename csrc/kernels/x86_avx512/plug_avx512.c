/* AVX-512F plug: overwrites the kernel-table slots this folder implements (isa_plugs.h).
 * float32: csrc/kernels/simd_tmpl/ templates (f32_*); int8: qs8_* files (bit-exact with the
 * reference). Every other slot keeps the reference kernel. */
#include "../isa_plugs.h"
#include "plug_avx512.h"
#include "qs8_avx512.h"

void tflrt_kernels_plug_avx512(tflrt_kernels* k, int fast_f32) {
  if (fast_f32) {
    tflrt_plug_f32_gemm__avx512(k);        /* CONV_2D (packed), FULLY_CONNECTED, BATCH_MATMUL, TRANSPOSE_CONV */
    tflrt_plug_f32_dwconv__avx512(k);      /* DEPTHWISE_CONV_2D */
    tflrt_plug_f32_elementwise__avx512(k); /* binary, activations, SOFTMAX, pooling, reductions */
  }
  tflrt_qs8_plug_avx512(k);              /* int8 CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED */
}
