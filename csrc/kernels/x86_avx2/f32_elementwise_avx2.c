/* float32 elementwise kernels, pooling and reductions for AVX2 + FMA (template
 * ../simd_tmpl/f32_elementwise.c.inc). */
#include <stddef.h>
#include <stdint.h>

#include "../kernels.h"
#include "simd_avx2.h"

#include "../simd_tmpl/f32_elementwise.c.inc"

#include "plug_avx2.h"

void tflrt_plug_f32_elementwise__avx2(tflrt_kernels* k) {
  /* bit-identical with the reference */
  k->binary.f32[TFLRT_BINOP_ADD] = tflrt_f32_vadd__avx2;
  k->binary.f32[TFLRT_BINOP_SUB] = tflrt_f32_vsub__avx2;
  k->binary.f32[TFLRT_BINOP_MUL] = tflrt_f32_vmul__avx2;
  k->binary.f32[TFLRT_BINOP_DIV] = tflrt_f32_vdiv__avx2;
  k->binary.f32[TFLRT_BINOP_SQRDIFF] = tflrt_f32_vsqrdiff__avx2;
  k->binary.f32[TFLRT_BINOP_MAX] = tflrt_f32_vmax__avx2;
  k->binary.f32[TFLRT_BINOP_MIN] = tflrt_f32_vmin__avx2;
  k->unary.f32_clamp = tflrt_f32_vclamp__avx2;
  k->unary.f32_leaky_relu = tflrt_f32_vleaky_relu__avx2;
  k->unary.f32_hard_swish = tflrt_f32_vhard_swish__avx2;
  k->pool.f32_maxpool2d = tflrt_f32_maxpool2d__avx2;
  k->pool.f32_avgpool2d = tflrt_f32_avgpool2d__avx2;
  k->reduce.f32_reduce = tflrt_f32_reduce__avx2;
}

void tflrt_plug_f32_approx__avx2(tflrt_kernels* k) {
  /* polynomial exp / erfc: within the FLOAT32 tolerance, not bit-identical */
  k->unary.f32_logistic = tflrt_f32_vlogistic__avx2;
  k->unary.f32_tanh = tflrt_f32_vtanh__avx2;
  k->unary.f32_gelu = tflrt_f32_vgelu__avx2;
  k->unary.f32_gelu_tanh = tflrt_f32_vgelu_tanh__avx2;
  k->softmax.f32_softmax = tflrt_f32_softmax__avx2;
}
