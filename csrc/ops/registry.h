/* Op registry lookup (see registry.c). */
#ifndef TFLITE_RT_REGISTRY_H
#define TFLITE_RT_REGISTRY_H

#include "op.h"

#define TFLRT_BUILTIN_CUSTOM 32

/* The op for (code, name, version), or NULL; *found_other_version tells whether the op exists
 * with other versions only. */
const tflrt_op* tflrt_registry_find(int32_t builtin_code, const char* custom_name, int32_t version,
                                    int* found_other_version);
/* Adds a custom op registered at run time (core/custom_ops.c): process-wide, thread-safe,
 * never removed; it takes precedence over earlier ops of the same name. -1 when the registry is
 * full or op is invalid. */
int tflrt_registry_add_custom(const tflrt_op* op);
int tflrt_registry_count(void);
const tflrt_op* tflrt_registry_at(int i);

#endif
