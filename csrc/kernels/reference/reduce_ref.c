/* Reference reduction kernels (see ../reduce.h for the contract). */
#include <float.h>
#include <math.h>
#include <stdint.h>

#include "../../quant/quant.h"
#include "../reduce.h"
#include "ref_common.h"

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

/* Visits the reduced elements of one output in increasing input order (the last reduced
 * dimension fastest): w.off is the current element's offset from the output's first element.
 *   for (inner_walk w = inner_first(p); w.left > 0; inner_next(&w)) ... in[w.off] ... */
typedef struct {
  const tflrt_reduce_params* p;
  int32_t idx[TFLRT_MAX_DIMS];
  int64_t off;
  int64_t left; /* elements still to visit, the current one included */
} inner_walk;

static inline inner_walk inner_first(const tflrt_reduce_params* p) {
  inner_walk w;
  w.p = p;
  for (int32_t j = 0; j < TFLRT_MAX_DIMS; j++) w.idx[j] = 0;
  w.off = 0;
  w.left = p->n_inner == 0 ? 1 : p->inner_count;
  return w;
}

static inline void inner_next(inner_walk* w) {
  const tflrt_reduce_params* p = w->p;
  w->left--;
  for (int32_t j = p->n_inner - 1; j >= 0; j--) {
    w->off += p->inner_stride[j];
    if (++w->idx[j] < p->inner_size[j]) return;
    w->off -= p->inner_stride[j] * p->inner_size[j];
    w->idx[j] = 0;
  }
}

#define FOR_EACH_REDUCED(w) for (inner_walk w = inner_first(p); w.left > 0; inner_next(&w))

/* A kernel tflrt_NAME__ref: out[o] = VALUE for every output o of [begin, end), where `base`
 * points at the output's first input element. */
#define DEFINE_REDUCE_KERNEL(NAME, T, VALUE)                                         \
  static void tflrt_##NAME##__ref(const tflrt_reduce_params* p, const T* in, T* out, \
                                  int32_t begin, int32_t end) {                      \
    for (int32_t o = begin; o < end; o++) {                                          \
      const T* base = in + outer_offset(p, o);                                       \
      out[o] = (VALUE);                                                              \
    }                                                                                \
  }

/* ---- plain reductions ----
 * One function per element type, written once as a macro: T the element type, UT the unsigned
 * type used for wrapping integer arithmetic (float for floats), LOWEST/HIGHEST the MAX/MIN
 * neutral elements. */

#define ADD_WRAP(T, UT, a, b) ((T)((UT)(a) + (UT)(b)))
#define MUL_WRAP(T, UT, a, b) ((T)((UT)(a) * (UT)(b)))

#define DEFINE_PLAIN_REDUCE(NAME, T, UT, LOWEST, HIGHEST)          \
  static T NAME##_combine(int32_t op, T acc, T x) {                \
    switch (op) {                                                  \
      case TFLRT_REDUCE_SUM: return ADD_WRAP(T, UT, acc, x);       \
      case TFLRT_REDUCE_PROD: return MUL_WRAP(T, UT, acc, x);      \
      case TFLRT_REDUCE_MAX: return (x > acc) ? x : acc;           \
      case TFLRT_REDUCE_MIN: return (x < acc) ? x : acc;           \
      case TFLRT_REDUCE_ANY: return (T)((x != 0) || (acc != 0));   \
      default: return (T)((x != 0) && (acc != 0)); /* ALL */       \
    }                                                              \
  }                                                                \
  static T NAME##_neutral(int32_t op) {                            \
    switch (op) {                                                  \
      case TFLRT_REDUCE_PROD: return (T)1;                         \
      case TFLRT_REDUCE_MAX: return LOWEST;                        \
      case TFLRT_REDUCE_MIN: return HIGHEST;                       \
      case TFLRT_REDUCE_ALL: return (T)1;                          \
      default: return (T)0;                                        \
    }                                                              \
  }                                                                \
  static T NAME##_one(const tflrt_reduce_params* p, const T* in) { \
    const int32_t op = p->op;                                      \
    T acc = NAME##_neutral(op);                                    \
    int first = p->init_from_first && p->inner_count > 0;          \
    FOR_EACH_REDUCED(w) {                                          \
      const T x = in[w.off];                                       \
      if (first) {                                                 \
        acc = x;                                                   \
        first = 0;                                                 \
      } else {                                                     \
        acc = NAME##_combine(op, acc, x);                          \
      }                                                            \
    }                                                              \
    return acc;                                                    \
  }

DEFINE_PLAIN_REDUCE(f32, float, float, -FLT_MAX, FLT_MAX)
DEFINE_PLAIN_REDUCE(s32, int32_t, uint32_t, INT32_MIN, INT32_MAX)
DEFINE_PLAIN_REDUCE(s64, int64_t, uint64_t, INT64_MIN, INT64_MAX)
DEFINE_PLAIN_REDUCE(s16, int16_t, uint16_t, INT16_MIN, INT16_MAX)
DEFINE_PLAIN_REDUCE(s8, int8_t, uint8_t, INT8_MIN, INT8_MAX)
DEFINE_PLAIN_REDUCE(u8, uint8_t, uint8_t, 0, UINT8_MAX)

/* MEAN of floats: float sum in visit order, divided by the count as a float. */
static float f32_mean(const tflrt_reduce_params* p, const float* in) {
  if (p->inner_count == 0) return NAN;
  float acc = 0.0f;
  FOR_EACH_REDUCED(w) acc += in[w.off];
  return acc / (float)p->inner_count;
}

/* MEAN of int32/int64: wrapping int64 sum, truncating division. */
#define DEFINE_INT_MEAN(NAME, T)                                           \
  static T NAME##_mean(const tflrt_reduce_params* p, const T* in) {        \
    if (p->inner_count == 0) return 0;                                     \
    uint64_t acc = 0;                                                      \
    FOR_EACH_REDUCED(w) acc += (uint64_t)(int64_t)in[w.off];               \
    const int64_t sum = acc <= (uint64_t)INT64_MAX ? (int64_t)acc          \
                                                   : -(int64_t)(~acc) - 1; \
    return (T)(sum / p->inner_count);                                      \
  }

DEFINE_INT_MEAN(s32, int32_t)
DEFINE_INT_MEAN(s64, int64_t)

/* MEAN exists for f32, s32 and s64 only (the op never asks the others). */
#define WITH_MEAN(NAME) (p->op == TFLRT_REDUCE_MEAN ? NAME##_mean(p, base) : NAME##_one(p, base))
DEFINE_REDUCE_KERNEL(f32_reduce, float, WITH_MEAN(f32))
DEFINE_REDUCE_KERNEL(s32_reduce, int32_t, WITH_MEAN(s32))
DEFINE_REDUCE_KERNEL(s64_reduce, int64_t, WITH_MEAN(s64))
DEFINE_REDUCE_KERNEL(s16_reduce, int16_t, s16_one(p, base))
DEFINE_REDUCE_KERNEL(s8_reduce, int8_t, s8_one(p, base))
DEFINE_REDUCE_KERNEL(u8_reduce, uint8_t, u8_one(p, base))

/* bool: bytes 0/1, ANY or ALL (anything else reads as ANY for SUM/MAX and ALL for PROD/MIN,
 * which is what TFLite's bool arithmetic amounts to; the op maps those codes). */
static uint8_t b8_one(const tflrt_reduce_params* p, const uint8_t* in) {
  const int all = p->op == TFLRT_REDUCE_ALL;
  int acc = all;
  FOR_EACH_REDUCED(w) {
    const int x = in[w.off] != 0;
    acc = all ? (acc && x) : (acc || x);
  }
  return (uint8_t)acc;
}
DEFINE_REDUCE_KERNEL(b8_reduce, uint8_t, b8_one(p, base))

/* ---- quantized MEAN/SUM and PROD (an empty reduction gives 0) ---- */

#define DEFINE_QSUM(NAME, T)                                                             \
  static int32_t NAME##_sum_one(const tflrt_reduce_params* p, const T* in) {             \
    const uint32_t zp_total =                                                            \
        (uint32_t)((uint64_t)(int64_t)p->input_zp * (uint64_t)p->inner_count);           \
    uint32_t acc = 0;                                                                    \
    FOR_EACH_REDUCED(w) acc += (uint32_t)(int32_t)in[w.off];                             \
    const int32_t shifted = tflrt_wrap_i32((int64_t)(uint32_t)(acc - zp_total));         \
    return ref_requantize(shifted, p->mult, p->shift, p->output_zp, p->q_min, p->q_max); \
  }                                                                                      \
  DEFINE_REDUCE_KERNEL(NAME##_sum, T, p->inner_count == 0 ? 0 : (T)NAME##_sum_one(p, base))

DEFINE_QSUM(qs8, int8_t)
DEFINE_QSUM(qu8, uint8_t)
DEFINE_QSUM(qs16, int16_t)

#define DEFINE_QPROD(NAME, T)                                                        \
  static int32_t NAME##_prod_one(const tflrt_reduce_params* p, const T* in) {        \
    int32_t acc = 0;                                                                 \
    int first = 1;                                                                   \
    FOR_EACH_REDUCED(w) {                                                            \
      const int32_t x = (int32_t)in[w.off] - p->input_zp;                            \
      if (first) {                                                                   \
        acc = x;                                                                     \
        first = 0;                                                                   \
      } else {                                                                       \
        acc = tflrt_mbqm64_wrap((int64_t)acc * x, p->mult, p->shift);                \
      }                                                                              \
    }                                                                                \
    const int32_t v = tflrt_wrap_i32(                                                \
        (int64_t)tflrt_mbqm64_wrap((int64_t)acc, p->mult, p->shift) + p->output_zp); \
    return ref_clampi(v, p->q_min, p->q_max);                                        \
  }                                                                                  \
  DEFINE_REDUCE_KERNEL(NAME##_prod, T, p->inner_count == 0 ? 0 : (T)NAME##_prod_one(p, base))

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
