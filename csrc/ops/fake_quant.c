/* FAKE_QUANT: quantize-dequantize float32 values through a [min, max] range of num_bits.
 *
 * TFLite semantics (tflite/kernels/fake_quant.cc, quantization_util.cc NudgeQuantizationRange
 * and FakeQuantizeArray): options min, max, num_bits, narrow_range (FakeQuantOptions;
 * narrow_range is refused, as TFLite refuses it). quant range [0, 2^num_bits - 1]; in float:
 * scale = (max - min) / qmax, zero point = clamp(round(0 - min / scale)) (round half away from
 * zero), nudged_min = -zp * scale, nudged_max = (qmax - zp) * scale; each value is clamped to
 * [nudged_min, nudged_max] and becomes round((v - nudged_min) / scale) * scale + nudged_min,
 * the division done as a multiply by 1 / scale. Here num_bits must be 2..16 and
 * min <= 0 <= max with min < max (TFLite only debug-checks the range). */
#include <math.h>

#include "op.h"
#include "op_util.h"

#define FAKE_QUANT_OPTIONS_TYPE 58 /* BuiltinOptions: FakeQuantOptions {min, max, num_bits, narrow_range} */

typedef struct {
  float min, max;
  int32_t num_bits;
  int narrow_range;
  float nudged_min, nudged_max, scale;
} fake_quant_data;

static int fq_parse(tflrt_ctx* ctx, tflrt_node* node) {
  fake_quant_data* d = node->data;
  d->min = d->max = 0.0f;
  d->num_bits = 0;
  d->narrow_range = 0;
  if (node->options == NULL || node->options_type != FAKE_QUANT_OPTIONS_TYPE)
    return tflrt_op_error(ctx, "FakeQuantOptions are missing");
  if (fb_f32(node->options, 0, 0.0f, &d->min) || fb_f32(node->options, 1, 0.0f, &d->max) ||
      fb_i32(node->options, 2, 0, &d->num_bits) || fb_bool(node->options, 3, 0, &d->narrow_range))
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed FakeQuantOptions");
  if (d->narrow_range)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED,
                         "narrow_range FakeQuant is not supported at run time (TFLite refuses it too)");
  if (d->num_bits < 2 || d->num_bits > 16)
    return tflrt_op_error(ctx, "num_bits is %d; it must be in [2, 16]", (int)d->num_bits);
  if (!(d->min <= 0.0f && d->max >= 0.0f && d->min < d->max))
    return tflrt_op_error(ctx, "the range [%g, %g] must contain 0 and have min < max", (double)d->min, (double)d->max);
  /* nudge the range so that 0 is exactly representable */
  const float qmin = 0.0f, qmax = (float)((1 << d->num_bits) - 1);
  d->scale = (d->max - d->min) / (qmax - qmin);
  const float zp_from_min = qmin - d->min / d->scale;
  float zp;
  if (zp_from_min < qmin) zp = qmin;
  else if (zp_from_min > qmax) zp = qmax;
  else zp = (float)(uint16_t)roundf(zp_from_min);
  d->nudged_min = (qmin - zp) * d->scale;
  d->nudged_max = (qmax - zp) * d->scale;
  return TFLRT_OK;
}

static int fq_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  int rc = tflrt_check_io(ctx, node, 1, 1);
  if (rc) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (in->type != TFLRT_FLOAT32 || out->type != TFLRT_FLOAT32)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "only float32 is supported, got %s", tflrt_type_name(in->type));
  return tflrt_set_output_shape(ctx, out, in->ndims, in->dims);
}

static int fq_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const fake_quant_data* d = node->data;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const float* x = in->data;
  float* y = tflrt_out(ctx, node, 0)->data;
  const int64_t n = tflrt_num_elements(in);
  const float inv = 1.0f / d->scale;
  for (int64_t i = 0; i < n; i++) {
    const float lo = d->nudged_min < x[i] ? x[i] : d->nudged_min; /* std::max(nudged_min, v) */
    const float c = lo < d->nudged_max ? lo : d->nudged_max;       /* std::min(nudged_max, .) */
    y[i] = roundf((c - d->nudged_min) * inv) * d->scale + d->nudged_min;
  }
  return TFLRT_OK;
}

const tflrt_op tflrt_op_fake_quant = {
    .name = "FAKE_QUANT", .builtin_code = 80, .min_version = 1, .max_version = 2,
    .data_size = sizeof(fake_quant_data), .parse = fq_parse, .prepare = fq_prepare, .eval = fq_eval,
};
