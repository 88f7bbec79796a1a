/* Image resize kernels: RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR.
 *
 * Layout NHWC: input [batches, in_h, in_w, channels], output [batches, out_h, out_w, channels].
 * Every kernel computes the output rows [begin, end) of the flattened (batch, out_y) range.
 * The op guarantees in_h, in_w >= 1 and, for the integer bilinear kernels, in_h, in_w <= 2^20
 * and out_h, out_w <= 2^28 (so the 10-bit fixed-point coordinates fit in int32).
 *
 * Semantics (TFLite's reference kernels, bit for bit):
 *   Source coordinate of output index v along an axis of sizes in -> out:
 *     scale = in / out as float, or (in - 1) / (out - 1) with align_corners and out > 1
 *     bilinear: src = (v + 0.5) * scale - 0.5 with half_pixel_centers, else v * scale;
 *               lo = max(floor(src), 0), hi = min(ceil(src), in - 1)
 *     nearest:  src = (v + 0.5 if half_pixel_centers else v) * scale;
 *               idx = min(round_half_away(src) if align_corners else floor(src), in - 1),
 *               then max(idx, 0) with half_pixel_centers
 *   f32 bilinear and qu8 bilinear (float arithmetic on uint8 values):
 *     out = a*(1-dy)*(1-dx) + b*dy*(1-dx) + c*(1-dy)*dx + d*dy*dx (+ 0.5 then truncation for
 *     uint8), evaluated left to right in float, where a, b, c, d are the (lo,lo), (hi,lo),
 *     (lo,hi), (hi,hi) neighbours (y first) and dy = src_y - lo_y, dx = src_x - lo_x.
 *   qs8/qs16 bilinear (integer only): scale10 = (1024 * in + out / 2) / out (align_corners:
 *     (1024 * (in - 1) + (out - 1) / 2) / (out - 1)); src10 = v * scale10 (+ scale10 / 2 - 512
 *     with half_pixel_centers); lo = max(src10 / 1024, 0), hi = min((src10 + 1023) / 1024,
 *     in - 1) with C division; the four 20-bit weighted products are summed in int64 and
 *     divided by 2^20 rounding half away from zero.
 *   nearest copies elements of 1, 2 or 4 bytes.
 */
#ifndef TFLITE_RT_KERNELS_RESIZE_H
#define TFLITE_RT_KERNELS_RESIZE_H

#include <stdint.h>

typedef struct tflrt_resize_params {
  int32_t batches, in_h, in_w, channels;
  int32_t out_h, out_w;
  int32_t align_corners, half_pixel_centers;
  float scale_h, scale_w;         /* float bilinear and nearest */
  int32_t scale10_h, scale10_w;   /* integer bilinear */
} tflrt_resize_params;

typedef void (*tflrt_f32_resize_fn)(const tflrt_resize_params* p, const float* in, float* out,
                                    int32_t begin, int32_t end);
typedef void (*tflrt_qu8_resize_fn)(const tflrt_resize_params* p, const uint8_t* in,
                                    uint8_t* out, int32_t begin, int32_t end);
typedef void (*tflrt_qs8_resize_fn)(const tflrt_resize_params* p, const int8_t* in, int8_t* out,
                                    int32_t begin, int32_t end);
typedef void (*tflrt_qs16_resize_fn)(const tflrt_resize_params* p, const int16_t* in,
                                     int16_t* out, int32_t begin, int32_t end);
/* Nearest neighbour on raw elements of 1, 2 or 4 bytes. */
typedef void (*tflrt_nearest_fn)(const tflrt_resize_params* p, const void* in, void* out,
                                 int32_t begin, int32_t end);

typedef struct tflrt_resize_kernels {
  tflrt_f32_resize_fn f32_bilinear;
  tflrt_qu8_resize_fn qu8_bilinear;
  tflrt_qs8_resize_fn qs8_bilinear;
  tflrt_qs16_resize_fn qs16_bilinear;
  tflrt_nearest_fn x8_nearest;
  tflrt_nearest_fn x16_nearest;
  tflrt_nearest_fn x32_nearest;
} tflrt_resize_kernels;

/* Fills every slot with the reference kernels (reference/resize_ref.c). */
void tflrt_resize_kernels_ref(tflrt_resize_kernels* k);

#endif
