/* LOCAL_RESPONSE_NORMALIZATION (version 1): float32 only, as TFLite.
 *
 * Input: [batch, height, width, depth] (TFLite requires rank 4); output: same shape.
 * Options (LocalResponseNormalizationOptions): radius (slot 0), bias, alpha, beta (slots 1-3).
 * The normalization runs along the last dimension; see kernels/lrn.h for the exact window. */
#include "op.h"
#include "op_util.h"

enum { LRN_OPTIONS_TYPE = 13 }; /* BuiltinOptions union: LocalResponseNormalizationOptions */
enum { LRN_OPT_RADIUS = 0, LRN_OPT_BIAS = 1, LRN_OPT_ALPHA = 2, LRN_OPT_BETA = 3 };

typedef struct {
  tflrt_lrn_params p;
  int32_t rows;
} lrn_data;

static int lrn_parse(tflrt_ctx* ctx, tflrt_node* node) {
  lrn_data* d = node->data;
  const fb_table empty = {0};
  const fb_table* o =
      node->options != NULL && node->options_type == LRN_OPTIONS_TYPE ? node->options : &empty;
  if (fb_i32(o, LRN_OPT_RADIUS, 0, &d->p.radius) != 0 ||
      fb_f32(o, LRN_OPT_BIAS, 0.0f, &d->p.bias) != 0 ||
      fb_f32(o, LRN_OPT_ALPHA, 0.0f, &d->p.alpha) != 0 ||
      fb_f32(o, LRN_OPT_BETA, 0.0f, &d->p.beta) != 0)
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed LocalResponseNormalizationOptions");
  return TFLRT_OK;
}

static int lrn_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  lrn_data* d = node->data;
  int rc = tflrt_check_io(ctx, node, 1, 1);
  if (rc) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (in->ndims != 4)
    return tflrt_op_error(ctx, "input must be 4-D, got rank %d", (int)in->ndims);
  if (in->type != TFLRT_FLOAT32 || out->type != TFLRT_FLOAT32)
    return tflrt_op_error(ctx, "input and output must be FLOAT32 (got %s and %s)",
                          tflrt_type_name(in->type), tflrt_type_name(out->type));
  d->p.depth = in->dims[3];
  const int64_t rows = (int64_t)in->dims[0] * in->dims[1] * in->dims[2];
  if (rows > INT32_MAX)
    return tflrt_op_error(ctx, "input has too many rows (%lld)", (long long)rows);
  d->rows = (int32_t)rows;
  return tflrt_set_output_shape(ctx, out, 4, in->dims);
}

typedef struct {
  const lrn_data* d;
  const tflrt_lrn_kernels* k;
  const float* in;
  float* out;
} lrn_job;

static void lrn_rows(void* arg, int32_t begin, int32_t end) {
  const lrn_job* j = arg;
  j->k->f32_lrn(&j->d->p, j->in, j->out, begin, end);
}

static int lrn_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const lrn_data* d = node->data;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (tflrt_num_elements(out) == 0) return TFLRT_OK;
  lrn_job job = {d, &ctx->k->lrn, in->data, out->data};
  tflrt_parallel_for(ctx, d->rows, lrn_rows, &job);
  return TFLRT_OK;
}

const tflrt_op tflrt_op_local_response_normalization = {
    .name = "LOCAL_RESPONSE_NORMALIZATION",
    .builtin_code = 13,
    .min_version = 1,
    .max_version = 1,
    .data_size = sizeof(lrn_data),
    .parse = lrn_parse,
    .prepare = lrn_prepare,
    .eval = lrn_eval,
};
