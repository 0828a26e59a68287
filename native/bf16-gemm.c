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
#include <float.h>
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

/* A subnormal to zero of its sign; written so that the compiler vectorises it. */
static inline float flush(float x) { return fabsf(x) < FLT_MIN ? copysignf(0.0f, x) : x; }

/* Rows of the tile computed together: enough independent sums to hide the multiply-add latency. */
#define PORTABLE_ROWS 3

/*
 * The MR x NR tile at c (row stride ldc) from P pair-words of a block and a panel, plus
 * add[r * add_ld + j] when there is an addend (add_ld 0: one value per column) and then
 * max(x, 0) when relu, as separate float32 Add and Relu would; only rows x cols are stored.
 */
static inline __attribute__((always_inline)) void tile_portable_body(size_t P, const uint32_t *a, const uint32_t *b, float *c, size_t ldc, size_t rows, size_t cols, const float *add, size_t add_ld, int relu) {
  for (size_t r0 = 0; r0 < rows; r0 += PORTABLE_ROWS) {
    float acc[PORTABLE_ROWS][NR] = {{0}};
    for (size_t p = 0; p < P; p++) {
      uint32_t hi_bits[NR], lo_bits[NR];
      float b_hi[NR], b_lo[NR];
      for (size_t j = 0; j < NR; j++) {
        hi_bits[j] = b[p * NR + j] & 0xffff0000u;
        lo_bits[j] = b[p * NR + j] << 16;
      }
      memcpy(b_hi, hi_bits, sizeof b_hi);
      memcpy(b_lo, lo_bits, sizeof b_lo);
      for (size_t r = 0; r < PORTABLE_ROWS; r++) {
        /* Rows past the block's MR are never stored; r0 + r < MR keeps the read inside the block. */
        uint32_t x = r0 + r < MR ? a[p * MR + r0 + r] : 0;
        float a_hi = bits_float(x & 0xffff0000u), a_lo = bits_float(x << 16);
        for (size_t j = 0; j < NR; j++) acc[r][j] = flush(fmaf(a_lo, b_lo[j], flush(fmaf(a_hi, b_hi[j], acc[r][j]))));
      }
    }
    for (size_t r = r0; r < rows && r < r0 + PORTABLE_ROWS; r++) {
      for (size_t j = 0; j < cols; j++) {
        float v = add ? acc[r - r0][j] + add[r * add_ld + j] : acc[r - r0][j];
        c[r * ldc + j] = relu ? (v > 0.0f ? v : 0.0f) : v;
      }
    }
  }
}

static void tile_portable(size_t P, const uint32_t *a, const uint32_t *b, float *c, size_t ldc, size_t rows, size_t cols, const float *add, size_t add_ld, int relu) { tile_portable_body(P, a, b, c, ldc, rows, cols, add, add_ld, relu); }

/* ------------------------------------------------------------------------------------------ */
/* x86 vector paths. */

#ifdef X86_BF16
FMA_TARGET static void tile_portable_fma(size_t P, const uint32_t *a, const uint32_t *b, float *c, size_t ldc, size_t rows, size_t cols, const float *add, size_t add_ld, int relu) { tile_portable_body(P, a, b, c, ldc, rows, cols, add, add_ld, relu); }

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

BF16_TARGET static void tile_bf16(size_t P, const uint32_t *a, const uint32_t *b, float *c, size_t ldc, size_t rows, size_t cols, const float *add, size_t add_ld, int relu) {
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
    __m512 v0 = add ? _mm512_add_ps(acc[r][0], _mm512_maskz_loadu_ps(m0, add + r * add_ld)) : acc[r][0];
    __m512 v1 = add ? _mm512_add_ps(acc[r][1], _mm512_maskz_loadu_ps(m1, add + r * add_ld + 16)) : acc[r][1];
    /* MAXPS returns its second operand when the first is NaN or both are zeros, as v > 0 ? v : 0 does. */
    if (relu) {
      v0 = _mm512_max_ps(v0, _mm512_setzero_ps());
      v1 = _mm512_max_ps(v1, _mm512_setzero_ps());
    }
    _mm512_mask_storeu_ps(c + r * ldc, m0, v0);
    _mm512_mask_storeu_ps(c + r * ldc + 16, m1, v1);
  }
}
#endif

/* ------------------------------------------------------------------------------------------ */
/* Dispatch: the CPU's best path, or the portable one when DEEPRANK_BF16_KERNEL=portable. */

typedef void (*TileFn)(size_t, const uint32_t *, const uint32_t *, float *, size_t, size_t, size_t, const float *, size_t, int);
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

static size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }

/*
 * One operand to pack: `lines` lines of k values (rows of op(A), columns of op(B)) as groups of
 * `width` lines, group g at out + g * width * P, the pair-word of line i and pair p at
 * [p * width + i % width]; a last group's missing lines are zero. `across`: the pairs lie
 * across x's rows (x is k x lines, row stride ld), else along them (x is lines x k).
 */
typedef struct {
  const float *x;
  size_t ld, k, lines, width;
  int across;
  uint32_t *out;
} Operand;

static size_t pack_tasks(const Operand *o) { return o->across ? ceil_div(o->k, 2) : ceil_div(o->lines, o->width); }

/*
 * Pairs along the lines: task t converts group t, line by line. Pairs across them: task t
 * converts rows 2t and 2t + 1 for every group, so each task reads whole rows, in order, which
 * is what keeps a product on cold memory fast (a group's columns alone are a strided read).
 */
#define ALONG_CHUNK 1024
static void pack_task(const Operand *o, size_t t) {
  size_t P = ceil_div(o->k, 2);
  if (o->across) {
    const float *r0 = o->x + 2 * t * o->ld, *r1 = 2 * t + 1 < o->k ? r0 + o->ld : NULL;
    for (size_t first = 0; first < o->lines; first += o->width) {
      size_t count = o->lines - first < o->width ? o->lines - first : o->width;
      uint32_t *words = o->out + first * P + t * o->width;
      path.across(r0 + first, r1 ? r1 + first : NULL, count, words);
      memset(words + count, 0, (o->width - count) * sizeof(uint32_t));
    }
    return;
  }
  size_t first = t * o->width, count = o->lines - first < o->width ? o->lines - first : o->width;
  uint32_t *group = o->out + first * P, words[ALONG_CHUNK / 2];
  if (count < o->width) memset(group, 0, P * o->width * sizeof(uint32_t));
  for (size_t i = 0; i < count; i++) {
    const float *line = o->x + (first + i) * o->ld;
    for (size_t k0 = 0; k0 < o->k; k0 += ALONG_CHUNK) {
      size_t n = o->k - k0 < ALONG_CHUNK ? o->k - k0 : ALONG_CHUNK;
      uint32_t *to = group + k0 / 2 * o->width + i;
      path.along(line + k0, n, words);
      for (size_t w = 0; w < (n + 1) / 2; w++) to[w * o->width] = words[w];
    }
  }
}

typedef struct {
  const Bf16Gemm *g;
  size_t P, panels;
  Operand a, b;
} Job;

static void pack_a(void *data, size_t t) { pack_task(&((Job *)data)->a, t); }
static void pack_b(void *data, size_t t) { pack_task(&((Job *)data)->b, t); }

static void multiply_block(void *data, size_t block) {
  Job *job = data;
  const Bf16Gemm *g = job->g;
  size_t first = block * MR, rows = g->m - first < MR ? g->m - first : MR;
  const uint32_t *a = job->a.out + first * job->P;
  for (size_t panel = 0; panel < job->panels; panel++) {
    size_t col = panel * NR, cols = g->n - col < NR ? g->n - col : NR;
    path.tile(job->P, a, job->b.out + col * job->P, g->c + first * g->n + col, g->n, rows, cols, g->addend ? g->addend + first * g->addend_ld + col : NULL, g->addend_ld, g->relu);
  }
}

size_t bf16_gemm_scratch_bytes(const Bf16Gemm *g) {
  return (ceil_div(g->n, NR) * NR + ceil_div(g->m, MR) * MR) * ceil_div(g->k, 2) * sizeof(uint32_t);
}

void bf16_gemm(const Bf16Gemm *g, void *scratch, bf16_parallel_for parallel_for, void *runner) {
  pick();
  Job job = {.g = g, .P = ceil_div(g->k, 2), .panels = ceil_div(g->n, NR)};
  /* B's panels first: each is a multiple of 64 bytes, so A's blocks start aligned too. */
  uint32_t *bpack = scratch, *apack = bpack + job.panels * NR * job.P;
  /* op(B) = B (k x n, pairs across its rows) or B^T (B is n x k, pairs along its rows). */
  job.b = (Operand){g->b, g->trans_b ? g->k : g->n, g->k, g->n, NR, !g->trans_b, bpack};
  /* op(A) = A (m x k, pairs along its rows) or A^T (A is k x m, pairs across its rows). */
  job.a = (Operand){g->a, g->trans_a ? g->m : g->k, g->k, g->m, MR, g->trans_a, apack};
  parallel_for(runner, pack_b, pack_tasks(&job.b), &job);
  parallel_for(runner, pack_a, pack_tasks(&job.a), &job);
  parallel_for(runner, multiply_block, ceil_div(g->m, MR), &job);
}
