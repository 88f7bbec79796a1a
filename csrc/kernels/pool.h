/* 2-D pooling kernels: MAX_POOL_2D, AVERAGE_POOL_2D, L2_POOL_2D.
 *
 * Layout NHWC: input [batches, in_h, in_w, channels], output [batches, out_h, out_w, channels].
 * The window of output (y, x) covers input rows y * stride_h - pad_h + [0, filter_h) and
 * columns x * stride_w - pad_w + [0, filter_w), clipped to the input; padded positions are
 * skipped (not counted), as in TFLite. The op guarantees every clipped window is non-empty.
 *
 * Every kernel computes the output rows [begin, end) of the flattened (batch, out_y) range.
 *
 * Integer semantics (TFLite reference kernels): values are pooled in the input's integer
 * domain (input and output share scale and zero point); the average is the integer sum
 * divided by the window count, rounded half away from zero (uint8: sums are >= 0, so half up);
 * the result is clamped to [q_min, q_max], the fused activation range of the output. */
#ifndef TFLITE_RT_KERNELS_POOL_H
#define TFLITE_RT_KERNELS_POOL_H

#include <stdint.h>

typedef struct tflrt_pool_params {
  int32_t batches, in_h, in_w, channels;
  int32_t out_h, out_w;
  int32_t filter_h, filter_w, stride_h, stride_w, pad_h, pad_w;
  float f32_min, f32_max; /* float fused activation clamp */
  int32_t q_min, q_max;   /* integer fused activation clamp */
} tflrt_pool_params;

/* The kernel signatures as function types (which also declare the reference kernels below) and
 * the pointer types of the table slots. */
typedef void tflrt_f32_pool_kernel(const tflrt_pool_params* p, const float* input, float* output,
                                   int32_t begin, int32_t end);
typedef void tflrt_qs8_pool_kernel(const tflrt_pool_params* p, const int8_t* input,
                                   int8_t* output, int32_t begin, int32_t end);
typedef void tflrt_qu8_pool_kernel(const tflrt_pool_params* p, const uint8_t* input,
                                   uint8_t* output, int32_t begin, int32_t end);
typedef void tflrt_qs16_pool_kernel(const tflrt_pool_params* p, const int16_t* input,
                                    int16_t* output, int32_t begin, int32_t end);
typedef tflrt_f32_pool_kernel* tflrt_f32_pool_fn;
typedef tflrt_qs8_pool_kernel* tflrt_qs8_pool_fn;
typedef tflrt_qu8_pool_kernel* tflrt_qu8_pool_fn;
typedef tflrt_qs16_pool_kernel* tflrt_qs16_pool_fn;

typedef struct tflrt_pool_kernels {
  tflrt_f32_pool_fn f32_maxpool2d;
  tflrt_f32_pool_fn f32_avgpool2d;
  tflrt_f32_pool_fn f32_l2pool2d;
  tflrt_qs8_pool_fn qs8_maxpool2d;
  tflrt_qs8_pool_fn qs8_avgpool2d;
  tflrt_qu8_pool_fn qu8_maxpool2d;
  tflrt_qu8_pool_fn qu8_avgpool2d;
  tflrt_qs16_pool_fn qs16_maxpool2d;
  tflrt_qs16_pool_fn qs16_avgpool2d;
} tflrt_pool_kernels;

/* Fills every slot with the reference kernels (reference/pool_ref.c). */
void tflrt_pool_kernels_ref(tflrt_pool_kernels* k);

tflrt_f32_pool_kernel tflrt_f32_maxpool2d__ref, tflrt_f32_avgpool2d__ref, tflrt_f32_l2pool2d__ref;
tflrt_qs8_pool_kernel tflrt_qs8_maxpool2d__ref, tflrt_qs8_avgpool2d__ref;
tflrt_qu8_pool_kernel tflrt_qu8_maxpool2d__ref, tflrt_qu8_avgpool2d__ref;
tflrt_qs16_pool_kernel tflrt_qs16_maxpool2d__ref, tflrt_qs16_avgpool2d__ref;

#endif
