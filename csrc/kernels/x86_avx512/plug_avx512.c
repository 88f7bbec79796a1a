/* AVX-512F plug (isa_plugs.h; template ../simd_tmpl/plug.c.inc), after the AVX2 plug. float32:
 * the ../simd_tmpl/ templates (f32_*); int8: qs8_* files. */
#include "../isa_plugs.h"
#include "simd_avx512.h"

#define ISA_PLUG tflrt_kernels_plug_avx512
#include "../simd_tmpl/plug.c.inc"
