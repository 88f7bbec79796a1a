/* Per-family installers of the AVX512 folder, called by tflrt_kernels_plug_avx512 (plug_avx512.c). */
#ifndef TFLITE_RT_PLUG_AVX512_H
#define TFLITE_RT_PLUG_AVX512_H

#include "../kernels.h"

void tflrt_plug_f32_gemm__avx512(tflrt_kernels* k);        /* f32_gemm_avx512.c */
void tflrt_plug_f32_dwconv__avx512(tflrt_kernels* k);      /* f32_dwconv_avx512.c */
void tflrt_plug_f32_elementwise__avx512(tflrt_kernels* k); /* f32_elementwise_avx512.c: exact */
void tflrt_plug_f32_approx__avx512(tflrt_kernels* k);      /* f32_elementwise_avx512.c: approximate */

#endif
