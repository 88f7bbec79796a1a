/* Checks and readers shared by the op implementations (on top of op.h's services).
 *
 * Node shape:   tflrt_check_io / tflrt_check_arity (input and output counts, required tensors
 *               present), tflrt_check_same_type, tflrt_check_same_quant.
 * Int tensors:  tflrt_check_int_type, tflrt_check_data (the data holds n elements),
 *               tflrt_int_at (element i of an int8/16/32/64 tensor), tflrt_read_ints (a short
 *               int32/int64 vector such as perm, multiples, axes, dims).
 * Outputs:      tflrt_fit_output_shape (prepare, or eval of a dynamic output, sets the shape;
 *               eval of a planned output checks the shape is unchanged).
 * Every failure goes through tflrt_op_error / tflrt_op_fail, so the message names the node;
 * `what` names the tensor's role ("perm", "begin", ...). */
#ifndef TFLITE_RT_OPS_OP_UTIL_H
#define TFLITE_RT_OPS_OP_UTIL_H

#include <stdint.h>
#include <string.h>

#include "op.h"

/* Between min_in and max_in (INT32_MAX: no limit) inputs, the first min_in present, and n_out
 * outputs, all present.
 * roles (may be NULL) names the inputs in the messages: "lhs, rhs" gives "expected 2 input(s)
 * (lhs, rhs) and ..." and "input 1 (rhs) is missing". */
int tflrt_check_arity(tflrt_ctx* ctx, const tflrt_node* node, int32_t min_in, int32_t max_in, int32_t n_out,
                      const char* roles);

/* Exactly n_in inputs and n_out outputs, all present. */
static inline int tflrt_check_io(tflrt_ctx* ctx, const tflrt_node* node, int32_t n_in, int32_t n_out) {
  return tflrt_check_arity(ctx, node, n_in, n_in, n_out, NULL);
}

/* Sets of TensorTypes as bit masks (every TensorType value is below 32). */
#define TFLRT_TYPE_BIT(t) (1u << (t))
static inline int tflrt_type_in(int32_t type, uint32_t set) { return type >= 0 && type < 32 && ((set >> type) & 1u); }
/* UNSUPPORTED "<what> type <T> is not supported" (what NULL: "type <T> ...") unless type is in set. */
int tflrt_check_type_in(tflrt_ctx* ctx, int32_t type, uint32_t set, const char* what);

/* in's type has a fixed element size (else UNSUPPORTED) and out has the same type. */
int tflrt_check_same_type(tflrt_ctx* ctx, const tflrt_tensor* in, const tflrt_tensor* out);

/* The ops that move or rearrange the elements of input 0: min_in..max_in inputs (the first
 * min_in present), one output, and tflrt_check_same_type(input 0, output). */
int tflrt_check_move_io(tflrt_ctx* ctx, const tflrt_node* node, int32_t min_in, int32_t max_in);

/* For 8/16-bit data that is only moved: input and output share scale and zero point, and
 * int16 has zero point 0. Other types pass. */
int tflrt_check_same_quant(tflrt_ctx* ctx, const tflrt_tensor* in, const tflrt_tensor* out);

/* t is INT32 or INT64 ("<what> must be INT32 or INT64, got <type>"). */
int tflrt_check_int_type(tflrt_ctx* ctx, const tflrt_tensor* t, const char* what);

/* t's data holds at least n elements of its type ("<what> has no data" otherwise). Call before
 * reading values with tflrt_int_at. */
int tflrt_check_data(tflrt_ctx* ctx, const tflrt_tensor* t, int64_t n, const char* what);

/* One INT32/INT64 value (a tensor of exactly one element, such as an axis): type, count and data
 * are checked; *v receives it. */
int tflrt_read_scalar_int(tflrt_ctx* ctx, const tflrt_tensor* t, const char* what, int64_t* v);

/* An axis of a rank-`rank` tensor, negative counting from the end, into [0, rank). */
int tflrt_normalize_axis(tflrt_ctx* ctx, int64_t axis, int32_t rank, int32_t* out);

/* Element i of an INT8, INT16, INT32 or INT64 tensor (any other type is read as INT64); the
 * data must hold it (tflrt_check_data). */
static inline int64_t tflrt_int_at(const tflrt_tensor* t, int64_t i) {
  const uint8_t* p = (const uint8_t*)t->data;
  switch (t->type) {
    case TFLRT_INT8:
      return ((const int8_t*)p)[i];
    case TFLRT_INT16: {
      int16_t v;
      memcpy(&v, p + 2 * (size_t)i, 2);
      return v;
    }
    case TFLRT_INT32: {
      int32_t v;
      memcpy(&v, p + 4 * (size_t)i, 4);
      return v;
    }
    default: {
      int64_t v;
      memcpy(&v, p + 8 * (size_t)i, 8);
      return v;
    }
  }
}

/* Stores v as element i of INT16, INT32 or INT64 (any other type) data, truncating like a cast. */
static inline void tflrt_set_int_at(void* data, int32_t type, int64_t i, int64_t v) {
  uint8_t* p = (uint8_t*)data;
  if (type == TFLRT_INT16) {
    const int16_t x = (int16_t)v;
    memcpy(p + 2 * (size_t)i, &x, 2);
  } else if (type == TFLRT_INT32) {
    const int32_t x = (int32_t)v;
    memcpy(p + 4 * (size_t)i, &x, 4);
  } else {
    memcpy(p + 8 * (size_t)i, &v, 8);
  }
}

/* An INT32/INT64 vector (or, with allow_scalar, a scalar) of at most max entries; *n receives
 * its length (1 for a scalar). With vals, its values are read into vals (max entries of room)
 * after checking the data holds them. */
int tflrt_read_ints(tflrt_ctx* ctx, const tflrt_tensor* t, const char* what, int allow_scalar, int32_t max, int32_t* n,
                    int64_t* vals);

/* The TensorType field 0 of the node's options when they are the table `options_type` (named
 * `table` in the error for malformed options); *type = -1 when absent. Parse only. */
int tflrt_parse_type_option(tflrt_ctx* ctx, const tflrt_node* node, uint8_t options_type, const char* table,
                            int32_t* type);

/* An index output: INT32 or INT64 and, when the option `option` says which (opt_type >= 0),
 * that type. */
int tflrt_check_index_output(tflrt_ctx* ctx, const tflrt_tensor* out, int32_t opt_type, const char* option);

/* A shape vector: tflrt_read_ints (no scalar, max <= TFLRT_MAX_DIMS entries) whose entries must
 * be valid dimensions (0 to INT32_MAX), read into dims. */
int tflrt_read_dims(tflrt_ctx* ctx, const tflrt_tensor* t, const char* what, int32_t max, int32_t* n, int32_t* dims);

/* Gives out the shape (ndims, dims) during prepare and, during eval, when out is dynamic;
 * otherwise (eval of a planned output) fails unless out already has exactly that shape. */
int tflrt_fit_output_shape(tflrt_ctx* ctx, tflrt_tensor* out, int32_t ndims, const int32_t* dims);

/* Output shapes computed from input values (RESHAPE-like ops: SLICE's begin/size, TRANSPOSE's
 * perm, PAD's paddings, ...). make(ctx, node, &ndims, &dims) reads and checks the values, stores
 * what eval needs in node->data and returns the shape of output 0 (dims may point into
 * node->data). */
typedef int (*tflrt_plan_fn)(tflrt_ctx* ctx, tflrt_node* node, int32_t* ndims, const int32_t** dims);
/* Prepare: with values_known (the inputs that decide the plan are constant) plans now and shapes
 * output 0; otherwise makes output 0 dynamic. */
int tflrt_plan_prepare(tflrt_ctx* ctx, tflrt_node* node, int values_known, tflrt_plan_fn make);
/* Eval: when output 0 is dynamic, plans again from the current values and shapes it. */
int tflrt_plan_eval(tflrt_ctx* ctx, tflrt_node* node, tflrt_plan_fn make);

/* Runs fn(arg, begin, end) over the blocks [0, ceil(n / block)) of an n-element job, split
 * across threads by tflrt_parallel_for (a single block runs on the calling thread). Fails when
 * there are more than INT32_MAX blocks. */
int tflrt_parallel_blocks(tflrt_ctx* ctx, int64_t n, int64_t block, tflrt_range_fn fn, void* arg);

/* Per-channel quantization parameters of q (q->nq > 1) applied along axis q->qdim of a tensor
 * of `shape`'s dims: the axis must exist there with q->nq entries. *channels = q->nq, *inner =
 * the element count after the axis. `what` names q in the error ("input", "output"). */
int tflrt_per_channel_layout(tflrt_ctx* ctx, const tflrt_tensor* q, const tflrt_tensor* shape, const char* what,
                             int32_t* channels, int64_t* inner);

/* Copies n elements of es bytes from src, stepping `step` bytes (possibly 0 or negative), to
 * the contiguous dst. */
static inline void tflrt_copy_run(uint8_t* dst, const uint8_t* src, int64_t n, int64_t step, size_t es) {
  if (step == (int64_t)es) {
    memcpy(dst, src, (size_t)n * es);
    return;
  }
  switch (es) {
    case 1:
      for (int64_t j = 0; j < n; j++) dst[j] = src[j * step];
      break;
    case 2:
      for (int64_t j = 0; j < n; j++) memcpy(dst + 2 * j, src + j * step, 2);
      break;
    case 4:
      for (int64_t j = 0; j < n; j++) memcpy(dst + 4 * j, src + j * step, 4);
      break;
    case 8:
      for (int64_t j = 0; j < n; j++) memcpy(dst + 8 * j, src + j * step, 8);
      break;
    default:
      for (int64_t j = 0; j < n; j++) memcpy(dst + (size_t)j * es, src + j * step, es);
      break;
  }
}

/* TFLite's CheckedLog2: *log2_rounded = round(log2(x)) computed in float, and whether x is a
 * power of two within 1e-3 in the exponent. */
int tflrt_checked_log2(float x, int* log2_rounded);

/* Hybrid (dynamic-range) ops: quantizes rows [begin, end) of n floats (row r at x + r * n) to
 * int8 at q + r * n, with one scale sf[r] and, asymmetric, zero point zp[r] (else 0) per row, as
 * TFLite's hybrid kernels do. */
static inline void tflrt_quantize_rows(const tflrt_conv_kernels* ck, int asymmetric, const float* x, size_t n,
                                       int32_t begin, int32_t end, int8_t* q, float* sf, int32_t* zp) {
  for (int32_t r = begin; r < end; r++) {
    const size_t off = (size_t)r * n;
    if (asymmetric) {
      ck->f32_to_qd8_asym(x + off, n, q + off, &sf[r], &zp[r]);
    } else {
      ck->f32_to_qd8_sym(x + off, n, q + off, &sf[r]);
      zp[r] = 0;
    }
  }
}

/* Row-major strides of dims in units of `unit` (bytes: the element size; elements: 1). */
static inline void tflrt_strides(int32_t rank, const int32_t* dims, int64_t unit, int64_t* strides) {
  for (int32_t i = rank - 1; i >= 0; i--) {
    strides[i] = unit;
    unit *= dims[i];
  }
}

#endif
