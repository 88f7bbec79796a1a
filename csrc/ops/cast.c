/* CAST between numeric types and bool, TFLite semantics (versions 1-9; the types below):
 * FLOAT32, FLOAT16, FLOAT64, COMPLEX64, INT8, UINT8, INT16, UINT16, INT32, UINT32, INT64, BOOL.
 *   float -> integer: truncation toward zero, saturated to the type (NaN -> the maximum)
 *   integer -> integer: two's complement wrap-around; x -> bool: x != 0; bool -> x: 0 or 1
 *   -> float16: through float32, round to nearest even; complex64 -> x: the real part
 * The CastOptions types are ignored, as TFLite ignores them: the tensors' types decide. Not
 * supported: BFLOAT16, INT4/INT2/UINT4, FLOAT8 (versions 6-9 add those). */
#include <string.h>

#include "op.h"
#include "op_util.h"

#define CAST_BLOCK_ELEMENTS 16384

static int cast_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  int rc = tflrt_check_io(ctx, node, 1, 1);
  if (rc) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (!tflrt_cast_supported(in->type) || !tflrt_cast_supported(out->type))
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED,
                         "CAST from %s to %s is not supported (supported: FLOAT32, FLOAT16, FLOAT64, COMPLEX64, "
                         "INT8, UINT8, INT16, UINT16, INT32, UINT32, INT64, BOOL)",
                         tflrt_type_name(in->type), tflrt_type_name(out->type));
  return tflrt_set_output_shape(ctx, out, in->ndims, in->dims);
}

typedef struct {
  tflrt_cast_fn fn;
  int32_t in_type, out_type;
  const uint8_t* x;
  uint8_t* y;
  size_t n, in_size, out_size;
} cast_job;

static void cast_blocks(void* arg, int32_t begin, int32_t end) {
  const cast_job* j = arg;
  const size_t i0 = (size_t)begin * CAST_BLOCK_ELEMENTS;
  const size_t i1 = (size_t)end * CAST_BLOCK_ELEMENTS < j->n ? (size_t)end * CAST_BLOCK_ELEMENTS : j->n;
  if (i1 > i0) j->fn(j->in_type, j->out_type, j->x + i0 * j->in_size, j->y + i0 * j->out_size, i1 - i0);
}

static int cast_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  const int64_t n = tflrt_num_elements(in);
  if (n <= 0) return TFLRT_OK;
  if (in->data == NULL || out->data == NULL) return tflrt_op_error(ctx, "input or output tensor has no data");
  cast_job job = {.fn = ctx->k->unary.cast, .in_type = in->type, .out_type = out->type, .x = in->data,
                  .y = out->data, .n = (size_t)n, .in_size = tflrt_type_size(in->type),
                  .out_size = tflrt_type_size(out->type)};
  return tflrt_parallel_blocks(ctx, n, CAST_BLOCK_ELEMENTS, cast_blocks, &job);
}

const tflrt_op tflrt_op_cast = {.name = "CAST", .builtin_code = 53, .min_version = 1, .max_version = 9,
                                .data_size = 0, .parse = NULL, .prepare = cast_prepare, .eval = cast_eval};
