/* Shape-only ops: RESHAPE (version 1), SQUEEZE (version 1) and EXPAND_DIMS (version 1).
 * The data is copied unchanged (memcpy in eval) unless input and output share a buffer.
 *
 * RESHAPE: the new shape comes from the second input when it is a 1-D INT32 tensor, otherwise
 * from ReshapeOptions.new_shape (a legacy [0] there means a scalar), as in TFLite. At most one
 * dimension may be -1 (inferred); the element counts must match. A shape tensor whose values
 * are unknown in prepare makes the output dynamic: its shape is set in eval.
 * SQUEEZE: removes the listed size-1 dimensions (SqueezeOptions.squeeze_dims, negative counting
 * from the end), or every size-1 dimension when the list is empty.
 * EXPAND_DIMS: inserts a size-1 dimension at the position given by the axis input (INT32 or
 * INT64, one element; negative counts from the end of the output's dimensions). */
#include <string.h>

#include "op.h"
#include "op_util.h"

enum {
  RESHAPE_OPTIONS_TYPE = 17, /* BuiltinOptions union: ReshapeOptions */
  SQUEEZE_OPTIONS_TYPE = 30, /* SqueezeOptions */
  RESHAPE_OPT_NEW_SHAPE = 0,
  SQUEEZE_OPT_SQUEEZE_DIMS = 0
};

/* Options read at parse time. */
typedef struct {
  int32_t n_dims;               /* entries of dims (ReshapeOptions.new_shape or squeeze_dims) */
  int32_t dims[TFLRT_MAX_DIMS];
  int32_t too_many;             /* the options list is longer than TFLRT_MAX_DIMS */
  int32_t shape_from_tensor;    /* RESHAPE: the shape input is used */
  int32_t dynamic;              /* the output shape is computed in eval */
} shape_data;

/* Reads an int vector option (slot 0 of the options table of union type `type`). */
static int read_dims_option(tflrt_ctx* ctx, tflrt_node* node, int type, const char* what) {
  shape_data* d = node->data;
  d->n_dims = 0;
  if (node->options == NULL || node->options_type != type) return TFLRT_OK;
  fb_vec v;
  if (fb_vec_field(node->options, 0, sizeof(int32_t), &v) != 0)
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed %s", what);
  if (v.len > TFLRT_MAX_DIMS) {
    d->too_many = (int32_t)(v.len > INT32_MAX ? INT32_MAX : v.len);
    return TFLRT_OK; /* reported in prepare, where it matters */
  }
  d->n_dims = (int32_t)v.len;
  for (uint32_t i = 0; i < v.len; i++) d->dims[i] = fb_vec_i32_at(&v, i);
  return TFLRT_OK;
}

static int reshape_parse(tflrt_ctx* ctx, tflrt_node* node) {
  return read_dims_option(ctx, node, RESHAPE_OPTIONS_TYPE, "ReshapeOptions");
}

static int squeeze_parse(tflrt_ctx* ctx, tflrt_node* node) {
  return read_dims_option(ctx, node, SQUEEZE_OPTIONS_TYPE, "SqueezeOptions");
}

/* Common checks: one data input and one output of the same type with a fixed element size. */
/* Resolves a requested shape against the input's element count (TFLite's ResolveOutputShape):
 * at most one -1, other dimensions >= 0; the -1 becomes the quotient of the non-zero counts
 * (or 0 when the input is empty and the rest is not). */
static int resolve_shape(tflrt_ctx* ctx, const tflrt_tensor* in, int32_t n, int32_t* dims) {
  uint64_t in_count = 1, in_nonzero = 1;
  for (int32_t i = 0; i < in->ndims; i++) {
    in_count *= (uint64_t)in->dims[i]; /* the loader bounds every tensor's size */
    if (in->dims[i] != 0) in_nonzero *= (uint64_t)in->dims[i];
  }
  int32_t stretch = -1;
  uint64_t out_count = 1, out_nonzero = 1;
  const uint64_t cap = UINT64_C(1) << 62;
  for (int32_t i = 0; i < n; i++) {
    if (dims[i] == -1) {
      if (stretch >= 0)
        return tflrt_op_error(ctx, "the new shape has more than one -1 (dimensions %d and %d)",
                              (int)stretch, (int)i);
      stretch = i;
      continue;
    }
    if (dims[i] < 0)
      return tflrt_op_error(ctx, "the new shape has a negative dimension %d at index %d",
                            (int)dims[i], (int)i);
    if (dims[i] != 0) {
      if (out_nonzero > cap / (uint64_t)dims[i])
        return tflrt_op_error(ctx, "the new shape's element count overflows");
      out_nonzero *= (uint64_t)dims[i];
    }
    out_count *= (uint64_t)dims[i];
  }
  if (stretch >= 0) {
    uint64_t inferred;
    if (in_count == 0 && out_count != 0) inferred = 0;
    else inferred = in_nonzero / out_nonzero;
    if (inferred > INT32_MAX)
      return tflrt_op_error(ctx, "the inferred dimension %llu does not fit int32",
                            (unsigned long long)inferred);
    dims[stretch] = (int32_t)inferred;
    out_count *= inferred;
  }
  if (out_count != in_count)
    return tflrt_op_error(ctx, "cannot reshape %llu elements into a shape of %llu elements",
                          (unsigned long long)in_count, (unsigned long long)out_count);
  return TFLRT_OK;
}

/* The requested shape: from the shape tensor (when used) or the options. */
static int reshape_requested(tflrt_ctx* ctx, const tflrt_node* node, int32_t* n, int32_t* dims) {
  const shape_data* d = node->data;
  if (d->shape_from_tensor) {
    const tflrt_tensor* shape = tflrt_in(ctx, node, 1);
    const int32_t len = shape->dims[0];
    if (len > TFLRT_MAX_DIMS)
      return tflrt_op_error(ctx, "the shape tensor has %d entries; at most %d dimensions are "
                            "supported", (int)len, TFLRT_MAX_DIMS);
    if (len > 0 && (shape->data == NULL || shape->bytes < (size_t)len * sizeof(int32_t)))
      return tflrt_op_error(ctx, "the shape tensor has no data");
    if (len > 0) memcpy(dims, shape->data, (size_t)len * sizeof(int32_t));
    *n = len;
    return TFLRT_OK;
  }
  if (d->too_many)
    return tflrt_op_error(ctx, "ReshapeOptions.new_shape has %d entries; at most %d dimensions "
                          "are supported", (int)d->too_many, TFLRT_MAX_DIMS);
  *n = d->n_dims;
  memcpy(dims, d->dims, sizeof(d->dims));
  if (*n == 1 && dims[0] == 0) *n = 0; /* legacy converters wrote [0] for a scalar */
  return TFLRT_OK;
}

static int reshape_output(tflrt_ctx* ctx, tflrt_node* node) {
  int32_t n = 0, dims[TFLRT_MAX_DIMS];
  int r = reshape_requested(ctx, node, &n, dims);
  if (r != TFLRT_OK) return r;
  if ((r = resolve_shape(ctx, tflrt_in(ctx, node, 0), n, dims)) != TFLRT_OK) return r;
  return tflrt_set_output_shape(ctx, tflrt_out(ctx, node, 0), n, dims);
}

static int reshape_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  shape_data* d = node->data;
  int r = tflrt_check_move_io(ctx, node, 1, 2); /* input, optional shape */
  if (r != TFLRT_OK) return r;
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  const tflrt_tensor* shape = tflrt_in(ctx, node, 1);
  d->shape_from_tensor = shape != NULL && shape->ndims == 1 && shape->type == TFLRT_INT32;
  d->dynamic = 0;
  if (shape != NULL && !tflrt_is_const(shape)) {
    /* The values arrive at eval (TFLite also defers when the shape input is not constant). */
    d->dynamic = 1;
    return tflrt_set_dynamic(ctx, out);
  }
  return reshape_output(ctx, node);
}

static int copy_data(tflrt_ctx* ctx, const tflrt_tensor* in, tflrt_tensor* out) {
  if (out->bytes != in->bytes)
    return tflrt_op_error(ctx, "output has %zu bytes, input %zu", out->bytes, in->bytes);
  if (in->bytes > 0 && out->data != in->data) memcpy(out->data, in->data, in->bytes);
  return TFLRT_OK;
}

static int reshape_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const shape_data* d = node->data;
  if (d->dynamic) {
    int r = reshape_output(ctx, node);
    if (r != TFLRT_OK) return r;
  }
  return copy_data(ctx, tflrt_in(ctx, node, 0), tflrt_out(ctx, node, 0));
}

static int squeeze_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  const shape_data* d = node->data;
  int r = tflrt_check_move_io(ctx, node, 1, 1);
  if (r != TFLRT_OK) return r;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (d->too_many)
    return tflrt_op_error(ctx, "SqueezeOptions.squeeze_dims has %d entries; the input has rank %d",
                          (int)d->too_many, (int)in->ndims);
  uint8_t drop[TFLRT_MAX_DIMS] = {0};
  if (d->n_dims == 0) {
    for (int32_t i = 0; i < in->ndims; i++) drop[i] = in->dims[i] == 1;
  } else {
    for (int32_t k = 0; k < d->n_dims; k++) {
      const int32_t a = d->dims[k] < 0 ? d->dims[k] + in->ndims : d->dims[k];
      if (a < 0 || a >= in->ndims)
        return tflrt_op_error(ctx, "squeeze dimension %d is out of range for rank %d",
                              (int)d->dims[k], (int)in->ndims);
      if (in->dims[a] != 1)
        return tflrt_op_error(ctx, "cannot squeeze dimension %d of size %d (must be 1)",
                              (int)d->dims[k], (int)in->dims[a]);
      drop[a] = 1;
    }
  }
  int32_t n = 0, dims[TFLRT_MAX_DIMS];
  for (int32_t i = 0; i < in->ndims; i++)
    if (!drop[i]) dims[n++] = in->dims[i];
  return tflrt_set_output_shape(ctx, out, n, dims);
}

static int squeeze_eval(tflrt_ctx* ctx, tflrt_node* node) {
  return copy_data(ctx, tflrt_in(ctx, node, 0), tflrt_out(ctx, node, 0));
}

/* EXPAND_DIMS output shape from the axis tensor's value. */
static int expand_output(tflrt_ctx* ctx, tflrt_node* node) {
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* axis_t = tflrt_in(ctx, node, 1);
  int64_t axis;
  int r = tflrt_read_scalar_int(ctx, axis_t, "axis", &axis);
  if (r != TFLRT_OK) return r;
  if (axis < 0) axis += in->ndims + 1;
  if (axis < 0 || axis > in->ndims)
    return tflrt_op_error(ctx, "axis %lld is out of range for an input of rank %d",
                          (long long)(axis < 0 ? axis - in->ndims - 1 : axis), (int)in->ndims);
  if (in->ndims + 1 > TFLRT_MAX_DIMS)
    return tflrt_op_error(ctx, "the output would have rank %d; at most %d is supported",
                          (int)in->ndims + 1, TFLRT_MAX_DIMS);
  int32_t dims[TFLRT_MAX_DIMS];
  for (int32_t i = 0, j = 0; i <= in->ndims; i++) dims[i] = (i == axis) ? 1 : in->dims[j++];
  return tflrt_set_output_shape(ctx, tflrt_out(ctx, node, 0), in->ndims + 1, dims);
}

static int expand_dims_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  shape_data* d = node->data;
  int r = tflrt_check_move_io(ctx, node, 2, 2); /* input, axis */
  if (r != TFLRT_OK) return r;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* axis = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if ((r = tflrt_check_int_type(ctx, axis, "axis")) != TFLRT_OK) return r;
  if (tflrt_num_elements(axis) != 1)
    return tflrt_op_error(ctx, "axis must have exactly one element, got %lld",
                          (long long)tflrt_num_elements(axis));
  /* As TFLite: the output keeps the input's quantization. */
  if (in->scale != out->scale || in->zero_point != out->zero_point)
    return tflrt_op_error(ctx, "output quantization (scale %g, zero point %d) differs from the "
                          "input's (scale %g, zero point %d)", (double)out->scale,
                          (int)out->zero_point, (double)in->scale, (int)in->zero_point);
  if (in->type == TFLRT_INT16 && in->zero_point != 0)
    return tflrt_op_error(ctx, "int16 input must have zero point 0, got %d", (int)in->zero_point);
  d->dynamic = !tflrt_is_const(axis);
  if (d->dynamic) return tflrt_set_dynamic(ctx, out);
  return expand_output(ctx, node);
}

static int expand_dims_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const shape_data* d = node->data;
  if (d->dynamic) {
    int r = expand_output(ctx, node);
    if (r != TFLRT_OK) return r;
  }
  return copy_data(ctx, tflrt_in(ctx, node, 0), tflrt_out(ctx, node, 0));
}

const tflrt_op tflrt_op_reshape = {
    .name = "RESHAPE",
    .builtin_code = 22,
    .min_version = 1,
    .max_version = 1,
    .data_size = sizeof(shape_data),
    .parse = reshape_parse,
    .prepare = reshape_prepare,
    .eval = reshape_eval,
};

const tflrt_op tflrt_op_squeeze = {
    .name = "SQUEEZE",
    .builtin_code = 43,
    .min_version = 1,
    .max_version = 1,
    .data_size = sizeof(shape_data),
    .parse = squeeze_parse,
    .prepare = squeeze_prepare,
    .eval = squeeze_eval,
};

const tflrt_op tflrt_op_expand_dims = {
    .name = "EXPAND_DIMS",
    .builtin_code = 70,
    .min_version = 1,
    .max_version = 1,
    .data_size = sizeof(shape_data),
    .parse = NULL,
    .prepare = expand_dims_prepare,
    .eval = expand_dims_eval,
};
