/* DENSIFY: a sparse constant (schema SparsityParameters) to its dense tensor.
 *
 * TFLite semantics (tflite/kernels/densify.cc, internal/utils/sparsity_format_converter.cc):
 * one input, a constant with sparsity metadata; the output has the input's type and dense
 * shape. The sparse format walks L = n + k levels (n tensor dims in traversal_order[0..n), then
 * the k block dims listed in block_map); a DENSE level visits every coordinate, a SPARSE_CSR
 * level the coordinates array_indices[segments[p] .. segments[p+1]) of the position p reached
 * at the previous level. Each full coordinate takes the next stored value; a blocked dimension
 * d combines its block coordinate and its in-block coordinate as block * block_size + inner.
 * Every other element is zero. TFLite densifies float32, float16 and int8; the walk is a byte
 * copy, so this file accepts every fixed-size type.
 *
 * TFLite computes the dense tensor once, at the first invoke, into a persistent output. Here
 * prepare computes it into this node's persistent memory and makes the output a constant
 * (tflrt_set_output_constant): no arena bytes, nothing to do in eval, and the consumers
 * (FULLY_CONNECTED, CONV_2D, ...) see constant weights in their own prepare, so they can
 * pre-pack them exactly as they do for dense weights.
 *
 * The loader validated the sparsity (loader/tensors.c: permutations, block sizes, segment and
 * index ranges, stored-value count), so the walk below cannot leave its arrays; it still checks
 * each position, as a second line of defence against a loader bug. */
#include <string.h>

#include "op.h"
#include "op_util.h"

#define MAX_LEVELS (2 * TFLRT_MAX_DIMS)

typedef struct {
  const tflrt_sparsity* sp;
  int32_t rank;                       /* n: dims of the dense tensor */
  int32_t block_size[TFLRT_MAX_DIMS]; /* per block b (block_map[b] is its dense dim) */
  int64_t stride[TFLRT_MAX_DIMS];     /* dense element strides */
  int64_t dense_count;
  size_t elem_size;
  const uint8_t* values;              /* stored values, in traversal order */
  int64_t n_values, next_value;
  uint8_t* out;
  int32_t coord[MAX_LEVELS];          /* coordinate reached at each level */
  int bad;                            /* set when the metadata would lead out of bounds */
} densify_walk;

/* Dense element offset of the coordinate held in w->coord. */
static int64_t dense_offset(const densify_walk* w) {
  const tflrt_sparsity* sp = w->sp;
  int64_t idx[TFLRT_MAX_DIMS];
  for (int32_t l = 0; l < w->rank; l++) idx[sp->traversal_order[l]] = w->coord[l];
  for (int32_t l = w->rank; l < sp->n_traversal; l++) {
    const int32_t b = sp->traversal_order[l] - w->rank;
    const int32_t d = sp->block_map[b];
    idx[d] = idx[d] * w->block_size[b] + w->coord[l];
  }
  int64_t off = 0;
  for (int32_t d = 0; d < w->rank; d++) off += idx[d] * w->stride[d];
  return off;
}

/* Visits level `level`, reached at position `pos` of the previous level (recursion depth is at
 * most MAX_LEVELS). */
static void walk_level(densify_walk* w, int32_t level, int64_t pos) {
  if (w->bad) return;
  const tflrt_sparsity* sp = w->sp;
  if (level == sp->n_traversal) {
    const int64_t off = dense_offset(w);
    if (w->next_value >= w->n_values || off < 0 || off >= w->dense_count) {
      w->bad = 1;
      return;
    }
    memcpy(w->out + (size_t)off * w->elem_size, w->values + (size_t)w->next_value * w->elem_size, w->elem_size);
    w->next_value++;
    return;
  }
  const struct tflrt_dim_metadata* dm = &sp->dim_metadata[level];
  if (dm->format == 0) { /* DENSE */
    for (int32_t i = 0; i < dm->dense_size && !w->bad; i++) {
      w->coord[level] = i;
      walk_level(w, level + 1, pos * dm->dense_size + i);
    }
    return;
  }
  if (pos < 0 || pos + 1 >= dm->n_segments) {
    w->bad = 1;
    return;
  }
  const int32_t begin = dm->segments[pos], end = dm->segments[pos + 1];
  if (begin < 0 || end > dm->n_indices) {
    w->bad = 1;
    return;
  }
  for (int32_t k = begin; k < end && !w->bad; k++) {
    w->coord[level] = dm->indices[k];
    walk_level(w, level + 1, k);
  }
}

static int densify_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  int rc = tflrt_check_io(ctx, node, 1, 1);
  if (rc) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  const tflrt_sparsity* sp = tflrt_tensor_sparsity(ctx, in);
  if (!tflrt_is_const(in) || sp == NULL)
    return tflrt_op_error(ctx, "the input (tensor %d '%s') must be a sparse constant", (int)in->index, in->name);
  const size_t es = tflrt_type_size(in->type);
  if (es == 0)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "type %s is not supported", tflrt_type_name(in->type));
  if (out->type != in->type)
    return tflrt_op_error(ctx, "output type %s differs from the input type %s", tflrt_type_name(out->type),
                          tflrt_type_name(in->type));
  if (sp->n_traversal != in->ndims + sp->n_block_map || sp->n_traversal > MAX_LEVELS ||
      sp->n_dim_metadata != sp->n_traversal)
    return tflrt_op_error(ctx, "inconsistent sparsity metadata");

  densify_walk w;
  memset(&w, 0, sizeof w);
  w.sp = sp;
  w.rank = in->ndims;
  w.elem_size = es;
  for (int32_t l = in->ndims; l < sp->n_traversal; l++) /* the DENSE level of block b gives its size */
    w.block_size[sp->traversal_order[l] - in->ndims] = sp->dim_metadata[l].dense_size;
  int64_t count = 1;
  for (int32_t d = in->ndims - 1; d >= 0; d--) {
    w.stride[d] = count;
    count *= in->dims[d];
  }
  w.dense_count = count;
  w.values = in->data;
  w.n_values = (int64_t)(in->bytes / es);

  int r = tflrt_set_output_shape(ctx, out, in->ndims, in->dims);
  if (r != TFLRT_OK) return r;
  uint8_t* dense = tflrt_persistent_alloc(ctx, node, out->bytes);
  if (dense == NULL && out->bytes > 0) return TFLRT_ERR_NOMEM;
  w.out = dense; /* zeroed by tflrt_persistent_alloc: every unstored element is 0 */
  if (count > 0) walk_level(&w, 0, 0);
  if (w.bad || w.next_value != w.n_values)
    return tflrt_op_error(ctx, "the sparsity metadata of tensor %d ('%s') does not match its %lld stored values",
                          (int)in->index, in->name, (long long)w.n_values);
  return tflrt_set_output_constant(ctx, node, out, dense);
}

static int densify_eval(tflrt_ctx* ctx, tflrt_node* node) {
  (void)ctx;
  (void)node;
  return TFLRT_OK; /* the output is a constant computed in prepare */
}

const tflrt_op tflrt_op_densify = {
    .name = "DENSIFY", .builtin_code = 124, .min_version = 1, .max_version = 1,
    .data_size = 0, .parse = NULL, .prepare = densify_prepare, .eval = densify_eval,
};
