/*
 * ONNX Runtime sessions run through its C API, on memory the caller owns. onnxruntime-node's
 * binding copies every output of a run into a new JavaScript array (0.4 to 0.8 ms of a 6 to 8 ms
 * training step of the bench's MLP, for 1.25 MB of gradients) and cannot read SharedArrayBuffers;
 * here the gradients land in the trainer's own (shared) arrays and nothing is copied.
 *
 * The library is the one onnxruntime-node has already loaded into the process (found by its
 * soname, never loaded from a path of ours); ort-api.h lists the part of its C API used here.
 * Every session also knows deeprank's own operators (custom-op.h), which training graphs use:
 * GemmBf16 for bf16 products, and fused elementwise steps (elementwise-ops.c).
 */
#define _GNU_SOURCE /* RTLD_NOLOAD */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <node_api.h>
#include "ort-api.h"
#include "bf16-gemm.h"
#include "custom-op.h"
#if defined(__linux__)
#include <dlfcn.h>
#endif

void *const *ort_api;
static OrtEnv *env_;
static OrtMemoryInfo *cpu;

static int fail(napi_env env, const char *message) {
  napi_throw_error(env, "DEEPRANK_ORT", message);
  return 0;
}

/* Throws the status's message and releases it; 1 when there was no error. */
static int ok(napi_env env, OrtStatus *status) {
  if (!status) return 1;
  napi_throw_error(env, "DEEPRANK_ORT", CALL(GET_ERROR_MESSAGE, GetErrorMessageFn)(status));
  CALL(RELEASE_STATUS, ReleaseFn)(status);
  return 0;
}

/* The C API of the ONNX Runtime already in the process, checked by a round trip through it. */
static int load(void) {
  if (ort_api) return 1;
#if defined(__linux__)
  void *library = dlopen("libonnxruntime.so.1", RTLD_NOW | RTLD_NOLOAD);
  if (!library) return 0;
  const OrtApiBase *(*get_base)(void) = (const OrtApiBase *(*)(void))dlsym(library, "OrtGetApiBase");
  if (!get_base) return 0;
  void *const *table = (void *const *)get_base()->GetApi(API_VERSION);
  if (!table) return 0;
  OrtStatus *probe = ((CreateStatusFn)table[CREATE_STATUS])(ORT_FAIL, "deeprank");
  int same = strcmp(((GetErrorMessageFn)table[GET_ERROR_MESSAGE])(probe), "deeprank") == 0;
  ((ReleaseFn)table[RELEASE_STATUS])(probe);
  if (!same) return 0;
  ort_api = table;
  return 1;
#else
  return 0;
#endif
}

/* A session as JavaScript holds it: released by ortRelease or, failing that, when collected. */
typedef struct {
  OrtSession *session;
} Handle;

static void release_handle(Handle *handle) {
  if (handle->session) CALL(RELEASE_SESSION, ReleaseFn)(handle->session);
  handle->session = NULL;
}

static void finalize_handle(napi_env env, void *handle, void *hint) {
  (void)env;
  (void)hint;
  release_handle(handle);
  free(handle);
}

static Handle *handle_of(napi_env env, napi_value value) {
  Handle *handle = NULL;
  if (napi_get_value_external(env, value, (void **)&handle) != napi_ok || !handle) fail(env, "expected a session from ortSession");
  else if (!handle->session) fail(env, "the session was released");
  return handle && handle->session ? handle : NULL;
}

/*
 * ortSession(model, threads, spinWithinRun): a session over the ONNX model bytes (an external
 * value, released when collected), or null when no ONNX Runtime is loaded in this process.
 */
static napi_value create_session(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], result;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (!load()) {
    napi_get_null(env, &result);
    return result;
  }
  void *model;
  size_t model_bytes;
  int32_t threads;
  bool within_run;
  if (argc < 3 || napi_get_typedarray_info(env, argv[0], NULL, &model_bytes, &model, NULL, NULL) != napi_ok || napi_get_value_int32(env, argv[1], &threads) != napi_ok ||
      napi_get_value_bool(env, argv[2], &within_run) != napi_ok) {
    fail(env, "ortSession(model: Uint8Array, threads: number, spinWithinRun: boolean)");
    return NULL;
  }
  if (!env_ && !ok(env, CALL(CREATE_ENV, CreateEnvFn)(LOG_WARNING, "deeprank", &env_))) return NULL;
  if (!cpu && !ok(env, CALL(CREATE_CPU_MEMORY_INFO, CreateCpuMemoryInfoFn)(ARENA_ALLOCATOR, MEM_TYPE_DEFAULT, &cpu))) return NULL;
  OrtSessionOptions *options = NULL;
  OrtSession *session = NULL;
  int done = ok(env, CALL(CREATE_SESSION_OPTIONS, CreateSessionOptionsFn)(&options)) &&
             ok(env, CALL(SET_INTRA_OP_NUM_THREADS, SetIntFn)(options, threads)) &&
             ok(env, CALL(SET_INTER_OP_NUM_THREADS, SetIntFn)(options, 1)) &&
             ok(env, CALL(SET_SESSION_GRAPH_OPTIMIZATION_LEVEL, SetIntFn)(options, GRAPH_OPTIMIZE_ALL)) &&
             ok(env, CALL(ADD_SESSION_CONFIG_ENTRY, AddConfigEntryFn)(options, "session.intra_op.allow_spinning", "1")) &&
             ok(env, CALL(ADD_SESSION_CONFIG_ENTRY, AddConfigEntryFn)(options, "session.force_spinning_stop", within_run ? "1" : "0")) &&
             ok(env, deeprank_ops_register(options)) &&
             ok(env, CALL(CREATE_SESSION_FROM_ARRAY, CreateSessionFromArrayFn)(env_, model, model_bytes, options, &session));
  if (options) CALL(RELEASE_SESSION_OPTIONS, ReleaseFn)(options);
  if (!done) return NULL;
  Handle *handle = malloc(sizeof *handle);
  if (handle) handle->session = session;
  if (!handle || napi_create_external(env, handle, finalize_handle, NULL, &result) != napi_ok) {
    CALL(RELEASE_SESSION, ReleaseFn)(session);
    free(handle);
    fail(env, "ortSession: cannot wrap the session");
    return NULL;
  }
  return result;
}

static int element_type(napi_typedarray_type type, size_t *bytes) {
  switch (type) {
    case napi_float32_array: *bytes = 4; return FLOAT;
    case napi_float64_array: *bytes = 8; return DOUBLE;
    case napi_bigint64_array: *bytes = 8; return INT64;
    case napi_int32_array: *bytes = 4; return INT32;
    case napi_uint8_array: *bytes = 1; return UINT8;
    case napi_int8_array: *bytes = 1; return INT8;
    default: return 0;
  }
}

#define MAX_NAME 512
#define MAX_RANK 8

/* Array `list` entry i: the name (into `name`), its typed array as an OrtValue of `shape`. */
static int tensor_at(napi_env env, napi_value names, napi_value arrays, napi_value shapes, uint32_t i, char *name, OrtValue **out) {
  napi_value value, array, shape, dim;
  size_t name_length, length, bytes;
  uint32_t rank;
  napi_typedarray_type type;
  void *data;
  int64_t dims[MAX_RANK];
  if (napi_get_element(env, names, i, &value) != napi_ok || napi_get_value_string_utf8(env, value, name, MAX_NAME, &name_length) != napi_ok) return fail(env, "ortRun: names must be strings");
  if (name_length >= MAX_NAME - 1) return fail(env, "ortRun: a tensor name is longer than 510 bytes");
  if (napi_get_element(env, arrays, i, &array) != napi_ok || napi_get_typedarray_info(env, array, &type, &length, &data, NULL, NULL) != napi_ok) return fail(env, "ortRun: every tensor must be a typed array");
  int element = element_type(type, &bytes);
  if (!element) return fail(env, "ortRun: unsupported typed array type");
  if (napi_get_element(env, shapes, i, &shape) != napi_ok || napi_get_array_length(env, shape, &rank) != napi_ok || rank > MAX_RANK) return fail(env, "ortRun: every shape must be an array of at most 8 dimensions");
  size_t count = 1;
  for (uint32_t d = 0; d < rank; d++) {
    if (napi_get_element(env, shape, d, &dim) != napi_ok || napi_get_value_int64(env, dim, &dims[d]) != napi_ok || dims[d] < 0) return fail(env, "ortRun: dimensions must be non-negative integers");
    count *= (size_t)dims[d];
  }
  if (count > length) return fail(env, "ortRun: a typed array is shorter than its shape");
  return ok(env, CALL(CREATE_TENSOR_WITH_DATA_AS_ORT_VALUE, CreateTensorFn)(cpu, data, count * bytes, dims, rank, element, out));
}

/*
 * ortRun(session, inputNames, inputs, inputShapes, outputNames, outputs, outputShapes): one run,
 * reading the inputs and writing each output into its typed array, which must hold its shape.
 */
static napi_value run(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint32_t inputs, outputs;
  if (argc < 7) {
    fail(env, "ortRun(session, inputNames, inputs, inputShapes, outputNames, outputs, outputShapes)");
    return NULL;
  }
  Handle *handle = handle_of(env, argv[0]);
  if (!handle) return NULL;
  if (napi_get_array_length(env, argv[1], &inputs) != napi_ok || napi_get_array_length(env, argv[4], &outputs) != napi_ok) {
    fail(env, "ortRun: names must be arrays");
    return NULL;
  }
  size_t total = (size_t)inputs + outputs;
  char *names = malloc(total * MAX_NAME);
  const char **name = malloc(total * sizeof *name);
  OrtValue **values = calloc(total, sizeof *values);
  int done = names && name && values;
  if (!done) fail(env, "ortRun: out of memory");
  for (uint32_t i = 0; done && i < total; i++) {
    char *own = names + (size_t)i * MAX_NAME;
    name[i] = own;
    done = i < inputs ? tensor_at(env, argv[1], argv[2], argv[3], i, own, &values[i]) : tensor_at(env, argv[4], argv[5], argv[6], i - inputs, own, &values[i]);
  }
  if (done) done = ok(env, CALL(RUN, RunFn)(handle->session, NULL, name, (const OrtValue *const *)values, inputs, name + inputs, outputs, values + inputs));
  for (size_t i = 0; values && i < total; i++) {
    if (values[i]) CALL(RELEASE_VALUE, ReleaseFn)(values[i]);
  }
  free(values);
  free(name);
  free(names);
  return NULL;
}

/* ortInputNames(session): the model's input names; a run must feed exactly these. */
static napi_value input_names(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result, name;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  Handle *handle = argc < 1 ? NULL : handle_of(env, argv[0]);
  if (!handle) return NULL;
  OrtAllocator *allocator;
  size_t count;
  if (!ok(env, CALL(GET_ALLOCATOR_WITH_DEFAULT_OPTIONS, GetDefaultAllocatorFn)(&allocator)) || !ok(env, CALL(SESSION_GET_INPUT_COUNT, GetInputCountFn)(handle->session, &count))) return NULL;
  napi_create_array_with_length(env, count, &result);
  for (size_t i = 0; i < count; i++) {
    char *text;
    if (!ok(env, CALL(SESSION_GET_INPUT_NAME, GetInputNameFn)(handle->session, i, allocator, &text))) return NULL;
    napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &name);
    OrtStatus *freed = CALL(ALLOCATOR_FREE, AllocatorFreeFn)(allocator, text);
    if (!ok(env, freed)) return NULL;
    napi_set_element(env, result, (uint32_t)i, name);
  }
  return result;
}

/* ortRelease(session): free the session and its threads now rather than when collected. */
static napi_value release(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  Handle *handle = NULL;
  if (argc < 1 || napi_get_value_external(env, argv[0], (void **)&handle) != napi_ok || !handle) fail(env, "ortRelease(session)");
  else release_handle(handle);
  return NULL;
}

static napi_value boolean(napi_env env, int value) {
  napi_value result;
  napi_get_boolean(env, value, &result);
  return result;
}

/* ortBf16Kernel(): how GemmBf16 runs its products here: 'amx', 'avx512bf16', 'fma' or 'portable'. */
static napi_value bf16_kernel(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_create_string_utf8(env, bf16_gemm_kernel(), NAPI_AUTO_LENGTH, &result);
  return result;
}

/* ortLoaded(): whether ONNX Runtime's C API was found in this process, so ortSession gives sessions. */
static napi_value loaded(napi_env env, napi_callback_info info) {
  (void)info;
  return boolean(env, load());
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor properties[] = {
      {"ortSession", NULL, create_session, NULL, NULL, NULL, napi_default, NULL},
      {"ortRun", NULL, run, NULL, NULL, NULL, napi_default, NULL},
      {"ortInputNames", NULL, input_names, NULL, NULL, NULL, napi_default, NULL},
      {"ortRelease", NULL, release, NULL, NULL, NULL, napi_default, NULL},
      {"ortBf16Kernel", NULL, bf16_kernel, NULL, NULL, NULL, napi_default, NULL},
      {"ortLoaded", NULL, loaded, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(properties) / sizeof(properties[0]), properties);
  return exports;
}
