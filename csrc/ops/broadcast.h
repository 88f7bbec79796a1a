/* Broadcasting for element-wise ops with 2 or 3 inputs (numpy rules, as TFLite's
 * CalculateShapeForBroadcast): shapes are aligned at their last dimension, missing leading
 * dimensions count as 1, and each output dimension is the common extent of the inputs, an
 * input extent of 1 being repeated. A zero extent is allowed against 0 or 1 and gives 0.
 *
 * A plan (tflrt_bcast) turns the broadcast into a loop nest over the output in row-major
 * order, with adjacent dimensions fused whenever every input walks them contiguously (or
 * repeats them both), so that same-shape inputs give one flat run and scalar operands give
 * runs with a repeated value. The innermost fused dimension is the "run": a kernel processes
 * one run (or a block of it) per call; each input is then either contiguous (stride 1) or one
 * repeated value (stride 0) along the run.
 *
 * Work splitting: tflrt_bcast_split cuts the runs (and, when there are few long runs, blocks
 * of a run) into tasks for tflrt_parallel_for; tflrt_bcast_for_tasks walks the segments of a
 * task range and hands each one to a callback with the input offsets at its start. */
#ifndef TFLITE_RT_BROADCAST_H
#define TFLITE_RT_BROADCAST_H

#include <stdint.h>

#include "op.h"

#define TFLRT_BCAST_MAX_INPUTS 3

typedef struct tflrt_bcast {
  int32_t n_in;                 /* 2 or 3 */
  int32_t rank;                 /* fused loop depth, >= 1 */
  int64_t count;                /* output elements; 0 = nothing to compute */
  int64_t dims[TFLRT_MAX_DIMS]; /* fused extents, outermost first; dims[rank - 1] is the run */
  int64_t strides[TFLRT_BCAST_MAX_INPUTS][TFLRT_MAX_DIMS]; /* elements; 0 = repeated */
} tflrt_bcast;

typedef struct tflrt_bcast_split {
  int64_t runs;           /* count / run length */
  int64_t run_len;        /* dims[rank - 1] */
  int64_t block;          /* elements per task within a run (run_len when runs are whole) */
  int64_t blocks_per_run; /* ceil(run_len / block) */
  int64_t runs_per_task;  /* > 1 only when there are more runs than int32 tasks */
  int32_t n_tasks;
} tflrt_bcast_split;

/* Output shape of broadcasting the n tensors. Returns TFLRT_OK, or an error naming the shapes
 * (through tflrt_op_error) when they are not broadcastable or the rank exceeds max_rank. */
int tflrt_broadcast_shape(tflrt_ctx* ctx, int32_t n, const tflrt_tensor* const* in, int32_t max_rank,
                          int32_t* out_ndims, int32_t* out_dims);

/* Plan for inputs `in` (their shapes must broadcast to out_dims). */
void tflrt_bcast_init(tflrt_bcast* b, int32_t n, const tflrt_tensor* const* in, int32_t out_ndims,
                      const int32_t* out_dims);

/* Whether input k advances along the run (1) or repeats one value (0). */
static inline int tflrt_bcast_inner_inc(const tflrt_bcast* b, int32_t k) {
  return b->strides[k][b->rank - 1] != 0;
}

/* Splits the plan into tasks for num_threads threads (count must be > 0). */
void tflrt_bcast_split_init(const tflrt_bcast* b, int32_t num_threads, tflrt_bcast_split* s);

/* Called for each segment: offs[k] is input k's element offset at the segment start, out_off
 * the output's; n elements follow. */
typedef void (*tflrt_bcast_segment_fn)(void* arg, const int64_t* offs, int64_t out_off, int64_t n);

/* Walks the segments of tasks [begin, end). */
void tflrt_bcast_for_tasks(const tflrt_bcast* b, const tflrt_bcast_split* s, int32_t begin, int32_t end,
                           tflrt_bcast_segment_fn fn, void* arg);

#endif
