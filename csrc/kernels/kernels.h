/* The kernel table: one struct of function pointers per op family, gathered in tflrt_kernels.
 *
 * tflrt_kernels_init fills every slot with the reference kernel (csrc/kernels/reference/),
 * then lets each ISA available on this CPU, up to the cap, plug over the slots it implements.
 * Kernels are pure compute: raw pointers, a small const params struct computed in prepare,
 * and a [begin, end) range over their outer loop so the thread pool can split the work.
 * They never allocate, never fail and never read tensors.
 *
 * Adding a family: write csrc/kernels/<family>.h with a tflrt_<family>_kernels struct and
 * a tflrt_<family>_kernels_ref() declaration, add one member below and one call in
 * tflrt_kernels_init (dispatch.c). */
#ifndef TFLITE_RT_KERNELS_H
#define TFLITE_RT_KERNELS_H

#include <stdint.h>

/* Instruction sets, in increasing order of capability per architecture. */
typedef enum {
  TFLRT_ISA_REF = 0,
  TFLRT_ISA_AVX2 = 1,   /* x86-64 AVX2 + FMA */
  TFLRT_ISA_AVX512 = 2, /* x86-64 AVX-512 F/BW/DQ/VL (+VNNI when present) */
  TFLRT_ISA_NEON = 3,   /* ARM NEON (+dotprod when present) */
  TFLRT_ISA_BEST = 99   /* no cap */
} tflrt_isa;

/* ---- op families (one header each) ---- */
#include "conv.h"
#include "reduce.h"
#include "resize.h"
#include "lrn.h"
#include "matmul.h"
#include "transpose_conv.h"
#include "conv3d.h"
#include "fully_connected.h"
#include "pool.h"
#include "softmax.h"
#include "unary.h"
#include "activation.h"
#include "binary.h"
#include "lstm.h"

typedef struct tflrt_kernels {
  int isa;           /* the ISA actually selected */
  tflrt_conv_kernels conv;
  tflrt_reduce_kernels reduce;
  tflrt_resize_kernels resize;
  tflrt_lrn_kernels lrn;
  tflrt_matmul_kernels matmul;
  tflrt_tconv_kernels tconv;
  tflrt_conv3d_kernels conv3d;
  tflrt_fc_kernels fc;
  tflrt_pool_kernels pool;
  tflrt_softmax_kernels softmax;
  tflrt_unary_kernels unary;
  tflrt_activation_kernels activation;
  tflrt_binary_kernels binary;
  tflrt_lstm_kernels lstm;
} tflrt_kernels;

/* Fills k for the best ISA this CPU and OS support, capped at `cap` and at the TFLITE_RT_ISA
 * environment variable (ref|avx2|avx512|neon) when set. */
void tflrt_kernels_init(tflrt_kernels* k, int cap);
/* Best ISA available here (after the environment cap). */
int tflrt_isa_detect(void);
const char* tflrt_isa_name(int isa);
/* Parses "ref", "avx2", ... ; -1 when unknown. */
int tflrt_isa_parse(const char* s);

#endif
