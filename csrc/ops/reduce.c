/* Reductions: MEAN (versions 1-3), SUM (1-2), REDUCE_PROD (1-2), REDUCE_MAX (1-3),
 * REDUCE_MIN (1-3), REDUCE_ANY (1), REDUCE_ALL (1).
 *
 * Inputs: 0 data (rank 0..8), 1 axis (int32, any shape; values may be negative and repeat).
 * Output: the input shape without the reduced dimensions, or with them set to 1 when
 * ReducerOptions.keep_dims is true. A non-constant axis makes the output dynamic.
 *
 * Types (as TFLite's reduce.cc with its reference kernels):
 *   MEAN      float32, int32, int64; int8/uint8/int16 quantized (requantized mean)
 *   SUM       float32, int32, int64, bool; int8/uint8/int16 quantized (requantized sum)
 *   PROD      float32, int32, int64, bool, uint8; int8/int16: quantized when the input carries
 *             quantization parameters, otherwise plain wrapping products
 *   MAX, MIN  float32, int32, int64, int8, uint8, int16, bool; quantized types need the same
 *             scale and zero point on input and output
 *   ANY, ALL  bool
 * int16 inputs need zero points 0 (input and output). A rank-0 input ignores the axis values,
 * as TFLite does. */
#include <math.h>
#include <string.h>

#include "../quant/quant.h"
#include "op.h"
#include "op_util.h"

enum { REDUCER_OPTIONS_TYPE = 27 }; /* BuiltinOptions union: ReducerOptions */
enum { REDUCER_OPT_KEEP_DIMS = 0 };

enum {
  CODE_MEAN = 40,
  CODE_SUM = 74,
  CODE_PROD = 81,
  CODE_MAX = 82,
  CODE_MIN = 89,
  CODE_ANY = 91,
  CODE_ALL = 140
};

typedef enum {
  RK_F32,
  RK_S32,
  RK_S64,
  RK_S16,
  RK_S8,
  RK_U8,
  RK_B8,
  RK_QS8_SUM,
  RK_QU8_SUM,
  RK_QS16_SUM,
  RK_QS8_PROD,
  RK_QS16_PROD
} reduce_kind;

typedef struct {
  int keep_dims;
  int32_t op;          /* TFLRT_REDUCE_* applied by the kernel */
  int is_mean;         /* MEAN: quantized multiplier includes 1 / count */
  reduce_kind kind;
  int axis_const;
  int32_t base_mult, base_shift; /* quantized MEAN/SUM: input_scale / output_scale */
  int32_t n_out;
  tflrt_reduce_params p;
} reduce_data;

static int reduce_parse(tflrt_ctx* ctx, tflrt_node* node) {
  reduce_data* d = node->data;
  const fb_table empty = {0};
  const fb_table* o = node->options != NULL && node->options_type == REDUCER_OPTIONS_TYPE
                          ? node->options
                          : &empty;
  if (fb_bool(o, REDUCER_OPT_KEEP_DIMS, 0, &d->keep_dims) != 0)
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed ReducerOptions");
  return TFLRT_OK;
}

static int check_quant(tflrt_ctx* ctx, const tflrt_tensor* t, const char* what) {
  if (t->nq < 1 || !(t->scale > 0.0f) || !isfinite(t->scale))
    return tflrt_op_error(ctx, "%s tensor %d ('%s') of type %s needs a positive quantization scale",
                          what, (int)t->index, t->name, tflrt_type_name(t->type));
  return TFLRT_OK;
}

/* Chooses the kernel and the op code from the builtin code and the data type. */
static int choose_kind(tflrt_ctx* ctx, reduce_data* d, int32_t code, const tflrt_tensor* in,
                       const tflrt_tensor* out) {
  const int32_t t = in->type;
  d->is_mean = code == CODE_MEAN;
  switch (code) {
    case CODE_MEAN: d->op = TFLRT_REDUCE_MEAN; break;
    case CODE_SUM: d->op = TFLRT_REDUCE_SUM; break;
    case CODE_PROD: d->op = TFLRT_REDUCE_PROD; break;
    case CODE_MAX: d->op = TFLRT_REDUCE_MAX; break;
    case CODE_MIN: d->op = TFLRT_REDUCE_MIN; break;
    case CODE_ANY: d->op = TFLRT_REDUCE_ANY; break;
    default: d->op = TFLRT_REDUCE_ALL; break;
  }
  if (code == CODE_ANY || code == CODE_ALL) {
    if (t != TFLRT_BOOL)
      return tflrt_op_error(ctx, "input type %s is not supported (BOOL only)", tflrt_type_name(t));
    d->kind = RK_B8;
    return TFLRT_OK;
  }
  if (t == TFLRT_INT16 && (in->zero_point != 0 || out->zero_point != 0))
    return tflrt_op_error(ctx, "int16 input and output must have zero point 0 (got %d and %d)",
                          (int)in->zero_point, (int)out->zero_point);
  if (t == TFLRT_BOOL) {
    if (code == CODE_MEAN)
      return tflrt_op_error(ctx, "input type BOOL is not supported");
    /* bool arithmetic: sum and max are "or", product and min are "and". */
    d->op = (code == CODE_SUM || code == CODE_MAX) ? TFLRT_REDUCE_ANY : TFLRT_REDUCE_ALL;
    d->kind = RK_B8;
    return TFLRT_OK;
  }
  switch (t) {
    case TFLRT_FLOAT32: d->kind = RK_F32; return TFLRT_OK;
    case TFLRT_INT32: d->kind = RK_S32; return TFLRT_OK;
    case TFLRT_INT64: d->kind = RK_S64; return TFLRT_OK;
    case TFLRT_INT8:
    case TFLRT_UINT8:
    case TFLRT_INT16: break;
    default:
      return tflrt_op_error(ctx, "input type %s is not supported", tflrt_type_name(t));
  }
  int r;
  if (code == CODE_MEAN || code == CODE_SUM) {
    if ((r = check_quant(ctx, in, "input")) != TFLRT_OK) return r;
    if ((r = check_quant(ctx, out, "output")) != TFLRT_OK) return r;
    d->kind = t == TFLRT_INT8 ? RK_QS8_SUM : (t == TFLRT_UINT8 ? RK_QU8_SUM : RK_QS16_SUM);
    int s = 0;
    tflrt_quantize_multiplier((double)in->scale / (double)out->scale, &d->base_mult, &s);
    d->base_shift = s;
    if (s > 30)
      return tflrt_op_error(ctx, "input_scale / output_scale = %g is too large",
                            (double)in->scale / (double)out->scale);
    return TFLRT_OK;
  }
  if (code == CODE_PROD) {
    if (in->nq > 0) {
      if (t == TFLRT_UINT8)
        return tflrt_op_error(ctx, "quantized UINT8 input is not supported (INT8 and INT16 only)");
      if ((r = check_quant(ctx, in, "input")) != TFLRT_OK) return r;
      if ((r = check_quant(ctx, out, "output")) != TFLRT_OK) return r;
      d->kind = t == TFLRT_INT8 ? RK_QS8_PROD : RK_QS16_PROD;
      return TFLRT_OK;
    }
  } else {
    /* MAX/MIN compare raw integers: input and output must share their quantization. */
    if (in->scale != out->scale || in->zero_point != out->zero_point)
      return tflrt_op_error(ctx, "input and output quantization differ (scale %g vs %g, zero "
                            "point %d vs %d)", (double)in->scale, (double)out->scale,
                            (int)in->zero_point, (int)out->zero_point);
  }
  d->kind = t == TFLRT_INT8 ? RK_S8 : (t == TFLRT_UINT8 ? RK_U8 : RK_S16);
  return TFLRT_OK;
}

/* Resolves the axis values, sets the output shape and builds the kernel parameters. */
static int reduce_setup(tflrt_ctx* ctx, reduce_data* d, const tflrt_tensor* in,
                        const tflrt_tensor* axis, tflrt_tensor* out) {
  const int32_t rank = in->ndims;
  const int64_t n_axis = tflrt_num_elements(axis);
  if (n_axis > 0 && (axis->data == NULL || axis->bytes < (size_t)n_axis * sizeof(int32_t)))
    return tflrt_op_error(ctx, "axis tensor %d ('%s') has no data for its %lld values",
                          (int)axis->index, axis->name, (long long)n_axis);
  int reduced[TFLRT_MAX_DIMS] = {0};
  int32_t n_reduced = 0;
  if (rank > 0) {
    const int32_t* av = axis->data;
    for (int64_t i = 0; i < n_axis; i++) {
      int64_t a = av[i];
      if (a < 0) a += rank;
      if (a < 0 || a >= rank)
        return tflrt_op_error(ctx, "axis %d is out of range for an input of rank %d", (int)av[i],
                              (int)rank);
      if (!reduced[a]) {
        reduced[a] = 1;
        n_reduced++;
      }
    }
  }
  /* Output shape. */
  int32_t out_dims[TFLRT_MAX_DIMS];
  int32_t out_rank = 0;
  for (int32_t i = 0; i < rank; i++) {
    if (!reduced[i]) out_dims[out_rank++] = in->dims[i];
    else if (d->keep_dims) out_dims[out_rank++] = 1;
  }
  int r = tflrt_set_output_shape(ctx, out, out_rank, out_dims);
  if (r != TFLRT_OK) return r;
  const int64_t n_out = tflrt_num_elements(out);
  if (n_out > INT32_MAX)
    return tflrt_op_error(ctx, "output has %lld elements; at most %d are supported",
                          (long long)n_out, (int)INT32_MAX);
  d->n_out = (int32_t)n_out;

  /* Strided index spaces: size-1 dimensions dropped, neighbours of the same kind merged. */
  tflrt_reduce_params* p = &d->p;
  const tflrt_reduce_params keep = *p;
  memset(p, 0, sizeof(*p));
  p->input_zp = keep.input_zp;
  p->output_zp = keep.output_zp;
  p->q_min = keep.q_min;
  p->q_max = keep.q_max;
  p->op = d->op;
  int64_t stride[TFLRT_MAX_DIMS];
  int64_t s = 1;
  for (int32_t i = rank - 1; i >= 0; i--) {
    stride[i] = s;
    s *= in->dims[i] > 0 ? in->dims[i] : 1;
  }
  int last_kind = -1; /* 0 kept, 1 reduced */
  p->inner_count = 1;
  for (int32_t i = 0; i < rank; i++) {
    const int32_t size = in->dims[i];
    if (reduced[i]) p->inner_count *= size;
    if (size == 1) continue;
    const int kind = reduced[i] ? 1 : 0;
    int32_t* n = kind ? &p->n_inner : &p->n_outer;
    int32_t* sizes = kind ? p->inner_size : p->outer_size;
    int64_t* strides = kind ? p->inner_stride : p->outer_stride;
    if (last_kind == kind && (int64_t)sizes[*n - 1] * size <= INT32_MAX) {
      sizes[*n - 1] *= size;
      strides[*n - 1] = stride[i];
    } else {
      sizes[*n] = size;
      strides[*n] = stride[i];
      (*n)++;
    }
    last_kind = kind;
  }
  p->init_from_first = n_reduced == rank;

  /* Quantized multipliers that depend on the reduced element count. */
  if (d->kind == RK_QS8_SUM || d->kind == RK_QU8_SUM || d->kind == RK_QS16_SUM) {
    p->mult = d->base_mult;
    p->shift = d->base_shift;
    if (d->is_mean && p->inner_count > 0) {
      /* Fold 1/count into the multiplier: shift it left by floor(log2(count)) (at most 32, and
       * keeping the exponent >= -31), then divide by the count. */
      int sh = 63 - __builtin_clzll((unsigned long long)p->inner_count);
      if (sh > 32) sh = 32;
      if (sh > 31 + d->base_shift) sh = 31 + d->base_shift;
      p->mult = (int32_t)(((int64_t)d->base_mult << sh) / p->inner_count);
      p->shift = d->base_shift - sh;
    }
  } else if (d->kind == RK_QS8_PROD || d->kind == RK_QS16_PROD) {
    const int64_t n_in = tflrt_num_elements(in);
    p->mult = 0;
    p->shift = 0;
    if (n_in != 0 && n_out != 0) {
      const int64_t per_out = n_in / n_out;
      const double scaling = (double)in->scale / pow((double)out->scale, 1.0 / (double)per_out);
      int sh = 0;
      tflrt_quantize_multiplier(scaling, &p->mult, &sh);
      if (sh > 14)
        return tflrt_op_error(ctx, "product rescaling factor %g is too large", scaling);
      p->shift = sh;
    }
  }
  return TFLRT_OK;
}

static int reduce_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  reduce_data* d = node->data;
  int rc = tflrt_check_arity(ctx, node, 2, 2, 1, "data, axis");
  if (rc) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* axis = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (axis->type != TFLRT_INT32)
    return tflrt_op_error(ctx, "axis type %s is not supported (INT32 only)",
                          tflrt_type_name(axis->type));
  if (out->type != in->type)
    return tflrt_op_error(ctx, "output type %s differs from input type %s",
                          tflrt_type_name(out->type), tflrt_type_name(in->type));
  int r = choose_kind(ctx, d, node->builtin_code, in, out);
  if (r != TFLRT_OK) return r;
  d->p.input_zp = in->zero_point;
  d->p.output_zp = out->zero_point;
  if (!tflrt_type_range(out->type, &d->p.q_min, &d->p.q_max)) d->p.q_min = d->p.q_max = 0;
  if (d->kind >= RK_QS8_SUM &&
      (in->zero_point < d->p.q_min || in->zero_point > d->p.q_max ||
       out->zero_point < d->p.q_min || out->zero_point > d->p.q_max))
    return tflrt_op_error(ctx, "input/output zero points (%d, %d) are outside the range of %s",
                          (int)in->zero_point, (int)out->zero_point, tflrt_type_name(out->type));
  d->axis_const = tflrt_is_const(axis);
  if (!d->axis_const) return tflrt_set_dynamic(ctx, out);
  return reduce_setup(ctx, d, in, axis, out);
}

typedef struct {
  const reduce_data* d;
  const tflrt_reduce_kernels* k;
  const void* in;
  void* out;
} reduce_job;

static void reduce_range(void* arg, int32_t begin, int32_t end) {
  const reduce_job* j = arg;
  const tflrt_reduce_params* p = &j->d->p;
  const tflrt_reduce_kernels* k = j->k;
  switch (j->d->kind) {
    case RK_F32: k->f32_reduce(p, j->in, j->out, begin, end); break;
    case RK_S32: k->s32_reduce(p, j->in, j->out, begin, end); break;
    case RK_S64: k->s64_reduce(p, j->in, j->out, begin, end); break;
    case RK_S16: k->s16_reduce(p, j->in, j->out, begin, end); break;
    case RK_S8: k->s8_reduce(p, j->in, j->out, begin, end); break;
    case RK_U8: k->u8_reduce(p, j->in, j->out, begin, end); break;
    case RK_B8: k->b8_reduce(p, j->in, j->out, begin, end); break;
    case RK_QS8_SUM: k->qs8_sum(p, j->in, j->out, begin, end); break;
    case RK_QU8_SUM: k->qu8_sum(p, j->in, j->out, begin, end); break;
    case RK_QS16_SUM: k->qs16_sum(p, j->in, j->out, begin, end); break;
    case RK_QS8_PROD: k->qs8_prod(p, j->in, j->out, begin, end); break;
    case RK_QS16_PROD: k->qs16_prod(p, j->in, j->out, begin, end); break;
  }
}

static int reduce_eval(tflrt_ctx* ctx, tflrt_node* node) {
  reduce_data* d = node->data;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* axis = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (!d->axis_const) {
    int r = reduce_setup(ctx, d, in, axis, out);
    if (r != TFLRT_OK) return r;
  }
  if (d->n_out == 0) return TFLRT_OK;
  reduce_job job = {d, &ctx->k->reduce, in->data, out->data};
  tflrt_parallel_for(ctx, d->n_out, reduce_range, &job);
  return TFLRT_OK;
}

#define REDUCE_OP(var, op_name, code, vmax)                                                   \
  const tflrt_op var = {.name = op_name,                                                      \
                        .builtin_code = code,                                                 \
                        .min_version = 1,                                                     \
                        .max_version = vmax,                                                  \
                        .data_size = sizeof(reduce_data),                                     \
                        .parse = reduce_parse,                                                \
                        .prepare = reduce_prepare,                                            \
                        .eval = reduce_eval}

REDUCE_OP(tflrt_op_mean, "MEAN", CODE_MEAN, 3);
REDUCE_OP(tflrt_op_sum, "SUM", CODE_SUM, 2);
REDUCE_OP(tflrt_op_reduce_prod, "REDUCE_PROD", CODE_PROD, 2);
REDUCE_OP(tflrt_op_reduce_max, "REDUCE_MAX", CODE_MAX, 3);
REDUCE_OP(tflrt_op_reduce_min, "REDUCE_MIN", CODE_MIN, 3);
REDUCE_OP(tflrt_op_reduce_any, "REDUCE_ANY", CODE_ANY, 1);
REDUCE_OP(tflrt_op_reduce_all, "REDUCE_ALL", CODE_ALL, 1);
