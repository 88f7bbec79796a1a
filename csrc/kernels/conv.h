/* Convolution kernels: CONV_2D and DEPTHWISE_CONV_2D, every data type.
 *
 * Layouts (TFLite's): input  [batches, in_h, in_w, in_c]          (NHWC)
 *                     conv filter      [out_c, filter_h, filter_w, filter_c]
 *                     depthwise filter [1, filter_h, filter_w, out_c]
 *                     output [batches, out_h, out_w, out_c]
 * Grouped convolution: in_c = groups * filter_c, and output channel oc reads input channels
 * [g * filter_c, (g + 1) * filter_c) with g = oc / out_c_per_group.
 * Depthwise: output channel oc = ic * depth_multiplier + m reads input channel ic.
 *
 * Every kernel computes the output rows [begin, end) of the flattened (batch, out_y) range,
 * 0 <= begin <= end <= batches * out_h, so the thread pool can split the work. Kernels write
 * only their own rows, never allocate and never fail; the op validated everything in prepare
 * (in particular: in_y/in_x computations cannot overflow int32, see ops/padding.h).
 *
 * Integer semantics follow TFLite's reference kernels bit for bit:
 *   qs8/qu8:  acc(int32) = sum filter' * (input + input_offset) + bias, where filter' is the
 *             filter value (+ filter_offset for the legacy uint8 path); the sum wraps modulo
 *             2^32 like TFLite's int32 accumulator; out = clamp(MBQM(acc, mult[oc],
 *             shift[oc]) + output_offset, q_min, q_max).
 *   qs16 (int16 activations, int8 weights, zero points 0): with an int64 bias the accumulator
 *             is 64-bit and requantization uses the 64-bit MBQM; with an int32 bias (or none,
 *             for qs16_conv2d_acc32) the accumulator is int32 (wrapping) and the 32-bit MBQM.
 *   qd8_f32 (hybrid, "dynamic range"): the float input was quantized to int8 per batch
 *             (scale batch_scale[b], zero point batch_zp[b]) by one of the f32_to_qd8
 *             kernels below; acc(int32) = sum filter * (q - batch_zp[b]); the float result
 *             is formed in the same operation order as TFLite (see hybrid_mode).
 */
#ifndef TFLITE_RT_KERNELS_CONV_H
#define TFLITE_RT_KERNELS_CONV_H

#include <stddef.h>
#include <stdint.h>

/* How a hybrid kernel turns the int32 accumulator into a float (TFLite has three orders). */
enum {
  /* CONV_2D, per-tensor filter scale, symmetric input (batch_zp all 0):
   *   out = acc * batch_scale[b] + bias, where batch_scale already includes the filter scale */
  TFLRT_HYBRID_CONV_PER_TENSOR = 0,
  /* CONV_2D, per-channel filter scales, asymmetric input:
   *   out = (acc * filter_scale[oc]) * batch_scale[b] + bias */
  TFLRT_HYBRID_CONV_PER_CHANNEL = 1,
  /* DEPTHWISE_CONV_2D, asymmetric input:
   *   out = acc * (filter_scale[oc] * batch_scale[b]) + bias */
  TFLRT_HYBRID_DEPTHWISE = 2
};

typedef struct tflrt_conv_params {
  /* Shapes. */
  int32_t batches, in_h, in_w, in_c;
  int32_t out_h, out_w, out_c;
  int32_t filter_h, filter_w;
  int32_t filter_c;         /* conv: input channels per group (filter dim 3); depthwise: 1 */
  int32_t out_c_per_group;  /* conv: out_c / groups; depthwise: unused */
  int32_t depth_multiplier; /* depthwise: out_c / in_c; conv: unused */
  /* Window geometry (pad = padding before the first row/column). */
  int32_t stride_h, stride_w, dilation_h, dilation_w, pad_h, pad_w;
  /* float32 and hybrid paths: fused activation clamp. */
  float f32_min, f32_max;
  /* Quantized paths. */
  int32_t input_offset;  /* -input zero point */
  int32_t filter_offset; /* -filter zero point (legacy uint8 only; 0 otherwise) */
  int32_t output_offset; /* output zero point */
  int32_t q_min, q_max;  /* fused activation clamp in the output's integer domain */
  const int32_t* out_mult;  /* out_c Q31 multipliers (qs8, qu8, qs16) */
  const int32_t* out_shift; /* out_c exponents, TFLite sign convention (> 0: left shift) */
  /* Hybrid paths. */
  const float* filter_scale; /* out_c filter scales (per-channel and depthwise modes) */
  int32_t hybrid_mode;       /* TFLRT_HYBRID_* */
} tflrt_conv_params;

/* Row-range conv/depthwise kernels. bias may be NULL (no bias). Each signature is written once,
 * as a function type (tflrt_*_conv_kernel, which also declares the reference kernels below);
 * the table slots hold pointers to it (tflrt_*_conv_fn). */
typedef void tflrt_f32_conv_kernel(const tflrt_conv_params* p, const float* input,
                                   const float* filter, const float* bias, float* output,
                                   int32_t begin, int32_t end);
typedef void tflrt_qs8_conv_kernel(const tflrt_conv_params* p, const int8_t* input,
                                   const int8_t* filter, const int32_t* bias, int8_t* output,
                                   int32_t begin, int32_t end);
typedef void tflrt_qu8_conv_kernel(const tflrt_conv_params* p, const uint8_t* input,
                                   const uint8_t* filter, const int32_t* bias, uint8_t* output,
                                   int32_t begin, int32_t end);
typedef void tflrt_qs16_conv_kernel(const tflrt_conv_params* p, const int16_t* input,
                                    const int8_t* filter, const int64_t* bias, int16_t* output,
                                    int32_t begin, int32_t end);
typedef void tflrt_qs16_conv_acc32_kernel(const tflrt_conv_params* p, const int16_t* input,
                                          const int8_t* filter, const int32_t* bias,
                                          int16_t* output, int32_t begin, int32_t end);
/* Hybrid: input is the int8 quantized copy of the float input; batch_scale/batch_zp have one
 * entry per batch. */
typedef void tflrt_qd8_f32_conv_kernel(const tflrt_conv_params* p, const int8_t* input,
                                       const float* batch_scale, const int32_t* batch_zp,
                                       const int8_t* filter, const float* bias, float* output,
                                       int32_t begin, int32_t end);
typedef tflrt_f32_conv_kernel* tflrt_f32_conv_fn;
typedef tflrt_qs8_conv_kernel* tflrt_qs8_conv_fn;
typedef tflrt_qu8_conv_kernel* tflrt_qu8_conv_fn;
typedef tflrt_qs16_conv_kernel* tflrt_qs16_conv_fn;
typedef tflrt_qs16_conv_acc32_kernel* tflrt_qs16_conv_acc32_fn;
typedef tflrt_qd8_f32_conv_kernel* tflrt_qd8_f32_conv_fn;

/* Dynamic input quantization of n floats (one batch) for the hybrid paths, as TFLite's
 * SymmetricQuantizeFloats / AsymmetricQuantizeFloats:
 *   symmetric:  scale = max|x| / 127, q = clamp(round(x * 127 / max|x|), -127, 127), zp 0
 *   asymmetric: range [min(0, min x), max(0, max x)] mapped onto [-128, 127] with a nudged
 *               zero point; q = clamp(zp + round(x * (1 / scale)), -128, 127), rounding
 *               half away from zero before adding zp, as LiteRT's released builds do
 *               (details in reference/conv_ref.c)
 * An all-zero input gives scale 1 and zero point 0. */
typedef void tflrt_f32_to_qd8_sym_kernel(const float* x, size_t n, int8_t* q, float* scale);
typedef void tflrt_f32_to_qd8_asym_kernel(const float* x, size_t n, int8_t* q, float* scale,
                                          int32_t* zero_point);
typedef tflrt_f32_to_qd8_sym_kernel* tflrt_f32_to_qd8_sym_fn;
typedef tflrt_f32_to_qd8_asym_kernel* tflrt_f32_to_qd8_asym_fn;

/* Optional CONV_2D / DEPTHWISE_CONV_2D weight packing: three slots per type q, declared by
 * TFLRT_CONV_PACK_TYPES(q, activation type, filter type, bias type) as
 *   tflrt_<q>_conv_packed_size_fn  size_t (p)
 *   tflrt_<q>_conv_pack_fn         void (p, filter, bias, packed)
 *   tflrt_<q>_conv_packed_fn       void (p, input, packed, output, begin, end)
 * NULL in the reference table; an ISA plug sets the three slots of one op together, and the
 * packed layout is private to that plug. When the slots are set and the filter and bias (if
 * any) are constants, the op, in prepare, once p is final (including out_mult/out_shift,
 * offsets and clamp for the quantized types):
 *   bytes = <q>_*_packed_size(p)     0: these params are not packed (use the plain kernel)
 *   packed = 64-byte aligned, zeroed persistent memory of `bytes` bytes
 *   <q>_*_pack(p, filter, bias, packed)          bias may be NULL (zero bias)
 * and in eval calls <q>_*_packed instead of the plain kernel, with the same row-range contract
 * and the same semantics: float32 (f32, CONV_2D only) within the FLOAT32 tolerance of the
 * reference; int8 (qs8) and int16x8 with an int64 bias (qs16) bit-exact with it. */
#define TFLRT_CONV_PACK_TYPES(q, T_X, T_W, T_B)                                                \
  typedef size_t (*tflrt_##q##_conv_packed_size_fn)(const tflrt_conv_params* p);               \
  typedef void (*tflrt_##q##_conv_pack_fn)(const tflrt_conv_params* p, const T_W* filter,      \
                                           const T_B* bias, void* packed);                     \
  typedef void (*tflrt_##q##_conv_packed_fn)(const tflrt_conv_params* p, const T_X* input,     \
                                             const void* packed, T_X* output, int32_t begin,   \
                                             int32_t end);
TFLRT_CONV_PACK_TYPES(f32, float, float, float)
TFLRT_CONV_PACK_TYPES(qs8, int8_t, int8_t, int32_t)
TFLRT_CONV_PACK_TYPES(qs16, int16_t, int8_t, int64_t)

typedef struct tflrt_conv_kernels {
  tflrt_f32_conv_fn f32_conv2d;
  tflrt_qs8_conv_fn qs8_conv2d;
  tflrt_qu8_conv_fn qu8_conv2d;
  tflrt_qs16_conv_fn qs16_conv2d;            /* int64 bias, 64-bit accumulator */
  tflrt_qs16_conv_acc32_fn qs16_conv2d_acc32; /* int32 bias, 32-bit accumulator */
  tflrt_qd8_f32_conv_fn qd8_f32_conv2d;
  tflrt_f32_conv_fn f32_dwconv2d;
  tflrt_qs8_conv_fn qs8_dwconv2d;
  tflrt_qu8_conv_fn qu8_dwconv2d;
  tflrt_qs16_conv_fn qs16_dwconv2d;          /* int64 bias, 64-bit accumulator */
  tflrt_qd8_f32_conv_fn qd8_f32_dwconv2d;
  tflrt_f32_to_qd8_sym_fn f32_to_qd8_sym;
  tflrt_f32_to_qd8_asym_fn f32_to_qd8_asym;
  /* optional float32 CONV_2D packing (see above); NULL = not available */
  tflrt_f32_conv_packed_size_fn f32_conv2d_packed_size;
  tflrt_f32_conv_pack_fn f32_conv2d_pack;
  tflrt_f32_conv_packed_fn f32_conv2d_packed;
  /* optional int8 CONV_2D / DEPTHWISE_CONV_2D packing (see above); NULL = not available */
  tflrt_qs8_conv_packed_size_fn qs8_conv2d_packed_size;
  tflrt_qs8_conv_pack_fn qs8_conv2d_pack;
  tflrt_qs8_conv_packed_fn qs8_conv2d_packed;
  tflrt_qs8_conv_packed_size_fn qs8_dwconv2d_packed_size;
  tflrt_qs8_conv_pack_fn qs8_dwconv2d_pack;
  tflrt_qs8_conv_packed_fn qs8_dwconv2d_packed;
  /* optional int16x8 CONV_2D / DEPTHWISE_CONV_2D packing (see above); NULL = not available */
  tflrt_qs16_conv_packed_size_fn qs16_conv2d_packed_size;
  tflrt_qs16_conv_pack_fn qs16_conv2d_pack;
  tflrt_qs16_conv_packed_fn qs16_conv2d_packed;
  tflrt_qs16_conv_packed_size_fn qs16_dwconv2d_packed_size;
  tflrt_qs16_conv_pack_fn qs16_dwconv2d_pack;
  tflrt_qs16_conv_packed_fn qs16_dwconv2d_packed;
} tflrt_conv_kernels;

/* Fills every slot with the reference kernels (reference/conv_ref.c, depthwise_ref.c, which
 * share reference/conv_ref.h). */
void tflrt_conv_kernels_ref(tflrt_conv_kernels* k);

/* Reference kernels, exported so ISA files can fall back to them for edge cases and tests can
 * call them directly. */
tflrt_f32_conv_kernel tflrt_f32_conv2d__ref, tflrt_f32_dwconv2d__ref;
tflrt_qs8_conv_kernel tflrt_qs8_conv2d__ref, tflrt_qs8_dwconv2d__ref;
tflrt_qu8_conv_kernel tflrt_qu8_conv2d__ref, tflrt_qu8_dwconv2d__ref;
tflrt_qs16_conv_kernel tflrt_qs16_conv2d__ref, tflrt_qs16_dwconv2d__ref;
tflrt_qs16_conv_acc32_kernel tflrt_qs16_conv2d_acc32__ref;
tflrt_qd8_f32_conv_kernel tflrt_qd8_f32_conv2d__ref, tflrt_qd8_f32_dwconv2d__ref;
tflrt_f32_to_qd8_sym_kernel tflrt_f32_to_qd8_sym__ref;
tflrt_f32_to_qd8_asym_kernel tflrt_f32_to_qd8_asym__ref;

#endif
