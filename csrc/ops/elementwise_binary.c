/* Two-input element-wise ops: the shared glue (elementwise_binary.h) and the ops without
 * quantized rescaling subtleties: MAXIMUM, MINIMUM (versions 1-4), POW (1), FLOOR_DIV (1-3),
 * FLOOR_MOD (1-2), SQUARED_DIFFERENCE (1-2), with TFLite's broadcasting.
 *
 * Types, as TFLite's kernels accept them:
 *   MAXIMUM, MINIMUM     FLOAT32, UINT8, INT8, INT16, INT32, INT64 (raw values, quantization ignored)
 *   POW                  FLOAT32, INT32 (int32 exponents must be >= 0)
 *   FLOOR_DIV            FLOAT32, INT32, INT16, INT8 (a zero divisor fails in eval)
 *   FLOOR_MOD            FLOAT32, INT32, INT64, INT16, INT8 (an integer zero divisor fails)
 *   SQUARED_DIFFERENCE   FLOAT32, INT32, INT8 (quantized) */
#include "elementwise_binary.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "../quant/quant.h"
#include "op_util.h"

/* ---------------------------------------------------------------------------------------- */
/* Shared glue                                                                               */
/* ---------------------------------------------------------------------------------------- */

int ew_parse_options(tflrt_ctx* ctx, tflrt_node* node, int32_t options_type, int32_t pot_slot) {
  ew_binary* d = node->data;
  d->activation = TFLRT_ACT_NONE;
  d->pot_scale_int16 = 0;
  if (node->options == NULL || node->options_type != options_type) return TFLRT_OK;
  int8_t act = 0;
  int pot = 1;
  if (fb_i8(node->options, 0, 0, &act) != 0 || (pot_slot >= 0 && fb_bool(node->options, pot_slot, 1, &pot) != 0))
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed builtin options");
  /* Unknown activation codes read as none, as TFLite's ConvertActivation. */
  d->activation = (act >= TFLRT_ACT_NONE && act <= TFLRT_ACT_SIGN_BIT) ? act : TFLRT_ACT_NONE;
  d->pot_scale_int16 = pot_slot >= 0 ? pot != 0 : 0;
  return TFLRT_OK;
}

int ew_prepare_shapes(tflrt_ctx* ctx, tflrt_node* node, ew_binary* d, int32_t max_rank,
                      const tflrt_tensor** a, const tflrt_tensor** b, tflrt_tensor** out) {
  int rc = tflrt_check_io(ctx, node, 2, 1);
  if (rc) return rc;
  const tflrt_tensor* ta = tflrt_in(ctx, node, 0);
  const tflrt_tensor* tb = tflrt_in(ctx, node, 1);
  tflrt_tensor* to = tflrt_out(ctx, node, 0);
  if (ta->type != tb->type)
    return tflrt_op_error(ctx, "input types differ: %s and %s", tflrt_type_name(ta->type), tflrt_type_name(tb->type));
  memset(&d->p, 0, sizeof(d->p));
  d->kind = EW_NONE;
  d->same_shape = (uint8_t)tflrt_same_shape(ta, tb);
  int32_t nd = 0, dims[TFLRT_MAX_DIMS];
  const tflrt_tensor* ins[2] = {ta, tb};
  if (d->same_shape) {
    nd = ta->ndims;
    for (int32_t i = 0; i < nd; i++) dims[i] = ta->dims[i];
  } else if ((rc = tflrt_broadcast_shape(ctx, 2, ins, max_rank, &nd, dims)) != TFLRT_OK) {
    return rc;
  }
  if ((rc = tflrt_set_output_shape(ctx, to, nd, dims)) != TFLRT_OK) return rc;
  tflrt_bcast_init(&d->plan, 2, ins, nd, dims);
  *a = ta;
  *b = tb;
  *out = to;
  return TFLRT_OK;
}

int ew_prepare_same_type(tflrt_ctx* ctx, tflrt_node* node, ew_binary* d, const tflrt_tensor** a, const tflrt_tensor** b,
                         tflrt_tensor** out) {
  int rc = ew_prepare_shapes(ctx, node, d, TFLRT_MAX_DIMS, a, b, out);
  return rc ? rc : ew_check_output_type(ctx, *out, (*a)->type);
}

int ew_check_output_type(tflrt_ctx* ctx, const tflrt_tensor* out, int32_t type) {
  if (out->type != type)
    return tflrt_op_error(ctx, "output type %s does not match the expected %s", tflrt_type_name(out->type),
                          tflrt_type_name(type));
  return TFLRT_OK;
}

void ew_set_activation_raw(tflrt_binary_params* p, int32_t act, int32_t type) {
  float flo = -FLT_MAX, fhi = FLT_MAX;
  int64_t lo, hi;
  switch (type) {
    case TFLRT_INT64: lo = INT64_MIN; hi = INT64_MAX; break;
    case TFLRT_INT16: lo = INT16_MIN; hi = INT16_MAX; break;
    case TFLRT_INT8: lo = INT8_MIN; hi = INT8_MAX; break;
    case TFLRT_UINT32: lo = 0; hi = UINT32_MAX; break;
    default: lo = INT32_MIN; hi = INT32_MAX; break;
  }
  switch (act) {
    case TFLRT_ACT_RELU: flo = 0.0f; lo = 0; break;
    case TFLRT_ACT_RELU6: flo = 0.0f; fhi = 6.0f; lo = 0; hi = 6; break;
    case TFLRT_ACT_RELU_N1_TO_1:
      flo = -1.0f;
      fhi = 1.0f;
      lo = type == TFLRT_UINT32 ? (int64_t)UINT32_MAX : -1;
      hi = 1;
      break;
    default: break; /* NONE, TANH, SIGN_BIT: the type's whole range */
  }
  p->f32_min = flo;
  p->f32_max = fhi;
  p->i64_min = lo;
  p->i64_max = hi;
  p->i32_min = lo < INT32_MIN ? INT32_MIN : (int32_t)lo;
  p->i32_max = hi > INT32_MAX ? INT32_MAX : (int32_t)hi;
}

int ew_check_quant(tflrt_ctx* ctx, const tflrt_tensor* t, const char* what) {
  int32_t qmin, qmax;
  if (t->nq < 1)
    return tflrt_op_error(ctx, "%s tensor %d ('%s') of type %s needs quantization parameters", what,
                          (int)t->index, t->name ? t->name : "", tflrt_type_name(t->type));
  if (t->nq != 1)
    return tflrt_op_error(ctx, "%s tensor %d ('%s') must be quantized per tensor, got %d scales", what,
                          (int)t->index, t->name ? t->name : "", (int)t->nq);
  if (!(t->scale > 0.0f) || !isfinite(t->scale))
    return tflrt_op_error(ctx, "%s tensor %d has an invalid scale %g", what, (int)t->index, (double)t->scale);
  if (tflrt_type_range(t->type, &qmin, &qmax) && (t->zero_point < qmin || t->zero_point > qmax))
    return tflrt_op_error(ctx, "%s tensor %d has zero point %d outside the %s range", what, (int)t->index,
                          (int)t->zero_point, tflrt_type_name(t->type));
  return TFLRT_OK;
}

void ew_set_activation_quant(tflrt_binary_params* p, int32_t act, const tflrt_tensor* out) {
  int32_t qmin = 0, qmax = 0;
  tflrt_type_range(out->type, &qmin, &qmax);
  tflrt_act_range_quant(act, out->scale, out->zero_point, qmin, qmax, &p->q_min, &p->q_max);
}

int64_t ew_count(const tflrt_tensor* t) { return tflrt_num_elements(t); }

int ew_check_no_value(tflrt_ctx* ctx, const tflrt_tensor* t, int64_t forbidden, const char* message) {
  const int64_t n = tflrt_num_elements(t);
  if (n > 0 && t->data == NULL) return tflrt_op_error(ctx, "input tensor %d has no data", (int)t->index);
  int64_t i = 0;
  switch (t->type) {
    case TFLRT_FLOAT32: {
      const float* v = t->data;
      for (; i < n; i++) if (v[i] == 0.0f) break;
      break;
    }
    case TFLRT_INT64: {
      const int64_t* v = t->data;
      for (; i < n; i++) if (v[i] == forbidden) break;
      break;
    }
    case TFLRT_INT32: {
      const int32_t* v = t->data;
      for (; i < n; i++) if (v[i] == forbidden) break;
      break;
    }
    case TFLRT_INT16: {
      const int16_t* v = t->data;
      for (; i < n; i++) if (v[i] == forbidden) break;
      break;
    }
    case TFLRT_INT8: {
      const int8_t* v = t->data;
      for (; i < n; i++) if (v[i] == forbidden) break;
      break;
    }
    case TFLRT_UINT8: {
      const uint8_t* v = t->data;
      for (; i < n; i++) if (v[i] == forbidden) break;
      break;
    }
    default: return TFLRT_OK;
  }
  if (i < n) return tflrt_op_error(ctx, "%s (element %lld of input 2)", message, (long long)i);
  return TFLRT_OK;
}

/* Element sizes (input, output) of a kind. */
static void kind_sizes(int32_t kind, size_t* in_size, size_t* out_size) {
  size_t s = 1, o = 0;
  switch (kind) {
    case EW_F32: case EW_S32: case EW_U32: case EW_CMP_F32: case EW_CMP_S32: s = 4; break;
    case EW_S64: case EW_CMP_S64: s = 8; break;
    case EW_S16: case EW_QS16: case EW_CMP_S16: case EW_CMP_QS16: s = 2; break;
    case EW_QS16_QS8: case EW_QS16_QU8: s = 2; o = 1; break;
    default: s = 1; break;
  }
  if (kind >= EW_CMP_F32) o = 1; /* comparisons and logical ops write bools */
  *in_size = s;
  *out_size = o ? o : s;
}

typedef struct {
  const tflrt_binary_kernels* k;
  const tflrt_binary_params* p;
  int32_t kind, op, mode;
  size_t in_size, out_size;
  const char* a;
  const char* b;
  char* y;
  const tflrt_bcast* plan;
  const tflrt_bcast_split* split;
} ew_work;

static void ew_segment(void* arg, const int64_t* offs, int64_t out_off, int64_t count) {
  const ew_work* w = arg;
  const void* a = w->a + (size_t)offs[0] * w->in_size;
  const void* b = w->b + (size_t)offs[1] * w->in_size;
  void* y = w->y + (size_t)out_off * w->out_size;
  const tflrt_binary_kernels* k = w->k;
  const tflrt_binary_params* p = w->p;
  const size_t n = (size_t)count;
  const int m = w->mode, op = w->op;
  switch (w->kind) {
    case EW_F32: k->f32[op](p, n, a, b, y, m); break;
    case EW_S64: k->s64[op](p, n, a, b, y, m); break;
    case EW_S32: k->s32[op](p, n, a, b, y, m); break;
    case EW_S16: k->s16[op](p, n, a, b, y, m); break;
    case EW_S8: k->s8[op](p, n, a, b, y, m); break;
    case EW_U8: k->u8[op](p, n, a, b, y, m); break;
    case EW_U32: k->u32[op](p, n, a, b, y, m); break;
    case EW_QS8: k->qs8[op](p, n, a, b, y, m); break;
    case EW_QU8: k->qu8[op](p, n, a, b, y, m); break;
    case EW_QS16: k->qs16[op](p, n, a, b, y, m); break;
    case EW_QS16_QS8: k->qs16_qs8_mul(p, n, a, b, y, m); break;
    case EW_QS16_QU8: k->qs16_qu8_mul(p, n, a, b, y, m); break;
    case EW_CMP_F32: k->f32_cmp[op](p, n, a, b, y, m); break;
    case EW_CMP_S64: k->s64_cmp[op](p, n, a, b, y, m); break;
    case EW_CMP_S32: k->s32_cmp[op](p, n, a, b, y, m); break;
    case EW_CMP_S16: k->s16_cmp[op](p, n, a, b, y, m); break;
    case EW_CMP_S8: k->s8_cmp[op](p, n, a, b, y, m); break;
    case EW_CMP_U8: k->u8_cmp[op](p, n, a, b, y, m); break;
    case EW_CMP_QS8: k->qs8_cmp[op](p, n, a, b, y, m); break;
    case EW_CMP_QU8: k->qu8_cmp[op](p, n, a, b, y, m); break;
    case EW_CMP_QS16: k->qs16_cmp[op](p, n, a, b, y, m); break;
    case EW_AND: k->b8_and(n, a, b, y, m); break;
    case EW_OR: k->b8_or(n, a, b, y, m); break;
    default: break;
  }
}

static void ew_tasks(void* arg, int32_t begin, int32_t end) {
  const ew_work* w = arg;
  tflrt_bcast_for_tasks(w->plan, w->split, begin, end, ew_segment, arg);
}

/* Whether the kernel table has the slot a (kind, op) pair runs. */
static int ew_has_kernel(const tflrt_binary_kernels* k, int32_t kind, int32_t op) {
  if (op < 0 || op >= TFLRT_BINOP_COUNT) return 0;
  const int cmp_ok = op < TFLRT_CMP_COUNT;
  switch (kind) {
    case EW_F32: return k->f32[op] != NULL;
    case EW_S64: return k->s64[op] != NULL;
    case EW_S32: return k->s32[op] != NULL;
    case EW_S16: return k->s16[op] != NULL;
    case EW_S8: return k->s8[op] != NULL;
    case EW_U8: return k->u8[op] != NULL;
    case EW_U32: return k->u32[op] != NULL;
    case EW_QS8: return k->qs8[op] != NULL;
    case EW_QU8: return k->qu8[op] != NULL;
    case EW_QS16: return k->qs16[op] != NULL;
    case EW_QS16_QS8: return k->qs16_qs8_mul != NULL;
    case EW_QS16_QU8: return k->qs16_qu8_mul != NULL;
    case EW_CMP_F32: return cmp_ok && k->f32_cmp[op] != NULL;
    case EW_CMP_S64: return cmp_ok && k->s64_cmp[op] != NULL;
    case EW_CMP_S32: return cmp_ok && k->s32_cmp[op] != NULL;
    case EW_CMP_S16: return cmp_ok && k->s16_cmp[op] != NULL;
    case EW_CMP_S8: return cmp_ok && k->s8_cmp[op] != NULL;
    case EW_CMP_U8: return cmp_ok && k->u8_cmp[op] != NULL;
    case EW_CMP_QS8: return cmp_ok && k->qs8_cmp[op] != NULL;
    case EW_CMP_QU8: return cmp_ok && k->qu8_cmp[op] != NULL;
    case EW_CMP_QS16: return cmp_ok && k->qs16_cmp[op] != NULL;
    case EW_AND: return k->b8_and != NULL;
    case EW_OR: return k->b8_or != NULL;
    default: return 0;
  }
}

/* Runs (kind, op) with parameters p over the plan of d. */
static int ew_run_with(tflrt_ctx* ctx, const ew_binary* d, const tflrt_binary_params* p, int32_t op,
                       const tflrt_tensor* a, const tflrt_tensor* b, tflrt_tensor* out) {
  if (d->plan.count <= 0) return TFLRT_OK;
  if (a->data == NULL || b->data == NULL || out->data == NULL)
    return tflrt_op_error(ctx, "input or output tensor has no data");
  if (!ew_has_kernel(&ctx->k->binary, d->kind, op)) return tflrt_op_error(ctx, "no kernel for this type");
  tflrt_bcast_split split;
  tflrt_bcast_split_init(&d->plan, ctx->num_threads, &split);
  ew_work w = {.k = &ctx->k->binary, .p = p, .kind = d->kind, .op = op, .a = a->data, .b = b->data,
               .y = out->data, .plan = &d->plan, .split = &split};
  kind_sizes(d->kind, &w.in_size, &w.out_size);
  const int ia = tflrt_bcast_inner_inc(&d->plan, 0), ib = tflrt_bcast_inner_inc(&d->plan, 1);
  w.mode = ia && ib ? TFLRT_BIN_VV : (!ia ? TFLRT_BIN_SV : TFLRT_BIN_VS);
  tflrt_parallel_for(ctx, split.n_tasks, ew_tasks, &w);
  return TFLRT_OK;
}

int ew_run(tflrt_ctx* ctx, tflrt_node* node, const ew_binary* d, const tflrt_tensor* a,
           const tflrt_tensor* b, tflrt_tensor* out) {
  (void)node;
  return ew_run_with(ctx, d, &d->p, d->op, a, b, out);
}

int ew_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const ew_binary* d = node->data;
  return ew_run(ctx, node, d, tflrt_in(ctx, node, 0), tflrt_in(ctx, node, 1), tflrt_out(ctx, node, 0));
}

static int unsupported_type(tflrt_ctx* ctx, int32_t type, const char* supported) {
  return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "unsupported input type %s (supported: %s)",
                       tflrt_type_name(type), supported);
}

/* Raw kind of a numeric type, EW_NONE when not numeric. */
static int32_t raw_kind(int32_t type) {
  switch (type) {
    case TFLRT_FLOAT32: return EW_F32;
    case TFLRT_INT64: return EW_S64;
    case TFLRT_INT32: return EW_S32;
    case TFLRT_INT16: return EW_S16;
    case TFLRT_INT8: return EW_S8;
    case TFLRT_UINT8: return EW_U8;
    default: return EW_NONE;
  }
}

/* ---------------------------------------------------------------------------------------- */
/* MAXIMUM, MINIMUM                                                                          */
/* ---------------------------------------------------------------------------------------- */

static int maxmin_prepare(tflrt_ctx* ctx, tflrt_node* node, int32_t op) {
  ew_binary* d = node->data;
  const tflrt_tensor *a, *b;
  tflrt_tensor* out;
  int rc = ew_prepare_shapes(ctx, node, d, TFLRT_MAX_DIMS, &a, &b, &out);
  if (rc != TFLRT_OK) return rc;
  d->kind = raw_kind(a->type);
  if (d->kind == EW_NONE) return unsupported_type(ctx, a->type, "FLOAT32, UINT8, INT8, INT16, INT32, INT64");
  d->op = op;
  return ew_check_output_type(ctx, out, a->type);
}
static int maximum_prepare(tflrt_ctx* ctx, tflrt_node* node) { return maxmin_prepare(ctx, node, TFLRT_BINOP_MAX); }
static int minimum_prepare(tflrt_ctx* ctx, tflrt_node* node) { return maxmin_prepare(ctx, node, TFLRT_BINOP_MIN); }

/* ---------------------------------------------------------------------------------------- */
/* POW                                                                                       */
/* ---------------------------------------------------------------------------------------- */

static int pow_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  ew_binary* d = node->data;
  const tflrt_tensor *a, *b;
  tflrt_tensor* out;
  int rc = ew_prepare_shapes(ctx, node, d, TFLRT_MAX_DIMS, &a, &b, &out);
  if (rc != TFLRT_OK) return rc;
  if (a->type != TFLRT_FLOAT32 && a->type != TFLRT_INT32) return unsupported_type(ctx, a->type, "FLOAT32, INT32");
  d->kind = raw_kind(a->type);
  d->op = TFLRT_BINOP_POW;
  return ew_check_output_type(ctx, out, a->type);
}

static int pow_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const ew_binary* d = node->data;
  const tflrt_tensor* a = tflrt_in(ctx, node, 0);
  const tflrt_tensor* b = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (d->plan.count <= 0) return TFLRT_OK;
  if (b->data == NULL) return tflrt_op_error(ctx, "input 2 has no data");
  const int64_t nb = ew_count(b);
  if (a->type == TFLRT_INT32) {
    const int32_t* e = b->data;
    for (int64_t i = 0; i < nb; i++)
      if (e[i] < 0) return tflrt_op_error(ctx, "POW does not support negative INT32 exponents (got %d)", (int)e[i]);
  }
  /* TFLite's broadcasting POW with a single exponent that is an integer >= 1 (within 1e-5 for
   * float) multiplies by repeated squaring instead of calling pow. */
  if (!d->same_shape && nb == 1) {
    int32_t ie = 0;
    int use = 0;
    if (a->type == TFLRT_FLOAT32) {
      const float e = *(const float*)b->data;
      if (isfinite(e) && fabsf(e) < 2147483648.0f) {
        ie = (int32_t)roundf(e);
        use = fabsf(e - (float)ie) < 1e-5f && ie >= 1;
      }
    } else {
      ie = *(const int32_t*)b->data;
      use = ie >= 1;
    }
    if (use) {
      tflrt_binary_params p = d->p;
      p.int_exponent = ie;
      return ew_run_with(ctx, d, &p, TFLRT_BINOP_POWI, a, b, out);
    }
  }
  return ew_run(ctx, node, d, a, b, out);
}

/* ---------------------------------------------------------------------------------------- */
/* FLOOR_DIV, FLOOR_MOD                                                                      */
/* ---------------------------------------------------------------------------------------- */

static int floor_prepare(tflrt_ctx* ctx, tflrt_node* node, int32_t op) {
  ew_binary* d = node->data;
  const tflrt_tensor *a, *b;
  tflrt_tensor* out;
  int rc = ew_prepare_shapes(ctx, node, d, TFLRT_MAX_DIMS, &a, &b, &out);
  if (rc != TFLRT_OK) return rc;
  const int32_t t = a->type;
  if (op == TFLRT_BINOP_FLOORDIV && t != TFLRT_FLOAT32 && t != TFLRT_INT32 && t != TFLRT_INT16 && t != TFLRT_INT8)
    return unsupported_type(ctx, t, "FLOAT32, INT32, INT16, INT8");
  if (op == TFLRT_BINOP_FLOORMOD && t != TFLRT_FLOAT32 && t != TFLRT_INT64 && t != TFLRT_INT32 &&
      t != TFLRT_INT16 && t != TFLRT_INT8)
    return unsupported_type(ctx, t, "FLOAT32, INT64, INT32, INT16, INT8");
  d->kind = raw_kind(t);
  d->op = op;
  return ew_check_output_type(ctx, out, t);
}
static int floor_div_prepare(tflrt_ctx* ctx, tflrt_node* node) { return floor_prepare(ctx, node, TFLRT_BINOP_FLOORDIV); }
static int floor_mod_prepare(tflrt_ctx* ctx, tflrt_node* node) { return floor_prepare(ctx, node, TFLRT_BINOP_FLOORMOD); }

static int floor_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const ew_binary* d = node->data;
  const tflrt_tensor* b = tflrt_in(ctx, node, 1);
  /* FLOOR_DIV checks every divisor (float too); FLOOR_MOD only integer ones. */
  if (d->op == TFLRT_BINOP_FLOORDIV || b->type != TFLRT_FLOAT32) {
    int rc = ew_check_no_value(ctx, b, 0, "division by zero");
    if (rc != TFLRT_OK) return rc;
  }
  return ew_eval(ctx, node);
}

/* ---------------------------------------------------------------------------------------- */
/* SQUARED_DIFFERENCE                                                                        */
/* ---------------------------------------------------------------------------------------- */

static int sqrdiff_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  ew_binary* d = node->data;
  const tflrt_tensor *a, *b;
  tflrt_tensor* out;
  int rc = ew_prepare_same_type(ctx, node, d, &a, &b, &out);
  if (rc != TFLRT_OK) return rc;
  d->op = TFLRT_BINOP_SQRDIFF;
  if (a->type == TFLRT_FLOAT32 || a->type == TFLRT_INT32) {
    d->kind = raw_kind(a->type);
    return TFLRT_OK;
  }
  if (a->type != TFLRT_INT8) return unsupported_type(ctx, a->type, "FLOAT32, INT32, INT8");
  if ((rc = ew_check_quant(ctx, a, "input 1")) != TFLRT_OK || (rc = ew_check_quant(ctx, b, "input 2")) != TFLRT_OK ||
      (rc = ew_check_quant(ctx, out, "output")) != TFLRT_OK)
    return rc;
  tflrt_binary_params* p = &d->p;
  p->a_offset = -a->zero_point;
  p->b_offset = -b->zero_point;
  p->out_offset = out->zero_point;
  p->left_shift = 7;
  const double twice_max = 2.0 * (double)(a->scale > b->scale ? a->scale : b->scale);
  const double out_real = (twice_max * twice_max) / ((double)(1 << 14) * (double)out->scale);
  if (!(out_real < 1.0))
    return tflrt_op_error(ctx, "output scale %g is too small for input scales %g and %g", (double)out->scale,
                          (double)a->scale, (double)b->scale);
  int sa, sb, so;
  tflrt_quantize_multiplier_smaller_than_one((double)a->scale / twice_max, &p->a_multiplier, &sa);
  tflrt_quantize_multiplier_smaller_than_one((double)b->scale / twice_max, &p->b_multiplier, &sb);
  tflrt_quantize_multiplier_smaller_than_one(out_real, &p->out_multiplier, &so);
  p->a_shift = sa;
  p->b_shift = sb;
  p->out_shift = so;
  p->q_min = INT8_MIN; /* no fused activation */
  p->q_max = INT8_MAX;
  d->kind = EW_QS8;
  return TFLRT_OK;
}

const tflrt_op tflrt_op_maximum = {
    .name = "MAXIMUM", .builtin_code = 55, .min_version = 1, .max_version = 4,
    .data_size = sizeof(ew_binary), .parse = NULL, .prepare = maximum_prepare, .eval = ew_eval,
};
const tflrt_op tflrt_op_minimum = {
    .name = "MINIMUM", .builtin_code = 57, .min_version = 1, .max_version = 4,
    .data_size = sizeof(ew_binary), .parse = NULL, .prepare = minimum_prepare, .eval = ew_eval,
};
const tflrt_op tflrt_op_pow = {
    .name = "POW", .builtin_code = 78, .min_version = 1, .max_version = 1,
    .data_size = sizeof(ew_binary), .parse = NULL, .prepare = pow_prepare, .eval = pow_eval,
};
const tflrt_op tflrt_op_floor_div = {
    .name = "FLOOR_DIV", .builtin_code = 90, .min_version = 1, .max_version = 3,
    .data_size = sizeof(ew_binary), .parse = NULL, .prepare = floor_div_prepare, .eval = floor_eval,
};
const tflrt_op tflrt_op_floor_mod = {
    .name = "FLOOR_MOD", .builtin_code = 95, .min_version = 1, .max_version = 2,
    .data_size = sizeof(ew_binary), .parse = NULL, .prepare = floor_mod_prepare, .eval = floor_eval,
};
const tflrt_op tflrt_op_squared_difference = {
    .name = "SQUARED_DIFFERENCE", .builtin_code = 99, .min_version = 1, .max_version = 2,
    .data_size = sizeof(ew_binary), .parse = NULL, .prepare = sqrdiff_prepare, .eval = ew_eval,
};
