/* Reference 2-D pooling kernels (the executable spec; see kernels/pool.h). */
#include <float.h>
#include <math.h>
#include <stddef.h>

#include "../pool.h"
#include "ref_common.h"

/* The input window of one output pixel, clipped to the input: rows [y0, y1), cols [x0, x1). */
typedef struct {
  int32_t y0, y1, x0, x1;
} window;

static inline window clip_window(const tflrt_pool_params* p, int32_t oy, int32_t ox) {
  const int32_t iy = oy * p->stride_h - p->pad_h, ix = ox * p->stride_w - p->pad_w;
  window w;
  w.y0 = iy < 0 ? 0 : iy;
  w.y1 = iy + p->filter_h < p->in_h ? iy + p->filter_h : p->in_h;
  w.x0 = ix < 0 ? 0 : ix;
  w.x1 = ix + p->filter_w < p->in_w ? ix + p->filter_w : p->in_w;
  return w;
}

/* Element offset of pixel (b, y, x), channel 0, in an [*, h, w, channels] tensor. */
static inline size_t pixel(const tflrt_pool_params* p, int32_t h, int32_t w, int32_t b, int32_t y,
                           int32_t x) {
  return ref_offset4(h, w, p->channels, b, y, x, 0);
}

/* A pooling kernel NAME over elements of type T. For every output value, an accumulator `acc`
 * of type T_ACC starts at INIT and a counter `count` of type T_COUNT at 0; for each value v of
 * the clipped window (rows, then columns) acc = STEP and count += 1; the output is RESULT. */
#define DEFINE_POOL(NAME, T, T_ACC, INIT, STEP, T_COUNT, RESULT)                  \
  void NAME(const tflrt_pool_params* p, const T* input, T* output, int32_t begin, \
            int32_t end) {                                                        \
    for (int32_t r = begin; r < end; ++r) {                                       \
      const int32_t b = r / p->out_h, oy = r % p->out_h;                          \
      for (int32_t ox = 0; ox < p->out_w; ++ox) {                                 \
        const window w = clip_window(p, oy, ox);                                  \
        T* dst = output + pixel(p, p->out_h, p->out_w, b, oy, ox);                \
        for (int32_t c = 0; c < p->channels; ++c) {                               \
          T_ACC acc = (INIT);                                                     \
          T_COUNT count = 0;                                                      \
          for (int32_t y = w.y0; y < w.y1; ++y)                                   \
            for (int32_t x = w.x0; x < w.x1; ++x) {                               \
              const T v = input[pixel(p, p->in_h, p->in_w, b, y, x) + (size_t)c]; \
              acc = (STEP);                                                       \
              count += 1;                                                         \
            }                                                                     \
          (void)count;                                                            \
          dst[c] = (RESULT);                                                      \
        }                                                                         \
      }                                                                           \
    }                                                                             \
  }

/* MAX_POOL_2D: the running maximum (m < v), from the type's lowest value as in TFLite (float:
 * -FLT_MAX), so NaNs never replace a value. */
#define MAX_STEP (acc < v ? v : acc)
DEFINE_POOL(tflrt_f32_maxpool2d__ref, float, float, -FLT_MAX, MAX_STEP, int32_t,
            ref_clampf(acc, p->f32_min, p->f32_max))
DEFINE_POOL(tflrt_qs8_maxpool2d__ref, int8_t, int32_t, -128, MAX_STEP, int32_t,
            (int8_t)ref_clampi(acc, p->q_min, p->q_max))
DEFINE_POOL(tflrt_qu8_maxpool2d__ref, uint8_t, int32_t, 0, MAX_STEP, int32_t,
            (uint8_t)ref_clampi(acc, p->q_min, p->q_max))
DEFINE_POOL(tflrt_qs16_maxpool2d__ref, int16_t, int32_t, -32768, MAX_STEP, int32_t,
            (int16_t)ref_clampi(acc, p->q_min, p->q_max))

/* AVERAGE_POOL_2D, float: the float sum divided by the count (TFLite counts in float too). */
DEFINE_POOL(tflrt_f32_avgpool2d__ref, float, float, 0.0f, acc + v, float,
            ref_clampf(acc / count, p->f32_min, p->f32_max))

/* L2_POOL_2D: sqrt of the mean square. */
DEFINE_POOL(tflrt_f32_l2pool2d__ref, float, float, 0.0f, acc + v * v, int32_t,
            ref_clampf(sqrtf(acc / (float)count), p->f32_min, p->f32_max))

/* Integer AVERAGE_POOL_2D: sum / count rounded half away from zero (C division truncates
 * toward zero; uint8 sums are >= 0, which gives TFLite's (sum + n/2) / n). TFLite sums in int32;
 * the sum is formed in 64 bits and wrapped to int32 to reproduce that exactly, overflow
 * included, without undefined behaviour. */
static inline int32_t rounded_average(int64_t sum64, int32_t count) {
  const int32_t sum = tflrt_wrap_i32(sum64);
  return sum > 0 ? tflrt_wrap_i32((int64_t)sum + count / 2) / count
                 : tflrt_wrap_i32((int64_t)sum - count / 2) / count;
}
#define AVG_RESULT(T) (T) ref_clampi(rounded_average(acc, count), p->q_min, p->q_max)
DEFINE_POOL(tflrt_qs8_avgpool2d__ref, int8_t, int64_t, 0, acc + v, int32_t, AVG_RESULT(int8_t))
DEFINE_POOL(tflrt_qu8_avgpool2d__ref, uint8_t, int64_t, 0, acc + v, int32_t, AVG_RESULT(uint8_t))
DEFINE_POOL(tflrt_qs16_avgpool2d__ref, int16_t, int64_t, 0, acc + v, int32_t, AVG_RESULT(int16_t))

void tflrt_pool_kernels_ref(tflrt_pool_kernels* k) {
  k->f32_maxpool2d = tflrt_f32_maxpool2d__ref;
  k->f32_avgpool2d = tflrt_f32_avgpool2d__ref;
  k->f32_l2pool2d = tflrt_f32_l2pool2d__ref;
  k->qs8_maxpool2d = tflrt_qs8_maxpool2d__ref;
  k->qs8_avgpool2d = tflrt_qs8_avgpool2d__ref;
  k->qu8_maxpool2d = tflrt_qu8_maxpool2d__ref;
  k->qu8_avgpool2d = tflrt_qu8_avgpool2d__ref;
  k->qs16_maxpool2d = tflrt_qs16_maxpool2d__ref;
  k->qs16_avgpool2d = tflrt_qs16_avgpool2d__ref;
}
