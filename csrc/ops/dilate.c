/* DILATE: spread the input's elements `dilation - 1` padding values apart along each dimension.
 *
 * TFLite semantics (tflite/kernels/dilate.cc): inputs: the tensor (rank >= 1), dilations int32
 * [rank] (each >= 1) and padding_value (one element of the input's type); output extent per
 * dimension (s - 1) * d + 1, with out[i0 * d0, ..., iN * dN] = in[i0, ..., iN] and the padding
 * value everywhere else. A computed dilations tensor makes the output dynamic. An empty
 * dimension stays empty here (TFLite would compute 1 - d). Bytewise for every fixed-size type. */
#include <string.h>

#include "op.h"
#include "op_util.h"

typedef struct {
  int dynamic;
} dilate_data;

static int size_output(tflrt_ctx* ctx, const tflrt_tensor* in, const tflrt_tensor* dil, tflrt_tensor* out) {
  int32_t dims[TFLRT_MAX_DIMS];
  for (int32_t i = 0; i < in->ndims; i++) {
    int32_t d;
    memcpy(&d, (const uint8_t*)dil->data + 4 * (size_t)i, 4);
    if (d < 1) return tflrt_op_error(ctx, "dilation %d is %d; it must be >= 1", (int)i, (int)d);
    const int64_t s = in->dims[i];
    const int64_t o = s == 0 ? 0 : (s - 1) * (int64_t)d + 1;
    if (o > INT32_MAX) return tflrt_op_error(ctx, "output dimension %d overflows", (int)i);
    dims[i] = (int32_t)o;
  }
  return tflrt_set_output_shape(ctx, out, in->ndims, dims);
}

static int dilate_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  dilate_data* d = node->data;
  int rc = tflrt_check_io(ctx, node, 3, 1);
  if (rc) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* dil = tflrt_in(ctx, node, 1);
  const tflrt_tensor* pad = tflrt_in(ctx, node, 2);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (in->ndims < 1) return tflrt_op_error(ctx, "the input must have rank >= 1");
  if (tflrt_type_size(in->type) == 0)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "type %s is not supported", tflrt_type_name(in->type));
  if (out->type != in->type || pad->type != in->type)
    return tflrt_op_error(ctx, "input, padding value and output must have one type");
  if (tflrt_num_elements(pad) != 1) return tflrt_op_error(ctx, "the padding value must have one element");
  if (dil->type != TFLRT_INT32 || dil->ndims != 1 || dil->dims[0] != in->ndims)
    return tflrt_op_error(ctx, "dilations must be int32 [%d]", (int)in->ndims);
  d->dynamic = !tflrt_is_const(dil);
  if (d->dynamic) return tflrt_set_dynamic(ctx, out);
  return size_output(ctx, in, dil, out);
}

static int dilate_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const dilate_data* d = node->data;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* dil = tflrt_in(ctx, node, 1);
  const tflrt_tensor* pad = tflrt_in(ctx, node, 2);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (d->dynamic) {
    int r = size_output(ctx, in, dil, out);
    if (r) return r;
  }
  const size_t es = tflrt_type_size(in->type);
  const int64_t n_out = tflrt_num_elements(out), n_in = tflrt_num_elements(in);
  uint8_t* o = out->data;
  for (int64_t i = 0; i < n_out; i++) memcpy(o + (size_t)i * es, pad->data, es);
  const int32_t rank = in->ndims;
  int64_t ostep[TFLRT_MAX_DIMS], acc = 1; /* output elements between two input neighbours */
  for (int32_t i = rank - 1; i >= 0; i--) {
    int32_t f;
    memcpy(&f, (const uint8_t*)dil->data + 4 * (size_t)i, 4);
    ostep[i] = acc * f;
    acc *= out->dims[i];
  }
  int64_t coord[TFLRT_MAX_DIMS] = {0};
  const uint8_t* src = in->data;
  for (int64_t k = 0; k < n_in; k++) {
    int64_t off = 0;
    for (int32_t i = 0; i < rank; i++) off += coord[i] * ostep[i];
    memcpy(o + (size_t)off * es, src + (size_t)k * es, es);
    for (int32_t i = rank - 1; i >= 0; i--) {
      if (++coord[i] < in->dims[i]) break;
      coord[i] = 0;
    }
  }
  return TFLRT_OK;
}

const tflrt_op tflrt_op_dilate = {
    .name = "DILATE", .builtin_code = 203, .min_version = 1, .max_version = 1,
    .data_size = sizeof(dilate_data), .parse = NULL, .prepare = dilate_prepare, .eval = dilate_eval,
};
