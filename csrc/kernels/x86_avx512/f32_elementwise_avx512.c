/* float32 elementwise kernels, pooling and reductions for AVX-512F (template
 * ../simd_tmpl/f32_elementwise.c.inc). */
#include <stddef.h>
#include <stdint.h>

#include "../kernels.h"
#include "simd_avx512.h"

#include "../simd_tmpl/f32_elementwise.c.inc"
