/*
 * ai.deeprank.GemmBf16: Y = op(A) · op(B) for 2-D float tensors, with attributes transA and
 * transB as ONNX Gemm has them, computed with bfloat16 factors and float32 sums (bf16-gemm.c);
 * optionally + bias (a third input of n values) and then max(Y, 0) (attribute relu = 1), as the
 * float32 Add and Relu after it would, which the exporter folds in as ONNX Runtime fuses them
 * into its own Gemm.
 * Training graphs built with `precision: 'bf16'` use it for their matrix products; it runs on
 * the session's own threads (KernelContext_ParallelFor), so a session of two threads splits
 * each product over both cores as ONNX Runtime's own Gemm does.
 */
#define _POSIX_C_SOURCE 200112L /* posix_memalign under -std=c11 */
#include <stdlib.h>
#include <string.h>
#include "bf16-gemm.h"
#include "gemm-bf16-op.h"

typedef struct OrtKernelInfo OrtKernelInfo;
typedef struct OrtKernelContext OrtKernelContext;
typedef struct OrtCustomOpDomain OrtCustomOpDomain;
typedef struct OrtTensorTypeAndShapeInfo OrtTensorTypeAndShapeInfo;

/* The operator's description as ONNX Runtime reads it, laid out as its version 16 defines. */
typedef struct OrtCustomOp {
  uint32_t version;
  void *(*CreateKernel)(const struct OrtCustomOp *op, const void *api, const OrtKernelInfo *info);
  const char *(*GetName)(const struct OrtCustomOp *op);
  const char *(*GetExecutionProviderType)(const struct OrtCustomOp *op);
  int (*GetInputType)(const struct OrtCustomOp *op, size_t index);
  size_t (*GetInputTypeCount)(const struct OrtCustomOp *op);
  int (*GetOutputType)(const struct OrtCustomOp *op, size_t index);
  size_t (*GetOutputTypeCount)(const struct OrtCustomOp *op);
  void (*KernelCompute)(void *kernel, OrtKernelContext *context);
  void (*KernelDestroy)(void *kernel);
  int (*GetInputCharacteristic)(const struct OrtCustomOp *op, size_t index);
  int (*GetOutputCharacteristic)(const struct OrtCustomOp *op, size_t index);
  int (*GetInputMemoryType)(const struct OrtCustomOp *op, size_t index);
  int (*GetVariadicInputMinArity)(const struct OrtCustomOp *op);
  int (*GetVariadicInputHomogeneity)(const struct OrtCustomOp *op);
  int (*GetVariadicOutputMinArity)(const struct OrtCustomOp *op);
  int (*GetVariadicOutputHomogeneity)(const struct OrtCustomOp *op);
  OrtStatus *(*CreateKernelV2)(const struct OrtCustomOp *op, const void *api, const OrtKernelInfo *info, void **kernel);
  OrtStatus *(*KernelComputeV2)(void *kernel, OrtKernelContext *context);
  void *InferOutputShapeFn;
} OrtCustomOp;

typedef OrtStatus *(*CreateDomainFn)(const char *domain, OrtCustomOpDomain **out);
typedef OrtStatus *(*DomainAddFn)(OrtCustomOpDomain *domain, const OrtCustomOp *op);
typedef OrtStatus *(*AddDomainFn)(OrtSessionOptions *options, OrtCustomOpDomain *domain);
typedef OrtStatus *(*AttributeInt64Fn)(const OrtKernelInfo *info, const char *name, int64_t *out);
typedef OrtStatus *(*GetInputFn)(const OrtKernelContext *context, size_t index, const OrtValue **out);
typedef OrtStatus *(*ContextInputCountFn)(const OrtKernelContext *context, size_t *out);
typedef OrtStatus *(*GetOutputFn)(OrtKernelContext *context, size_t index, const int64_t *dims, size_t rank, OrtValue **out);
typedef OrtStatus *(*GetDataFn)(OrtValue *value, void **out);
typedef OrtStatus *(*TypeAndShapeFn)(const OrtValue *value, OrtTensorTypeAndShapeInfo **out);
typedef OrtStatus *(*DimensionsCountFn)(const OrtTensorTypeAndShapeInfo *info, size_t *out);
typedef OrtStatus *(*DimensionsFn)(const OrtTensorTypeAndShapeInfo *info, int64_t *dims, size_t length);
typedef OrtStatus *(*ParallelForFn)(const OrtKernelContext *context, void (*fn)(void *, size_t), size_t total, size_t batches, void *data);

typedef struct {
  int trans_a, trans_b, relu;
  void *scratch;
  size_t scratch_bytes;
} Kernel;

static int64_t attribute(const OrtKernelInfo *info, const char *name) {
  int64_t value = 0;
  OrtStatus *status = CALL(KERNEL_INFO_GET_ATTRIBUTE_INT64, AttributeInt64Fn)(info, name, &value);
  if (status) {
    /* Absent: 0, as ONNX Gemm's default. */
    CALL(RELEASE_STATUS, ReleaseFn)(status);
    return 0;
  }
  return value;
}

static OrtStatus *create_kernel(const OrtCustomOp *op, const void *api, const OrtKernelInfo *info, void **out) {
  (void)op;
  (void)api;
  Kernel *kernel = calloc(1, sizeof *kernel);
  if (!kernel) return CALL(CREATE_STATUS, CreateStatusFn)(ORT_FAIL, "GemmBf16: out of memory");
  kernel->trans_a = attribute(info, "transA") != 0;
  kernel->trans_b = attribute(info, "transB") != 0;
  kernel->relu = attribute(info, "relu") != 0;
  *out = kernel;
  return NULL;
}

static void *create_kernel_v1(const OrtCustomOp *op, const void *api, const OrtKernelInfo *info) {
  void *kernel = NULL;
  OrtStatus *status = create_kernel(op, api, info, &kernel);
  if (status) CALL(RELEASE_STATUS, ReleaseFn)(status);
  return kernel;
}

static void destroy_kernel(void *data) {
  Kernel *kernel = data;
  if (!kernel) return;
  free(kernel->scratch);
  free(kernel);
}

/* Input `index` as a tensor of `rank` dimensions: its data and sizes. */
static OrtStatus *tensor(OrtKernelContext *context, size_t index, size_t rank, const float **data, int64_t *dims) {
  const OrtValue *value;
  OrtTensorTypeAndShapeInfo *info;
  size_t actual = 0;
  OrtStatus *status = CALL(KERNEL_CONTEXT_GET_INPUT, GetInputFn)(context, index, &value);
  if (!status) status = CALL(GET_TENSOR_TYPE_AND_SHAPE, TypeAndShapeFn)(value, &info);
  if (status) return status;
  status = CALL(GET_DIMENSIONS_COUNT, DimensionsCountFn)(info, &actual);
  if (!status && actual != rank) status = CALL(CREATE_STATUS, CreateStatusFn)(ORT_FAIL, rank == 2 ? "GemmBf16: operands must be 2-D" : "GemmBf16: the bias must be 1-D");
  if (!status) status = CALL(GET_DIMENSIONS, DimensionsFn)(info, dims, rank);
  CALL(RELEASE_TENSOR_TYPE_AND_SHAPE_INFO, ReleaseFn)(info);
  if (!status) status = CALL(GET_TENSOR_MUTABLE_DATA, GetDataFn)((OrtValue *)value, (void **)data);
  return status;
}

static void parallel_for(void *context, void (*task)(void *, size_t), size_t count, void *data) {
  OrtStatus *status = CALL(KERNEL_CONTEXT_PARALLEL_FOR, ParallelForFn)(context, task, count, 0, data);
  if (!status) return;
  /* No thread pool to run on: run the tasks here. */
  CALL(RELEASE_STATUS, ReleaseFn)(status);
  for (size_t i = 0; i < count; i++) task(data, i);
}

static OrtStatus *compute(void *data, OrtKernelContext *context) {
  Kernel *kernel = data;
  Bf16Gemm g = {0};
  int64_t a[2], b[2], bias = 0;
  size_t inputs = 0;
  OrtStatus *status = tensor(context, 0, 2, &g.a, a);
  if (!status) status = tensor(context, 1, 2, &g.b, b);
  if (!status) status = CALL(KERNEL_CONTEXT_GET_INPUT_COUNT, ContextInputCountFn)(context, &inputs);
  if (!status && inputs > 2) status = tensor(context, 2, 1, &g.bias, &bias);
  if (status) return status;
  g.trans_a = kernel->trans_a;
  g.trans_b = kernel->trans_b;
  g.relu = kernel->relu;
  g.m = (size_t)a[g.trans_a ? 1 : 0];
  g.k = (size_t)a[g.trans_a ? 0 : 1];
  g.n = (size_t)b[g.trans_b ? 0 : 1];
  if ((size_t)b[g.trans_b ? 1 : 0] != g.k) return CALL(CREATE_STATUS, CreateStatusFn)(ORT_FAIL, "GemmBf16: inner dimensions differ");
  if (g.bias && (size_t)bias != g.n) return CALL(CREATE_STATUS, CreateStatusFn)(ORT_FAIL, "GemmBf16: the bias must have one value per column");
  int64_t dims[2] = {(int64_t)g.m, (int64_t)g.n};
  OrtValue *y;
  status = CALL(KERNEL_CONTEXT_GET_OUTPUT, GetOutputFn)(context, 0, dims, 2, &y);
  if (!status) status = CALL(GET_TENSOR_MUTABLE_DATA, GetDataFn)(y, (void **)&g.c);
  if (status) return status;
  size_t bytes = bf16_gemm_scratch_bytes(&g);
  if (bytes > kernel->scratch_bytes) {
    free(kernel->scratch);
    kernel->scratch = NULL;
    kernel->scratch_bytes = 0;
    if (posix_memalign(&kernel->scratch, 64, bytes) != 0) return CALL(CREATE_STATUS, CreateStatusFn)(ORT_FAIL, "GemmBf16: out of memory");
    kernel->scratch_bytes = bytes;
  }
  bf16_gemm(&g, kernel->scratch, parallel_for, context);
  return NULL;
}

static void compute_v1(void *kernel, OrtKernelContext *context) {
  OrtStatus *status = compute(kernel, context);
  if (status) CALL(RELEASE_STATUS, ReleaseFn)(status);
}

static const char *name(const OrtCustomOp *op) {
  (void)op;
  return "GemmBf16";
}
static const char *provider(const OrtCustomOp *op) {
  (void)op;
  return "CPUExecutionProvider";
}
static int float_type(const OrtCustomOp *op, size_t index) {
  (void)op;
  (void)index;
  return FLOAT;
}
static size_t three(const OrtCustomOp *op) {
  (void)op;
  return 3;
}
static size_t one(const OrtCustomOp *op) {
  (void)op;
  return 1;
}
/* OrtCustomOpInputOutputCharacteristic: the bias (input 2) may be absent. */
static int characteristic(const OrtCustomOp *op, size_t index) {
  (void)op;
  return index == 2 ? 1 : 0;
}
static int required(const OrtCustomOp *op, size_t index) {
  (void)op;
  (void)index;
  return 0;
}
static int default_memory(const OrtCustomOp *op, size_t index) {
  (void)op;
  (void)index;
  return 0;
}
static int not_variadic(const OrtCustomOp *op) {
  (void)op;
  return 1;
}

static const OrtCustomOp gemm_bf16 = {
    .version = 16,
    .CreateKernel = create_kernel_v1,
    .GetName = name,
    .GetExecutionProviderType = provider,
    .GetInputType = float_type,
    .GetInputTypeCount = three,
    .GetOutputType = float_type,
    .GetOutputTypeCount = one,
    .KernelCompute = compute_v1,
    .KernelDestroy = destroy_kernel,
    .GetInputCharacteristic = characteristic,
    .GetOutputCharacteristic = required,
    .GetInputMemoryType = default_memory,
    .GetVariadicInputMinArity = not_variadic,
    .GetVariadicInputHomogeneity = not_variadic,
    .GetVariadicOutputMinArity = not_variadic,
    .GetVariadicOutputHomogeneity = not_variadic,
    .CreateKernelV2 = create_kernel,
    .KernelComputeV2 = compute,
    .InferOutputShapeFn = NULL,
};

OrtStatus *gemm_bf16_register(OrtSessionOptions *options) {
  /* One domain for the process: sessions hold on to it, so it is never released. */
  static OrtCustomOpDomain *domain;
  if (!domain) {
    OrtCustomOpDomain *created;
    OrtStatus *status = CALL(CREATE_CUSTOM_OP_DOMAIN, CreateDomainFn)("ai.deeprank", &created);
    if (!status) status = CALL(CUSTOM_OP_DOMAIN_ADD, DomainAddFn)(created, &gemm_bf16);
    if (status) return status;
    domain = created;
  }
  return CALL(ADD_CUSTOM_OP_DOMAIN, AddDomainFn)(options, domain);
}
