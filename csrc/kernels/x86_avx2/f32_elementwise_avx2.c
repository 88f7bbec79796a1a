/* float32 elementwise kernels, pooling and reductions for AVX2 + FMA (template
 * ../simd_tmpl/f32_elementwise.c.inc). */
#include <stddef.h>
#include <stdint.h>

#include "../kernels.h"
#include "simd_avx2.h"

#include "../simd_tmpl/f32_elementwise.c.inc"
