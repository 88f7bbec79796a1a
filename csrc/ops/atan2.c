/* ATAN2: atan2(y, x) element-wise.
 *
 * TFLite semantics (tflite/kernels/atan2.cc): y and x of one type (float32 or float64 here;
 * TFLite also takes float16 and bfloat16), the output of that type. TFLite checks only that
 * the ranks agree and then walks y's element count; here the shapes must be equal. float32 uses
 * atan2f, as std::atan2(float, float) does. */
#include <math.h>

#include "op.h"
#include "op_util.h"

static int atan2_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  int rc = tflrt_check_io(ctx, node, 2, 1);
  if (rc) return rc;
  const tflrt_tensor* y = tflrt_in(ctx, node, 0);
  const tflrt_tensor* x = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (y->type != TFLRT_FLOAT32 && y->type != TFLRT_FLOAT64)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "type %s is not supported (float32, float64)",
                         tflrt_type_name(y->type));
  if (x->type != y->type || out->type != y->type) return tflrt_op_error(ctx, "inputs and output must have one type");
  if (!tflrt_same_shape(x, y)) return tflrt_op_error(ctx, "y and x must have the same shape");
  return tflrt_set_output_shape(ctx, out, y->ndims, y->dims);
}

static int atan2_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const tflrt_tensor* y = tflrt_in(ctx, node, 0);
  const tflrt_tensor* x = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  const int64_t n = tflrt_num_elements(y);
  if (y->type == TFLRT_FLOAT32) {
    const float *py = y->data, *px = x->data;
    float* o = out->data;
    for (int64_t i = 0; i < n; i++) o[i] = atan2f(py[i], px[i]);
  } else {
    const double *py = y->data, *px = x->data;
    double* o = out->data;
    for (int64_t i = 0; i < n; i++) o[i] = atan2(py[i], px[i]);
  }
  return TFLRT_OK;
}

const tflrt_op tflrt_op_atan2 = {
    .name = "ATAN2", .builtin_code = 156, .min_version = 1, .max_version = 1,
    .data_size = 0, .parse = NULL, .prepare = atan2_prepare, .eval = atan2_eval,
};
