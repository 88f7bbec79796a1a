/* Reference reduction kernels (see ../reduce.h for the contract). */
#include <float.h>
#include <math.h>
#include <stdint.h>

#include "../../quant/quant.h"
#include "../reduce.h"

/* ---- index spaces ---- */

/* Input offset of the first element combined into output o. */
static int64_t outer_offset(const tflrt_reduce_params* p, int64_t o) {
  int64_t off = 0;
  for (int32_t i = p->n_outer - 1; i >= 0; i--) {
    const int64_t s = p->outer_size[i];
    off += (o % s) * p->outer_stride[i];
    o /= s;
  }
  return off;
}

/* Walks the reduced elements of one output as "rows" of the innermost reduced dimension:
 * row_len elements row_stride apart, rows visited in increasing input order. */
typedef struct {
  const tflrt_reduce_params* p;
  int32_t idx[TFLRT_MAX_DIMS];
  int64_t off;      /* offset of the current row relative to the output's start */
  int64_t rows;     /* number of rows */
  int32_t row_len;
  int64_t row_stride;
} row_walk;

static void walk_init(row_walk* w, const tflrt_reduce_params* p) {
  w->p = p;
  for (int32_t j = 0; j < TFLRT_MAX_DIMS; j++) w->idx[j] = 0;
  w->off = 0;
  if (p->n_inner == 0) {
    w->row_len = 1;
    w->row_stride = 0;
    w->rows = 1;
  } else {
    w->row_len = p->inner_size[p->n_inner - 1];
    w->row_stride = p->inner_stride[p->n_inner - 1];
    w->rows = w->row_len > 0 ? p->inner_count / w->row_len : 0;
  }
}

static void walk_next_row(row_walk* w) {
  const tflrt_reduce_params* p = w->p;
  for (int32_t j = p->n_inner - 2; j >= 0; j--) {
    w->off += p->inner_stride[j];
    if (++w->idx[j] < p->inner_size[j]) return;
    w->off -= p->inner_stride[j] * p->inner_size[j];
    w->idx[j] = 0;
  }
}

/* ---- plain reductions ----
 * One function per element type, written once as a macro: T the element type, UT the unsigned
 * type used for wrapping integer arithmetic (float for floats), LOWEST/HIGHEST the MAX/MIN
 * neutral elements. ACC_MEAN is the MEAN accumulator type and MEAN_RESULT forms the result
 * from the sum and the count (types without MEAN pass a dummy). */

#define ADD_WRAP(T, UT, a, b) ((T)((UT)(a) + (UT)(b)))
#define MUL_WRAP(T, UT, a, b) ((T)((UT)(a) * (UT)(b)))

#define DEFINE_PLAIN_REDUCE(NAME, T, UT, LOWEST, HIGHEST)                                   \
  static T NAME##_combine(int32_t op, T acc, T x) {                                        \
    switch (op) {                                                                          \
      case TFLRT_REDUCE_SUM: return ADD_WRAP(T, UT, acc, x);                               \
      case TFLRT_REDUCE_PROD: return MUL_WRAP(T, UT, acc, x);                              \
      case TFLRT_REDUCE_MAX: return (x > acc) ? x : acc;                                   \
      case TFLRT_REDUCE_MIN: return (x < acc) ? x : acc;                                   \
      case TFLRT_REDUCE_ANY: return (T)((x != 0) || (acc != 0));                           \
      default: return (T)((x != 0) && (acc != 0)); /* ALL */                               \
    }                                                                                      \
  }                                                                                        \
  static T NAME##_neutral(int32_t op) {                                                    \
    switch (op) {                                                                          \
      case TFLRT_REDUCE_PROD: return (T)1;                                                 \
      case TFLRT_REDUCE_MAX: return LOWEST;                                                \
      case TFLRT_REDUCE_MIN: return HIGHEST;                                               \
      case TFLRT_REDUCE_ALL: return (T)1;                                                  \
      default: return (T)0;                                                                \
    }                                                                                      \
  }                                                                                        \
  static T NAME##_one(const tflrt_reduce_params* p, const T* in) {                         \
    row_walk w;                                                                            \
    walk_init(&w, p);                                                                      \
    const int32_t op = p->op;                                                              \
    T acc = NAME##_neutral(op);                                                            \
    int first = p->init_from_first && p->inner_count > 0;                                  \
    for (int64_t r = 0; r < w.rows; r++, walk_next_row(&w)) {                              \
      const T* row = in + w.off;                                                           \
      for (int32_t i = 0; i < w.row_len; i++) {                                            \
        const T x = row[(int64_t)i * w.row_stride];                                        \
        if (first) {                                                                       \
          acc = x;                                                                         \
          first = 0;                                                                       \
        } else {                                                                           \
          acc = NAME##_combine(op, acc, x);                                                \
        }                                                                                  \
      }                                                                                    \
    }                                                                                      \
    return acc;                                                                            \
  }

DEFINE_PLAIN_REDUCE(f32, float, float, -FLT_MAX, FLT_MAX)
DEFINE_PLAIN_REDUCE(s32, int32_t, uint32_t, INT32_MIN, INT32_MAX)
DEFINE_PLAIN_REDUCE(s64, int64_t, uint64_t, INT64_MIN, INT64_MAX)
DEFINE_PLAIN_REDUCE(s16, int16_t, uint16_t, INT16_MIN, INT16_MAX)
DEFINE_PLAIN_REDUCE(s8, int8_t, uint8_t, INT8_MIN, INT8_MAX)
DEFINE_PLAIN_REDUCE(u8, uint8_t, uint8_t, 0, UINT8_MAX)

/* MEAN of floats: float sum in visit order, divided by the count as a float. */
static float f32_mean_one(const tflrt_reduce_params* p, const float* in) {
  if (p->inner_count == 0) return NAN;
  row_walk w;
  walk_init(&w, p);
  float acc = 0.0f;
  for (int64_t r = 0; r < w.rows; r++, walk_next_row(&w)) {
    const float* row = in + w.off;
    for (int32_t i = 0; i < w.row_len; i++) acc += row[(int64_t)i * w.row_stride];
  }
  return acc / (float)p->inner_count;
}

/* MEAN of int32/int64: wrapping int64 sum, truncating division. */
#define DEFINE_INT_MEAN(NAME, T)                                                            \
  static T NAME##_mean_one(const tflrt_reduce_params* p, const T* in) {                    \
    if (p->inner_count == 0) return 0;                                                     \
    row_walk w;                                                                            \
    walk_init(&w, p);                                                                      \
    uint64_t acc = 0;                                                                      \
    for (int64_t r = 0; r < w.rows; r++, walk_next_row(&w)) {                              \
      const T* row = in + w.off;                                                           \
      for (int32_t i = 0; i < w.row_len; i++)                                              \
        acc += (uint64_t)(int64_t)row[(int64_t)i * w.row_stride];                          \
    }                                                                                      \
    const int64_t sum = acc <= (uint64_t)INT64_MAX ? (int64_t)acc                          \
                                                   : -(int64_t)(~acc) - 1;                 \
    return (T)(sum / p->inner_count);                                                      \
  }

DEFINE_INT_MEAN(s32, int32_t)
DEFINE_INT_MEAN(s64, int64_t)

#define DEFINE_PLAIN_KERNEL(NAME, T, WITH_MEAN)                                              \
  static void tflrt_##NAME##_reduce__ref(const tflrt_reduce_params* p, const T* in, T* out, \
                                         int32_t begin, int32_t end) {                      \
    for (int32_t o = begin; o < end; o++) {                                                 \
      const T* base = in + outer_offset(p, o);                                              \
      out[o] = (WITH_MEAN && p->op == TFLRT_REDUCE_MEAN) ? NAME##_mean(p, base)             \
                                                         : NAME##_one(p, base);             \
    }                                                                                       \
  }

/* Types without MEAN route it to the plain reduction (the op never asks). */
#define f32_mean f32_mean_one
#define s32_mean s32_mean_one
#define s64_mean s64_mean_one
#define s16_mean s16_one
#define s8_mean s8_one
#define u8_mean u8_one
DEFINE_PLAIN_KERNEL(f32, float, 1)
DEFINE_PLAIN_KERNEL(s32, int32_t, 1)
DEFINE_PLAIN_KERNEL(s64, int64_t, 1)
DEFINE_PLAIN_KERNEL(s16, int16_t, 0)
DEFINE_PLAIN_KERNEL(s8, int8_t, 0)
DEFINE_PLAIN_KERNEL(u8, uint8_t, 0)

/* bool: bytes 0/1, ANY or ALL (anything else reads as ANY for SUM/MAX and ALL for PROD/MIN,
 * which is what TFLite's bool arithmetic amounts to; the op maps those codes). */
static void tflrt_b8_reduce__ref(const tflrt_reduce_params* p, const uint8_t* in, uint8_t* out,
                                 int32_t begin, int32_t end) {
  const int all = p->op == TFLRT_REDUCE_ALL;
  for (int32_t o = begin; o < end; o++) {
    const uint8_t* base = in + outer_offset(p, o);
    row_walk w;
    walk_init(&w, p);
    int acc = all;
    for (int64_t r = 0; r < w.rows; r++, walk_next_row(&w)) {
      const uint8_t* row = base + w.off;
      for (int32_t i = 0; i < w.row_len; i++) {
        const int x = row[(int64_t)i * w.row_stride] != 0;
        acc = all ? (acc && x) : (acc || x);
      }
    }
    out[o] = (uint8_t)acc;
  }
}

/* ---- quantized MEAN/SUM and PROD ---- */

static int32_t clamp_q(const tflrt_reduce_params* p, int32_t v) {
  return v < p->q_min ? p->q_min : (v > p->q_max ? p->q_max : v);
}

#define DEFINE_QSUM(NAME, T)                                                                \
  static void tflrt_##NAME##_sum__ref(const tflrt_reduce_params* p, const T* in, T* out,   \
                                      int32_t begin, int32_t end) {                         \
    const uint32_t zp_total =                                                               \
        (uint32_t)((uint64_t)(int64_t)p->input_zp * (uint64_t)p->inner_count);              \
    for (int32_t o = begin; o < end; o++) {                                                 \
      if (p->inner_count == 0) {                                                            \
        out[o] = 0;                                                                         \
        continue;                                                                           \
      }                                                                                     \
      const T* base = in + outer_offset(p, o);                                              \
      row_walk w;                                                                           \
      walk_init(&w, p);                                                                     \
      uint32_t acc = 0;                                                                     \
      for (int64_t r = 0; r < w.rows; r++, walk_next_row(&w)) {                             \
        const T* row = base + w.off;                                                        \
        for (int32_t i = 0; i < w.row_len; i++)                                             \
          acc += (uint32_t)(int32_t)row[(int64_t)i * w.row_stride];                         \
      }                                                                                     \
      const int32_t shifted = tflrt_wrap_i32((int64_t)(uint32_t)(acc - zp_total));          \
      const int32_t v =                                                                       \
          tflrt_wrap_i32((int64_t)tflrt_mbqm(shifted, p->mult, p->shift) + p->output_zp);     \
      out[o] = (T)clamp_q(p, v);                                                            \
    }                                                                                       \
  }

DEFINE_QSUM(qs8, int8_t)
DEFINE_QSUM(qu8, uint8_t)
DEFINE_QSUM(qs16, int16_t)

#define DEFINE_QPROD(NAME, T)                                                               \
  static void tflrt_##NAME##_prod__ref(const tflrt_reduce_params* p, const T* in, T* out,  \
                                       int32_t begin, int32_t end) {                        \
    for (int32_t o = begin; o < end; o++) {                                                 \
      if (p->inner_count == 0) {                                                            \
        out[o] = 0;                                                                         \
        continue;                                                                           \
      }                                                                                     \
      const T* base = in + outer_offset(p, o);                                              \
      row_walk w;                                                                           \
      walk_init(&w, p);                                                                     \
      int32_t acc = 0;                                                                      \
      int first = 1;                                                                        \
      for (int64_t r = 0; r < w.rows; r++, walk_next_row(&w)) {                             \
        const T* row = base + w.off;                                                        \
        for (int32_t i = 0; i < w.row_len; i++) {                                           \
          const int32_t x = (int32_t)row[(int64_t)i * w.row_stride] - p->input_zp;          \
          if (first) {                                                                      \
            acc = x;                                                                        \
            first = 0;                                                                      \
          } else {                                                                          \
            acc = tflrt_mbqm64_wrap((int64_t)acc * x, p->mult, p->shift);                        \
          }                                                                                 \
        }                                                                                   \
      }                                                                                     \
      const int32_t v = tflrt_wrap_i32(                                                         \
          (int64_t)tflrt_mbqm64_wrap((int64_t)acc, p->mult, p->shift) + p->output_zp);      \
      out[o] = (T)clamp_q(p, v);                                                            \
    }                                                                                       \
  }

DEFINE_QPROD(qs8, int8_t)
DEFINE_QPROD(qs16, int16_t)

void tflrt_reduce_kernels_ref(tflrt_reduce_kernels* k) {
  k->f32_reduce = tflrt_f32_reduce__ref;
  k->s32_reduce = tflrt_s32_reduce__ref;
  k->s64_reduce = tflrt_s64_reduce__ref;
  k->s16_reduce = tflrt_s16_reduce__ref;
  k->s8_reduce = tflrt_s8_reduce__ref;
  k->u8_reduce = tflrt_u8_reduce__ref;
  k->b8_reduce = tflrt_b8_reduce__ref;
  k->qs8_sum = tflrt_qs8_sum__ref;
  k->qu8_sum = tflrt_qu8_sum__ref;
  k->qs16_sum = tflrt_qs16_sum__ref;
  k->qs8_prod = tflrt_qs8_prod__ref;
  k->qs16_prod = tflrt_qs16_prod__ref;
}
