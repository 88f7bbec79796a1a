/* BATCH_MATMUL (versions 1-4).
 *
 * Inputs: 0 lhs [..., M, K] (or [..., K, M] with adj_x), 1 rhs [..., K, N] (or [..., N, K] with
 * adj_y); ranks 2..5, batch dimensions broadcast numpy-style (aligned from the right, equal or
 * 1). Output [broadcast batch dims..., M, N]. Options (BatchMatMulOptions): adj_x, adj_y,
 * asymmetric_quantize_inputs.
 *
 * Types, as TFLite's batch_matmul.cc with its reference kernels:
 *   float32 x float32 -> float32
 *   int8 x int8 -> int8     (per-tensor; multiplier (float)(lhs_scale * rhs_scale) / out_scale,
 *                            like TFLite only the first rhs scale is used)
 *   int8 x int8 -> int32    (raw products, zero points ignored as in TFLite)
 *   int16 x int16 -> int16, int16 x int8 -> int16 (zero points 0, 64-bit accumulation)
 *   float32 x int8 -> float32, the hybrid ("dynamic range") path: the lhs is quantized to int8
 *     per row of K values at run time, symmetric or (asymmetric_quantize_inputs) asymmetric;
 *     the rhs is per-tensor or per-column (N scales) quantized.
 * Transposed operands are read through strides (no copies), except the hybrid lhs with adj_x,
 * which is transposed into scratch before the per-row quantization (as TFLite does).
 *
 * One deliberate difference: for a hybrid lhs with two or more batch dimensions larger than 1,
 * TFLite's reference kernel indexes its per-row scales and the weight row sums with a stride
 * of one matrix per batch *dimension* instead of per batch *element* (reading the wrong rows);
 * tflite_rt indexes them correctly. */
#include <math.h>
#include <string.h>

#include "../quant/quant.h"
#include "op.h"
#include "op_util.h"

enum { BMM_OPTIONS_TYPE = 101 }; /* BuiltinOptions union: BatchMatMulOptions */
enum { BMM_OPT_ADJ_X = 0, BMM_OPT_ADJ_Y = 1, BMM_OPT_ASYMMETRIC = 2 };

typedef enum { BMM_F32, BMM_QS8, BMM_QS8_QS32, BMM_QS16, BMM_QS16_QS8W, BMM_HYBRID } bmm_kind;

typedef struct {
  int adj_x, adj_y, asymmetric;
  bmm_kind kind;
  tflrt_bmm_params p;
  int32_t rows; /* batches * M */
  /* Hybrid: scratch block [lhs transposed (adj_x) | lhs quantized | row scales | row zero
   * points | column sums (non-constant rhs)]. */
  int64_t lhs_batches, rhs_batches;
  int32_t scratch;
  size_t off_q, off_scale, off_zp, off_colsum;
  const int32_t* const_col_sum;
} bmm_data;

static int bmm_parse(tflrt_ctx* ctx, tflrt_node* node) {
  bmm_data* d = node->data;
  const fb_table empty = {0};
  const fb_table* o =
      node->options != NULL && node->options_type == BMM_OPTIONS_TYPE ? node->options : &empty;
  if (fb_bool(o, BMM_OPT_ADJ_X, 0, &d->adj_x) != 0 ||
      fb_bool(o, BMM_OPT_ADJ_Y, 0, &d->adj_y) != 0 ||
      fb_bool(o, BMM_OPT_ASYMMETRIC, 0, &d->asymmetric) != 0)
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed BatchMatMulOptions");
  return TFLRT_OK;
}

static int check_scale(tflrt_ctx* ctx, const tflrt_tensor* t, const char* what) {
  if (t->nq < 1 || !(t->scale > 0.0f) || !isfinite(t->scale))
    return tflrt_op_error(ctx, "%s tensor %d ('%s') of type %s needs a positive quantization scale",
                          what, (int)t->index, t->name, tflrt_type_name(t->type));
  return TFLRT_OK;
}

static size_t align64(size_t v) { return (v + 63) / 64 * 64; }

/* Quantized (non-hybrid) requantization parameters. */
static int bmm_quant_params(tflrt_ctx* ctx, bmm_data* d, const tflrt_tensor* lhs,
                            const tflrt_tensor* rhs, const tflrt_tensor* out) {
  tflrt_bmm_params* p = &d->p;
  if (d->kind == BMM_QS8_QS32) return TFLRT_OK;
  int r;
  if ((r = check_scale(ctx, lhs, "lhs")) != TFLRT_OK) return r;
  if ((r = check_scale(ctx, rhs, "rhs")) != TFLRT_OK) return r;
  if ((r = check_scale(ctx, out, "output")) != TFLRT_OK) return r;
  if (lhs->type == TFLRT_INT16 &&
      (lhs->zero_point != 0 || rhs->zero_point != 0 || out->zero_point != 0))
    return tflrt_op_error(ctx, "int16 operands and output must have zero point 0 (got %d, %d, %d)",
                          (int)lhs->zero_point, (int)rhs->zero_point, (int)out->zero_point);
  tflrt_type_range(out->type, &p->q_min, &p->q_max);
  int32_t lmin, lmax, rmin, rmax;
  tflrt_type_range(lhs->type, &lmin, &lmax);
  tflrt_type_range(rhs->type, &rmin, &rmax);
  if (lhs->zero_point < lmin || lhs->zero_point > lmax || rhs->zero_point < rmin ||
      rhs->zero_point > rmax || out->zero_point < p->q_min || out->zero_point > p->q_max)
    return tflrt_op_error(ctx, "zero points (%d, %d, %d) are outside their type ranges",
                          (int)lhs->zero_point, (int)rhs->zero_point, (int)out->zero_point);
  const double m = (double)(lhs->scale * rhs->scale) / (double)out->scale;
  int s = 0;
  tflrt_quantize_multiplier(m, &p->mult, &s);
  const int limit = d->kind == BMM_QS8 ? 30 : 14;
  if (s > limit)
    return tflrt_op_error(ctx, "effective multiplier lhs_scale * rhs_scale / output_scale = %g is "
                          "too large", m);
  p->shift = s;
  p->lhs_offset = -lhs->zero_point;
  p->rhs_offset = -rhs->zero_point;
  p->output_offset = out->zero_point;
  return TFLRT_OK;
}

/* Hybrid: filter scales, column sums of a constant rhs, and the scratch layout. */
static int bmm_hybrid_params(tflrt_ctx* ctx, tflrt_node* node, bmm_data* d,
                             const tflrt_tensor* lhs, const tflrt_tensor* rhs) {
  tflrt_bmm_params* p = &d->p;
  if (rhs->nq < 1)
    return tflrt_op_error(ctx, "int8 rhs tensor %d ('%s') has no quantization parameters",
                          (int)rhs->index, rhs->name);
  if (rhs->nq != 1 && rhs->nq != p->n)
    return tflrt_op_error(ctx, "int8 rhs tensor %d ('%s') has %d scales; expected 1 or %d (one "
                          "per output column)", (int)rhs->index, rhs->name, (int)rhs->nq,
                          (int)p->n);
  float* fs = tflrt_persistent_alloc(ctx, node, sizeof(float) * (size_t)(p->n > 0 ? p->n : 1));
  if (fs == NULL) return TFLRT_ERR_NOMEM;
  for (int32_t j = 0; j < p->n; j++) fs[j] = rhs->scales[rhs->nq == 1 ? 0 : j];
  p->filter_scale = fs;
  const size_t rows = (size_t)d->lhs_batches * (size_t)p->m;
  const size_t n_lhs = rows * (size_t)p->k;
  const size_t n_cols = (size_t)d->rhs_batches * (size_t)p->n;
  d->off_q = d->adj_x ? align64(n_lhs * sizeof(float)) : 0;
  d->off_scale = d->off_q + align64(n_lhs);
  d->off_zp = d->off_scale + align64(rows * sizeof(float));
  d->off_colsum = d->off_zp + align64(rows * sizeof(int32_t));
  size_t total = d->off_colsum;
  d->const_col_sum = NULL;
  if (tflrt_is_const(rhs)) {
    int32_t* cs = tflrt_persistent_alloc(ctx, node, sizeof(int32_t) * (n_cols > 0 ? n_cols : 1));
    if (cs == NULL) return TFLRT_ERR_NOMEM;
    ctx->k->matmul.qs8_bmm_col_sums(p, rhs->data, d->rhs_batches, cs);
    d->const_col_sum = cs;
  } else {
    total += n_cols * sizeof(int32_t);
  }
  return tflrt_request_scratch(ctx, node, total > 0 ? total : 1, &d->scratch);
}

static int bmm_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  bmm_data* d = node->data;
  tflrt_bmm_params* p = &d->p;
  memset(p, 0, sizeof(*p));
  int rc = tflrt_check_arity(ctx, node, 2, 2, 1, "lhs, rhs");
  if (rc) return rc;
  const tflrt_tensor* lhs = tflrt_in(ctx, node, 0);
  const tflrt_tensor* rhs = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  const int32_t lt = lhs->type, rt = rhs->type, ot = out->type;
  if (lt == TFLRT_FLOAT32 && rt == TFLRT_FLOAT32 && ot == TFLRT_FLOAT32) d->kind = BMM_F32;
  else if (lt == TFLRT_FLOAT32 && rt == TFLRT_INT8 && ot == TFLRT_FLOAT32) d->kind = BMM_HYBRID;
  else if (lt == TFLRT_INT8 && rt == TFLRT_INT8 && ot == TFLRT_INT8) d->kind = BMM_QS8;
  else if (lt == TFLRT_INT8 && rt == TFLRT_INT8 && ot == TFLRT_INT32) d->kind = BMM_QS8_QS32;
  else if (lt == TFLRT_INT16 && rt == TFLRT_INT16 && ot == TFLRT_INT16) d->kind = BMM_QS16;
  else if (lt == TFLRT_INT16 && rt == TFLRT_INT8 && ot == TFLRT_INT16) d->kind = BMM_QS16_QS8W;
  else
    return tflrt_op_error(ctx, "unsupported types lhs %s, rhs %s, output %s (supported: FLOAT32 x "
                          "FLOAT32 -> FLOAT32, FLOAT32 x INT8 -> FLOAT32, INT8 x INT8 -> INT8 or "
                          "INT32, INT16 x INT16 -> INT16, INT16 x INT8 -> INT16)",
                          tflrt_type_name(lt), tflrt_type_name(rt), tflrt_type_name(ot));
  const int32_t lr = lhs->ndims, rr = rhs->ndims;
  if (lr < 2 || lr > 5 || rr < 2 || rr > 5)
    return tflrt_op_error(ctx, "operand ranks must be 2 to 5 (got %d and %d)", (int)lr, (int)rr);
  const int32_t orank = lr > rr ? lr : rr;
  int32_t le[5], re[5], od[5];
  for (int32_t i = 0; i < orank; i++) {
    const int32_t li = i - (orank - lr), ri = i - (orank - rr);
    le[i] = li >= 0 ? lhs->dims[li] : 1;
    re[i] = ri >= 0 ? rhs->dims[ri] : 1;
  }
  for (int32_t i = 0; i < orank - 2; i++) {
    if (le[i] != re[i] && le[i] != 1 && re[i] != 1)
      return tflrt_op_error(ctx, "batch dimensions %d and %d (axis %d from the right) cannot be "
                            "broadcast", (int)le[i], (int)re[i], (int)(orank - i));
    od[i] = (le[i] != re[i] && le[i] == 1) ? re[i] : le[i];
  }
  const int32_t lk = d->adj_x ? le[orank - 2] : le[orank - 1];
  const int32_t rk = d->adj_y ? re[orank - 1] : re[orank - 2];
  if (lk != rk)
    return tflrt_op_error(ctx, "inner dimensions differ: lhs has %d, rhs has %d (adj_x %d, "
                          "adj_y %d)", (int)lk, (int)rk, d->adj_x, d->adj_y);
  p->m = d->adj_x ? le[orank - 1] : le[orank - 2];
  p->n = d->adj_y ? re[orank - 2] : re[orank - 1];
  p->k = lk;
  od[orank - 2] = p->m;
  od[orank - 1] = p->n;
  int r = tflrt_set_output_shape(ctx, out, orank, od);
  if (r != TFLRT_OK) return r;

  /* Batch strides over three (padded) batch dimensions. */
  const int32_t nb = orank - 2;
  int64_t lstride = (int64_t)p->m * p->k, rstride = (int64_t)p->k * p->n;
  int64_t lrows = p->m, rcols = p->n, batches = 1;
  d->lhs_batches = d->rhs_batches = 1;
  for (int32_t t = 2; t >= 0; t--) {
    const int32_t i = t - (3 - nb);
    if (i < 0) {
      p->batch_size[t] = 1;
      continue;
    }
    p->batch_size[t] = od[i];
    batches *= od[i];
    p->lhs_bstride[t] = le[i] == 1 ? 0 : lstride;
    p->lhs_row_bstride[t] = le[i] == 1 ? 0 : lrows;
    p->rhs_bstride[t] = re[i] == 1 ? 0 : rstride;
    p->rhs_col_bstride[t] = re[i] == 1 ? 0 : rcols;
    lstride *= le[i];
    lrows *= le[i];
    rstride *= re[i];
    rcols *= re[i];
    d->lhs_batches *= le[i];
    d->rhs_batches *= re[i];
  }
  if (batches * p->m > INT32_MAX)
    return tflrt_op_error(ctx, "batches x M (%lld) is too large", (long long)(batches * p->m));
  d->rows = (int32_t)(batches * p->m);
  p->lhs_ms = d->adj_x ? 1 : p->k;
  p->lhs_ks = d->adj_x ? p->m : 1;
  p->rhs_ks = d->adj_y ? 1 : p->n;
  p->rhs_ns = d->adj_y ? p->k : 1;

  if (d->kind == BMM_F32) return TFLRT_OK;
  if (d->kind == BMM_HYBRID) {
    /* The kernel reads the quantized lhs densely, row by row. */
    p->lhs_ms = p->k;
    p->lhs_ks = 1;
    return bmm_hybrid_params(ctx, node, d, lhs, rhs);
  }
  return bmm_quant_params(ctx, d, lhs, rhs, out);
}

typedef struct {
  const bmm_data* d;
  const tflrt_kernels* k;
  const void* lhs;
  const void* rhs;
  void* out;
  const float* row_scale;
  const int32_t* row_zp;
  const int32_t* col_sum;
} bmm_job;

static void bmm_rows(void* arg, int32_t begin, int32_t end) {
  const bmm_job* j = arg;
  const tflrt_bmm_params* p = &j->d->p;
  const tflrt_matmul_kernels* k = &j->k->matmul;
  switch (j->d->kind) {
    case BMM_F32: k->f32_bmm(p, j->lhs, j->rhs, j->out, begin, end); break;
    case BMM_QS8: k->qs8_bmm(p, j->lhs, j->rhs, j->out, begin, end); break;
    case BMM_QS8_QS32: k->qs8_qs32_bmm(p, j->lhs, j->rhs, j->out, begin, end); break;
    case BMM_QS16: k->qs16_bmm(p, j->lhs, j->rhs, j->out, begin, end); break;
    case BMM_QS16_QS8W: k->qs16_qs8w_bmm(p, j->lhs, j->rhs, j->out, begin, end); break;
    case BMM_HYBRID:
      k->qd8_f32_bmm(p, j->lhs, j->row_scale, j->row_zp, j->rhs, j->col_sum, j->out, begin,
                     end);
      break;
  }
}

/* Hybrid lhs quantization, one row of K floats per range index. */
typedef struct {
  const tflrt_conv_kernels* k;
  int asymmetric;
  const float* x;
  int8_t* q;
  float* scale;
  int32_t* zp;
  size_t k_depth;
} bmm_quantize_job;

static void bmm_quantize_rows(void* arg, int32_t begin, int32_t end) {
  const bmm_quantize_job* j = arg;
  tflrt_quantize_rows(j->k, j->asymmetric, j->x, j->k_depth, begin, end, j->q, j->scale, j->zp);
}

static int bmm_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const bmm_data* d = node->data;
  const tflrt_bmm_params* p = &d->p;
  const tflrt_tensor* lhs = tflrt_in(ctx, node, 0);
  const tflrt_tensor* rhs = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (tflrt_num_elements(out) == 0) return TFLRT_OK;
  bmm_job job = {d, ctx->k, lhs->data, rhs->data, out->data, NULL, NULL, NULL};
  if (d->kind == BMM_HYBRID) {
    uint8_t* s = node->scratch[d->scratch];
    const int64_t rows = d->lhs_batches * p->m;
    const float* x = lhs->data;
    if (d->adj_x) { /* [K][M] blocks -> [M][K] */
      float* t = (float*)(void*)s;
      const int64_t mk = (int64_t)p->m * p->k;
      for (int64_t b = 0; b < d->lhs_batches; b++)
        for (int32_t i = 0; i < p->m; i++)
          for (int32_t kk = 0; kk < p->k; kk++)
            t[b * mk + (int64_t)i * p->k + kk] = x[b * mk + (int64_t)kk * p->m + i];
      x = t;
    }
    bmm_quantize_job qj = {&ctx->k->conv, d->asymmetric, x, (int8_t*)(s + d->off_q),
                           (float*)(void*)(s + d->off_scale), (int32_t*)(void*)(s + d->off_zp),
                           (size_t)p->k};
    tflrt_parallel_for(ctx, (int32_t)rows, bmm_quantize_rows, &qj);
    const int32_t* cs = d->const_col_sum;
    if (cs == NULL) {
      int32_t* w = (int32_t*)(void*)(s + d->off_colsum);
      ctx->k->matmul.qs8_bmm_col_sums(p, rhs->data, d->rhs_batches, w);
      cs = w;
    }
    job.lhs = qj.q;
    job.row_scale = qj.scale;
    job.row_zp = qj.zp;
    job.col_sum = cs;
  }
  tflrt_parallel_for(ctx, d->rows, bmm_rows, &job);
  return TFLRT_OK;
}

const tflrt_op tflrt_op_batch_matmul = {
    .name = "BATCH_MATMUL",
    .builtin_code = 126,
    .min_version = 1,
    .max_version = 4,
    .data_size = sizeof(bmm_data),
    .parse = bmm_parse,
    .prepare = bmm_prepare,
    .eval = bmm_eval,
};
