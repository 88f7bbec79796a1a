/* ISA plugs: each ISA folder exposes one function that overwrites the kernel-table slots it
 * implements (tract's `plug`). dispatch.c fills the table with the reference kernels, then calls
 * the plugs in increasing order of capability, each guarded by the selected ISA, so a partial
 * port is always complete and correct.
 *
 * Rules for plug implementations:
 *  - Overwrite only slots whose kernel keeps the slot's contract (kernels/<family>.h): float32
 *    results within tests/tolerances.py FLOAT32 of the reference, integer results bit-exact.
 *  - Slots that work together (a pack function and the kernel that reads the packed layout)
 *    are always set together by the same plug: a packed layout is private to its ISA.
 *  - Kernels may read past a buffer only within its real extent (masked loads for tails) and
 *    never write outside their output range.
 * The folders are compiled with their own flags (setup.py ISA_DIRS); nothing outside them
 * may contain ISA-specific code. */
#ifndef TFLITE_RT_KERNELS_ISA_PLUGS_H
#define TFLITE_RT_KERNELS_ISA_PLUGS_H

#include "kernels.h"

/* Which float32 kernels are plugged. Dynamic-range (hybrid) models re-quantize float
 * activations, which turns last-bit float differences into int8 steps, larger output
 * differences than LiteRT's own kernels show. So by default only float32 kernels that are
 * bit-identical with the reference are plugged (the GEMM family, depthwise, elementwise
 * arithmetic, RELU family, pooling, reductions: they keep the reference's operations and order,
 * without FMA); fast_f32 (TFLITE_RT_FAST_F32=1, dispatch.c) also plugs those that are only
 * within the FLOAT32 tolerance (polynomial exp/erfc: LOGISTIC, TANH, GELU, SOFTMAX). Integer
 * kernels are bit-exact and always plugged. */
#if defined(__x86_64__) || defined(_M_X64)
/* x86_avx2/: AVX2 + FMA (+F16C). */
void tflrt_kernels_plug_avx2(tflrt_kernels* k, int fast_f32);
/* x86_avx512/: AVX-512 F/BW/DQ/VL (+FMA, F16C); runs after the AVX2 plug. */
void tflrt_kernels_plug_avx512(tflrt_kernels* k, int fast_f32);
#endif

#endif
