/* Padding: PAD, PADV2 (a constant border) and MIRROR_PAD (a reflected border).
 *
 * The output is written row by row (a row = the innermost dimension): rows that fall in the
 * border of an outer dimension are all pad (PAD) or copies of a mirrored row (MIRROR_PAD);
 * the others are left border + the input row + right border. Type-size-generic.
 *
 * TFLite semantics (tflite/kernels/pad.cc, mirror_pad.cc):
 *   PAD/PADV2  paddings is a [rank, 2] tensor (int32, int64, int16 or int8) of non-negative
 *              (before, after) counts. The pad value is PADV2's scalar constant_values (which,
 *              for quantized int8/int16/uint8, must share the output's scale and zero point and
 *              is used as stored), else the output zero point for uint8 and for quantized
 *              int8/int16, else 0. TFLite stops at rank 5; here up to TFLRT_MAX_DIMS.
 *   MIRROR_PAD mode REFLECT (the border excludes the edge: paddings <= dim - 1) or SYMMETRIC
 *              (includes it: paddings <= dim); int32/int64 paddings; quantized input and output
 *              share scale and zero point (int16: zero point 0).
 * Computed paddings make the output dynamic. */
#include <string.h>

#include "../quant/quant.h"
#include "op.h"
#include "op_util.h"

#define MIRROR_OPTIONS_TYPE 77 /* BuiltinOptions: MirrorPadOptions {mode} */
#define MIRROR_PAD_CODE 100     /* BuiltinOperator MIRROR_PAD */
enum { MODE_REFLECT = 0, MODE_SYMMETRIC = 1 };

typedef struct {
  int32_t mode; /* MIRROR_PAD */
  int32_t rank;
  int32_t before[TFLRT_MAX_DIMS], after[TFLRT_MAX_DIMS];
  int32_t out_dims[TFLRT_MAX_DIMS];
  uint8_t pad_value[8]; /* PAD: the element written in the border */
} pad_data;

static int check_io(tflrt_ctx* ctx, const tflrt_node* node, int32_t min_in, int32_t max_in) {
  int rc = tflrt_check_move_io(ctx, node, min_in, max_in);
  if (rc) return rc;
  const int32_t type = tflrt_in(ctx, node, 0)->type;
  if (tflrt_type_size(type) > 8)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "type %s is not supported", tflrt_type_name(type));
  return TFLRT_OK;
}

static int paddings_shape(tflrt_ctx* ctx, const tflrt_tensor* pads, int32_t rank, int mirror) {
  const int ok_type = pads->type == TFLRT_INT32 || pads->type == TFLRT_INT64 ||
                      (!mirror && (pads->type == TFLRT_INT16 || pads->type == TFLRT_INT8));
  if (!ok_type) return tflrt_op_error(ctx, "paddings of type %s are not supported", tflrt_type_name(pads->type));
  if (pads->ndims != 2 || pads->dims[0] != rank || pads->dims[1] != 2)
    return tflrt_op_error(ctx, "paddings must have shape [%d, 2] (the input rank), got rank %d", (int)rank,
                          (int)pads->ndims);
  return TFLRT_OK;
}

/* tflrt_plan_fn: reads paddings and computes the output shape; MIRROR_PAD limits each side to
 * dim - offset (REFLECT 1, SYMMETRIC 0). */
static int read_paddings(tflrt_ctx* ctx, tflrt_node* node, int32_t* ndims, const int32_t** dims) {
  pad_data* d = node->data;
  const int32_t mirror_offset = node->builtin_code != MIRROR_PAD_CODE ? -1 : d->mode == MODE_REFLECT ? 1 : 0;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* pads = tflrt_in(ctx, node, 1);
  const int32_t r = in->ndims;
  int rc = tflrt_check_data(ctx, pads, 2 * r, "paddings");
  if (rc) return rc;
  d->rank = r;
  for (int32_t i = 0; i < r; i++) {
    const int64_t b = tflrt_int_at(pads, 2 * i), a = tflrt_int_at(pads, 2 * i + 1), dim = in->dims[i];
    if (b < 0 || a < 0)
      return tflrt_op_error(ctx, "paddings for dimension %d are (%lld, %lld); they must be >= 0", (int)i, (long long)b,
                            (long long)a);
    if (mirror_offset >= 0 && (b > dim - mirror_offset || a > dim - mirror_offset))
      return tflrt_op_error(ctx,
                            "paddings (%lld, %lld) exceed dimension %d of size %lld minus the mode offset %d",
                            (long long)b, (long long)a, (int)i, (long long)dim, (int)mirror_offset);
    if (dim + b + a > INT32_MAX) return tflrt_op_error(ctx, "padded dimension %d overflows int32", (int)i);
    d->before[i] = (int32_t)b;
    d->after[i] = (int32_t)a;
    d->out_dims[i] = (int32_t)(dim + b + a);
  }
  *ndims = r;
  *dims = d->out_dims;
  return TFLRT_OK;
}

/* Maps an output index to its input index along one dimension (mirror) or -1 (border). */
static int64_t source_index(int64_t o, int64_t before, int64_t dim, int mirror, int32_t offset) {
  int64_t i = o - before;
  if (i >= 0 && i < dim) return i;
  if (!mirror) return -1;
  if (i < 0) return -i - 1 + offset;         /* REFLECT: -i, SYMMETRIC: -i - 1 */
  return 2 * dim - i - 1 - offset;           /* REFLECT: 2dim-i-2, SYMMETRIC: 2dim-i-1 */
}

static void fill(uint8_t* dst, const uint8_t* value, int64_t n, size_t es) {
  for (int64_t j = 0; j < n; j++) memcpy(dst + (size_t)j * es, value, es);
}

static int pad_run(tflrt_ctx* ctx, tflrt_node* node, int mirror) {
  const pad_data* d = node->data;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (out->bytes == 0) return TFLRT_OK;
  if (out->data == NULL || (in->bytes > 0 && in->data == NULL)) return tflrt_op_error(ctx, "input or output has no data");
  const size_t es = tflrt_type_size(in->type);
  const int32_t r = d->rank, offset = d->mode == MODE_REFLECT ? 1 : 0;
  const uint8_t* src = in->data;
  uint8_t* dst = out->data;
  if (r == 0) {
    memcpy(dst, src, es);
    return TFLRT_OK;
  }
  int64_t in_stride[TFLRT_MAX_DIMS];
  tflrt_strides(r, in->dims, (int64_t)es, in_stride);
  const int32_t last = r - 1;
  const int64_t n = d->out_dims[last], dim = in->dims[last], b = d->before[last];
  int64_t idx[TFLRT_MAX_DIMS] = {0};
  for (;;) {
    int64_t off = 0;
    int border = 0;
    for (int32_t i = 0; i < last && !border; i++) {
      const int64_t k = source_index(idx[i], d->before[i], in->dims[i], mirror, offset);
      if (k < 0) border = 1;
      else off += k * in_stride[i];
    }
    if (border || (dim == 0 && !mirror)) {
      fill(dst, d->pad_value, n, es);
    } else if (!mirror) {
      fill(dst, d->pad_value, b, es);
      memcpy(dst + (size_t)b * es, src + off, (size_t)dim * es);
      fill(dst + (size_t)(b + dim) * es, d->pad_value, d->after[last], es);
    } else {
      for (int64_t j = 0; j < b; j++)
        memcpy(dst + (size_t)j * es, src + off + source_index(j, b, dim, 1, offset) * (int64_t)es, es);
      memcpy(dst + (size_t)b * es, src + off, (size_t)dim * es);
      for (int64_t j = b + dim; j < n; j++)
        memcpy(dst + (size_t)j * es, src + off + source_index(j, b, dim, 1, offset) * (int64_t)es, es);
    }
    dst += (size_t)n * es;
    int32_t i = last - 1;
    for (; i >= 0; i--) {
      if (++idx[i] < d->out_dims[i]) break;
      idx[i] = 0;
    }
    if (i < 0) return TFLRT_OK;
  }
}

/* ---- PAD / PADV2 ---- */

/* PADV2's constant_values (one element of the input's type) as the pad value. */
static int read_pad_value(tflrt_ctx* ctx, pad_data* d, const tflrt_tensor* cv) {
  int rc = tflrt_check_data(ctx, cv, 1, "constant_values");
  if (rc) return rc;
  memcpy(d->pad_value, cv->data, tflrt_type_size(cv->type));
  return TFLRT_OK;
}

static int pad_value_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  pad_data* d = node->data;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* out = tflrt_out(ctx, node, 0);
  const tflrt_tensor* cv = node->n_inputs > 2 ? tflrt_in(ctx, node, 2) : NULL;
  const int quantized = in->type == TFLRT_UINT8 || ((in->type == TFLRT_INT8 || in->type == TFLRT_INT16) && in->nq > 0);
  memset(d->pad_value, 0, sizeof d->pad_value);
  if (cv != NULL) {
    if (cv->type != in->type)
      return tflrt_op_error(ctx, "constant_values type %s differs from input type %s", tflrt_type_name(cv->type),
                            tflrt_type_name(in->type));
    if (tflrt_num_elements(cv) != 1) return tflrt_op_error(ctx, "constant_values must hold exactly one value");
    if (quantized && (cv->zero_point != out->zero_point || cv->scale != out->scale))
      return tflrt_op_error(ctx, "quantized constant_values must have the output's scale and zero point");
    if (!tflrt_is_const(cv)) return TFLRT_OK; /* read in eval */
    return read_pad_value(ctx, d, cv);
  } else if (quantized) {
    const int32_t zp = out->zero_point;
    int32_t lo, hi;
    tflrt_type_range(in->type, &lo, &hi);
    if (zp < lo || zp > hi)
      return tflrt_op_error(ctx, "output zero point %d does not fit %s", (int)zp, tflrt_type_name(in->type));
    if (in->type == TFLRT_INT16) {
      const int16_t v = (int16_t)zp;
      memcpy(d->pad_value, &v, 2);
    } else {
      d->pad_value[0] = (uint8_t)zp;
    }
  }
  return TFLRT_OK;
}

static int pad_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  pad_data* d = node->data;
  int rc = check_io(ctx, node, 2, 3);
  if (rc) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* pads = tflrt_in(ctx, node, 1);
  if ((rc = paddings_shape(ctx, pads, in->ndims, 0)) || (rc = pad_value_prepare(ctx, node))) return rc;
  d->mode = MODE_SYMMETRIC; /* unused by PAD */
  return tflrt_plan_prepare(ctx, node, tflrt_is_const(pads), read_paddings);
}

static int pad_eval(tflrt_ctx* ctx, tflrt_node* node) {
  pad_data* d = node->data;
  int rc = tflrt_plan_eval(ctx, node, read_paddings);
  if (rc) return rc;
  const tflrt_tensor* cv = node->n_inputs > 2 ? tflrt_in(ctx, node, 2) : NULL;
  if (cv != NULL && !tflrt_is_const(cv) && (rc = read_pad_value(ctx, d, cv))) return rc;
  return pad_run(ctx, node, 0);
}

/* ---- MIRROR_PAD ---- */

static int mirror_parse(tflrt_ctx* ctx, tflrt_node* node) {
  pad_data* d = node->data;
  d->mode = -1; /* TFLite: no options -> unknown mode -> error in prepare */
  if (node->options == NULL || node->options_type != MIRROR_OPTIONS_TYPE) return TFLRT_OK;
  int8_t mode;
  if (fb_i8(node->options, 0, MODE_REFLECT, &mode)) return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed MirrorPadOptions");
  d->mode = mode;
  return TFLRT_OK;
}

static int mirror_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  pad_data* d = node->data;
  int rc = check_io(ctx, node, 2, 2);
  if (rc) return rc;
  if (d->mode != MODE_REFLECT && d->mode != MODE_SYMMETRIC)
    return tflrt_op_error(ctx, "mode %d is not REFLECT (0) or SYMMETRIC (1) (or the options are missing)", (int)d->mode);
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* pads = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if ((rc = paddings_shape(ctx, pads, in->ndims, 1))) return rc;
  if ((rc = tflrt_check_same_quant(ctx, in, out))) return rc;
  return tflrt_plan_prepare(ctx, node, tflrt_is_const(pads), read_paddings);
}

static int mirror_eval(tflrt_ctx* ctx, tflrt_node* node) {
  int rc = tflrt_plan_eval(ctx, node, read_paddings);
  return rc ? rc : pad_run(ctx, node, 1);
}

const tflrt_op tflrt_op_pad = {
    .name = "PAD", .builtin_code = 34, .min_version = 1, .max_version = 6,
    .data_size = sizeof(pad_data), .parse = NULL, .prepare = pad_prepare, .eval = pad_eval,
};
const tflrt_op tflrt_op_padv2 = {
    .name = "PADV2", .builtin_code = 60, .min_version = 1, .max_version = 6,
    .data_size = sizeof(pad_data), .parse = NULL, .prepare = pad_prepare, .eval = pad_eval,
};
const tflrt_op tflrt_op_mirror_pad = {
    .name = "MIRROR_PAD", .builtin_code = 100, .min_version = 1, .max_version = 3,
    .data_size = sizeof(pad_data), .parse = mirror_parse, .prepare = mirror_prepare, .eval = mirror_eval,
};
