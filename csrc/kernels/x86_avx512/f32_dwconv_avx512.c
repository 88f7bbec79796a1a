/* float32 DEPTHWISE_CONV_2D for AVX-512F (template ../simd_tmpl/f32_dwconv.c.inc). */
#include <stddef.h>
#include <stdint.h>

#include "../kernels.h"
#include "simd_avx512.h"

#include "../simd_tmpl/f32_dwconv.c.inc"

#include "plug_avx512.h"

void tflrt_plug_f32_dwconv__avx512(tflrt_kernels* k) { k->conv.f32_dwconv2d = tflrt_f32_dwconv2d__avx512; }
