/* Complex numbers: REAL, IMAG, COMPLEX_ABS (complex64 -> float32, complex128 -> float64).
 *
 * TFLite semantics (tflite/kernels/complex_support.cc): one input of type complex64 or
 * complex128 (interleaved real, imaginary), output of the matching float type and the same
 * shape: the real part, the imaginary part, or the magnitude std::abs (computed here with
 * hypot, which avoids overflow like the C++ library does). */
#include <math.h>
#include <string.h>

#include "op.h"
#include "op_util.h"

enum { CPLX_REAL, CPLX_IMAG, CPLX_ABS };

typedef struct {
  int kind;
} complex_data;

static int complex_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  int rc = tflrt_check_io(ctx, node, 1, 1);
  if (rc) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (in->type != TFLRT_COMPLEX64 && in->type != TFLRT_COMPLEX128)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "the input must be complex64 or complex128, got %s",
                         tflrt_type_name(in->type));
  const int32_t want = in->type == TFLRT_COMPLEX64 ? TFLRT_FLOAT32 : TFLRT_FLOAT64;
  if (out->type != want) return tflrt_op_error(ctx, "the output must be %s", tflrt_type_name(want));
  return tflrt_set_output_shape(ctx, out, in->ndims, in->dims);
}

static int complex_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const complex_data* d = node->data;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  const int64_t n = tflrt_num_elements(in);
  if (in->type == TFLRT_COMPLEX64) {
    const float* x = in->data;
    float* y = out->data;
    for (int64_t i = 0; i < n; i++) {
      const float re = x[2 * i], im = x[2 * i + 1];
      y[i] = d->kind == CPLX_REAL ? re : d->kind == CPLX_IMAG ? im : hypotf(re, im);
    }
  } else {
    const double* x = in->data;
    double* y = out->data;
    for (int64_t i = 0; i < n; i++) {
      const double re = x[2 * i], im = x[2 * i + 1];
      y[i] = d->kind == CPLX_REAL ? re : d->kind == CPLX_IMAG ? im : hypot(re, im);
    }
  }
  return TFLRT_OK;
}

static int set_kind(tflrt_node* node, int kind) {
  ((complex_data*)node->data)->kind = kind;
  return TFLRT_OK;
}
static int parse_real(tflrt_ctx* ctx, tflrt_node* node) { (void)ctx; return set_kind(node, CPLX_REAL); }
static int parse_imag(tflrt_ctx* ctx, tflrt_node* node) { (void)ctx; return set_kind(node, CPLX_IMAG); }
static int parse_abs(tflrt_ctx* ctx, tflrt_node* node) { (void)ctx; return set_kind(node, CPLX_ABS); }

const tflrt_op tflrt_op_real = {
    .name = "REAL", .builtin_code = 134, .min_version = 1, .max_version = 1,
    .data_size = sizeof(complex_data), .parse = parse_real, .prepare = complex_prepare, .eval = complex_eval,
};
const tflrt_op tflrt_op_imag = {
    .name = "IMAG", .builtin_code = 133, .min_version = 1, .max_version = 1,
    .data_size = sizeof(complex_data), .parse = parse_imag, .prepare = complex_prepare, .eval = complex_eval,
};
const tflrt_op tflrt_op_complex_abs = {
    .name = "COMPLEX_ABS", .builtin_code = 135, .min_version = 1, .max_version = 1,
    .data_size = sizeof(complex_data), .parse = parse_abs, .prepare = complex_prepare, .eval = complex_eval,
};
