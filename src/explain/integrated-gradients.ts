/**
 * Integrated gradients (Sundararajan et al. 2017) of the main prediction with respect to the dense
 * (numeric) inputs: attribution_j = (x_j - x'_j) * mean over the path x' + α (x - x') of
 * d prediction / d x_j, the mean taken by the midpoint rule at `steps` values of α. The gradient
 * comes from the model's own graph (the serving graph plus its reverse pass, weights inlined);
 * categorical inputs stay at the row's values along the whole path. The prediction is the model's
 * raw one (before calibration, which is not differentiable everywhere). The default baseline x'
 * is all-zero transformed inputs: the training mean of a standardized feature.
 */
import type { EncodedDataset } from '../data/encoded-dataset.js';
import { servingFeeds } from '../bundle/bundle-scorer.js';
import { gradients } from '../engine/autodiff.js';
import { exportOnnx } from '../engine/onnx-export.js';
import { reduceSum } from '../engine/ops.js';
import { OnnxSession } from '../engine/runtime.js';
import type { RankingModel } from '../train/ranking-model.js';
import type { Explanation } from './explanation.js';

export const ZERO_BASELINE = 'zero transformed inputs (the training mean of a standardized feature)';

export interface IntegratedGradients {
  summary: NonNullable<Explanation['integratedGradients']>;
  /** [rows * numeric] attributions, row-major. */
  attributions: Float64Array;
  /** [rows] f(x) - f(baseline). */
  differences: Float64Array;
}

/**
 * The serving graph with a second output `gradient`: d prediction / d dense, (batch, numeric);
 * undefined when the model does not read the numeric inputs (e.g. NCF).
 */
function gradientGraph(model: RankingModel): Uint8Array | undefined {
  const built = model.build('export');
  const dense = built.graph.findInput('dense')?.sym;
  if (!dense) return undefined;
  // Rows are independent, so the gradient of the batch sum is each row's own gradient.
  const [gradient] = gradients(reduceSum(built.prediction, [0, 1]), [dense]);
  const initializers = new Map<string, Float32Array>();
  for (const [name, t] of model.params.allTensors()) initializers.set(name, t.data);
  return exportOnnx(built.graph, { outputs: { prediction: built.prediction, gradient: gradient! }, initializers, graphName: `${model.model.type}-integrated-gradients` });
}

/**
 * Attributions of every row of `dataset`; undefined when the model has or reads no numeric features.
 * `baseline` is one transformed value per numeric feature (default zeros).
 */
export async function integratedGradients(
  model: RankingModel,
  dataset: EncodedDataset,
  { steps = 32, threads, baseline }: { steps?: number; threads?: number; baseline?: Float32Array } = {},
): Promise<IntegratedGradients | undefined> {
  const { spec, numRows } = dataset;
  const width = spec.numeric.length;
  const graph = width > 0 ? gradientGraph(model) : undefined;
  if (!graph) return undefined;
  const base = baseline ?? new Float32Array(width);
  const session = await OnnxSession.create(graph, threads !== undefined ? { threads } : {});
  // Each row is fed once per point: α = 0 and 1 (the two ends, for completeness), then the midpoints.
  const alphas = [0, 1, ...Array.from({ length: steps }, (_, k) => (k + 0.5) / steps)];
  const points = alphas.length;
  const attributions = new Float64Array(numRows * width);
  const differences = new Float64Array(numRows);
  const x = dataset.dense;
  try {
    const chunk = Math.max(1, Math.floor(4096 / points));
    for (let start = 0; start < numRows; start += chunk) {
      const count = Math.min(chunk, numRows - start);
      const repeated = Int32Array.from({ length: count * points }, (_, i) => start + Math.floor(i / points));
      const [batch] = dataset.batches(repeated, repeated.length);
      repeated.forEach((row, i) => {
        const alpha = alphas[i % points]!;
        for (let j = 0; j < width; j++) batch!.dense[i * width + j] = base[j]! + alpha * (x[row * width + j]! - base[j]!);
      });
      const result = await session.run(servingFeeds(batch!, spec), ['prediction', 'gradient']);
      const prediction = result.prediction as Float32Array;
      const gradient = result.gradient as Float32Array;
      for (let r = 0; r < count; r++) {
        const row = start + r;
        differences[row] = prediction[r * points + 1]! - prediction[r * points]!;
        for (let j = 0; j < width; j++) {
          let sum = 0;
          for (let p = 2; p < points; p++) sum += gradient[(r * points + p) * width + j]!;
          attributions[row * width + j] = (x[row * width + j]! - base[j]!) * (sum / steps);
        }
      }
    }
  } finally {
    await session.release();
  }
  const meanAbs = new Float64Array(width);
  let completeness = 0;
  for (let row = 0; row < numRows; row++) {
    let total = 0;
    for (let j = 0; j < width; j++) {
      meanAbs[j] = meanAbs[j]! + Math.abs(attributions[row * width + j]!) / numRows;
      total += attributions[row * width + j]!;
    }
    completeness += Math.abs(total - differences[row]!) / numRows;
  }
  return {
    summary: {
      baseline: baseline ? 'given transformed values' : ZERO_BASELINE,
      steps,
      features: spec.numeric.map((feature, j) => ({ feature, meanAbsAttribution: meanAbs[j]! })),
      completenessError: completeness,
    },
    attributions,
    differences,
  };
}
