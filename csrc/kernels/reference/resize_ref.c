/* Reference resize kernels (see ../resize.h for the contract). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../resize.h"

/* ---- bilinear, float coordinates ---- */

typedef struct {
  float src;
  int32_t lo, hi;
} axis_pos;

static axis_pos float_pos(int32_t v, float scale, int half_pixel, int32_t in_size) {
  axis_pos r;
  r.src = half_pixel ? ((float)v + 0.5f) * scale - 0.5f : (float)v * scale;
  const int32_t fl = (int32_t)floorf(r.src);
  const int32_t ce = (int32_t)ceilf(r.src);
  r.lo = fl > 0 ? fl : 0;
  r.hi = ce < in_size - 1 ? ce : in_size - 1;
  return r;
}

#define DEFINE_FLOAT_BILINEAR(NAME, T, ROUND_OFFSET)                                          \
  static void NAME(const tflrt_resize_params* p, const T* in, T* out, int32_t begin,          \
                   int32_t end) {                                                             \
    const int64_t c = p->channels;                                                            \
    const int64_t in_row = (int64_t)p->in_w * c, in_img = (int64_t)p->in_h * in_row;          \
    for (int32_t r = begin; r < end; r++) {                                                   \
      const int32_t b = r / p->out_h, y = r % p->out_h;                                       \
      const axis_pos py = float_pos(y, p->scale_h, p->half_pixel_centers, p->in_h);           \
      const float dy = py.src - (float)py.lo;                                                 \
      const T* row0 = in + b * in_img + py.lo * in_row;                                       \
      const T* row1 = in + b * in_img + py.hi * in_row;                                       \
      T* o = out + ((int64_t)b * p->out_h + y) * p->out_w * c;                                \
      for (int32_t x = 0; x < p->out_w; x++) {                                                \
        const axis_pos px = float_pos(x, p->scale_w, p->half_pixel_centers, p->in_w);         \
        const float dx = px.src - (float)px.lo;                                               \
        const T* a = row0 + px.lo * c;                                                        \
        const T* bb = row1 + px.lo * c;                                                       \
        const T* cc = row0 + px.hi * c;                                                       \
        const T* d = row1 + px.hi * c;                                                        \
        for (int64_t ch = 0; ch < c; ch++) {                                                  \
          const float v = (float)a[ch] * (1.0f - dy) * (1.0f - dx) +                          \
                          (float)bb[ch] * dy * (1.0f - dx) + (float)cc[ch] * (1.0f - dy) * dx + \
                          (float)d[ch] * dy * dx + (ROUND_OFFSET);                            \
          o[x * c + ch] = (T)v;                                                               \
        }                                                                                     \
      }                                                                                       \
    }                                                                                         \
  }

DEFINE_FLOAT_BILINEAR(tflrt_f32_bilinear__ref, float, 0.0f)
DEFINE_FLOAT_BILINEAR(tflrt_qu8_bilinear__ref, uint8_t, 0.5f)

/* ---- bilinear, 10-bit fixed-point coordinates ---- */

typedef struct {
  int32_t src10, lo, hi;
} axis_pos10;

static axis_pos10 fixed_pos(int32_t v, int32_t scale10, int half_pixel, int32_t in_size) {
  axis_pos10 r;
  r.src10 = half_pixel ? v * scale10 + scale10 / 2 - (1 << 9) : v * scale10;
  const int32_t lo = r.src10 / (1 << 10);
  const int32_t hi = (r.src10 + (1 << 10) - 1) / (1 << 10);
  r.lo = lo > 0 ? lo : 0;
  r.hi = hi < in_size - 1 ? hi : in_size - 1;
  return r;
}

#define DEFINE_INT_BILINEAR(NAME, T)                                                          \
  static void NAME(const tflrt_resize_params* p, const T* in, T* out, int32_t begin,          \
                   int32_t end) {                                                             \
    const int64_t c = p->channels;                                                            \
    const int64_t in_row = (int64_t)p->in_w * c, in_img = (int64_t)p->in_h * in_row;          \
    for (int32_t r = begin; r < end; r++) {                                                   \
      const int32_t b = r / p->out_h, y = r % p->out_h;                                       \
      const axis_pos10 py = fixed_pos(y, p->scale10_h, p->half_pixel_centers, p->in_h);       \
      const int64_t wy1 = py.src10 - (1 << 10) * py.lo; /* weight of row hi */                \
      const int64_t wy0 = (1 << 10) - wy1;              /* weight of row lo */                \
      const T* row0 = in + b * in_img + py.lo * in_row;                                       \
      const T* row1 = in + b * in_img + py.hi * in_row;                                       \
      T* o = out + ((int64_t)b * p->out_h + y) * p->out_w * c;                                \
      for (int32_t x = 0; x < p->out_w; x++) {                                                \
        const axis_pos10 px = fixed_pos(x, p->scale10_w, p->half_pixel_centers, p->in_w);     \
        const int64_t wx1 = px.src10 - (1 << 10) * px.lo;                                     \
        const int64_t wx0 = (1 << 10) - wx1;                                                  \
        const T* a = row0 + px.lo * c;                                                        \
        const T* bb = row1 + px.lo * c;                                                       \
        const T* cc = row0 + px.hi * c;                                                       \
        const T* d = row1 + px.hi * c;                                                        \
        for (int64_t ch = 0; ch < c; ch++) {                                                  \
          const int64_t s = (int64_t)a[ch] * wy0 * wx0 + (int64_t)bb[ch] * wy1 * wx0 +        \
                            (int64_t)cc[ch] * wy0 * wx1 + (int64_t)d[ch] * wy1 * wx1;         \
          const int64_t rnd = s > 0 ? (1 << 19) : -(1 << 19);                                 \
          o[x * c + ch] = (T)((s + rnd) / (1 << 20));                                         \
        }                                                                                     \
      }                                                                                       \
    }                                                                                         \
  }

DEFINE_INT_BILINEAR(tflrt_qs8_bilinear__ref, int8_t)
DEFINE_INT_BILINEAR(tflrt_qs16_bilinear__ref, int16_t)

/* ---- nearest neighbour ---- */

static int32_t nearest_index(int32_t v, float scale, int align, int half_pixel, int32_t in_size) {
  const float src = ((float)v + (half_pixel ? 0.5f : 0.0f)) * scale;
  int32_t idx = align ? (int32_t)roundf(src) : (int32_t)floorf(src);
  if (idx > in_size - 1) idx = in_size - 1;
  if (half_pixel && idx < 0) idx = 0;
  return idx;
}

static void nearest(const tflrt_resize_params* p, const uint8_t* in, uint8_t* out, size_t esize,
                    int32_t begin, int32_t end) {
  const size_t pixel = (size_t)p->channels * esize;
  const size_t in_row = (size_t)p->in_w * pixel, in_img = (size_t)p->in_h * in_row;
  for (int32_t r = begin; r < end; r++) {
    const int32_t b = r / p->out_h, y = r % p->out_h;
    const int32_t iy =
        nearest_index(y, p->scale_h, p->align_corners, p->half_pixel_centers, p->in_h);
    const uint8_t* row = in + (size_t)b * in_img + (size_t)iy * in_row;
    uint8_t* o = out + ((size_t)b * (size_t)p->out_h + (size_t)y) * (size_t)p->out_w * pixel;
    for (int32_t x = 0; x < p->out_w; x++) {
      const int32_t ix =
          nearest_index(x, p->scale_w, p->align_corners, p->half_pixel_centers, p->in_w);
      memcpy(o + (size_t)x * pixel, row + (size_t)ix * pixel, pixel);
    }
  }
}

static void tflrt_x8_nearest__ref(const tflrt_resize_params* p, const void* in, void* out,
                                  int32_t begin, int32_t end) {
  nearest(p, in, out, 1, begin, end);
}
static void tflrt_x16_nearest__ref(const tflrt_resize_params* p, const void* in, void* out,
                                   int32_t begin, int32_t end) {
  nearest(p, in, out, 2, begin, end);
}
static void tflrt_x32_nearest__ref(const tflrt_resize_params* p, const void* in, void* out,
                                   int32_t begin, int32_t end) {
  nearest(p, in, out, 4, begin, end);
}

void tflrt_resize_kernels_ref(tflrt_resize_kernels* k) {
  k->f32_bilinear = tflrt_f32_bilinear__ref;
  k->qu8_bilinear = tflrt_qu8_bilinear__ref;
  k->qs8_bilinear = tflrt_qs8_bilinear__ref;
  k->qs16_bilinear = tflrt_qs16_bilinear__ref;
  k->x8_nearest = tflrt_x8_nearest__ref;
  k->x16_nearest = tflrt_x16_nearest__ref;
  k->x32_nearest = tflrt_x32_nearest__ref;
}
