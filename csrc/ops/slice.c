/* SLICE and STRIDED_SLICE: copies of a strided box of the input.
 *
 * Both reduce to one plan per input dimension (first index, step, count) executed by a
 * type-size-generic copier: trailing dimensions taken whole are merged into one contiguous
 * run, and the remaining dimensions are walked with an odometer.
 *
 * SLICE (tflite/kernels/slice.cc): begin/size vectors of int32 or int64, one entry per input
 * dimension; size -1 means "to the end". Unlike TFLite, begin < 0 or begin + size beyond the
 * dimension are errors rather than out-of-bounds reads.
 *
 * STRIDED_SLICE (tflite/kernels/strided_slice.cc, internal/reference/strided_slice.h): the
 * begin/end/strides vectors and the begin/end/ellipsis/new_axis/shrink_axis masks are first
 * expanded to "effective" dimensions (the ellipsis covers the dimensions the spec leaves out,
 * new axes are inserted as size-1 dimensions), then per dimension: negative indices count from
 * the end, indices are clamped ([0, n] for positive strides, [-1, n-1] for negative), masks
 * override begin/end, and a shrunk axis takes one element and disappears from the output.
 * With `offset` the end vector holds sizes relative to begin. Specs TFLite would mishandle
 * (several ellipses, masks naming dimensions beyond the input, a shrunk index outside the
 * dimension, stride 0 or INT32_MIN) are refused with an error. Computed begin/end/strides make
 * the output dynamic. */
#include <string.h>

#include "op.h"
#include "op_util.h"

#define SS_OPTIONS_TYPE 32 /* BuiltinOptions: StridedSliceOptions */
#define SS_MAX_SPEC 31     /* TFLite's limit on begin/end/strides length */
#define SS_MAX_EFF (TFLRT_MAX_DIMS + SS_MAX_SPEC)

typedef struct {
  int32_t rank;                     /* input rank */
  int32_t dims[TFLRT_MAX_DIMS];     /* input dims */
  int64_t start[TFLRT_MAX_DIMS];    /* first index per input dim */
  int64_t step[TFLRT_MAX_DIMS];
  int64_t count[TFLRT_MAX_DIMS];    /* elements taken per input dim */
  int32_t out_rank;
  int32_t out_dims[TFLRT_MAX_DIMS];
} slice_plan;

typedef struct {
  int32_t begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_mask;
  int32_t offset;
  slice_plan plan;
} slice_data;

/* ---- the copier ---- */

static void strided_copy(const slice_plan* p, const uint8_t* in, uint8_t* out, size_t es) {
  const int32_t r = p->rank;
  int64_t stride[TFLRT_MAX_DIMS]; /* bytes */
  for (int32_t i = 0; i < r; i++)
    if (p->count[i] == 0) return;
  tflrt_strides(r, p->dims, (int64_t)es, stride);
  /* Merge trailing whole dimensions into the contiguous run `blk`. */
  int64_t blk = (int64_t)es, base = 0;
  int32_t m = r;
  while (m > 0 && p->step[m - 1] == 1) {
    base += p->start[m - 1] * stride[m - 1];
    blk *= p->count[m - 1];
    m--;
    if (p->start[m] != 0 || p->count[m] != p->dims[m]) break; /* partial: nothing further merges */
  }
  if (m == 0) {
    memcpy(out, in + base, (size_t)blk);
    return;
  }
  /* Odometer over dims [0, m-1); the innermost loop runs over dim m-1. */
  int64_t idx[TFLRT_MAX_DIMS] = {0};
  const int32_t last = m - 1;
  const int64_t last_stride = p->step[last] * stride[last];
  for (;;) {
    int64_t off = base;
    for (int32_t i = 0; i < last; i++) off += (p->start[i] + idx[i] * p->step[i]) * stride[i];
    off += p->start[last] * stride[last];
    const uint8_t* src = in + off;
    const int64_t n = p->count[last];
    tflrt_copy_run(out, src, n, last_stride, (size_t)blk);
    out += (size_t)(blk * n);
    int32_t i = last - 1;
    for (; i >= 0; i--) {
      if (++idx[i] < p->count[i]) break;
      idx[i] = 0;
    }
    if (i < 0) return;
  }
}

/* Eval shared by SLICE and STRIDED_SLICE: runs the plan. */
static int slice_run(tflrt_ctx* ctx, tflrt_node* node) {
  const slice_plan* p = &((const slice_data*)node->data)->plan;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (out->bytes == 0) return TFLRT_OK;
  if (in->data == NULL || out->data == NULL) return tflrt_op_error(ctx, "input or output has no data");
  strided_copy(p, in->data, out->data, tflrt_type_size(in->type));
  return TFLRT_OK;
}

/* ---- SLICE ---- */

/* tflrt_plan_fn of SLICE: the plan from the (checked) begin/size values. */
static int slice_plan_make(tflrt_ctx* ctx, tflrt_node* node, int32_t* out_rank, const int32_t** out_dims) {
  slice_plan* p = &((slice_data*)node->data)->plan;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* begin = tflrt_in(ctx, node, 1);
  const tflrt_tensor* size = tflrt_in(ctx, node, 2);
  int rc;
  if ((rc = tflrt_check_data(ctx, begin, in->ndims, "begin")) || (rc = tflrt_check_data(ctx, size, in->ndims, "size")))
    return rc;
  p->rank = p->out_rank = in->ndims;
  for (int32_t i = 0; i < in->ndims; i++) {
    const int64_t dim = in->dims[i], b = tflrt_int_at(begin, i);
    int64_t n = tflrt_int_at(size, i);
    if (b < 0 || b > dim)
      return tflrt_op_error(ctx, "begin[%d] = %lld is outside [0, %lld]", (int)i, (long long)b, (long long)dim);
    if (n == -1) n = dim - b;
    if (n < 0 || b + n > dim)
      return tflrt_op_error(ctx, "size[%d] = %lld with begin %lld does not fit dimension %lld", (int)i,
                            (long long)tflrt_int_at(size, i), (long long)b, (long long)dim);
    p->dims[i] = in->dims[i];
    p->start[i] = b;
    p->step[i] = 1;
    p->count[i] = n;
    p->out_dims[i] = (int32_t)n;
  }
  *out_rank = p->out_rank;
  *out_dims = p->out_dims;
  return TFLRT_OK;
}

static int slice_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  int rc = tflrt_check_move_io(ctx, node, 3, 3);
  if (rc) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* begin = tflrt_in(ctx, node, 1);
  const tflrt_tensor* size = tflrt_in(ctx, node, 2);
  int32_t nb, ns;
  if ((rc = tflrt_read_ints(ctx, begin, "begin", 0, INT32_MAX, &nb, NULL)) ||
      (rc = tflrt_read_ints(ctx, size, "size", 0, INT32_MAX, &ns, NULL)))
    return rc;
  if (nb != in->ndims || ns != in->ndims)
    return tflrt_op_error(ctx, "begin and size need %d entries (the input rank), got %d and %d", (int)in->ndims,
                          (int)nb, (int)ns);
  return tflrt_plan_prepare(ctx, node, tflrt_is_const(begin) && tflrt_is_const(size), slice_plan_make);
}

static int slice_eval(tflrt_ctx* ctx, tflrt_node* node) {
  int rc = tflrt_plan_eval(ctx, node, slice_plan_make);
  return rc ? rc : slice_run(ctx, node);
}

/* ---- STRIDED_SLICE ---- */

static int ss_parse(tflrt_ctx* ctx, tflrt_node* node) {
  slice_data* d = node->data;
  d->begin_mask = d->end_mask = d->ellipsis_mask = d->new_axis_mask = d->shrink_mask = d->offset = 0;
  if (node->options == NULL || node->options_type != SS_OPTIONS_TYPE) return TFLRT_OK;
  const fb_table* o = node->options;
  if (fb_i32(o, 0, 0, &d->begin_mask) || fb_i32(o, 1, 0, &d->end_mask) || fb_i32(o, 2, 0, &d->ellipsis_mask) ||
      fb_i32(o, 3, 0, &d->new_axis_mask) || fb_i32(o, 4, 0, &d->shrink_mask) || fb_bool(o, 5, 0, &d->offset))
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed StridedSliceOptions");
  return TFLRT_OK;
}

static int clamp_i64(int64_t v, int64_t lo, int64_t hi) { return (int)(v < lo ? lo : v > hi ? hi : v); }

static int bit(uint32_t mask, int32_t i) { return i >= 0 && i < 32 && ((mask >> i) & 1u); }

/* tflrt_plan_fn of STRIDED_SLICE: the plan from the (checked) begin/end/strides values; see the
 * file comment. */
static int ss_plan_make(tflrt_ctx* ctx, tflrt_node* node, int32_t* out_rank, const int32_t** out_dims) {
  slice_data* d = node->data;
  slice_plan* p = &d->plan;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* tb = tflrt_in(ctx, node, 1);
  const tflrt_tensor* te = tflrt_in(ctx, node, 2);
  const tflrt_tensor* ts = tflrt_in(ctx, node, 3);
  const int32_t n_spec = tb->dims[0], in_rank = in->ndims;
  int rc;
  if ((rc = tflrt_check_data(ctx, tb, n_spec, "begin")) || (rc = tflrt_check_data(ctx, te, n_spec, "end")) ||
      (rc = tflrt_check_data(ctx, ts, n_spec, "strides")))
    return rc;
  const uint32_t ell = (uint32_t)d->ellipsis_mask, nam = (uint32_t)d->new_axis_mask;
  int32_t n_new = 0;
  for (int32_t i = 0; i < n_spec; i++)
    if (!bit(ell, i) && bit(nam, i)) n_new++;
  const int32_t eff = in_rank + n_new;
  /* expand the ellipsis and locate new axes in effective dimension numbering */
  uint8_t is_ell[SS_MAX_EFF] = {0}, is_new[SS_MAX_EFF] = {0};
  int32_t ell_start = eff, expanded = 0;
  for (int32_t i = 0; i < eff;) {
    if (bit(ell, i) && ell_start == eff) {
      int32_t end = i + 1 + n_new + in_rank - n_spec;
      if (end > eff) end = eff;
      if (end < i + 1) end = i + 1;
      ell_start = i;
      expanded = end - i - 1;
      for (; i < end; i++) is_ell[i] = 1;
      continue;
    }
    if (bit(nam, i - expanded)) is_new[i] = 1;
    i++;
  }
  int32_t added_axes = 0, real = 0;
  p->rank = in_rank;
  p->out_rank = 0;
  for (int32_t i = 0; i < eff; i++) {
    if (is_new[i] && !is_ell[i]) {
      added_axes++;
      if (p->out_rank >= TFLRT_MAX_DIMS) return tflrt_op_error(ctx, "the output would have more than %d dimensions", TFLRT_MAX_DIMS);
      p->out_dims[p->out_rank++] = 1;
      continue;
    }
    const int32_t k = i - added_axes; /* input dimension */
    if (k < 0 || k >= in_rank || k != real)
      return tflrt_op_error(ctx, "the slice spec (masks and %d indices) does not match an input of rank %d",
                            (int)n_spec, (int)in_rank);
    real++;
    const int64_t n = in->dims[k];
    int64_t start, stop, stride = 1;
    int shrink = 0;
    if (is_ell[i] || i >= n_spec + expanded) {
      start = 0;
      stop = n;
    } else {
      const int32_t o = i - (i > ell_start ? expanded : 0); /* spec index */
      if (o < 0 || o >= n_spec) return tflrt_op_error(ctx, "the slice spec does not match the input");
      stride = tflrt_int_at(ts, o);
      if (stride == 0) return tflrt_op_error(ctx, "strides[%d] is 0", (int)o);
      if (stride <= INT32_MIN || stride > INT32_MAX)
        return tflrt_op_error(ctx, "strides[%d] = %lld is out of range", (int)o, (long long)stride);
      shrink = bit((uint32_t)d->shrink_mask, o);
      start = tflrt_int_at(tb, o);
      if (start < 0) start += n;
      start = stride > 0 ? clamp_i64(start, 0, n) : clamp_i64(start, -1, n - 1);
      if (bit((uint32_t)d->begin_mask, o)) start = stride > 0 ? 0 : n - 1;
      if (shrink) {
        if (start < 0 || start >= n)
          return tflrt_op_error(ctx, "shrunk index %lld is out of range for dimension %d of size %lld",
                                (long long)tflrt_int_at(tb, o), (int)k, (long long)n);
        stop = start + 1;
        stride = 1;
      } else {
        const int64_t raw_end = tflrt_int_at(te, o);
        stop = d->offset ? raw_end + start : raw_end;
        if (stop < 0) stop += n;
        stop = stride > 0 ? clamp_i64(stop, 0, n) : clamp_i64(stop, -1, n - 1);
        if (bit((uint32_t)d->end_mask, o)) stop = stride > 0 ? n : -1;
      }
    }
    int64_t count;
    if (stride > 0)
      count = stop > start ? (stop - start - 1) / stride + 1 : 0;
    else
      count = start > stop ? (start - stop - 1) / (-stride) + 1 : 0;
    if (d->offset && !shrink && !is_ell[i] && i < n_spec + expanded) {
      /* TFLite sizes the output from the raw size; refuse specs where the copy would differ */
      const int64_t raw = tflrt_int_at(te, i - (i > ell_start ? expanded : 0));
      const int64_t want = (raw < 0) != (stride < 0) ? 0 : stride < 0 ? (raw + 1) / stride + 1 : raw == 0 ? 0 : (raw - 1) / stride + 1;
      if (want != count)
        return tflrt_op_error(ctx, "with offset, the slice of dimension %d (size %lld from its begin) leaves the input",
                              (int)k, (long long)raw);
    }
    p->dims[k] = in->dims[k];
    p->start[k] = count > 0 ? start : 0;
    p->step[k] = stride;
    p->count[k] = count;
    if (!shrink) {
      if (p->out_rank >= TFLRT_MAX_DIMS) return tflrt_op_error(ctx, "the output would have more than %d dimensions", TFLRT_MAX_DIMS);
      p->out_dims[p->out_rank++] = (int32_t)count;
    }
  }
  if (real != in_rank)
    return tflrt_op_error(ctx, "the slice spec (masks and %d indices) does not match an input of rank %d", (int)n_spec,
                          (int)in_rank);
  *out_rank = p->out_rank;
  *out_dims = p->out_dims;
  return TFLRT_OK;
}

static int ss_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  slice_data* d = node->data;
  int rc = tflrt_check_move_io(ctx, node, 4, 4);
  if (rc) return rc;
  const tflrt_tensor* tb = tflrt_in(ctx, node, 1);
  const tflrt_tensor* te = tflrt_in(ctx, node, 2);
  const tflrt_tensor* ts = tflrt_in(ctx, node, 3);
  int32_t nb, ne, ns;
  if ((rc = tflrt_read_ints(ctx, tb, "begin", 0, INT32_MAX, &nb, NULL)) ||
      (rc = tflrt_read_ints(ctx, te, "end", 0, INT32_MAX, &ne, NULL)) ||
      (rc = tflrt_read_ints(ctx, ts, "strides", 0, INT32_MAX, &ns, NULL)))
    return rc;
  if (nb != ne || nb != ns)
    return tflrt_op_error(ctx, "begin, end and strides must have the same length, got %d, %d and %d", (int)nb, (int)ne,
                          (int)ns);
  if (nb > SS_MAX_SPEC) return tflrt_op_error(ctx, "at most %d slice indices are supported, got %d", SS_MAX_SPEC, (int)nb);
  const uint32_t ell = (uint32_t)d->ellipsis_mask;
  if (ell & (ell - 1)) return tflrt_op_error(ctx, "ellipsis_mask 0x%x has more than one bit set", (unsigned)ell);
  return tflrt_plan_prepare(ctx, node, tflrt_is_const(tb) && tflrt_is_const(te) && tflrt_is_const(ts), ss_plan_make);
}

static int ss_eval(tflrt_ctx* ctx, tflrt_node* node) {
  int rc = tflrt_plan_eval(ctx, node, ss_plan_make);
  return rc ? rc : slice_run(ctx, node);
}

const tflrt_op tflrt_op_slice = {
    .name = "SLICE", .builtin_code = 65, .min_version = 1, .max_version = 8,
    .data_size = sizeof(slice_data), .parse = NULL, .prepare = slice_prepare, .eval = slice_eval,
};
const tflrt_op tflrt_op_strided_slice = {
    .name = "STRIDED_SLICE", .builtin_code = 45, .min_version = 1, .max_version = 8,
    .data_size = sizeof(slice_data), .parse = ss_parse, .prepare = ss_prepare, .eval = ss_eval,
};
