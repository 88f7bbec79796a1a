/* float32 DEPTHWISE_CONV_2D for AVX2 + FMA (template ../simd_tmpl/f32_dwconv.c.inc). */
#include <stddef.h>
#include <stdint.h>

#include "../kernels.h"
#include "simd_avx2.h"

#include "../simd_tmpl/f32_dwconv.c.inc"
