/*
 * Fused elementwise steps of training graphs, each one pass over memory where ONNX nodes take
 * two or three (the exporter writes them only for deeprank's own sessions):
 *
 *   ai.deeprank.MulAdd(a, b, c)  = a * b + c      for Mul then Add, as DCN's cross layers and
 *                                                 gradient sums have them
 *   ai.deeprank.ReluGrad(g, y)   = g * (y > 0)    for Greater, Cast and Mul: ReLU's gradient
 *
 * Each rounds as the nodes it replaces (the product is rounded before the sum: no fused
 * multiply-add), so a graph gives the same bits either way. Operands have one shape, no
 * broadcasting; the work is split over the session's threads in chunks.
 */
#include <string.h>
#include "custom-op.h"

/* Elements per task: 64 KB of each operand. */
#define CHUNK 16384

typedef struct {
  const float *x0, *x1, *x2;
  float *y;
  size_t size;
} Job;

static size_t chunk_end(const Job *job, size_t t) { return (t + 1) * CHUNK < job->size ? (t + 1) * CHUNK : job->size; }

static void mul_add_chunk(void *data, size_t t) {
  const Job *job = data;
  const float *restrict a = job->x0, *restrict b = job->x1, *restrict c = job->x2;
  float *restrict y = job->y;
  for (size_t i = t * CHUNK, end = chunk_end(job, t); i < end; i++) {
    float product = a[i] * b[i];
    y[i] = product + c[i];
  }
}

static void relu_grad_chunk(void *data, size_t t) {
  const Job *job = data;
  const float *restrict g = job->x0, *restrict out = job->x1;
  float *restrict y = job->y;
  /*
   * Mul by the cast mask gives g or g * 0 (NaN for an infinite or NaN g, -0 for a negative one).
   * Written as a select of bits: compilers turn the product by a 0/1 mask into a branch per
   * element, which random signs mispredict half the time (20x slower).
   */
  for (size_t i = t * CHUNK, end = chunk_end(job, t); i < end; i++) {
    float zero = g[i] * 0.0f;
    uint32_t keep = -(uint32_t)(out[i] > 0.0f), kept, zeroed, bits;
    memcpy(&kept, &g[i], 4);
    memcpy(&zeroed, &zero, 4);
    bits = (kept & keep) | (zeroed & ~keep);
    memcpy(&y[i], &bits, 4);
  }
}

static int same_shape(const OpTensor *x, const OpTensor *y) {
  if (x->rank != y->rank) return 0;
  for (size_t d = 0; d < x->rank; d++)
    if (x->dims[d] != y->dims[d]) return 0;
  return 1;
}

/* Reads the `inputs` operands, which must share a shape, and runs `task` over them into output 0 of that shape. */
static OrtStatus *elementwise(OrtKernelContext *context, size_t inputs, void (*task)(void *, size_t), const char *shapes_differ) {
  OpTensor x[3], y;
  OrtStatus *status = NULL;
  for (size_t i = 0; i < inputs && !status; i++) {
    status = op_input(context, i, &x[i], NULL);
    if (!status && !same_shape(&x[0], &x[i])) status = op_error(shapes_differ);
  }
  if (!status) status = op_output(context, 0, x[0].dims, x[0].rank, &y);
  if (status) return status;
  Job job = {x[0].data, x[1].data, inputs > 2 ? x[2].data : NULL, y.data, y.size};
  op_parallel_for(context, task, (y.size + CHUNK - 1) / CHUNK, &job);
  return NULL;
}

static OrtStatus *mul_add(void *kernel, OrtKernelContext *context) {
  (void)kernel;
  return elementwise(context, 3, mul_add_chunk, "MulAdd: operands must have one shape");
}

static OrtStatus *relu_grad(void *kernel, OrtKernelContext *context) {
  (void)kernel;
  return elementwise(context, 2, relu_grad_chunk, "ReluGrad: the gradient and the output must have one shape");
}

const DeeprankOp mul_add_op = DEEPRANK_OP("MulAdd", 3, 1, 3, op_stateless_kernel, mul_add, op_no_state, op_shape_of_input0);
const DeeprankOp relu_grad_op = DEEPRANK_OP("ReluGrad", 2, 1, 2, op_stateless_kernel, relu_grad, op_no_state, op_shape_of_input0);
