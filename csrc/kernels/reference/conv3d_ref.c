/* Reference 3-D convolution (see ../conv3d.h for the contract). */
#include <stdint.h>

#include "../conv3d.h"
#include "ref_common.h"

static void tflrt_f32_conv3d__ref(const tflrt_conv3d_params* p, const float* input,
                                  const float* filter, const float* bias, float* output,
                                  int32_t begin, int32_t end) {
  const int64_t in_row = (int64_t)p->in_w * p->in_c;
  const int64_t in_plane = (int64_t)p->in_h * in_row;
  const int64_t in_vol = (int64_t)p->in_d * in_plane;
  const int64_t f_tap = (int64_t)p->in_c * p->out_c;
  for (int32_t r = begin; r < end; r++) {
    const int32_t oy = r % p->out_h;
    const int32_t oz = (r / p->out_h) % p->out_d;
    const int32_t b = r / p->out_h / p->out_d;
    const float* in_b = input + (int64_t)b * in_vol;
    float* o = output + (int64_t)r * p->out_w * p->out_c;
    for (int32_t ox = 0; ox < p->out_w; ox++) {
      for (int32_t oc = 0; oc < p->out_c; oc++) {
        float total = 0.0f;
        for (int32_t fz = 0; fz < p->filter_d; fz++) {
          const int32_t iz = oz * p->stride_d - p->pad_d + fz * p->dilation_d;
          if (iz < 0 || iz >= p->in_d) continue;
          for (int32_t fy = 0; fy < p->filter_h; fy++) {
            const int32_t iy = oy * p->stride_h - p->pad_h + fy * p->dilation_h;
            if (iy < 0 || iy >= p->in_h) continue;
            for (int32_t fx = 0; fx < p->filter_w; fx++) {
              const int32_t ix = ox * p->stride_w - p->pad_w + fx * p->dilation_w;
              if (ix < 0 || ix >= p->in_w) continue;
              const float* xv = in_b + iz * in_plane + iy * in_row + (int64_t)ix * p->in_c;
              const float* wv =
                  filter + (((int64_t)fz * p->filter_h + fy) * p->filter_w + fx) * f_tap + oc;
              for (int32_t ic = 0; ic < p->in_c; ic++)
                total += xv[ic] * wv[(int64_t)ic * p->out_c];
            }
          }
        }
        o[(int64_t)ox * p->out_c + oc] =
            ref_clampf(total + (bias ? bias[oc] : 0.0f), p->f32_min, p->f32_max);
      }
    }
  }
}

void tflrt_conv3d_kernels_ref(tflrt_conv3d_kernels* k) { k->f32_conv3d = tflrt_f32_conv3d__ref; }
