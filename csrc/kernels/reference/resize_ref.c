/* Reference resize kernels (see ../resize.h for the contract). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../resize.h"

/* ---- bilinear ---- */

/* Where output index v falls along one axis: between the input indices lo and hi, with the weight
 * of hi given as frac (float coordinates) or w_hi out of 1024 (10-bit fixed point, w_lo the
 * weight of lo). */
typedef struct {
  int32_t lo, hi;
  float frac;
  int64_t w_lo, w_hi;
} axis_pos;

static axis_pos float_pos(int32_t v, float scale, int half_pixel, int32_t in_size) {
  axis_pos r = {0};
  const float src = half_pixel ? ((float)v + 0.5f) * scale - 0.5f : (float)v * scale;
  const int32_t fl = (int32_t)floorf(src);
  const int32_t ce = (int32_t)ceilf(src);
  r.lo = fl > 0 ? fl : 0;
  r.hi = ce < in_size - 1 ? ce : in_size - 1;
  r.frac = src - (float)r.lo;
  return r;
}

static axis_pos fixed_pos(int32_t v, int32_t scale10, int half_pixel, int32_t in_size) {
  axis_pos r = {0};
  const int32_t src10 = half_pixel ? v * scale10 + scale10 / 2 - (1 << 9) : v * scale10;
  const int32_t lo = src10 / (1 << 10);
  const int32_t hi = (src10 + (1 << 10) - 1) / (1 << 10);
  r.lo = lo > 0 ? lo : 0;
  r.hi = hi < in_size - 1 ? hi : in_size - 1;
  r.w_hi = src10 - (1 << 10) * r.lo;
  r.w_lo = (1 << 10) - r.w_hi;
  return r;
}

/* Float arithmetic (f32, and uint8 values): evaluated left to right in float. */
static inline float blend_float(float a, float b, float c, float d, const axis_pos* y, const axis_pos* x) {
  const float dy = y->frac, dx = x->frac;
  return a * (1.0f - dy) * (1.0f - dx) + b * dy * (1.0f - dx) + c * (1.0f - dy) * dx + d * dy * dx;
}

/* Integer only (int8, int16): the 20-bit weighted sum divided by 2^20, rounding half away from
 * zero. */
static inline int64_t blend_fixed(int64_t a, int64_t b, int64_t c, int64_t d, const axis_pos* y,
                                  const axis_pos* x) {
  const int64_t s = a * y->w_lo * x->w_lo + b * y->w_hi * x->w_lo + c * y->w_lo * x->w_hi + d * y->w_hi * x->w_hi;
  const int64_t rnd = s > 0 ? (1 << 19) : -(1 << 19);
  return (s + rnd) / (1 << 20);
}

/* A bilinear kernel NAME over elements of type T: POS places each output row and column (with the
 * params' scales SCALE_H and SCALE_W), BLEND mixes the (lo,lo), (hi,lo), (lo,hi), (hi,hi)
 * neighbours (y first), ROUND is added before the conversion to T (which truncates). */
#define DEFINE_BILINEAR(NAME, T, POS, SCALE_H, SCALE_W, BLEND, ROUND)                   \
  static void NAME(const tflrt_resize_params* p, const T* in, T* out, int32_t begin,    \
                   int32_t end) {                                                       \
    const int64_t c = p->channels;                                                      \
    const int64_t in_row = (int64_t)p->in_w * c, in_img = (int64_t)p->in_h * in_row;    \
    for (int32_t r = begin; r < end; r++) {                                             \
      const int32_t b = r / p->out_h, y = r % p->out_h;                                 \
      const axis_pos py = POS(y, p->SCALE_H, p->half_pixel_centers, p->in_h);           \
      const T* row0 = in + b * in_img + py.lo * in_row;                                 \
      const T* row1 = in + b * in_img + py.hi * in_row;                                 \
      T* o = out + ((int64_t)b * p->out_h + y) * p->out_w * c;                          \
      for (int32_t x = 0; x < p->out_w; x++) {                                          \
        const axis_pos px = POS(x, p->SCALE_W, p->half_pixel_centers, p->in_w);         \
        const T* a = row0 + px.lo * c;                                                  \
        const T* bb = row1 + px.lo * c;                                                 \
        const T* cc = row0 + px.hi * c;                                                 \
        const T* d = row1 + px.hi * c;                                                  \
        for (int64_t ch = 0; ch < c; ch++)                                              \
          o[x * c + ch] = (T)(BLEND(a[ch], bb[ch], cc[ch], d[ch], &py, &px) + (ROUND)); \
      }                                                                                 \
    }                                                                                   \
  }

DEFINE_BILINEAR(tflrt_f32_bilinear__ref, float, float_pos, scale_h, scale_w, blend_float, 0.0f)
DEFINE_BILINEAR(tflrt_qu8_bilinear__ref, uint8_t, float_pos, scale_h, scale_w, blend_float, 0.5f)
DEFINE_BILINEAR(tflrt_qs8_bilinear__ref, int8_t, fixed_pos, scale10_h, scale10_w, blend_fixed, 0)
DEFINE_BILINEAR(tflrt_qs16_bilinear__ref, int16_t, fixed_pos, scale10_h, scale10_w, blend_fixed, 0)

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
