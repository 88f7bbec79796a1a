/* main() for the libFuzzer harnesses (tests/fuzz/fuzz_interpreter.c, tests/c/fuzz_loader.c)
 * when built without libFuzzer: with -DTFLRT_FUZZ_STANDALONE (gcc, say) each file named on the
 * command line runs once through LLVMFuzzerTestOneInput, to replay crash files. Included at
 * the end of a harness; without the macro it adds nothing. */
#ifndef TFLRT_FUZZ_STANDALONE_MAIN_H
#define TFLRT_FUZZ_STANDALONE_MAIN_H
#ifdef TFLRT_FUZZ_STANDALONE

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  for (int i = 1; i < argc; i++) {
    FILE* f = fopen(argv[i], "rb");
    if (!f) continue;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t* p = malloc(n > 0 ? (size_t)n : 1);
    size_t got = p ? fread(p, 1, n > 0 ? (size_t)n : 0, f) : 0;
    fclose(f);
    LLVMFuzzerTestOneInput(p, got);
    free(p);
    printf("%s: ok\n", argv[i]);
  }
  return 0;
}

#endif
#endif
