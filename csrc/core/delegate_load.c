/* Loading a delegate plugin (see delegate.h for the ABI and its versioning rules).
 *
 * The library is opened with RTLD_NOW | RTLD_LOCAL (a bare name goes through the normal
 * dynamic-loader search path, as ctypes does for LiteRT's load_delegate) and is never closed
 * once its create function has run: like Python extension modules, a plugin may leave threads,
 * thread-local destructors or atexit handlers behind that must keep their code mapped. */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delegate_impl.h"

static int fail(char* err, size_t cap, const char* path, const char* fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(char* err, size_t cap, const char* path, const char* fmt, ...) {
  if (cap == 0) return TFLRT_ERR_VALUE;
  char reason[TFLRT_ERR_CAP];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  snprintf(err, cap, "Failed to load delegate from %s: %s", path ? path : "(null)", reason);
  return TFLRT_ERR_VALUE;
}

/* The create-time error callback: messages are joined with "; ". */
static void lib_report(void* user, const char* msg) {
  struct tflrt_delegate_lib* lib = user;
  if (lib == NULL || msg == NULL) return;
  pthread_mutex_lock(&lib->msg_mu);
  const size_t used = strlen(lib->msg);
  if (used + 3 < sizeof lib->msg)
    snprintf(lib->msg + used, sizeof lib->msg - used, "%s%s", used ? "; " : "", msg);
  pthread_mutex_unlock(&lib->msg_mu);
}

static void lib_free(struct tflrt_delegate_lib* lib) {
  pthread_mutex_destroy(&lib->call_mu);
  pthread_mutex_destroy(&lib->msg_mu);
  free(lib->path);
  free(lib);
}

void tflrt_delegate_lib_retain(struct tflrt_delegate_lib* lib) { atomic_fetch_add(&lib->refs, 1); }

void tflrt_delegate_unload(tflrt_delegate_lib* lib) {
  if (lib == NULL) return;
  if (atomic_fetch_sub(&lib->refs, 1) != 1) return;
  if (lib->d != NULL && lib->destroy != NULL) lib->destroy(lib->d);
  lib_free(lib);
}

const char* tflrt_delegate_lib_name(const tflrt_delegate_lib* lib) { return lib->d->name; }
const char* tflrt_delegate_lib_version(const tflrt_delegate_lib* lib) { return lib->version; }
const char* tflrt_delegate_lib_path(const tflrt_delegate_lib* lib) { return lib->path; }
uint32_t tflrt_delegate_lib_abi(const tflrt_delegate_lib* lib, uint32_t* struct_size) {
  if (struct_size) *struct_size = lib->d->struct_size;
  return lib->d->abi_version;
}

/* Integer value of a runtime option. */
static int parse_int_option(const char* key, const char* value, int32_t* out, char* why, size_t cap) {
  char* end = NULL;
  errno = 0;
  const long v = value ? strtol(value, &end, 10) : 0;
  if (value == NULL || end == value || *end != 0 || errno != 0 || v < INT32_MIN || v > INT32_MAX) {
    snprintf(why, cap, "option %s must be an integer, got '%s'", key, value ? value : "(null)");
    return 0;
  }
  *out = (int32_t)v;
  return 1;
}

static const char* describe_missing(void* dl) {
  /* A TensorFlow Lite external delegate exports this pair instead of ours. */
  if (dlsym(dl, "tflite_plugin_create_delegate") != NULL)
    return " (it exports tflite_plugin_create_delegate: it is a TensorFlow Lite external delegate, whose "
           "TfLiteDelegate ABI tflite_rt does not implement; tflite_rt plugins implement "
           "tflite_rt/delegate.h)";
  return " (it is not a tflite_rt delegate plugin; see tflite_rt/delegate.h)";
}

int tflrt_delegate_load(const char* path, const char* const* keys, const char* const* values, size_t n,
                        tflrt_delegate_lib** out, char* err, size_t err_cap) {
  *out = NULL;
  if (err_cap) err[0] = 0;
  if (path == NULL || path[0] == 0) return fail(err, err_cap, path, "no library path given");
  if (n > 0 && (keys == NULL || values == NULL)) return fail(err, err_cap, path, "options without keys or values");
  struct tflrt_delegate_lib* lib = calloc(1, sizeof(*lib));
  const char** pk = calloc(n + 1, sizeof(char*));
  const char** pv = calloc(n + 1, sizeof(char*));
  if (lib == NULL || pk == NULL || pv == NULL || (lib->path = strdup(path)) == NULL) {
    if (lib) free(lib->path);
    free(lib), free(pk), free(pv);
    return fail(err, err_cap, path, "out of memory");
  }
  atomic_init(&lib->refs, 1);
  pthread_mutex_init(&lib->call_mu, NULL);
  pthread_mutex_init(&lib->msg_mu, NULL);
  lib->version = "";
  /* Options the runtime consumes; the rest go to the plugin. */
  size_t pn = 0;
  char why[256];
  for (size_t i = 0; i < n; i++) {
    if (keys[i] == NULL || values[i] == NULL) {
      free(pk), free(pv), lib_free(lib);
      return fail(err, err_cap, path, "option %zu has a NULL key or value", i);
    }
    int ok = 1;
    if (strcmp(keys[i], "max_delegated_partitions") == 0)
      ok = parse_int_option(keys[i], values[i], &lib->max_partitions, why, sizeof why);
    else if (strcmp(keys[i], "min_nodes_per_partition") == 0)
      ok = parse_int_option(keys[i], values[i], &lib->min_nodes, why, sizeof why);
    else {
      pk[pn] = keys[i];
      pv[pn++] = values[i];
    }
    if (!ok) {
      free(pk), free(pv), lib_free(lib);
      return fail(err, err_cap, path, "%s", why);
    }
  }
  dlerror();
  void* dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (dl == NULL) {
    const char* e = dlerror();
    free(pk), free(pv), lib_free(lib);
    return fail(err, err_cap, path, "cannot open the library: %s", e ? e : "unknown error");
  }
  void* sym_create = dlsym(dl, TFLRT_DELEGATE_CREATE_SYMBOL);
  void* sym_destroy = dlsym(dl, TFLRT_DELEGATE_DESTROY_SYMBOL);
  if (sym_create == NULL || sym_destroy == NULL) {
    const char* missing = sym_create == NULL ? TFLRT_DELEGATE_CREATE_SYMBOL : TFLRT_DELEGATE_DESTROY_SYMBOL;
    int r = fail(err, err_cap, path, "the library does not export %s%s", missing, describe_missing(dl));
    dlclose(dl); /* nothing of it has run */
    free(pk), free(pv), lib_free(lib);
    return r;
  }
  tflrt_delegate_create_fn create;
  memcpy(&create, &sym_create, sizeof create);
  memcpy(&lib->destroy, &sym_destroy, sizeof lib->destroy);
  lib->dl = dl;
  tflrt_delegate* d = create(pk, pv, pn, lib_report, lib);
  free(pk), free(pv);
  int r = TFLRT_OK;
  if (d == NULL) {
    r = fail(err, err_cap, path, "the plugin's %s returned NULL: %s", TFLRT_DELEGATE_CREATE_SYMBOL,
             lib->msg[0] ? lib->msg : "(it reported no message)");
  } else if (d->abi_version != TFLRT_DELEGATE_ABI_VERSION) {
    r = fail(err, err_cap, path,
             "the plugin was built for delegate ABI version %u; this tflite_rt implements version %u "
             "(rebuild the plugin against this tflite_rt/delegate.h)",
             (unsigned)d->abi_version, (unsigned)TFLRT_DELEGATE_ABI_VERSION);
  } else if ((size_t)d->struct_size < TFLRT_DELEGATE_SIZE_1_0) {
    r = fail(err, err_cap, path,
             "the plugin's tflrt_delegate has struct_size %u, smaller than the %zu bytes that ABI version 1.0 "
             "requires",
             (unsigned)d->struct_size, (size_t)TFLRT_DELEGATE_SIZE_1_0);
  } else if (d->name == NULL || d->name[0] == 0) {
    r = fail(err, err_cap, path, "the plugin's tflrt_delegate has no name");
  } else if (d->select_nodes == NULL || d->init == NULL || d->invoke == NULL) {
    r = fail(err, err_cap, path, "the plugin '%s' does not set the required callback %s", d->name,
             d->select_nodes == NULL ? "select_nodes" : (d->init == NULL ? "init" : "invoke"));
  }
  if (r != TFLRT_OK) {
    if (d != NULL) lib->destroy(d);
    lib_free(lib);
    return r;
  }
  lib->d = d;
  if (TFLRT_HAS_FIELD(d, tflrt_delegate, version) && d->version != NULL) lib->version = d->version;
  lib->serialize = (d->flags & TFLRT_DELEGATE_FLAG_SERIALIZE) != 0;
  pthread_mutex_lock(&lib->msg_mu);
  lib->msg[0] = 0; /* messages of a successful create are not errors */
  pthread_mutex_unlock(&lib->msg_mu);
  *out = lib;
  return TFLRT_OK;
}
