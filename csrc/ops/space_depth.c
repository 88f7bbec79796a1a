/* Moving data between space, depth and batch: DEPTH_TO_SPACE, SPACE_TO_DEPTH (NHWC, one block
 * size), BATCH_TO_SPACE_ND and SPACE_TO_BATCH_ND (a block per spatial dimension).
 *
 * Type-size-generic row copies: the innermost dimension (channels) always moves as a whole.
 *
 * TFLite semantics (tflite/kernels/{depth_to_space,space_to_depth,batch_to_space_nd,
 * space_to_batch_nd}.cc and the matching internal/reference headers):
 *   DEPTH_TO_SPACE  out[b, h, w, c] = in[b, h/bs, w/bs, ((h%bs)*bs + w%bs)*C_out + c]; the
 *                   input depth must be a multiple of bs*bs.
 *   SPACE_TO_DEPTH  the inverse; H and W must be multiples of bs. block_size must be > 0.
 *   SPACE_TO_BATCH_ND  pads the spatial dims (paddings [M, 2], >= 0), then moves each block
 *                   offset to its own batch: out batch = offset * N + n with the offset
 *                   row-major over the block dims. Padding is the output zero point for
 *                   8-bit types (TFLite memsets bytes), else 0.
 *   BATCH_TO_SPACE_ND  the inverse, then crops ([M, 2], >= 0).
 * TFLite handles 3-D (N, H, C) and 4-D inputs (M = rank - 2 spatial dims); the same rule is
 * applied here to any rank from 3 to TFLRT_MAX_DIMS. block_shape and paddings/crops are int32
 * (int64 accepted); computed ones make the output dynamic. Quantized input and output must
 * share scale and zero point (int16: zero point 0). */
#include <string.h>

#include "op.h"
#include "op_util.h"

#define S2D_OPTIONS_TYPE 19 /* BuiltinOptions: SpaceToDepthOptions {block_size} */
#define D2S_OPTIONS_TYPE 94 /* DepthToSpaceOptions {block_size} */
#define MAX_SPATIAL (TFLRT_MAX_DIMS - 2)

typedef struct {
  int32_t block_size; /* DEPTH_TO_SPACE / SPACE_TO_DEPTH */
  /* *_BATCH_ND, computed in prepare or eval */
  int32_t m;
  int64_t block[MAX_SPATIAL], pad[MAX_SPATIAL]; /* pad = before-padding or before-crop */
  int32_t out_dims[TFLRT_MAX_DIMS];
} sd_data;

/* n_in inputs, one output holding input 0's elements: same type and quantization. */
static int check_io(tflrt_ctx* ctx, const tflrt_node* node, int32_t n_in) {
  int rc = tflrt_check_move_io(ctx, node, n_in, n_in);
  return rc ? rc : tflrt_check_same_quant(ctx, tflrt_in(ctx, node, 0), tflrt_out(ctx, node, 0));
}

/* ---- DEPTH_TO_SPACE / SPACE_TO_DEPTH ---- */

static int block_parse(tflrt_ctx* ctx, tflrt_node* node) {
  sd_data* d = node->data;
  d->block_size = 0;
  const int type = node->builtin_code == 5 ? D2S_OPTIONS_TYPE : S2D_OPTIONS_TYPE;
  if (node->options == NULL || node->options_type != type) return TFLRT_OK;
  if (fb_i32(node->options, 0, 0, &d->block_size)) return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed block size options");
  return TFLRT_OK;
}

static int block_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  const sd_data* d = node->data;
  int rc = check_io(ctx, node, 1);
  if (rc) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  if (in->ndims != 4) return tflrt_op_error(ctx, "input must be 4-D (NHWC), got rank %d", (int)in->ndims);
  const int64_t bs = d->block_size;
  if (bs <= 0) return tflrt_op_error(ctx, "block_size must be > 0, got %lld", (long long)bs);
  const int64_t n = in->dims[0], h = in->dims[1], w = in->dims[2], c = in->dims[3];
  int64_t oh, ow, oc;
  if (node->builtin_code == 5) { /* DEPTH_TO_SPACE */
    if (c % (bs * bs) != 0)
      return tflrt_op_error(ctx, "input depth %lld is not a multiple of block_size^2 = %lld", (long long)c, (long long)(bs * bs));
    oh = h * bs;
    ow = w * bs;
    oc = c / (bs * bs);
  } else {
    if (h % bs != 0 || w % bs != 0)
      return tflrt_op_error(ctx, "height %lld and width %lld must be multiples of block_size %lld", (long long)h,
                            (long long)w, (long long)bs);
    oh = h / bs;
    ow = w / bs;
    oc = c * bs * bs;
  }
  if (oh > INT32_MAX || ow > INT32_MAX || oc > INT32_MAX) return tflrt_op_error(ctx, "output dimensions overflow int32");
  const int32_t dims[4] = {(int32_t)n, (int32_t)oh, (int32_t)ow, (int32_t)oc};
  return tflrt_set_output_shape(ctx, tflrt_out(ctx, node, 0), 4, dims);
}

static int block_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const sd_data* d = node->data;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (out->bytes == 0) return TFLRT_OK;
  if (in->data == NULL || out->data == NULL) return tflrt_op_error(ctx, "input or output has no data");
  const size_t es = tflrt_type_size(in->type);
  const int64_t bs = d->block_size;
  const uint8_t* src = in->data;
  uint8_t* dst = out->data;
  if (node->builtin_code == 5) { /* walk the output; each pixel's channels are one input run */
    const int64_t n = out->dims[0], oh = out->dims[1], ow = out->dims[2], oc = out->dims[3];
    const int64_t ih = in->dims[1], iw = in->dims[2], ic = in->dims[3];
    const size_t run = (size_t)oc * es;
    for (int64_t b = 0; b < n; b++)
      for (int64_t y = 0; y < oh; y++)
        for (int64_t x = 0; x < ow; x++) {
          const int64_t off = (((b * ih + y / bs) * iw + x / bs) * ic + ((y % bs) * bs + x % bs) * oc);
          memcpy(dst, src + (size_t)off * es, run);
          dst += run;
        }
  } else { /* walk the input; each pixel's channels land in one output run */
    const int64_t n = in->dims[0], ih = in->dims[1], iw = in->dims[2], ic = in->dims[3];
    const int64_t oh = out->dims[1], ow = out->dims[2], oc = out->dims[3];
    const size_t run = (size_t)ic * es;
    for (int64_t b = 0; b < n; b++)
      for (int64_t y = 0; y < ih; y++)
        for (int64_t x = 0; x < iw; x++) {
          const int64_t off = (((b * oh + y / bs) * ow + x / bs) * oc + ((y % bs) * bs + x % bs) * ic);
          memcpy(dst + (size_t)off * es, src, run);
          src += run;
        }
  }
  return TFLRT_OK;
}

/* ---- SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND ---- */

static int nd_check_inputs(tflrt_ctx* ctx, const tflrt_node* node) {
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* bs = tflrt_in(ctx, node, 1);
  const tflrt_tensor* pc = tflrt_in(ctx, node, 2);
  if (in->ndims < 3) return tflrt_op_error(ctx, "input must have rank >= 3, got %d", (int)in->ndims);
  const int32_t m = in->ndims - 2;
  if ((bs->type != TFLRT_INT32 && bs->type != TFLRT_INT64) || (pc->type != TFLRT_INT32 && pc->type != TFLRT_INT64))
    return tflrt_op_error(ctx, "block_shape and paddings/crops must be INT32 or INT64");
  if (bs->ndims != 1 || bs->dims[0] != m) return tflrt_op_error(ctx, "block_shape must be a vector of %d values", (int)m);
  if (pc->ndims != 2 || pc->dims[0] != m || pc->dims[1] != 2)
    return tflrt_op_error(ctx, "paddings/crops must have shape [%d, 2]", (int)m);
  return TFLRT_OK;
}

/* tflrt_plan_fn: reads block_shape and paddings/crops and computes the output shape. */
static int nd_plan(tflrt_ctx* ctx, tflrt_node* node, int32_t* ndims, const int32_t** dims) {
  sd_data* d = node->data;
  const int to_batch = node->builtin_code == 38;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* bs = tflrt_in(ctx, node, 1);
  const tflrt_tensor* pc = tflrt_in(ctx, node, 2);
  const int32_t m = in->ndims - 2;
  int rc = tflrt_check_data(ctx, bs, m, "block_shape");
  if (rc || (rc = tflrt_check_data(ctx, pc, 2 * m, to_batch ? "paddings" : "crops"))) return rc;
  d->m = m;
  int64_t batch = in->dims[0], blocks = 1;
  for (int32_t i = 0; i < m; i++) {
    const int64_t b = tflrt_int_at(bs, i), p0 = tflrt_int_at(pc, 2 * i), p1 = tflrt_int_at(pc, 2 * i + 1);
    const int64_t dim = in->dims[i + 1];
    if (b < 1 || b > INT32_MAX) return tflrt_op_error(ctx, "block_shape[%d] = %lld must be >= 1", (int)i, (long long)b);
    if (p0 < 0 || p1 < 0 || p0 > INT32_MAX || p1 > INT32_MAX)
      return tflrt_op_error(ctx, "%s for dimension %d are (%lld, %lld); they must be >= 0", to_batch ? "paddings" : "crops",
                            (int)i, (long long)p0, (long long)p1);
    blocks *= b;
    if (blocks > INT32_MAX) return tflrt_op_error(ctx, "the block shape product overflows int32");
    int64_t o;
    if (to_batch) {
      const int64_t padded = dim + p0 + p1;
      if (padded % b != 0)
        return tflrt_op_error(ctx, "padded dimension %d (%lld) is not a multiple of block_shape %lld", (int)i,
                              (long long)padded, (long long)b);
      o = padded / b;
    } else {
      o = dim * b - p0 - p1;
      if (o < 0) return tflrt_op_error(ctx, "crops (%lld, %lld) exceed dimension %d of size %lld", (long long)p0, (long long)p1, (int)i, (long long)(dim * b));
    }
    if (o > INT32_MAX) return tflrt_op_error(ctx, "output dimension %d overflows int32", (int)i);
    d->block[i] = b;
    d->pad[i] = p0;
    d->out_dims[i + 1] = (int32_t)o;
  }
  if (to_batch) {
    batch *= blocks;
    if (batch > INT32_MAX) return tflrt_op_error(ctx, "the output batch overflows int32");
  } else {
    if (batch % blocks != 0)
      return tflrt_op_error(ctx, "batch %lld is not a multiple of the block shape product %lld", (long long)batch, (long long)blocks);
    batch /= blocks;
  }
  d->out_dims[0] = (int32_t)batch;
  d->out_dims[in->ndims - 1] = in->dims[in->ndims - 1];
  *ndims = in->ndims;
  *dims = d->out_dims;
  return TFLRT_OK;
}

static int nd_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  int rc = check_io(ctx, node, 3);
  if (rc || (rc = nd_check_inputs(ctx, node))) return rc;
  return tflrt_plan_prepare(ctx, node, tflrt_is_const(tflrt_in(ctx, node, 1)) && tflrt_is_const(tflrt_in(ctx, node, 2)),
                            nd_plan);
}

static int nd_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const sd_data* d = node->data;
  const int to_batch = node->builtin_code == 38;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  int rc = tflrt_plan_eval(ctx, node, nd_plan);
  if (rc) return rc;
  if (out->bytes == 0) return TFLRT_OK;
  if (out->data == NULL || (in->bytes > 0 && in->data == NULL)) return tflrt_op_error(ctx, "input or output has no data");
  const int32_t m = d->m, r = in->ndims;
  const size_t es = tflrt_type_size(in->type);
  const size_t run = (size_t)in->dims[r - 1] * es;
  /* 8-bit padding is the zero point (TFLite memsets the zero point byte), else 0 */
  const int pad_byte = es == 1 ? (int)(uint8_t)out->zero_point : 0;
  int64_t in_stride[TFLRT_MAX_DIMS]; /* elements */
  tflrt_strides(r, in->dims, 1, in_stride);
  const uint8_t* src = in->data;
  uint8_t* dst = out->data;
  const int64_t out_batch = d->out_dims[0], in_batch = in->dims[0];
  int64_t pos[MAX_SPATIAL] = {0}; /* output spatial position */
  for (int64_t ob = 0; ob < out_batch; ob++) {
    for (;;) {
      /* source of output (ob, pos): */
      int64_t off = 0, valid = 1;
      if (to_batch) {
        int64_t shift = ob / in_batch;
        off = (ob % in_batch) * in_stride[0];
        for (int32_t i = m - 1; i >= 0; i--) {
          const int64_t si = shift % d->block[i];
          shift /= d->block[i];
          const int64_t p = pos[i] * d->block[i] + si - d->pad[i];
          if (p < 0 || p >= in->dims[i + 1]) valid = 0;
          off += p * in_stride[i + 1];
        }
      } else {
        int64_t shift = 0;
        for (int32_t i = 0; i < m; i++) {
          const int64_t p = pos[i] + d->pad[i];
          shift = shift * d->block[i] + p % d->block[i];
          off += (p / d->block[i]) * in_stride[i + 1];
        }
        off += (shift * out_batch + ob) * in_stride[0];
      }
      if (valid)
        memcpy(dst, src + (size_t)off * es, run);
      else
        memset(dst, pad_byte, run);
      dst += run;
      int32_t i = m - 1;
      for (; i >= 0; i--) {
        if (++pos[i] < d->out_dims[i + 1]) break;
        pos[i] = 0;
      }
      if (i < 0) break;
    }
  }
  return TFLRT_OK;
}

const tflrt_op tflrt_op_depth_to_space = {
    .name = "DEPTH_TO_SPACE", .builtin_code = 5, .min_version = 1, .max_version = 2,
    .data_size = sizeof(sd_data), .parse = block_parse, .prepare = block_prepare, .eval = block_eval,
};
const tflrt_op tflrt_op_space_to_depth = {
    .name = "SPACE_TO_DEPTH", .builtin_code = 26, .min_version = 1, .max_version = 2,
    .data_size = sizeof(sd_data), .parse = block_parse, .prepare = block_prepare, .eval = block_eval,
};
const tflrt_op tflrt_op_batch_to_space_nd = {
    .name = "BATCH_TO_SPACE_ND", .builtin_code = 37, .min_version = 1, .max_version = 4,
    .data_size = sizeof(sd_data), .parse = NULL, .prepare = nd_prepare, .eval = nd_eval,
};
const tflrt_op tflrt_op_space_to_batch_nd = {
    .name = "SPACE_TO_BATCH_ND", .builtin_code = 38, .min_version = 1, .max_version = 4,
    .data_size = sizeof(sd_data), .parse = NULL, .prepare = nd_prepare, .eval = nd_eval,
};
