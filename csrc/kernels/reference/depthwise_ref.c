/* Reference DEPTHWISE_CONV_2D kernels (the executable spec; see kernels/conv.h).
 *
 * Output channel oc = ic * depth_multiplier + m reads input channel ic and filter column oc
 * (filter [1, filter_h, filter_w, out_c]). The loop, the tap sums and the requantization are
 * shared with CONV_2D (conv_ref.h): each kernel here runs them over the depthwise taps, the sum
 * over filter_y then filter_x, skipping taps outside the input, as in TFLite's reference kernels.
 * The hybrid kernel always scales as TFLRT_HYBRID_DEPTHWISE. */
#include "conv_ref.h"

DEFINE_CONV_KERNEL(tflrt_f32_dwconv2d__ref, f32_conv, 1, float, float, float, float)
DEFINE_CONV_KERNEL(tflrt_qs8_dwconv2d__ref, qs8_conv, 1, int8_t, int8_t, int32_t, int8_t)
DEFINE_CONV_KERNEL(tflrt_qu8_dwconv2d__ref, qu8_conv, 1, uint8_t, uint8_t, int32_t, uint8_t)
DEFINE_CONV_KERNEL(tflrt_qs16_dwconv2d__ref, qs16_conv, 1, int16_t, int8_t, int64_t, int16_t)

void tflrt_qd8_f32_dwconv2d__ref(const tflrt_conv_params* p, const int8_t* input,
                                 const float* batch_scale, const int32_t* batch_zp,
                                 const int8_t* filter, const float* bias, float* output,
                                 int32_t begin, int32_t end) {
  qd8_f32_conv(p, input, batch_scale, batch_zp, filter, bias, output, begin, end, 1);
}
