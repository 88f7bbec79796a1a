/* refcheck: the reference-check delegate that ships with tflite_rt. The example to copy when
 * writing a delegate (docs/delegates.md walks through it).
 *
 * What it does: claims CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, MUL, AVERAGE_POOL_2D,
 * MAX_POOL_2D, RESHAPE and SOFTMAX nodes on float32 and int8 tensors (ops.c says exactly which),
 * and runs them with its own plain C kernels. For delegate authors it is a check of the
 * contract between the runtime and a plugin:
 *   - prepare recomputes every output shape with the op's own rules and refuses a partition
 *     whose propagated shapes disagree (the runtime then runs the subgraph on CPU and reports
 *     why);
 *   - invoke checks that each buffer the runtime passes has the tensor, type, shape and byte
 *     size seen in prepare, and memory;
 *   - with check_finite=1, invoke fails as soon as a float node writes NaN or infinity, naming
 *     the node and tensor (useful to find where a model blows up).
 * Its outputs equal the CPU kernels' (int8 bit for bit; float32 within rounding), which the
 * test suite checks on real models.
 *
 * Options: ops=NAME,NAME,... (claim only these op types; default all), check_finite=0|1. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refcheck.h"

#define RC_VERSION "1.0.0"

static size_t type_size(int32_t type) {
  switch (type) {
    case TFLRT_FLOAT32:
    case TFLRT_INT32:
    case TFLRT_UINT32: return 4;
    case TFLRT_INT8:
    case TFLRT_UINT8:
    case TFLRT_BOOL: return 1;
    case TFLRT_INT16:
    case TFLRT_UINT16:
    case TFLRT_FLOAT16: return 2;
    case TFLRT_INT64:
    case TFLRT_UINT64:
    case TFLRT_FLOAT64: return 8;
    default: return 0;
  }
}

static void shape_text(const int32_t* d, int32_t n, char* buf, size_t cap) {
  size_t used = (size_t)snprintf(buf, cap, "[");
  for (int32_t i = 0; i < n && used < cap; i++) used += (size_t)snprintf(buf + used, cap - used, "%s%d", i ? ", " : "", (int)d[i]);
  if (used < cap) snprintf(buf + used, cap - used, "]");
}

/* ---- select_nodes ---- */

static int rc_select(tflrt_delegate* self, const tflrt_graph_view* g, uint8_t* supported) {
  const rc_config* cfg = self->user;
  char why[256];
  for (int32_t n = 0; n < g->num_nodes(g); n++) {
    const int32_t code = g->node_builtin_code(g, n);
    int enabled = 0;
    for (int i = 0; i < rc_num_ops; i++)
      if (rc_op_codes[i] == code) enabled = (cfg->ops_mask >> i) & 1u;
    supported[n] = (uint8_t)(enabled && rc_supported(g, n, why, sizeof why) == 0);
  }
  return 0;
}

/* ---- init: the partition's program ---- */

static int32_t find_slot(const rc_part* p, int32_t tensor) {
  for (int32_t i = 0; i < p->n_tensors; i++)
    if (p->tensors[i].tensor == tensor) return i;
  return -1;
}

static int32_t index_in(const int32_t* v, int32_t n, int32_t x) {
  for (int32_t i = 0; i < n; i++)
    if (v[i] == x) return i;
  return -1;
}

/* Adds tensor t to the partition's table (once) and returns its slot. */
static int32_t add_tensor(const tflrt_graph_view* g, const tflrt_partition* part, rc_part* p, int32_t t) {
  int32_t s = find_slot(p, t);
  if (s >= 0) return s;
  rc_tensor* x = &p->tensors[p->n_tensors];
  memset(x, 0, sizeof(*x));
  x->tensor = t;
  if (g->tensor_const_data(g, t, NULL) != NULL) {
    x->kind = RC_CONST;
  } else if ((x->io = index_in(part->inputs, part->n_inputs, t)) >= 0) {
    x->kind = RC_IN;
  } else if ((x->io = index_in(part->outputs, part->n_outputs, t)) >= 0) {
    x->kind = RC_OUT;
  } else {
    x->kind = RC_INTERNAL;
  }
  return p->n_tensors++;
}

static void part_free(rc_part* p) {
  if (!p) return;
  for (int32_t i = 0; i < p->n_nodes; i++) rc_free_node(&p->nodes[i]);
  for (int32_t i = 0; p->tensors && i < p->n_tensors; i++)
    if (p->tensors[i].kind == RC_INTERNAL) free(p->tensors[i].data);
  free(p->tensors);
  free(p->nodes);
  free(p);
}

static int rc_init(tflrt_delegate* self, const tflrt_graph_view* g, const tflrt_partition* part, void** state) {
  int32_t max_tensors = 0;
  for (int32_t k = 0; k < part->n_nodes; k++)
    max_tensors += g->node_num_inputs(g, part->nodes[k]) + g->node_num_outputs(g, part->nodes[k]);
  rc_part* p = calloc(1, sizeof(*p));
  if (p) {
    p->tensors = calloc((size_t)max_tensors + 1, sizeof(rc_tensor));
    p->nodes = calloc((size_t)part->n_nodes + 1, sizeof(rc_node));
  }
  if (!p || !p->tensors || !p->nodes) {
    part_free(p);
    g->report_error(g, "refcheck: out of memory");
    return 1;
  }
  p->n_io_inputs = part->n_inputs;
  p->n_io_outputs = part->n_outputs;
  for (int32_t k = 0; k < part->n_nodes; k++) {
    const int32_t n = part->nodes[k];
    rc_node* nd = &p->nodes[p->n_nodes++];
    nd->node = n;
    nd->code = g->node_builtin_code(g, n);
    /* The runtime only hands over nodes select_nodes claimed; check anyway (a plugin must not
     * trust its caller more than its caller trusts it). */
    if (rc_supported(g, n, p->msg, sizeof p->msg) != 0 || g->node_num_inputs(g, n) > RC_MAX_INPUTS) {
      char m[600];
      snprintf(m, sizeof m, "refcheck: node %d (%s) is not supported: %s", (int)n, rc_op_name(nd->code), p->msg);
      g->report_error(g, m);
      part_free(p);
      return 1;
    }
    nd->n_in = g->node_num_inputs(g, n);
    for (int32_t i = 0; i < nd->n_in; i++) {
      const int32_t t = g->node_input(g, n, i);
      nd->in[i] = t >= 0 ? add_tensor(g, part, p, t) : -1;
    }
    nd->out = add_tensor(g, part, p, g->node_output(g, n, 0));
    if (rc_read_options(g, nd, p->msg, sizeof p->msg) != 0) {
      g->report_error(g, p->msg);
      part_free(p);
      return 1;
    }
  }
  *state = p;
  return 0;
}

/* ---- prepare: final shapes, own shape rules, parameters, internal buffers ---- */

static int rc_prepare(tflrt_delegate* self, void* state, const tflrt_graph_view* g, const tflrt_partition* part) {
  rc_part* p = state;
  for (int32_t i = 0; i < p->n_tensors; i++) {
    rc_tensor* t = &p->tensors[i];
    t->type = g->tensor_type(g, t->tensor);
    t->ndims = g->tensor_ndims(g, t->tensor);
    if (t->ndims < 0 || t->ndims > RC_MAX_DIMS) {
      snprintf(p->msg, sizeof p->msg, "refcheck: tensor %d has rank %d", (int)t->tensor, (int)t->ndims);
      g->report_error(g, p->msg);
      return 1;
    }
    memcpy(t->dims, g->tensor_dims(g, t->tensor), sizeof(int32_t) * (size_t)t->ndims);
    size_t bytes = type_size(t->type);
    for (int32_t d = 0; d < t->ndims; d++) bytes *= (size_t)t->dims[d];
    t->bytes = bytes;
    t->scale = 0.0f;
    t->zero_point = 0;
    if (g->tensor_num_quant(g, t->tensor) >= 1) {
      t->scale = g->tensor_scales(g, t->tensor)[0];
      t->zero_point = (int32_t)g->tensor_zero_points(g, t->tensor)[0];
    }
    if (t->kind == RC_CONST) {
      size_t have = 0;
      t->data = (void*)(uintptr_t)g->tensor_const_data(g, t->tensor, &have);
      if (have < bytes) {
        snprintf(p->msg, sizeof p->msg, "refcheck: constant tensor %d ('%s') holds %zu bytes, its shape needs %zu",
                 (int)t->tensor, g->tensor_name(g, t->tensor), have, bytes);
        g->report_error(g, p->msg);
        return 1;
      }
    } else if (t->kind == RC_INTERNAL) {
      free(t->data);
      t->data = malloc(bytes ? bytes : 1);
      if (!t->data) {
        g->report_error(g, "refcheck: out of memory for an internal tensor");
        return 1;
      }
    }
  }
  for (int32_t k = 0; k < p->n_nodes; k++) {
    if (rc_prepare_node(g, p, &p->nodes[k], p->msg, sizeof p->msg) != 0) {
      char m[600];
      snprintf(m, sizeof m, "refcheck: %s", p->msg);
      g->report_error(g, m);
      return 1;
    }
  }
  return 0;
}

/* ---- invoke: check the buffers, run, optionally check the values ---- */

static int bind(const tflrt_graph_view* g, rc_part* p, rc_tensor* t, const tflrt_tensor_buffer* b, const char* role) {
  int ok = b->tensor == t->tensor && b->type == t->type && b->ndims == t->ndims && b->bytes == t->bytes &&
           (b->data != NULL || b->bytes == 0);
  for (int32_t d = 0; ok && d < t->ndims; d++) ok = b->dims[d] == t->dims[d];
  if (!ok) {
    char got[128], want[128];
    shape_text(b->dims, b->ndims > RC_MAX_DIMS ? 0 : b->ndims, got, sizeof got);
    shape_text(t->dims, t->ndims, want, sizeof want);
    snprintf(p->msg, sizeof p->msg,
             "refcheck: the runtime passed %s buffer for tensor %d (type %d, shape %s, %zu bytes, data %s) where "
             "prepare saw tensor %d (type %d, shape %s, %zu bytes)",
             role, (int)b->tensor, (int)b->type, got, b->bytes, b->data ? "set" : "NULL", (int)t->tensor,
             (int)t->type, want, t->bytes);
    g->report_error(g, p->msg);
    return 1;
  }
  t->data = b->data;
  return 0;
}

static int check_finite(const tflrt_graph_view* g, rc_part* p, const rc_node* nd) {
  const rc_tensor* t = &p->tensors[nd->out];
  if (t->type != TFLRT_FLOAT32) return 0;
  const float* v = t->data;
  const size_t n = t->bytes / sizeof(float);
  for (size_t i = 0; i < n; i++) {
    if (isfinite(v[i])) continue;
    snprintf(p->msg, sizeof p->msg, "refcheck: node %d (%s) wrote %s to tensor %d ('%s') at element %zu",
             (int)nd->node, rc_op_name(nd->code), isnan(v[i]) ? "NaN" : "infinity", (int)t->tensor,
             g->tensor_name(g, t->tensor), i);
    g->report_error(g, p->msg);
    return 1;
  }
  return 0;
}

static int rc_invoke(tflrt_delegate* self, void* state, const tflrt_graph_view* g, const tflrt_partition_io* io) {
  const rc_config* cfg = self->user;
  rc_part* p = state;
  if (io->n_inputs != p->n_io_inputs || io->n_outputs != p->n_io_outputs) {
    snprintf(p->msg, sizeof p->msg, "refcheck: the runtime passed %d inputs and %d outputs; the partition has %d and %d",
             (int)io->n_inputs, (int)io->n_outputs, (int)p->n_io_inputs, (int)p->n_io_outputs);
    g->report_error(g, p->msg);
    return 1;
  }
  for (int32_t i = 0; i < p->n_tensors; i++) {
    rc_tensor* t = &p->tensors[i];
    if (t->kind == RC_IN && bind(g, p, t, &io->inputs[t->io], "an input")) return 1;
    if (t->kind == RC_OUT && bind(g, p, t, &io->outputs[t->io], "an output")) return 1;
  }
  for (int32_t k = 0; k < p->n_nodes; k++) {
    rc_run_node(p, &p->nodes[k]);
    if (cfg->check_finite && check_finite(g, p, &p->nodes[k])) return 1;
  }
  return 0;
}

static void rc_free(tflrt_delegate* self, void* state) { part_free(state); }

/* ---- entry points ---- */

static int parse_ops(const char* list, uint32_t* mask, char* msg, size_t cap) {
  *mask = 0;
  for (const char* s = list; *s;) {
    const char* e = strchr(s, ',');
    const size_t len = e ? (size_t)(e - s) : strlen(s);
    int found = 0;
    for (int i = 0; i < rc_num_ops; i++)
      if (strlen(rc_op_names[i]) == len && strncmp(rc_op_names[i], s, len) == 0) {
        *mask |= 1u << i;
        found = 1;
      }
    if (!found && len > 0) {
      snprintf(msg, cap, "refcheck: unknown op '%.*s' in option ops (refcheck runs CONV_2D, DEPTHWISE_CONV_2D, "
               "FULLY_CONNECTED, ADD, MUL, AVERAGE_POOL_2D, MAX_POOL_2D, RESHAPE, SOFTMAX)", (int)len, s);
      return 1;
    }
    s = e ? e + 1 : s + len;
  }
  return 0;
}

TFLRT_DELEGATE_EXPORT tflrt_delegate* tflrt_delegate_create(const char* const* keys, const char* const* values,
                                                            size_t n_options, tflrt_delegate_error_fn report_error,
                                                            void* error_user) {
  rc_config* cfg = calloc(1, sizeof(*cfg));
  tflrt_delegate* d = calloc(1, sizeof(*d));
  if (!cfg || !d) {
    free(cfg), free(d);
    report_error(error_user, "refcheck: out of memory");
    return NULL;
  }
  cfg->ops_mask = (1u << rc_num_ops) - 1;
  char msg[512];
  for (size_t i = 0; i < n_options; i++) {
    int bad = 0;
    if (strcmp(keys[i], "ops") == 0) {
      bad = parse_ops(values[i], &cfg->ops_mask, msg, sizeof msg);
    } else if (strcmp(keys[i], "check_finite") == 0) {
      if (strcmp(values[i], "0") == 0 || strcmp(values[i], "False") == 0 || strcmp(values[i], "false") == 0) {
        cfg->check_finite = 0;
      } else if (strcmp(values[i], "1") == 0 || strcmp(values[i], "True") == 0 || strcmp(values[i], "true") == 0) {
        cfg->check_finite = 1;
      } else {
        snprintf(msg, sizeof msg, "refcheck: check_finite must be 0 or 1, got '%s'", values[i]);
        bad = 1;
      }
    } else {
      snprintf(msg, sizeof msg, "refcheck: unknown option '%s' (refcheck takes ops=NAME,... and check_finite=0|1)",
               keys[i]);
      bad = 1;
    }
    if (bad) {
      report_error(error_user, msg);
      free(cfg), free(d);
      return NULL;
    }
  }
  d->abi_version = TFLRT_DELEGATE_ABI_VERSION;
  d->struct_size = sizeof(tflrt_delegate);
  d->name = "refcheck";
  d->flags = 0; /* partitions share nothing: calls for different partitions may run concurrently */
  d->user = cfg;
  d->select_nodes = rc_select;
  d->init = rc_init;
  d->prepare = rc_prepare;
  d->invoke = rc_invoke;
  d->free = rc_free;
  d->version = RC_VERSION;
  return d;
}

TFLRT_DELEGATE_EXPORT void tflrt_delegate_destroy(tflrt_delegate* d) {
  if (!d) return;
  free(d->user);
  free(d);
}
