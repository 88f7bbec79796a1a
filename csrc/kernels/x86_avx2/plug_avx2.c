/* AVX2 + FMA plug (isa_plugs.h; template ../simd_tmpl/plug.c.inc). float32: the
 * ../simd_tmpl/ templates (f32_*); int8: qs8_* files. */
#include "../isa_plugs.h"
#include "simd_avx2.h"

#define ISA_PLUG tflrt_kernels_plug_avx2
#include "../simd_tmpl/plug.c.inc"
