/* HASHTABLE_LOOKUP: rows of `values` found by binary search of int32 keys.
 *
 * TFLite semantics (tflite/kernels/hashtable_lookup.cc): lookup int32 [n], keys int32 [k]
 * (sorted ascending), values [k, ...] of any type; outputs: [n, ...] of values' type (the row
 * of the matching key, zeros when there is none) and hits uint8 [n] (1 found, 0 not). TFLite
 * searches with bsearch and a comparator that subtracts the keys; the search below takes the
 * same steps with the same (wrapping) comparison, so a duplicate or unsorted key table gives
 * the same rows. String values are not supported here. */
#include <string.h>

#include "op.h"
#include "op_util.h"

static int lookup_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  int rc = tflrt_check_io(ctx, node, 3, 2);
  if (rc) return rc;
  const tflrt_tensor* lookup = tflrt_in(ctx, node, 0);
  const tflrt_tensor* keys = tflrt_in(ctx, node, 1);
  const tflrt_tensor* values = tflrt_in(ctx, node, 2);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  tflrt_tensor* hits = tflrt_out(ctx, node, 1);
  if (lookup->type != TFLRT_INT32 || lookup->ndims != 1 || keys->type != TFLRT_INT32 || keys->ndims != 1)
    return tflrt_op_error(ctx, "lookup and keys must be int32 vectors");
  if (tflrt_type_size(values->type) == 0)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "values of type %s are not supported",
                         tflrt_type_name(values->type));
  if (values->ndims < 1 || values->dims[0] != keys->dims[0])
    return tflrt_op_error(ctx, "values must have one row per key");
  if (keys->dims[0] == 0) return tflrt_op_error(ctx, "the key table is empty");
  if (out->type != values->type || hits->type != TFLRT_UINT8)
    return tflrt_op_error(ctx, "outputs must be of the values' type and uint8");
  int32_t dims[TFLRT_MAX_DIMS];
  memcpy(dims, values->dims, sizeof(int32_t) * (size_t)values->ndims);
  dims[0] = lookup->dims[0];
  int r = tflrt_set_output_shape(ctx, out, values->ndims, dims);
  return r ? r : tflrt_set_output_shape(ctx, hits, 1, lookup->dims);
}

static int32_t i32_at(const tflrt_tensor* t, int32_t i) {
  int32_t v;
  memcpy(&v, (const uint8_t*)t->data + 4 * (size_t)i, 4);
  return v;
}

static int lookup_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const tflrt_tensor* lookup = tflrt_in(ctx, node, 0);
  const tflrt_tensor* keys = tflrt_in(ctx, node, 1);
  const tflrt_tensor* values = tflrt_in(ctx, node, 2);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  uint8_t* hits = tflrt_out(ctx, node, 1)->data;
  const int32_t k = keys->dims[0];
  const size_t row = values->bytes / (size_t)k;
  for (int32_t i = 0; i < lookup->dims[0]; i++) {
    const int32_t key = i32_at(lookup, i);
    int32_t lo = 0, hi = k, found = -1;
    while (lo < hi) {
      const int32_t mid = (lo + hi) / 2;
      const int32_t cmp = (int32_t)((uint32_t)key - (uint32_t)i32_at(keys, mid));
      if (cmp < 0) {
        hi = mid;
      } else if (cmp > 0) {
        lo = mid + 1;
      } else {
        found = mid;
        break;
      }
    }
    uint8_t* dst = (uint8_t*)out->data + (size_t)i * row;
    if (found < 0) {
      memset(dst, 0, row);
      hits[i] = 0;
    } else {
      memcpy(dst, (const uint8_t*)values->data + (size_t)found * row, row);
      hits[i] = 1;
    }
  }
  return TFLRT_OK;
}

const tflrt_op tflrt_op_hashtable_lookup = {
    .name = "HASHTABLE_LOOKUP", .builtin_code = 10, .min_version = 1, .max_version = 1,
    .data_size = 0, .parse = NULL, .prepare = lookup_prepare, .eval = lookup_eval,
};
