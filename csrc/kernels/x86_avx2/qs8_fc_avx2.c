/* int8 FULLY_CONNECTED for AVX2 (per-tensor and per-channel weights, any zero points):
 * 4 output units at a time, 16 products per _mm256_madd_epi16.
 *
 * Exactness. x + input_offset and w + filter_offset are formed in int16 (both within
 * [-255, 255]), so products are < 2^16 and each madd pair sum < 2^17: no saturation. The
 * in_features tail (< 16) is summed in scalar int32. Accumulation wraps modulo 2^32 like the
 * reference's uint32 accumulator. Requantization is fc_ref.c's: round(acc * out_scale[c]) in
 * double, half away from zero, saturated to int32, plus the output offset, clamped; here 4
 * lanes at a time (qs8_fc_requant4). */
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#include "../simd_tmpl/qs8_slots.h"

TFLRT_QS8_DECLARE_FC(avx2)

/* out[i] = clamp(round(acc[i] * scale[i]) + off, qmin, qmax), i < 4, exactly as fc_ref.c:
 * int32 -> double is exact, the product is the same IEEE multiply, round half away from zero
 * is trunc(v) + (|v - trunc(v)| >= 0.5 ? sign(v) : 0) (v - trunc(v) is exact), and clamping
 * the integral double to [qmin - off, qmax - off] before adding off equals the reference's
 * saturate-then-clamp. NaN (impossible for finite scales) gives the reference's 0 + off. */
static inline __m128i qs8_fc_requant4(__m128i acc, __m256d scale, int32_t off, int32_t qmin,
                                      int32_t qmax) {
  const __m256d v = _mm256_mul_pd(_mm256_cvtepi32_pd(acc), scale);
  const __m256d t = _mm256_round_pd(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m256d sign = _mm256_and_pd(v, _mm256_set1_pd(-0.0));
  const __m256d frac = _mm256_andnot_pd(_mm256_set1_pd(-0.0), _mm256_sub_pd(v, t));
  const __m256d away = _mm256_cmp_pd(frac, _mm256_set1_pd(0.5), _CMP_GE_OQ);
  const __m256d one = _mm256_and_pd(away, _mm256_or_pd(_mm256_set1_pd(1.0), sign));
  __m256d r = _mm256_add_pd(t, one);
  const __m256d nan = _mm256_cmp_pd(v, v, _CMP_UNORD_Q);
  r = _mm256_blendv_pd(r, _mm256_setzero_pd(), nan);
  r = _mm256_max_pd(r, _mm256_set1_pd((double)qmin - (double)off));
  r = _mm256_min_pd(r, _mm256_set1_pd((double)qmax - (double)off));
  return _mm_add_epi32(_mm256_cvttpd_epi32(r), _mm_set1_epi32(off));
}

static inline int32_t hsum8(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
  return _mm_cvtsi128_si32(s);
}

void tflrt_qs8_fc__avx2(const tflrt_fc_params* p, const int8_t* input, const int8_t* weights,
                        const int32_t* bias, int8_t* output, int32_t r0, int32_t r1, int32_t c0,
                        int32_t c1) {
  const size_t K = (size_t)p->in_features, N = (size_t)p->out_features;
  const int32_t xo = p->input_offset, wo = p->filter_offset;
  const __m256i xoff = _mm256_set1_epi16((int16_t)xo);
  const __m256i woff = _mm256_set1_epi16((int16_t)wo);
  const size_t kfull = K / 16 * 16;
  for (int32_t c4 = c0; c4 < c1; c4 += 4) {
    const int32_t nc = c1 - c4 < 4 ? c1 - c4 : 4;
    const int8_t* w0 = weights + (size_t)c4 * K;
    const int8_t* w1 = nc > 1 ? w0 + K : w0;
    const int8_t* w2 = nc > 2 ? w0 + 2 * K : w0;
    const int8_t* w3 = nc > 3 ? w0 + 3 * K : w0;
    const int8_t* wr[4] = {w0, w1, w2, w3};
    for (int32_t b = r0; b < r1; b++) {
      const int8_t* x = input + (size_t)b * K;
      __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
#define LD16(ptr) _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i*)(const void*)((ptr) + k)))
      for (size_t k = 0; k < kfull; k += 16) {
        const __m256i xv = _mm256_add_epi16(LD16(x), xoff);
        a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(xv, _mm256_add_epi16(LD16(w0), woff)));
        a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(xv, _mm256_add_epi16(LD16(w1), woff)));
        a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(xv, _mm256_add_epi16(LD16(w2), woff)));
        a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(xv, _mm256_add_epi16(LD16(w3), woff)));
      }
#undef LD16
      uint32_t s[4] = {(uint32_t)hsum8(a0), (uint32_t)hsum8(a1), (uint32_t)hsum8(a2), (uint32_t)hsum8(a3)};
      for (size_t k = kfull; k < K; k++) {
        const int32_t xv = (int32_t)x[k] + xo;
        for (int32_t i = 0; i < 4; i++) s[i] += (uint32_t)(((int32_t)wr[i][k] + wo) * xv);
      }
      int32_t acc[4];
      for (int32_t i = 0; i < 4; i++)
        acc[i] = (int32_t)(s[i] + (bias && i < nc ? (uint32_t)bias[c4 + i] : 0u));
      double sc[4] = {0, 0, 0, 0};
      for (int32_t i = 0; i < nc; i++) sc[i] = p->out_scale[c4 + i];
      const __m128i q = qs8_fc_requant4(_mm_loadu_si128((const __m128i*)(const void*)acc),
                                        _mm256_loadu_pd(sc), p->output_offset, p->q_min, p->q_max);
      int32_t qs[4];
      _mm_storeu_si128((__m128i*)(void*)qs, q);
      int8_t* dst = output + (size_t)b * N + (size_t)c4;
      for (int32_t i = 0; i < nc; i++) dst[i] = (int8_t)qs[i];
    }
  }
}
