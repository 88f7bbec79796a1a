/* Delegates inside the runtime (private to csrc/core/delegate*.c).
 *
 *   delegate_load.c  a loaded plugin instance (tflrt_delegate_lib): dlopen, ABI checks,
 *                    runtime options, reference counting, serialized calls
 *   delegate_view.c  the read-only graph view handed to plugins (tflrt_graph_view)
 *   delegate.c       applying a delegate to an interpreter: partitioning, DELEGATE nodes,
 *                    the execution plan, CPU fallback, reports */
#ifndef TFLITE_RT_DELEGATE_IMPL_H
#define TFLITE_RT_DELEGATE_IMPL_H

#include <pthread.h>
#include <stdatomic.h>

#include "interp.h"
#include "tflite_rt/delegate.h"

struct tflrt_delegate_lib {
  atomic_int refs;              /* the loader's handle + one per interpreter application */
  void* dl;                     /* dlopen handle (never closed: see delegate_load.c) */
  tflrt_delegate* d;            /* the plugin's instance */
  tflrt_delegate_destroy_fn destroy;
  int serialize;                /* TFLRT_DELEGATE_FLAG_SERIALIZE */
  pthread_mutex_t call_mu;      /* held around plugin calls when serialize */
  pthread_mutex_t msg_mu;       /* guards msg */
  char* path;
  const char* version;          /* "" when the plugin has none (or was built for ABI 1.0) */
  int32_t max_partitions;       /* runtime options: <= 0 unlimited */
  int32_t min_nodes;            /* <= 1: no minimum */
  char msg[TFLRT_ERR_CAP];      /* what the plugin reported through the create-time callback */
};

void tflrt_delegate_lib_retain(struct tflrt_delegate_lib* lib);

static inline void tflrt_lib_enter(struct tflrt_delegate_lib* lib) {
  if (lib->serialize) pthread_mutex_lock(&lib->call_mu);
}
static inline void tflrt_lib_leave(struct tflrt_delegate_lib* lib) {
  if (lib->serialize) pthread_mutex_unlock(&lib->call_mu);
}

/* The view of one subgraph. pub comes first: callbacks cast the view pointer back. */
typedef struct tflrt_dview {
  tflrt_graph_view pub;
  struct tflrt_interp* it;
  tflrt_subgraph* sg;
  char msg[TFLRT_ERR_CAP];      /* the plugin's report_error for the current call */
} tflrt_dview;

void tflrt_dview_init(tflrt_dview* v, struct tflrt_interp* it, tflrt_subgraph* sg);
/* The plugin's message for the last call, or fallback when it reported none. */
const char* tflrt_dview_message(const tflrt_dview* v, const char* fallback);

#endif
