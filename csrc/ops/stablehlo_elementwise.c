/* STABLEHLO_ADD, STABLEHLO_MULTIPLY, STABLEHLO_MAXIMUM, STABLEHLO_MINIMUM, STABLEHLO_AND.
 *
 * TFLite semantics (tflite/kernels/stablehlo_elementwise.{h,cc}): two inputs of one type and
 * one shape (no broadcasting), output of that shape; element-wise a + b, a * b, std::max,
 * std::min, and a & b (integers) / a && b (bool; floats refused). Types: float32, float64,
 * int8..int64, uint8..uint64, bool (float16 is not supported here). Integer arithmetic wraps;
 * bool + is "or", bool * is "and". std::max(a, b) keeps a unless a < b (NaN handling follows). */
#include <string.h>

#include "op.h"
#include "op_util.h"

enum { HLO_ADD, HLO_MUL, HLO_MAX, HLO_MIN, HLO_AND };

typedef struct {
  int kind;
} hlo_data;

static int type_ok(int32_t t, int kind) {
  switch (t) {
    case TFLRT_FLOAT32:
    case TFLRT_FLOAT64:
      return kind != HLO_AND;
    case TFLRT_INT8: case TFLRT_INT16: case TFLRT_INT32: case TFLRT_INT64:
    case TFLRT_UINT8: case TFLRT_UINT16: case TFLRT_UINT32: case TFLRT_UINT64: case TFLRT_BOOL:
      return 1;
    default:
      return 0;
  }
}

static int hlo_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  const hlo_data* d = node->data;
  int rc = tflrt_check_io(ctx, node, 2, 1);
  if (rc) return rc;
  const tflrt_tensor* a = tflrt_in(ctx, node, 0);
  const tflrt_tensor* b = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (!type_ok(a->type, d->kind))
    return tflrt_op_fail(ctx, TFLRT_ERR_UNSUPPORTED, "type %s is not supported", tflrt_type_name(a->type));
  if (b->type != a->type || out->type != a->type) return tflrt_op_error(ctx, "inputs and output must have one type");
  if (!tflrt_same_shape(a, b)) return tflrt_op_error(ctx, "both inputs must have the same shape");
  return tflrt_set_output_shape(ctx, out, a->ndims, a->dims);
}

/* Integers as unsigned 64-bit patterns: add/mul/and wrap identically for every width once the
 * result is truncated; max/min need the signed or unsigned order. */
static uint64_t load_u(const uint8_t* p, size_t es) {
  uint64_t v = 0;
  memcpy(&v, p, es); /* little-endian */
  return v;
}

static int64_t load_s(const uint8_t* p, size_t es) {
  const uint64_t u = load_u(p, es);
  const unsigned shift = (unsigned)(64 - 8 * es);
  return (int64_t)(u << shift) >> shift;
}

static int hlo_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const hlo_data* d = node->data;
  const tflrt_tensor* a = tflrt_in(ctx, node, 0);
  const tflrt_tensor* b = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  const int64_t n = tflrt_num_elements(a);
  const size_t es = tflrt_type_size(a->type);
  const uint8_t *pa = a->data, *pb = b->data;
  uint8_t* po = out->data;
  for (int64_t i = 0; i < n; i++) {
    const size_t o = (size_t)i * es;
    if (a->type == TFLRT_FLOAT32) {
      float x, y, z;
      memcpy(&x, pa + o, 4);
      memcpy(&y, pb + o, 4);
      z = d->kind == HLO_ADD ? x + y : d->kind == HLO_MUL ? x * y : d->kind == HLO_MAX ? (x < y ? y : x) : (y < x ? y : x);
      memcpy(po + o, &z, 4);
    } else if (a->type == TFLRT_FLOAT64) {
      double x, y, z;
      memcpy(&x, pa + o, 8);
      memcpy(&y, pb + o, 8);
      z = d->kind == HLO_ADD ? x + y : d->kind == HLO_MUL ? x * y : d->kind == HLO_MAX ? (x < y ? y : x) : (y < x ? y : x);
      memcpy(po + o, &z, 8);
    } else if (a->type == TFLRT_BOOL) {
      const int x = pa[o] != 0, y = pb[o] != 0;
      po[o] = (uint8_t)(d->kind == HLO_ADD || d->kind == HLO_MAX ? (x || y) : (x && y));
    } else {
      const int is_signed = a->type == TFLRT_INT8 || a->type == TFLRT_INT16 || a->type == TFLRT_INT32 ||
                            a->type == TFLRT_INT64;
      const uint64_t x = load_u(pa + o, es), y = load_u(pb + o, es);
      uint64_t z;
      if (d->kind == HLO_ADD) {
        z = x + y;
      } else if (d->kind == HLO_MUL) {
        z = x * y;
      } else if (d->kind == HLO_AND) {
        z = x & y;
      } else {
        const int x_less = is_signed ? load_s(pa + o, es) < load_s(pb + o, es) : x < y;
        const int y_less = is_signed ? load_s(pb + o, es) < load_s(pa + o, es) : y < x;
        z = d->kind == HLO_MAX ? (x_less ? y : x) : (y_less ? y : x);
      }
      memcpy(po + o, &z, es);
    }
  }
  return TFLRT_OK;
}

static int set_kind(tflrt_node* node, int kind) {
  ((hlo_data*)node->data)->kind = kind;
  return TFLRT_OK;
}
static int parse_add(tflrt_ctx* ctx, tflrt_node* node) { (void)ctx; return set_kind(node, HLO_ADD); }
static int parse_mul(tflrt_ctx* ctx, tflrt_node* node) { (void)ctx; return set_kind(node, HLO_MUL); }
static int parse_max(tflrt_ctx* ctx, tflrt_node* node) { (void)ctx; return set_kind(node, HLO_MAX); }
static int parse_min(tflrt_ctx* ctx, tflrt_node* node) { (void)ctx; return set_kind(node, HLO_MIN); }
static int parse_and(tflrt_ctx* ctx, tflrt_node* node) { (void)ctx; return set_kind(node, HLO_AND); }

#define HLO_OP(var, opname, code, parse_fn)                                                                  \
  const tflrt_op var = {.name = opname, .builtin_code = code, .min_version = 1, .max_version = 1,            \
                        .data_size = sizeof(hlo_data), .parse = parse_fn, .prepare = hlo_prepare, .eval = hlo_eval}

HLO_OP(tflrt_op_stablehlo_add, "STABLEHLO_ADD", 163, parse_add);
HLO_OP(tflrt_op_stablehlo_multiply, "STABLEHLO_MULTIPLY", 165, parse_mul);
HLO_OP(tflrt_op_stablehlo_maximum, "STABLEHLO_MAXIMUM", 166, parse_max);
HLO_OP(tflrt_op_stablehlo_minimum, "STABLEHLO_MINIMUM", 181, parse_min);
HLO_OP(tflrt_op_stablehlo_and, "STABLEHLO_AND", 176, parse_and);
