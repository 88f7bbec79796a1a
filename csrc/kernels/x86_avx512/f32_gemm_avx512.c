/* float32 GEMM-family kernels for AVX-512F, bit-identical with the reference kernels
 * (template ../simd_tmpl/f32_gemm.c.inc): 8x32 and 8x16 tiles (CONV_2D over packed weights,
 * FULLY_CONNECTED with weights repacked per call into 8x32 panels, BATCH_MATMUL over an
 * unpacked B, TRANSPOSE_CONV per residue class), 1x32 for single-row tiles. */
#include <stddef.h>
#include <stdint.h>

#include "../kernels.h"
#include "simd_avx512.h"

#define F32_TILE_MR 8
#define F32_TILE_ROWS XROWS8
#define F32_TILE_NR 32
#define F32_TILE_NH 16
#include "../simd_tmpl/f32_gemm.c.inc"
