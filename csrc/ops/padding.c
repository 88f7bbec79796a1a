/* SAME/VALID window geometry (see padding.h). */
#include "padding.h"

#include "op.h"

const char* tflrt_padding_name(int32_t padding) {
  switch (padding) {
    case TFLRT_PADDING_SAME: return "SAME";
    case TFLRT_PADDING_VALID: return "VALID";
    default: return "UNKNOWN";
  }
}

const char* tflrt_window_1d(int32_t padding, int32_t in, int32_t filter, int32_t stride,
                            int32_t dilation, int32_t* out, int32_t* pad) {
  if (padding != TFLRT_PADDING_SAME && padding != TFLRT_PADDING_VALID)
    return "unknown padding type (expected SAME or VALID)";
  if (in < 0) return "negative input size";
  if (filter <= 0) return "filter size must be positive";
  if (stride <= 0) return "stride must be positive";
  if (dilation <= 0) return "dilation factor must be positive";
  const int64_t eff = ((int64_t)filter - 1) * (int64_t)dilation + 1;
  if ((int64_t)in + eff + (int64_t)stride > INT32_MAX)
    return "input size, dilated filter size and stride are too large (coordinates overflow int32)";
  int64_t o;
  if (padding == TFLRT_PADDING_SAME) {
    o = ((int64_t)in + stride - 1) / stride;
  } else {
    o = ((int64_t)in + stride - eff) / stride;
    if (o < 0) return "the dilated filter is larger than the input with VALID padding";
  }
  int64_t total = (o - 1) * (int64_t)stride + eff - (int64_t)in;
  if (total < 0) total = 0;
  *out = (int32_t)o;
  *pad = (int32_t)(total / 2);
  return NULL;
}

int tflrt_window_2d(struct tflrt_ctx* ctx, int32_t padding, int32_t in_h, int32_t in_w,
                    int32_t filter_h, int32_t filter_w, int32_t stride_h, int32_t stride_w,
                    int32_t dilation_h, int32_t dilation_w, int32_t* out_h, int32_t* out_w,
                    int32_t* pad_h, int32_t* pad_w) {
  if (stride_h <= 0 || stride_w <= 0)
    return tflrt_op_error(ctx, "strides must be positive (stride_h=%d, stride_w=%d)", (int)stride_h,
                          (int)stride_w);
  if (dilation_h <= 0 || dilation_w <= 0)
    return tflrt_op_error(ctx, "dilation factors must be positive (dilation_h=%d, dilation_w=%d)",
                          (int)dilation_h, (int)dilation_w);
  if (filter_h <= 0 || filter_w <= 0)
    return tflrt_op_error(ctx, "filter height and width must be positive (got %dx%d)",
                          (int)filter_h, (int)filter_w);
  if (padding != TFLRT_PADDING_SAME && padding != TFLRT_PADDING_VALID)
    return tflrt_op_error(ctx, "unknown padding %d (expected 0 = SAME or 1 = VALID)", (int)padding);
  const char* why = tflrt_window_1d(padding, in_h, filter_h, stride_h, dilation_h, out_h, pad_h);
  if (why)
    return tflrt_op_error(ctx, "height: %s (input %d, filter %d, stride %d, dilation %d, %s)", why,
                          (int)in_h, (int)filter_h, (int)stride_h, (int)dilation_h,
                          tflrt_padding_name(padding));
  why = tflrt_window_1d(padding, in_w, filter_w, stride_w, dilation_w, out_w, pad_w);
  if (why)
    return tflrt_op_error(ctx, "width: %s (input %d, filter %d, stride %d, dilation %d, %s)", why,
                          (int)in_w, (int)filter_w, (int)stride_w, (int)dilation_w,
                          tflrt_padding_name(padding));
  return TFLRT_OK;
}
