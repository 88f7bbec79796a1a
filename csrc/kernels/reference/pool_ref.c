/* Reference 2-D pooling kernels (the executable spec; see kernels/pool.h). */
#include <float.h>
#include <math.h>
#include <stddef.h>

#include "../../quant/quant.h"
#include "../pool.h"

static inline float clampf(float v, float lo, float hi) {
  v = v < lo ? lo : v; /* NaN passes through, as in TFLite */
  return v > hi ? hi : v;
}

static inline int32_t clampi(int32_t v, int32_t lo, int32_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

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
  return (((size_t)b * (size_t)h + (size_t)y) * (size_t)w + (size_t)x) * (size_t)p->channels;
}

void tflrt_f32_maxpool2d__ref(const tflrt_pool_params* p, const float* input, float* output,
                              int32_t begin, int32_t end) {
  for (int32_t r = begin; r < end; ++r) {
    const int32_t b = r / p->out_h, oy = r % p->out_h;
    for (int32_t ox = 0; ox < p->out_w; ++ox) {
      const window w = clip_window(p, oy, ox);
      float* dst = output + pixel(p, p->out_h, p->out_w, b, oy, ox);
      for (int32_t c = 0; c < p->channels; ++c) {
        float m = -FLT_MAX;
        for (int32_t y = w.y0; y < w.y1; ++y)
          for (int32_t x = w.x0; x < w.x1; ++x) {
            const float v = input[pixel(p, p->in_h, p->in_w, b, y, x) + (size_t)c];
            if (m < v) m = v;
          }
        dst[c] = clampf(m, p->f32_min, p->f32_max);
      }
    }
  }
}

void tflrt_f32_avgpool2d__ref(const tflrt_pool_params* p, const float* input, float* output,
                              int32_t begin, int32_t end) {
  for (int32_t r = begin; r < end; ++r) {
    const int32_t b = r / p->out_h, oy = r % p->out_h;
    for (int32_t ox = 0; ox < p->out_w; ++ox) {
      const window w = clip_window(p, oy, ox);
      float* dst = output + pixel(p, p->out_h, p->out_w, b, oy, ox);
      for (int32_t c = 0; c < p->channels; ++c) {
        float total = 0.0f, count = 0.0f; /* TFLite counts in float too */
        for (int32_t y = w.y0; y < w.y1; ++y)
          for (int32_t x = w.x0; x < w.x1; ++x) {
            total += input[pixel(p, p->in_h, p->in_w, b, y, x) + (size_t)c];
            count += 1.0f;
          }
        dst[c] = clampf(total / count, p->f32_min, p->f32_max);
      }
    }
  }
}

void tflrt_f32_l2pool2d__ref(const tflrt_pool_params* p, const float* input, float* output,
                             int32_t begin, int32_t end) {
  for (int32_t r = begin; r < end; ++r) {
    const int32_t b = r / p->out_h, oy = r % p->out_h;
    for (int32_t ox = 0; ox < p->out_w; ++ox) {
      const window w = clip_window(p, oy, ox);
      float* dst = output + pixel(p, p->out_h, p->out_w, b, oy, ox);
      for (int32_t c = 0; c < p->channels; ++c) {
        float sum_sq = 0.0f;
        int32_t count = 0;
        for (int32_t y = w.y0; y < w.y1; ++y)
          for (int32_t x = w.x0; x < w.x1; ++x) {
            const float v = input[pixel(p, p->in_h, p->in_w, b, y, x) + (size_t)c];
            sum_sq += v * v;
            ++count;
          }
        dst[c] = clampf(sqrtf(sum_sq / (float)count), p->f32_min, p->f32_max);
      }
    }
  }
}

/* Integer max pool over the input's integer domain; the running maximum starts at the type's
 * lowest value, as in TFLite. */
#define DEFINE_QMAXPOOL(NAME, T, LOWEST)                                                      \
  void NAME(const tflrt_pool_params* p, const T* input, T* output, int32_t begin,            \
            int32_t end) {                                                                    \
    for (int32_t r = begin; r < end; ++r) {                                                   \
      const int32_t b = r / p->out_h, oy = r % p->out_h;                                      \
      for (int32_t ox = 0; ox < p->out_w; ++ox) {                                             \
        const window w = clip_window(p, oy, ox);                                              \
        T* dst = output + pixel(p, p->out_h, p->out_w, b, oy, ox);                            \
        for (int32_t c = 0; c < p->channels; ++c) {                                           \
          int32_t m = (LOWEST);                                                               \
          for (int32_t y = w.y0; y < w.y1; ++y)                                               \
            for (int32_t x = w.x0; x < w.x1; ++x) {                                           \
              const int32_t v = input[pixel(p, p->in_h, p->in_w, b, y, x) + (size_t)c];      \
              if (m < v) m = v;                                                               \
            }                                                                                 \
          dst[c] = (T)clampi(m, p->q_min, p->q_max);                                          \
        }                                                                                     \
      }                                                                                       \
    }                                                                                         \
  }

/* Integer average pool: sum / count rounded half away from zero (C division truncates toward
 * zero). TFLite sums in int32; the sum is formed in 64 bits and wrapped to int32 to reproduce
 * that exactly, overflow included, without undefined behaviour. */
#define DEFINE_QAVGPOOL(NAME, T)                                                              \
  void NAME(const tflrt_pool_params* p, const T* input, T* output, int32_t begin,            \
            int32_t end) {                                                                    \
    for (int32_t r = begin; r < end; ++r) {                                                   \
      const int32_t b = r / p->out_h, oy = r % p->out_h;                                      \
      for (int32_t ox = 0; ox < p->out_w; ++ox) {                                             \
        const window w = clip_window(p, oy, ox);                                              \
        T* dst = output + pixel(p, p->out_h, p->out_w, b, oy, ox);                            \
        for (int32_t c = 0; c < p->channels; ++c) {                                           \
          int64_t sum64 = 0;                                                                  \
          int32_t count = 0;                                                                  \
          for (int32_t y = w.y0; y < w.y1; ++y)                                               \
            for (int32_t x = w.x0; x < w.x1; ++x) {                                           \
              sum64 += input[pixel(p, p->in_h, p->in_w, b, y, x) + (size_t)c];               \
              ++count;                                                                        \
            }                                                                                 \
          const int32_t sum = tflrt_wrap_i32(sum64);                                          \
          const int32_t avg = sum > 0 ? tflrt_wrap_i32((int64_t)sum + count / 2) / count      \
                                      : tflrt_wrap_i32((int64_t)sum - count / 2) / count;     \
          dst[c] = (T)clampi(avg, p->q_min, p->q_max);                                        \
        }                                                                                     \
      }                                                                                       \
    }                                                                                         \
  }

DEFINE_QMAXPOOL(tflrt_qs8_maxpool2d__ref, int8_t, -128)
DEFINE_QMAXPOOL(tflrt_qu8_maxpool2d__ref, uint8_t, 0)
DEFINE_QMAXPOOL(tflrt_qs16_maxpool2d__ref, int16_t, -32768)
DEFINE_QAVGPOOL(tflrt_qs8_avgpool2d__ref, int8_t)
DEFINE_QAVGPOOL(tflrt_qu8_avgpool2d__ref, uint8_t) /* sums >= 0: TFLite's (sum + n/2) / n */
DEFINE_QAVGPOOL(tflrt_qs16_avgpool2d__ref, int16_t)

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
