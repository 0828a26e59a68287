/*
 * What deeprank's ONNX Runtime operators (domain ai.deeprank) share: the operator description
 * ONNX Runtime reads, typed access to a kernel's inputs and outputs, and the session's threads.
 * gemm-bf16-op.c and elementwise-ops.c define the operators; deeprank_ops_register makes them
 * known to a session.
 */
#ifndef DEEPRANK_CUSTOM_OP_H
#define DEEPRANK_CUSTOM_OP_H
#include "ort-api.h"

typedef struct OrtKernelInfo OrtKernelInfo;
typedef struct OrtKernelContext OrtKernelContext;
typedef struct OrtShapeInferContext OrtShapeInferContext;

/* The operator's description as ONNX Runtime reads it, laid out as its version 17 defines. */
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
  OrtStatus *(*InferOutputShapeFn)(const struct OrtCustomOp *op, OrtShapeInferContext *context);
  int (*GetStartVersion)(const struct OrtCustomOp *op);
  int (*GetEndVersion)(const struct OrtCustomOp *op);
} OrtCustomOp;

/* The most dimensions an operator's tensor may have. */
#define OP_MAX_RANK 8

/* A float tensor an operator reads or writes. */
typedef struct {
  float *data;
  int64_t dims[OP_MAX_RANK];
  size_t rank, size;
} OpTensor;

/* A tensor's shape as shape inference sees it: sizes (-1 where unknown) and names of symbolic ones ("" for none). */
typedef struct {
  int64_t dims[OP_MAX_RANK];
  const char *names[OP_MAX_RANK];
  size_t rank;
  /* Names op_infer_output gives unknown sizes that have none. */
  char fresh[OP_MAX_RANK][32];
} OpShape;

/* A failed status naming the operator. */
OrtStatus *op_error(const char *message);

/* Integer attribute `name`, or 0 when absent (as ONNX Gemm's defaults). */
int64_t op_attribute(const OrtKernelInfo *info, const char *name);

/* Input `index`; `present` (may be NULL) is set to 0 for an absent optional input. */
OrtStatus *op_input(OrtKernelContext *context, size_t index, OpTensor *out, int *present);

/* Input `index` when it is a constant initializer of the graph (`constant` 1), known when the kernel is created; `constant` 0 otherwise. */
OrtStatus *op_constant_input(const OrtKernelInfo *info, size_t index, OpTensor *out, int *constant);

/* Output `index` with the given dimensions. */
OrtStatus *op_output(OrtKernelContext *context, size_t index, const int64_t *dims, size_t rank, OpTensor *out);

/* Runs task(data, i) for i in [0, count) on the calling thread, in order (`runner` unused), where there are no session threads. */
void op_in_turn(void *runner, void (*task)(void *data, size_t i), size_t count, void *data);

/* Runs task(data, i) for i in [0, count) on the session's threads (bf16-gemm.h's bf16_parallel_for). */
void op_parallel_for(void *context, void (*task)(void *data, size_t i), size_t count, void *data);

/*
 * An operator of float inputs and outputs on the CPU. `ort` comes first: ONNX Runtime hands
 * its callbacks a pointer to it, which the shared ones below read the rest through. Kernels are
 * created and run through the version 16 callbacks (CreateKernelV2, KernelComputeV2); `infer`
 * (version 17), when given, tells ONNX Runtime the output's shape before it optimises the graph.
 */
typedef struct {
  OrtCustomOp ort;
  const char *name;
  /* Inputs from `optional_from` on may be absent. */
  size_t inputs, outputs, optional_from;
} DeeprankOp;

const char *op_name(const OrtCustomOp *op);
const char *op_provider(const OrtCustomOp *op);
int op_float_type(const OrtCustomOp *op, size_t index);
size_t op_input_count(const OrtCustomOp *op);
size_t op_output_count(const OrtCustomOp *op);
int op_input_characteristic(const OrtCustomOp *op, size_t index);
int op_output_characteristic(const OrtCustomOp *op, size_t index);
int op_memory_type(const OrtCustomOp *op, size_t index);
int op_not_variadic(const OrtCustomOp *op);
/*
 * Shape inference for an output of input 0's shape. Without it ONNX Runtime knows no shape
 * downstream of the operator and skips fusions that need one (MatMul + Add into Gemm), which
 * would change the bits of a fused graph against the plain one.
 */
OrtStatus *op_shape_of_input0(const OrtCustomOp *op, OrtShapeInferContext *context);
/* For other shape inference functions: input `index`'s shape, output `index`'s float shape, an integer attribute (0 when absent). */
OrtStatus *op_infer_input(OrtShapeInferContext *context, size_t index, OpShape *out);
OrtStatus *op_infer_output(OrtShapeInferContext *context, size_t index, OpShape *shape);
OrtStatus *op_infer_attribute(OrtShapeInferContext *context, const char *name, int64_t *value);
/* For operators without state: the kernel is the operator itself, and nothing is freed. */
OrtStatus *op_stateless_kernel(const OrtCustomOp *op, const void *api, const OrtKernelInfo *info, void **kernel);
void op_no_state(void *kernel);

#define DEEPRANK_OP(NAME, INPUTS, OUTPUTS, OPTIONAL_FROM, CREATE, COMPUTE, DESTROY, INFER)                              \
  {                                                                                                                     \
    .ort = {.version = 17, .GetName = op_name, .GetExecutionProviderType = op_provider, .GetInputType = op_float_type,  \
            .GetInputTypeCount = op_input_count, .GetOutputType = op_float_type, .GetOutputTypeCount = op_output_count, \
            .KernelDestroy = DESTROY, .GetInputCharacteristic = op_input_characteristic,                                \
            .GetOutputCharacteristic = op_output_characteristic, .GetInputMemoryType = op_memory_type,                  \
            .GetVariadicInputMinArity = op_not_variadic, .GetVariadicInputHomogeneity = op_not_variadic,                \
            .GetVariadicOutputMinArity = op_not_variadic, .GetVariadicOutputHomogeneity = op_not_variadic,              \
            .CreateKernelV2 = CREATE, .KernelComputeV2 = COMPUTE, .InferOutputShapeFn = INFER},                         \
    .name = NAME, .inputs = INPUTS, .outputs = OUTPUTS, .optional_from = OPTIONAL_FROM                                  \
  }

extern const DeeprankOp gemm_bf16_op, mul_add_op, relu_grad_op;

/* Makes every ai.deeprank operator known to sessions created with `options`; NULL, or the error. */
OrtStatus *deeprank_ops_register(OrtSessionOptions *options);

#endif
