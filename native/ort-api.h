/*
 * The part of ONNX Runtime's C API that deeprank's addon uses. The C API is a table of function
 * pointers that only ever grows, so each function keeps its index from the release that
 * introduced it; the indices below hold for that release and every later one. The library is the
 * one onnxruntime-node has already loaded (ort-session.c finds it), so no ONNX Runtime headers
 * are needed to build.
 */
#ifndef DEEPRANK_ORT_API_H
#define DEEPRANK_ORT_API_H
#include <stddef.h>
#include <stdint.h>

typedef struct OrtStatus OrtStatus;
typedef struct OrtEnv OrtEnv;
typedef struct OrtSession OrtSession;
typedef struct OrtSessionOptions OrtSessionOptions;
typedef struct OrtMemoryInfo OrtMemoryInfo;
typedef struct OrtValue OrtValue;

typedef struct {
  const void *(*GetApi)(uint32_t version);
  const char *(*GetVersionString)(void);
} OrtApiBase;

/* ONNX Runtime 1.17's API version, which has every function used here; later libraries serve it. */
#define API_VERSION 17

enum {
  CREATE_STATUS = 0,
  GET_ERROR_MESSAGE = 2,
  CREATE_ENV = 3,
  CREATE_SESSION_FROM_ARRAY = 8,
  RUN = 9,
  CREATE_SESSION_OPTIONS = 10,
  SET_SESSION_GRAPH_OPTIMIZATION_LEVEL = 23,
  SET_INTRA_OP_NUM_THREADS = 24,
  SET_INTER_OP_NUM_THREADS = 25,
  CREATE_CUSTOM_OP_DOMAIN = 26,
  CUSTOM_OP_DOMAIN_ADD = 27,
  ADD_CUSTOM_OP_DOMAIN = 28,
  SESSION_GET_INPUT_COUNT = 30,
  SESSION_GET_INPUT_NAME = 36,
  CREATE_TENSOR_WITH_DATA_AS_ORT_VALUE = 49,
  GET_TENSOR_MUTABLE_DATA = 51,
  CREATE_TENSOR_TYPE_AND_SHAPE_INFO = 57,
  SET_TENSOR_ELEMENT_TYPE = 58,
  SET_DIMENSIONS = 59,
  GET_DIMENSIONS_COUNT = 61,
  GET_DIMENSIONS = 62,
  GET_SYMBOLIC_DIMENSIONS = 63,
  GET_TENSOR_TYPE_AND_SHAPE = 65,
  CREATE_CPU_MEMORY_INFO = 69,
  ALLOCATOR_FREE = 76,
  GET_ALLOCATOR_WITH_DEFAULT_OPTIONS = 78,
  KERNEL_INFO_GET_ATTRIBUTE_INT64 = 86,
  KERNEL_CONTEXT_GET_INPUT_COUNT = 88,
  KERNEL_CONTEXT_GET_INPUT = 90,
  KERNEL_CONTEXT_GET_OUTPUT = 91,
  RELEASE_STATUS = 93,
  RELEASE_SESSION = 95,
  RELEASE_VALUE = 96,
  RELEASE_TENSOR_TYPE_AND_SHAPE_INFO = 99,
  RELEASE_SESSION_OPTIONS = 100,
  ADD_SESSION_CONFIG_ENTRY = 130,
  KERNEL_INFO_GET_CONSTANT_INPUT_TENSOR = 249,
  SHAPE_INFER_CONTEXT_GET_INPUT_TYPE_SHAPE = 268,
  SHAPE_INFER_CONTEXT_GET_ATTRIBUTE = 269,
  SHAPE_INFER_CONTEXT_SET_OUTPUT_TYPE_SHAPE = 270,
  SET_SYMBOLIC_DIMENSIONS = 271,
  READ_OP_ATTR = 272,
  KERNEL_CONTEXT_PARALLEL_FOR = 274,
};

typedef OrtStatus *(*CreateStatusFn)(int code, const char *message);
typedef const char *(*GetErrorMessageFn)(const OrtStatus *status);
typedef OrtStatus *(*CreateEnvFn)(int level, const char *id, OrtEnv **out);
typedef OrtStatus *(*CreateSessionFromArrayFn)(const OrtEnv *env, const void *model, size_t length, const OrtSessionOptions *options, OrtSession **out);
typedef OrtStatus *(*RunFn)(OrtSession *session, const void *run_options, const char *const *input_names, const OrtValue *const *inputs, size_t input_count,
                            const char *const *output_names, size_t output_count, OrtValue **outputs);
typedef OrtStatus *(*CreateSessionOptionsFn)(OrtSessionOptions **out);
typedef OrtStatus *(*SetIntFn)(OrtSessionOptions *options, int value);
typedef OrtStatus *(*CreateTensorFn)(const OrtMemoryInfo *info, void *data, size_t bytes, const int64_t *shape, size_t rank, int type, OrtValue **out);
typedef OrtStatus *(*CreateCpuMemoryInfoFn)(int allocator, int memory, OrtMemoryInfo **out);
typedef OrtStatus *(*AddConfigEntryFn)(OrtSessionOptions *options, const char *key, const char *value);
typedef void (*ReleaseFn)(void *object);
typedef struct OrtAllocator OrtAllocator;
typedef OrtStatus *(*GetInputCountFn)(const OrtSession *session, size_t *out);
typedef OrtStatus *(*GetInputNameFn)(const OrtSession *session, size_t index, OrtAllocator *allocator, char **out);
typedef OrtStatus *(*GetDefaultAllocatorFn)(OrtAllocator **out);
typedef OrtStatus *(*AllocatorFreeFn)(OrtAllocator *allocator, void *p);

/* ONNX tensor element types. */
enum { FLOAT = 1, UINT8 = 2, INT8 = 3, INT32 = 6, INT64 = 7, DOUBLE = 11 };
enum { ARENA_ALLOCATOR = 1, MEM_TYPE_DEFAULT = 0, LOG_WARNING = 2, GRAPH_OPTIMIZE_ALL = 99, ORT_FAIL = 1 };

/* The table, once ort-session.c has found the library (NULL before). */
extern void *const *ort_api;
#define CALL(index, type) ((type)ort_api[index])

#endif
