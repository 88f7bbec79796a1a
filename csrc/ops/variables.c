/* Resource variables: VAR_HANDLE names a variable, READ_VARIABLE and ASSIGN_VARIABLE read and
 * write it. A RESOURCE tensor holds one int32 handle; values live in the interpreter
 * (tflrt_resource_*), survive across invokes and are shared by all subgraphs. */
#include <string.h>

#include "op.h"

enum { VAR_CONTAINER = 0, VAR_SHARED_NAME = 1 }; /* VarHandleOptions slots */

typedef struct {
  int32_t id;
} var_handle_data;

static int var_handle_parse(tflrt_ctx* ctx, tflrt_node* node) {
  var_handle_data* d = node->data;
  const char* container = NULL;
  const char* name = NULL;
  if (node->options &&
      (fb_str_field(node->options, VAR_CONTAINER, &container, NULL) ||
       fb_str_field(node->options, VAR_SHARED_NAME, &name, NULL)))
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed VarHandleOptions");
  return tflrt_resource_id(ctx, container, name, &d->id);
}

static int check_resource(tflrt_ctx* ctx, const tflrt_tensor* t, const char* what) {
  if (!t || t->type != TFLRT_RESOURCE || tflrt_num_elements(t) != 1)
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "%s must be a RESOURCE tensor with one element", what);
  return TFLRT_OK;
}

static int var_handle_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (node->n_outputs != 1 || !out || out->type != TFLRT_RESOURCE)
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "VAR_HANDLE needs one RESOURCE output");
  static const int32_t one[1] = {1};
  return tflrt_set_output_shape(ctx, out, out->ndims == 0 ? 0 : 1, one);
}

static int var_handle_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const var_handle_data* d = node->data;
  memcpy(tflrt_out(ctx, node, 0)->data, &d->id, sizeof d->id);
  return TFLRT_OK;
}

static int32_t handle_of(const tflrt_tensor* t) {
  int32_t id;
  memcpy(&id, t->data, sizeof id);
  return id;
}

static int read_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  if (node->n_inputs != 1 || node->n_outputs != 1) return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "needs 1 input and 1 output");
  int r = check_resource(ctx, tflrt_in(ctx, node, 0), "input 0");
  if (r) return r;
  /* The value's shape is whatever was last assigned: known only at eval. */
  return tflrt_set_dynamic(ctx, tflrt_out(ctx, node, 0));
}

static int read_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const tflrt_tensor* v;
  int has;
  int r = tflrt_resource_get(ctx, handle_of(tflrt_in(ctx, node, 0)), &v, &has);
  if (r) return r;
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if (!has) return tflrt_op_error(ctx, "the variable is read before it is assigned");
  if (v->type != out->type)
    return tflrt_op_error(ctx, "the variable holds %s but the output is %s", tflrt_type_name(v->type),
                          tflrt_type_name(out->type));
  r = tflrt_set_output_shape(ctx, out, v->ndims, v->dims);
  if (r) return r;
  if (out->bytes) memcpy(out->data, v->data, out->bytes);
  return TFLRT_OK;
}

static int assign_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  if (node->n_inputs != 2 || node->n_outputs != 0) return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "needs 2 inputs and no output");
  int r = check_resource(ctx, tflrt_in(ctx, node, 0), "input 0");
  if (r) return r;
  if (!tflrt_in(ctx, node, 1)) return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "input 1 (the value) is missing");
  return TFLRT_OK;
}

static int assign_eval(tflrt_ctx* ctx, tflrt_node* node) {
  return tflrt_resource_assign(ctx, handle_of(tflrt_in(ctx, node, 0)), tflrt_in(ctx, node, 1));
}

const tflrt_op tflrt_op_var_handle = {"VAR_HANDLE", 142, 1, 1, sizeof(var_handle_data), var_handle_parse,
                                      var_handle_prepare, var_handle_eval};
const tflrt_op tflrt_op_read_variable = {"READ_VARIABLE", 143, 1, 1, 0, NULL, read_prepare, read_eval};
const tflrt_op tflrt_op_assign_variable = {"ASSIGN_VARIABLE", 144, 1, 1, 0, NULL, assign_prepare, assign_eval};
