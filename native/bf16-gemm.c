/*
 * bfloat16 matrix products (bf16-gemm.h). Both operands are first packed into 32-bit words that
 * each hold one pair of bfloat16 factors (k = 2p in the low half, k = 2p + 1 in the high half):
 * A as blocks of MR rows, B as panels of NR columns, so that the micro-kernel reads both as
 * unit-stride streams. A micro-kernel call computes an MR x NR tile of C from one block and one
 * panel, holding the tile in 24 vector registers.
 *
 * On AVX512-BF16 the conversion is VCVTNE2PS2BF16 and the products VDPBF16PS, which treat
 * subnormal inputs as zero and flush subnormal results to zero. The portable path does the same:
 * each pair is two fused multiply-adds (high half first), each result flushed, which the tests
 * check gives the same bits.
 */
#include "bf16-gemm.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#define MR 12
#define NR 32

#if defined(__x86_64__) && defined(__GNUC__) && (defined(__clang__) || __GNUC__ >= 11)
#define X86_BF16 1
#include <immintrin.h>
#define BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
#define FMA_TARGET __attribute__((target("avx2,fma")))
#endif

/* ------------------------------------------------------------------------------------------ */
/* Portable arithmetic: the definition the vector paths must match bit for bit. */

static inline uint32_t float_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}

static inline float bits_float(uint32_t u) {
  float f;
  memcpy(&f, &u, 4);
  return f;
}

/* float32 -> bfloat16, round to nearest even; subnormals become zero, NaNs stay (quiet) NaNs. */
static inline uint32_t to_bf16(float f) {
  uint32_t u = float_bits(f);
  if ((u & 0x7f800000u) == 0) return (u >> 16) & 0x8000u;
  if ((u & 0x7fffffffu) > 0x7f800000u) return (u >> 16) | 0x40u;
  return (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
}

static inline uint32_t pair(float even, float odd) { return to_bf16(even) | to_bf16(odd) << 16; }

/* Words of the pairs of x[0..n) (odd n: the last pair's high half is zero). */
static void pairs_along_portable(const float *x, size_t n, uint32_t *out) {
  size_t p = 0;
  for (; 2 * p + 1 < n; p++) out[p] = pair(x[2 * p], x[2 * p + 1]);
  if (n & 1) out[p] = pair(x[n - 1], 0.0f);
}

/* Words (r0[i], r1[i]) for i in [0, n); r1 == NULL reads zeros. */
static void pairs_across_portable(const float *r0, const float *r1, size_t n, uint32_t *out) {
  for (size_t i = 0; i < n; i++) out[i] = pair(r0[i], r1 ? r1[i] : 0.0f);
}

static inline float flush(float x) {
  uint32_t u = float_bits(x);
  return (u & 0x7f800000u) == 0 ? bits_float(u & 0x80000000u) : x;
}

/* The MR x NR tile at c (row stride ldc) from P pair-words of a block and a panel; only rows x cols are stored. */
static inline void tile_portable_body(size_t P, const uint32_t *a, const uint32_t *b, float *c, size_t ldc, size_t rows, size_t cols) {
  float acc[MR][NR] = {{0}};
  for (size_t p = 0; p < P; p++) {
    const uint32_t *bp = b + p * NR;
    for (size_t r = 0; r < MR; r++) {
      uint32_t x = a[p * MR + r];
      float a_hi = bits_float(x & 0xffff0000u), a_lo = bits_float(x << 16);
      for (size_t j = 0; j < NR; j++) {
        float v = flush(fmaf(a_hi, bits_float(bp[j] & 0xffff0000u), acc[r][j]));
        acc[r][j] = flush(fmaf(a_lo, bits_float(bp[j] << 16), v));
      }
    }
  }
  for (size_t r = 0; r < rows; r++) memcpy(c + r * ldc, acc[r], cols * sizeof(float));
}

static void tile_portable(size_t P, const uint32_t *a, const uint32_t *b, float *c, size_t ldc, size_t rows, size_t cols) { tile_portable_body(P, a, b, c, ldc, rows, cols); }

/* ------------------------------------------------------------------------------------------ */
/* x86 vector paths. */

#ifdef X86_BF16
FMA_TARGET static void tile_portable_fma(size_t P, const uint32_t *a, const uint32_t *b, float *c, size_t ldc, size_t rows, size_t cols) { tile_portable_body(P, a, b, c, ldc, rows, cols); }

static inline BF16_TARGET __mmask16 first(size_t n) { return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1); }

BF16_TARGET static void pairs_along_bf16(const float *x, size_t n, uint32_t *out) {
  for (size_t i = 0; i < n; i += 32) {
    size_t left = n - i;
    __m512 lo = _mm512_maskz_loadu_ps(first(left), x + i);
    __m512 hi = _mm512_maskz_loadu_ps(left > 16 ? first(left - 16) : 0, x + i + 16);
    _mm512_mask_storeu_epi32(out + i / 2, first((left + 1) / 2), (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
  }
}

BF16_TARGET static void pairs_across_bf16(const float *r0, const float *r1, size_t n, uint32_t *out) {
  const __m512i interleave = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  for (size_t i = 0; i < n; i += 16) {
    __mmask16 m = first(n - i);
    __m512 x0 = _mm512_maskz_loadu_ps(m, r0 + i);
    __m512 x1 = r1 ? _mm512_maskz_loadu_ps(m, r1 + i) : _mm512_setzero_ps();
    __m512i halves = (__m512i)_mm512_cvtne2ps_pbh(x1, x0);
    _mm512_mask_storeu_epi32(out + i, m, _mm512_permutexvar_epi16(interleave, halves));
  }
}

BF16_TARGET static void tile_bf16(size_t P, const uint32_t *a, const uint32_t *b, float *c, size_t ldc, size_t rows, size_t cols) {
  __m512 acc[MR][2];
  for (size_t r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  for (size_t p = 0; p < P; p++) {
    __m512bh b0 = (__m512bh)_mm512_load_si512(b + p * NR);
    __m512bh b1 = (__m512bh)_mm512_load_si512(b + p * NR + 16);
#pragma GCC unroll 12
    for (size_t r = 0; r < MR; r++) {
      __m512bh x = (__m512bh)_mm512_set1_epi32((int)a[p * MR + r]);
      acc[r][0] = _mm512_dpbf16_ps(acc[r][0], x, b0);
      acc[r][1] = _mm512_dpbf16_ps(acc[r][1], x, b1);
    }
  }
  __mmask16 m0 = first(cols), m1 = cols > 16 ? first(cols - 16) : 0;
  for (size_t r = 0; r < rows; r++) {
    _mm512_mask_storeu_ps(c + r * ldc, m0, acc[r][0]);
    _mm512_mask_storeu_ps(c + r * ldc + 16, m1, acc[r][1]);
  }
}
#endif

/* ------------------------------------------------------------------------------------------ */
/* Dispatch: the CPU's best path, or the portable one when DEEPRANK_BF16_KERNEL=portable. */

typedef void (*TileFn)(size_t, const uint32_t *, const uint32_t *, float *, size_t, size_t, size_t);
typedef void (*AlongFn)(const float *, size_t, uint32_t *);
typedef void (*AcrossFn)(const float *, const float *, size_t, uint32_t *);
static struct {
  int picked, native;
  TileFn tile;
  AlongFn along;
  AcrossFn across;
} path;

static void pick(void) {
  if (path.picked) return;
  path.tile = tile_portable;
  path.along = pairs_along_portable;
  path.across = pairs_across_portable;
#ifdef X86_BF16
  const char *forced = getenv("DEEPRANK_BF16_KERNEL");
  int portable = forced && strcmp(forced, "portable") == 0;
  __builtin_cpu_init();
  if (!portable && __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")) {
    path.tile = tile_bf16;
    path.along = pairs_along_bf16;
    path.across = pairs_across_bf16;
    path.native = 1;
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    path.tile = tile_portable_fma;
  }
#endif
  path.picked = 1;
}

int bf16_gemm_native(void) {
  pick();
  return path.native;
}

/* ------------------------------------------------------------------------------------------ */
/* Packing and the product. */

typedef struct {
  const Bf16Gemm *g;
  size_t P, blocks, panels;
  uint32_t *apack, *bpack;
} Job;

static size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }

static void layout(const Bf16Gemm *g, size_t *P, size_t *blocks, size_t *panels) {
  *P = ceil_div(g->k, 2);
  *blocks = ceil_div(g->m, MR);
  *panels = ceil_div(g->n, NR);
}

size_t bf16_gemm_scratch_bytes(const Bf16Gemm *g) {
  size_t P, blocks, panels;
  layout(g, &P, &blocks, &panels);
  return (panels * NR + blocks * MR) * P * sizeof(uint32_t);
}

/*
 * Lines [first, first + count) of x (row stride ld, k values each) as pair-words, line i at
 * out[p * width + (i - first)]; lines count..width-1 are zero. The pairs lie along each line.
 */
#define ALONG_CHUNK 1024
static inline void pack_along(const float *x, size_t ld, size_t k, size_t first, size_t count, size_t width, uint32_t *out) {
  uint32_t words[ALONG_CHUNK / 2];
  if (count < width) memset(out, 0, ceil_div(k, 2) * width * sizeof(uint32_t));
  for (size_t i = 0; i < count; i++) {
    const float *line = x + (first + i) * ld;
    for (size_t k0 = 0; k0 < k; k0 += ALONG_CHUNK) {
      size_t n = k - k0 < ALONG_CHUNK ? k - k0 : ALONG_CHUNK;
      uint32_t *to = out + k0 / 2 * width + i;
      path.along(line + k0, n, words);
      for (size_t w = 0; w < (n + 1) / 2; w++) to[w * width] = words[w];
    }
  }
}

/* The same words when the pairs lie across lines: x is k x (lines), pair p = rows 2p and 2p + 1. */
static void pack_across(const float *x, size_t ld, size_t k, size_t first, size_t count, size_t width, uint32_t *out) {
  size_t P = ceil_div(k, 2);
  for (size_t p = 0; p < P; p++) {
    uint32_t *words = out + p * width;
    const float *r0 = x + 2 * p * ld + first;
    path.across(r0, 2 * p + 1 < k ? r0 + ld : NULL, count, words);
    memset(words + count, 0, (width - count) * sizeof(uint32_t));
  }
}

static void pack_panel(void *data, size_t panel) {
  Job *job = data;
  const Bf16Gemm *g = job->g;
  size_t first = panel * NR, count = g->n - first < NR ? g->n - first : NR;
  uint32_t *out = job->bpack + panel * NR * job->P;
  /* With trans_b, B is n x k: column j of op(B) is row j of B, its pairs along the row. */
  if (g->trans_b) pack_along(g->b, g->k, g->k, first, count, NR, out);
  else pack_across(g->b, g->n, g->k, first, count, NR, out);
}

static void multiply_block(void *data, size_t block) {
  Job *job = data;
  const Bf16Gemm *g = job->g;
  size_t first = block * MR, rows = g->m - first < MR ? g->m - first : MR;
  uint32_t *a = job->apack + block * MR * job->P;
  if (g->trans_a) pack_across(g->a, g->m, g->k, first, rows, MR, a);
  else pack_along(g->a, g->k, g->k, first, rows, MR, a);
  for (size_t panel = 0; panel < job->panels; panel++) {
    size_t col = panel * NR, cols = g->n - col < NR ? g->n - col : NR;
    path.tile(job->P, a, job->bpack + panel * NR * job->P, g->c + first * g->n + col, g->n, rows, cols);
  }
}

void bf16_gemm(const Bf16Gemm *g, void *scratch, bf16_parallel_for parallel_for, void *runner) {
  pick();
  Job job = {g, 0, 0, 0, NULL, NULL};
  layout(g, &job.P, &job.blocks, &job.panels);
  job.bpack = scratch;
  job.apack = job.bpack + job.panels * NR * job.P;
  parallel_for(runner, pack_panel, job.panels, &job);
  parallel_for(runner, multiply_block, job.blocks, &job);
}
