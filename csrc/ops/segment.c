/* Segment reductions: SEGMENT_SUM and UNSORTED_SEGMENT_{SUM, PROD, MAX, MIN}.
 *
 * TFLite semantics (tflite/kernels/segment_sum.cc, unsorted_segment.cc, reference_ops.h):
 *   SEGMENT_SUM  data [n, ...] (int32 or float32), segment_ids int32 [n], sorted: the first is 0
 *                and each next one is equal or one more. Output [last id + 1, ...]: row s is the
 *                sum of the data rows with id s, in order.
 *   UNSORTED_SEGMENT_*  data (int32 or float32), segment_ids int32 whose shape is a prefix of
 *                data's, num_segments int32 (scalar or [1], >= 0, > every id). Output
 *                [num_segments] + data.shape[rank(ids):]; every output row starts at the
 *                reduction's identity (0, 1, lowest, max) and folds in, in order, each data slice
 *                whose id is that row; negative ids are skipped.
 * Integer sums and products wrap (two's complement). MAX/MIN follow std::max/std::min: a NaN
 * in the data never replaces the running value.
 * Shapes come from the ids (and num_segments): when those are computed, the output is dynamic
 * and sized at invoke. Ids are validated before any write, in prepare when constant. */
#include <float.h>
#include <string.h>

#include "op.h"
#include "op_util.h"

enum { SEG_SUM, SEG_PROD, SEG_MAX, SEG_MIN };

typedef struct {
  int sorted;       /* SEGMENT_SUM */
  int reduction;    /* SEG_* */
  int dynamic;      /* output sized at invoke */
} segment_data;

static int32_t id_at(const tflrt_tensor* ids, int64_t i) {
  int32_t v;
  memcpy(&v, (const uint8_t*)ids->data + 4 * (size_t)i, 4);
  return v;
}

/* Output shape from the ids (and num_segments): validates them and fills dims. */
static int output_shape(tflrt_ctx* ctx, const tflrt_node* node, const segment_data* d, int32_t* ndims,
                        int32_t* dims) {
  const tflrt_tensor* data = tflrt_in(ctx, node, 0);
  const tflrt_tensor* ids = tflrt_in(ctx, node, 1);
  const int64_t n_ids = tflrt_num_elements(ids);
  int64_t rows;
  if (d->sorted) {
    int32_t prev = -1;
    for (int64_t i = 0; i < n_ids; i++) {
      const int32_t s = id_at(ids, i);
      if (i == 0 ? s != 0 : (s != prev && s != prev + 1))
        return tflrt_op_error(ctx, "segment_ids must start at 0 and grow by 0 or 1; id %d at position %lld follows %d",
                              (int)s, (long long)i, (int)prev);
      prev = s;
    }
    rows = (int64_t)prev + 1;
  } else {
    const tflrt_tensor* num = tflrt_in(ctx, node, 2);
    int32_t n_seg;
    memcpy(&n_seg, num->data, 4);
    if (n_seg < 0) return tflrt_op_error(ctx, "num_segments is %d; it must be >= 0", (int)n_seg);
    for (int64_t i = 0; i < n_ids; i++)
      if (id_at(ids, i) >= n_seg)
        return tflrt_op_error(ctx, "segment id %d at position %lld is not below num_segments %d", (int)id_at(ids, i),
                              (long long)i, (int)n_seg);
    rows = n_seg;
  }
  const int32_t skip = d->sorted ? 1 : ids->ndims;
  *ndims = data->ndims - skip + 1;
  dims[0] = (int32_t)rows;
  for (int32_t i = skip; i < data->ndims; i++) dims[i - skip + 1] = data->dims[i];
  return TFLRT_OK;
}

static int segment_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  segment_data* d = node->data;
  const int32_t n_in = d->sorted ? 2 : 3;
  int rc = tflrt_check_io(ctx, node, n_in, 1);
  if (rc) return rc;
  const tflrt_tensor* data = tflrt_in(ctx, node, 0);
  const tflrt_tensor* ids = tflrt_in(ctx, node, 1);
  const tflrt_tensor* num = d->sorted ? NULL : tflrt_in(ctx, node, 2);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (data->type != TFLRT_INT32 && data->type != TFLRT_FLOAT32)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "data type %s is not supported (int32, float32)",
                         tflrt_type_name(data->type));
  if (out->type != data->type) return tflrt_op_error(ctx, "the output type must be the data type");
  if (ids->type != TFLRT_INT32) return tflrt_op_error(ctx, "segment_ids must be int32");
  if (d->sorted) {
    if (data->ndims < 1 || ids->ndims != 1 || ids->dims[0] != data->dims[0])
      return tflrt_op_error(ctx, "segment_ids must be a vector as long as the data's first dimension");
  } else {
    if (ids->ndims > data->ndims) return tflrt_op_error(ctx, "segment_ids has a higher rank than the data");
    for (int32_t i = 0; i < ids->ndims; i++)
      if (ids->dims[i] != data->dims[i])
        return tflrt_op_error(ctx, "the shape of segment_ids must be a prefix of the data's shape");
    if (num->type != TFLRT_INT32 || !(num->ndims == 0 || (num->ndims == 1 && num->dims[0] == 1)))
      return tflrt_op_error(ctx, "num_segments must be an int32 scalar or [1]");
  }
  d->dynamic = !tflrt_is_const(ids) || (num != NULL && !tflrt_is_const(num));
  if (d->dynamic) return tflrt_set_dynamic(ctx, out);
  int32_t ndims, dims[TFLRT_MAX_DIMS + 1];
  int r = output_shape(ctx, node, d, &ndims, dims);
  return r ? r : tflrt_set_output_shape(ctx, out, ndims, dims);
}

/* One reduction step on raw values (ints wrap through unsigned arithmetic). */
static void fold_i32(int reduction, int32_t* acc, int32_t v) {
  switch (reduction) {
    case SEG_SUM: *acc = (int32_t)((uint32_t)*acc + (uint32_t)v); break;
    case SEG_PROD: *acc = (int32_t)((uint32_t)*acc * (uint32_t)v); break;
    case SEG_MAX: if (*acc < v) *acc = v; break;
    default: if (v < *acc) *acc = v; break;
  }
}

static void fold_f32(int reduction, float* acc, float v) {
  switch (reduction) {
    case SEG_SUM: *acc = *acc + v; break;
    case SEG_PROD: *acc = *acc * v; break;
    case SEG_MAX: if (*acc < v) *acc = v; break;
    default: if (v < *acc) *acc = v; break;
  }
}

static int segment_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const segment_data* d = node->data;
  const tflrt_tensor* data = tflrt_in(ctx, node, 0);
  const tflrt_tensor* ids = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  int32_t ndims, dims[TFLRT_MAX_DIMS + 1];
  int r = output_shape(ctx, node, d, &ndims, dims); /* validates computed ids before any write */
  if (r) return r;
  if (d->dynamic) {
    r = tflrt_set_output_shape(ctx, out, ndims, dims);
    if (r) return r;
  }
  const int64_t n_out = tflrt_num_elements(out), n_ids = tflrt_num_elements(ids);
  const int64_t rows = out->dims[0];
  const int64_t flat = rows > 0 ? n_out / rows : 0;
  const int is_int = data->type == TFLRT_INT32;
  for (int64_t i = 0; i < n_out; i++) {
    if (is_int) {
      const int32_t init = d->reduction == SEG_PROD ? 1 : d->reduction == SEG_MAX ? INT32_MIN
                         : d->reduction == SEG_MIN ? INT32_MAX : 0;
      ((int32_t*)out->data)[i] = init;
    } else {
      const float init = d->reduction == SEG_PROD ? 1.0f : d->reduction == SEG_MAX ? -FLT_MAX
                       : d->reduction == SEG_MIN ? FLT_MAX : 0.0f;
      ((float*)out->data)[i] = init;
    }
  }
  if (flat == 0) return TFLRT_OK;
  for (int64_t i = 0; i < n_ids; i++) {
    const int32_t s = id_at(ids, i);
    if (s < 0) continue;
    const size_t o = (size_t)s * (size_t)flat, x = (size_t)i * (size_t)flat;
    if (is_int) {
      int32_t* acc = (int32_t*)out->data + o;
      const int32_t* v = (const int32_t*)data->data + x;
      for (int64_t j = 0; j < flat; j++) fold_i32(d->reduction, &acc[j], v[j]);
    } else {
      float* acc = (float*)out->data + o;
      const float* v = (const float*)data->data + x;
      for (int64_t j = 0; j < flat; j++) fold_f32(d->reduction, &acc[j], v[j]);
    }
  }
  return TFLRT_OK;
}

static int parse_sorted_sum(tflrt_ctx* ctx, tflrt_node* node) {
  (void)ctx;
  ((segment_data*)node->data)->sorted = 1;
  ((segment_data*)node->data)->reduction = SEG_SUM;
  return TFLRT_OK;
}

static int set_reduction(tflrt_node* node, int reduction) {
  ((segment_data*)node->data)->sorted = 0;
  ((segment_data*)node->data)->reduction = reduction;
  return TFLRT_OK;
}
static int parse_unsorted_sum(tflrt_ctx* ctx, tflrt_node* node) { (void)ctx; return set_reduction(node, SEG_SUM); }
static int parse_unsorted_prod(tflrt_ctx* ctx, tflrt_node* node) { (void)ctx; return set_reduction(node, SEG_PROD); }
static int parse_unsorted_max(tflrt_ctx* ctx, tflrt_node* node) { (void)ctx; return set_reduction(node, SEG_MAX); }
static int parse_unsorted_min(tflrt_ctx* ctx, tflrt_node* node) { (void)ctx; return set_reduction(node, SEG_MIN); }

#define SEGMENT_OP(var, opname, code, parse_fn)                                                          \
  const tflrt_op var = {.name = opname, .builtin_code = code, .min_version = 1, .max_version = 1,        \
                        .data_size = sizeof(segment_data), .parse = parse_fn, .prepare = segment_prepare, \
                        .eval = segment_eval}

SEGMENT_OP(tflrt_op_segment_sum, "SEGMENT_SUM", 125, parse_sorted_sum);
SEGMENT_OP(tflrt_op_unsorted_segment_prod, "UNSORTED_SEGMENT_PROD", 153, parse_unsorted_prod);
SEGMENT_OP(tflrt_op_unsorted_segment_max, "UNSORTED_SEGMENT_MAX", 154, parse_unsorted_max);
SEGMENT_OP(tflrt_op_unsorted_segment_sum, "UNSORTED_SEGMENT_SUM", 155, parse_unsorted_sum);
SEGMENT_OP(tflrt_op_unsorted_segment_min, "UNSORTED_SEGMENT_MIN", 157, parse_unsorted_min);
