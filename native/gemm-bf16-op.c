/*
 * ai.deeprank.GemmBf16: Y = op(A) · op(B) for 2-D float tensors, with attributes transA and
 * transB as ONNX Gemm has them, computed with bfloat16 factors and float32 sums (bf16-gemm.c);
 * optionally + C (a third input: n values added to every row, or a full m x n matrix) and then
 * max(Y, 0) (attribute relu = 1), as the float32 Add and Relu after it would, which the exporter
 * folds in as ONNX Runtime fuses them into its own Gemm.
 * Training graphs built with `precision: 'bf16'` use it for their matrix products; it runs on
 * the session's own threads, so a session of two threads splits each product over both cores as
 * ONNX Runtime's own Gemm does.
 */
#define _POSIX_C_SOURCE 200112L /* posix_memalign under -std=c11 */
#include <stdlib.h>
#include "bf16-gemm.h"
#include "custom-op.h"

typedef struct {
  int trans_a, trans_b, relu;
  void *scratch;
  size_t scratch_bytes;
  /* B packed once when it is a constant initializer (a served graph's weight), else NULL. */
  void *packed_b;
} Kernel;

/* B packed into kernel->packed_b when the graph holds it as a constant; training graphs feed their weights, so they pack on every run. */
static OrtStatus *pack_constant_b(Kernel *kernel, const OrtKernelInfo *info) {
  OpTensor b;
  int constant;
  OrtStatus *status = op_constant_input(info, 1, &b, &constant);
  if (status || !constant || b.rank != 2) return status;
  Bf16Gemm g = {.b = b.data, .trans_b = kernel->trans_b, .n = (size_t)b.dims[kernel->trans_b ? 0 : 1], .k = (size_t)b.dims[kernel->trans_b ? 1 : 0]};
  if (posix_memalign(&kernel->packed_b, 64, bf16_gemm_packed_b_bytes(&g)) != 0) return op_error("GemmBf16: out of memory");
  /* A kernel being created has no session threads yet. */
  bf16_gemm_pack_b(&g, kernel->packed_b, op_in_turn, NULL);
  return NULL;
}

static OrtStatus *create_kernel(const OrtCustomOp *op, const void *api, const OrtKernelInfo *info, void **out) {
  (void)op;
  (void)api;
  Kernel *kernel = calloc(1, sizeof *kernel);
  if (!kernel) return op_error("GemmBf16: out of memory");
  kernel->trans_a = op_attribute(info, "transA") != 0;
  kernel->trans_b = op_attribute(info, "transB") != 0;
  kernel->relu = op_attribute(info, "relu") != 0;
  OrtStatus *status = pack_constant_b(kernel, info);
  if (status) {
    free(kernel);
    return status;
  }
  *out = kernel;
  return NULL;
}

static void destroy_kernel(void *data) {
  Kernel *kernel = data;
  if (!kernel) return;
  free(kernel->scratch);
  free(kernel->packed_b);
  free(kernel);
}

static OrtStatus *compute(void *data, OrtKernelContext *context) {
  Kernel *kernel = data;
  OpTensor a, b, c, y;
  int added = 0;
  OrtStatus *status = op_input(context, 0, &a, NULL);
  if (!status) status = op_input(context, 1, &b, NULL);
  if (!status) status = op_input(context, 2, &c, &added);
  if (status) return status;
  if (a.rank != 2 || b.rank != 2) return op_error("GemmBf16: operands must be 2-D");
  Bf16Gemm g = {.a = a.data, .b = b.data, .trans_a = kernel->trans_a, .trans_b = kernel->trans_b, .relu = kernel->relu, .packed_b = kernel->packed_b};
  g.m = (size_t)a.dims[g.trans_a ? 1 : 0];
  g.k = (size_t)a.dims[g.trans_a ? 0 : 1];
  g.n = (size_t)b.dims[g.trans_b ? 0 : 1];
  if ((size_t)b.dims[g.trans_b ? 1 : 0] != g.k) return op_error("GemmBf16: inner dimensions differ");
  if (added) {
    int row = c.rank == 1 && (size_t)c.dims[0] == g.n, full = c.rank == 2 && (size_t)c.dims[0] == g.m && (size_t)c.dims[1] == g.n;
    if (!row && !full) return op_error("GemmBf16: C must have one value per column, or be m x n");
    g.addend = c.data;
    g.addend_ld = full ? g.n : 0;
  }
  int64_t dims[2] = {(int64_t)g.m, (int64_t)g.n};
  status = op_output(context, 0, dims, 2, &y);
  if (status) return status;
  g.c = y.data;
  size_t bytes = bf16_gemm_scratch_bytes(&g);
  if (bytes > kernel->scratch_bytes) {
    free(kernel->scratch);
    kernel->scratch = NULL;
    kernel->scratch_bytes = 0;
    if (posix_memalign(&kernel->scratch, 64, bytes) != 0) return op_error("GemmBf16: out of memory");
    kernel->scratch_bytes = bytes;
  }
  bf16_gemm(&g, kernel->scratch, op_parallel_for, context);
  return NULL;
}

/* Y is op(A)'s rows by op(B)'s columns. */
static OrtStatus *infer_shape(const OrtCustomOp *op, OrtShapeInferContext *context) {
  (void)op;
  OpShape a, b, y = {.rank = 2};
  int64_t trans_a, trans_b;
  OrtStatus *status = op_infer_input(context, 0, &a);
  if (!status) status = op_infer_input(context, 1, &b);
  if (!status) status = op_infer_attribute(context, "transA", &trans_a);
  if (!status) status = op_infer_attribute(context, "transB", &trans_b);
  if (status) return status;
  if (a.rank != 2 || b.rank != 2) return op_error("GemmBf16: operands must be 2-D");
  size_t row = trans_a ? 1 : 0, col = trans_b ? 0 : 1;
  y.dims[0] = a.dims[row];
  y.names[0] = a.names[row];
  y.dims[1] = b.dims[col];
  y.names[1] = b.names[col];
  return op_infer_output(context, 0, &y);
}

const DeeprankOp gemm_bf16_op = DEEPRANK_OP("GemmBf16", 3, 1, 2, create_kernel, compute, destroy_kernel, infer_shape);
