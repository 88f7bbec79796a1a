/* Arena planner: a pure function from buffer sizes and lifetimes to offsets.
 *
 * Algorithm (greedy by size, best fit):
 *  1. Sizes are rounded up to the alignment.
 *  2. Buffers are placed in order of decreasing size (ties: earlier first use, then index).
 *  3. For each buffer, the already-placed buffers whose lifetimes [first, last] overlap its
 *     own are taken in order of offset; among the gaps between them (and the space from 0 to
 *     the first) the smallest gap that fits is chosen. If none fits, the buffer goes right
 *     after the highest end among the overlapping buffers.
 *  4. The arena size is the highest end of any buffer.
 * Buffers that never overlap in time may share bytes; buffers that overlap never do. The
 * function allocates only its own scratch (freed before it returns). */
#ifndef TFLITE_RT_PLANNER_H
#define TFLITE_RT_PLANNER_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint64_t size;   /* bytes requested (0 allowed: gets offset 0, takes no space) */
  int32_t first;   /* first step at which the buffer is alive */
  int32_t last;    /* last step at which it is alive (>= first) */
  uint64_t offset; /* result */
} tflrt_plan_buf;

/* Returns 0 and the arena size in *total, or -1 on allocation failure or size overflow. */
int tflrt_plan(tflrt_plan_buf* bufs, int32_t n, uint64_t align, uint64_t* total);

#endif
