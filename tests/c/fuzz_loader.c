/* libFuzzer harness for the model loader: any bytes must load or fail cleanly, never crash.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icsrc/include -Icsrc \
 *       tests/c/fuzz_loader.c csrc/loader/[a-z]*.c -o build/fuzz_loader -lm
 *   mkdir -p build/fuzz_corpus && cp ../shared/models/mnist__*.tflite build/fuzz_corpus/
 *   build/fuzz_loader -max_len=65536 -max_total_time=600 build/fuzz_corpus
 *
 * Without libFuzzer (gcc), -DTFLRT_FUZZ_STANDALONE gives a main() that runs each file named
 * on the command line through the same entry point (replaying crash files). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loader/model.h"

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  char err[TFLRT_ERR_CAP];
  tflrt_model* m = NULL;
  int rc = tflrt_model_load_buffer(data, size, 0, &m, err, sizeof err);
  if (rc == TFLRT_OK) {
    /* read what the contract promises, so ASan sees any pointer outside the input */
    volatile size_t sink = 0;
    for (int s = 0; s < m->n_subgraphs; s++) {
      const tflrt_msubgraph* g = &m->subgraphs[s];
      for (int t = 0; t < g->n_tensors; t++) {
        const tflrt_mtensor* x = &g->tensors[t];
        sink += strlen(x->name);
        for (int d = 0; d < x->ndims; d++) sink += (size_t)x->dims[d];
        if (x->data && x->data_size) sink += x->data[0] + x->data[x->data_size - 1];
        for (int q = 0; q < x->nq; q++) sink += (size_t)x->zero_points[q];
      }
      for (int o = 0; o < g->n_ops; o++) {
        const tflrt_mop* op = &g->ops[o];
        for (int j = 0; j < op->n_inputs; j++)
          if (op->inputs[j] >= 0) sink += (size_t)g->tensors[op->inputs[j]].ndims;
        for (int j = 0; j < op->n_outputs; j++) sink += (size_t)g->tensors[op->outputs[j]].ndims;
        if (op->custom_options_size) sink += op->custom_options[op->custom_options_size - 1];
      }
    }
    (void)sink;
    tflrt_model_free(m);
  } else if ((rc != TFLRT_ERR_MODEL && rc != TFLRT_ERR_UNSUPPORTED) || m != NULL || err[0] == 0) {
    abort(); /* contract broken: wrong status, leaked model or missing message */
  }
  return 0;
}

#include "../fuzz/fuzz_standalone_main.h" /* main() with -DTFLRT_FUZZ_STANDALONE */
