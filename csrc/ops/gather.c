/* Index-driven ops: GATHER (axis, batch_dims), GATHER_ND, SCATTER_ND, EMBEDDING_LOOKUP, ONE_HOT.
 *
 * Indices are data: constant index tensors are range-checked in prepare, computed ones in
 * eval before every copy, so an out-of-range index is a clean error, never an out-of-bounds
 * read or write. Copies are type-size-generic rows (memcpy).
 *
 * TFLite semantics (tflite/kernels/{gather,gather_nd,scatter_nd,embedding_lookup,one_hot}.cc):
 *   GATHER       output = params[:axis] + indices[batch_dims:] + params[axis+1:]; axis counts
 *                from the end of params when negative, batch_dims from the end of indices;
 *                0 <= batch_dims <= axis and the first batch_dims dims of both must match.
 *                Indices int16/int32/int64.
 *   GATHER_ND    the last indices dimension (<= params rank) indexes params' leading dims;
 *                output = indices[:-1] + params[nd:].
 *   SCATTER_ND   zeros of `shape`, then every update slice is added at its index (repeated
 *                indices accumulate: integers wrap, bool ORs). Indices and shape share a type.
 *   EMBEDDING_LOOKUP  rows of value (rank >= 2) picked by an int32 vector; int8/uint8 values
 *                with a float32 output are dequantized as value * scale with the per-tensor or
 *                per-row (quantized_dimension 0) scale, zero point 0; TFLite reads the uint8
 *                bytes as int8 there, and so does this file.
 *   ONE_HOT      depth (int32 scalar), on/off scalars of the output type; axis -1 means last.
 *                Indices (int32/int64) are compared as int32, as TFLite does.
 * Computed depth (ONE_HOT) or shape (SCATTER_ND) make the output dynamic. */
#include <string.h>

#include "../quant/quant.h"
#include "op.h"
#include "op_util.h"

#define GATHER_OPTIONS_TYPE 23 /* BuiltinOptions: GatherOptions {axis, batch_dims} */
#define ONEHOT_OPTIONS_TYPE 61 /* OneHotOptions {axis} */
/* Element types: GATHER and GATHER_ND move any of GATHER_TYPES; SCATTER_ND adds and ONE_HOT
 * writes SCATTER_TYPES. */
#define SCATTER_TYPES                                                                                            \
  (TFLRT_TYPE_BIT(TFLRT_FLOAT32) | TFLRT_TYPE_BIT(TFLRT_UINT8) | TFLRT_TYPE_BIT(TFLRT_BOOL) |                    \
   TFLRT_TYPE_BIT(TFLRT_INT8) | TFLRT_TYPE_BIT(TFLRT_INT16) | TFLRT_TYPE_BIT(TFLRT_INT32) |                      \
   TFLRT_TYPE_BIT(TFLRT_INT64))
#define GATHER_TYPES (SCATTER_TYPES | TFLRT_TYPE_BIT(TFLRT_FLOAT16) | TFLRT_TYPE_BIT(TFLRT_BFLOAT16))

typedef struct {
  int32_t axis, batch_dims; /* options */
  /* computed in prepare */
  int32_t norm_axis, norm_batch;
  int64_t batch, outer, axis_size, coords, inner_bytes;
} gather_data;

/* ---- helpers ---- */

static int is_index_type(int32_t t) { return t == TFLRT_INT16 || t == TFLRT_INT32 || t == TFLRT_INT64; }

/* The tensor's data holds all its elements (checked before indices are read). */
static int has_all(tflrt_ctx* ctx, const tflrt_tensor* t, const char* what) {
  return tflrt_check_data(ctx, t, tflrt_num_elements(t), what);
}

/* GATHER and GATHER_ND: the node shape, data (`what`) of a supported type, the output of the
 * same type, indices INT16/INT32/INT64. */
static int gather_io(tflrt_ctx* ctx, const tflrt_node* node, const char* what) {
  int rc = tflrt_check_io(ctx, node, 2, 1);
  if (rc) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* idx = tflrt_in(ctx, node, 1);
  const tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if ((rc = tflrt_check_type_in(ctx, in->type, GATHER_TYPES, NULL))) return rc;
  if (out->type != in->type)
    return tflrt_op_error(ctx, "output type %s differs from %s type %s", tflrt_type_name(out->type), what,
                          tflrt_type_name(in->type));
  if (!is_index_type(idx->type))
    return tflrt_op_error(ctx, "indices must be INT16, INT32 or INT64, got %s", tflrt_type_name(idx->type));
  return TFLRT_OK;
}

/* ---- GATHER ---- */

static int gather_parse(tflrt_ctx* ctx, tflrt_node* node) {
  gather_data* d = node->data;
  d->axis = d->batch_dims = 0;
  if (node->options == NULL || node->options_type != GATHER_OPTIONS_TYPE) return TFLRT_OK;
  if (fb_i32(node->options, 0, 0, &d->axis) || fb_i32(node->options, 1, 0, &d->batch_dims))
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed GatherOptions");
  return TFLRT_OK;
}

/* Checks indices [0, n) of `idx` against [0, limit); reports the first bad one. */
static int check_range(tflrt_ctx* ctx, const tflrt_tensor* idx, int64_t n, int64_t limit, const char* what) {
  for (int64_t i = 0; i < n; i++) {
    const int64_t v = tflrt_int_at(idx, i);
    if (v < 0 || v >= limit)
      return tflrt_op_error(ctx, "%s index %lld at position %lld is out of range [0, %lld)", what, (long long)v,
                            (long long)i, (long long)limit);
  }
  return TFLRT_OK;
}

static int gather_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  gather_data* d = node->data;
  int rc = gather_io(ctx, node, "input");
  if (rc) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* idx = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  const int32_t r = in->ndims, ri = idx->ndims;
  const int32_t axis = d->axis < 0 ? d->axis + r : d->axis;
  if (axis < 0 || axis >= r) return tflrt_op_error(ctx, "axis %d is out of range for input rank %d", (int)d->axis, (int)r);
  const int32_t bd = d->batch_dims < 0 ? d->batch_dims + ri : d->batch_dims;
  if (bd < 0 || bd > ri || bd > axis)
    return tflrt_op_error(ctx, "batch_dims %d is invalid (indices rank %d, axis %d)", (int)d->batch_dims, (int)ri, (int)axis);
  for (int32_t i = 0; i < bd; i++)
    if (in->dims[i] != idx->dims[i])
      return tflrt_op_error(ctx, "batch dimension %d differs: input %d, indices %d", (int)i, (int)in->dims[i], (int)idx->dims[i]);
  int32_t dims[2 * TFLRT_MAX_DIMS];
  int32_t n = 0;
  for (int32_t i = 0; i < axis; i++) dims[n++] = in->dims[i];
  for (int32_t i = bd; i < ri; i++) dims[n++] = idx->dims[i];
  for (int32_t i = axis + 1; i < r; i++) dims[n++] = in->dims[i];
  d->norm_axis = axis;
  d->norm_batch = bd;
  d->batch = d->outer = d->coords = 1;
  d->inner_bytes = (int64_t)tflrt_type_size(in->type);
  for (int32_t i = 0; i < bd; i++) d->batch *= in->dims[i];
  for (int32_t i = bd; i < axis; i++) d->outer *= in->dims[i];
  for (int32_t i = axis + 1; i < r; i++) d->inner_bytes *= in->dims[i];
  for (int32_t i = bd; i < ri; i++) d->coords *= idx->dims[i];
  d->axis_size = in->dims[axis];
  if (tflrt_is_const(idx)) {
    if ((rc = has_all(ctx, idx, "indices")) || (rc = check_range(ctx, idx, tflrt_num_elements(idx), d->axis_size, "gather")))
      return rc;
  }
  return tflrt_set_output_shape(ctx, out, n, dims);
}

static int gather_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const gather_data* d = node->data;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* idx = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  int rc = has_all(ctx, idx, "indices");
  if (rc) return rc;
  if (!tflrt_is_const(idx) && (rc = check_range(ctx, idx, tflrt_num_elements(idx), d->axis_size, "gather"))) return rc;
  if (out->bytes == 0 || d->inner_bytes == 0) return TFLRT_OK;
  if (in->data == NULL || out->data == NULL) return tflrt_op_error(ctx, "input or output has no data");
  const uint8_t* src = in->data;
  uint8_t* dst = out->data;
  const size_t row = (size_t)d->inner_bytes;
  for (int64_t b = 0; b < d->batch; b++)
    for (int64_t o = 0; o < d->outer; o++) {
      const uint8_t* base = src + (size_t)((b * d->outer + o) * d->axis_size) * row;
      for (int64_t i = 0; i < d->coords; i++) {
        memcpy(dst, base + (size_t)tflrt_int_at(idx, b * d->coords + i) * row, row);
        dst += row;
      }
    }
  return TFLRT_OK;
}

/* ---- GATHER_ND ---- */

static int gather_nd_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  int rc = gather_io(ctx, node, "params");
  if (rc) return rc;
  const tflrt_tensor* p = tflrt_in(ctx, node, 0);
  const tflrt_tensor* idx = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (p->ndims < 1) return tflrt_op_error(ctx, "params must be at least a vector");
  if (idx->ndims < 1) return tflrt_op_error(ctx, "indices must be at least a vector");
  const int32_t nd = idx->dims[idx->ndims - 1];
  if (nd > p->ndims) return tflrt_op_error(ctx, "the last indices dimension (%d) exceeds the params rank %d", (int)nd, (int)p->ndims);
  if (tflrt_num_elements(p) == 0 && tflrt_num_elements(idx) != 0)
    return tflrt_op_error(ctx, "params are empty but indices are not");
  int32_t dims[2 * TFLRT_MAX_DIMS], n = 0;
  for (int32_t i = 0; i + 1 < idx->ndims; i++) dims[n++] = idx->dims[i];
  for (int32_t i = nd; i < p->ndims; i++) dims[n++] = p->dims[i];
  if (tflrt_is_const(idx) && (rc = has_all(ctx, idx, "indices"))) return rc;
  if (tflrt_is_const(idx) && nd > 0) {
    const int64_t total = tflrt_num_elements(idx);
    for (int64_t i = 0; i < total; i++) {
      const int64_t v = tflrt_int_at(idx, i), lim = p->dims[i % nd];
      if (v < 0 || v >= lim)
        return tflrt_op_error(ctx, "gather_nd index %lld at position %lld is out of range [0, %lld)", (long long)v,
                              (long long)i, (long long)lim);
    }
  }
  return tflrt_set_output_shape(ctx, out, n, dims);
}

static int gather_nd_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const tflrt_tensor* p = tflrt_in(ctx, node, 0);
  const tflrt_tensor* idx = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  int rc = has_all(ctx, idx, "indices");
  if (rc) return rc;
  const int32_t nd = idx->dims[idx->ndims - 1];
  int64_t n_slices = 1, slice = 1;
  for (int32_t i = 0; i + 1 < idx->ndims; i++) n_slices *= idx->dims[i];
  for (int32_t i = nd; i < p->ndims; i++) slice *= p->dims[i];
  const size_t row = (size_t)slice * tflrt_type_size(p->type);
  if (n_slices == 0 || row == 0) return TFLRT_OK;
  if (p->data == NULL || out->data == NULL) return tflrt_op_error(ctx, "params or output has no data");
  int64_t step[TFLRT_MAX_DIMS]; /* elements per unit of params dim j (j < nd) */
  tflrt_strides(nd, p->dims, slice, step);
  uint8_t* dst = out->data;
  const size_t es = tflrt_type_size(p->type);
  for (int64_t i = 0; i < n_slices; i++) {
    int64_t from = 0;
    for (int32_t j = 0; j < nd; j++) {
      const int64_t v = tflrt_int_at(idx, i * nd + j);
      if (v < 0 || v >= p->dims[j])
        return tflrt_op_error(ctx, "gather_nd index %lld for dimension %d is out of range [0, %d)", (long long)v, (int)j,
                              (int)p->dims[j]);
      from += v * step[j];
    }
    memcpy(dst, (const uint8_t*)p->data + (size_t)from * es, row);
    dst += row;
  }
  return TFLRT_OK;
}

/* ---- SCATTER_ND ---- */

/* Output shape from the shape tensor, checked against indices and updates (CheckShapes). */
static int scatter_shape(tflrt_ctx* ctx, tflrt_node* node, int32_t* rank, int32_t* dims) {
  const tflrt_tensor* idx = tflrt_in(ctx, node, 0);
  const tflrt_tensor* upd = tflrt_in(ctx, node, 1);
  const tflrt_tensor* shp = tflrt_in(ctx, node, 2);
  int32_t n;
  int rc = tflrt_read_dims(ctx, shp, "shape", TFLRT_MAX_DIMS, &n, dims);
  if (rc) return rc;
  const int32_t outer = idx->ndims - 1, ix = idx->dims[outer];
  if (outer > upd->ndims)
    return tflrt_op_error(ctx, "updates rank %d is lower than the indices' outer rank %d", (int)upd->ndims, (int)outer);
  for (int32_t i = 0; i < outer; i++)
    if (idx->dims[i] != upd->dims[i])
      return tflrt_op_error(ctx, "indices dimension %d (%d) differs from updates dimension %d (%d)", (int)i, (int)idx->dims[i], (int)i, (int)upd->dims[i]);
  if (ix > n || upd->ndims - outer != n - ix)
    return tflrt_op_error(ctx, "updates of rank %d do not fit indices of depth %d into a rank-%d output", (int)upd->ndims, (int)ix, (int)n);
  for (int32_t i = 0; i + outer < upd->ndims; i++)
    if (upd->dims[outer + i] != dims[ix + i])
      return tflrt_op_error(ctx, "updates dimension %d (%d) differs from shape[%d] (%d)", (int)(outer + i), (int)upd->dims[outer + i], (int)(ix + i), (int)dims[ix + i]);
  *rank = n;
  return TFLRT_OK;
}

static int scatter_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  int rc = tflrt_check_io(ctx, node, 3, 1);
  if (rc) return rc;
  const tflrt_tensor* idx = tflrt_in(ctx, node, 0);
  const tflrt_tensor* upd = tflrt_in(ctx, node, 1);
  const tflrt_tensor* shp = tflrt_in(ctx, node, 2);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if ((rc = tflrt_check_type_in(ctx, upd->type, SCATTER_TYPES, "updates"))) return rc;
  if (out->type != upd->type) return tflrt_op_error(ctx, "output type %s differs from updates type %s", tflrt_type_name(out->type), tflrt_type_name(upd->type));
  if ((rc = tflrt_check_int_type(ctx, idx, "indices"))) return rc;
  if (shp->type != idx->type) return tflrt_op_error(ctx, "indices and shape must have the same type");
  if (idx->ndims < 1 || upd->ndims < 1 || shp->ndims != 1)
    return tflrt_op_error(ctx, "indices and updates need rank >= 1 and shape must be a vector");
  if (!tflrt_is_const(shp)) return tflrt_set_dynamic(ctx, out);
  int32_t rank, dims[TFLRT_MAX_DIMS];
  if ((rc = scatter_shape(ctx, node, &rank, dims))) return rc;
  return tflrt_set_output_shape(ctx, out, rank, dims);
}

static void scatter_add(int32_t type, uint8_t* dst, const uint8_t* src, int64_t n) {
  switch (type) {
    case TFLRT_FLOAT32:
      for (int64_t j = 0; j < n; j++) {
        float a, b;
        memcpy(&a, dst + 4 * j, 4);
        memcpy(&b, src + 4 * j, 4);
        a += b;
        memcpy(dst + 4 * j, &a, 4);
      }
      break;
    case TFLRT_BOOL:
      for (int64_t j = 0; j < n; j++) dst[j] = (uint8_t)(dst[j] || src[j]);
      break;
    case TFLRT_UINT8: case TFLRT_INT8:
      for (int64_t j = 0; j < n; j++) dst[j] = (uint8_t)(dst[j] + src[j]);
      break;
    case TFLRT_INT16:
      for (int64_t j = 0; j < n; j++) {
        uint16_t a, b;
        memcpy(&a, dst + 2 * j, 2);
        memcpy(&b, src + 2 * j, 2);
        a = (uint16_t)(a + b);
        memcpy(dst + 2 * j, &a, 2);
      }
      break;
    case TFLRT_INT32:
      for (int64_t j = 0; j < n; j++) {
        uint32_t a, b;
        memcpy(&a, dst + 4 * j, 4);
        memcpy(&b, src + 4 * j, 4);
        a += b;
        memcpy(dst + 4 * j, &a, 4);
      }
      break;
    default: /* INT64 */
      for (int64_t j = 0; j < n; j++) {
        uint64_t a, b;
        memcpy(&a, dst + 8 * j, 8);
        memcpy(&b, src + 8 * j, 8);
        a += b;
        memcpy(dst + 8 * j, &a, 8);
      }
      break;
  }
}

static int scatter_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const tflrt_tensor* idx = tflrt_in(ctx, node, 0);
  const tflrt_tensor* upd = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  int32_t rank, dims[TFLRT_MAX_DIMS];
  int rc = scatter_shape(ctx, node, &rank, dims);
  if (rc || (rc = tflrt_fit_output_shape(ctx, out, rank, dims)) || (rc = has_all(ctx, idx, "indices")) ||
      (rc = has_all(ctx, upd, "updates")))
    return rc;
  if (out->bytes == 0) return TFLRT_OK;
  if (out->data == NULL) return tflrt_op_error(ctx, "output has no data");
  memset(out->data, 0, out->bytes);
  const int32_t outer = idx->ndims - 1, nd = idx->dims[outer];
  int64_t n_slices = 1, slice = 1;
  for (int32_t i = 0; i < outer; i++) n_slices *= idx->dims[i];
  for (int32_t i = outer; i < upd->ndims; i++) slice *= upd->dims[i];
  int64_t step[TFLRT_MAX_DIMS];
  tflrt_strides(nd, dims, slice, step);
  const size_t es = tflrt_type_size(out->type);
  for (int64_t i = 0; i < n_slices; i++) {
    int64_t to = 0;
    for (int32_t j = 0; j < nd; j++) {
      const int64_t v = tflrt_int_at(idx, i * nd + j);
      if (v < 0 || v >= dims[j])
        return tflrt_op_error(ctx, "scatter_nd index %lld for dimension %d is out of range [0, %d)", (long long)v, (int)j, (int)dims[j]);
      to += v * step[j];
    }
    scatter_add(out->type, (uint8_t*)out->data + (size_t)to * es, (const uint8_t*)upd->data + (size_t)(i * slice) * es, slice);
  }
  return TFLRT_OK;
}

/* ---- EMBEDDING_LOOKUP ---- */

static int embedding_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  int rc = tflrt_check_io(ctx, node, 2, 1);
  if (rc) return rc;
  const tflrt_tensor* look = tflrt_in(ctx, node, 0);
  const tflrt_tensor* val = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (look->type != TFLRT_INT32 || look->ndims != 1) return tflrt_op_error(ctx, "lookup must be an INT32 vector");
  if (val->ndims < 2) return tflrt_op_error(ctx, "value must have rank >= 2, got %d", (int)val->ndims);
  if (out->type == val->type) {
    if (tflrt_type_size(val->type) == 0)
      return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "type %s is not supported", tflrt_type_name(val->type));
  } else if ((val->type == TFLRT_INT8 || val->type == TFLRT_UINT8) && out->type == TFLRT_FLOAT32) {
    if (val->nq < 1) return tflrt_op_error(ctx, "%s value needs quantization parameters", tflrt_type_name(val->type));
    for (int32_t i = 0; i < val->nq; i++)
      if (val->zero_points[i] != 0) return tflrt_op_error(ctx, "quantized value needs zero point 0");
    if (val->nq > 1 && (val->qdim != 0 || val->nq != val->dims[0]))
      return tflrt_op_error(ctx, "per-channel scales must be per row (quantized_dimension 0)");
  } else {
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "value %s with output %s is not supported", tflrt_type_name(val->type),
                         tflrt_type_name(out->type));
  }
  if (tflrt_is_const(look)) {
    if ((rc = has_all(ctx, look, "lookup")) || (rc = check_range(ctx, look, look->dims[0], val->dims[0], "embedding lookup")))
      return rc;
  }
  int32_t dims[TFLRT_MAX_DIMS];
  memcpy(dims, val->dims, sizeof(int32_t) * (size_t)val->ndims);
  dims[0] = look->dims[0];
  return tflrt_set_output_shape(ctx, out, val->ndims, dims);
}

static int embedding_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const tflrt_tensor* look = tflrt_in(ctx, node, 0);
  const tflrt_tensor* val = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  const int64_t rows = val->dims[0], n = look->dims[0];
  int rc = has_all(ctx, look, "lookup");
  if (rc || (rc = check_range(ctx, look, n, rows, "embedding lookup"))) return rc;
  int64_t cols = 1;
  for (int32_t i = 1; i < val->ndims; i++) cols *= val->dims[i];
  if (out->bytes == 0 || cols == 0) return TFLRT_OK;
  if (val->data == NULL || out->data == NULL) return tflrt_op_error(ctx, "value or output has no data");
  if (out->type == val->type) {
    const size_t row = (size_t)cols * tflrt_type_size(val->type);
    for (int64_t i = 0; i < n; i++)
      memcpy((uint8_t*)out->data + (size_t)i * row, (const uint8_t*)val->data + (size_t)tflrt_int_at(look, i) * row, row);
    return TFLRT_OK;
  }
  float* o = out->data;
  for (int64_t i = 0; i < n; i++) {
    const int64_t r = tflrt_int_at(look, i);
    const float scale = val->nq > 1 ? val->scales[r] : val->scale;
    const int8_t* v = (const int8_t*)val->data + r * cols; /* uint8 bytes read as int8, as TFLite */
    for (int64_t j = 0; j < cols; j++) o[i * cols + j] = (float)v[j] * scale;
  }
  return TFLRT_OK;
}

/* ---- ONE_HOT ---- */

static int onehot_parse(tflrt_ctx* ctx, tflrt_node* node) {
  int32_t* axis = node->data;
  *axis = 0; /* TFLite's value when the options are absent */
  if (node->options == NULL || node->options_type != ONEHOT_OPTIONS_TYPE) return TFLRT_OK;
  if (fb_i32(node->options, 0, 0, axis)) return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed OneHotOptions");
  return TFLRT_OK;
}

static int onehot_shape(tflrt_ctx* ctx, tflrt_node* node, int32_t* dims, int32_t* axis_out) {
  const int32_t axis_opt = *(const int32_t*)node->data;
  const tflrt_tensor* idx = tflrt_in(ctx, node, 0);
  const tflrt_tensor* depth_t = tflrt_in(ctx, node, 1);
  const int32_t axis = axis_opt == -1 ? idx->ndims : axis_opt;
  if (axis < 0 || axis > idx->ndims) return tflrt_op_error(ctx, "axis %d is out of range for indices of rank %d", (int)axis_opt, (int)idx->ndims);
  int rc = has_all(ctx, depth_t, "depth");
  if (rc) return rc;
  int32_t depth;
  memcpy(&depth, depth_t->data, 4);
  if (depth < 0) return tflrt_op_error(ctx, "depth is %d; it must be >= 0", (int)depth);
  for (int32_t i = 0, k = 0; i <= idx->ndims; i++) dims[i] = i == axis ? depth : idx->dims[k++];
  *axis_out = axis;
  return TFLRT_OK;
}

static int onehot_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  int rc = tflrt_check_io(ctx, node, 4, 1);
  if (rc) return rc;
  const tflrt_tensor* idx = tflrt_in(ctx, node, 0);
  const tflrt_tensor* depth = tflrt_in(ctx, node, 1);
  const tflrt_tensor* on = tflrt_in(ctx, node, 2);
  const tflrt_tensor* off = tflrt_in(ctx, node, 3);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if ((rc = tflrt_check_type_in(ctx, on->type, SCATTER_TYPES, "output"))) return rc;
  if (off->type != on->type || out->type != on->type)
    return tflrt_op_error(ctx, "on_value, off_value and output must have the same type");
  if ((rc = tflrt_check_int_type(ctx, idx, "indices"))) return rc;
  if (depth->type != TFLRT_INT32 || tflrt_num_elements(depth) != 1) return tflrt_op_error(ctx, "depth must be one INT32 value");
  if (tflrt_num_elements(on) != 1 || tflrt_num_elements(off) != 1) return tflrt_op_error(ctx, "on_value and off_value must be scalars");
  if (idx->ndims + 1 > TFLRT_MAX_DIMS) return tflrt_op_error(ctx, "output rank exceeds %d", TFLRT_MAX_DIMS);
  const int32_t axis_opt = *(const int32_t*)node->data;
  if (axis_opt != -1 && (axis_opt < 0 || axis_opt > idx->ndims))
    return tflrt_op_error(ctx, "axis %d is out of range for indices of rank %d", (int)axis_opt, (int)idx->ndims);
  if (!tflrt_is_const(depth)) return tflrt_set_dynamic(ctx, out);
  int32_t dims[TFLRT_MAX_DIMS], axis;
  if ((rc = onehot_shape(ctx, node, dims, &axis))) return rc;
  return tflrt_set_output_shape(ctx, out, idx->ndims + 1, dims);
}

static int onehot_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const tflrt_tensor* idx = tflrt_in(ctx, node, 0);
  const tflrt_tensor* on = tflrt_in(ctx, node, 2);
  const tflrt_tensor* off = tflrt_in(ctx, node, 3);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  int32_t dims[TFLRT_MAX_DIMS], axis;
  int rc = onehot_shape(ctx, node, dims, &axis);
  if (rc || (rc = tflrt_fit_output_shape(ctx, out, idx->ndims + 1, dims)) || (rc = has_all(ctx, idx, "indices")) ||
      (rc = has_all(ctx, on, "on_value")) || (rc = has_all(ctx, off, "off_value")))
    return rc;
  if (out->bytes == 0) return TFLRT_OK;
  if (out->data == NULL) return tflrt_op_error(ctx, "output has no data");
  int64_t prefix = 1;
  for (int32_t i = 0; i < axis; i++) prefix *= idx->dims[i];
  const int64_t suffix = tflrt_num_elements(idx) / (prefix ? prefix : 1);
  const int32_t depth = dims[axis];
  const size_t es = tflrt_type_size(out->type);
  uint8_t* o = out->data;
  for (int64_t i = 0; i < prefix; i++)
    for (int32_t j = 0; j < depth; j++)
      for (int64_t k = 0; k < suffix; k++, o += es) {
        const int32_t v = tflrt_wrap_i32(tflrt_int_at(idx, i * suffix + k)); /* TFLite compares as int */
        memcpy(o, v == j ? on->data : off->data, es);
      }
  return TFLRT_OK;
}

const tflrt_op tflrt_op_gather = {
    .name = "GATHER", .builtin_code = 36, .min_version = 1, .max_version = 8,
    .data_size = sizeof(gather_data), .parse = gather_parse, .prepare = gather_prepare, .eval = gather_eval,
};
const tflrt_op tflrt_op_gather_nd = {
    .name = "GATHER_ND", .builtin_code = 107, .min_version = 1, .max_version = 6,
    .data_size = 0, .parse = NULL, .prepare = gather_nd_prepare, .eval = gather_nd_eval,
};
const tflrt_op tflrt_op_scatter_nd = {
    .name = "SCATTER_ND", .builtin_code = 122, .min_version = 1, .max_version = 1,
    .data_size = 0, .parse = NULL, .prepare = scatter_prepare, .eval = scatter_eval,
};
const tflrt_op tflrt_op_embedding_lookup = {
    .name = "EMBEDDING_LOOKUP", .builtin_code = 7, .min_version = 1, .max_version = 5,
    .data_size = 0, .parse = NULL, .prepare = embedding_prepare, .eval = embedding_eval,
};
const tflrt_op tflrt_op_one_hot = {
    .name = "ONE_HOT", .builtin_code = 85, .min_version = 1, .max_version = 1,
    .data_size = sizeof(int32_t), .parse = onehot_parse, .prepare = onehot_prepare, .eval = onehot_eval,
};
