/* A small fork-join thread pool: the calling thread and n-1 workers split [0, n) into
 * contiguous ranges. Workers sleep on a condition variable between jobs. One job at a time
 * (the interpreter's lock guarantees it). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "interp.h"

struct tflrt_threadpool {
  int32_t n_threads; /* including the caller */
  pthread_t* workers;
  pthread_mutex_t mu;
  pthread_cond_t work_cv, done_cv;
  uint64_t generation;
  int stop;
  tflrt_range_fn fn;
  void* arg;
  int32_t total, chunks;
  atomic_int next_chunk;
  int32_t pending;
};

static void run_chunks(struct tflrt_threadpool* p) {
  for (;;) {
    const int32_t c = atomic_fetch_add(&p->next_chunk, 1);
    if (c >= p->chunks) break;
    const int32_t b = (int32_t)((int64_t)p->total * c / p->chunks);
    const int32_t e = (int32_t)((int64_t)p->total * (c + 1) / p->chunks);
    if (e > b) p->fn(p->arg, b, e);
  }
}

static void* worker_main(void* argp) {
  struct tflrt_threadpool* p = argp;
  uint64_t seen = 0;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (p->generation == seen && !p->stop) pthread_cond_wait(&p->work_cv, &p->mu);
    if (p->stop) break;
    seen = p->generation;
    pthread_mutex_unlock(&p->mu);
    run_chunks(p);
    pthread_mutex_lock(&p->mu);
    if (--p->pending == 0) pthread_cond_signal(&p->done_cv);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

struct tflrt_threadpool* tflrt_threadpool_create(int32_t n_threads) {
  if (n_threads < 2) return NULL;
  struct tflrt_threadpool* p = calloc(1, sizeof(*p));
  if (!p) return NULL;
  p->workers = calloc((size_t)n_threads - 1, sizeof(pthread_t));
  if (!p->workers) {
    free(p);
    return NULL;
  }
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->work_cv, NULL);
  pthread_cond_init(&p->done_cv, NULL);
  p->n_threads = 1;
  for (int32_t i = 0; i < n_threads - 1; i++) {
    if (pthread_create(&p->workers[i], NULL, worker_main, p) != 0) break;
    p->n_threads++;
  }
  if (p->n_threads < 2) {
    tflrt_threadpool_destroy(p);
    return NULL;
  }
  return p;
}

void tflrt_threadpool_destroy(struct tflrt_threadpool* p) {
  if (!p) return;
  pthread_mutex_lock(&p->mu);
  p->stop = 1;
  pthread_cond_broadcast(&p->work_cv);
  pthread_mutex_unlock(&p->mu);
  for (int32_t i = 0; i < p->n_threads - 1; i++) pthread_join(p->workers[i], NULL);
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->work_cv);
  pthread_cond_destroy(&p->done_cv);
  free(p->workers);
  free(p);
}

int32_t tflrt_threadpool_size(const struct tflrt_threadpool* p) { return p ? p->n_threads : 1; }

void tflrt_threadpool_run(struct tflrt_threadpool* p, int32_t n, tflrt_range_fn fn, void* arg) {
  pthread_mutex_lock(&p->mu);
  p->fn = fn;
  p->arg = arg;
  p->total = n;
  p->chunks = n < p->n_threads ? n : p->n_threads;
  atomic_store(&p->next_chunk, 0);
  p->pending = p->n_threads - 1;
  p->generation++;
  pthread_cond_broadcast(&p->work_cv);
  pthread_mutex_unlock(&p->mu);
  run_chunks(p);
  pthread_mutex_lock(&p->mu);
  while (p->pending > 0) pthread_cond_wait(&p->done_cv, &p->mu);
  pthread_mutex_unlock(&p->mu);
}
