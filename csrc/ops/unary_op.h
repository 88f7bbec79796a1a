/* Glue shared by the element-wise unary ops (unary_math.c, activations.c): node checks,
 * quantization checks, float32 lookup-table builders and a block-parallel eval. Static inline
 * so that each op file stays self-contained. */
#ifndef TFLITE_RT_OPS_UNARY_OP_H
#define TFLITE_RT_OPS_UNARY_OP_H

#include <math.h>
#include <string.h>

#include "../quant/fixedpoint.h"
#include "../quant/quant.h"
#include "op.h"
#include "op_util.h"

#define TFLRT_UNARY_BLOCK 16384 /* elements per work item */

/* What prepare leaves for eval: the kernel, its parameters and the element sizes. */
typedef struct {
  tflrt_unary_fn fn;
  tflrt_unary_params p;
  int32_t check_min;      /* 8/16-bit SQRT/RSQRT: eval rejects inputs below p.input_zero_point */
  const char* check_what; /* the message for that */
} tflrt_unary_data;

static inline int tflrt_unary_same_type(tflrt_ctx* ctx, const tflrt_tensor* in, const tflrt_tensor* out) {
  if (in->type != out->type)
    return tflrt_op_error(ctx, "input type %s and output type %s differ", tflrt_type_name(in->type),
                          tflrt_type_name(out->type));
  return TFLRT_OK;
}

/* Exactly one input and one output, both present and of the same type; returns them through in
 * and out. */
static inline int tflrt_unary_io(tflrt_ctx* ctx, tflrt_node* node, const tflrt_tensor** in, tflrt_tensor** out) {
  int rc = tflrt_check_io(ctx, node, 1, 1);
  if (rc) return rc;
  *in = tflrt_in(ctx, node, 0);
  *out = tflrt_out(ctx, node, 0);
  return tflrt_unary_same_type(ctx, *in, *out);
}

/* The start of an element-wise op's prepare: clears d, checks the node (tflrt_unary_io) and
 * takes the zero points. */
static inline int tflrt_unary_start(tflrt_ctx* ctx, tflrt_node* node, tflrt_unary_data* d, const tflrt_tensor** in,
                                    tflrt_tensor** out) {
  memset(d, 0, sizeof(*d));
  int rc = tflrt_unary_io(ctx, node, in, out);
  if (rc) return rc;
  d->p.input_zero_point = (*in)->zero_point;
  d->p.output_zero_point = (*out)->zero_point;
  return TFLRT_OK;
}

/* A quantized tensor needs (per-tensor) quantization parameters with a positive, finite scale. */
static inline int tflrt_unary_check_quant(tflrt_ctx* ctx, const tflrt_tensor* t, const char* role) {
  if (t->nq < 1 || t->scales == NULL)
    return tflrt_op_error(ctx, "%s tensor %d ('%s') of type %s has no quantization parameters", role, (int)t->index,
                          t->name ? t->name : "", tflrt_type_name(t->type));
  if (!(t->scale > 0.0f) || !isfinite(t->scale))
    return tflrt_op_error(ctx, "%s tensor %d ('%s') has an invalid scale %g (must be > 0)", role, (int)t->index,
                          t->name ? t->name : "", (double)t->scale);
  return TFLRT_OK;
}

/* Both tensors quantized; with zero_zp, both zero points must be 0 (int16). */
static inline int tflrt_unary_check_quant_pair(tflrt_ctx* ctx, const tflrt_tensor* in, const tflrt_tensor* out,
                                               int zero_zp) {
  int rc;
  if ((rc = tflrt_unary_check_quant(ctx, in, "input")) != TFLRT_OK) return rc;
  if ((rc = tflrt_unary_check_quant(ctx, out, "output")) != TFLRT_OK) return rc;
  if (zero_zp && (in->zero_point != 0 || out->zero_point != 0))
    return tflrt_op_error(ctx, "%s input and output need zero point 0 (got %d and %d)", tflrt_type_name(in->type),
                          (int)in->zero_point, (int)out->zero_point);
  return TFLRT_OK;
}

/* A type TFLite rejects as well is a plain prepare error (RuntimeError, as TFLite raises); the
 * half-precision variants TFLite has but tflite_rt does not implement are UNSUPPORTED. */
static inline int tflrt_unary_unsupported(tflrt_ctx* ctx, const tflrt_tensor* in, const char* supported) {
  const int status = (in->type == TFLRT_FLOAT16 || in->type == TFLRT_BFLOAT16) ? TFLRT_ERR_UNSUPPORTED : TFLRT_ERR_RUNTIME;
  return tflrt_op_fail(ctx, status, "input type %s is not supported (supported: %s)", tflrt_type_name(in->type),
                       supported);
}

/* 256-entry table of func over the 8-bit input range (persistent memory). */
static inline int tflrt_unary_lut8(tflrt_ctx* ctx, tflrt_node* node, tflrt_unary_data* d, const tflrt_tensor* in,
                                   const tflrt_tensor* out, float (*func)(float, const void*), const void* arg) {
  uint8_t* lut = tflrt_persistent_alloc(ctx, node, 256);
  if (lut == NULL) return TFLRT_ERR_NOMEM;
  tflrt_lut8_populate(in->type == TFLRT_INT8, in->scale, in->zero_point, out->scale, out->zero_point, func, arg, lut);
  d->p.lut8 = lut;
  d->fn = ctx->k->unary.x8_lut;
  return TFLRT_OK;
}

/* 513-entry interpolated table of func over the int16 input range, built in float. */
static inline int tflrt_unary_lut16(tflrt_ctx* ctx, tflrt_node* node, tflrt_unary_data* d, const tflrt_tensor* in,
                                    const tflrt_tensor* out, float (*func)(float, const void*), const void* arg) {
  int16_t* lut = tflrt_persistent_alloc(ctx, node, TFLRT_LUT16_SIZE * sizeof(int16_t));
  if (lut == NULL) return TFLRT_ERR_NOMEM;
  tflrt_lut16_populate_f32(in->scale, in->zero_point, out->scale, out->zero_point, func, arg, lut);
  d->p.lut16 = lut;
  d->fn = ctx->k->unary.qs16_lut;
  return TFLRT_OK;
}

/* Splits a rescaling multiplier that TFLite computes in float32 (a / b in float, then
 * QuantizeMultiplier). A left shift beyond 31 bits (a ratio of scales above 2^31, undefined
 * behaviour in TFLite) is refused. */
static inline int tflrt_unary_multiplier_f32(tflrt_ctx* ctx, float real, int32_t* m, int32_t* shift) {
  int s = 0;
  tflrt_quantize_multiplier((double)real, m, &s);
  *shift = s;
  if (s > 31) return tflrt_op_error(ctx, "rescaling multiplier %g is too large (ratio of scales above 2^31)", (double)real);
  return TFLRT_OK;
}

typedef struct {
  const tflrt_unary_data* d;
  const uint8_t* x;
  uint8_t* y;
  size_t n, in_size, out_size;
} tflrt_unary_job;

static inline void tflrt_unary_blocks(void* arg, int32_t begin, int32_t end) {
  const tflrt_unary_job* j = arg;
  const size_t i0 = (size_t)begin * TFLRT_UNARY_BLOCK;
  const size_t i1 = (size_t)end * TFLRT_UNARY_BLOCK < j->n ? (size_t)end * TFLRT_UNARY_BLOCK : j->n;
  if (i1 > i0) j->d->fn(&j->d->p, j->x + i0 * j->in_size, j->y + i0 * j->out_size, i1 - i0);
}

static inline int32_t tflrt_unary_load_int(const void* x, int32_t type, size_t i) {
  switch (type) {
    case TFLRT_INT8: return ((const int8_t*)x)[i];
    case TFLRT_UINT8: return ((const uint8_t*)x)[i];
    default: return ((const int16_t*)x)[i];
  }
}

/* Eval of an element-wise unary op: runs d->fn over the input, split into blocks. */
static inline int tflrt_unary_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const tflrt_unary_data* d = node->data;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  const int64_t n = tflrt_num_elements(in);
  if (n <= 0) return TFLRT_OK;
  if (in->data == NULL || out->data == NULL) return tflrt_op_error(ctx, "input or output tensor has no data");
  if (d->fn == NULL) return tflrt_op_error(ctx, "no kernel was selected in prepare");
  if (d->check_min) {
    for (int64_t i = 0; i < n; i++)
      if (tflrt_unary_load_int(in->data, in->type, (size_t)i) < d->p.input_zero_point)
        return tflrt_op_error(ctx, "%s (input element %lld is %d, below the zero point %d)", d->check_what,
                              (long long)i, (int)tflrt_unary_load_int(in->data, in->type, (size_t)i),
                              (int)d->p.input_zero_point);
  }
  tflrt_unary_job job = {.d = d, .x = in->data, .y = out->data, .n = (size_t)n, .in_size = tflrt_type_size(in->type),
                         .out_size = tflrt_type_size(out->type)};
  return tflrt_parallel_blocks(ctx, n, TFLRT_UNARY_BLOCK, tflrt_unary_blocks, &job);
}

#endif
