/* X-macro lists naming the rows and columns of register tiles (f32_gemm_ukernels.c.inc). */
#ifndef TFLITE_RT_SIMD_XLISTS_H
#define TFLITE_RT_SIMD_XLISTS_H

#define XROWS1(X) X(0)
#define XROWS2(X) X(0) X(1)
#define XROWS3(X) X(0) X(1) X(2)
#define XROWS4(X) X(0) X(1) X(2) X(3)
#define XROWS6(X) X(0) X(1) X(2) X(3) X(4) X(5)
#define XROWS8(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)

#define XCOLS2(X, r) X(r, 0) X(r, 1)
#define XCOLS3(X, r) X(r, 0) X(r, 1) X(r, 2)
#define XCOLS4(X, r) X(r, 0) X(r, 1) X(r, 2) X(r, 3)
#define XCOLS8(X, r) X(r, 0) X(r, 1) X(r, 2) X(r, 3) X(r, 4) X(r, 5) X(r, 6) X(r, 7)

#endif
