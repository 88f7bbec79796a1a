/* 3-D convolution kernels (CONV_3D), float32.
 *
 * Layouts (TFLite's): input  [batches, in_d, in_h, in_w, in_c]          (NDHWC)
 *                     filter [filter_d, filter_h, filter_w, in_c, out_c] (DHWIO)
 *                     output [batches, out_d, out_h, out_w, out_c]
 * Output (z, y, x) reads input (z * stride_d - pad_d + fz * dilation_d, ...) for every tap,
 * skipping taps outside the input (zero padding).
 * Semantics (TFLite's reference kernel): total = 0.0f + sum over fz, fy, fx, ic (in that order,
 * each ascending) of in * w; out = clamp(total + (bias ? bias[oc] : 0.0f), f32_min, f32_max).
 * A kernel computes the output rows [begin, end) of the flattened (batch, out_z, out_y) range.
 */
#ifndef TFLITE_RT_KERNELS_CONV3D_H
#define TFLITE_RT_KERNELS_CONV3D_H

#include <stdint.h>

typedef struct tflrt_conv3d_params {
  int32_t batches, in_d, in_h, in_w, in_c;
  int32_t out_d, out_h, out_w, out_c;
  int32_t filter_d, filter_h, filter_w;
  int32_t stride_d, stride_h, stride_w;
  int32_t dilation_d, dilation_h, dilation_w;
  int32_t pad_d, pad_h, pad_w;
  float f32_min, f32_max;
} tflrt_conv3d_params;

typedef void (*tflrt_f32_conv3d_fn)(const tflrt_conv3d_params* p, const float* input,
                                    const float* filter, const float* bias, float* output,
                                    int32_t begin, int32_t end);

typedef struct tflrt_conv3d_kernels {
  tflrt_f32_conv3d_fn f32_conv3d;
} tflrt_conv3d_kernels;

/* Fills every slot with the reference kernels (reference/conv3d_ref.c). */
void tflrt_conv3d_kernels_ref(tflrt_conv3d_kernels* k);

#endif
