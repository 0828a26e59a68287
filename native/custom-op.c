/* The shared half of deeprank's ONNX Runtime operators (custom-op.h). */
#include <stdio.h>
#include "custom-op.h"

typedef struct OrtCustomOpDomain OrtCustomOpDomain;
typedef struct OrtTensorTypeAndShapeInfo OrtTensorTypeAndShapeInfo;
typedef OrtStatus *(*CreateDomainFn)(const char *domain, OrtCustomOpDomain **out);
typedef OrtStatus *(*DomainAddFn)(OrtCustomOpDomain *domain, const OrtCustomOp *op);
typedef OrtStatus *(*AddDomainFn)(OrtSessionOptions *options, OrtCustomOpDomain *domain);
typedef OrtStatus *(*AttributeInt64Fn)(const OrtKernelInfo *info, const char *name, int64_t *out);
typedef OrtStatus *(*ConstantInputFn)(const OrtKernelInfo *info, size_t index, int *is_constant, const OrtValue **out);
typedef OrtStatus *(*GetInputFn)(const OrtKernelContext *context, size_t index, const OrtValue **out);
typedef OrtStatus *(*ContextInputCountFn)(const OrtKernelContext *context, size_t *out);
typedef OrtStatus *(*GetOutputFn)(OrtKernelContext *context, size_t index, const int64_t *dims, size_t rank, OrtValue **out);
typedef OrtStatus *(*GetDataFn)(OrtValue *value, void **out);
typedef OrtStatus *(*TypeAndShapeFn)(const OrtValue *value, OrtTensorTypeAndShapeInfo **out);
typedef OrtStatus *(*DimensionsCountFn)(const OrtTensorTypeAndShapeInfo *info, size_t *out);
typedef OrtStatus *(*DimensionsFn)(const OrtTensorTypeAndShapeInfo *info, int64_t *dims, size_t length);
typedef OrtStatus *(*InputTypeShapeFn)(const OrtShapeInferContext *context, size_t index, OrtTensorTypeAndShapeInfo **out);
typedef OrtStatus *(*SetOutputTypeShapeFn)(const OrtShapeInferContext *context, size_t index, const OrtTensorTypeAndShapeInfo *info);
typedef struct OrtOpAttr OrtOpAttr;
typedef OrtStatus *(*CreateTypeShapeFn)(OrtTensorTypeAndShapeInfo **out);
typedef OrtStatus *(*SetElementTypeFn)(OrtTensorTypeAndShapeInfo *info, int type);
typedef OrtStatus *(*SetDimensionsFn)(OrtTensorTypeAndShapeInfo *info, const int64_t *dims, size_t count);
typedef OrtStatus *(*SymbolicDimensionsFn)(OrtTensorTypeAndShapeInfo *info, const char **names, size_t count);
typedef OrtStatus *(*InferAttributeFn)(const OrtShapeInferContext *context, const char *name, const OrtOpAttr **out);
typedef OrtStatus *(*ReadAttributeFn)(const OrtOpAttr *attribute, int type, void *data, size_t length, size_t *written);
typedef OrtStatus *(*ParallelForFn)(const OrtKernelContext *context, void (*fn)(void *, size_t), size_t total, size_t batches, void *data);

static const DeeprankOp *of(const OrtCustomOp *op) { return (const DeeprankOp *)op; }

OrtStatus *op_error(const char *message) { return CALL(CREATE_STATUS, CreateStatusFn)(ORT_FAIL, message); }

int64_t op_attribute(const OrtKernelInfo *info, const char *name) {
  int64_t value = 0;
  OrtStatus *status = CALL(KERNEL_INFO_GET_ATTRIBUTE_INT64, AttributeInt64Fn)(info, name, &value);
  if (!status) return value;
  CALL(RELEASE_STATUS, ReleaseFn)(status);
  return 0;
}

/* The rank (at most OP_MAX_RANK) and sizes `info` describes. */
static OrtStatus *dimensions(const OrtTensorTypeAndShapeInfo *info, int64_t *dims, size_t *rank) {
  OrtStatus *status = CALL(GET_DIMENSIONS_COUNT, DimensionsCountFn)(info, rank);
  if (!status && *rank > OP_MAX_RANK) status = op_error("ai.deeprank operators take tensors of at most 8 dimensions");
  return status ? status : CALL(GET_DIMENSIONS, DimensionsFn)(info, dims, *rank);
}

static OrtStatus *describe(OrtValue *value, OpTensor *out) {
  OrtTensorTypeAndShapeInfo *info;
  OrtStatus *status = CALL(GET_TENSOR_TYPE_AND_SHAPE, TypeAndShapeFn)(value, &info);
  if (status) return status;
  status = dimensions(info, out->dims, &out->rank);
  CALL(RELEASE_TENSOR_TYPE_AND_SHAPE_INFO, ReleaseFn)(info);
  if (status) return status;
  out->size = 1;
  for (size_t d = 0; d < out->rank; d++) out->size *= (size_t)out->dims[d];
  return CALL(GET_TENSOR_MUTABLE_DATA, GetDataFn)(value, (void **)&out->data);
}

OrtStatus *op_input(OrtKernelContext *context, size_t index, OpTensor *out, int *present) {
  size_t count = 0;
  OrtStatus *status = CALL(KERNEL_CONTEXT_GET_INPUT_COUNT, ContextInputCountFn)(context, &count);
  if (status) return status;
  const OrtValue *value = NULL;
  if (index < count) status = CALL(KERNEL_CONTEXT_GET_INPUT, GetInputFn)(context, index, &value);
  if (status) return status;
  if (present) *present = value != NULL;
  if (!value) return present ? NULL : op_error("ai.deeprank operator: a required input is missing");
  return describe((OrtValue *)value, out);
}

OrtStatus *op_constant_input(const OrtKernelInfo *info, size_t index, OpTensor *out, int *constant) {
  const OrtValue *value = NULL;
  *constant = 0;
  OrtStatus *status = CALL(KERNEL_INFO_GET_CONSTANT_INPUT_TENSOR, ConstantInputFn)(info, index, constant, &value);
  if (status || !*constant || !value) {
    *constant = 0;
    return status;
  }
  return describe((OrtValue *)value, out);
}

OrtStatus *op_output(OrtKernelContext *context, size_t index, const int64_t *dims, size_t rank, OpTensor *out) {
  OrtValue *value;
  OrtStatus *status = CALL(KERNEL_CONTEXT_GET_OUTPUT, GetOutputFn)(context, index, dims, rank, &value);
  return status ? status : describe(value, out);
}

void op_in_turn(void *runner, void (*task)(void *, size_t), size_t count, void *data) {
  (void)runner;
  for (size_t i = 0; i < count; i++) task(data, i);
}

void op_parallel_for(void *context, void (*task)(void *, size_t), size_t count, void *data) {
  OrtStatus *status = CALL(KERNEL_CONTEXT_PARALLEL_FOR, ParallelForFn)(context, task, count, 0, data);
  if (!status) return;
  /* No thread pool to run on: run the tasks here. */
  CALL(RELEASE_STATUS, ReleaseFn)(status);
  op_in_turn(NULL, task, count, data);
}

const char *op_name(const OrtCustomOp *op) { return of(op)->name; }
const char *op_provider(const OrtCustomOp *op) {
  (void)op;
  return "CPUExecutionProvider";
}
int op_float_type(const OrtCustomOp *op, size_t index) {
  (void)op;
  (void)index;
  return FLOAT;
}
size_t op_input_count(const OrtCustomOp *op) { return of(op)->inputs; }
size_t op_output_count(const OrtCustomOp *op) { return of(op)->outputs; }
/* OrtCustomOpInputOutputCharacteristic: 0 required, 1 optional. */
int op_input_characteristic(const OrtCustomOp *op, size_t index) { return index >= of(op)->optional_from ? 1 : 0; }
int op_output_characteristic(const OrtCustomOp *op, size_t index) {
  (void)op;
  (void)index;
  return 0;
}
/* OrtMemType: the CPU's default memory. */
int op_memory_type(const OrtCustomOp *op, size_t index) {
  (void)op;
  (void)index;
  return 0;
}
int op_not_variadic(const OrtCustomOp *op) {
  (void)op;
  return 1;
}
OrtStatus *op_stateless_kernel(const OrtCustomOp *op, const void *api, const OrtKernelInfo *info, void **kernel) {
  (void)api;
  (void)info;
  *kernel = (void *)op;
  return NULL;
}
void op_no_state(void *kernel) { (void)kernel; }

/* OrtOpAttrType of a single integer. */
#define ATTRIBUTE_INT 1

OrtStatus *op_infer_input(OrtShapeInferContext *context, size_t index, OpShape *out) {
  /* The context owns what it hands out. */
  OrtTensorTypeAndShapeInfo *info;
  OrtStatus *status = CALL(SHAPE_INFER_CONTEXT_GET_INPUT_TYPE_SHAPE, InputTypeShapeFn)(context, index, &info);
  if (!status) status = dimensions(info, out->dims, &out->rank);
  if (!status) status = CALL(GET_SYMBOLIC_DIMENSIONS, SymbolicDimensionsFn)(info, out->names, out->rank);
  return status;
}

OrtStatus *op_infer_output(OrtShapeInferContext *context, size_t index, OpShape *shape) {
  /*
   * ONNX Runtime writes a size without a name as that value, so an unknown one (-1) would become
   * a size of -1 that later nodes fail to unify with theirs: each gets a name of its own instead.
   */
  static unsigned long fresh;
  for (size_t d = 0; d < shape->rank; d++) {
    if (shape->dims[d] >= 0 || (shape->names[d] && shape->names[d][0])) continue;
    snprintf(shape->fresh[d], sizeof shape->fresh[d], "deeprank_unknown_%lu", __atomic_fetch_add(&fresh, 1, __ATOMIC_RELAXED));
    shape->names[d] = shape->fresh[d];
  }
  OrtTensorTypeAndShapeInfo *info;
  OrtStatus *status = CALL(CREATE_TENSOR_TYPE_AND_SHAPE_INFO, CreateTypeShapeFn)(&info);
  if (status) return status;
  status = CALL(SET_TENSOR_ELEMENT_TYPE, SetElementTypeFn)(info, FLOAT);
  if (!status) status = CALL(SET_DIMENSIONS, SetDimensionsFn)(info, shape->dims, shape->rank);
  if (!status) status = CALL(SET_SYMBOLIC_DIMENSIONS, SymbolicDimensionsFn)(info, (const char **)shape->names, shape->rank);
  if (!status) status = CALL(SHAPE_INFER_CONTEXT_SET_OUTPUT_TYPE_SHAPE, SetOutputTypeShapeFn)(context, index, info);
  CALL(RELEASE_TENSOR_TYPE_AND_SHAPE_INFO, ReleaseFn)(info);
  return status;
}

OrtStatus *op_infer_attribute(OrtShapeInferContext *context, const char *name, int64_t *value) {
  const OrtOpAttr *attribute;
  size_t written;
  *value = 0;
  OrtStatus *status = CALL(SHAPE_INFER_CONTEXT_GET_ATTRIBUTE, InferAttributeFn)(context, name, &attribute);
  if (status) {
    /* Absent. */
    CALL(RELEASE_STATUS, ReleaseFn)(status);
    return NULL;
  }
  return CALL(READ_OP_ATTR, ReadAttributeFn)(attribute, ATTRIBUTE_INT, value, sizeof *value, &written);
}

OrtStatus *op_shape_of_input0(const OrtCustomOp *op, OrtShapeInferContext *context) {
  (void)op;
  OpShape shape;
  OrtStatus *status = op_infer_input(context, 0, &shape);
  return status ? status : op_infer_output(context, 0, &shape);
}

OrtStatus *deeprank_ops_register(OrtSessionOptions *options) {
  /* One domain for the process: sessions hold on to it, so it is never released. */
  static OrtCustomOpDomain *domain;
  if (!domain) {
    const DeeprankOp *ops[] = {&gemm_bf16_op, &mul_add_op, &relu_grad_op};
    OrtCustomOpDomain *created;
    OrtStatus *status = CALL(CREATE_CUSTOM_OP_DOMAIN, CreateDomainFn)("ai.deeprank", &created);
    for (size_t i = 0; !status && i < sizeof ops / sizeof *ops; i++) status = CALL(CUSTOM_OP_DOMAIN_ADD, DomainAddFn)(created, &ops[i]->ort);
    if (status) return status;
    domain = created;
  }
  return CALL(ADD_CUSTOM_OP_DOMAIN, AddDomainFn)(options, domain);
}
