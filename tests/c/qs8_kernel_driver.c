/* Runs one int8 conv / depthwise / fully-connected or int16x8 conv / depthwise kernel call
 * described by a qs8_case, for tests/test_isa_qs8_emu.py. Built twice:
 *   - natively as a shared library with the reference kernels (-DQS8_DRIVER_REF), giving the
 *     expected bytes;
 *   - freestanding (no libc) with the AVX-512 kernels, loaded into a CPU emulator that has
 *     AVX-512 (bochscpu), so the AVX-512 paths are checked on machines without AVX-512.
 * Both fill the same output rows through two calls ([begin, split) and [split, end)), like two
 * threads would. */
#include <stddef.h>
#include <stdint.h>

#include "kernels/conv.h"
#include "kernels/fully_connected.h"
#include "kernels/simd_tmpl/qs8_slots.h"

typedef struct {
  int32_t kind; /* int8: 1 CONV_2D, 2 DEPTHWISE_CONV_2D, 3 FULLY_CONNECTED; int16x8: 4 CONV_2D,
                   5 DEPTHWISE_CONV_2D (input and output int16, bias int64) */
  int32_t batches, in_h, in_w, in_c, out_h, out_w, out_c, filter_h, filter_w, filter_c;
  int32_t out_c_per_group, depth_multiplier, stride_h, stride_w, dilation_h, dilation_w, pad_h,
      pad_w, input_offset, filter_offset, output_offset, q_min, q_max;
  int32_t begin, split, end;   /* conv rows, or FC batch rows (columns: all) */
  int32_t in_features, out_features;
  int32_t pad_;
  const void* input;
  const int8_t* filter;
  const void* bias;
  const int32_t* mult;
  const int32_t* shift;
  const double* scale;
  void* output;
  void* work; /* 64-byte aligned, zeroed, large enough for the packed weights */
} qs8_case;

#ifdef QS8_DRIVER_REF
#define EXPORT __attribute__((visibility("default")))
#else
#define EXPORT
TFLRT_QS8_DECLARE_PACKED(conv2d, avx512vnni)
TFLRT_QS8_DECLARE_PACKED(dwconv2d, avx512)
TFLRT_QS8_DECLARE_FC(avx512)
TFLRT_QS16_DECLARE_PACKED(conv2d, avx512vnni)
TFLRT_QS16_DECLARE_PACKED(dwconv2d, avx512)

/* freestanding: the compiler may call these */
void* memcpy(void* d, const void* s, size_t n) {
  uint8_t* dd = d;
  const uint8_t* ss = s;
  while (n--) *dd++ = *ss++;
  return d;
}
void* memset(void* d, int c, size_t n) {
  uint8_t* dd = d;
  while (n--) *dd++ = (uint8_t)c;
  return d;
}
#endif

/* Returns 1 when the SIMD path ran (packed), 0 when these params are not packed (the op would
 * use the reference kernel), for the emulator build; always 1 for the reference build. */
EXPORT int64_t qs8_run_case(const qs8_case* c) {
  if (c->kind == 3) {
    tflrt_fc_params p = {0};
    p.batches = c->batches;
    p.in_features = c->in_features;
    p.out_features = c->out_features;
    p.input_offset = c->input_offset;
    p.filter_offset = c->filter_offset;
    p.output_offset = c->output_offset;
    p.q_min = c->q_min;
    p.q_max = c->q_max;
    p.out_scale = c->scale;
#ifdef QS8_DRIVER_REF
    const tflrt_qs8_fc_fn fc = tflrt_qs8_fc__ref;
#else
    const tflrt_qs8_fc_fn fc = tflrt_qs8_fc__avx512;
#endif
    fc(&p, c->input, c->filter, c->bias, c->output, c->begin, c->split, 0, c->out_features);
    fc(&p, c->input, c->filter, c->bias, c->output, c->split, c->end, 0, c->out_features);
    return 1;
  }
  tflrt_conv_params p = {0};
  p.batches = c->batches;
  p.in_h = c->in_h;
  p.in_w = c->in_w;
  p.in_c = c->in_c;
  p.out_h = c->out_h;
  p.out_w = c->out_w;
  p.out_c = c->out_c;
  p.filter_h = c->filter_h;
  p.filter_w = c->filter_w;
  p.filter_c = c->filter_c;
  p.out_c_per_group = c->out_c_per_group;
  p.depth_multiplier = c->depth_multiplier;
  p.stride_h = c->stride_h;
  p.stride_w = c->stride_w;
  p.dilation_h = c->dilation_h;
  p.dilation_w = c->dilation_w;
  p.pad_h = c->pad_h;
  p.pad_w = c->pad_w;
  p.input_offset = c->input_offset;
  p.filter_offset = c->filter_offset;
  p.output_offset = c->output_offset;
  p.q_min = c->q_min;
  p.q_max = c->q_max;
  p.out_mult = c->mult;
  p.out_shift = c->shift;
  const int conv = c->kind == 1 || c->kind == 4;
#ifdef QS8_DRIVER_REF
#define RUN_REF(T_X, T_B, conv_fn, dw_fn)                                                           \
  do {                                                                                             \
    void (*const run)(const tflrt_conv_params*, const T_X*, const int8_t*, const T_B*, T_X*, int32_t, \
                      int32_t) = conv ? conv_fn : dw_fn;                                          \
    run(&p, c->input, c->filter, c->bias, c->output, c->begin, c->split);                         \
    run(&p, c->input, c->filter, c->bias, c->output, c->split, c->end);                           \
  } while (0)
  if (c->kind >= 4) RUN_REF(int16_t, int64_t, tflrt_qs16_conv2d__ref, tflrt_qs16_dwconv2d__ref);
  else RUN_REF(int8_t, int32_t, tflrt_qs8_conv2d__ref, tflrt_qs8_dwconv2d__ref);
#else
#define RUN_PACKED(q)                                                                             \
  do {                                                                                             \
    const tflrt_##q##_conv_packed_size_fn size =                                                  \
        conv ? tflrt_##q##_conv2d_packed_size__avx512vnni : tflrt_##q##_dwconv2d_packed_size__avx512; \
    const tflrt_##q##_conv_pack_fn pack = conv ? tflrt_##q##_conv2d_pack__avx512vnni : tflrt_##q##_dwconv2d_pack__avx512; \
    const tflrt_##q##_conv_packed_fn run =                                                        \
        conv ? tflrt_##q##_conv2d_packed__avx512vnni : tflrt_##q##_dwconv2d_packed__avx512;       \
    if (size(&p) == 0) return 0;                                                                   \
    pack(&p, c->filter, c->bias, c->work);                                                         \
    run(&p, c->input, c->work, c->output, c->begin, c->split);                                     \
    run(&p, c->input, c->work, c->output, c->split, c->end);                                       \
  } while (0)
  if (c->kind >= 4) RUN_PACKED(qs16);
  else RUN_PACKED(qs8);
#endif
  return 1;
}
