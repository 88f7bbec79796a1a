/* The op registry: one table line per op. Lookup is by (builtin code or custom name, version).
 * BUILTIN and BUILTIN_REF resolvers share these ops; they differ only in the kernel table. */
#include "registry.h"

#include <pthread.h>
#include <string.h>

extern const tflrt_op tflrt_op_conv_2d;
extern const tflrt_op tflrt_op_mean;
extern const tflrt_op tflrt_op_sum;
extern const tflrt_op tflrt_op_reduce_prod;
extern const tflrt_op tflrt_op_reduce_max;
extern const tflrt_op tflrt_op_reduce_min;
extern const tflrt_op tflrt_op_reduce_any;
extern const tflrt_op tflrt_op_reduce_all;
extern const tflrt_op tflrt_op_resize_bilinear;
extern const tflrt_op tflrt_op_resize_nearest_neighbor;
extern const tflrt_op tflrt_op_local_response_normalization;
extern const tflrt_op tflrt_op_batch_matmul;
extern const tflrt_op tflrt_op_transpose_conv;
extern const tflrt_op tflrt_op_conv_3d;
extern const tflrt_op tflrt_op_depthwise_conv_2d;
extern const tflrt_op tflrt_op_max_pool_2d;
extern const tflrt_op tflrt_op_average_pool_2d;
extern const tflrt_op tflrt_op_reshape;
extern const tflrt_op tflrt_op_squeeze;
extern const tflrt_op tflrt_op_expand_dims;
extern const tflrt_op tflrt_op_l2_pool_2d;
extern const tflrt_op tflrt_op_fully_connected;
extern const tflrt_op tflrt_op_unidirectional_sequence_lstm;
extern const tflrt_op tflrt_op_rnn;
extern const tflrt_op tflrt_op_unidirectional_sequence_rnn;
extern const tflrt_op tflrt_op_bidirectional_sequence_lstm;
extern const tflrt_op tflrt_op_softmax;
extern const tflrt_op tflrt_op_abs;
extern const tflrt_op tflrt_op_neg;
extern const tflrt_op tflrt_op_sqrt;
extern const tflrt_op tflrt_op_rsqrt;
extern const tflrt_op tflrt_op_exp;
extern const tflrt_op tflrt_op_log;
extern const tflrt_op tflrt_op_sin;
extern const tflrt_op tflrt_op_cos;
extern const tflrt_op tflrt_op_ceil;
extern const tflrt_op tflrt_op_floor;
extern const tflrt_op tflrt_op_round;
extern const tflrt_op tflrt_op_square;
extern const tflrt_op tflrt_op_sign;
extern const tflrt_op tflrt_op_relu;
extern const tflrt_op tflrt_op_relu6;
extern const tflrt_op tflrt_op_relu_n1_to_1;
extern const tflrt_op tflrt_op_relu_0_to_1;
extern const tflrt_op tflrt_op_leaky_relu;
extern const tflrt_op tflrt_op_elu;
extern const tflrt_op tflrt_op_hard_swish;
extern const tflrt_op tflrt_op_gelu;
extern const tflrt_op tflrt_op_logistic;
extern const tflrt_op tflrt_op_tanh;
extern const tflrt_op tflrt_op_prelu;
extern const tflrt_op tflrt_op_log_softmax;
extern const tflrt_op tflrt_op_cast;
extern const tflrt_op tflrt_op_l2_normalization;
extern const tflrt_op tflrt_op_quantize;
extern const tflrt_op tflrt_op_dequantize;
extern const tflrt_op tflrt_op_add;
extern const tflrt_op tflrt_op_sub;
extern const tflrt_op tflrt_op_mul;
extern const tflrt_op tflrt_op_div;
extern const tflrt_op tflrt_op_squared_difference;
extern const tflrt_op tflrt_op_maximum;
extern const tflrt_op tflrt_op_minimum;
extern const tflrt_op tflrt_op_pow;
extern const tflrt_op tflrt_op_floor_div;
extern const tflrt_op tflrt_op_floor_mod;
extern const tflrt_op tflrt_op_equal;
extern const tflrt_op tflrt_op_not_equal;
extern const tflrt_op tflrt_op_less;
extern const tflrt_op tflrt_op_less_equal;
extern const tflrt_op tflrt_op_greater;
extern const tflrt_op tflrt_op_greater_equal;
extern const tflrt_op tflrt_op_logical_and;
extern const tflrt_op tflrt_op_logical_or;
extern const tflrt_op tflrt_op_logical_not;
extern const tflrt_op tflrt_op_select;
extern const tflrt_op tflrt_op_select_v2;
extern const tflrt_op tflrt_op_add_n;
extern const tflrt_op tflrt_op_while;
extern const tflrt_op tflrt_op_if;
extern const tflrt_op tflrt_op_call_once;
extern const tflrt_op tflrt_op_var_handle;
extern const tflrt_op tflrt_op_read_variable;
extern const tflrt_op tflrt_op_assign_variable;
extern const tflrt_op tflrt_op_concatenation;
extern const tflrt_op tflrt_op_pack;
extern const tflrt_op tflrt_op_unpack;
extern const tflrt_op tflrt_op_split;
extern const tflrt_op tflrt_op_split_v;
extern const tflrt_op tflrt_op_slice;
extern const tflrt_op tflrt_op_strided_slice;
extern const tflrt_op tflrt_op_transpose;
extern const tflrt_op tflrt_op_tile;
extern const tflrt_op tflrt_op_reverse_v2;
extern const tflrt_op tflrt_op_broadcast_to;
extern const tflrt_op tflrt_op_gather;
extern const tflrt_op tflrt_op_gather_nd;
extern const tflrt_op tflrt_op_scatter_nd;
extern const tflrt_op tflrt_op_embedding_lookup;
extern const tflrt_op tflrt_op_one_hot;
extern const tflrt_op tflrt_op_pad;
extern const tflrt_op tflrt_op_padv2;
extern const tflrt_op tflrt_op_mirror_pad;
extern const tflrt_op tflrt_op_depth_to_space;
extern const tflrt_op tflrt_op_space_to_depth;
extern const tflrt_op tflrt_op_batch_to_space_nd;
extern const tflrt_op tflrt_op_space_to_batch_nd;
extern const tflrt_op tflrt_op_shape;
extern const tflrt_op tflrt_op_fill;
extern const tflrt_op tflrt_op_zeros_like;
extern const tflrt_op tflrt_op_range;
extern const tflrt_op tflrt_op_arg_max;
extern const tflrt_op tflrt_op_arg_min;
extern const tflrt_op tflrt_op_topk_v2;
extern const tflrt_op tflrt_op_cumsum;
extern const tflrt_op tflrt_op_densify;
extern const tflrt_op tflrt_op_non_max_suppression_v4;
extern const tflrt_op tflrt_op_non_max_suppression_v5;
extern const tflrt_op tflrt_op_detection_postprocess; /* custom op TFLite_Detection_PostProcess */
extern const tflrt_op tflrt_op_segment_sum;
extern const tflrt_op tflrt_op_unsorted_segment_sum;
extern const tflrt_op tflrt_op_unsorted_segment_prod;
extern const tflrt_op tflrt_op_unsorted_segment_max;
extern const tflrt_op tflrt_op_unsorted_segment_min;
extern const tflrt_op tflrt_op_matrix_diag;
extern const tflrt_op tflrt_op_matrix_set_diag;
extern const tflrt_op tflrt_op_reverse_sequence;
extern const tflrt_op tflrt_op_where;
extern const tflrt_op tflrt_op_unique;
extern const tflrt_op tflrt_op_rank;
extern const tflrt_op tflrt_op_broadcast_args;
extern const tflrt_op tflrt_op_bucketize;
extern const tflrt_op tflrt_op_bitwise_xor;
extern const tflrt_op tflrt_op_right_shift;
extern const tflrt_op tflrt_op_bitcast;
extern const tflrt_op tflrt_op_stablehlo_add;
extern const tflrt_op tflrt_op_stablehlo_multiply;
extern const tflrt_op tflrt_op_stablehlo_maximum;
extern const tflrt_op tflrt_op_stablehlo_minimum;
extern const tflrt_op tflrt_op_stablehlo_and;
extern const tflrt_op tflrt_op_real;
extern const tflrt_op tflrt_op_imag;
extern const tflrt_op tflrt_op_complex_abs;
extern const tflrt_op tflrt_op_atan2;
extern const tflrt_op tflrt_op_sparse_to_dense;
extern const tflrt_op tflrt_op_dynamic_update_slice;
extern const tflrt_op tflrt_op_fake_quant;
extern const tflrt_op tflrt_op_hashtable_lookup;
extern const tflrt_op tflrt_op_dilate;

static const tflrt_op* const builtin_ops[] = {
    &tflrt_op_conv_2d,
    &tflrt_op_mean,
    &tflrt_op_sum,
    &tflrt_op_reduce_prod,
    &tflrt_op_reduce_max,
    &tflrt_op_reduce_min,
    &tflrt_op_reduce_any,
    &tflrt_op_reduce_all,
    &tflrt_op_resize_bilinear,
    &tflrt_op_resize_nearest_neighbor,
    &tflrt_op_local_response_normalization,
    &tflrt_op_batch_matmul,
    &tflrt_op_transpose_conv,
    &tflrt_op_conv_3d,
    &tflrt_op_depthwise_conv_2d,
    &tflrt_op_max_pool_2d,
    &tflrt_op_average_pool_2d,
    &tflrt_op_reshape,
    &tflrt_op_squeeze,
    &tflrt_op_expand_dims,
    &tflrt_op_l2_pool_2d,
    &tflrt_op_fully_connected,
    &tflrt_op_unidirectional_sequence_lstm,
    &tflrt_op_rnn,
    &tflrt_op_unidirectional_sequence_rnn,
    &tflrt_op_bidirectional_sequence_lstm,
    &tflrt_op_softmax,
    &tflrt_op_abs,
    &tflrt_op_neg,
    &tflrt_op_sqrt,
    &tflrt_op_rsqrt,
    &tflrt_op_exp,
    &tflrt_op_log,
    &tflrt_op_sin,
    &tflrt_op_cos,
    &tflrt_op_ceil,
    &tflrt_op_floor,
    &tflrt_op_round,
    &tflrt_op_square,
    &tflrt_op_sign,
    &tflrt_op_relu,
    &tflrt_op_relu6,
    &tflrt_op_relu_n1_to_1,
    &tflrt_op_relu_0_to_1,
    &tflrt_op_leaky_relu,
    &tflrt_op_elu,
    &tflrt_op_hard_swish,
    &tflrt_op_gelu,
    &tflrt_op_logistic,
    &tflrt_op_tanh,
    &tflrt_op_prelu,
    &tflrt_op_log_softmax,
    &tflrt_op_cast,
    &tflrt_op_l2_normalization,
    &tflrt_op_quantize,
    &tflrt_op_dequantize,
    &tflrt_op_add,
    &tflrt_op_sub,
    &tflrt_op_mul,
    &tflrt_op_div,
    &tflrt_op_squared_difference,
    &tflrt_op_maximum,
    &tflrt_op_minimum,
    &tflrt_op_pow,
    &tflrt_op_floor_div,
    &tflrt_op_floor_mod,
    &tflrt_op_equal,
    &tflrt_op_not_equal,
    &tflrt_op_less,
    &tflrt_op_less_equal,
    &tflrt_op_greater,
    &tflrt_op_greater_equal,
    &tflrt_op_logical_and,
    &tflrt_op_logical_or,
    &tflrt_op_logical_not,
    &tflrt_op_select,
    &tflrt_op_select_v2,
    &tflrt_op_add_n,
    &tflrt_op_while,
    &tflrt_op_if,
    &tflrt_op_call_once,
    &tflrt_op_var_handle,
    &tflrt_op_read_variable,
    &tflrt_op_assign_variable,
    &tflrt_op_concatenation,
    &tflrt_op_pack,
    &tflrt_op_unpack,
    &tflrt_op_split,
    &tflrt_op_split_v,
    &tflrt_op_slice,
    &tflrt_op_strided_slice,
    &tflrt_op_transpose,
    &tflrt_op_tile,
    &tflrt_op_reverse_v2,
    &tflrt_op_broadcast_to,
    &tflrt_op_gather,
    &tflrt_op_gather_nd,
    &tflrt_op_scatter_nd,
    &tflrt_op_embedding_lookup,
    &tflrt_op_one_hot,
    &tflrt_op_pad,
    &tflrt_op_padv2,
    &tflrt_op_mirror_pad,
    &tflrt_op_depth_to_space,
    &tflrt_op_space_to_depth,
    &tflrt_op_batch_to_space_nd,
    &tflrt_op_space_to_batch_nd,
    &tflrt_op_shape,
    &tflrt_op_fill,
    &tflrt_op_zeros_like,
    &tflrt_op_range,
    &tflrt_op_arg_max,
    &tflrt_op_arg_min,
    &tflrt_op_topk_v2,
    &tflrt_op_cumsum,
    &tflrt_op_densify,
    &tflrt_op_non_max_suppression_v4,
    &tflrt_op_non_max_suppression_v5,
    &tflrt_op_detection_postprocess,
    &tflrt_op_segment_sum,
    &tflrt_op_unsorted_segment_sum,
    &tflrt_op_unsorted_segment_prod,
    &tflrt_op_unsorted_segment_max,
    &tflrt_op_unsorted_segment_min,
    &tflrt_op_matrix_diag,
    &tflrt_op_matrix_set_diag,
    &tflrt_op_reverse_sequence,
    &tflrt_op_where,
    &tflrt_op_unique,
    &tflrt_op_rank,
    &tflrt_op_broadcast_args,
    &tflrt_op_bucketize,
    &tflrt_op_bitwise_xor,
    &tflrt_op_right_shift,
    &tflrt_op_bitcast,
    &tflrt_op_stablehlo_add,
    &tflrt_op_stablehlo_multiply,
    &tflrt_op_stablehlo_maximum,
    &tflrt_op_stablehlo_minimum,
    &tflrt_op_stablehlo_and,
    &tflrt_op_real,
    &tflrt_op_imag,
    &tflrt_op_complex_abs,
    &tflrt_op_atan2,
    &tflrt_op_sparse_to_dense,
    &tflrt_op_dynamic_update_slice,
    &tflrt_op_fake_quant,
    &tflrt_op_hashtable_lookup,
    &tflrt_op_dilate,
};

#define N_BUILTIN ((int)(sizeof(builtin_ops) / sizeof(builtin_ops[0])))

/* Custom ops registered at run time through the C API (core/custom_ops.c): process-wide and
 * append-only (entries are never removed, so a pointer handed out stays valid), guarded by one
 * mutex because registration may happen from any thread while other threads create
 * interpreters. This array and its lock are the one piece of global mutable state of the ops. */
#define MAX_CUSTOM 256
static const tflrt_op* custom_ops[MAX_CUSTOM];
static int n_custom;
static pthread_mutex_t custom_mu = PTHREAD_MUTEX_INITIALIZER;

int tflrt_registry_add_custom(const tflrt_op* op) {
  if (op == NULL || op->name == NULL || op->prepare == NULL || op->eval == NULL) return -1;
  pthread_mutex_lock(&custom_mu);
  int r = -1;
  if (n_custom < MAX_CUSTOM) {
    custom_ops[n_custom++] = op;
    r = 0;
  }
  pthread_mutex_unlock(&custom_mu);
  return r;
}

/* Lookup of a custom op: ops registered at run time first (the newest wins, so a user's
 * implementation replaces a built-in one of the same name, as AddCustom does in TFLite), then
 * the built-in custom ops of the table above (builtin_code 32, found by name like TFLite's
 * BuiltinOpResolver finds TFLite_Detection_PostProcess). */
static const tflrt_op* find_custom(const char* name, int32_t version, int* found_other_version) {
  const tflrt_op* hit = NULL;
  pthread_mutex_lock(&custom_mu);
  for (int i = n_custom - 1; i >= 0 && hit == NULL; i--) {
    const tflrt_op* op = custom_ops[i];
    if (strcmp(op->name, name) != 0) continue;
    if (version >= op->min_version && version <= op->max_version) hit = op;
    else *found_other_version = 1;
  }
  pthread_mutex_unlock(&custom_mu);
  if (hit != NULL) return hit;
  for (int i = 0; i < N_BUILTIN; i++) {
    const tflrt_op* op = builtin_ops[i];
    if (op->builtin_code != TFLRT_BUILTIN_CUSTOM || strcmp(op->name, name) != 0) continue;
    if (version >= op->min_version && version <= op->max_version) return op;
    *found_other_version = 1;
  }
  return NULL;
}

const tflrt_op* tflrt_registry_find(int32_t builtin_code, const char* custom_name, int32_t version,
                                    int* found_other_version) {
  *found_other_version = 0;
  if (builtin_code == TFLRT_BUILTIN_CUSTOM) {
    if (custom_name == NULL) return NULL;
    const tflrt_op* op = find_custom(custom_name, version, found_other_version);
    if (op != NULL) *found_other_version = 0;
    return op;
  }
  for (int i = 0; i < N_BUILTIN; i++) {
    const tflrt_op* op = builtin_ops[i];
    if (op->builtin_code != builtin_code) continue;
    if (version >= op->min_version && version <= op->max_version) return op;
    *found_other_version = 1;
  }
  return NULL;
}

int tflrt_registry_count(void) { return N_BUILTIN; }
const tflrt_op* tflrt_registry_at(int i) { return (i >= 0 && i < N_BUILTIN) ? builtin_ops[i] : NULL; }
