/* SELECT (versions 1-4) and SELECT_V2 (1-2): out = condition ? x : y, element-wise.
 *
 * The condition is BOOL; x, y and the output share any type of 1, 2, 4 or 8 bytes per element
 * (values are copied, quantization is ignored). Shapes, as TFLite:
 *   - all of condition, x, y and output with one element: the output keeps its own shape;
 *   - condition, x and y of the same shape: element-wise;
 *   - SELECT: otherwise x and y must have the same shape, and the condition is a scalar or a
 *     rank-1 tensor matching x's first dimension (it picks whole slices);
 *   - SELECT_V2: otherwise the three shapes broadcast together (numpy rules, rank <= 8). */
#include <string.h>

#include "broadcast.h"
#include "op_util.h"

typedef struct {
  tflrt_bcast plan;
  int32_t size_index; /* 0: 1 byte, 1: 2, 2: 4, 3: 8 */
  size_t elem_size;
} select_data;

static int size_index(size_t s) {
  switch (s) {
    case 1: return 0;
    case 2: return 1;
    case 4: return 2;
    case 8: return 3;
    default: return -1;
  }
}

static int select_prepare(tflrt_ctx* ctx, tflrt_node* node, int v2) {
  select_data* d = node->data;
  int rc = tflrt_check_io(ctx, node, 3, 1);
  if (rc) return rc;
  const tflrt_tensor* c = tflrt_in(ctx, node, 0);
  const tflrt_tensor* x = tflrt_in(ctx, node, 1);
  const tflrt_tensor* y = tflrt_in(ctx, node, 2);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (c->type != TFLRT_BOOL)
    return tflrt_op_error(ctx, "the condition must be BOOL, got %s", tflrt_type_name(c->type));
  if (x->type != y->type)
    return tflrt_op_error(ctx, "x and y types differ: %s and %s", tflrt_type_name(x->type), tflrt_type_name(y->type));
  if (out->type != x->type)
    return tflrt_op_error(ctx, "output type %s does not match the input type %s", tflrt_type_name(out->type),
                          tflrt_type_name(x->type));
  d->elem_size = tflrt_type_size(x->type);
  d->size_index = size_index(d->elem_size);
  if (d->size_index < 0)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "unsupported type %s (elements of 1, 2, 4 or 8 bytes only)",
                         tflrt_type_name(x->type));
  const tflrt_tensor* ins[3] = {c, x, y};
  int32_t nd = 0, dims[TFLRT_MAX_DIMS];
  if (tflrt_num_elements(c) == 1 && tflrt_num_elements(x) == 1 && tflrt_num_elements(y) == 1 &&
      tflrt_num_elements(out) == 1) {
    /* single values: the output keeps its declared shape */
    nd = out->ndims;
    memcpy(dims, out->dims, sizeof(dims));
  } else if (tflrt_same_shape(c, x) && tflrt_same_shape(x, y)) {
    nd = x->ndims;
    memcpy(dims, x->dims, sizeof(dims));
  } else if (v2) {
    if ((rc = tflrt_broadcast_shape(ctx, 3, ins, TFLRT_MAX_DIMS, &nd, dims)) != TFLRT_OK) return rc;
  } else {
    if (!tflrt_same_shape(x, y))
      return tflrt_op_error(ctx, "SELECT needs x and y of the same shape (use SELECT_V2 to broadcast)");
    const int scalar = c->ndims == 0;
    const int rank_one = c->ndims == 1 && x->ndims >= 1 && c->dims[0] == x->dims[0];
    if (!scalar && !rank_one)
      return tflrt_op_error(ctx, "SELECT needs a condition of x's shape, a scalar, or a rank-1 condition "
                            "matching x's first dimension");
    nd = x->ndims;
    memcpy(dims, x->dims, sizeof(dims));
    if ((rc = tflrt_set_output_shape(ctx, out, nd, dims)) != TFLRT_OK) return rc;
    /* a rank-1 condition selects slices along x's first dimension: view it as [n, 1, ..., 1] */
    tflrt_tensor view = *c;
    if (rank_one) {
      view.ndims = nd;
      for (int32_t i = 1; i < nd; i++) view.dims[i] = 1;
    }
    const tflrt_tensor* vins[3] = {&view, x, y};
    tflrt_bcast_init(&d->plan, 3, vins, nd, dims);
    return TFLRT_OK;
  }
  if ((rc = tflrt_set_output_shape(ctx, out, nd, dims)) != TFLRT_OK) return rc;
  tflrt_bcast_init(&d->plan, 3, ins, nd, dims);
  return TFLRT_OK;
}
static int select_v1_prepare(tflrt_ctx* ctx, tflrt_node* node) { return select_prepare(ctx, node, 0); }
static int select_v2_prepare(tflrt_ctx* ctx, tflrt_node* node) { return select_prepare(ctx, node, 1); }

typedef struct {
  tflrt_select_fn fn;
  const select_data* d;
  const tflrt_bcast_split* split;
  const uint8_t* c;
  const char* x;
  const char* y;
  char* out;
  int inc[3];
} select_work;

static void select_segment(void* arg, const int64_t* offs, int64_t out_off, int64_t n) {
  const select_work* w = arg;
  const size_t es = w->d->elem_size;
  w->fn((size_t)n, w->c + offs[0], w->inc[0], w->x + (size_t)offs[1] * es, w->inc[1], w->y + (size_t)offs[2] * es,
        w->inc[2], w->out + (size_t)out_off * es);
}

static void select_tasks(void* arg, int32_t begin, int32_t end) {
  const select_work* w = arg;
  tflrt_bcast_for_tasks(&w->d->plan, w->split, begin, end, select_segment, arg);
}

static int select_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const select_data* d = node->data;
  if (d->plan.count <= 0) return TFLRT_OK;
  const tflrt_tensor* c = tflrt_in(ctx, node, 0);
  const tflrt_tensor* x = tflrt_in(ctx, node, 1);
  const tflrt_tensor* y = tflrt_in(ctx, node, 2);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (c->data == NULL || x->data == NULL || y->data == NULL || out->data == NULL)
    return tflrt_op_error(ctx, "input or output tensor has no data");
  tflrt_bcast_split split;
  tflrt_bcast_split_init(&d->plan, ctx->num_threads, &split);
  select_work w = {.fn = ctx->k->binary.select[d->size_index], .d = d, .split = &split, .c = c->data,
                   .x = x->data, .y = y->data, .out = out->data};
  for (int32_t k = 0; k < 3; k++) w.inc[k] = tflrt_bcast_inner_inc(&d->plan, k);
  tflrt_parallel_for(ctx, split.n_tasks, select_tasks, &w);
  return TFLRT_OK;
}

const tflrt_op tflrt_op_select = {
    .name = "SELECT", .builtin_code = 64, .min_version = 1, .max_version = 4,
    .data_size = sizeof(select_data), .parse = NULL, .prepare = select_v1_prepare, .eval = select_eval,
};
const tflrt_op tflrt_op_select_v2 = {
    .name = "SELECT_V2", .builtin_code = 123, .min_version = 1, .max_version = 2,
    .data_size = sizeof(select_data), .parse = NULL, .prepare = select_v2_prepare, .eval = select_eval,
};
