/* Bit-level ops: BITWISE_XOR, RIGHT_SHIFT (both broadcasting) and BITCAST.
 *
 * TFLite semantics (tflite/kernels/bitwise_xor.cc, right_shift.cc, bitcast.cc):
 *   BITWISE_XOR  x ^ y; int8/uint8/int16/uint16/int32/uint32, both inputs and the output of one
 *                type; numpy broadcasting (TFLite's slow path is limited to rank 4, this one is
 *                not).
 *   RIGHT_SHIFT  x >> y with y clamped to [0, bits - 1]; signed types shift arithmetically
 *                (sign-filling, as TFLite's compilers do); same types and broadcasting as XOR.
 *   BITCAST      the same bytes under another element type: equal sizes keep the shape, a
 *                larger input type appends a dimension of size_in / size_out, a smaller one
 *                requires the last dimension to be size_out / size_in and drops it. */
#include <string.h>

#include "broadcast.h"
#include "op.h"
#include "op_util.h"

enum { BIT_XOR, BIT_RSHIFT };

typedef struct {
  int kind;
  tflrt_bcast plan;
} bitwise_data;

static int int_type_ok(int32_t t) {
  return t == TFLRT_INT8 || t == TFLRT_UINT8 || t == TFLRT_INT16 || t == TFLRT_UINT16 || t == TFLRT_INT32 ||
         t == TFLRT_UINT32;
}

static int bitwise_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  bitwise_data* d = node->data;
  int rc = tflrt_check_io(ctx, node, 2, 1);
  if (rc) return rc;
  const tflrt_tensor* in[2] = {tflrt_in(ctx, node, 0), tflrt_in(ctx, node, 1)};
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (!int_type_ok(in[0]->type))
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "type %s is not supported (8/16/32-bit integers)",
                         tflrt_type_name(in[0]->type));
  if (in[1]->type != in[0]->type || out->type != in[0]->type)
    return tflrt_op_error(ctx, "both inputs and the output must have one type");
  int32_t nd, dims[TFLRT_MAX_DIMS];
  int r = tflrt_broadcast_shape(ctx, 2, in, TFLRT_MAX_DIMS, &nd, dims);
  if (r) return r;
  tflrt_bcast_init(&d->plan, 2, in, nd, dims);
  return tflrt_set_output_shape(ctx, out, nd, dims);
}

typedef struct {
  int kind;
  int32_t type;
  const uint8_t *a, *b;
  uint8_t* out;
  int inc_a, inc_b;
} bitwise_run;

/* One element of type `type`: read x, y at (a, b); write op(x, y) at out. */
static void apply(const bitwise_run* w, const uint8_t* a, const uint8_t* b, uint8_t* out) {
  switch (w->type) {
    case TFLRT_INT8:
    case TFLRT_UINT8: {
      const uint8_t x = *a, y = *b;
      if (w->kind == BIT_XOR) {
        *out = x ^ y;
      } else if (w->type == TFLRT_INT8) {
        const int8_t sx = (int8_t)x, sy = (int8_t)y;
        *out = (uint8_t)(int8_t)(sx >> (sy < 0 ? 0 : sy > 7 ? 7 : sy));
      } else {
        *out = (uint8_t)(x >> (y > 7 ? 7 : y));
      }
      break;
    }
    case TFLRT_INT16:
    case TFLRT_UINT16: {
      uint16_t x, y, z;
      memcpy(&x, a, 2);
      memcpy(&y, b, 2);
      if (w->kind == BIT_XOR) {
        z = x ^ y;
      } else if (w->type == TFLRT_INT16) {
        const int16_t sx = (int16_t)x, sy = (int16_t)y;
        z = (uint16_t)(int16_t)(sx >> (sy < 0 ? 0 : sy > 15 ? 15 : sy));
      } else {
        z = (uint16_t)(x >> (y > 15 ? 15 : y));
      }
      memcpy(out, &z, 2);
      break;
    }
    default: {
      uint32_t x, y, z;
      memcpy(&x, a, 4);
      memcpy(&y, b, 4);
      if (w->kind == BIT_XOR) {
        z = x ^ y;
      } else if (w->type == TFLRT_INT32) {
        const int32_t sx = (int32_t)x, sy = (int32_t)y;
        z = (uint32_t)(sx >> (sy < 0 ? 0 : sy > 31 ? 31 : sy));
      } else {
        z = x >> (y > 31 ? 31 : y);
      }
      memcpy(out, &z, 4);
      break;
    }
  }
}

static void bitwise_segment(void* arg, const int64_t* offs, int64_t out_off, int64_t n) {
  const bitwise_run* w = arg;
  const size_t es = tflrt_type_size(w->type);
  const uint8_t* a = w->a + (size_t)offs[0] * es;
  const uint8_t* b = w->b + (size_t)offs[1] * es;
  uint8_t* o = w->out + (size_t)out_off * es;
  for (int64_t i = 0; i < n; i++)
    apply(w, a + (w->inc_a ? (size_t)i * es : 0), b + (w->inc_b ? (size_t)i * es : 0), o + (size_t)i * es);
}

static int bitwise_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const bitwise_data* d = node->data;
  if (d->plan.count == 0) return TFLRT_OK;
  const tflrt_tensor* x = tflrt_in(ctx, node, 0);
  const tflrt_tensor* y = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  bitwise_run w = {d->kind, x->type, x->data, y->data, out->data, tflrt_bcast_inner_inc(&d->plan, 0),
                   tflrt_bcast_inner_inc(&d->plan, 1)};
  tflrt_bcast_split s;
  tflrt_bcast_split_init(&d->plan, 1, &s);
  tflrt_bcast_for_tasks(&d->plan, &s, 0, s.n_tasks, bitwise_segment, &w);
  return TFLRT_OK;
}

static int parse_xor(tflrt_ctx* ctx, tflrt_node* node) {
  (void)ctx;
  ((bitwise_data*)node->data)->kind = BIT_XOR;
  return TFLRT_OK;
}
static int parse_rshift(tflrt_ctx* ctx, tflrt_node* node) {
  (void)ctx;
  ((bitwise_data*)node->data)->kind = BIT_RSHIFT;
  return TFLRT_OK;
}

/* ---- BITCAST ---- */

static int bitcast_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  int rc = tflrt_check_io(ctx, node, 1, 1);
  if (rc) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  const size_t si = tflrt_type_size(in->type), so = tflrt_type_size(out->type);
  if (si == 0 || so == 0)
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "cannot bitcast %s to %s", tflrt_type_name(in->type),
                         tflrt_type_name(out->type));
  int32_t nd = in->ndims, dims[TFLRT_MAX_DIMS];
  memcpy(dims, in->dims, sizeof(int32_t) * (size_t)nd);
  if (si > so) {
    if (nd >= TFLRT_MAX_DIMS) return tflrt_op_error(ctx, "the output would have rank %d", (int)nd + 1);
    dims[nd++] = (int32_t)(si / so);
  } else if (si < so) {
    if (nd < 1 || in->dims[nd - 1] != (int32_t)(so / si))
      return tflrt_op_error(ctx, "bitcasting %s to %s needs a last dimension of %d", tflrt_type_name(in->type),
                            tflrt_type_name(out->type), (int)(so / si));
    nd--;
  }
  return tflrt_set_output_shape(ctx, out, nd, dims);
}

static int bitcast_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (out->data != in->data && in->bytes) memcpy(out->data, in->data, in->bytes < out->bytes ? in->bytes : out->bytes);
  return TFLRT_OK;
}

const tflrt_op tflrt_op_bitwise_xor = {
    .name = "BITWISE_XOR", .builtin_code = 160, .min_version = 1, .max_version = 1,
    .data_size = sizeof(bitwise_data), .parse = parse_xor, .prepare = bitwise_prepare, .eval = bitwise_eval,
};
const tflrt_op tflrt_op_right_shift = {
    .name = "RIGHT_SHIFT", .builtin_code = 161, .min_version = 1, .max_version = 1,
    .data_size = sizeof(bitwise_data), .parse = parse_rshift, .prepare = bitwise_prepare, .eval = bitwise_eval,
};
const tflrt_op tflrt_op_bitcast = {
    .name = "BITCAST", .builtin_code = 159, .min_version = 1, .max_version = 1,
    .data_size = 0, .parse = NULL, .prepare = bitcast_prepare, .eval = bitcast_eval,
};
