/* float32 DEPTHWISE_CONV_2D for AVX2 + FMA (template ../simd_tmpl/f32_dwconv.c.inc). */
#include <stddef.h>
#include <stdint.h>

#include "../kernels.h"
#include "simd_avx2.h"

#include "../simd_tmpl/f32_dwconv.c.inc"

#include "plug_avx2.h"

void tflrt_plug_f32_dwconv__avx2(tflrt_kernels* k) { k->conv.f32_dwconv2d = tflrt_f32_dwconv2d__avx2; }
