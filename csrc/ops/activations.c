/* Activations: RELU, RELU6, RELU_N1_TO_1, RELU_0_TO_1, LEAKY_RELU, ELU, HARD_SWISH, GELU,
 * LOGISTIC, TANH (element-wise), PRELU (alpha broadcast to the input) and LOG_SOFTMAX (last
 * axis), with the semantics of TFLite's BUILTIN_REF kernels (BUILTIN for ELU, which the
 * reference resolver lacks).
 *
 *   RELU, RELU6          float32; uint8, int8, int16 (zero points 0): requantized then clamped
 *   RELU_N1_TO_1, RELU_0_TO_1   float32; uint8, int8
 *   LEAKY_RELU           float32; uint8, int8, int16 (zero points 0): two multipliers
 *   ELU                  float32; int8 (table)
 *   HARD_SWISH           float32; uint8, int8 (TFLite's 16-bit fixed-point method)
 *   GELU                 float32 (erf or tanh form); uint8, int8 (256-entry table), int16 (513)
 *   LOGISTIC             float32; uint8, int8 (table; output scale 1/256); int16 (sigmoid-table
 *                        interpolation; zero points 0, output scale 1/32768)
 *   TANH                 float32; uint8, int8 (table); int16 (as LOGISTIC, output scale 1/32768)
 *   PRELU                float32; uint8, int8 (alpha of the same type); int16 with int8 alpha
 *   LOG_SOFTMAX          float32; uint8, int8 (fixed point; output scale 16/256, zero point 255
 *                        or 127) */
#include "unary_op.h"

#define LEAKY_RELU_OPTIONS_TYPE 75 /* BuiltinOptions: LeakyReluOptions {alpha: float} */
#define GELU_OPTIONS_TYPE 116      /* BuiltinOptions: GeluOptions {approximate: bool} */

typedef enum {
  A_RELU, A_RELU6, A_RELU_N1_TO_1, A_RELU_0_TO_1, A_LEAKY_RELU, A_ELU, A_HARD_SWISH, A_GELU, A_LOGISTIC, A_TANH
} act_kind;

typedef struct {
  tflrt_unary_data u; /* first member: tflrt_unary_eval reads node->data as this */
  float alpha;        /* LEAKY_RELU */
  int approximate;    /* GELU */
} act_data;

static int leaky_relu_parse(tflrt_ctx* ctx, tflrt_node* node) {
  act_data* d = node->data;
  d->alpha = 0.0f; /* TFLite's value when the options are absent */
  if (node->options != NULL && node->options_type == LEAKY_RELU_OPTIONS_TYPE &&
      fb_f32(node->options, 0, 0.0f, &d->alpha))
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed LeakyReluOptions");
  return TFLRT_OK;
}

static int gelu_parse(tflrt_ctx* ctx, tflrt_node* node) {
  act_data* d = node->data;
  d->approximate = 0;
  if (node->options != NULL && node->options_type == GELU_OPTIONS_TYPE &&
      fb_bool(node->options, 0, 0, &d->approximate))
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed GeluOptions");
  return TFLRT_OK;
}

/* ---- table functions, in float as TFLite builds its tables ---- */

static float sigmoid_fn(float x, const void* arg) { return 1.0f / (1.0f + expf(-x)); }
static float tanh_fn(float x, const void* arg) { return tanhf(x); }
static float elu_fn(float x, const void* arg) { return x < 0.0f ? expm1f(x) : x; }
static float gelu_fn(float x, const void* arg) { return 0.5f * x * erfcf(x * (float)-0.70710678118654752440); }
static float gelu_tanh_fn(float x, const void* arg) {
  const float sqrt_2_over_pi = (float)0.79788456080286535588;
  return 0.5f * x * (1.0f + tanhf(sqrt_2_over_pi * (x + 0.044715f * x * x * x)));
}

/* ---- helpers ---- */

/* (int32_t) of a float as x86-64 converts it: NaN and out-of-range values give INT32_MIN. */
static int32_t f32_to_i32_x86(float v) {
  if (!(v > -2147483904.0f && v < 2147483648.0f)) return INT32_MIN;
  return (int32_t)v;
}

/* Clamp bounds of a quantized ReLU-like activation over [act_min, act_max] (act_max may be
 * +inf): zero point plus the rounded bound in output units, within the type's range. */
static void relu_bounds(const tflrt_tensor* out, float act_min, float act_max, int32_t* lo, int32_t* hi) {
  int32_t tmin = 0, tmax = 0;
  tflrt_type_range(out->type, &tmin, &tmax);
  const int32_t qlo = tflrt_wrap_i32((int64_t)out->zero_point + f32_to_i32_x86(roundf(act_min / out->scale)));
  *lo = qlo > tmin ? qlo : tmin;
  if (isinf(act_max)) {
    *hi = tmax;
  } else {
    const int32_t qhi = tflrt_wrap_i32((int64_t)out->zero_point + f32_to_i32_x86(roundf(act_max / out->scale)));
    *hi = qhi < tmax ? qhi : tmax;
  }
}

/* TFLite's DownScaleInt32ToInt16Multiplier: round a Q31 multiplier to Q15. */
static int16_t q31_to_q15(int32_t m) {
  if (m >= INT32_MAX - (1 << 15)) return INT16_MAX;
  return (int16_t)((m + (1 << 15)) >> 16);
}

/* ---- element-wise activations ---- */

static int prepare_relu_quantized(tflrt_ctx* ctx, act_kind kind, tflrt_unary_data* d, const tflrt_tensor* in,
                                  const tflrt_tensor* out) {
  static const float bounds[4][2] = {{0.0f, INFINITY}, {0.0f, 6.0f}, {-1.0f, 1.0f}, {0.0f, 1.0f}};
  const tflrt_unary_kernels* k = &ctx->k->unary;
  int rc;
  if ((rc = tflrt_unary_check_quant_pair(ctx, in, out, in->type == TFLRT_INT16)) != TFLRT_OK) return rc;
  if ((rc = tflrt_unary_multiplier_f32(ctx, in->scale / out->scale, &d->p.multiplier, &d->p.shift)) != TFLRT_OK)
    return rc;
  relu_bounds(out, bounds[kind][0], bounds[kind][1], &d->p.q_min, &d->p.q_max);
  d->fn = in->type == TFLRT_INT8 ? k->qs8_requantize : (in->type == TFLRT_UINT8 ? k->qu8_requantize : k->qs16_requantize);
  return TFLRT_OK;
}

static int prepare_leaky_relu_quantized(tflrt_ctx* ctx, act_data* a, const tflrt_tensor* in,
                                        const tflrt_tensor* out) {
  tflrt_unary_data* d = &a->u;
  const tflrt_unary_kernels* k = &ctx->k->unary;
  int rc;
  if ((rc = tflrt_unary_check_quant_pair(ctx, in, out, in->type == TFLRT_INT16)) != TFLRT_OK) return rc;
  if ((rc = tflrt_unary_multiplier_f32(ctx, in->scale * a->alpha / out->scale, &d->p.alpha_multiplier,
                                       &d->p.alpha_shift)) != TFLRT_OK ||
      (rc = tflrt_unary_multiplier_f32(ctx, in->scale / out->scale, &d->p.multiplier, &d->p.shift)) != TFLRT_OK)
    return rc;
  tflrt_type_range(in->type, &d->p.q_min, &d->p.q_max);
  d->fn = in->type == TFLRT_INT8 ? k->qs8_leaky_relu : (in->type == TFLRT_UINT8 ? k->qu8_leaky_relu : k->qs16_leaky_relu);
  return TFLRT_OK;
}

static int prepare_hard_swish_quantized(tflrt_ctx* ctx, tflrt_unary_data* d, const tflrt_tensor* in,
                                        const tflrt_tensor* out) {
  int rc;
  if ((rc = tflrt_unary_check_quant_pair(ctx, in, out, 0)) != TFLRT_OK) return rc;
  /* The input is first moved to a scale 2^7 finer; "reluish" values use 3/32768 per step. */
  const float hires_scale = (1.0f / 128.0f) * in->scale;
  const float reluish_scale = 3.0f / 32768.0f;
  int32_t m = 0;
  int e = 0;
  tflrt_quantize_multiplier((double)(hires_scale / out->scale), &m, &e);
  if (e > 0)
    return tflrt_op_error(ctx, "input scale %g / output scale %g is too large for the quantized HARD_SWISH",
                          (double)in->scale, (double)out->scale);
  d->p.hs_output_multiplier = q31_to_q15(m);
  d->p.hs_output_exponent = e;
  tflrt_quantize_multiplier((double)(hires_scale / reluish_scale), &m, &e);
  d->p.hs_reluish_multiplier = q31_to_q15(m);
  d->p.hs_reluish_exponent = e;
  tflrt_type_range(in->type, &d->p.q_min, &d->p.q_max);
  d->fn = in->type == TFLRT_INT8 ? ctx->k->unary.qs8_hard_swish : ctx->k->unary.qu8_hard_swish;
  return TFLRT_OK;
}

/* int16 LOGISTIC and TANH: zero points 0, output scale 2^-15; the input is either used as is
 * (a power-of-two scale the kernel handles with a shift) or rescaled by a multiplier. */
static int prepare_sigmoid16(tflrt_ctx* ctx, act_kind kind, tflrt_unary_data* d, const tflrt_tensor* in,
                             const tflrt_tensor* out) {
  int rc;
  if ((rc = tflrt_unary_check_quant_pair(ctx, in, out, 1)) != TFLRT_OK) return rc;
  int out_log2 = 0;
  if (kind == A_LOGISTIC ? (double)out->scale != 1.0 / 32768
                         : (!tflrt_checked_log2(out->scale, &out_log2) || out_log2 != -15))
    return tflrt_op_error(ctx, "int16 output must have scale 1/32768, got %g", (double)out->scale);
  int in_log2 = 0;
  const int pot = tflrt_checked_log2(in->scale, &in_log2);
  const int shift = 12 + in_log2; /* 15 - 3 integer bits */
  d->p.multiplier = 0;
  d->p.input_left_shift = shift;
  if (!(pot && (shift == 0 || (kind == A_TANH && shift == 1)))) {
    /* rescale so that 2^17 stands for 10.7 (3 * 4096 steps per unit), with 15-16 bits */
    double multiplier = (double)in->scale * 4096.0 * 3.0;
    int left = 0;
    while (multiplier <= 32767.0 / 2.0 && left <= 30) {
      left++;
      multiplier *= 2.0;
    }
    if (!(multiplier < 2147483648.0))
      return tflrt_op_error(ctx, "input scale %g is too large for the int16 kernel", (double)in->scale);
    d->p.multiplier = (int32_t)multiplier;
    d->p.input_left_shift = left;
  }
  d->fn = kind == A_LOGISTIC ? ctx->k->unary.qs16_logistic : ctx->k->unary.qs16_tanh;
  return TFLRT_OK;
}

static int activation_prepare(tflrt_ctx* ctx, tflrt_node* node, act_kind kind) {
  act_data* a = node->data;
  tflrt_unary_data* d = &a->u;
  const tflrt_unary_kernels* k = &ctx->k->unary;
  const tflrt_tensor* in = NULL;
  tflrt_tensor* out = NULL;
  int rc;
  if ((rc = tflrt_unary_start(ctx, node, d, &in, &out)) != TFLRT_OK) return rc;
  const int32_t t = in->type;
  const int f32 = t == TFLRT_FLOAT32, is8 = t == TFLRT_INT8 || t == TFLRT_UINT8, is16 = t == TFLRT_INT16;
  switch (kind) {
    case A_RELU:
    case A_RELU6:
    case A_RELU_N1_TO_1:
    case A_RELU_0_TO_1:
      if (f32) {
        static const float lo[4] = {0.0f, 0.0f, -1.0f, 0.0f}, hi[4] = {INFINITY, 6.0f, 1.0f, 1.0f};
        d->p.f_min = lo[kind];
        d->p.f_max = hi[kind];
        d->fn = k->f32_clamp;
      } else if (is8 || (is16 && (kind == A_RELU || kind == A_RELU6))) {
        rc = prepare_relu_quantized(ctx, kind, d, in, out);
      } else {
        return tflrt_unary_unsupported(ctx, in, kind <= A_RELU6 ? "FLOAT32, UINT8, INT8, INT16" : "FLOAT32, UINT8, INT8");
      }
      break;
    case A_LEAKY_RELU:
      if (f32) {
        d->p.alpha = a->alpha;
        d->fn = k->f32_leaky_relu;
      } else if (is8 || is16) {
        rc = prepare_leaky_relu_quantized(ctx, a, in, out);
      } else {
        return tflrt_unary_unsupported(ctx, in, "FLOAT32, UINT8, INT8, INT16");
      }
      break;
    case A_ELU:
      if (f32) d->fn = k->f32_elu;
      else if (t == TFLRT_INT8 && (rc = tflrt_unary_check_quant_pair(ctx, in, out, 0)) == TFLRT_OK)
        rc = tflrt_unary_lut8(ctx, node, d, in, out, elu_fn, NULL);
      else if (t != TFLRT_INT8) return tflrt_unary_unsupported(ctx, in, "FLOAT32, INT8");
      break;
    case A_HARD_SWISH:
      if (f32) d->fn = k->f32_hard_swish;
      else if (is8) rc = prepare_hard_swish_quantized(ctx, d, in, out);
      else return tflrt_unary_unsupported(ctx, in, "FLOAT32, UINT8, INT8");
      break;
    case A_GELU: {
      float (*fn)(float, const void*) = a->approximate ? gelu_tanh_fn : gelu_fn;
      if (f32) d->fn = a->approximate ? k->f32_gelu_tanh : k->f32_gelu;
      else if (!is8 && !is16) return tflrt_unary_unsupported(ctx, in, "FLOAT32, UINT8, INT8, INT16");
      else if ((rc = tflrt_unary_check_quant_pair(ctx, in, out, 0)) == TFLRT_OK)
        rc = is8 ? tflrt_unary_lut8(ctx, node, d, in, out, fn, NULL) : tflrt_unary_lut16(ctx, node, d, in, out, fn, NULL);
      break;
    }
    case A_LOGISTIC:
    case A_TANH:
      if (f32) {
        d->fn = kind == A_LOGISTIC ? k->f32_logistic : k->f32_tanh;
      } else if (is8) {
        if ((rc = tflrt_unary_check_quant_pair(ctx, in, out, 0)) != TFLRT_OK) return rc;
        if (kind == A_LOGISTIC && (double)out->scale != 1.0 / 256)
          return tflrt_op_error(ctx, "%s output must have scale 1/256, got %g", tflrt_type_name(t), (double)out->scale);
        rc = tflrt_unary_lut8(ctx, node, d, in, out, kind == A_LOGISTIC ? sigmoid_fn : tanh_fn, NULL);
      } else if (is16) {
        rc = prepare_sigmoid16(ctx, kind, d, in, out);
      } else {
        return tflrt_unary_unsupported(ctx, in, "FLOAT32, UINT8, INT8, INT16");
      }
      break;
  }
  if (rc != TFLRT_OK) return rc;
  return tflrt_set_output_shape(ctx, out, in->ndims, in->dims);
}

static int relu_prepare(tflrt_ctx* ctx, tflrt_node* node) { return activation_prepare(ctx, node, A_RELU); }
static int relu6_prepare(tflrt_ctx* ctx, tflrt_node* node) { return activation_prepare(ctx, node, A_RELU6); }
static int relu_n1_to_1_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  return activation_prepare(ctx, node, A_RELU_N1_TO_1);
}
static int relu_0_to_1_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  return activation_prepare(ctx, node, A_RELU_0_TO_1);
}
static int leaky_relu_prepare(tflrt_ctx* ctx, tflrt_node* node) { return activation_prepare(ctx, node, A_LEAKY_RELU); }
static int elu_prepare(tflrt_ctx* ctx, tflrt_node* node) { return activation_prepare(ctx, node, A_ELU); }
static int hard_swish_prepare(tflrt_ctx* ctx, tflrt_node* node) { return activation_prepare(ctx, node, A_HARD_SWISH); }
static int gelu_prepare(tflrt_ctx* ctx, tflrt_node* node) { return activation_prepare(ctx, node, A_GELU); }
static int logistic_prepare(tflrt_ctx* ctx, tflrt_node* node) { return activation_prepare(ctx, node, A_LOGISTIC); }
static int tanh_prepare(tflrt_ctx* ctx, tflrt_node* node) { return activation_prepare(ctx, node, A_TANH); }


/* ---- PRELU ---- */

typedef struct {
  tflrt_prelu_fn fn;
  tflrt_prelu_params p;
} prelu_data;

static int prelu_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  prelu_data* d = node->data;
  const tflrt_activation_kernels* k = &ctx->k->activation;
  int rc;
  memset(d, 0, sizeof(*d));
  if ((rc = tflrt_check_io(ctx, node, 2, 1)) != TFLRT_OK) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* alpha = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if ((rc = tflrt_unary_same_type(ctx, in, out)) != TFLRT_OK) return rc;
  const int32_t t = in->type;
  const int32_t want_alpha = t == TFLRT_INT16 ? TFLRT_INT8 : t;
  if (t != TFLRT_FLOAT32 && t != TFLRT_UINT8 && t != TFLRT_INT8 && t != TFLRT_INT16)
    return tflrt_unary_unsupported(ctx, in, "FLOAT32, UINT8, INT8, INT16");
  if (alpha->type != want_alpha)
    return tflrt_op_error(ctx, "alpha must be %s for a %s input, got %s", tflrt_type_name(want_alpha),
                          tflrt_type_name(t), tflrt_type_name(alpha->type));
  /* alpha broadcasts to the input's shape (right-aligned); the output keeps the input's shape */
  const int32_t nd = in->ndims, off = in->ndims - alpha->ndims;
  if (off < 0) return tflrt_op_error(ctx, "alpha has rank %d, more than the input's %d", (int)alpha->ndims, (int)nd);
  int64_t stride = 1;
  for (int32_t j = alpha->ndims - 1; j >= 0; j--) {
    const int32_t ad = alpha->dims[j], id = in->dims[j + off];
    if (ad != id && ad != 1)
      return tflrt_op_error(ctx, "alpha dimension %d (%d) does not broadcast to input dimension %d (%d)", (int)j,
                            (int)ad, (int)(j + off), (int)id);
    d->p.alpha_strides[j + off] = ad == 1 ? 0 : stride;
    stride *= ad;
  }
  int64_t rows = 1;
  for (int32_t i = 0; i + 1 < nd; i++) {
    d->p.outer_dims[i] = in->dims[i];
    rows *= in->dims[i];
  }
  if (rows > INT32_MAX) return tflrt_op_error(ctx, "row count %lld overflows int32", (long long)rows);
  d->p.outer_ndims = nd > 0 ? nd - 1 : 0;
  d->p.depth = nd > 0 ? in->dims[nd - 1] : 1;
  d->p.rows = (int32_t)rows;
  if (t == TFLRT_FLOAT32) {
    d->fn = k->f32_prelu;
  } else {
    if ((rc = tflrt_unary_check_quant_pair(ctx, in, out, 0)) != TFLRT_OK) return rc;
    if ((rc = tflrt_unary_check_quant(ctx, alpha, "alpha")) != TFLRT_OK) return rc;
    d->p.input_zero_point = in->zero_point;
    d->p.alpha_zero_point = alpha->zero_point;
    d->p.output_zero_point = out->zero_point;
    if ((rc = tflrt_unary_multiplier_f32(ctx, in->scale / out->scale, &d->p.multiplier1, &d->p.shift1)) != TFLRT_OK ||
        (rc = tflrt_unary_multiplier_f32(ctx, in->scale * alpha->scale / out->scale, &d->p.multiplier2,
                                         &d->p.shift2)) != TFLRT_OK)
      return rc;
    tflrt_type_range(t, &d->p.q_min, &d->p.q_max);
    d->fn = t == TFLRT_INT8 ? k->qs8_prelu : (t == TFLRT_UINT8 ? k->qu8_prelu : k->qs16_prelu);
  }
  return tflrt_set_output_shape(ctx, out, in->ndims, in->dims);
}

typedef struct {
  const prelu_data* d;
  const void *x, *alpha;
  void* y;
} prelu_job;

static void prelu_rows(void* arg, int32_t begin, int32_t end) {
  const prelu_job* j = arg;
  j->d->fn(&j->d->p, j->x, j->alpha, j->y, begin, end);
}

static int prelu_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const prelu_data* d = node->data;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* alpha = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (tflrt_num_elements(in) == 0) return TFLRT_OK;
  if (in->data == NULL || alpha->data == NULL || out->data == NULL)
    return tflrt_op_error(ctx, "input, alpha or output tensor has no data");
  prelu_job job = {.d = d, .x = in->data, .alpha = alpha->data, .y = out->data};
  tflrt_parallel_for(ctx, d->p.rows, prelu_rows, &job);
  return TFLRT_OK;
}

/* ---- LOG_SOFTMAX ---- */

#define LSM_DIFF_INTEGER_BITS 5

typedef struct {
  tflrt_rowwise_fn fn;
  tflrt_rowwise_params p;
} rowwise_data;

static int prepare_log_softmax_quantized(tflrt_ctx* ctx, rowwise_data* d, const tflrt_tensor* in,
                                         const tflrt_tensor* out) {
  int rc;
  if ((rc = tflrt_unary_check_quant_pair(ctx, in, out, 0)) != TFLRT_OK) return rc;
  const int32_t zp = in->type == TFLRT_INT8 ? 127 : 255;
  if ((double)out->scale != 16.0 / 256 || out->zero_point != zp)
    return tflrt_op_error(ctx, "%s output must have scale 16/256 and zero point %d (got %g and %d)",
                          tflrt_type_name(in->type), (int)zp, (double)out->scale, (int)out->zero_point);
  /* input differences into Q5.26 (beta = 1), capped */
  const double real = fmin((double)in->scale * (double)(1 << (31 - LSM_DIFF_INTEGER_BITS)), 2147483647.0);
  if (!(real > 1.0))
    return tflrt_op_error(ctx, "input scale %g is too small for the quantized LOG_SOFTMAX", (double)in->scale);
  int left = 0;
  tflrt_quantize_multiplier(real, &d->p.input_multiplier, &left);
  d->p.input_left_shift = left;
  /* the inverse scaling, used to find the differences whose log-probability underflows */
  const double reverse = (double)(1LL << (31 - left)) / (double)d->p.input_multiplier;
  if (!(reverse > 0.0 && reverse < 1.0))
    return tflrt_op_error(ctx, "input scale %g is out of range for the quantized LOG_SOFTMAX", (double)in->scale);
  int rshift = 0;
  tflrt_quantize_multiplier(reverse, &d->p.reverse_multiplier, &rshift);
  d->p.reverse_shift = rshift;
  const double radius = 1.0 * ((1 << LSM_DIFF_INTEGER_BITS) - 1) *
                        (double)(1LL << (31 - LSM_DIFF_INTEGER_BITS)) / (double)(1LL << left);
  d->p.diff_min = -(int32_t)floor(radius);
  d->fn = in->type == TFLRT_INT8 ? ctx->k->activation.qs8_log_softmax : ctx->k->activation.qu8_log_softmax;
  return TFLRT_OK;
}

static int log_softmax_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  rowwise_data* d = node->data;
  const tflrt_tensor* in = NULL;
  tflrt_tensor* out = NULL;
  int rc;
  memset(d, 0, sizeof(*d));
  if ((rc = tflrt_unary_io(ctx, node, &in, &out)) != TFLRT_OK) return rc;
  if (in->ndims < 1) return tflrt_op_error(ctx, "input must have rank >= 1");
  int64_t rows = 1;
  for (int32_t i = 0; i + 1 < in->ndims; i++) rows *= in->dims[i];
  if (rows > INT32_MAX) return tflrt_op_error(ctx, "row count %lld overflows int32", (long long)rows);
  d->p.rows = (int32_t)rows;
  d->p.depth = in->dims[in->ndims - 1];
  if (in->type == TFLRT_FLOAT32) d->fn = ctx->k->activation.f32_log_softmax;
  else if (in->type == TFLRT_INT8 || in->type == TFLRT_UINT8) rc = prepare_log_softmax_quantized(ctx, d, in, out);
  else return tflrt_unary_unsupported(ctx, in, "FLOAT32, UINT8, INT8");
  if (rc != TFLRT_OK) return rc;
  return tflrt_set_output_shape(ctx, out, in->ndims, in->dims);
}

typedef struct {
  const rowwise_data* d;
  const void* x;
  void* y;
} rowwise_job;

static void rowwise_rows(void* arg, int32_t begin, int32_t end) {
  const rowwise_job* j = arg;
  j->d->fn(&j->d->p, j->x, j->y, begin, end);
}

static int log_softmax_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const rowwise_data* d = node->data;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (tflrt_num_elements(in) == 0) return TFLRT_OK;
  if (in->data == NULL || out->data == NULL) return tflrt_op_error(ctx, "input or output tensor has no data");
  rowwise_job job = {.d = d, .x = in->data, .y = out->data};
  tflrt_parallel_for(ctx, d->p.rows, rowwise_rows, &job);
  return TFLRT_OK;
}

/* ---- registrations (versions of TFLite's resolvers whose types are implemented here) ---- */

#define ACTIVATION_OP(var, op_name, code, vmax, parse_fn, prep)                                                  \
  const tflrt_op var = {.name = op_name, .builtin_code = code, .min_version = 1, .max_version = vmax,          \
                        .data_size = sizeof(act_data), .parse = parse_fn, .prepare = prep, .eval = tflrt_unary_eval}

ACTIVATION_OP(tflrt_op_relu, "RELU", 19, 3, NULL, relu_prepare);
ACTIVATION_OP(tflrt_op_relu6, "RELU6", 21, 3, NULL, relu6_prepare);
ACTIVATION_OP(tflrt_op_relu_n1_to_1, "RELU_N1_TO_1", 20, 1, NULL, relu_n1_to_1_prepare);
ACTIVATION_OP(tflrt_op_relu_0_to_1, "RELU_0_TO_1", 152, 1, NULL, relu_0_to_1_prepare);
ACTIVATION_OP(tflrt_op_leaky_relu, "LEAKY_RELU", 98, 2, leaky_relu_parse, leaky_relu_prepare);
ACTIVATION_OP(tflrt_op_elu, "ELU", 111, 1, NULL, elu_prepare);
ACTIVATION_OP(tflrt_op_hard_swish, "HARD_SWISH", 117, 1, NULL, hard_swish_prepare);
ACTIVATION_OP(tflrt_op_gelu, "GELU", 150, 2, gelu_parse, gelu_prepare);
ACTIVATION_OP(tflrt_op_logistic, "LOGISTIC", 14, 3, NULL, logistic_prepare);
ACTIVATION_OP(tflrt_op_tanh, "TANH", 28, 3, NULL, tanh_prepare);

const tflrt_op tflrt_op_prelu = {.name = "PRELU", .builtin_code = 54, .min_version = 1, .max_version = 1,
                                 .data_size = sizeof(prelu_data), .parse = NULL, .prepare = prelu_prepare,
                                 .eval = prelu_eval};

const tflrt_op tflrt_op_log_softmax = {.name = "LOG_SOFTMAX", .builtin_code = 50, .min_version = 1, .max_version = 2,
                                       .data_size = sizeof(rowwise_data), .parse = NULL,
                                       .prepare = log_softmax_prepare, .eval = log_softmax_eval};
