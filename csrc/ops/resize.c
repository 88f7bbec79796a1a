/* RESIZE_BILINEAR (versions 1-4) and RESIZE_NEAREST_NEIGHBOR (versions 1-4).
 *
 * Inputs: 0 images [batches, height, width, channels], 1 size (int32 [2]: new height, new
 * width), constant or computed at run time (then the output shape is dynamic).
 * Output: [batches, new_height, new_width, channels], same type (and, as in TFLite, the same
 * integer values scale: no requantization happens).
 * Options: align_corners, half_pixel_centers (ResizeBilinearOptions slots 2, 3 after the two
 * deprecated size fields; ResizeNearestNeighborOptions slots 0, 1).
 *
 * Types: bilinear float32, uint8 (float arithmetic), int8 and int16 (integer arithmetic), as
 * TFLite's reference kernels; nearest float32, int32, uint8, int8, int16.
 * Checks beyond TFLite's, where it would read out of bounds or overflow: input height and
 * width must be >= 1 (unless the output is empty), and the integer bilinear path limits input
 * sizes to 2^20 and output sizes to 2^28. Bilinear sizes must be > 0 (TFLite), nearest sizes
 * >= 0; align_corners and half_pixel_centers are exclusive for bilinear (TFLite). */
#include <string.h>

#include "op.h"
#include "op_util.h"

enum { CODE_RESIZE_BILINEAR = 23, CODE_RESIZE_NEAREST = 97 };
enum { BILINEAR_OPTIONS_TYPE = 15, NEAREST_OPTIONS_TYPE = 74 };
enum { BILINEAR_OPT_ALIGN = 2, BILINEAR_OPT_HALF_PIXEL = 3 };
enum { NEAREST_OPT_ALIGN = 0, NEAREST_OPT_HALF_PIXEL = 1 };

typedef enum { RS_F32_BILINEAR, RS_QU8_BILINEAR, RS_QS8_BILINEAR, RS_QS16_BILINEAR,
               RS_NEAREST_8, RS_NEAREST_16, RS_NEAREST_32 } resize_kind;

typedef struct {
  int align_corners, half_pixel_centers;
  int bilinear;
  int size_const;
  resize_kind kind;
  tflrt_resize_params p;
} resize_data;

static int resize_parse(tflrt_ctx* ctx, tflrt_node* node) {
  resize_data* d = node->data;
  d->bilinear = node->builtin_code == CODE_RESIZE_BILINEAR;
  const int want = d->bilinear ? BILINEAR_OPTIONS_TYPE : NEAREST_OPTIONS_TYPE;
  const fb_table empty = {0};
  const fb_table* o = node->options != NULL && node->options_type == want ? node->options : &empty;
  const int slot_align = d->bilinear ? BILINEAR_OPT_ALIGN : NEAREST_OPT_ALIGN;
  const int slot_half = d->bilinear ? BILINEAR_OPT_HALF_PIXEL : NEAREST_OPT_HALF_PIXEL;
  if (fb_bool(o, slot_align, 0, &d->align_corners) != 0 ||
      fb_bool(o, slot_half, 0, &d->half_pixel_centers) != 0)
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed %s options",
                         d->bilinear ? "ResizeBilinear" : "ResizeNearestNeighbor");
  return TFLRT_OK;
}

/* Reads the size tensor, sets the output shape and the coordinate scales. */
static int resize_setup(tflrt_ctx* ctx, resize_data* d, const tflrt_tensor* in,
                        const tflrt_tensor* size, tflrt_tensor* out) {
  if (size->data == NULL || size->bytes < 2 * sizeof(int32_t))
    return tflrt_op_error(ctx, "size tensor %d ('%s') has no data", (int)size->index, size->name);
  int32_t hw[2];
  memcpy(hw, size->data, sizeof hw);
  const int32_t lo = d->bilinear ? 1 : 0;
  if (hw[0] < lo || hw[1] < lo)
    return tflrt_op_error(ctx, "requested size %dx%d must be %s", (int)hw[0], (int)hw[1],
                          d->bilinear ? "positive" : "non-negative");
  tflrt_resize_params* p = &d->p;
  p->batches = in->dims[0];
  p->in_h = in->dims[1];
  p->in_w = in->dims[2];
  p->channels = in->dims[3];
  p->out_h = hw[0];
  p->out_w = hw[1];
  p->align_corners = d->align_corners;
  p->half_pixel_centers = d->half_pixel_centers;
  const int32_t dims[4] = {p->batches, p->out_h, p->out_w, p->channels};
  int r = tflrt_set_output_shape(ctx, out, 4, dims);
  if (r != TFLRT_OK) return r;
  const int empty = tflrt_num_elements(out) == 0;
  if (!empty && (p->in_h < 1 || p->in_w < 1))
    return tflrt_op_error(ctx, "input height and width must be positive (got %dx%d)",
                          (int)p->in_h, (int)p->in_w);
  if ((int64_t)p->batches * p->out_h > INT32_MAX)
    return tflrt_op_error(ctx, "batches x output height (%lld) is too large",
                          (long long)p->batches * p->out_h);
  if (d->kind == RS_QS8_BILINEAR || d->kind == RS_QS16_BILINEAR) {
    if (p->in_h > (1 << 20) || p->in_w > (1 << 20) || p->out_h > (1 << 28) ||
        p->out_w > (1 << 28))
      return tflrt_op_error(ctx, "sizes too large for the integer resize (input %dx%d, output "
                            "%dx%d; at most 2^20 and 2^28)", (int)p->in_h, (int)p->in_w,
                            (int)p->out_h, (int)p->out_w);
  }
  /* Coordinate scales (see kernels/resize.h). */
  const int ac = d->align_corners;
  if (p->out_h > 0 && p->out_w > 0) {
    p->scale_h = (ac && p->out_h > 1) ? (float)(p->in_h - 1) / (float)(p->out_h - 1)
                                      : (float)p->in_h / (float)p->out_h;
    p->scale_w = (ac && p->out_w > 1) ? (float)(p->in_w - 1) / (float)(p->out_w - 1)
                                      : (float)p->in_w / (float)p->out_w;
  }
  const int fixed = d->kind == RS_QS8_BILINEAR || d->kind == RS_QS16_BILINEAR;
  if (p->out_h > 0 && p->out_w > 0 && fixed) {
    p->scale10_h = (ac && p->out_h > 1)
                       ? ((1 << 10) * (p->in_h - 1) + (p->out_h - 1) / 2) / (p->out_h - 1)
                       : ((1 << 10) * p->in_h + p->out_h / 2) / p->out_h;
    p->scale10_w = (ac && p->out_w > 1)
                       ? ((1 << 10) * (p->in_w - 1) + (p->out_w - 1) / 2) / (p->out_w - 1)
                       : ((1 << 10) * p->in_w + p->out_w / 2) / p->out_w;
  }
  return TFLRT_OK;
}

static int resize_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  resize_data* d = node->data;
  int rc = tflrt_check_arity(ctx, node, 2, 2, 1, "images, size");
  if (rc) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* size = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (in->ndims != 4)
    return tflrt_op_error(ctx, "input must be 4-D [batch, height, width, channels], got rank %d",
                          (int)in->ndims);
  if (size->ndims != 1 || size->dims[0] != 2)
    return tflrt_op_error(ctx, "size must be a 1-D tensor of 2 elements");
  if (size->type != TFLRT_INT32)
    return tflrt_op_error(ctx, "size type %s is not supported (INT32 only)",
                          tflrt_type_name(size->type));
  if (out->type != in->type)
    return tflrt_op_error(ctx, "output type %s differs from input type %s",
                          tflrt_type_name(out->type), tflrt_type_name(in->type));
  const int32_t t = in->type;
  if (d->bilinear) {
    if (d->align_corners && d->half_pixel_centers)
      return tflrt_op_error(ctx, "if half_pixel_centers is true, align_corners must be false");
    switch (t) {
      case TFLRT_FLOAT32: d->kind = RS_F32_BILINEAR; break;
      case TFLRT_UINT8: d->kind = RS_QU8_BILINEAR; break;
      case TFLRT_INT8: d->kind = RS_QS8_BILINEAR; break;
      case TFLRT_INT16: d->kind = RS_QS16_BILINEAR; break;
      default:
        return tflrt_op_error(ctx, "input type %s is not supported (FLOAT32, UINT8, INT8, INT16)",
                              tflrt_type_name(t));
    }
  } else {
    switch (t) {
      case TFLRT_FLOAT32:
      case TFLRT_INT32: d->kind = RS_NEAREST_32; break;
      case TFLRT_UINT8:
      case TFLRT_INT8: d->kind = RS_NEAREST_8; break;
      case TFLRT_INT16: d->kind = RS_NEAREST_16; break;
      default:
        return tflrt_op_error(ctx, "input type %s is not supported (FLOAT32, INT32, UINT8, INT8, "
                              "INT16)", tflrt_type_name(t));
    }
  }
  d->size_const = tflrt_is_const(size);
  if (!d->size_const) return tflrt_set_dynamic(ctx, out);
  return resize_setup(ctx, d, in, size, out);
}

typedef struct {
  const resize_data* d;
  const tflrt_resize_kernels* k;
  const void* in;
  void* out;
} resize_job;

static void resize_rows(void* arg, int32_t begin, int32_t end) {
  const resize_job* j = arg;
  const tflrt_resize_params* p = &j->d->p;
  const tflrt_resize_kernels* k = j->k;
  switch (j->d->kind) {
    case RS_F32_BILINEAR: k->f32_bilinear(p, j->in, j->out, begin, end); break;
    case RS_QU8_BILINEAR: k->qu8_bilinear(p, j->in, j->out, begin, end); break;
    case RS_QS8_BILINEAR: k->qs8_bilinear(p, j->in, j->out, begin, end); break;
    case RS_QS16_BILINEAR: k->qs16_bilinear(p, j->in, j->out, begin, end); break;
    case RS_NEAREST_8: k->x8_nearest(p, j->in, j->out, begin, end); break;
    case RS_NEAREST_16: k->x16_nearest(p, j->in, j->out, begin, end); break;
    case RS_NEAREST_32: k->x32_nearest(p, j->in, j->out, begin, end); break;
  }
}

static int resize_eval(tflrt_ctx* ctx, tflrt_node* node) {
  resize_data* d = node->data;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* size = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (!d->size_const) {
    int r = resize_setup(ctx, d, in, size, out);
    if (r != TFLRT_OK) return r;
  }
  if (tflrt_num_elements(out) == 0) return TFLRT_OK;
  resize_job job = {d, &ctx->k->resize, in->data, out->data};
  tflrt_parallel_for(ctx, d->p.batches * d->p.out_h, resize_rows, &job);
  return TFLRT_OK;
}

const tflrt_op tflrt_op_resize_bilinear = {
    .name = "RESIZE_BILINEAR",
    .builtin_code = CODE_RESIZE_BILINEAR,
    .min_version = 1,
    .max_version = 4,
    .data_size = sizeof(resize_data),
    .parse = resize_parse,
    .prepare = resize_prepare,
    .eval = resize_eval,
};

const tflrt_op tflrt_op_resize_nearest_neighbor = {
    .name = "RESIZE_NEAREST_NEIGHBOR",
    .builtin_code = CODE_RESIZE_NEAREST,
    .min_version = 1,
    .max_version = 4,
    .data_size = sizeof(resize_data),
    .parse = resize_parse,
    .prepare = resize_prepare,
    .eval = resize_eval,
};
