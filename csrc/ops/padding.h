/* Output size and padding of windowed ops (CONV_2D, DEPTHWISE_CONV_2D, pools), per spatial
 * dimension, with TFLite's SAME/VALID rules (TensorFlow's GetWindowedOutputSize):
 *   effective filter  e = (filter - 1) * dilation + 1
 *   SAME:   out = ceil(in / stride)
 *   VALID:  out = (in + stride - e) / stride, C division (truncating toward zero); an input
 *           smaller than the window by less than a stride gives out = 0 (an empty output,
 *           as in TFLite), by more it is an error
 *   pad (before the first element) = max((out - 1) * stride + e - in, 0) / 2
 * Besides TFLite's checks, the helper rejects geometries whose coordinates would not fit the
 * kernels' int32 arithmetic: in + e + stride must stay below 2^31. Then for every output
 * position o < out and tap t < filter, o * stride - pad + t * dilation lies in int32. */
#ifndef TFLITE_RT_OPS_PADDING_H
#define TFLITE_RT_OPS_PADDING_H

#include <stddef.h>
#include <stdint.h>

/* Padding enum of the schema. */
enum { TFLRT_PADDING_SAME = 0, TFLRT_PADDING_VALID = 1 };

/* Computes *out and *pad for one dimension. Returns NULL on success, otherwise a static
 * message naming the problem (for the op to prefix with the dimension name). */
const char* tflrt_window_1d(int32_t padding, int32_t in, int32_t filter, int32_t stride,
                            int32_t dilation, int32_t* out, int32_t* pad);

/* "SAME", "VALID" or "UNKNOWN". */
const char* tflrt_padding_name(int32_t padding);

struct tflrt_ctx;

/* Both spatial dimensions at once, for an op's prepare: validates strides, dilations and the
 * padding type, then computes the output size and padding of height and width. On failure
 * records a message naming the dimension and its parameters (tflrt_op_error) and returns its
 * status. */
int tflrt_window_2d(struct tflrt_ctx* ctx, int32_t padding, int32_t in_h, int32_t in_w,
                    int32_t filter_h, int32_t filter_w, int32_t stride_h, int32_t stride_w,
                    int32_t dilation_h, int32_t dilation_w, int32_t* out_h, int32_t* out_w,
                    int32_t* pad_h, int32_t* pad_w);

#endif
