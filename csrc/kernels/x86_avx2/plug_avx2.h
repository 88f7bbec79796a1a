/* Per-family installers of the AVX2 folder, called by tflrt_kernels_plug_avx2 (plug_avx2.c). */
#ifndef TFLITE_RT_PLUG_AVX2_H
#define TFLITE_RT_PLUG_AVX2_H

#include "../kernels.h"

void tflrt_plug_f32_gemm__avx2(tflrt_kernels* k);        /* f32_gemm_avx2.c */
void tflrt_plug_f32_dwconv__avx2(tflrt_kernels* k);      /* f32_dwconv_avx2.c */
void tflrt_plug_f32_elementwise__avx2(tflrt_kernels* k); /* f32_elementwise_avx2.c: exact */
void tflrt_plug_f32_approx__avx2(tflrt_kernels* k);      /* f32_elementwise_avx2.c: approximate */

#endif
