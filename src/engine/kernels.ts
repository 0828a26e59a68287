/**
 * The loops of a training step that run outside ONNX Runtime: optimizer updates over rows of a
 * parameter, embedding-row gathers and per-row gradient sums. Two implementations compute the
 * same bits: the native addon (native/kernels.c, built by node-gyp at install; vectorised C) and
 * plain JavaScript, which is the reference and the fallback wherever the addon is missing
 * (browsers, machines without a compiler). DEEPRANK_KERNELS=js forces JavaScript.
 */
import { loadAddon } from './native-addon.js';

export interface Kernels {
  /**
   * Adam on rows rows[s] (s < count) of p, m, v viewed as [*, width]; gradient row s at grad[s·width].
   * Its arithmetic is float64, or float32 with `float32` (every constant and every result rounded to
   * float32, as PyTorch computes; see OptimizerConfig.arithmetic).
   */
  adamRows(p: Float32Array, m: Float32Array, v: Float32Array, rows: Int32Array, count: number, width: number, grad: Float32Array, beta1: number, beta2: number, stepSize: number, decay: number, epsilon: number, l2: number, gradScale: number, float32: boolean): void;
  /** Adagrad on rows of p and its accumulator, as adamRows. */
  adagradRows(p: Float32Array, acc: Float32Array, rows: Int32Array, count: number, width: number, grad: Float32Array, learningRate: number, decay: number, epsilon: number, l2: number, gradScale: number, float32: boolean): void;
  /**
   * out row i, at out[i·stride], = table row ids[i] (zeros where mask[i] is 0); -1, or the first
   * sample whose id is outside the table. A stride above dim fills one lookup's columns of a
   * block several lookups share.
   */
  gatherRows(table: Float32Array, dim: number, ids: Int32Array, count: number, mask: Float32Array | null, out: Float32Array, stride: number): number;
  /**
   * Add sample i's gradient row to the sum of table row ids[i] where mask is not 0. index holds
   * a [tag, slot] pair per table row; a row whose tag is not `tag` is met first and gets slot
   * `used++` (index pair = [tag, slot], rows[slot] = row). Returns the new `used`; throws when
   * rows or sums have no slot left for a new row.
   */
  accumulateRows(ids: Int32Array, mask: Float32Array | null, count: number, dim: number, grad: Float32Array, index: Int32Array, tag: number, rows: Int32Array, sums: Float32Array, used: number): number;
}

/**
 * `x`, the result of one operation, in the step's arithmetic: as it is in float64; rounded by
 * Math.fround in float32, which gives float32's own result (a float64 operation on float32 values,
 * rounded once, is the float32 operation correctly rounded). A flag, not a rounding function
 * passed in: V8 inlines this call, but not one that sees two functions, which made both
 * arithmetics 10-30x slower.
 */
export function rounded(x: number, float32: boolean): number {
  return float32 ? Math.fround(x) : x;
}

export const jsKernels: Kernels = {
  adamRows(p, m, v, rows, count, width, grad, beta1, beta2, stepSize, decay, epsilon, l2, gradScale, f) {
    const [b1, b2, c1, c2, step, dec, eps, l2r, scale] = [beta1, beta2, 1 - beta1, 1 - beta2, stepSize, decay, epsilon, l2, gradScale].map((x) => rounded(x, f)) as [number, number, number, number, number, number, number, number, number];
    for (let s = 0; s < count; s++) {
      const start = rows[s]! * width;
      const end = start + width;
      for (let k = start, j = s * width; k < end; k++, j++) {
        const pk = p[k]!;
        const g = rounded(rounded(grad[j]! * scale, f) + rounded(l2r * pk, f), f);
        const mk = rounded(rounded(b1 * m[k]!, f) + rounded(c1 * g, f), f);
        const vk = rounded(rounded(b2 * v[k]!, f) + rounded(rounded(c2 * g, f) * g, f), f);
        m[k] = mk;
        v[k] = vk;
        p[k] = rounded(pk * dec, f) - rounded(rounded(step * mk, f) / rounded(rounded(Math.sqrt(vk), f) + eps, f), f);
      }
    }
  },

  adagradRows(p, acc, rows, count, width, grad, learningRate, decay, epsilon, l2, gradScale, f) {
    const [lr, dec, eps, l2r, scale] = [learningRate, decay, epsilon, l2, gradScale].map((x) => rounded(x, f)) as [number, number, number, number, number];
    for (let s = 0; s < count; s++) {
      const start = rows[s]! * width;
      const end = start + width;
      for (let k = start, j = s * width; k < end; k++, j++) {
        const pk = p[k]!;
        const g = rounded(rounded(grad[j]! * scale, f) + rounded(l2r * pk, f), f);
        const a = rounded(acc[k]! + rounded(g * g, f), f);
        acc[k] = a;
        p[k] = rounded(pk * dec, f) - rounded(rounded(lr * g, f) / rounded(rounded(Math.sqrt(a), f) + eps, f), f);
      }
    }
  },

  gatherRows(table, dim, ids, count, mask, out, stride) {
    if (stride < dim || (count > 0 && (count - 1) * stride + dim > out.length)) throw new Error('gatherRows: ids, mask or output shorter than count');
    const rows = table.length / dim;
    for (let i = 0; i < count; i++) {
      if (mask && mask[i] === 0) {
        out.fill(0, i * stride, i * stride + dim);
        continue;
      }
      const r = ids[i]!;
      if (r < 0 || r >= rows) return i;
      // An element loop, not set(subarray()): no view object per row in the hottest copy.
      for (let d = 0, src = r * dim, dst = i * stride; d < dim; d++) out[dst + d] = table[src + d]!;
    }
    return -1;
  },

  accumulateRows(ids, mask, count, dim, grad, index, tag, rows, sums, used) {
    const slots = Math.min(rows.length, sums.length / dim);
    for (let i = 0; i < count; i++) {
      const r = ids[i]!;
      if (mask && mask[i] === 0) continue;
      if (index[2 * r] !== tag) {
        if (used >= slots) throw new Error('accumulateRows: more rows than slots');
        index[2 * r] = tag;
        index[2 * r + 1] = used;
        rows[used] = r;
        sums.fill(0, used * dim, (used + 1) * dim);
        used++;
      }
      for (let d = 0, dst = index[2 * r + 1]! * dim, src = i * dim; d < dim; d++) sums[dst + d] += grad[src + d]!;
    }
    return used;
  },
};

interface NativeAddon extends Kernels {
  adviseHugePages(array: Float32Array | Int32Array): boolean;
  /** A view of the same memory as `array` over a plain ArrayBuffer; the caller keeps `array` alive. */
  plainView<T extends Float32Array | Int32Array>(array: T): T;
  /** Bytes from the start of the 64-byte cache line that holds `array`'s first element to it. */
  cacheLineOffset(array: ArrayBufferView): number;
}

/** The addon, when it was built and loads here. */
export const nativeKernels: NativeAddon | undefined = loadAddon<NativeAddon>('deeprank_kernels');

export const kernelsName: 'native' | 'js' = process.env.DEEPRANK_KERNELS !== 'js' && nativeKernels ? 'native' : 'js';

/** What deeprank runs: the addon unless it is missing or DEEPRANK_KERNELS=js. */
export const kernels: Kernels = kernelsName === 'native' ? nativeKernels! : jsKernels;
