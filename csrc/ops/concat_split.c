/* Joining and splitting along one axis: CONCATENATION, PACK, UNPACK, SPLIT, SPLIT_V.
 *
 * All five are row copies. Seen along the axis, a tensor is `outer` rows of `extent x inner`
 * elements; concatenating (or packing) writes, for each outer row, every input's run one after
 * another, and splitting (or unpacking) reads the runs back out. The copies are
 * type-size-generic memcpy; only CONCATENATION touches values, for uint8 inputs whose
 * quantization differs from the output's (TFLite requantizes those, in float) and for the
 * fused activation.
 *
 * TFLite semantics followed (tflite/kernels/{concatenation,pack,unpack,split,split_v}.cc):
 *   - CONCATENATION: int8 inputs must share the output's scale and zero point; int16 inputs
 *     and output need zero point 0 (values are copied unscaled); uint8 inputs are requantized
 *     to the output when their parameters differ. TFLite refuses any fused activation; here it
 *     is applied (clamp) as an extension. Rank-0 inputs concatenate into a vector.
 *   - PACK/UNPACK: quantization of every input/output must equal the other side's.
 *   - SPLIT's axis (input 0) and SPLIT_V's size_splits/axis (inputs 1, 2) may be computed
 *     tensors: the outputs are then dynamic and shaped in eval. One size_split may be -1. */
#include <string.h>

#include "../quant/quant.h"
#include "op.h"
#include "op_util.h"

#define CONCAT_OPTIONS_TYPE 10 /* BuiltinOptions: ConcatenationOptions {axis, fused_activation} */
#define PACK_OPTIONS_TYPE 59   /* PackOptions {values_count, axis} */
#define UNPACK_OPTIONS_TYPE 64 /* UnpackOptions {num, axis} */
#define PACK_CODE 83           /* BuiltinOperator PACK */
#define SPLIT_OPTIONS_TYPE 35  /* SplitOptions {num_splits} */
#define SPLITV_OPTIONS_TYPE 79 /* SplitVOptions {num_splits} */

typedef struct {
  int32_t axis;          /* as written in the options (may be negative) */
  int32_t activation;    /* CONCATENATION */
  int32_t count;         /* PACK values_count, UNPACK num, SPLIT/SPLIT_V num_splits */
  /* computed in prepare */
  int32_t norm_axis;
  int64_t outer;         /* product of dims before the axis */
  int64_t inner_bytes;   /* bytes of one axis step (product of dims after the axis x size) */
  int32_t requant;       /* CONCATENATION: some uint8 input needs requantization */
  int32_t clamp;         /* CONCATENATION: apply [act_min, act_max] */
  float act_min_f, act_max_f;
  int32_t act_min_q, act_max_q;
  float* in_scale;       /* CONCATENATION uint8: per-input multiplier and bias (persistent) */
  float* in_bias;
  uint8_t* in_same;      /* per input: 1 when it is copied unchanged */
} axis_data;

/* ---- shared helpers ---- */

/* tflrt_check_arity with every input required; n_out < 0: any number of outputs. */
static int check_arity(tflrt_ctx* ctx, const tflrt_node* node, int32_t min_in, int32_t max_in, int32_t n_out) {
  int rc = tflrt_check_arity(ctx, node, min_in, max_in, n_out >= 0 ? n_out : node->n_outputs, NULL);
  for (int32_t i = min_in; rc == TFLRT_OK && i < node->n_inputs; i++)
    if (tflrt_in(ctx, node, i) == NULL) rc = tflrt_op_error(ctx, "input %d is missing", (int)i);
  return rc;
}

/* Types whose values these ops move as raw bytes. */
#define MOVABLE_TYPES                                                                                            \
  (TFLRT_TYPE_BIT(TFLRT_FLOAT32) | TFLRT_TYPE_BIT(TFLRT_FLOAT16) | TFLRT_TYPE_BIT(TFLRT_BFLOAT16) |              \
   TFLRT_TYPE_BIT(TFLRT_FLOAT64) | TFLRT_TYPE_BIT(TFLRT_BOOL) | TFLRT_TYPE_BIT(TFLRT_INT8) |                     \
   TFLRT_TYPE_BIT(TFLRT_UINT8) | TFLRT_TYPE_BIT(TFLRT_INT16) | TFLRT_TYPE_BIT(TFLRT_UINT16) |                    \
   TFLRT_TYPE_BIT(TFLRT_INT32) | TFLRT_TYPE_BIT(TFLRT_UINT32) | TFLRT_TYPE_BIT(TFLRT_INT64) |                    \
   TFLRT_TYPE_BIT(TFLRT_UINT64))

/* CONCATENATION and PACK: input 0 of a movable type, the output of the same type. */
static int check_join_types(tflrt_ctx* ctx, const tflrt_tensor* t0, const tflrt_tensor* out) {
  int rc = tflrt_check_type_in(ctx, t0->type, MOVABLE_TYPES, NULL);
  if (rc == TFLRT_OK && out->type != t0->type)
    rc = tflrt_op_error(ctx, "output type %s differs from input type %s", tflrt_type_name(out->type),
                        tflrt_type_name(t0->type));
  return rc;
}

static int same_quant(const tflrt_tensor* a, const tflrt_tensor* b) {
  return a->scale == b->scale && a->zero_point == b->zero_point;
}

/* Splits shape around `axis`: outer = prod(dims[0..axis)), inner = prod(dims(axis..]) x size. */
static void axis_sizes(const tflrt_tensor* t, int32_t axis, int64_t* outer, int64_t* inner_bytes) {
  int64_t o = 1, in = (int64_t)tflrt_type_size(t->type);
  for (int32_t i = 0; i < axis; i++) o *= t->dims[i];
  for (int32_t i = axis + 1; i < t->ndims; i++) in *= t->dims[i];
  *outer = o;
  *inner_bytes = in;
}

/* In eval: set a dynamic output's shape, or check that a planned one matches. */
static int eval_output_shape(tflrt_ctx* ctx, tflrt_tensor* t, int32_t ndims, const int32_t* dims) {
  if (t->alloc == TFLRT_ALLOC_DYNAMIC) return tflrt_set_output_shape(ctx, t, ndims, dims);
  if (t->ndims != ndims) return tflrt_op_error(ctx, "output %d has rank %d, expected %d", (int)t->index, (int)t->ndims, (int)ndims);
  for (int32_t i = 0; i < ndims; i++)
    if (t->dims[i] != dims[i]) return tflrt_op_error(ctx, "output %d has an unexpected shape", (int)t->index);
  return TFLRT_OK;
}

static int read_options(tflrt_ctx* ctx, tflrt_node* node, int type, int slot_a, int32_t* a, int slot_b, int32_t* b) {
  if (node->options == NULL || node->options_type != type) return TFLRT_OK;
  if ((slot_a >= 0 && fb_i32(node->options, slot_a, 0, a)) || (slot_b >= 0 && fb_i32(node->options, slot_b, 0, b)))
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed builtin options");
  return TFLRT_OK;
}

/* ---- CONCATENATION ---- */

static int concat_parse(tflrt_ctx* ctx, tflrt_node* node) {
  axis_data* d = node->data;
  d->axis = 0;
  d->activation = TFLRT_ACT_NONE;
  if (node->options == NULL || node->options_type != CONCAT_OPTIONS_TYPE) return TFLRT_OK;
  int8_t act = 0;
  if (fb_i32(node->options, 0, 0, &d->axis) || fb_i8(node->options, 1, 0, &act))
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed ConcatenationOptions");
  d->activation = act;
  return TFLRT_OK;
}

static int concat_quant_prepare(tflrt_ctx* ctx, tflrt_node* node, axis_data* d, const tflrt_tensor* out) {
  const int32_t type = out->type;
  d->requant = 0;
  for (int32_t i = 0; i < node->n_inputs; i++) {
    const tflrt_tensor* t = tflrt_in(ctx, node, i);
    if (type == TFLRT_INT8 && !same_quant(t, out))
      return tflrt_op_error(ctx,
                            "int8 input %d has scale %g and zero point %d but the output has %g and %d; int8 "
                            "concatenation needs identical quantization",
                            (int)i, (double)t->scale, (int)t->zero_point, (double)out->scale, (int)out->zero_point);
    if (type == TFLRT_INT16 && t->zero_point != 0)
      return tflrt_op_error(ctx, "int16 input %d needs zero point 0, got %d", (int)i, (int)t->zero_point);
    if (type == TFLRT_UINT8 && !same_quant(t, out)) d->requant = 1;
  }
  if (type == TFLRT_INT16 && out->zero_point != 0)
    return tflrt_op_error(ctx, "int16 output needs zero point 0, got %d", (int)out->zero_point);
  if (d->requant) {
    if (!(out->scale > 0.0f)) return tflrt_op_error(ctx, "uint8 output needs a positive scale to requantize inputs");
    const size_t n = (size_t)node->n_inputs;
    d->in_scale = tflrt_persistent_alloc(ctx, node, n * (2 * sizeof(float) + 1));
    if (d->in_scale == NULL) return TFLRT_ERR_NOMEM;
    d->in_bias = d->in_scale + n;
    d->in_same = (uint8_t*)(d->in_bias + n);
    const float inv_out = 1.0f / out->scale;
    for (int32_t i = 0; i < node->n_inputs; i++) {
      const tflrt_tensor* t = tflrt_in(ctx, node, i);
      d->in_same[i] = (uint8_t)same_quant(t, out);
      /* TFLite: scale = in_scale * (1 / out_scale); bias = -in_zero_point * scale (float) */
      d->in_scale[i] = t->scale * inv_out;
      d->in_bias[i] = -(float)t->zero_point * d->in_scale[i];
    }
  }
  return TFLRT_OK;
}

static int concat_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  axis_data* d = node->data;
  int rc = check_arity(ctx, node, 1, INT32_MAX, 1);
  if (rc) return rc;
  const tflrt_tensor* t0 = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if ((rc = check_join_types(ctx, t0, out))) return rc;
  const int32_t rank = t0->ndims;
  int32_t dims[TFLRT_MAX_DIMS];
  int32_t out_rank = rank;
  if (rank == 0) {
    /* scalars: TFLite allows them (for constant inputs) with axis 0; they form a vector */
    if (d->axis != 0) return tflrt_op_error(ctx, "axis %d is out of range for scalar inputs", (int)d->axis);
    d->norm_axis = 0;
    out_rank = 1;
    dims[0] = 0;
  } else {
    if ((rc = tflrt_normalize_axis(ctx, d->axis, rank, &d->norm_axis))) return rc;
    memcpy(dims, t0->dims, sizeof(int32_t) * (size_t)rank);
    dims[d->norm_axis] = 0;
  }
  const int32_t ax = d->norm_axis;
  int64_t sum = 0;
  for (int32_t i = 0; i < node->n_inputs; i++) {
    const tflrt_tensor* t = tflrt_in(ctx, node, i);
    if (t->type != t0->type)
      return tflrt_op_error(ctx, "input %d has type %s, input 0 has %s", (int)i, tflrt_type_name(t->type),
                            tflrt_type_name(t0->type));
    if (t->ndims != rank)
      return tflrt_op_error(ctx, "input %d has rank %d, input 0 has rank %d", (int)i, (int)t->ndims, (int)rank);
    for (int32_t k = 0; k < rank; k++)
      if (k != ax && t->dims[k] != t0->dims[k])
        return tflrt_op_error(ctx, "input %d has dimension %d = %d, input 0 has %d (only axis %d may differ)", (int)i,
                              (int)k, (int)t->dims[k], (int)t0->dims[k], (int)ax);
    sum += rank == 0 ? 1 : t->dims[ax];
    if (sum > INT32_MAX) return tflrt_op_error(ctx, "the concatenated dimension overflows int32");
  }
  dims[ax] = (int32_t)sum;
  if (rank == 0) {
    d->outer = 1;
    d->inner_bytes = (int64_t)tflrt_type_size(t0->type);
  } else {
    axis_sizes(t0, ax, &d->outer, &d->inner_bytes);
  }
  /* quantized parameters and the activation */
  if ((rc = concat_quant_prepare(ctx, node, d, out))) return rc;
  d->clamp = 0;
  if (d->activation != TFLRT_ACT_NONE) {
    if (d->activation != TFLRT_ACT_RELU && d->activation != TFLRT_ACT_RELU6 &&
        d->activation != TFLRT_ACT_RELU_N1_TO_1)
      return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "fused activation %d is not supported", (int)d->activation);
    if (out->type == TFLRT_FLOAT32) {
      tflrt_act_range_f32(d->activation, &d->act_min_f, &d->act_max_f);
    } else if (out->type == TFLRT_INT8 || out->type == TFLRT_UINT8 || out->type == TFLRT_INT16) {
      int32_t qmin, qmax;
      tflrt_type_range(out->type, &qmin, &qmax);
      if (!(out->scale > 0.0f)) return tflrt_op_error(ctx, "a fused activation needs a quantized output scale");
      tflrt_act_range_quant(d->activation, out->scale, out->zero_point, qmin, qmax, &d->act_min_q, &d->act_max_q);
    } else {
      return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "fused activation on %s output is not supported",
                           tflrt_type_name(out->type));
    }
    d->clamp = 1;
  }
  return tflrt_set_output_shape(ctx, out, out_rank, dims);
}

static void requant_u8(const uint8_t* in, uint8_t* out, int64_t n, float scale, float bias, int32_t zp) {
  for (int64_t j = 0; j < n; j++) {
    int32_t v = (int32_t)tflrt_roundf((float)in[j] * scale + bias) + zp;
    out[j] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
  }
}

static void concat_clamp(const axis_data* d, const tflrt_tensor* out) {
  const int64_t n = tflrt_num_elements(out);
  switch (out->type) {
    case TFLRT_FLOAT32: {
      float* p = out->data;
      for (int64_t i = 0; i < n; i++) p[i] = p[i] < d->act_min_f ? d->act_min_f : p[i] > d->act_max_f ? d->act_max_f : p[i];
      break;
    }
    case TFLRT_INT8: {
      int8_t* p = out->data;
      for (int64_t i = 0; i < n; i++) p[i] = (int8_t)(p[i] < d->act_min_q ? d->act_min_q : p[i] > d->act_max_q ? d->act_max_q : p[i]);
      break;
    }
    case TFLRT_UINT8: {
      uint8_t* p = out->data;
      for (int64_t i = 0; i < n; i++) p[i] = (uint8_t)(p[i] < d->act_min_q ? d->act_min_q : p[i] > d->act_max_q ? d->act_max_q : p[i]);
      break;
    }
    case TFLRT_INT16: {
      int16_t* p = out->data;
      for (int64_t i = 0; i < n; i++) p[i] = (int16_t)(p[i] < d->act_min_q ? d->act_min_q : p[i] > d->act_max_q ? d->act_max_q : p[i]);
      break;
    }
    default:
      break;
  }
}

/* Writes every input's run of each outer row after another (CONCATENATION and PACK). */
static int join_eval(tflrt_ctx* ctx, tflrt_node* node, const axis_data* d, int pack) {
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (out->bytes == 0) return TFLRT_OK;
  if (out->data == NULL) return tflrt_op_error(ctx, "output has no data");
  uint8_t* dst = out->data;
  const size_t es = tflrt_type_size(out->type);
  for (int64_t k = 0; k < d->outer; k++) {
    for (int32_t i = 0; i < node->n_inputs; i++) {
      const tflrt_tensor* t = tflrt_in(ctx, node, i);
      const int64_t extent = (pack || t->ndims == 0) ? 1 : t->dims[d->norm_axis];
      const size_t run = (size_t)(extent * d->inner_bytes);
      if (run == 0) continue;
      if (t->data == NULL) return tflrt_op_error(ctx, "input %d has no data", (int)i);
      const uint8_t* src = (const uint8_t*)t->data + (size_t)k * run;
      if (d->requant && !d->in_same[i])
        requant_u8(src, dst, (int64_t)(run / es), d->in_scale[i], d->in_bias[i], out->zero_point);
      else
        memcpy(dst, src, run);
      dst += run;
    }
  }
  if (d->clamp) concat_clamp(d, out);
  return TFLRT_OK;
}

static int concat_eval(tflrt_ctx* ctx, tflrt_node* node) { return join_eval(ctx, node, node->data, 0); }

/* ---- PACK ---- */

/* PACK and UNPACK: PackOptions {values_count, axis} / UnpackOptions {num, axis}. */
static int pack_parse(tflrt_ctx* ctx, tflrt_node* node) {
  axis_data* d = node->data;
  d->count = 0;
  d->axis = 0;
  const int32_t type = node->builtin_code == PACK_CODE ? PACK_OPTIONS_TYPE : UNPACK_OPTIONS_TYPE;
  return read_options(ctx, node, type, 0, &d->count, 1, &d->axis);
}

static int pack_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  axis_data* d = node->data;
  int rc = check_arity(ctx, node, 1, INT32_MAX, 1);
  if (rc) return rc;
  if (d->count != node->n_inputs)
    return tflrt_op_error(ctx, "values_count is %d but the node has %d inputs", (int)d->count, (int)node->n_inputs);
  const tflrt_tensor* t0 = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if ((rc = check_join_types(ctx, t0, out))) return rc;
  const int32_t out_rank = t0->ndims + 1;
  if (out_rank > TFLRT_MAX_DIMS) return tflrt_op_error(ctx, "output rank %d exceeds %d", (int)out_rank, TFLRT_MAX_DIMS);
  if ((rc = tflrt_normalize_axis(ctx, d->axis, out_rank, &d->norm_axis))) return rc;
  for (int32_t i = 0; i < node->n_inputs; i++) {
    const tflrt_tensor* t = tflrt_in(ctx, node, i);
    if (t->type != t0->type || !tflrt_same_shape(t, t0))
      return tflrt_op_error(ctx, "input %d differs from input 0 in type or shape", (int)i);
    if (!same_quant(t, out))
      return tflrt_op_error(ctx, "input %d has quantization (%g, %d) but the output has (%g, %d)", (int)i,
                            (double)t->scale, (int)t->zero_point, (double)out->scale, (int)out->zero_point);
  }
  int32_t dims[TFLRT_MAX_DIMS];
  for (int32_t i = 0, j = 0; i < out_rank; i++) dims[i] = i == d->norm_axis ? d->count : t0->dims[j++];
  /* each input contributes a run of prod(input dims from the axis on) per outer row */
  int64_t outer = 1, inner = (int64_t)tflrt_type_size(t0->type);
  for (int32_t i = 0; i < d->norm_axis; i++) outer *= t0->dims[i];
  for (int32_t i = d->norm_axis; i < t0->ndims; i++) inner *= t0->dims[i];
  d->outer = outer;
  d->inner_bytes = inner;
  d->requant = 0;
  d->clamp = 0;
  return tflrt_set_output_shape(ctx, out, out_rank, dims);
}

static int pack_eval(tflrt_ctx* ctx, tflrt_node* node) { return join_eval(ctx, node, node->data, 1); }

/* ---- splitting: UNPACK, SPLIT, SPLIT_V ---- */

/* Reads each output's run of every outer row from the input. extent(i) = outputs' axis dim. */
static int split_copy(tflrt_ctx* ctx, tflrt_node* node, const tflrt_tensor* in, int32_t axis, int unpack) {
  int64_t outer, inner_bytes;
  axis_sizes(in, axis, &outer, &inner_bytes);
  if (in->bytes == 0) return TFLRT_OK;
  if (in->data == NULL) return tflrt_op_error(ctx, "input has no data");
  const uint8_t* src = in->data;
  for (int64_t k = 0; k < outer; k++) {
    for (int32_t i = 0; i < node->n_outputs; i++) {
      tflrt_tensor* t = tflrt_out(ctx, node, i);
      const int64_t extent = unpack ? 1 : t->dims[axis];
      const size_t run = (size_t)(extent * inner_bytes);
      if (run == 0) continue;
      if (t->data == NULL) return tflrt_op_error(ctx, "output %d has no data", (int)i);
      memcpy((uint8_t*)t->data + (size_t)k * run, src, run);
      src += run;
    }
  }
  return TFLRT_OK;
}

static int split_check_types(tflrt_ctx* ctx, const tflrt_node* node, const tflrt_tensor* in, int check_quant) {
  int rc = tflrt_check_type_in(ctx, in->type, MOVABLE_TYPES, NULL);
  if (rc) return rc;
  for (int32_t i = 0; i < node->n_outputs; i++) {
    const tflrt_tensor* t = tflrt_out(ctx, node, i);
    if (t->type != in->type)
      return tflrt_op_error(ctx, "output %d has type %s, the input has %s", (int)i, tflrt_type_name(t->type),
                            tflrt_type_name(in->type));
    if (check_quant && !same_quant(t, in))
      return tflrt_op_error(ctx, "output %d has quantization (%g, %d) but the input has (%g, %d)", (int)i,
                            (double)t->scale, (int)t->zero_point, (double)in->scale, (int)in->zero_point);
  }
  return TFLRT_OK;
}

static int unpack_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  axis_data* d = node->data;
  int rc = check_arity(ctx, node, 1, 1, -1);
  if (rc) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  if (in->ndims < 1) return tflrt_op_error(ctx, "input must have rank >= 1");
  if ((rc = tflrt_normalize_axis(ctx, d->axis, in->ndims, &d->norm_axis))) return rc;
  if (d->count != node->n_outputs)
    return tflrt_op_error(ctx, "num is %d but the node has %d outputs", (int)d->count, (int)node->n_outputs);
  if (in->dims[d->norm_axis] != d->count)
    return tflrt_op_error(ctx, "num is %d but input dimension %d is %d", (int)d->count, (int)d->norm_axis,
                          (int)in->dims[d->norm_axis]);
  if ((rc = split_check_types(ctx, node, in, 1))) return rc;
  int32_t dims[TFLRT_MAX_DIMS];
  for (int32_t i = 0, j = 0; i < in->ndims; i++)
    if (i != d->norm_axis) dims[j++] = in->dims[i];
  for (int32_t i = 0; i < node->n_outputs; i++)
    if ((rc = tflrt_set_output_shape(ctx, tflrt_out(ctx, node, i), in->ndims - 1, dims))) return rc;
  return TFLRT_OK;
}

static int unpack_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const axis_data* d = node->data;
  return split_copy(ctx, node, tflrt_in(ctx, node, 0), d->norm_axis, 1);
}

static int split_parse(tflrt_ctx* ctx, tflrt_node* node) {
  axis_data* d = node->data;
  d->count = 0;
  return read_options(ctx, node, node->builtin_code == 49 ? SPLIT_OPTIONS_TYPE : SPLITV_OPTIONS_TYPE, 0, &d->count,
                      -1, NULL);
}

/* SPLIT_V: element i of size_splits. */
static int64_t size_split_at(const tflrt_tensor* sizes, int32_t i) {
  if (sizes->type == TFLRT_INT32) {
    int32_t x;
    memcpy(&x, (const uint8_t*)sizes->data + 4 * (size_t)i, 4);
    return x;
  }
  int64_t v;
  memcpy(&v, (const uint8_t*)sizes->data + 8 * (size_t)i, 8);
  return v;
}

/* Checks SPLIT's even split or SPLIT_V's size_splits (at most one -1, the rest non-negative
 * and summing to the dimension, or to at most it with a -1). *fill is the -1 entry's size. */
static int split_check_sizes(tflrt_ctx* ctx, const tflrt_node* node, int32_t dim, int32_t axis,
                             const tflrt_tensor* sizes, int32_t* minus_one, int32_t* fill) {
  const int32_t n = node->n_outputs;
  *minus_one = -1;
  *fill = 0;
  if (sizes == NULL) {
    if (dim % n != 0)
      return tflrt_op_error(ctx, "dimension %d of size %d cannot be split evenly into %d parts", (int)axis, (int)dim,
                            (int)n);
    return TFLRT_OK;
  }
  if (sizes->data == NULL || sizes->bytes < tflrt_type_size(sizes->type) * (size_t)n)
    return tflrt_op_error(ctx, "size_splits has no data");
  int64_t sum = 0;
  for (int32_t i = 0; i < n; i++) {
    const int64_t v = size_split_at(sizes, i);
    if (v == -1) {
      if (*minus_one >= 0) return tflrt_op_error(ctx, "size_splits contains more than one -1");
      *minus_one = i;
      continue;
    }
    if (v < 0 || v > dim)
      return tflrt_op_error(ctx, "size_splits[%d] = %lld is out of range [0, %d]", (int)i, (long long)v, (int)dim);
    sum += v;
  }
  if (*minus_one >= 0) {
    if (sum > dim)
      return tflrt_op_error(ctx, "size_splits sum to %lld, more than dimension %d of size %d", (long long)sum,
                            (int)axis, (int)dim);
    *fill = (int32_t)(dim - sum);
  } else if (sum != dim) {
    return tflrt_op_error(ctx, "size_splits sum to %lld but dimension %d has size %d", (long long)sum, (int)axis,
                          (int)dim);
  }
  return TFLRT_OK;
}

/* Computes and applies the output shapes (prepare with constant inputs, or eval). */
static int split_shape(tflrt_ctx* ctx, tflrt_node* node, int in_eval) {
  axis_data* d = node->data;
  const int is_v = node->builtin_code != 49;
  const tflrt_tensor* in = tflrt_in(ctx, node, is_v ? 0 : 1);
  const tflrt_tensor* sizes = is_v ? tflrt_in(ctx, node, 1) : NULL;
  int64_t axis = 0;
  int rc = tflrt_read_scalar_int(ctx, tflrt_in(ctx, node, is_v ? 2 : 0), "axis", &axis);
  if (rc || (rc = tflrt_normalize_axis(ctx, axis, in->ndims, &d->norm_axis))) return rc;
  const int32_t ax = d->norm_axis, dim = in->dims[ax];
  int32_t minus_one, fill;
  if ((rc = split_check_sizes(ctx, node, dim, ax, sizes, &minus_one, &fill))) return rc;
  int32_t dims[TFLRT_MAX_DIMS];
  memcpy(dims, in->dims, sizeof(int32_t) * (size_t)in->ndims);
  for (int32_t i = 0; i < node->n_outputs; i++) {
    dims[ax] = sizes == NULL ? dim / node->n_outputs : i == minus_one ? fill : (int32_t)size_split_at(sizes, i);
    tflrt_tensor* t = tflrt_out(ctx, node, i);
    rc = in_eval ? eval_output_shape(ctx, t, in->ndims, dims) : tflrt_set_output_shape(ctx, t, in->ndims, dims);
    if (rc) return rc;
  }
  return TFLRT_OK;
}

static int split_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  axis_data* d = node->data;
  const int is_v = node->builtin_code != 49;
  int rc = check_arity(ctx, node, is_v ? 3 : 2, is_v ? 3 : 2, -1);
  if (rc) return rc;
  if (d->count != node->n_outputs)
    return tflrt_op_error(ctx, "num_splits is %d but the node has %d outputs", (int)d->count, (int)node->n_outputs);
  if (node->n_outputs < 1) return tflrt_op_error(ctx, "at least one output is required");
  const tflrt_tensor* in = tflrt_in(ctx, node, is_v ? 0 : 1);
  const tflrt_tensor* axis_t = tflrt_in(ctx, node, is_v ? 2 : 0);
  if (in->ndims < 1) return tflrt_op_error(ctx, "input must have rank >= 1");
  if ((rc = split_check_types(ctx, node, in, 0))) return rc;
  if (axis_t->type != TFLRT_INT32 && axis_t->type != TFLRT_INT64)
    return tflrt_op_error(ctx, "axis must be INT32 or INT64, got %s", tflrt_type_name(axis_t->type));
  if (tflrt_num_elements(axis_t) != 1) return tflrt_op_error(ctx, "axis must hold exactly one value");
  int known = tflrt_is_const(axis_t);
  if (is_v) {
    const tflrt_tensor* sizes = tflrt_in(ctx, node, 1);
    if (sizes->type != TFLRT_INT32 && sizes->type != TFLRT_INT64)
      return tflrt_op_error(ctx, "size_splits must be INT32 or INT64, got %s", tflrt_type_name(sizes->type));
    if (sizes->ndims != 1 || sizes->dims[0] != node->n_outputs)
      return tflrt_op_error(ctx, "size_splits must be a vector of %d values (one per output)", (int)node->n_outputs);
    known = known && tflrt_is_const(sizes);
  }
  if (known) return split_shape(ctx, node, 0);
  for (int32_t i = 0; i < node->n_outputs; i++)
    if ((rc = tflrt_set_dynamic(ctx, tflrt_out(ctx, node, i)))) return rc;
  return TFLRT_OK;
}

static int split_eval(tflrt_ctx* ctx, tflrt_node* node) {
  axis_data* d = node->data;
  const int is_v = node->builtin_code != 49;
  int rc = split_shape(ctx, node, 1); /* re-reads axis/sizes; cheap, and validates computed ones */
  if (rc) return rc;
  return split_copy(ctx, node, tflrt_in(ctx, node, is_v ? 0 : 1), d->norm_axis, 0);
}

const tflrt_op tflrt_op_concatenation = {
    .name = "CONCATENATION", .builtin_code = 2, .min_version = 1, .max_version = 7,
    .data_size = sizeof(axis_data), .parse = concat_parse, .prepare = concat_prepare, .eval = concat_eval,
};
const tflrt_op tflrt_op_pack = {
    .name = "PACK", .builtin_code = 83, .min_version = 1, .max_version = 5,
    .data_size = sizeof(axis_data), .parse = pack_parse, .prepare = pack_prepare, .eval = pack_eval,
};
const tflrt_op tflrt_op_unpack = {
    .name = "UNPACK", .builtin_code = 88, .min_version = 1, .max_version = 6,
    .data_size = sizeof(axis_data), .parse = pack_parse, .prepare = unpack_prepare, .eval = unpack_eval,
};
const tflrt_op tflrt_op_split = {
    .name = "SPLIT", .builtin_code = 49, .min_version = 1, .max_version = 5,
    .data_size = sizeof(axis_data), .parse = split_parse, .prepare = split_prepare, .eval = split_eval,
};
const tflrt_op tflrt_op_split_v = {
    .name = "SPLIT_V", .builtin_code = 102, .min_version = 1, .max_version = 3,
    .data_size = sizeof(axis_data), .parse = split_parse, .prepare = split_prepare, .eval = split_eval,
};
