/* deeprank's ONNX Runtime operator ai.deeprank.GemmBf16 (gemm-bf16-op.c). */
#ifndef DEEPRANK_GEMM_BF16_OP_H
#define DEEPRANK_GEMM_BF16_OP_H
#include "ort-api.h"

/* Makes the operator known to sessions created with `options`; NULL, or the error. */
OrtStatus *gemm_bf16_register(OrtSessionOptions *options);

#endif
