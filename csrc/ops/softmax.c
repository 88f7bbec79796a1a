/* SOFTMAX over the last axis, TFLite semantics (versions 1-3): float32 with beta; int8 and
 * uint8 inputs with 8-bit or int16 outputs (TFLite's reference fixed-point algorithm); int16
 * with the two int16 lookup tables. Multipliers and tables are computed here, in prepare. */
#include <math.h>
#include <string.h>

#include "../quant/fixedpoint.h"
#include "../quant/quant.h"
#include "op.h"
#include "op_util.h"

#define SOFTMAX_OPTIONS_TYPE 9 /* BuiltinOptions union: SoftmaxOptions */
#define SLOT_BETA 0            /* SoftmaxOptions.beta */
#define SCALED_DIFF_INTEGER_BITS 5
#define QS16_MAX_DEPTH 65536 /* keeps the int32 sum of Q0.15 exps from overflowing */

enum { SM_F32, SM_QS8, SM_QU8, SM_QS8_QS16, SM_QU8_QS16, SM_QS16 };

typedef struct {
  float beta;
  int32_t kind;
  tflrt_softmax_params p;
} softmax_data;

static int softmax_parse(tflrt_ctx* ctx, tflrt_node* node) {
  softmax_data* d = node->data;
  d->beta = 0.0f; /* TFLite's value when the options table is absent */
  if (node->options != NULL && node->options_type == SOFTMAX_OPTIONS_TYPE &&
      fb_f32(node->options, SLOT_BETA, 0.0f, &d->beta))
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed SoftmaxOptions");
  if (!isfinite(d->beta)) return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "beta must be finite, got %g", (double)d->beta);
  return TFLRT_OK;
}

/* The output quantization the fixed-point kernels produce: scale 2^-bits, zero point zp. */
static int check_output_quant(tflrt_ctx* ctx, const tflrt_tensor* out, double scale, int32_t zp,
                              const char* scale_text) {
  if (out->nq < 1 || out->zero_point != zp || fabs((double)out->scale - scale) > 0.001 * scale)
    return tflrt_op_error(ctx,
                          "%s output must have scale %s and zero point %d (got scale %g, zero point %d)",
                          tflrt_type_name(out->type), scale_text, (int)zp, out->nq ? (double)out->scale : 0.0,
                          out->nq ? (int)out->zero_point : 0);
  return TFLRT_OK;
}

static double exp_fn(double x, const void* arg) { return exp(x); }
static double recip_fn(double x, const void* arg) { return 1.0 / (1.0 + x); }

static int prepare_8bit(tflrt_ctx* ctx, softmax_data* d, const tflrt_tensor* in) {
  /* PreprocessSoftmaxScaling: multiplier of the input difference into Q5.26, capped. */
  const double real = fmin((double)d->beta * (double)in->scale * (double)(1 << (31 - SCALED_DIFF_INTEGER_BITS)),
                           2147483647.0);
  if (!(real > 1.0))
    return tflrt_op_error(ctx, "beta x input scale = %g is too small for the quantized softmax (must exceed 2^-26)",
                          (double)d->beta * (double)in->scale);
  int shift;
  tflrt_quantize_multiplier(real, &d->p.input_multiplier, &shift);
  d->p.input_left_shift = shift;
  /* CalculateInputRadius: the largest |diff| whose rescaled value still fits. */
  const double radius = 1.0 * ((1 << SCALED_DIFF_INTEGER_BITS) - 1) *
                        (double)(1LL << (31 - SCALED_DIFF_INTEGER_BITS)) / (double)(1LL << shift);
  d->p.diff_min = -(int32_t)floor(radius);
  return TFLRT_OK;
}

static int prepare_16bit(tflrt_ctx* ctx, tflrt_node* node, softmax_data* d, const tflrt_tensor* in) {
  if (d->p.depth > QS16_MAX_DEPTH)
    return tflrt_op_error(ctx, "int16 softmax supports at most %d classes, got %d", QS16_MAX_DEPTH, (int)d->p.depth);
  /* Scale the difference so that [-65535, 0] covers [-10, 0]; TFLite multiplies the float
   * scale and beta in float before dividing in double. */
  const float scale_beta = in->scale * d->beta;
  const double real = (double)scale_beta / (10.0 / 65535.0);
  int shift;
  tflrt_quantize_multiplier(real, &d->p.input_multiplier, &shift);
  if (shift > 30)
    return tflrt_op_error(ctx, "beta x input scale = %g is too large for the int16 softmax", (double)scale_beta);
  d->p.input_left_shift = shift;
  int16_t* luts = tflrt_persistent_alloc(ctx, node, 2 * TFLRT_LUT16_SIZE * sizeof(int16_t));
  if (luts == NULL) return TFLRT_ERR_NOMEM;
  const int32_t range = 65535;
  /* exp on [-10, 0] and 1/(1+x) on [0, 1], both into the symmetric [-1, 1] output range */
  tflrt_lut16_populate_f64(10.0 / range, 32767, 2.0 / range, 0, exp_fn, NULL, luts);
  tflrt_lut16_populate_f64(1.0 / range, -32768, 2.0 / range, 0, recip_fn, NULL, luts + TFLRT_LUT16_SIZE);
  d->p.exp_lut = luts;
  d->p.recip_lut = luts + TFLRT_LUT16_SIZE;
  return TFLRT_OK;
}

static int softmax_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  softmax_data* d = node->data;
  int rc;
  if ((rc = tflrt_check_io(ctx, node, 1, 1)) != TFLRT_OK) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (in->ndims < 1) return tflrt_op_error(ctx, "input must have rank >= 1");
  memset(&d->p, 0, sizeof(d->p));
  d->p.beta = d->beta;
  d->p.depth = in->dims[in->ndims - 1];
  int64_t rows = 1;
  for (int32_t i = 0; i + 1 < in->ndims; i++) rows *= in->dims[i];
  if (rows > INT32_MAX) return tflrt_op_error(ctx, "row count %lld overflows int32", (long long)rows);
  d->p.rows = (int32_t)rows;
  const int32_t ti = in->type, to = out->type;
  const int quantized_ok = in->nq >= 1 && in->scale > 0.0f && isfinite(in->scale);
  if (ti == TFLRT_FLOAT32 && to == TFLRT_FLOAT32) {
    d->kind = SM_F32;
  } else if ((ti == TFLRT_INT8 || ti == TFLRT_UINT8) && (to == ti || to == TFLRT_INT16)) {
    if (!quantized_ok) goto no_input_quant;
    if (to == TFLRT_INT16) {
      rc = check_output_quant(ctx, out, 1.0 / 65536, -32768, "1/65536");
      d->kind = ti == TFLRT_INT8 ? SM_QS8_QS16 : SM_QU8_QS16;
    } else {
      rc = check_output_quant(ctx, out, 1.0 / 256, ti == TFLRT_INT8 ? -128 : 0, "1/256");
      d->kind = ti == TFLRT_INT8 ? SM_QS8 : SM_QU8;
    }
    if (rc != TFLRT_OK || (rc = prepare_8bit(ctx, d, in)) != TFLRT_OK) return rc;
  } else if (ti == TFLRT_INT16 && to == TFLRT_INT16) {
    if (!quantized_ok) goto no_input_quant;
    if (in->zero_point != 0) return tflrt_op_error(ctx, "int16 input needs zero point 0, got %d", (int)in->zero_point);
    if ((rc = check_output_quant(ctx, out, 1.0 / 32768, 0, "1/32768")) != TFLRT_OK) return rc;
    if ((rc = prepare_16bit(ctx, node, d, in)) != TFLRT_OK) return rc;
    d->kind = SM_QS16;
  } else {
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED,
                         "unsupported types: input %s, output %s (supported: FLOAT32 -> FLOAT32, INT8 -> INT8/INT16, "
                         "UINT8 -> UINT8/INT16, INT16 -> INT16)",
                         tflrt_type_name(ti), tflrt_type_name(to));
  }
  return tflrt_set_output_shape(ctx, out, in->ndims, in->dims);
no_input_quant:
  return tflrt_op_error(ctx, "%s input needs quantization parameters with a positive scale", tflrt_type_name(ti));
}

typedef struct {
  const softmax_data* d;
  const tflrt_softmax_kernels* k;
  const void* in;
  void* out;
} softmax_work;

static void softmax_rows(void* arg, int32_t begin, int32_t end) {
  const softmax_work* w = arg;
  const tflrt_softmax_params* p = &w->d->p;
  switch (w->d->kind) {
    case SM_F32: w->k->f32_softmax(p, w->in, w->out, begin, end); break;
    case SM_QS8: w->k->qs8_softmax(p, w->in, w->out, begin, end); break;
    case SM_QU8: w->k->qu8_softmax(p, w->in, w->out, begin, end); break;
    case SM_QS8_QS16: w->k->qs8_qs16_softmax(p, w->in, w->out, begin, end); break;
    case SM_QU8_QS16: w->k->qu8_qs16_softmax(p, w->in, w->out, begin, end); break;
    case SM_QS16: w->k->qs16_softmax(p, w->in, w->out, begin, end); break;
    default: break;
  }
}

static int softmax_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const softmax_data* d = node->data;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (d->p.rows == 0 || d->p.depth == 0) return TFLRT_OK;
  if (in->data == NULL || out->data == NULL) return tflrt_op_error(ctx, "input or output tensor has no data");
  softmax_work w = {.d = d, .k = &ctx->k->softmax, .in = in->data, .out = out->data};
  tflrt_parallel_for(ctx, d->p.rows, softmax_rows, &w);
  return TFLRT_OK;
}

const tflrt_op tflrt_op_softmax = {
    .name = "SOFTMAX",
    .builtin_code = 25,
    .min_version = 1,
    .max_version = 3,
    .data_size = sizeof(softmax_data),
    .parse = softmax_parse,
    .prepare = softmax_prepare,
    .eval = softmax_eval,
};
