/*
 * Matrix products with bfloat16 factors and float32 sums: C = op(A) · op(B), where every element
 * of A and B is first rounded to bfloat16 (round to nearest even; subnormals to zero) and each
 * output is the float32 sum of their products, each added exactly and rounded (a fused
 * multiply-add), pair by pair in k order with k = 2p + 1 added before k = 2p, as AVX512-BF16's
 * VDPBF16PS adds them; subnormal sums are flushed to zero, as it flushes them. CPUs with
 * AVX512-BF16 run that instruction; the others run the same arithmetic as fused multiply-adds,
 * so both give the same bits. CPUs with AMX run TDPBF16PS, whose sums are the hardware's own:
 * the same products, summed with different float32 roundings.
 */
#ifndef DEEPRANK_BF16_GEMM_H
#define DEEPRANK_BF16_GEMM_H
#include <stddef.h>

/* Runs task(data, i) for i in [0, count), possibly on several threads, and returns when all have run. */
typedef void (*bf16_parallel_for)(void *runner, void (*task)(void *data, size_t i), size_t count, void *data);

typedef struct {
  /* op(A) is m x k: A as stored is m x k, or k x m when trans_a. Likewise op(B) is k x n. */
  const float *a, *b;
  float *c;
  size_t m, n, k;
  int trans_a, trans_b;
  /*
   * Optional epilogue, as ONNX Add and Relu after the product: C[i][j] += addend[i * addend_ld + j]
   * (addend_ld 0: n values added to every row; n: an m x n matrix), then max(C, 0).
   */
  const float *addend;
  size_t addend_ld;
  int relu;
  /* Optional: op(B) as bf16_gemm_pack_b packed it for this n, k and trans_b (a constant weight, packed once); NULL packs B here. */
  const void *packed_b;
} Bf16Gemm;

/* Bytes of scratch memory bf16_gemm needs for this shape (less with packed_b). */
size_t bf16_gemm_scratch_bytes(const Bf16Gemm *g);

/* Bytes of op(B) packed (n, k and trans_b of g), and the packing into `out` (64-byte aligned). */
size_t bf16_gemm_packed_b_bytes(const Bf16Gemm *g);
void bf16_gemm_pack_b(const Bf16Gemm *g, void *out, bf16_parallel_for parallel_for, void *runner);

/* C = op(A) · op(B) (+ addend, relu); `scratch` (64-byte aligned) holds bf16_gemm_scratch_bytes(g). */
void bf16_gemm(const Bf16Gemm *g, void *scratch, bf16_parallel_for parallel_for, void *runner);

/* How this process runs the products: "amx", "avx512bf16" (VDPBF16PS), "fma" or "portable". */
const char *bf16_gemm_kernel(void);

#endif
