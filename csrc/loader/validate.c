/* Graph checks of a decoded subgraph: every operator reads only tensors that exist when it
 * runs, writes only tensors nobody else writes, and never reads what it writes.
 *
 * A tensor is "available from the start" when it is a constant (has data), a subgraph input,
 * a variable, or has no elements and no producer. Every other tensor must be the output of exactly one operator, and every
 * operator may read it only if that operator comes earlier in the list; this rejects
 * use-before-production and therefore cycles (an operator list is the execution order, so a
 * cycle always contains a read of a later operator's output). Indices were range-checked
 * while decoding. Costs O(tensors + total op inputs/outputs). */
#include <stdlib.h>

#include "loader_internal.h"
#include "schema.h"

enum { SRC_NONE = 0, SRC_CONST = 1, SRC_INPUT = 2, SRC_VARIABLE = 3, SRC_EMPTY = 4 };

typedef struct {
  int32_t* producer; /* operator index, -1 = none */
  int32_t* stamp;    /* last operator that read the tensor, + 1 */
  uint8_t* source;   /* SRC_* */
} graph_scratch;

static const char* op_name(const tflrt_mop* op) {
  const char* n = tflrt_builtin_name(op->builtin_code);
  return n ? n : "?";
}

static const char* source_text(int s) {
  return s == SRC_CONST ? "a constant" : s == SRC_INPUT ? "a subgraph input" : "a variable";
}

static int check_subgraph(ld_ctx* c, int32_t sg, graph_scratch* g) {
  const tflrt_msubgraph* s = &c->m->subgraphs[sg];
  char name[LD_NAME_CAP];
#define TNAME(t) ld_printable(s->tensors[t].name, name, sizeof name)

  for (int32_t t = 0; t < s->n_tensors; t++) {
    g->producer[t] = -1;
    g->stamp[t] = 0;
    const tflrt_mtensor* x = &s->tensors[t];
    g->source[t] = x->data ? SRC_CONST : x->is_variable ? SRC_VARIABLE : SRC_NONE;
    for (int32_t d = 0; d < x->ndims && g->source[t] == SRC_NONE; d++)
      if (x->dims[d] == 0) g->source[t] = SRC_EMPTY; /* no elements: nothing to wait for */
  }
  for (int32_t i = 0; i < s->n_inputs; i++) {
    int32_t t = s->inputs[i];
    if (g->source[t] == SRC_CONST)
      return ld_fail(c, TFLRT_ERR_MODEL, "Subgraph %d: input %d is tensor %d ('%s'), which is a constant",
                     (int)sg, (int)i, (int)t, TNAME(t));
    if (g->source[t] == SRC_NONE || g->source[t] == SRC_EMPTY) g->source[t] = SRC_INPUT;
  }

  /* pass 1: who writes what */
  for (int32_t o = 0; o < s->n_ops; o++) {
    const tflrt_mop* op = &s->ops[o];
    for (int32_t j = 0; j < op->n_inputs; j++)
      if (op->inputs[j] >= 0) g->stamp[op->inputs[j]] = o + 1;
    for (int32_t j = 0; j < op->n_outputs; j++) {
      int32_t t = op->outputs[j];
      if (g->stamp[t] == o + 1)
        return ld_fail(c, TFLRT_ERR_MODEL,
                       "Subgraph %d, operator %d (%s): tensor %d ('%s') is both an input and an output",
                       (int)sg, (int)o, op_name(op), (int)t, TNAME(t));
      if (g->source[t] == SRC_CONST || g->source[t] == SRC_INPUT)
        return ld_fail(c, TFLRT_ERR_MODEL, "Subgraph %d, operator %d (%s): output %d is tensor %d ('%s'), which is %s",
                       (int)sg, (int)o, op_name(op), (int)j, (int)t, TNAME(t), source_text(g->source[t]));
      if (g->source[t] == SRC_VARIABLE) continue; /* state written in place */
      if (g->source[t] == SRC_EMPTY) g->source[t] = SRC_NONE; /* produced: order it like others */
      if (g->producer[t] >= 0)
        return ld_fail(c, TFLRT_ERR_MODEL,
                       "Subgraph %d, operator %d (%s): output %d is tensor %d ('%s'), already produced by operator %d",
                       (int)sg, (int)o, op_name(op), (int)j, (int)t, TNAME(t), (int)g->producer[t]);
      g->producer[t] = o;
    }
  }

  /* pass 2: every read happens after the write */
  for (int32_t o = 0; o < s->n_ops; o++) {
    const tflrt_mop* op = &s->ops[o];
    for (int32_t j = 0; j < op->n_inputs; j++) {
      int32_t t = op->inputs[j];
      if (t < 0 || g->source[t] != SRC_NONE) continue;
      int32_t p = g->producer[t];
      if (p >= 0 && p < o) continue;
      if (p < 0)
        return ld_fail(c, TFLRT_ERR_MODEL,
                       "Subgraph %d, operator %d (%s): input %d is tensor %d ('%s'), which no operator produces and "
                       "which is not a constant, a subgraph input or a variable",
                       (int)sg, (int)o, op_name(op), (int)j, (int)t, TNAME(t));
      return ld_fail(c, TFLRT_ERR_MODEL,
                     "Subgraph %d, operator %d (%s): input %d is tensor %d ('%s'), produced only later by operator %d "
                     "(operators out of order or a cycle)",
                     (int)sg, (int)o, op_name(op), (int)j, (int)t, TNAME(t), (int)p);
    }
  }

  for (int32_t i = 0; i < s->n_outputs; i++) {
    int32_t t = s->outputs[i];
    if (g->source[t] == SRC_NONE && g->producer[t] < 0)
      return ld_fail(c, TFLRT_ERR_MODEL,
                     "Subgraph %d: output %d is tensor %d ('%s'), which nothing produces", (int)sg, (int)i,
                     (int)t, TNAME(t));
  }
#undef TNAME
  return TFLRT_OK;
}

int ld_validate_subgraph(ld_ctx* c, int32_t sg) {
  const int32_t n = c->m->subgraphs[sg].n_tensors;
  size_t cnt = n > 0 ? (size_t)n : 1;
  graph_scratch g;
  g.producer = malloc(cnt * sizeof(int32_t));
  g.stamp = malloc(cnt * sizeof(int32_t));
  g.source = malloc(cnt);
  int rc;
  if (g.producer == NULL || g.stamp == NULL || g.source == NULL)
    rc = ld_fail(c, TFLRT_ERR_NOMEM, "out of memory checking subgraph %d (%d tensors)", (int)sg, (int)n);
  else
    rc = check_subgraph(c, sg, &g);
  free(g.producer);
  free(g.stamp);
  free(g.source);
  return rc;
}
