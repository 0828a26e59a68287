/**
 * How strongly each pair of features is crossed, read off the cross layers' kernels as in the
 * keras-rs DCN tutorial: the cross network's input x0 is the features' embeddings in
 * FeatureInputs.flat order (categorical, multi-value, sequence; `embeddingDim` columns each)
 * followed by the dense block (one column per numeric feature), and the Frobenius norm of the
 * kernel's (feature i rows, feature j columns) block measures the weight x_i puts on the cross
 * with x0_j. A low-rank kernel is the product U V; a DCN-Mix layer has no single kernel, so its
 * experts' linear parts V C U are summed (the tanh between them left out).
 */
import type { FeatureSpec } from '../data/batch.js';
import { featureNames } from '../models/feature-inputs.js';
import type { RankingModel } from '../train/ranking-model.js';
import type { Explanation } from './explanation.js';

export interface FeatureBlock {
  feature: string;
  start: number;
  width: number;
}

/** The column range each feature occupies in a cross network's input x0. */
export function crossInputLayout(spec: FeatureSpec, embeddingDim: number): FeatureBlock[] {
  const numeric = new Set(spec.numeric);
  let start = 0;
  return featureNames(spec).map((feature) => {
    const width = numeric.has(feature) ? 1 : embeddingDim;
    const block = { feature, start, width };
    start += width;
    return block;
  });
}

/** Frobenius norms of the blocks of a d x d row-major kernel, [i][j] = rows of feature i, columns of feature j. */
export function blockNorms(kernel: ArrayLike<number>, layout: readonly FeatureBlock[]): number[][] {
  const d = layout.reduce((n, b) => n + b.width, 0);
  if (kernel.length !== d * d) throw new RangeError(`kernel has ${kernel.length} values; the layout needs ${d} x ${d}`);
  return layout.map((rows) =>
    layout.map((cols) => {
      let sum = 0;
      for (let r = rows.start; r < rows.start + rows.width; r++) for (let c = cols.start; c < cols.start + cols.width; c++) sum += kernel[r * d + c]! ** 2;
      return Math.sqrt(sum);
    }),
  );
}

/** a (n x k) times b (k x m), row-major. */
function matmul(a: ArrayLike<number>, b: ArrayLike<number>, n: number, k: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let p = 0; p < k; p++) for (let j = 0; j < m; j++) out[i * m + j]! += a[i * k + p]! * b[p * m + j]!;
  return out;
}

/** The d x d kernel of cross layer `layer`: W, U V, or the sum of a mixture's V C U. */
function crossKernel(model: RankingModel, layer: string, d: number): ArrayLike<number> | undefined {
  const weight = (name: string) => model.params.dense.get(`${layer}/${name}`);
  const full = weight('kernel');
  if (full) return full.data;
  const u = weight('u_kernel');
  const v = weight('v_kernel');
  if (u && v) return matmul(u.data, v.data, d, u.shape[1]!, d);
  const sum = new Float64Array(d * d);
  for (let e = 0; weight(`expert_${e}/v_kernel`); e++) {
    const [ve, ce, ue] = ['v_kernel', 'c_kernel', 'u_kernel'].map((n) => weight(`expert_${e}/${n}`)!);
    const r = ve!.shape[1]!;
    matmul(matmul(ve!.data, ce!.data, d, r, r), ue!.data, d, r, d).forEach((x, i) => (sum[i]! += x));
  }
  return sum.some((x) => x !== 0) ? sum : undefined;
}

/** Block norms of every cross layer of a dcn-v2 or dcn-mix model; undefined for other models. */
export function crossWeights(model: RankingModel): Explanation['crossWeights'] {
  const { type, config } = model.model;
  const prefix = type === 'dcn-v2' ? 'cross' : type === 'dcn-mix' ? 'cross_mix' : undefined;
  if (prefix === undefined) return undefined;
  const layout = crossInputLayout(model.spec, config.embeddingDim as number);
  const d = layout.reduce((n, b) => n + b.width, 0);
  const out: NonNullable<Explanation['crossWeights']> = [];
  for (let l = 0; l < (config.crossLayers as number); l++) {
    const layer = `${prefix}_${l}`;
    const kernel = crossKernel(model, layer, d);
    if (!kernel) throw new RangeError(`${type} model has no weights for cross layer '${layer}'`);
    out.push({ layer, features: layout.map((b) => b.feature), norms: blockNorms(kernel, layout) });
  }
  return out;
}
