/* Graph partitioning for delegates: a pure function (no interpreter state).
 *
 * Input: a graph of n nodes given in a valid execution order (every tensor a node reads is
 * produced by an earlier node, or by no node at all: graph inputs, constants, variables), a
 * per-node "supported" flag, and an optional per-node "side effect" flag.
 *
 * Output: the nodes grouped into subsets listed in a new valid execution order. Each subset
 * holds nodes of one kind (all supported or all unsupported); every edge between subsets goes
 * from an earlier subset to a later one, so running each delegated subset as one step never
 * creates a cycle through CPU nodes.
 *
 * Algorithm (the semantics of LiteRT's PartitionGraphIntoIndependentNodeSubsets, implemented
 * independently): subsets are built one after the other. A new subset takes the kind of the
 * first node, in execution order, whose inputs are all available; then
 *   greedy (default)  it absorbs every node of its kind that becomes runnable, even if nodes
 *                     of the other kind that come earlier in the original order wait;
 *   not greedy        (experimental_disable_delegate_clustering) it stops at the first node,
 *                     in execution order, that cannot join, so the original order is kept;
 *   no_fusion         (experimental_disable_delegate_node_fusion) every subset has one node.
 * Nodes with side effects (variables, control flow, ...) keep their relative order: each
 * depends on the previous one.
 * Then max_partitions / min_nodes (LiteRT's max_delegated_partitions and
 * min_nodes_per_partition): the supported subsets are ranked by node count (largest first,
 * earlier first among equals); the first max_partitions of those with at least min_nodes nodes
 * stay delegated, the others run on CPU (their nodes keep their place in the order). */
#ifndef TFLITE_RT_PARTITION_H
#define TFLITE_RT_PARTITION_H

#include <stdint.h>

typedef struct {
  int32_t n_nodes, n_tensors;
  const int32_t* in_off;       /* n_nodes + 1: node k reads in_idx[in_off[k] .. in_off[k + 1]) */
  const int32_t* in_idx;       /* tensor indices; negative entries (absent optionals) ignored */
  const int32_t* out_off;      /* n_nodes + 1 */
  const int32_t* out_idx;
  const uint8_t* supported;    /* per node: 1 = the delegate can run it */
  const uint8_t* side_effect;  /* per node, or NULL */
} tflrt_pgraph;

typedef struct {
  int32_t greedy;              /* 1 = default clustering, 0 = keep execution order */
  int32_t no_fusion;           /* 1 = one node per subset */
  int32_t max_partitions;      /* <= 0: no limit */
  int32_t min_nodes;           /* <= 1: no minimum */
} tflrt_partition_opts;

typedef struct {
  int32_t n_subsets;
  int32_t* start;              /* n_subsets + 1 offsets into order */
  int32_t* order;              /* n_nodes: the new execution order, subset by subset; ascending
                                  original position inside a subset */
  uint8_t* delegated;          /* per subset: 1 = runs on the delegate */
  int32_t n_found;             /* supported subsets before max_partitions / min_nodes */
  int32_t n_delegated;         /* subsets with delegated == 1 */
} tflrt_partition_result;

enum { TFLRT_PARTITION_OK = 0, TFLRT_PARTITION_NOMEM = -1, TFLRT_PARTITION_BAD_GRAPH = -2 };

/* Returns TFLRT_PARTITION_OK and fills *out (free it with tflrt_partition_result_free), or a
 * negative code: out of memory, or a graph that is not in execution order / has an index out
 * of range (then *out is empty). */
int tflrt_partition_graph(const tflrt_pgraph* g, const tflrt_partition_opts* opts, tflrt_partition_result* out);
void tflrt_partition_result_free(tflrt_partition_result* r);

#endif
