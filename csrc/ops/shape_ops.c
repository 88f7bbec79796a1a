/* Ops that make tensors from shapes and scalars: SHAPE, FILL, ZEROS_LIKE, RANGE.
 * (EXPAND_DIMS and SQUEEZE live in reshape.c.)
 *
 * TFLite semantics (tflite/kernels/{shape,fill,zeros_like,range}.cc):
 *   SHAPE       a vector of the input's dimensions, int32 or int64 (ShapeOptions.out_type; when
 *               the field is absent the output tensor's type decides).
 *   FILL        dims (int32/int64 vector, entries >= 0) and a scalar value whose type (and
 *               quantization) the output takes. Computed dims make the output dynamic.
 *   ZEROS_LIKE  zeros of the input's shape and type (TFLite: int32/int64/float32; any
 *               fixed-size type here).
 *   RANGE       start, limit, delta scalars of one type (int32, int64, float32); delta != 0 and
 *               must point from start towards limit; size = ceil(|limit - start| / |delta|)
 *               (integers exactly, floats in float as TFLite); values accumulate
 *               value += delta like TFLite's loop. Computed inputs make the output dynamic. */
#include <math.h>
#include <string.h>

#include "op.h"
#include "op_util.h"

#define SHAPE_OPTIONS_TYPE 55 /* BuiltinOptions: ShapeOptions {out_type} */

/* ---- SHAPE ---- */

static int shape_parse(tflrt_ctx* ctx, tflrt_node* node) {
  /* -1 when not given: the output tensor's type decides */
  return tflrt_parse_type_option(ctx, node, SHAPE_OPTIONS_TYPE, "ShapeOptions", node->data);
}

static int shape_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  const int32_t out_type = *(const int32_t*)node->data;
  int rc = tflrt_check_io(ctx, node, 1, 1);
  if (rc) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if ((rc = tflrt_check_index_output(ctx, out, out_type, "out_type"))) return rc;
  const int32_t dims[1] = {in->ndims};
  return tflrt_set_output_shape(ctx, out, 1, dims);
}

static int shape_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  int rc = tflrt_check_data(ctx, out, in->ndims, "output");
  if (rc) return rc;
  for (int32_t i = 0; i < in->ndims; i++) tflrt_set_int_at(out->data, out->type, i, in->dims[i]);
  return TFLRT_OK;
}

/* ---- FILL ---- */

static int fill_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  int rc = tflrt_check_io(ctx, node, 2, 1);
  if (rc) return rc;
  const tflrt_tensor* dt = tflrt_in(ctx, node, 0);
  const tflrt_tensor* val = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  int32_t n, dims[TFLRT_MAX_DIMS];
  if ((rc = tflrt_read_ints(ctx, dt, "dims", 0, TFLRT_MAX_DIMS, &n, NULL))) return rc;
  if (val->ndims != 0) return tflrt_op_error(ctx, "value must be a scalar, got rank %d", (int)val->ndims);
  if (tflrt_type_size(val->type) == 0)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "value type %s is not supported", tflrt_type_name(val->type));
  if (out->type != val->type)
    return tflrt_op_error(ctx, "output type %s differs from value type %s", tflrt_type_name(out->type), tflrt_type_name(val->type));
  if (out->scale != val->scale || out->zero_point != val->zero_point)
    return tflrt_op_error(ctx, "output and value must have the same scale and zero point");
  if (val->type == TFLRT_INT16 && val->zero_point != 0) return tflrt_op_error(ctx, "int16 value needs zero point 0");
  if (!tflrt_is_const(dt)) return tflrt_set_dynamic(ctx, out);
  if ((rc = tflrt_read_dims(ctx, dt, "dims", TFLRT_MAX_DIMS, &n, dims))) return rc;
  return tflrt_set_output_shape(ctx, out, n, dims);
}

static int fill_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const tflrt_tensor* dt = tflrt_in(ctx, node, 0);
  const tflrt_tensor* val = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  int32_t n_dims, dims[TFLRT_MAX_DIMS];
  int rc = tflrt_read_dims(ctx, dt, "dims", TFLRT_MAX_DIMS, &n_dims, dims);
  if (rc || (rc = tflrt_fit_output_shape(ctx, out, n_dims, dims))) return rc;
  const size_t es = tflrt_type_size(out->type);
  if ((rc = tflrt_check_data(ctx, val, 1, "value"))) return rc;
  const int64_t n = tflrt_num_elements(out);
  if (n == 0) return TFLRT_OK;
  if (out->data == NULL) return tflrt_op_error(ctx, "output has no data");
  uint8_t* o = out->data;
  memcpy(o, val->data, es);
  for (int64_t done = 1; done < n;) { /* double what is written */
    const int64_t k = 2 * done <= n ? done : n - done;
    memcpy(o + (size_t)done * es, o, (size_t)k * es);
    done += k;
  }
  return TFLRT_OK;
}

/* ---- ZEROS_LIKE ---- */

static int zeros_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  int rc = tflrt_check_io(ctx, node, 1, 1);
  if (rc) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if ((rc = tflrt_check_same_type(ctx, in, out))) return rc;
  return tflrt_set_output_shape(ctx, out, in->ndims, in->dims);
}

static int zeros_eval(tflrt_ctx* ctx, tflrt_node* node) {
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (out->bytes == 0) return TFLRT_OK;
  if (out->data == NULL) return tflrt_op_error(ctx, "output has no data");
  memset(out->data, 0, out->bytes);
  return TFLRT_OK;
}

/* ---- RANGE ---- */

typedef union {
  int64_t i;
  float f;
} scalar_value;

static int read_scalar(tflrt_ctx* ctx, const tflrt_tensor* t, const char* what, scalar_value* v) {
  int rc = tflrt_check_data(ctx, t, 1, what);
  if (rc) return rc;
  if (t->type == TFLRT_FLOAT32) {
    memcpy(&v->f, t->data, 4);
  } else if (t->type == TFLRT_INT32) {
    int32_t x;
    memcpy(&x, t->data, 4);
    v->i = x;
  } else {
    memcpy(&v->i, t->data, 8);
  }
  return TFLRT_OK;
}

/* Reads start/limit/delta and computes the element count. */
static int range_size(tflrt_ctx* ctx, tflrt_node* node, scalar_value* start, scalar_value* delta, int32_t* size) {
  const tflrt_tensor* ts = tflrt_in(ctx, node, 0);
  scalar_value limit;
  int rc = read_scalar(ctx, ts, "start", start);
  if (rc || (rc = read_scalar(ctx, tflrt_in(ctx, node, 1), "limit", &limit)) ||
      (rc = read_scalar(ctx, tflrt_in(ctx, node, 2), "delta", delta)))
    return rc;
  if (ts->type == TFLRT_FLOAT32) {
    const float s = start->f, l = limit.f, d = delta->f;
    if (!(d != 0.0f)) return tflrt_op_error(ctx, "delta must not be 0");
    if (!((s >= l && d < 0.0f) || (s <= l && d > 0.0f)))
      return tflrt_op_error(ctx, "delta %g does not lead from start %g to limit %g", (double)d, (double)s, (double)l);
    const float n = ceilf(fabsf((l - s) / d));
    if (!(n <= (float)INT32_MAX)) return tflrt_op_error(ctx, "the range has too many elements");
    *size = (int32_t)n;
    return TFLRT_OK;
  }
  const int64_t s = start->i, l = limit.i, d = delta->i;
  if (d == 0) return tflrt_op_error(ctx, "delta must not be 0");
  if (!((s >= l && d < 0) || (s <= l && d > 0)))
    return tflrt_op_error(ctx, "delta %lld does not lead from start %lld to limit %lld", (long long)d, (long long)s, (long long)l);
  /* |l - s| and |d| as unsigned: no overflow even for int64 extremes */
  const uint64_t span = s <= l ? (uint64_t)l - (uint64_t)s : (uint64_t)s - (uint64_t)l;
  const uint64_t step = d > 0 ? (uint64_t)d : (uint64_t)0 - (uint64_t)d;
  const uint64_t n = span / step + (span % step != 0);
  if (n > INT32_MAX) return tflrt_op_error(ctx, "the range has too many elements");
  *size = (int32_t)n;
  return TFLRT_OK;
}

static int range_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  int rc = tflrt_check_io(ctx, node, 3, 1);
  if (rc) return rc;
  const tflrt_tensor* ts = tflrt_in(ctx, node, 0);
  const tflrt_tensor* tl = tflrt_in(ctx, node, 1);
  const tflrt_tensor* td = tflrt_in(ctx, node, 2);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (ts->ndims != 0 || tl->ndims != 0 || td->ndims != 0) return tflrt_op_error(ctx, "start, limit and delta must be scalars");
  if (ts->type != TFLRT_FLOAT32 && ts->type != TFLRT_INT32 && ts->type != TFLRT_INT64)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "type %s is not supported (FLOAT32, INT32, INT64)", tflrt_type_name(ts->type));
  if (tl->type != ts->type || td->type != ts->type || out->type != ts->type)
    return tflrt_op_error(ctx, "start, limit, delta and the output must have the same type");
  if (!tflrt_is_const(ts) || !tflrt_is_const(tl) || !tflrt_is_const(td)) return tflrt_set_dynamic(ctx, out);
  scalar_value start, delta;
  int32_t n;
  if ((rc = range_size(ctx, node, &start, &delta, &n))) return rc;
  return tflrt_set_output_shape(ctx, out, 1, &n);
}

static int range_eval(tflrt_ctx* ctx, tflrt_node* node) {
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  scalar_value start, delta;
  int32_t n;
  int rc = range_size(ctx, node, &start, &delta, &n);
  if (rc || (rc = tflrt_fit_output_shape(ctx, out, 1, &n))) return rc;
  if (n == 0) return TFLRT_OK;
  if (out->data == NULL) return tflrt_op_error(ctx, "output has no data");
  if (out->type == TFLRT_FLOAT32) {
    float* o = out->data;
    float v = start.f;
    for (int32_t i = 0; i < n; i++, v += delta.f) o[i] = v;
  } else if (out->type == TFLRT_INT32) {
    int32_t* o = out->data;
    uint32_t v = (uint32_t)start.i; /* wrapping add, as TFLite's loop does past the last element */
    for (int32_t i = 0; i < n; i++, v += (uint32_t)delta.i) memcpy(&o[i], &v, 4);
  } else {
    int64_t* o = out->data;
    uint64_t v = (uint64_t)start.i;
    for (int32_t i = 0; i < n; i++, v += (uint64_t)delta.i) memcpy(&o[i], &v, 8);
  }
  return TFLRT_OK;
}

const tflrt_op tflrt_op_shape = {
    .name = "SHAPE", .builtin_code = 77, .min_version = 1, .max_version = 1,
    .data_size = sizeof(int32_t), .parse = shape_parse, .prepare = shape_prepare, .eval = shape_eval,
};
const tflrt_op tflrt_op_fill = {
    .name = "FILL", .builtin_code = 94, .min_version = 1, .max_version = 5,
    .data_size = 0, .parse = NULL, .prepare = fill_prepare, .eval = fill_eval,
};
const tflrt_op tflrt_op_zeros_like = {
    .name = "ZEROS_LIKE", .builtin_code = 93, .min_version = 1, .max_version = 1,
    .data_size = 0, .parse = NULL, .prepare = zeros_prepare, .eval = zeros_eval,
};
const tflrt_op tflrt_op_range = {
    .name = "RANGE", .builtin_code = 96, .min_version = 1, .max_version = 2,
    .data_size = 0, .parse = NULL, .prepare = range_prepare, .eval = range_eval,
};
