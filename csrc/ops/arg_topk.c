/* Index-of-extreme ops: ARG_MAX, ARG_MIN (over one axis) and TOPK_V2 (over the last axis).
 *
 * TFLite semantics (tflite/kernels/{arg_min_max,topk_v2}.cc, internal/reference/arg_min_max.h):
 *   ARG_MAX/ARG_MIN  axis is one int32/int64 value (negative counts from the end); the output
 *                    drops that axis and holds int32 or int64 indices (ArgMaxOptions /
 *                    ArgMinOptions.output_type, else the output tensor's type). Ties give the
 *                    first index. For floats a NaN never wins and any number replaces a NaN
 *                    (all-NaN gives 0), except for quirks of TFLite's contiguous-row path
 *                    that arg_row_f32 reproduces. The axis must not be empty. A computed
 *                    axis makes the output dynamic.
 *   TOPK_V2          k (int32 or int16 scalar) largest values of each last-axis row, sorted
 *                    descending, with their indices (int32 or int16); equal values keep index
 *                    order; NaN ranks below every number. k <= 0 gives empty rows; k larger
 *                    than the row is an error. A computed k makes both outputs dynamic.
 * TOPK keeps a k-element heap of row indices in scratch memory (no allocation in eval). */
#include <math.h>
#include <string.h>

#include "op.h"
#include "op_util.h"

#define ARGMAX_OPTIONS_TYPE 40 /* BuiltinOptions: ArgMaxOptions {output_type} */
#define ARGMIN_OPTIONS_TYPE 57 /* ArgMinOptions {output_type} */

typedef struct {
  int32_t out_type; /* -1: the output tensor's type */
  int32_t axis;     /* ARG_*: normalized axis of the last plan */
  int32_t scratch;  /* TOPK: scratch slot of the heap */
} ext_data;

/* Compares elements a and b of a row: > 0 when a ranks above b. NaN ranks lowest. */
static int compare(int32_t type, const void* row, int64_t a, int64_t b) {
  switch (type) {
    case TFLRT_FLOAT32: {
      float x, y;
      memcpy(&x, (const uint8_t*)row + 4 * a, 4);
      memcpy(&y, (const uint8_t*)row + 4 * b, 4);
      if (isnan(x) || isnan(y)) return isnan(x) ? (isnan(y) ? 0 : -1) : 1;
      return (x > y) - (x < y);
    }
    case TFLRT_INT8: {
      const int8_t* r = row;
      return (r[a] > r[b]) - (r[a] < r[b]);
    }
    case TFLRT_UINT8: case TFLRT_BOOL: {
      const uint8_t* r = row;
      return (r[a] > r[b]) - (r[a] < r[b]);
    }
    case TFLRT_INT16: {
      int16_t x, y;
      memcpy(&x, (const uint8_t*)row + 2 * a, 2);
      memcpy(&y, (const uint8_t*)row + 2 * b, 2);
      return (x > y) - (x < y);
    }
    case TFLRT_INT32: {
      int32_t x, y;
      memcpy(&x, (const uint8_t*)row + 4 * a, 4);
      memcpy(&y, (const uint8_t*)row + 4 * b, 4);
      return (x > y) - (x < y);
    }
    default: {
      int64_t x, y;
      memcpy(&x, (const uint8_t*)row + 8 * a, 8);
      memcpy(&y, (const uint8_t*)row + 8 * b, 8);
      return (x > y) - (x < y);
    }
  }
}

/* Types ARG_MAX/ARG_MIN compare (TOPK_V2: all but BOOL). */
#define VALUE_TYPES                                                                                              \
  (TFLRT_TYPE_BIT(TFLRT_FLOAT32) | TFLRT_TYPE_BIT(TFLRT_INT8) | TFLRT_TYPE_BIT(TFLRT_UINT8) |                     \
   TFLRT_TYPE_BIT(TFLRT_INT16) | TFLRT_TYPE_BIT(TFLRT_INT32) | TFLRT_TYPE_BIT(TFLRT_INT64) |                      \
   TFLRT_TYPE_BIT(TFLRT_BOOL))

/* ---- ARG_MAX / ARG_MIN ---- */

/* TFLite's float32 path for contiguous rows (inner size 1) as LiteRT's x86 build runs it: four
 * NaN-aware lane accumulators over blocks of four, a pairwise lane reduction in which a pair
 * holding a NaN yields its first lane, the first index among lanes equal to the result, then a
 * NaN-aware scalar tail; a NaN result gives index 0. Rows shorter than 4 use the tail only.
 * (This matters only when the row holds NaNs.) */
static float lane_pair(float p, float q, int want_max) {
  if (isnan(p) || isnan(q)) return p;
  return want_max ? (q > p ? q : p) : (q < p ? q : p);
}

static int64_t arg_row_f32(const float* x, int64_t n, int want_max) {
  float best = x[0];
  int64_t idx = 0, i = 1;
  if (n >= 4) {
    float lv[4] = {x[0], x[1], x[2], x[3]};
    int64_t li[4] = {0, 1, 2, 3};
    for (i = 4; i <= n - 4; i += 4)
      for (int j = 0; j < 4; j++) {
        const float v = x[i + j];
        if (!isnan(v) && (isnan(lv[j]) || (want_max ? v > lv[j] : v < lv[j]))) {
          lv[j] = v;
          li[j] = i + j;
        }
      }
    best = lane_pair(lane_pair(lv[0], lv[1], want_max), lane_pair(lv[2], lv[3], want_max), want_max);
    idx = INT32_MAX;
    for (int j = 0; j < 4; j++)
      if (lv[j] == best && li[j] < idx) idx = li[j];
  }
  for (; i < n; i++) {
    const float v = x[i];
    if (!isnan(v) && (isnan(best) || (want_max ? v > best : v < best))) {
      best = v;
      idx = i;
    }
  }
  return isnan(best) ? 0 : idx;
}

static int arg_parse(tflrt_ctx* ctx, tflrt_node* node) {
  ext_data* d = node->data;
  if (node->builtin_code == 56) return tflrt_parse_type_option(ctx, node, ARGMAX_OPTIONS_TYPE, "ArgMaxOptions", &d->out_type);
  return tflrt_parse_type_option(ctx, node, ARGMIN_OPTIONS_TYPE, "ArgMinOptions", &d->out_type);
}

/* Reads the axis and computes the output shape. */
static int arg_shape(tflrt_ctx* ctx, tflrt_node* node, int32_t* dims) {
  ext_data* d = node->data;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* at = tflrt_in(ctx, node, 1);
  int64_t a;
  int32_t axis;
  int rc = tflrt_read_scalar_int(ctx, at, "axis", &a);
  if (rc || (rc = tflrt_normalize_axis(ctx, a, in->ndims, &axis))) return rc;
  if (in->dims[axis] == 0) return tflrt_op_error(ctx, "cannot take the arg max/min over an empty axis");
  d->axis = axis;
  for (int32_t i = 0, j = 0; i < in->ndims; i++)
    if (i != axis) dims[j++] = in->dims[i];
  return TFLRT_OK;
}

static int arg_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  const ext_data* d = node->data;
  int rc = tflrt_check_io(ctx, node, 2, 1);
  if (rc) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* at = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if ((rc = tflrt_check_type_in(ctx, in->type, VALUE_TYPES, "input"))) return rc;
  if (in->ndims < 1) return tflrt_op_error(ctx, "input must have rank >= 1");
  if ((at->type != TFLRT_INT32 && at->type != TFLRT_INT64) || tflrt_num_elements(at) != 1)
    return tflrt_op_error(ctx, "axis must be one INT32 or INT64 value");
  if ((rc = tflrt_check_index_output(ctx, out, d->out_type, "output_type"))) return rc;
  if (!tflrt_is_const(at)) return tflrt_set_dynamic(ctx, out);
  int32_t dims[TFLRT_MAX_DIMS];
  if ((rc = arg_shape(ctx, node, dims))) return rc;
  return tflrt_set_output_shape(ctx, out, in->ndims - 1, dims);
}

static int arg_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const ext_data* d = node->data;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  int32_t dims[TFLRT_MAX_DIMS];
  int rc = arg_shape(ctx, node, dims);
  if (rc || (rc = tflrt_fit_output_shape(ctx, out, in->ndims - 1, dims))) return rc;
  if (out->bytes == 0) return TFLRT_OK;
  if (in->data == NULL || out->data == NULL) return tflrt_op_error(ctx, "input or output has no data");
  const int want = node->builtin_code == 56 ? 1 : -1; /* ARG_MAX: prefer greater */
  int64_t outer = 1, inner = 1;
  for (int32_t i = 0; i < d->axis; i++) outer *= in->dims[i];
  for (int32_t i = d->axis + 1; i < in->ndims; i++) inner *= in->dims[i];
  const int64_t n = in->dims[d->axis];
  const size_t es = tflrt_type_size(in->type);
  const uint8_t* base = in->data;
  if (in->type == TFLRT_FLOAT32 && inner == 1) {
    for (int64_t o = 0; o < outer; o++)
      tflrt_set_int_at(out->data, out->type, o, arg_row_f32((const float*)in->data + o * n, n, want > 0));
    return TFLRT_OK;
  }
  for (int64_t o = 0; o < outer; o++)
    for (int64_t k = 0; k < inner; k++) {
      /* element j of this slice is j*inner elements after row[0] */
      const uint8_t* row = base + (size_t)(o * n * inner + k) * es;
      int64_t best = 0;
      for (int64_t j = 1; j < n; j++) {
        int better;
        if (in->type == TFLRT_FLOAT32) { /* a NaN never wins; any number replaces a NaN */
          float x, y;
          memcpy(&x, row + (size_t)(j * inner) * es, 4);
          memcpy(&y, row + (size_t)(best * inner) * es, 4);
          better = !isnan(x) && (isnan(y) || (want > 0 ? x > y : x < y));
        } else {
          const int c = compare(in->type, row, j * inner, best * inner);
          better = want > 0 ? c > 0 : c < 0;
        }
        if (better) best = j;
      }
      tflrt_set_int_at(out->data, out->type, o * inner + k, best);
    }
  return TFLRT_OK;
}

/* ---- TOPK_V2 ---- */

static int topk_shape(tflrt_ctx* ctx, tflrt_node* node, int32_t* dims, int32_t* k) {
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* kt = tflrt_in(ctx, node, 1); /* INT32 or INT16 */
  int rc = tflrt_check_data(ctx, kt, 1, "k");
  if (rc) return rc;
  *k = (int32_t)tflrt_int_at(kt, 0);
  const int32_t row = in->dims[in->ndims - 1];
  if (*k > row) return tflrt_op_error(ctx, "k = %d is larger than the last dimension (%d)", (int)*k, (int)row);
  if (*k < 0) *k = 0;
  memcpy(dims, in->dims, sizeof(int32_t) * (size_t)in->ndims);
  dims[in->ndims - 1] = *k;
  return TFLRT_OK;
}

static int topk_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  ext_data* d = node->data;
  int rc = tflrt_check_io(ctx, node, 2, 2);
  if (rc) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* kt = tflrt_in(ctx, node, 1);
  tflrt_tensor* values = tflrt_out(ctx, node, 0);
  tflrt_tensor* indices = tflrt_out(ctx, node, 1);
  if ((rc = tflrt_check_type_in(ctx, in->type, VALUE_TYPES & ~TFLRT_TYPE_BIT(TFLRT_BOOL), "input"))) return rc;
  if (values->type != in->type) return tflrt_op_error(ctx, "values output type differs from the input type");
  if (indices->type != TFLRT_INT32 && indices->type != TFLRT_INT16)
    return tflrt_op_error(ctx, "indices output must be INT32 or INT16, got %s", tflrt_type_name(indices->type));
  if ((kt->type != TFLRT_INT32 && kt->type != TFLRT_INT16) || tflrt_num_elements(kt) != 1)
    return tflrt_op_error(ctx, "k must be one INT32 or INT16 value");
  if (in->ndims < 1) return tflrt_op_error(ctx, "input must have rank >= 1");
  const int32_t row = in->dims[in->ndims - 1];
  if (indices->type == TFLRT_INT16 && row > INT16_MAX)
    return tflrt_op_error(ctx, "rows of %d elements do not fit INT16 indices", (int)row);
  if ((rc = tflrt_request_scratch(ctx, node, (size_t)(row > 0 ? row : 1) * sizeof(int32_t), &d->scratch))) return rc;
  if (!tflrt_is_const(kt)) {
    if ((rc = tflrt_set_dynamic(ctx, values))) return rc;
    return tflrt_set_dynamic(ctx, indices);
  }
  int32_t dims[TFLRT_MAX_DIMS], k;
  if ((rc = topk_shape(ctx, node, dims, &k)) || (rc = tflrt_set_output_shape(ctx, values, in->ndims, dims))) return rc;
  return tflrt_set_output_shape(ctx, indices, in->ndims, dims);
}

/* Heap of row indices whose top is the lowest-ranked kept element. `ranks_above(a, b)` is
 * compare(a, b) > 0, or equal values with a < b. */
static int ranks_above(int32_t type, const void* row, int32_t a, int32_t b) {
  const int c = compare(type, row, a, b);
  return c > 0 || (c == 0 && a < b);
}

static void sift_down(int32_t* h, int32_t n, int32_t i, int32_t type, const void* row) {
  for (;;) {
    int32_t low = i;
    const int32_t l = 2 * i + 1, r = l + 1;
    if (l < n && ranks_above(type, row, h[low], h[l])) low = l;
    if (r < n && ranks_above(type, row, h[low], h[r])) low = r;
    if (low == i) return;
    const int32_t t = h[i];
    h[i] = h[low];
    h[low] = t;
    i = low;
  }
}

static int topk_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const ext_data* d = node->data;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* values = tflrt_out(ctx, node, 0);
  tflrt_tensor* indices = tflrt_out(ctx, node, 1);
  int32_t dims[TFLRT_MAX_DIMS], k;
  int rc = topk_shape(ctx, node, dims, &k);
  if (rc || (rc = tflrt_fit_output_shape(ctx, values, in->ndims, dims)) ||
      (rc = tflrt_fit_output_shape(ctx, indices, in->ndims, dims)))
    return rc;
  if (values->bytes == 0) return TFLRT_OK;
  int32_t* heap = node->scratch[d->scratch];
  if (in->data == NULL || values->data == NULL || indices->data == NULL || heap == NULL)
    return tflrt_op_error(ctx, "input, outputs or scratch have no data");
  const int32_t n = in->dims[in->ndims - 1];
  const int64_t rows = tflrt_num_elements(in) / n;
  const size_t es = tflrt_type_size(in->type);
  for (int64_t r = 0; r < rows; r++) {
    const uint8_t* row = (const uint8_t*)in->data + (size_t)(r * n) * es;
    int32_t size = 0;
    for (int32_t c = 0; c < n; c++) {
      if (size < k) { /* push, sift up */
        int32_t i = size++;
        heap[i] = c;
        while (i > 0) {
          const int32_t p = (i - 1) / 2;
          if (!ranks_above(in->type, row, heap[p], heap[i])) break;
          const int32_t t = heap[p];
          heap[p] = heap[i];
          heap[i] = t;
          i = p;
        }
      } else if (ranks_above(in->type, row, c, heap[0])) {
        heap[0] = c;
        sift_down(heap, size, 0, in->type, row);
      }
    }
    /* pop the lowest-ranked first, filling the sorted output from the back */
    uint8_t* vout = (uint8_t*)values->data + (size_t)(r * k) * es;
    for (int32_t j = size - 1; j >= 0; j--) {
      const int32_t c = heap[0];
      memcpy(vout + (size_t)j * es, row + (size_t)c * es, es);
      tflrt_set_int_at(indices->data, indices->type, r * k + j, c);
      heap[0] = heap[--size];
      sift_down(heap, size, 0, in->type, row);
    }
  }
  return TFLRT_OK;
}

const tflrt_op tflrt_op_arg_max = {
    .name = "ARG_MAX", .builtin_code = 56, .min_version = 1, .max_version = 3,
    .data_size = sizeof(ext_data), .parse = arg_parse, .prepare = arg_prepare, .eval = arg_eval,
};
const tflrt_op tflrt_op_arg_min = {
    .name = "ARG_MIN", .builtin_code = 79, .min_version = 1, .max_version = 3,
    .data_size = sizeof(ext_data), .parse = arg_parse, .prepare = arg_prepare, .eval = arg_eval,
};
const tflrt_op tflrt_op_topk_v2 = {
    .name = "TOPK_V2", .builtin_code = 48, .min_version = 1, .max_version = 3,
    .data_size = sizeof(ext_data), .parse = NULL, .prepare = topk_prepare, .eval = topk_eval,
};
