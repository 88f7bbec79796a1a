/* float32 GEMM-family kernels for AVX2 + FMA, bit-identical with the reference kernels
 * (template ../simd_tmpl/f32_gemm.c.inc): 6x16 and 6x8 tiles (CONV_2D over packed weights,
 * FULLY_CONNECTED with weights repacked per call into 6x16 panels, BATCH_MATMUL over an
 * unpacked B, TRANSPOSE_CONV per residue class), 1x16 for single-row tiles. */
#include <stddef.h>
#include <stdint.h>

#include "../kernels.h"
#include "simd_avx2.h"

#define F32_TILE_MR 6
#define F32_TILE_ROWS XROWS6
#define F32_TILE_NR 16
#define F32_TILE_NH 8
#include "../simd_tmpl/f32_gemm.c.inc"
