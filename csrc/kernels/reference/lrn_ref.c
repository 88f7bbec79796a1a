/* Reference local response normalization (see ../lrn.h for the contract). */
#include <math.h>
#include <stdint.h>

#include "../lrn.h"

static void tflrt_f32_lrn__ref(const tflrt_lrn_params* p, const float* in, float* out,
                               int32_t begin, int32_t end) {
  const int64_t depth = p->depth;
  for (int32_t r = begin; r < end; r++) {
    const float* x = in + (int64_t)r * depth;
    float* y = out + (int64_t)r * depth;
    for (int64_t c = 0; c < depth; c++) {
      const int64_t lo = c - p->radius > 0 ? c - p->radius : 0;
      const int64_t hi = c + p->radius < depth ? c + p->radius : depth;
      float sum = 0.0f;
      for (int64_t i = lo; i < hi; i++) sum += x[i] * x[i];
      y[c] = x[c] * powf(p->bias + p->alpha * sum, -p->beta);
    }
  }
}

void tflrt_lrn_kernels_ref(tflrt_lrn_kernels* k) { k->f32_lrn = tflrt_f32_lrn__ref; }
