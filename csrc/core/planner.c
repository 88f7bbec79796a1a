/* Arena planner (see planner.h for the algorithm). */
#include "planner.h"

#include <stdlib.h>

typedef struct {
  const tflrt_plan_buf* bufs;
  int32_t idx;
} order_item;

static int by_size_desc(const void* pa, const void* pb) {
  const order_item* a = pa;
  const order_item* b = pb;
  const tflrt_plan_buf* x = &a->bufs[a->idx];
  const tflrt_plan_buf* y = &b->bufs[b->idx];
  if (x->size != y->size) return x->size > y->size ? -1 : 1;
  if (x->first != y->first) return x->first < y->first ? -1 : 1;
  return a->idx < b->idx ? -1 : (a->idx > b->idx);
}

static int by_offset(const void* pa, const void* pb) {
  const tflrt_plan_buf* x = *(const tflrt_plan_buf* const*)pa;
  const tflrt_plan_buf* y = *(const tflrt_plan_buf* const*)pb;
  if (x->offset != y->offset) return x->offset < y->offset ? -1 : 1;
  return 0;
}

int tflrt_plan(tflrt_plan_buf* bufs, int32_t n, uint64_t align, uint64_t* total) {
  *total = 0;
  if (n <= 0) return 0;
  if (align == 0) align = 1;
  order_item* order = malloc(sizeof(*order) * (size_t)n);
  const tflrt_plan_buf** live = malloc(sizeof(*live) * (size_t)n);
  uint64_t* aligned = malloc(sizeof(*aligned) * (size_t)n);
  if (!order || !live || !aligned) {
    free(order), free(live), free(aligned);
    return -1;
  }
  for (int32_t i = 0; i < n; i++) {
    order[i].bufs = bufs;
    order[i].idx = i;
    if (bufs[i].size > UINT64_MAX - align) {
      free(order), free(live), free(aligned);
      return -1;
    }
    aligned[i] = (bufs[i].size + align - 1) / align * align;
  }
  qsort(order, (size_t)n, sizeof(*order), by_size_desc);
  uint64_t high = 0;
  for (int32_t k = 0; k < n; k++) {
    tflrt_plan_buf* b = &bufs[order[k].idx];
    const uint64_t need = aligned[order[k].idx];
    b->offset = 0;
    if (need == 0) continue;
    int32_t nl = 0;
    for (int32_t j = 0; j < k; j++) {
      const tflrt_plan_buf* o = &bufs[order[j].idx];
      if (aligned[order[j].idx] == 0) continue;
      if (o->first <= b->last && b->first <= o->last) live[nl++] = o;
    }
    qsort(live, (size_t)nl, sizeof(*live), by_offset);
    uint64_t best = UINT64_MAX, best_gap = UINT64_MAX, cursor = 0;
    for (int32_t j = 0; j < nl; j++) {
      const uint64_t start = live[j]->offset;
      if (start > cursor) {
        const uint64_t gap = start - cursor;
        if (gap >= need && gap < best_gap) {
          best_gap = gap;
          best = cursor;
        }
      }
      const uint64_t end = live[j]->offset + (live[j]->size + align - 1) / align * align;
      if (end > cursor) cursor = end;
    }
    b->offset = best != UINT64_MAX ? best : cursor;
    if (b->offset > UINT64_MAX - need) {
      free(order), free(live), free(aligned);
      return -1;
    }
    if (b->offset + need > high) high = b->offset + need;
  }
  free(order), free(live), free(aligned);
  *total = high;
  return 0;
}
