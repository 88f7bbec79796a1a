/* float32 GEMM-family kernels for AVX-512F, bit-identical with the reference kernels
 * (../simd_tmpl/f32_gemm_ukernels.c.inc): CONV_2D over packed weights (8x32 and 8x16 tiles; interior
 * tiles without indirection), FULLY_CONNECTED (weights repacked per call into 8x32 panels),
 * BATCH_MATMUL (8x32 tiles over an unpacked B) and TRANSPOSE_CONV (8x32 tiles per residue class).
 * Templates: ../simd_tmpl/. */
#include <stddef.h>
#include <stdint.h>

#include "../kernels.h"
#include "../simd_tmpl/xlists.h"
#include "simd_avx512.h"

#define UK_NAME tflrt_f32_igemm_8x32__avx512
#define UK_KIND UK_IGEMM
#define UK_ROWS XROWS8
#define UK_MR 8
#define UK_NV 2
#define UK_WSTRIDE 32
#include "../simd_tmpl/f32_gemm_ukernels.c.inc"

#define UK_NAME tflrt_f32_igemm_8x16__avx512
#define UK_KIND UK_IGEMM
#define UK_ROWS XROWS8
#define UK_MR 8
#define UK_NV 1
#define UK_WSTRIDE 32
#include "../simd_tmpl/f32_gemm_ukernels.c.inc"

#define UK_NAME tflrt_f32_dconv_8x32__avx512
#define UK_KIND UK_DCONV
#define UK_ROWS XROWS8
#define UK_MR 8
#define UK_NV 2
#define UK_WSTRIDE 32
#include "../simd_tmpl/f32_gemm_ukernels.c.inc"

#define UK_NAME tflrt_f32_dconv_8x16__avx512
#define UK_KIND UK_DCONV
#define UK_ROWS XROWS8
#define UK_MR 8
#define UK_NV 1
#define UK_WSTRIDE 32
#include "../simd_tmpl/f32_gemm_ukernels.c.inc"

#define UK_NAME tflrt_f32_igemm_1x32__avx512
#define UK_KIND UK_IGEMM
#define UK_ROWS XROWS1
#define UK_MR 1
#define UK_NV 2
#define UK_WSTRIDE 32
#include "../simd_tmpl/f32_gemm_ukernels.c.inc"

#define UK_NAME tflrt_f32_dconv_1x32__avx512
#define UK_KIND UK_DCONV
#define UK_ROWS XROWS1
#define UK_MR 1
#define UK_NV 2
#define UK_WSTRIDE 32
#include "../simd_tmpl/f32_gemm_ukernels.c.inc"

#define UK_NAME tflrt_f32_gemm_8x32__avx512
#define UK_KIND UK_GEMM
#define UK_ROWS XROWS8
#define UK_MR 8
#define UK_NV 2
#include "../simd_tmpl/f32_gemm_ukernels.c.inc"

#define UK_NAME tflrt_f32_gemm_8x16__avx512
#define UK_KIND UK_GEMM
#define UK_ROWS XROWS8
#define UK_MR 8
#define UK_NV 1
#include "../simd_tmpl/f32_gemm_ukernels.c.inc"

#define IGEMM_MR 8
#define IGEMM_NR 32
#define IGEMM_FULL tflrt_f32_igemm_8x32__avx512
#define IGEMM_HALF tflrt_f32_igemm_8x16__avx512
#define DCONV_FULL tflrt_f32_dconv_8x32__avx512
#define DCONV_HALF tflrt_f32_dconv_8x16__avx512
#define IGEMM_ONE tflrt_f32_igemm_1x32__avx512
#define DCONV_ONE tflrt_f32_dconv_1x32__avx512
#define GEMM_MR 8
#define GEMM_NR 32
#define GEMM_FULL tflrt_f32_gemm_8x32__avx512
#define GEMM_HALF tflrt_f32_gemm_8x16__avx512
#include "../simd_tmpl/f32_gemm_drivers.c.inc"

#include "plug_avx512.h"

void tflrt_plug_f32_gemm__avx512(tflrt_kernels* k) {
  k->conv.f32_conv2d_packed_size = tflrt_f32_conv2d_packed_size__avx512;
  k->conv.f32_conv2d_pack = tflrt_f32_conv2d_pack__avx512;
  k->conv.f32_conv2d_packed = tflrt_f32_conv2d_packed__avx512;
  k->fc.f32_fc = tflrt_f32_fc__avx512;
  k->matmul.f32_bmm = tflrt_f32_bmm__avx512;
  k->tconv.f32_tconv = tflrt_f32_tconv__avx512;
}
