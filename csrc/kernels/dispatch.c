/* Run-time kernel selection: CPU feature detection and the per-ISA plug order. */
#include <stdlib.h>
#include <string.h>

#include "isa_plugs.h"
#include "kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
static uint64_t xgetbv0(void) {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return ((uint64_t)hi << 32) | lo;
}
static int detect_hw(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return TFLRT_ISA_REF;
  const int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
  if (!osxsave || !avx) return TFLRT_ISA_REF;
  const uint64_t xcr0 = xgetbv0();
  if ((xcr0 & 0x6) != 0x6) return TFLRT_ISA_REF; /* OS saves XMM+YMM */
  if (__get_cpuid_max(0, NULL) < 7) return TFLRT_ISA_REF;
  __cpuid_count(7, 0, a, b, c, d);
  const int avx2 = (b >> 5) & 1;
  const int avx512f = (b >> 16) & 1, avx512dq = (b >> 17) & 1, avx512bw = (b >> 30) & 1,
            avx512vl = (b >> 31) & 1;
  if (!(avx2 && fma)) return TFLRT_ISA_REF;
  if (avx512f && avx512dq && avx512bw && avx512vl && (xcr0 & 0xE6) == 0xE6) return TFLRT_ISA_AVX512;
  return TFLRT_ISA_AVX2;
}
#elif defined(__aarch64__) || defined(__ARM_NEON)
static int detect_hw(void) {
#if defined(__aarch64__)
  return TFLRT_ISA_NEON; /* NEON is part of armv8-a */
#else
  return TFLRT_ISA_REF;  /* armv7: HWCAP probing added with the NEON kernels */
#endif
}
#else
static int detect_hw(void) { return TFLRT_ISA_REF; }
#endif

const char* tflrt_isa_name(int isa) {
  switch (isa) {
    case TFLRT_ISA_REF: return "ref";
    case TFLRT_ISA_AVX2: return "avx2";
    case TFLRT_ISA_AVX512: return "avx512";
    case TFLRT_ISA_NEON: return "neon";
    default: return "unknown";
  }
}

int tflrt_isa_parse(const char* s) {
  static const int all[] = {TFLRT_ISA_REF, TFLRT_ISA_AVX2, TFLRT_ISA_AVX512, TFLRT_ISA_NEON};
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
    if (strcmp(s, tflrt_isa_name(all[i])) == 0) return all[i];
  if (strcmp(s, "best") == 0) return TFLRT_ISA_BEST;
  return -1;
}

int tflrt_isa_detect(void) {
  int isa = detect_hw();
  const char* env = getenv("TFLITE_RT_ISA");
  if (env && *env) {
    int cap = tflrt_isa_parse(env);
    if (cap >= 0 && cap < isa) isa = cap;
  }
  return isa;
}

void tflrt_kernels_init(tflrt_kernels* k, int cap) {
  int isa = tflrt_isa_detect();
  if (cap >= 0 && cap < isa) isa = cap;
  memset(k, 0, sizeof(*k));
  tflrt_conv_kernels_ref(&k->conv);
  tflrt_reduce_kernels_ref(&k->reduce);
  tflrt_resize_kernels_ref(&k->resize);
  tflrt_lrn_kernels_ref(&k->lrn);
  tflrt_matmul_kernels_ref(&k->matmul);
  tflrt_tconv_kernels_ref(&k->tconv);
  tflrt_conv3d_kernels_ref(&k->conv3d);
  tflrt_fc_kernels_ref(&k->fc);
  tflrt_pool_kernels_ref(&k->pool);
  tflrt_softmax_kernels_ref(&k->softmax);
  tflrt_unary_kernels_ref(&k->unary);
  tflrt_activation_kernels_ref(&k->activation);
  tflrt_binary_kernels_ref(&k->binary);
  tflrt_lstm_kernels_ref(&k->lstm);
  /* ISA plugs (isa_plugs.h), in increasing order, each guarded by `isa >= TFLRT_ISA_X`;
   * k->isa names the last plug that ran, so it reports what actually runs. */
  k->isa = TFLRT_ISA_REF;
#if defined(__x86_64__) || defined(_M_X64)
  const char* fast = getenv("TFLITE_RT_FAST_F32");
  const int fast_f32 = fast != NULL && strcmp(fast, "1") == 0;
  if (isa >= TFLRT_ISA_AVX2 && isa <= TFLRT_ISA_AVX512) {
    tflrt_kernels_plug_avx2(k, fast_f32);
    k->isa = TFLRT_ISA_AVX2;
  }
  if (isa >= TFLRT_ISA_AVX512 && isa <= TFLRT_ISA_AVX512) {
    tflrt_kernels_plug_avx512(k, fast_f32);
    k->isa = TFLRT_ISA_AVX512;
  }
#endif
  (void)isa;
}
