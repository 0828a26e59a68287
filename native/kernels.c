/*
 * deeprank's native training kernels (Node-API): the per-step loops over embedding rows and dense
 * weights that JavaScript runs several times slower than the vector units can. Each computes
 * exactly what its JavaScript twin in src/engine/kernels.ts computes - float64 (or, asked for,
 * float32) arithmetic in the same order, no fused multiply-add, results rounded to float32 where
 * the JS stores them - so a model trains to the same bits whether or not this addon was built.
 * Built by node-gyp at install; when it is missing deeprank runs the JavaScript kernels.
 */
#define _DEFAULT_SOURCE /* madvise flags under -std=c11 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <node_api.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
/* AVX-512, AVX2 and baseline builds, picked at load time by the CPU. */
#define VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define VECTOR_CLONES
#endif

/*
 * The rows a step touches are scattered over tables far larger than the caches, and the next
 * ones are known in advance: fetch the row AHEAD places on while this one is computed.
 */
#define AHEAD 8
static inline void prefetch_row(const float *row, size_t width, int write) {
  for (size_t k = 0; k < width; k += 16) {
    if (write) __builtin_prefetch(row + k, 1, 3);
    else __builtin_prefetch(row + k, 0, 3);
  }
}

typedef struct {
  void *data;
  size_t length;
} Span;

static int fail(napi_env env, const char *message) {
  napi_throw_error(env, "DEEPRANK_NATIVE", message);
  return 0;
}

static int typed(napi_env env, napi_value value, napi_typedarray_type want, Span *out, int optional) {
  napi_valuetype kind;
  napi_typeof(env, value, &kind);
  if (optional && (kind == napi_null || kind == napi_undefined)) {
    out->data = NULL;
    out->length = 0;
    return 1;
  }
  bool is_typed = false;
  napi_is_typedarray(env, value, &is_typed);
  if (!is_typed) return fail(env, "expected a typed array");
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, &out->length, &out->data, &buffer, &offset) != napi_ok) return fail(env, "unreadable typed array");
  if (type != want) return fail(env, want == napi_float32_array ? "expected a Float32Array" : "expected an Int32Array");
  return 1;
}

static int number(napi_env env, napi_value value, double *out) {
  if (napi_get_value_double(env, value, out) != napi_ok) return fail(env, "expected a number");
  return 1;
}

#define ARGS(n)                                                   \
  size_t argc = (n);                                              \
  napi_value argv[(n)];                                           \
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);           \
  if (argc < (n)) { fail(env, "missing arguments"); return NULL; }

static napi_value int_value(napi_env env, int64_t v) {
  napi_value out;
  napi_create_int64(env, v, &out);
  return out;
}

/* Rows rows[s] (s < count) of p viewed as [*, width] must lie inside p, and their gradients inside grad. */
static int rows_fit(napi_env env, const int32_t *rows, size_t count, size_t width, size_t param_length, size_t grad_length) {
  if (count * width > grad_length) return fail(env, "gradient shorter than count x width");
  for (size_t s = 0; s < count; s++) {
    if (rows[s] < 0 || (size_t)rows[s] * width + width > param_length) return fail(env, "row outside the parameter");
  }
  return 1;
}

/*
 * The constants of one optimizer step, as JavaScript passes them (doubles). A float32 rule rounds
 * each to float first, as the JavaScript twin does with Math.fround.
 */
typedef struct {
  double beta1, beta2, c1, c2, step_size, decay, epsilon, l2, scale;
} StepConstants;

/*
 * One Adam or Adagrad step over a row, in the arithmetic of `real`: double (the default), or float
 * as PyTorch computes, which divides and takes square roots in half the time (train.optimizer.
 * arithmetic). Each is a macro so the two arithmetics share one body.
 */
#define ADAM_ROW(name, real, root)                                                                                                     \
  VECTOR_CLONES static void name(float *restrict p, float *restrict m, float *restrict v, const float *restrict g, size_t width,         \
                                 const StepConstants *k) {                                                                              \
    const real beta1 = (real)k->beta1, beta2 = (real)k->beta2, c1 = (real)k->c1, c2 = (real)k->c2, step_size = (real)k->step_size;      \
    const real decay = (real)k->decay, epsilon = (real)k->epsilon, l2 = (real)k->l2, scale = (real)k->scale;                            \
    for (size_t i = 0; i < width; i++) {                                                                                                \
      real pk = p[i];                                                                                                                   \
      real gk = (real)g[i] * scale + l2 * pk;                                                                                           \
      real mk = beta1 * (real)m[i] + c1 * gk;                                                                                           \
      real vk = beta2 * (real)v[i] + c2 * gk * gk;                                                                                      \
      m[i] = (float)mk;                                                                                                                 \
      v[i] = (float)vk;                                                                                                                 \
      p[i] = (float)(pk * decay - (step_size * mk) / (root(vk) + epsilon));                                                            \
    }                                                                                                                                   \
  }
ADAM_ROW(adam_row64, double, sqrt)
ADAM_ROW(adam_row32, float, sqrtf)

/* Adagrad's learning rate travels in step_size. */
#define ADAGRAD_ROW(name, real, root)                                                                                                  \
  VECTOR_CLONES static void name(float *restrict p, float *restrict a, const float *restrict g, size_t width, const StepConstants *k) {  \
    const real lr = (real)k->step_size, decay = (real)k->decay, epsilon = (real)k->epsilon, l2 = (real)k->l2, scale = (real)k->scale;   \
    for (size_t i = 0; i < width; i++) {                                                                                                \
      real pk = p[i];                                                                                                                   \
      real gk = (real)g[i] * scale + l2 * pk;                                                                                           \
      real ak = (real)a[i] + gk * gk;                                                                                                   \
      a[i] = (float)ak;                                                                                                                 \
      p[i] = (float)(pk * decay - (lr * gk) / (root(ak) + epsilon));                                                                   \
    }                                                                                                                                   \
  }
ADAGRAD_ROW(adagrad_row64, double, sqrt)
ADAGRAD_ROW(adagrad_row32, float, sqrtf)

static int boolean(napi_env env, napi_value value, bool *out) {
  if (napi_get_value_bool(env, value, out) != napi_ok) return fail(env, "expected a boolean");
  return 1;
}

/* adamRows(p, m, v, rows, count, width, grad, beta1, beta2, stepSize, decay, epsilon, l2, gradScale, float32) */
static napi_value adam_rows(napi_env env, napi_callback_info info) {
  ARGS(15)
  Span p, m, v, rows, grad;
  double count, width;
  StepConstants k;
  bool float32;
  if (!typed(env, argv[0], napi_float32_array, &p, 0) || !typed(env, argv[1], napi_float32_array, &m, 0) || !typed(env, argv[2], napi_float32_array, &v, 0) ||
      !typed(env, argv[3], napi_int32_array, &rows, 0) || !number(env, argv[4], &count) || !number(env, argv[5], &width) || !typed(env, argv[6], napi_float32_array, &grad, 0) ||
      !number(env, argv[7], &k.beta1) || !number(env, argv[8], &k.beta2) || !number(env, argv[9], &k.step_size) || !number(env, argv[10], &k.decay) || !number(env, argv[11], &k.epsilon) ||
      !number(env, argv[12], &k.l2) || !number(env, argv[13], &k.scale) || !boolean(env, argv[14], &float32))
    return NULL;
  k.c1 = 1 - k.beta1;
  k.c2 = 1 - k.beta2;
  size_t n = (size_t)count, w = (size_t)width;
  if (n > rows.length || m.length < p.length || v.length < p.length) { fail(env, "rows or slots too short"); return NULL; }
  const int32_t *r = rows.data;
  if (!rows_fit(env, r, n, w, p.length, grad.length)) return NULL;
  void (*row)(float *restrict, float *restrict, float *restrict, const float *restrict, size_t, const StepConstants *) = float32 ? adam_row32 : adam_row64;
  float *pd = p.data, *md = m.data, *vd = v.data;
  const float *gd = grad.data;
  for (size_t s = 0; s < n; s++) {
    if (s + AHEAD < n) {
      size_t ahead = (size_t)r[s + AHEAD] * w;
      prefetch_row(pd + ahead, w, 1);
      prefetch_row(md + ahead, w, 1);
      prefetch_row(vd + ahead, w, 1);
    }
    size_t base = (size_t)r[s] * w;
    row(pd + base, md + base, vd + base, gd + s * w, w, &k);
  }
  return NULL;
}

/* adagradRows(p, acc, rows, count, width, grad, learningRate, decay, epsilon, l2, gradScale, float32) */
static napi_value adagrad_rows(napi_env env, napi_callback_info info) {
  ARGS(12)
  Span p, a, rows, grad;
  double count, width;
  StepConstants k = {0};
  bool float32;
  if (!typed(env, argv[0], napi_float32_array, &p, 0) || !typed(env, argv[1], napi_float32_array, &a, 0) || !typed(env, argv[2], napi_int32_array, &rows, 0) ||
      !number(env, argv[3], &count) || !number(env, argv[4], &width) || !typed(env, argv[5], napi_float32_array, &grad, 0) || !number(env, argv[6], &k.step_size) ||
      !number(env, argv[7], &k.decay) || !number(env, argv[8], &k.epsilon) || !number(env, argv[9], &k.l2) || !number(env, argv[10], &k.scale) || !boolean(env, argv[11], &float32))
    return NULL;
  size_t n = (size_t)count, w = (size_t)width;
  if (n > rows.length || a.length < p.length) { fail(env, "rows or slots too short"); return NULL; }
  const int32_t *r = rows.data;
  if (!rows_fit(env, r, n, w, p.length, grad.length)) return NULL;
  void (*row)(float *restrict, float *restrict, const float *restrict, size_t, const StepConstants *) = float32 ? adagrad_row32 : adagrad_row64;
  for (size_t s = 0; s < n; s++) {
    if (s + AHEAD < n) {
      size_t ahead = (size_t)r[s + AHEAD] * w;
      prefetch_row((float *)p.data + ahead, w, 1);
      prefetch_row((float *)a.data + ahead, w, 1);
    }
    size_t base = (size_t)r[s] * w;
    row((float *)p.data + base, (float *)a.data + base, (const float *)grad.data + s * w, w, &k);
  }
  return NULL;
}

/* Rows 0..count-1 of `width` values, `stride` apart (stride >= width), fit in `length` values. */
static int strided_fit(size_t count, size_t width, size_t stride, size_t length) {
  return stride >= width && (count == 0 || (count - 1) * stride + width <= length);
}

/*
 * gatherRows(table, dim, ids, count, mask, out, stride): out row i (at out[i * stride]) = table
 * row ids[i], zeros where mask[i] == 0. A stride above dim writes the lookup's columns of a wider
 * block that several lookups share. Returns -1, or the first sample whose id is outside the table
 * (nothing written past it).
 */
static napi_value gather_rows(napi_env env, napi_callback_info info) {
  ARGS(7)
  Span table, ids, mask, out;
  double dim_d, count_d, stride_d;
  if (!typed(env, argv[0], napi_float32_array, &table, 0) || !number(env, argv[1], &dim_d) || !typed(env, argv[2], napi_int32_array, &ids, 0) ||
      !number(env, argv[3], &count_d) || !typed(env, argv[4], napi_float32_array, &mask, 1) || !typed(env, argv[5], napi_float32_array, &out, 0) || !number(env, argv[6], &stride_d))
    return NULL;
  size_t dim = (size_t)dim_d, count = (size_t)count_d, stride = (size_t)stride_d, rows = dim == 0 ? 0 : table.length / dim;
  if (count > ids.length || !strided_fit(count, dim, stride, out.length) || (mask.data && count > mask.length)) { fail(env, "ids, mask or output shorter than count"); return NULL; }
  const int32_t *id = ids.data;
  const float *mk = mask.data, *src = table.data;
  float *dst = out.data;
  for (size_t i = 0; i < count; i++) {
    if (i + AHEAD < count && id[i + AHEAD] >= 0 && (size_t)id[i + AHEAD] < rows) prefetch_row(src + (size_t)id[i + AHEAD] * dim, dim, 0);
    if (mk && mk[i] == 0) {
      memset(dst + i * stride, 0, dim * sizeof(float));
      continue;
    }
    if (id[i] < 0 || (size_t)id[i] >= rows) return int_value(env, (int64_t)i);
    memcpy(dst + i * stride, src + (size_t)id[i] * dim, dim * sizeof(float));
  }
  return int_value(env, -1);
}

/*
 * accumulateRows(ids, mask, count, dim, grad, index, tag, rows, sums, used): add sample i's
 * gradient to the sum of its row. index holds a [tag, slot] pair per table row: a row whose tag
 * is not this step's is met for the first time, and gets the next slot. Stamping rows with the
 * step's tag, rather than resetting them, leaves no per-step clean-up. Returns the new number of
 * used slots; throws if rows or sums have no slot left.
 */
static napi_value accumulate_rows(napi_env env, napi_callback_info info) {
  ARGS(10)
  Span ids, mask, grad, index, rows, sums;
  double count_d, dim_d, tag_d, used_d;
  if (!typed(env, argv[0], napi_int32_array, &ids, 0) || !typed(env, argv[1], napi_float32_array, &mask, 1) || !number(env, argv[2], &count_d) ||
      !number(env, argv[3], &dim_d) || !typed(env, argv[4], napi_float32_array, &grad, 0) || !typed(env, argv[5], napi_int32_array, &index, 0) ||
      !number(env, argv[6], &tag_d) || !typed(env, argv[7], napi_int32_array, &rows, 0) || !typed(env, argv[8], napi_float32_array, &sums, 0) || !number(env, argv[9], &used_d))
    return NULL;
  size_t count = (size_t)count_d, dim = (size_t)dim_d, used = (size_t)used_d, table_rows = index.length / 2;
  int32_t tag = (int32_t)tag_d;
  size_t slots = rows.length;
  if (dim > 0 && sums.length / dim < slots) slots = sums.length / dim;
  if (count > ids.length || count * dim > grad.length || (mask.data && count > mask.length) || used > slots) {
    fail(env, "accumulateRows: arrays shorter than count");
    return NULL;
  }
  const int32_t *id = ids.data;
  const float *mk = mask.data, *g = grad.data;
  int32_t *ix = index.data, *row = rows.data;
  float *sum = sums.data;
  for (size_t i = 0; i < count; i++) {
    /* A large table's index misses the caches at every id: ask for it ahead, as for rows. */
    if (i + 4 * AHEAD < count && id[i + 4 * AHEAD] >= 0 && (size_t)id[i + 4 * AHEAD] < table_rows) __builtin_prefetch(ix + 2 * (size_t)id[i + 4 * AHEAD], 1, 3);
    int32_t r = id[i];
    if (r < 0 || (size_t)r >= table_rows) { fail(env, "accumulateRows: id outside the table"); return NULL; }
    if (mk && mk[i] == 0) continue;
    int32_t *entry = ix + 2 * (size_t)r;
    if (entry[0] != tag) {
      if (used == slots) { fail(env, "accumulateRows: more rows than slots"); return NULL; }
      entry[0] = tag;
      entry[1] = (int32_t)used;
      row[used] = r;
      memset(sum + used * dim, 0, dim * sizeof(float));
      used++;
    }
    float *dst = sum + (size_t)entry[1] * dim;
    const float *src = g + i * dim;
    for (size_t d = 0; d < dim; d++) dst[d] += src[d];
  }
  return int_value(env, (int64_t)used);
}

static size_t element_size(napi_typedarray_type type) {
  return type == napi_float64_array || type == napi_bigint64_array || type == napi_biguint64_array ? 8 : type == napi_float32_array || type == napi_int32_array || type == napi_uint32_array ? 4 : type == napi_int16_array || type == napi_uint16_array ? 2 : 1;
}

/*
 * adviseHugePages(array): ask Linux to back the 2 MiB-aligned part of a typed array with huge
 * pages (MADV_HUGEPAGE; the machine's transparent huge pages may be set to "madvise"). It acts on
 * memory not yet touched, so callers advise an array before they first write it. Returns whether
 * a range was advised.
 */
static napi_value advise_huge_pages(napi_env env, napi_callback_info info) {
  ARGS(1)
  napi_value buffer;
  void *data;
  size_t length, offset;
  napi_typedarray_type type;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, &buffer, &offset) != napi_ok) {
    fail(env, "adviseHugePages: not a typed array");
    return NULL;
  }
  int advised = 0;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  size_t element = element_size(type);
  const uintptr_t huge = (uintptr_t)2 << 20;
  uintptr_t start = ((uintptr_t)data + huge - 1) & ~(huge - 1), end = ((uintptr_t)data + length * element) & ~(huge - 1);
  if (end > start) advised = madvise((void *)start, end - start, MADV_HUGEPAGE) == 0;
#else
  (void)type;
  (void)length;
#endif
  napi_value result;
  napi_get_boolean(env, advised, &result);
  return result;
}

/*
 * plainView(array): a typed array of the same type over the same memory as `array`, typically one
 * over a SharedArrayBuffer, but backed by a plain ArrayBuffer, which ONNX Runtime accepts as an
 * input or output where it refuses a SharedArrayBuffer. The view does not own the memory: the
 * caller keeps `array` alive as long as the view (src/util/shared-memory.ts).
 */
static napi_value plain_view(napi_env env, napi_callback_info info) {
  ARGS(1)
  napi_typedarray_type type;
  size_t length, offset;
  void *data;
  napi_value buffer, view, out;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, &buffer, &offset) != napi_ok) {
    fail(env, "plainView: not a typed array");
    return NULL;
  }
  if (napi_create_external_arraybuffer(env, data, length * element_size(type), NULL, NULL, &view) != napi_ok || napi_create_typedarray(env, type, length, view, 0, &out) != napi_ok) {
    fail(env, "plainView: this Node.js cannot wrap external memory");
    return NULL;
  }
  return out;
}

/*
 * cacheLineOffset(array): how many bytes past the start of a 64-byte cache line the array's first
 * element lies (src/util/cache-aligned.ts shifts its arrays by the rest of the line).
 */
static napi_value cache_line_offset(napi_env env, napi_callback_info info) {
  ARGS(1)
  napi_typedarray_type type;
  size_t length, offset;
  void *data;
  napi_value buffer, out;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, &buffer, &offset) != napi_ok) {
    fail(env, "cacheLineOffset: not a typed array");
    return NULL;
  }
  napi_create_uint32(env, (uint32_t)((uintptr_t)data % 64), &out);
  return out;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor properties[] = {
      {"adamRows", NULL, adam_rows, NULL, NULL, NULL, napi_default, NULL},
      {"adagradRows", NULL, adagrad_rows, NULL, NULL, NULL, napi_default, NULL},
      {"gatherRows", NULL, gather_rows, NULL, NULL, NULL, napi_default, NULL},
      {"accumulateRows", NULL, accumulate_rows, NULL, NULL, NULL, napi_default, NULL},
      {"adviseHugePages", NULL, advise_huge_pages, NULL, NULL, NULL, napi_default, NULL},
      {"plainView", NULL, plain_view, NULL, NULL, NULL, napi_default, NULL},
      {"cacheLineOffset", NULL, cache_line_offset, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(properties) / sizeof(properties[0]), properties);
  return exports;
}
