/* Graph partitioning for delegates (see partition.h). */
#include "partition.h"

#include <stdlib.h>
#include <string.h>

void tflrt_partition_result_free(tflrt_partition_result* r) {
  if (!r) return;
  free(r->start);
  free(r->order);
  free(r->delegated);
  memset(r, 0, sizeof(*r));
}

/* Checks offsets and indices, and that the nodes are in execution order: every producer of a
 * tensor a node reads comes before that node. Counts the producers of each tensor. */
static int check_graph(const tflrt_pgraph* g, int32_t* producers, int32_t* last_producer) {
  const int32_t n = g->n_nodes, nt = g->n_tensors;
  if (g->in_off[0] != 0 || g->out_off[0] != 0) return 0;
  for (int32_t k = 0; k < n; k++)
    if (g->in_off[k + 1] < g->in_off[k] || g->out_off[k + 1] < g->out_off[k]) return 0;
  for (int32_t t = 0; t < nt; t++) last_producer[t] = -1;
  for (int32_t k = 0; k < n; k++) {
    for (int32_t j = g->in_off[k]; j < g->in_off[k + 1]; j++) {
      const int32_t t = g->in_idx[j];
      if (t >= nt) return 0;
    }
    for (int32_t j = g->out_off[k]; j < g->out_off[k + 1]; j++) {
      const int32_t t = g->out_idx[j];
      if (t < 0 || t >= nt) return 0;
      producers[t]++;
      last_producer[t] = k;
    }
  }
  /* A node that reads a tensor written by a later node (read before written, or written
   * again after the read) has no valid place in a reordered plan: refuse such graphs. */
  for (int32_t k = 0; k < n; k++)
    for (int32_t j = g->in_off[k]; j < g->in_off[k + 1]; j++) {
      const int32_t t = g->in_idx[j];
      if (t >= 0 && last_producer[t] > k) return 0;
    }
  return 1;
}

static void sort_ascending(int32_t* a, int32_t n) {
  for (int32_t i = 1; i < n; i++) { /* subsets are built almost sorted: insertion sort */
    const int32_t v = a[i];
    int32_t j = i - 1;
    while (j >= 0 && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}

/* Applies max_partitions / min_nodes to the supported subsets. */
static int select_largest(tflrt_partition_result* r, const uint8_t* kind, const tflrt_partition_opts* o) {
  int32_t* idx = malloc(sizeof(int32_t) * ((size_t)r->n_subsets + 1));
  if (!idx) return TFLRT_PARTITION_NOMEM;
  int32_t m = 0;
  for (int32_t s = 0; s < r->n_subsets; s++)
    if (kind[s]) idx[m++] = s;
  r->n_found = m;
  /* stable sort by size, largest first */
  for (int32_t i = 1; i < m; i++) {
    const int32_t v = idx[i];
    const int32_t sz = r->start[v + 1] - r->start[v];
    int32_t j = i - 1;
    while (j >= 0 && r->start[idx[j] + 1] - r->start[idx[j]] < sz) {
      idx[j + 1] = idx[j];
      j--;
    }
    idx[j + 1] = v;
  }
  const int32_t max = o->max_partitions > 0 ? o->max_partitions : INT32_MAX;
  const int32_t min = o->min_nodes > 1 ? o->min_nodes : 1;
  int32_t kept = 0;
  for (int32_t i = 0; i < m; i++) {
    const int32_t s = idx[i];
    if (kept < max && r->start[s + 1] - r->start[s] >= min) {
      r->delegated[s] = 1;
      kept++;
    }
  }
  r->n_delegated = kept;
  free(idx);
  return TFLRT_PARTITION_OK;
}

int tflrt_partition_graph(const tflrt_pgraph* g, const tflrt_partition_opts* o, tflrt_partition_result* out) {
  memset(out, 0, sizeof(*out));
  const int32_t n = g->n_nodes, nt = g->n_tensors;
  if (n < 0 || nt < 0) return TFLRT_PARTITION_BAD_GRAPH;
  int32_t* pending = calloc((size_t)nt + 1, sizeof(int32_t));     /* producers not yet placed */
  int32_t* scratch = calloc((size_t)nt + 1, sizeof(int32_t));
  int32_t* ctrl_prev = malloc(sizeof(int32_t) * ((size_t)n + 1));  /* previous side-effect node */
  uint8_t* placed = calloc((size_t)n + 1, 1);
  uint8_t* kind = calloc((size_t)n + 1, 1);                        /* per subset */
  out->start = malloc(sizeof(int32_t) * ((size_t)n + 2));
  out->order = malloc(sizeof(int32_t) * ((size_t)n + 1));
  out->delegated = calloc((size_t)n + 1, 1);
  int rc = TFLRT_PARTITION_OK;
  if (!pending || !scratch || !ctrl_prev || !placed || !kind || !out->start || !out->order || !out->delegated) {
    rc = TFLRT_PARTITION_NOMEM;
    goto done;
  }
  if (!check_graph(g, pending, scratch)) {
    rc = TFLRT_PARTITION_BAD_GRAPH;
    goto done;
  }
  for (int32_t k = 0, last = -1; k < n; k++) {
    ctrl_prev[k] = -1;
    if (g->side_effect && g->side_effect[k]) {
      ctrl_prev[k] = last;
      last = k;
    }
  }
  const int greedy = o->greedy != 0, no_fusion = o->no_fusion != 0;
  int32_t n_placed = 0, n_subsets = 0, first_open = 0;
  while (n_placed < n) {
    const int32_t begin = n_placed;
    int cur = -1; /* kind of this subset, set by its first runnable node */
    int closed = 0;
    while (!closed) {
      int did = 0;
      while (first_open < n && placed[first_open]) first_open++;
      for (int32_t k = first_open; k < n && !closed; k++) {
        if (placed[k]) continue;
        int ready = ctrl_prev[k] < 0 || placed[ctrl_prev[k]];
        for (int32_t j = g->in_off[k]; ready && j < g->in_off[k + 1]; j++) {
          const int32_t t = g->in_idx[j];
          if (t >= 0 && pending[t] > 0) ready = 0;
        }
        const int kk = g->supported[k] ? 1 : 0;
        if (ready && (no_fusion && n_placed > begin)) ready = 0;
        if (!ready || (cur >= 0 && kk != cur)) {
          if (did && !greedy) closed = 1;
          continue;
        }
        cur = kk;
        placed[k] = 1;
        for (int32_t j = g->out_off[k]; j < g->out_off[k + 1]; j++) pending[g->out_idx[j]]--;
        out->order[n_placed++] = k;
        did = 1;
      }
      if (!did) closed = 1;
    }
    if (n_placed == begin) { /* nothing runnable: a cycle */
      rc = TFLRT_PARTITION_BAD_GRAPH;
      goto done;
    }
    sort_ascending(out->order + begin, n_placed - begin);
    out->start[n_subsets] = begin;
    kind[n_subsets] = (uint8_t)cur;
    n_subsets++;
  }
  out->start[n_subsets] = n_placed;
  out->n_subsets = n_subsets;
  rc = select_largest(out, kind, o);
done:
  free(pending);
  free(scratch);
  free(ctrl_prev);
  free(placed);
  free(kind);
  if (rc != TFLRT_PARTITION_OK) tflrt_partition_result_free(out);
  return rc;
}
