/* Element-wise math: ABS, NEG, SQRT, RSQRT, EXP, LOG, SIN, COS, CEIL, FLOOR, ROUND, SQUARE, SIGN,
 * with TFLite's semantics (BUILTIN_REF where it has the op, BUILTIN otherwise).
 *
 *   ABS     float32; int8 and int16 quantized (|x - zi| rescaled when the scales differ; int16
 *           needs zero points 0); int16 without quantization and int32 (plain |x|, wrapping)
 *   NEG     float32, int8, int16, int32, int64 (plain negation, wrapping; quantization ignored)
 *   SQRT    float32; int8/int16 quantized, computed in float and truncated (not rounded), as
 *           TFLite does; a negative input is an error at invoke
 *   RSQRT   float32; int8 quantized (fixed-point inverse square root); int16 through a table;
 *           an input below the zero point is an error at invoke
 *   EXP     float32; int8 (256-entry table); int16 (interpolated table, zero points 0)
 *   LOG     float32; int8 and int16 tables (log of x <= 0 gives the lowest output value)
 *   SIN, COS, CEIL, FLOOR, SQUARE   float32
 *   ROUND   float32, half to even
 *   SIGN    float32, float64, int32
 * float16/bfloat16 variants are not supported. */
#include "unary_op.h"

typedef enum { U_ABS, U_NEG, U_SQRT, U_RSQRT, U_EXP, U_LOG, U_SIN, U_COS, U_CEIL, U_FLOOR, U_ROUND, U_SQUARE, U_SIGN } unary_math_kind;

/* ---- lookup-table functions (float, as TFLite builds its tables) ---- */

static float exp_fn(float x, const void* arg) { return expf(x); }

/* log, with the lowest output value for x <= 0 (arg: that value in real units) */
static float log_fn(float x, const void* arg) { return x <= 0.0f ? *(const float*)arg : logf(x); }

/* 1/sqrt, with the largest int16 output for x <= 0 (arg: that value in real units) */
static float rsqrt_fn(float x, const void* arg) { return x <= 0.0f ? *(const float*)arg : 1.0f / sqrtf(x); }

/* ---- per-op preparation of quantized variants ---- */

static int prepare_abs_quantized(tflrt_ctx* ctx, tflrt_unary_data* d, const tflrt_tensor* in,
                                 const tflrt_tensor* out) {
  const tflrt_unary_kernels* k = &ctx->k->unary;
  int rc;
  if ((rc = tflrt_unary_check_quant_pair(ctx, in, out, in->type == TFLRT_INT16)) != TFLRT_OK) return rc;
  d->p.needs_rescale = in->scale != out->scale;
  if (d->p.needs_rescale &&
      (rc = tflrt_unary_multiplier_f32(ctx, in->scale / out->scale, &d->p.multiplier, &d->p.shift)) != TFLRT_OK)
    return rc;
  tflrt_type_range(in->type, &d->p.q_min, &d->p.q_max);
  d->fn = in->type == TFLRT_INT8 ? k->qs8_abs : k->qs16_abs;
  return TFLRT_OK;
}

static int prepare_sqrt_quantized(tflrt_ctx* ctx, tflrt_unary_data* d, const tflrt_tensor* in,
                                  const tflrt_tensor* out) {
  int rc;
  if ((rc = tflrt_unary_check_quant_pair(ctx, in, out, in->type == TFLRT_INT16)) != TFLRT_OK) return rc;
  d->p.input_scale = in->scale;
  d->p.output_scale = out->scale;
  tflrt_type_range(in->type, &d->p.q_min, &d->p.q_max);
  d->fn = in->type == TFLRT_INT8 ? ctx->k->unary.qs8_sqrt : ctx->k->unary.qs16_sqrt;
  d->check_min = 1;
  d->check_what = "SQRT is only defined for non-negative values";
  return TFLRT_OK;
}

static int prepare_rsqrt_quantized(tflrt_ctx* ctx, tflrt_node* node, tflrt_unary_data* d, const tflrt_tensor* in,
                                   const tflrt_tensor* out) {
  int rc;
  if ((rc = tflrt_unary_check_quant_pair(ctx, in, out, in->type == TFLRT_INT16)) != TFLRT_OK) return rc;
  d->check_min = 1;
  d->check_what = "RSQRT is only defined for positive values";
  if (in->type == TFLRT_INT16) {
    const float largest = (float)INT16_MAX * out->scale; /* the value for x <= 0 */
    return tflrt_unary_lut16(ctx, node, d, in, out, rsqrt_fn, &largest);
  }
  /* TFLite: 1 / (sqrtf(input_scale) * output_scale), the product in float, the quotient in double */
  const float denominator = sqrtf(in->scale) * out->scale;
  int s = 0;
  tflrt_quantize_multiplier(1.0 / (double)denominator, &d->p.multiplier, &s);
  d->p.shift = s;
  /* the kernel shifts by (shift - 20): keep that a valid right shift */
  if (s > 31 || s - 20 < -31)
    return tflrt_op_error(ctx, "input scale %g and output scale %g are out of range for the int8 RSQRT",
                          (double)in->scale, (double)out->scale);
  d->fn = ctx->k->unary.qs8_rsqrt;
  return TFLRT_OK;
}

static int prepare_exp_log_quantized(tflrt_ctx* ctx, tflrt_node* node, tflrt_unary_data* d, unary_math_kind kind,
                                     const tflrt_tensor* in, const tflrt_tensor* out) {
  int rc;
  if ((rc = tflrt_unary_check_quant_pair(ctx, in, out, in->type == TFLRT_INT16)) != TFLRT_OK) return rc;
  if (kind == U_EXP)
    return in->type == TFLRT_INT8 ? tflrt_unary_lut8(ctx, node, d, in, out, exp_fn, NULL)
                                  : tflrt_unary_lut16(ctx, node, d, in, out, exp_fn, NULL);
  /* LOG maps x <= 0 to the output's lowest representable value */
  const int32_t lowest = in->type == TFLRT_INT8 ? INT8_MIN : INT16_MIN;
  const float lowest_real = (float)(lowest - out->zero_point) * out->scale;
  return in->type == TFLRT_INT8 ? tflrt_unary_lut8(ctx, node, d, in, out, log_fn, &lowest_real)
                                : tflrt_unary_lut16(ctx, node, d, in, out, log_fn, &lowest_real);
}

static int unary_math_prepare(tflrt_ctx* ctx, tflrt_node* node, unary_math_kind kind) {
  tflrt_unary_data* d = node->data;
  const tflrt_unary_kernels* k = &ctx->k->unary;
  const tflrt_tensor* in = NULL;
  tflrt_tensor* out = NULL;
  int rc;
  if ((rc = tflrt_unary_start(ctx, node, d, &in, &out)) != TFLRT_OK) return rc;
  const int32_t t = in->type;
  const int f32 = t == TFLRT_FLOAT32;
  switch (kind) {
    case U_ABS:
      if (f32) d->fn = k->f32_abs;
      else if (t == TFLRT_INT32) d->fn = k->s32_abs;
      else if (t == TFLRT_INT16 && in->nq < 1) d->fn = k->s16_abs;
      else if (t == TFLRT_INT8 || t == TFLRT_INT16) rc = prepare_abs_quantized(ctx, d, in, out);
      else return tflrt_unary_unsupported(ctx, in, "FLOAT32, INT8, INT16, INT32");
      break;
    case U_NEG:
      if (f32) d->fn = k->f32_neg;
      else if (t == TFLRT_INT8) d->fn = k->s8_neg;
      else if (t == TFLRT_INT16) d->fn = k->s16_neg;
      else if (t == TFLRT_INT32) d->fn = k->s32_neg;
      else if (t == TFLRT_INT64) d->fn = k->s64_neg;
      else return tflrt_unary_unsupported(ctx, in, "FLOAT32, INT8, INT16, INT32, INT64");
      break;
    case U_SQRT:
      if (f32) d->fn = k->f32_sqrt;
      else if (t == TFLRT_INT8 || t == TFLRT_INT16) rc = prepare_sqrt_quantized(ctx, d, in, out);
      else return tflrt_unary_unsupported(ctx, in, "FLOAT32, INT8, INT16");
      break;
    case U_RSQRT:
      if (f32) d->fn = k->f32_rsqrt;
      else if (t == TFLRT_INT8 || t == TFLRT_INT16) rc = prepare_rsqrt_quantized(ctx, node, d, in, out);
      else return tflrt_unary_unsupported(ctx, in, "FLOAT32, INT8, INT16");
      break;
    case U_EXP:
    case U_LOG:
      if (f32) d->fn = kind == U_EXP ? k->f32_exp : k->f32_log;
      else if (t == TFLRT_INT8 || t == TFLRT_INT16) rc = prepare_exp_log_quantized(ctx, node, d, kind, in, out);
      else return tflrt_unary_unsupported(ctx, in, "FLOAT32, INT8, INT16");
      break;
    case U_SIGN:
      if (f32) d->fn = k->f32_sign;
      else if (t == TFLRT_FLOAT64) d->fn = k->f64_sign;
      else if (t == TFLRT_INT32) d->fn = k->s32_sign;
      else return tflrt_unary_unsupported(ctx, in, "FLOAT32, FLOAT64, INT32");
      break;
    default: {
      if (!f32) return tflrt_unary_unsupported(ctx, in, "FLOAT32");
      const tflrt_unary_fn fns[] = {[U_SIN] = k->f32_sin,     [U_COS] = k->f32_cos,     [U_CEIL] = k->f32_ceil,
                                    [U_FLOOR] = k->f32_floor, [U_ROUND] = k->f32_round, [U_SQUARE] = k->f32_square};
      d->fn = fns[kind];
      break;
    }
  }
  if (rc != TFLRT_OK) return rc;
  return tflrt_set_output_shape(ctx, out, in->ndims, in->dims);
}

static int abs_prepare(tflrt_ctx* ctx, tflrt_node* node) { return unary_math_prepare(ctx, node, U_ABS); }
static int neg_prepare(tflrt_ctx* ctx, tflrt_node* node) { return unary_math_prepare(ctx, node, U_NEG); }
static int sqrt_prepare(tflrt_ctx* ctx, tflrt_node* node) { return unary_math_prepare(ctx, node, U_SQRT); }
static int rsqrt_prepare(tflrt_ctx* ctx, tflrt_node* node) { return unary_math_prepare(ctx, node, U_RSQRT); }
static int exp_prepare(tflrt_ctx* ctx, tflrt_node* node) { return unary_math_prepare(ctx, node, U_EXP); }
static int log_prepare(tflrt_ctx* ctx, tflrt_node* node) { return unary_math_prepare(ctx, node, U_LOG); }
static int sin_prepare(tflrt_ctx* ctx, tflrt_node* node) { return unary_math_prepare(ctx, node, U_SIN); }
static int cos_prepare(tflrt_ctx* ctx, tflrt_node* node) { return unary_math_prepare(ctx, node, U_COS); }
static int ceil_prepare(tflrt_ctx* ctx, tflrt_node* node) { return unary_math_prepare(ctx, node, U_CEIL); }
static int floor_prepare(tflrt_ctx* ctx, tflrt_node* node) { return unary_math_prepare(ctx, node, U_FLOOR); }
static int round_prepare(tflrt_ctx* ctx, tflrt_node* node) { return unary_math_prepare(ctx, node, U_ROUND); }
static int square_prepare(tflrt_ctx* ctx, tflrt_node* node) { return unary_math_prepare(ctx, node, U_SQUARE); }
static int sign_prepare(tflrt_ctx* ctx, tflrt_node* node) { return unary_math_prepare(ctx, node, U_SIGN); }


#define UNARY_MATH_OP(var, op_name, code, vmax, prep)                                                           \
  const tflrt_op var = {.name = op_name, .builtin_code = code, .min_version = 1, .max_version = vmax,         \
                        .data_size = sizeof(tflrt_unary_data), .parse = NULL, .prepare = prep, .eval = tflrt_unary_eval}

/* Versions: those of TFLite's builtin resolver whose types are implemented here. */
UNARY_MATH_OP(tflrt_op_abs, "ABS", 101, 5, abs_prepare);
UNARY_MATH_OP(tflrt_op_neg, "NEG", 59, 1, neg_prepare);
UNARY_MATH_OP(tflrt_op_sqrt, "SQRT", 75, 2, sqrt_prepare);
UNARY_MATH_OP(tflrt_op_rsqrt, "RSQRT", 76, 3, rsqrt_prepare);
UNARY_MATH_OP(tflrt_op_exp, "EXP", 47, 2, exp_prepare);
UNARY_MATH_OP(tflrt_op_log, "LOG", 73, 2, log_prepare);
UNARY_MATH_OP(tflrt_op_sin, "SIN", 66, 1, sin_prepare);
UNARY_MATH_OP(tflrt_op_cos, "COS", 108, 1, cos_prepare);
UNARY_MATH_OP(tflrt_op_ceil, "CEIL", 104, 1, ceil_prepare);
UNARY_MATH_OP(tflrt_op_floor, "FLOOR", 8, 1, floor_prepare);
UNARY_MATH_OP(tflrt_op_round, "ROUND", 116, 1, round_prepare);
UNARY_MATH_OP(tflrt_op_square, "SQUARE", 92, 1, square_prepare);
UNARY_MATH_OP(tflrt_op_sign, "SIGN", 158, 2, sign_prepare);
