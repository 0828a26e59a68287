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
 *
 * On AMX the products are TDPBF16PS over 16 x 16 tiles of C, A packed as whole rows of pairs
 * and B as the same panels, their pairs padded to a multiple of 16. Its sums are the hardware's
 * own (not a chain of rounded multiply-adds), so its bits differ from the definition's by
 * float32 roundings; it is 8x faster than VDPBF16PS on a Xeon that has both.
 */
#define _GNU_SOURCE /* syscall */
#include "bf16-gemm.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <float.h>
#include <math.h>

#define MR 12
#define NR 32
/* AMX: rows of C a task computes (two tiles), and pairs a tile holds per row (k is padded to them). */
#define AMX_ROWS 32
#define AMX_PAIRS 16

#if defined(__x86_64__) && defined(__GNUC__) && (defined(__clang__) || __GNUC__ >= 11)
#define X86_BF16 1
#include <immintrin.h>
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>
#define BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
#define AMX_TARGET __attribute__((target("amx-tile,amx-bf16,avx512f,avx512bw,avx512vl,avx512bf16")))
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

/* The 16 words (even[i], odd[i]) as pairs of bfloat16. */
static inline BF16_TARGET __attribute__((always_inline)) __m512i pair_words(__m512 even, __m512 odd) {
  const __m512i interleave = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  return _mm512_permutexvar_epi16(interleave, (__m512i)_mm512_cvtne2ps_pbh(odd, even));
}

BF16_TARGET static void pairs_across_bf16(const float *r0, const float *r1, size_t n, uint32_t *out) {
  for (size_t i = 0; i < n; i += 16) {
    __mmask16 m = first(n - i);
    __m512 x0 = _mm512_maskz_loadu_ps(m, r0 + i);
    __m512 x1 = r1 ? _mm512_maskz_loadu_ps(m, r1 + i) : _mm512_setzero_ps();
    _mm512_mask_storeu_epi32(out + i, m, pair_words(x0, x1));
  }
}

/* One row of a tile's 32 sums stored to c (cols of them), after + add[0..cols) and max(x, 0) as asked. */
static inline BF16_TARGET __attribute__((always_inline)) void store_row(float *c, __m512 v0, __m512 v1, size_t cols, const float *add, int relu) {
  __mmask16 m0 = first(cols), m1 = cols > 16 ? first(cols - 16) : 0;
  if (add) {
    v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, add));
    v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, add + 16));
  }
  /* MAXPS returns its second operand when the first is NaN or both are zeros, as v > 0 ? v : 0 does. */
  if (relu) {
    v0 = _mm512_max_ps(v0, _mm512_setzero_ps());
    v1 = _mm512_max_ps(v1, _mm512_setzero_ps());
  }
  _mm512_mask_storeu_ps(c, m0, v0);
  _mm512_mask_storeu_ps(c + 16, m1, v1);
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
  for (size_t r = 0; r < rows; r++) store_row(c + r * ldc, acc[r][0], acc[r][1], cols, add ? add + r * add_ld : NULL, relu);
}

/*
 * AMX: a block of AMX_ROWS rows of C at c, all n columns, from A's rows (stride `pairs` words)
 * and B's panels; tiles 0-3 hold C's 2 x 2 tiles of 16 x 16 sums, 4-5 two tiles of A's rows,
 * 6-7 two of a panel's 16-column halves.
 */
typedef struct {
  uint8_t palette, start_row, reserved[14];
  uint16_t bytes_per_row[16];
  uint8_t rows[16];
} TileConfig;

AMX_TARGET static void block_amx(size_t pairs, const uint32_t *a, const uint32_t *b, float *c, size_t rows, size_t n, const float *add, size_t add_ld, int relu) {
  TileConfig config = {.palette = 1};
  for (int t = 0; t < 8; t++) {
    config.bytes_per_row[t] = 64;
    config.rows[t] = 16;
  }
  _tile_loadconfig(&config);
  float sums[4][16][16] __attribute__((aligned(64)));
  const size_t a_stride = pairs * sizeof(uint32_t), b_stride = NR * sizeof(uint32_t);
  for (size_t col = 0; col < n; col += NR) {
    const uint32_t *panel = b + col * pairs;
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    for (size_t p = 0; p < pairs; p += AMX_PAIRS) {
      _tile_loadd(4, a + p, a_stride);
      _tile_loadd(5, a + 16 * pairs + p, a_stride);
      _tile_loadd(6, panel + p * NR, b_stride);
      _tile_loadd(7, panel + p * NR + 16, b_stride);
      _tile_dpbf16ps(0, 4, 6);
      _tile_dpbf16ps(1, 4, 7);
      _tile_dpbf16ps(2, 5, 6);
      _tile_dpbf16ps(3, 5, 7);
    }
    _tile_stored(0, sums[0], 64);
    _tile_stored(1, sums[1], 64);
    _tile_stored(2, sums[2], 64);
    _tile_stored(3, sums[3], 64);
    size_t cols = n - col < NR ? n - col : NR;
    for (size_t r = 0; r < rows; r++) {
      const float(*half)[16][16] = &sums[r < 16 ? 0 : 2];
      store_row(c + r * n + col, _mm512_load_ps(half[0][r % 16]), _mm512_load_ps(half[1][r % 16]), cols, add ? add + r * add_ld + col : NULL, relu);
    }
  }
  _tile_release();
}

/* AMX-TILE and AMX-BF16 (CPUID 7.0 EDX bits 24 and 22), and Linux's leave to use the tiles' 8 KB of state. */
static int amx_usable(void) {
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) || !(edx & (1u << 24)) || !(edx & (1u << 22))) return 0;
  const long ARCH_REQ_XCOMP_PERM = 0x1023, XFEATURE_XTILEDATA = 18;
  return syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
}
#endif

/* ------------------------------------------------------------------------------------------ */
/* Dispatch: the CPU's best path; DEEPRANK_BF16_KERNEL=avx512bf16 keeps an AMX CPU on VDPBF16PS (the definition's bits), =portable keeps any CPU off both. */

typedef void (*TileFn)(size_t, const uint32_t *, const uint32_t *, float *, size_t, size_t, size_t, const float *, size_t, int);
typedef void (*AlongFn)(const float *, size_t, uint32_t *);
typedef void (*AcrossFn)(const float *, const float *, size_t, uint32_t *);
static struct {
  int picked, avx512, amx;
  const char *name;
  TileFn tile;
  AlongFn along;
  AcrossFn across;
} path;

static void pick(void) {
  if (path.picked) return;
  path.name = "portable";
  path.tile = tile_portable;
  path.along = pairs_along_portable;
  path.across = pairs_across_portable;
#ifdef X86_BF16
  const char *forced = getenv("DEEPRANK_BF16_KERNEL");
  int portable = forced && strcmp(forced, "portable") == 0, vdpbf16ps = forced && strcmp(forced, "avx512bf16") == 0;
  __builtin_cpu_init();
  if (!portable && __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")) {
    path.name = "avx512bf16";
    path.avx512 = 1;
    path.tile = tile_bf16;
    path.along = pairs_along_bf16;
    path.across = pairs_across_bf16;
    if (!vdpbf16ps && amx_usable()) {
      path.name = "amx";
      path.amx = 1;
    }
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    path.name = "fma";
    path.tile = tile_portable_fma;
  }
#endif
  path.picked = 1;
}

const char *bf16_gemm_kernel(void) {
  pick();
  return path.name;
}

/* ------------------------------------------------------------------------------------------ */
/* Packing and the product. */

static size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }

/*
 * One operand to pack: `lines` lines of k values (rows of op(A), columns of op(B)) as groups of
 * `width` lines, group g at out + g * width * pairs, the pair-word of line i and pair p at
 * [p * width + i % width]; a last group's missing lines are zero, and so are pairs past k's
 * (`pairs` >= ceil(k / 2)). `across`: the pairs lie across x's rows (x is k x lines, row stride
 * ld), else along them (x is lines x k).
 */
typedef struct {
  const float *x;
  size_t ld, k, lines, width, pairs;
  int across;
  uint32_t *out;
} Operand;

static size_t pack_tasks(const Operand *o) { return o->across ? o->pairs : ceil_div(o->lines, o->width); }

/* Rows 2p and 2p + 1 of x (NULL past k), or NULL for both when p is past k's pairs: the pair-words of pair p. */
static const float *pair_rows(const Operand *o, size_t p, const float **second) {
  *second = 2 * p + 1 < o->k ? o->x + (2 * p + 1) * o->ld : NULL;
  return 2 * p < o->k ? o->x + 2 * p * o->ld : NULL;
}

#ifdef X86_BF16
/* The 16 x 16 words in r, transposed: r[i] becomes what was column i. */
static inline BF16_TARGET __attribute__((always_inline)) void transpose16(__m512i r[16]) {
  __m512i t[16];
  for (int i = 0; i < 8; i++) {
    t[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 4; i++) {
    r[4 * i] = _mm512_unpacklo_epi64(t[4 * i], t[4 * i + 2]);
    r[4 * i + 1] = _mm512_unpackhi_epi64(t[4 * i], t[4 * i + 2]);
    r[4 * i + 2] = _mm512_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
    r[4 * i + 3] = _mm512_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
  }
  for (int h = 0; h < 2; h++) {
    for (int j = 0; j < 4; j++) {
      t[8 * h + j] = _mm512_shuffle_i32x4(r[8 * h + j], r[8 * h + 4 + j], 0x88);
      t[8 * h + 4 + j] = _mm512_shuffle_i32x4(r[8 * h + j], r[8 * h + 4 + j], 0xdd);
    }
  }
  for (int j = 0; j < 8; j++) {
    r[j] = _mm512_shuffle_i32x4(t[j], t[8 + j], 0x88);
    r[8 + j] = _mm512_shuffle_i32x4(t[j], t[8 + j], 0xdd);
  }
}

/*
 * AMX's A from pairs across x's rows: pairs [16t, 16t + 16) (32 rows) of lines [begin, end),
 * 16 lines at a time into 16 vectors, one per pair, transposed into one per line: each line's 16
 * words are then one aligned store.
 */
BF16_TARGET static void pack_rows_across_bf16(const Operand *o, size_t t, size_t begin, size_t end) {
  const float *rows[AMX_PAIRS][2];
  for (size_t q = 0; q < AMX_PAIRS; q++) rows[q][0] = pair_rows(o, t * AMX_PAIRS + q, &rows[q][1]);
  for (size_t line = begin; line < end; line += 16) {
    __mmask16 m = first(end - line);
    __m512i words[16];
    for (size_t q = 0; q < AMX_PAIRS; q++) {
      __m512 x0 = rows[q][0] ? _mm512_maskz_loadu_ps(m, rows[q][0] + line) : _mm512_setzero_ps();
      __m512 x1 = rows[q][1] ? _mm512_maskz_loadu_ps(m, rows[q][1] + line) : _mm512_setzero_ps();
      words[q] = pair_words(x0, x1);
    }
    transpose16(words);
    for (size_t i = 0; i < 16 && line + i < end; i++) _mm512_store_si512(o->out + (line + i) * o->pairs + t * AMX_PAIRS, words[i]);
  }
}

/* AMX's A: lines [begin, end) as whole rows of pairs, the pairs past k's zero. */
BF16_TARGET static void pack_rows_bf16(const Operand *o, size_t begin, size_t end) {
  if (o->across) {
    for (size_t t = 0; t < o->pairs / AMX_PAIRS; t++) pack_rows_across_bf16(o, t, begin, end);
    return;
  }
  size_t P = ceil_div(o->k, 2);
  for (size_t i = begin; i < end; i++) {
    uint32_t *row = o->out + i * o->pairs;
    pairs_along_bf16(o->x + i * o->ld, o->k, row);
    memset(row + P, 0, (o->pairs - P) * sizeof(uint32_t));
  }
}

/*
 * A panel of B from pairs along x's lines (B^T as stored): task t converts its 32 lines 16 at a
 * time, 16 pairs of each into one vector, and transposes them into one vector per pair, which
 * is where the panel wants them.
 */
BF16_TARGET static void pack_panel_along_bf16(const Operand *o, size_t t) {
  size_t base = t * NR;
  uint32_t *panel = o->out + base * o->pairs;
  for (size_t half = 0; half < NR; half += 16) {
    for (size_t p0 = 0; p0 < o->pairs; p0 += 16) {
      size_t k0 = 2 * p0, left = k0 < o->k ? o->k - k0 : 0;
      __mmask16 lo = first(left), hi = left > 16 ? first(left - 16) : 0;
      __m512i words[16];
      for (size_t i = 0; i < 16; i++) {
        size_t line = base + half + i;
        const float *x = o->x + line * o->ld + k0;
        words[i] = line < o->lines && left ? (__m512i)_mm512_cvtne2ps_pbh(_mm512_maskz_loadu_ps(hi, x + 16), _mm512_maskz_loadu_ps(lo, x)) : _mm512_setzero_si512();
      }
      transpose16(words);
      size_t count = o->pairs - p0 < 16 ? o->pairs - p0 : 16;
      for (size_t q = 0; q < count; q++) _mm512_store_si512(panel + (p0 + q) * NR + half, words[q]);
    }
  }
}
#endif

/*
 * Pairs along the lines: task t converts group t, line by line. Pairs across them: task t
 * converts rows 2t and 2t + 1 for every group, so each task reads whole rows, in order, which
 * is what keeps a product on cold memory fast (a group's columns alone are a strided read).
 */
#define ALONG_CHUNK 1024
static void pack_task(const Operand *o, size_t t) {
  size_t P = ceil_div(o->k, 2);
#ifdef X86_BF16
  if (path.avx512 && !o->across && o->width == NR) {
    pack_panel_along_bf16(o, t);
    return;
  }
#endif
  if (o->across) {
    const float *r1, *r0 = pair_rows(o, t, &r1);
    for (size_t first = 0; first < o->lines; first += o->width) {
      size_t count = o->lines - first < o->width ? o->lines - first : o->width;
      uint32_t *words = o->out + first * o->pairs + t * o->width;
      if (r0) path.across(r0 + first, r1 ? r1 + first : NULL, count, words);
      memset(words + (r0 ? count : 0), 0, (o->width - (r0 ? count : 0)) * sizeof(uint32_t));
    }
    return;
  }
  size_t first = t * o->width, count = o->lines - first < o->width ? o->lines - first : o->width;
  uint32_t *group = o->out + first * o->pairs, words[ALONG_CHUNK / 2];
  if (count < o->width) memset(group, 0, o->pairs * o->width * sizeof(uint32_t));
  else memset(group + P * o->width, 0, (o->pairs - P) * o->width * sizeof(uint32_t));
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
  size_t panels;
  Operand a, b;
} Job;

static void pack_a(void *data, size_t t) { pack_task(&((Job *)data)->a, t); }
static void pack_b(void *data, size_t t) { pack_task(&((Job *)data)->b, t); }

/* Rows of C a multiply task computes: a block of MR rows, or AMX's block of AMX_ROWS. */
static size_t block_rows(void) {
#ifdef X86_BF16
  if (path.amx) return AMX_ROWS;
#endif
  return MR;
}

static void multiply_block(void *data, size_t block) {
  Job *job = data;
  const Bf16Gemm *g = job->g;
  size_t first = block * block_rows(), rows = g->m - first < block_rows() ? g->m - first : block_rows();
  const uint32_t *a = job->a.out + first * job->a.pairs;
  const float *add = g->addend ? g->addend + first * g->addend_ld : NULL;
#ifdef X86_BF16
  if (path.amx) {
    pack_rows_bf16(&job->a, first, first + rows);
    block_amx(job->a.pairs, a, job->b.out, g->c + first * g->n, rows, g->n, add, g->addend_ld, g->relu);
    return;
  }
#endif
  for (size_t panel = 0; panel < job->panels; panel++) {
    size_t col = panel * NR, cols = g->n - col < NR ? g->n - col : NR;
    path.tile(job->a.pairs, a, job->b.out + col * job->a.pairs, g->c + first * g->n + col, g->n, rows, cols, add ? add + col : NULL, g->addend_ld, g->relu);
  }
}

/* The pairs both operands are packed with: k's, or on AMX padded to whole tiles. */
static size_t packed_pairs(const Bf16Gemm *g) {
  size_t P = ceil_div(g->k, 2);
  return path.amx ? ceil_div(P, AMX_PAIRS) * AMX_PAIRS : P;
}

size_t bf16_gemm_packed_b_bytes(const Bf16Gemm *g) {
  pick();
  return ceil_div(g->n, NR) * NR * packed_pairs(g) * sizeof(uint32_t);
}

size_t bf16_gemm_scratch_bytes(const Bf16Gemm *g) {
  pick();
  size_t a_bytes = ceil_div(g->m, block_rows()) * block_rows() * packed_pairs(g) * sizeof(uint32_t);
  return (g->packed_b ? 0 : bf16_gemm_packed_b_bytes(g)) + a_bytes;
}

/* op(B) = B (k x n, pairs across its rows) or B^T (B is n x k, pairs along its rows), packed into `out`. */
static Operand b_operand(const Bf16Gemm *g, uint32_t *out) { return (Operand){g->b, g->trans_b ? g->k : g->n, g->k, g->n, NR, packed_pairs(g), !g->trans_b, out}; }

void bf16_gemm_pack_b(const Bf16Gemm *g, void *out, bf16_parallel_for parallel_for, void *runner) {
  pick();
  Job job = {.g = g, .panels = ceil_div(g->n, NR), .b = b_operand(g, out)};
  parallel_for(runner, pack_b, pack_tasks(&job.b), &job);
}

void bf16_gemm(const Bf16Gemm *g, void *scratch, bf16_parallel_for parallel_for, void *runner) {
  pick();
  size_t pairs = packed_pairs(g);
  Job job = {.g = g, .panels = ceil_div(g->n, NR)};
  /* B's panels first: each is a multiple of 64 bytes, so A's blocks start aligned too. */
  uint32_t *bpack = g->packed_b ? (uint32_t *)g->packed_b : scratch, *apack = g->packed_b ? scratch : bpack + job.panels * NR * pairs;
  job.b = b_operand(g, bpack);
  /* op(A) = A (m x k, pairs along its rows) or A^T (A is k x m, pairs across its rows); AMX reads it as whole rows (groups of one line). */
  job.a = (Operand){g->a, g->trans_a ? g->m : g->k, g->k, g->m, path.amx ? 1 : MR, pairs, g->trans_a, apack};
  if (!g->packed_b) parallel_for(runner, pack_b, pack_tasks(&job.b), &job);
  /* AMX's A is packed block by block inside the multiply, each block while its task multiplies it. */
  if (!path.amx) parallel_for(runner, pack_a, pack_tasks(&job.a), &job);
  parallel_for(runner, multiply_block, ceil_div(g->m, block_rows()), &job);
}
