/* REVERSE_SEQUENCE: reverse the first seq_lengths[b] entries along seq_dim, per batch entry b
 * along batch_dim.
 *
 * TFLite semantics (tflite/kernels/reverse_sequence.cc, reference_ops.h ReverseSequence):
 * options seq_dim and batch_dim (ReverseSequenceOptions, default batch_dim 0), both in
 * [0, rank) and different; seq_lengths int32 or int64 [input.shape[batch_dim]]. Element k < L
 * of a sequence moves to L - 1 - k; the rest is copied; a length <= 0 copies everything. TFLite
 * checks only the first length against the sequence dimension; here every length must be
 * <= it (checked in eval, before any write). Data types: TFLite lists float32, uint8, int16,
 * int32, int64; the copy is bytewise, so every fixed-size type works. */
#include <string.h>

#include "op.h"
#include "op_util.h"

#define REVERSE_SEQUENCE_OPTIONS_TYPE 87 /* BuiltinOptions: ReverseSequenceOptions {seq_dim, batch_dim} */

typedef struct {
  int32_t seq_dim, batch_dim;
} revseq_data;

static int revseq_parse(tflrt_ctx* ctx, tflrt_node* node) {
  revseq_data* d = node->data;
  d->seq_dim = d->batch_dim = 0;
  if (node->options == NULL || node->options_type != REVERSE_SEQUENCE_OPTIONS_TYPE) return TFLRT_OK;
  if (fb_i32(node->options, 0, 0, &d->seq_dim) || fb_i32(node->options, 1, 0, &d->batch_dim))
    return tflrt_op_fail(ctx, TFLRT_ERR_MODEL, "malformed ReverseSequenceOptions");
  return TFLRT_OK;
}

static int revseq_prepare(tflrt_ctx* ctx, tflrt_node* node) {
  const revseq_data* d = node->data;
  int rc = tflrt_check_move_io(ctx, node, 2, 2);
  if (rc) return rc;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* len = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  if ((rc = tflrt_check_int_type(ctx, len, "seq_lengths"))) return rc;
  if (d->seq_dim < 0 || d->batch_dim < 0 || d->seq_dim == d->batch_dim || d->seq_dim >= in->ndims ||
      d->batch_dim >= in->ndims)
    return tflrt_op_error(ctx, "seq_dim %d and batch_dim %d must be different dimensions of the rank-%d input",
                          (int)d->seq_dim, (int)d->batch_dim, (int)in->ndims);
  if (len->ndims != 1 || len->dims[0] != in->dims[d->batch_dim])
    return tflrt_op_error(ctx, "seq_lengths must be a vector of %d lengths", (int)in->dims[d->batch_dim]);
  return tflrt_set_output_shape(ctx, out, in->ndims, in->dims);
}

static int revseq_eval(tflrt_ctx* ctx, tflrt_node* node) {
  const revseq_data* d = node->data;
  const tflrt_tensor* in = tflrt_in(ctx, node, 0);
  const tflrt_tensor* len = tflrt_in(ctx, node, 1);
  tflrt_tensor* out = tflrt_out(ctx, node, 0);
  const int64_t seq_size = in->dims[d->seq_dim];
  int rc = tflrt_check_data(ctx, len, len->dims[0], "seq_lengths");
  if (rc) return rc;
  for (int64_t b = 0; b < len->dims[0]; b++)
    if (tflrt_int_at(len, b) > seq_size)
      return tflrt_op_error(ctx, "seq_lengths[%lld] = %lld is longer than the sequence dimension (%lld)", (long long)b,
                            (long long)tflrt_int_at(len, b), (long long)seq_size);
  /* [outer][dim lo][medium][dim hi][copy], lo/hi = the lower/higher of seq_dim and batch_dim */
  const int32_t lo = d->seq_dim < d->batch_dim ? d->seq_dim : d->batch_dim;
  const int32_t hi = d->seq_dim < d->batch_dim ? d->batch_dim : d->seq_dim;
  int64_t outer = 1, medium = 1, copy = 1;
  for (int32_t i = 0; i < lo; i++) outer *= in->dims[i];
  for (int32_t i = lo + 1; i < hi; i++) medium *= in->dims[i];
  for (int32_t i = hi + 1; i < in->ndims; i++) copy *= in->dims[i];
  const int64_t n_lo = in->dims[lo], n_hi = in->dims[hi];
  const size_t bytes = (size_t)copy * tflrt_type_size(in->type);
  const uint8_t* src = in->data;
  uint8_t* dst = out->data;
  for (int64_t i = 0; i < outer; i++)
    for (int64_t j = 0; j < n_lo; j++)
      for (int64_t p = 0; p < medium; p++)
        for (int64_t q = 0; q < n_hi; q++) {
          const int64_t batch = lo == d->batch_dim ? j : q;
          const int64_t pos = lo == d->seq_dim ? j : q;
          const int64_t L = tflrt_int_at(len, batch);
          const int64_t to = pos < L ? L - 1 - pos : pos;
          const int64_t jj = lo == d->seq_dim ? to : j, qq = lo == d->seq_dim ? q : to;
          const int64_t from = ((i * n_lo + j) * medium + p) * n_hi + q;
          const int64_t dest = ((i * n_lo + jj) * medium + p) * n_hi + qq;
          memcpy(dst + (size_t)dest * bytes, src + (size_t)from * bytes, bytes);
        }
  return TFLRT_OK;
}

const tflrt_op tflrt_op_reverse_sequence = {
    .name = "REVERSE_SEQUENCE", .builtin_code = 112, .min_version = 1, .max_version = 1,
    .data_size = sizeof(revseq_data), .parse = revseq_parse, .prepare = revseq_prepare, .eval = revseq_eval,
};
