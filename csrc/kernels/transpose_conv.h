/* Transposed convolution kernels (TRANSPOSE_CONV), every data type.
 *
 * Parameters are the convolution family's tflrt_conv_params (kernels/conv.h), read as:
 *   input  [batches, in_h, in_w, in_c], filter [out_c, filter_h, filter_w, in_c] (OHWI),
 *   output [batches, out_h, out_w, out_c], stride_h/stride_w, pad_h/pad_w (the padding of the
 *   equivalent forward convolution from the output size), f32_min/f32_max, input_offset,
 *   filter_offset (uint8 only), output_offset, q_min/q_max, out_mult/out_shift (out_c entries,
 *   TFLite sign convention), filter_scale (hybrid, out_c entries).
 * Input pixel (iy, ix) contributes filter tap (fy, fx) to output (iy * stride_h - pad_h + fy,
 * ix * stride_w - pad_w + fx) when that lies inside the output.
 *
 * Every kernel computes the output rows [begin, end) of the flattened (batch, out_y) range,
 * gathering for each output element the contributions in TFLite's reference ("scatter")
 * order: input rows ascending, then input columns, then input channels. Semantics:
 *   f32      acc = 0.0f + sum in * w; out = clamp(acc + bias, f32_min, f32_max)
 *   qs8      acc(int32, wrapping) = sum (in + input_offset) * w + bias;
 *            out = clamp(MBQM(acc, mult[c], shift[c]) + output_offset, q_min, q_max)
 *   qu8      the same with (w + filter_offset)
 *   qs16     int16 input (zero point 0), int8 filter: acc(int64) = sum in * w + bias(int64);
 *            out = clamp(MBQM64(acc) with a wrapping int32 result, q_min, q_max)
 *   qs16_acc32  the same with an int32 wrapping accumulator, int32 bias and the 32-bit MBQM
 *   qd8_f32  hybrid: the float input was quantized per batch (batch_scale[b], batch_zp[b]);
 *            acc = 0.0f + sum (float)((q - batch_zp[b]) * w) * filter_scale[c] * batch_scale[b]
 *            (each term rounded in float, as TFLite); out = clamp(acc + bias, f32 range)
 * bias may be NULL. */
#ifndef TFLITE_RT_KERNELS_TRANSPOSE_CONV_H
#define TFLITE_RT_KERNELS_TRANSPOSE_CONV_H

#include <stdint.h>

#include "conv.h"

typedef struct tflrt_tconv_kernels {
  tflrt_f32_conv_fn f32_tconv;
  tflrt_qs8_conv_fn qs8_tconv;
  tflrt_qu8_conv_fn qu8_tconv;
  tflrt_qs16_conv_fn qs16_tconv;             /* int64 bias, 64-bit accumulator */
  tflrt_qs16_conv_acc32_fn qs16_tconv_acc32; /* int32 bias, 32-bit accumulator */
  tflrt_qd8_f32_conv_fn qd8_f32_tconv;
} tflrt_tconv_kernels;

/* Fills every slot with the reference kernels (reference/transpose_conv_ref.c). */
void tflrt_tconv_kernels_ref(tflrt_tconv_kernels* k);

#endif
