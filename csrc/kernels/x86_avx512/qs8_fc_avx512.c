/* int8 FULLY_CONNECTED for AVX-512BW (per-tensor and per-channel weights, any zero points):
 * 4 output units at a time, 32 products per _mm512_madd_epi16.
 *
 * Exactness. x + input_offset and w + filter_offset are formed in int16 (both within
 * [-255, 255]), so every product is at most 255 * 255 < 2^16 and each madd pair sum
 * < 2^17: no saturation. Lanes past in_features are zeroed after the offsets are added.
 * Accumulation is int32 (wrapping, as the reference's uint32 accumulator). Requantization is
 * fc_ref.c's: round(acc * out_scale[c]) in double with round half away from zero, saturated to
 * int32, plus the output offset, clamped; here 8 lanes at a time (qs8_fc_requant8). */
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#include "../simd_tmpl/qs8_slots.h"

TFLRT_QS8_DECLARE_FC(avx512)

/* out[i] = clamp(round(acc[i] * scale[i]) + off, qmin, qmax) for n <= 8 lanes, exactly as
 * fc_ref.c: acc -> double is exact; the product is the same IEEE double multiply; round half
 * away from zero is trunc(v) + (|v - trunc(v)| >= 0.5 ? sign(v) : 0), where v - trunc(v) is
 * exact; clamping the (integral) double to [qmin - off, qmax - off] before adding off equals
 * the reference's saturate-then-clamp for every v; NaN (impossible for finite scales) -> 0. */
static inline void qs8_fc_requant8(const int32_t* acc, const double* scale, int32_t n, int32_t off,
                                   int32_t qmin, int32_t qmax, int8_t* out) {
  const __mmask8 m = (__mmask8)((1u << n) - 1u);
  const __m512d v = _mm512_mul_pd(_mm512_cvtepi32_pd(_mm256_maskz_loadu_epi32(m, acc)),
                                  _mm512_maskz_loadu_pd(m, scale));
  const __m512d t = _mm512_roundscale_pd(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m512d frac = _mm512_abs_pd(_mm512_sub_pd(v, t));
  const __mmask8 away = _mm512_cmp_pd_mask(frac, _mm512_set1_pd(0.5), _CMP_GE_OQ);
  const __m512d one = _mm512_or_pd(_mm512_set1_pd(1.0),
                                   _mm512_and_pd(v, _mm512_set1_pd(-0.0))); /* copysign(1, v) */
  __m512d r = _mm512_mask_add_pd(t, away, t, one);
  r = _mm512_max_pd(r, _mm512_set1_pd((double)qmin - (double)off));
  r = _mm512_min_pd(r, _mm512_set1_pd((double)qmax - (double)off));
  const __mmask8 nan = _mm512_cmp_pd_mask(v, v, _CMP_UNORD_Q);
  __m256i q = _mm512_cvttpd_epi32(r);
  q = _mm256_add_epi32(q, _mm256_set1_epi32(off));
  if (nan) { /* reference: NaN -> 0, then + off, clamped */
    const int32_t z = off < qmin ? qmin : (off > qmax ? qmax : off);
    q = _mm256_mask_mov_epi32(q, nan, _mm256_set1_epi32(z));
  }
  _mm_mask_storeu_epi8(out, m, _mm256_cvtepi32_epi8(q));
}

static inline int32_t hsum(__m512i v) { return _mm512_reduce_add_epi32(v); }

void tflrt_qs8_fc__avx512(const tflrt_fc_params* p, const int8_t* input, const int8_t* weights,
                          const int32_t* bias, int8_t* output, int32_t r0, int32_t r1, int32_t c0,
                          int32_t c1) {
  const size_t K = (size_t)p->in_features, N = (size_t)p->out_features;
  const __m512i xoff = _mm512_set1_epi16((int16_t)p->input_offset);
  const __m512i woff = _mm512_set1_epi16((int16_t)p->filter_offset);
  const size_t kfull = K / 32 * 32;
  const __mmask32 ktail = (__mmask32)((1ull << (K - kfull)) - 1u);
  int32_t acc[8];
  for (int32_t c8 = c0; c8 < c1; c8 += 8) {
    const int32_t nc = c1 - c8 < 8 ? c1 - c8 : 8;
    for (int32_t b = r0; b < r1; b++) {
      const int8_t* x = input + (size_t)b * K;
      for (int32_t j = 0; j < nc; j += 4) {
        const int32_t nj = nc - j < 4 ? nc - j : 4;
        const int8_t* w0 = weights + (size_t)(c8 + j) * K;
        const int8_t* w1 = nj > 1 ? w0 + K : w0;
        const int8_t* w2 = nj > 2 ? w0 + 2 * K : w0;
        const int8_t* w3 = nj > 3 ? w0 + 3 * K : w0;
        __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
        size_t k = 0;
#define WV(ptr) _mm512_add_epi16(_mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i*)(const void*)((ptr) + k))), woff)
        for (; k < kfull; k += 32) {
          const __m512i xv = _mm512_add_epi16(
              _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i*)(const void*)(x + k))), xoff);
          a0 = _mm512_add_epi32(a0, _mm512_madd_epi16(xv, WV(w0)));
          a1 = _mm512_add_epi32(a1, _mm512_madd_epi16(xv, WV(w1)));
          a2 = _mm512_add_epi32(a2, _mm512_madd_epi16(xv, WV(w2)));
          a3 = _mm512_add_epi32(a3, _mm512_madd_epi16(xv, WV(w3)));
        }
#undef WV
        if (ktail) {
#define WT(ptr) _mm512_add_epi16(_mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(ktail, (ptr) + k)), woff)
          /* lanes past K: x lane zeroed after the offset, so their products vanish */
          const __m512i xv = _mm512_maskz_add_epi16(
              ktail, _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(ktail, x + k)), xoff);
          a0 = _mm512_add_epi32(a0, _mm512_madd_epi16(xv, WT(w0)));
          a1 = _mm512_add_epi32(a1, _mm512_madd_epi16(xv, WT(w1)));
          a2 = _mm512_add_epi32(a2, _mm512_madd_epi16(xv, WT(w2)));
          a3 = _mm512_add_epi32(a3, _mm512_madd_epi16(xv, WT(w3)));
#undef WT
        }
        const int32_t s[4] = {hsum(a0), hsum(a1), hsum(a2), hsum(a3)};
        for (int32_t i = 0; i < nj; i++)
          acc[j + i] = (int32_t)((uint32_t)s[i] + (bias ? (uint32_t)bias[c8 + j + i] : 0u));
      }
      qs8_fc_requant8(acc, p->out_scale + c8, nc, p->output_offset, p->q_min, p->q_max,
                      output + (size_t)b * N + (size_t)c8);
    }
  }
}
