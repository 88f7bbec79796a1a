/* float32 GEMM-family kernels for AVX2 + FMA, bit-identical with the reference kernels
 * (../simd_tmpl/f32_gemm_ukernels.c.inc): CONV_2D over packed weights (6x16 and 6x8 tiles; interior
 * tiles without indirection), FULLY_CONNECTED (weights repacked per call into 6x16 panels),
 * BATCH_MATMUL (6x16 tiles over an unpacked B) and TRANSPOSE_CONV (6x16 tiles per residue class).
 * Templates: ../simd_tmpl/. */
#include <stddef.h>
#include <stdint.h>

#include "../kernels.h"
#include "../simd_tmpl/xlists.h"
#include "simd_avx2.h"

#define UK_NAME tflrt_f32_igemm_6x16__avx2
#define UK_KIND UK_IGEMM
#define UK_ROWS XROWS6
#define UK_MR 6
#define UK_NV 2
#define UK_WSTRIDE 16
#include "../simd_tmpl/f32_gemm_ukernels.c.inc"

#define UK_NAME tflrt_f32_igemm_6x8__avx2
#define UK_KIND UK_IGEMM
#define UK_ROWS XROWS6
#define UK_MR 6
#define UK_NV 1
#define UK_WSTRIDE 16
#include "../simd_tmpl/f32_gemm_ukernels.c.inc"

#define UK_NAME tflrt_f32_dconv_6x16__avx2
#define UK_KIND UK_DCONV
#define UK_ROWS XROWS6
#define UK_MR 6
#define UK_NV 2
#define UK_WSTRIDE 16
#include "../simd_tmpl/f32_gemm_ukernels.c.inc"

#define UK_NAME tflrt_f32_dconv_6x8__avx2
#define UK_KIND UK_DCONV
#define UK_ROWS XROWS6
#define UK_MR 6
#define UK_NV 1
#define UK_WSTRIDE 16
#include "../simd_tmpl/f32_gemm_ukernels.c.inc"

#define UK_NAME tflrt_f32_igemm_1x16__avx2
#define UK_KIND UK_IGEMM
#define UK_ROWS XROWS1
#define UK_MR 1
#define UK_NV 2
#define UK_WSTRIDE 16
#include "../simd_tmpl/f32_gemm_ukernels.c.inc"

#define UK_NAME tflrt_f32_dconv_1x16__avx2
#define UK_KIND UK_DCONV
#define UK_ROWS XROWS1
#define UK_MR 1
#define UK_NV 2
#define UK_WSTRIDE 16
#include "../simd_tmpl/f32_gemm_ukernels.c.inc"

#define UK_NAME tflrt_f32_gemm_6x16__avx2
#define UK_KIND UK_GEMM
#define UK_ROWS XROWS6
#define UK_MR 6
#define UK_NV 2
#include "../simd_tmpl/f32_gemm_ukernels.c.inc"

#define UK_NAME tflrt_f32_gemm_6x8__avx2
#define UK_KIND UK_GEMM
#define UK_ROWS XROWS6
#define UK_MR 6
#define UK_NV 1
#include "../simd_tmpl/f32_gemm_ukernels.c.inc"

#define IGEMM_MR 6
#define IGEMM_NR 16
#define IGEMM_FULL tflrt_f32_igemm_6x16__avx2
#define IGEMM_HALF tflrt_f32_igemm_6x8__avx2
#define DCONV_FULL tflrt_f32_dconv_6x16__avx2
#define DCONV_HALF tflrt_f32_dconv_6x8__avx2
#define IGEMM_ONE tflrt_f32_igemm_1x16__avx2
#define DCONV_ONE tflrt_f32_dconv_1x16__avx2
#define GEMM_MR 6
#define GEMM_NR 16
#define GEMM_FULL tflrt_f32_gemm_6x16__avx2
#define GEMM_HALF tflrt_f32_gemm_6x8__avx2
#include "../simd_tmpl/f32_gemm_drivers.c.inc"

#include "plug_avx2.h"

void tflrt_plug_f32_gemm__avx2(tflrt_kernels* k) {
  k->conv.f32_conv2d_packed_size = tflrt_f32_conv2d_packed_size__avx2;
  k->conv.f32_conv2d_pack = tflrt_f32_conv2d_pack__avx2;
  k->conv.f32_conv2d_packed = tflrt_f32_conv2d_packed__avx2;
  k->fc.f32_fc = tflrt_f32_fc__avx2;
  k->matmul.f32_bmm = tflrt_f32_bmm__avx2;
  k->tconv.f32_tconv = tflrt_f32_tconv__avx2;
}
