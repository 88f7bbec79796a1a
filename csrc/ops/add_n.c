/* ADD_N (version 1): the element-wise sum of two or more FLOAT32 or INT32 tensors of the same
 * shape (no broadcasting, as TFLite). INT32 sums wrap around. */
#include "op.h"

#define ADDN_BLOCK 16384 /* elements per task */
#define ADDN_MAX_INPUTS 1024

typedef struct {
  int32_t n_inputs;
  int64_t count;
} addn_data;

static int addn_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  addn_data* d = node->data;
  if (node->n_inputs < 2 || node->n_outputs != 1)
    return tflrt_op_error(ctx, "expected at least 2 inputs and 1 output, got %d and %d", (int)node->n_inputs,
                          (int)node->n_outputs);
  if (node->n_inputs > ADDN_MAX_INPUTS)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "at most %d inputs are supported, got %d", ADDN_MAX_INPUTS,
                         (int)node->n_inputs);
  const tflrt_tensor* first = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (first == NULL || out == NULL) return tflrt_op_error(ctx, "all inputs and the output are required");
  if (first->type != TFLRT_FLOAT32 && first->type != TFLRT_INT32)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "unsupported type %s (supported: FLOAT32, INT32)",
                         tflrt_type_name(first->type));
  for (int32_t i = 1; i < node->n_inputs; i++) {
    const tflrt_tensor* t = tflrt_in(ctx, node, i);
    if (t == NULL) return tflrt_op_error(ctx, "input %d is missing", (int)i + 1);
    if (t->type != first->type)
      return tflrt_op_error(ctx, "input %d has type %s, input 1 has %s", (int)i + 1, tflrt_type_name(t->type),
                            tflrt_type_name(first->type));
    if (!tflrt_same_shape(t, first)) return tflrt_op_error(ctx, "input %d has a different shape from input 1", (int)i + 1);
  }
  if (out->type != first->type)
    return tflrt_op_error(ctx, "output type %s does not match the input type %s", tflrt_type_name(out->type),
                          tflrt_type_name(first->type));
  d->n_inputs = node->n_inputs;
  d->count = tflrt_num_elements(first);
  return tflrt_set_output_shape(ctx, out, first->ndims, first->dims);
}

typedef struct {
  const tflrt_binary_kernels* k;
  int32_t type, n_inputs;
  int64_t count;
  const float* const* f32_inputs;
  const int32_t* const* s32_inputs;
  void* out;
} addn_work;

static void addn_blocks(void* arg, int32_t begin, int32_t end) {
  const addn_work* w = arg;
  for (int32_t t = begin; t < end; t++) {
    const int64_t start = (int64_t)t * ADDN_BLOCK;
    const int64_t n = w->count - start < ADDN_BLOCK ? w->count - start : ADDN_BLOCK;
    if (w->type == TFLRT_FLOAT32)
      w->k->f32_addn((size_t)n, w->f32_inputs, w->n_inputs, (size_t)start, (float*)w->out + start);
    else
      w->k->s32_addn((size_t)n, w->s32_inputs, w->n_inputs, (size_t)start, (int32_t*)w->out + start);
  }
}

static int addn_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const addn_data* d = node->data;
  if (d->count <= 0) return TFLRT_OK;
  const float* f32_ptrs[ADDN_MAX_INPUTS];
  const int32_t* s32_ptrs[ADDN_MAX_INPUTS];
  const int32_t type = tflrt_in(ctx, node, 0)->type;
  for (int32_t i = 0; i < d->n_inputs; i++) {
    const tflrt_tensor* t = tflrt_in(ctx, node, i);
    if (t->data == NULL) return tflrt_op_error(ctx, "input %d has no data", (int)i + 1);
    if (type == TFLRT_FLOAT32) f32_ptrs[i] = t->data;
    else s32_ptrs[i] = t->data;
  }
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (out->data == NULL) return tflrt_op_error(ctx, "the output has no data");
  const int64_t tasks = (d->count + ADDN_BLOCK - 1) / ADDN_BLOCK;
  if (tasks > INT32_MAX) return tflrt_op_error(ctx, "tensor too large");
  addn_work w = {.k = &ctx->k->binary, .type = type, .n_inputs = d->n_inputs, .count = d->count,
                 .f32_inputs = f32_ptrs, .s32_inputs = s32_ptrs, .out = out->data};
  tflrt_parallel_for(ctx, (int32_t)tasks, addn_blocks, &w);
  return TFLRT_OK;
}

const tflrt_op tflrt_op_add_n = {
    .name = "ADD_N", .builtin_code = 106, .min_version = 1, .max_version = 1,
    .data_size = sizeof(addn_data), .parse = NULL, .prepare = addn_prepare, .eval = addn_eval,
};
