/**
 * Everything `deeprank explain` finds out about a bundle on a labelled data file: feature-group
 * ablation and permutation importance (scored as served), integrated gradients for the numeric
 * inputs, the cross layers' block norms, and the attention weights the model exposes. At most
 * `maxRows` rows (a seeded sample) are used, all of them for every part.
 */
import { BundleScorer } from '../bundle/bundle-scorer.js';
import type { Bundle } from '../bundle/load-bundle.js';
import { segmentColumns } from '../bundle/score-file.js';
import type { SegmentValues } from '../calibration/segmented-calibration.js';
import { loadWithPipeline, readColumnWithPipeline } from '../data/load-dataset.js';
import { Random } from '../util/random.js';
import { attentionWeights } from './attention-weights.js';
import { crossWeights } from './cross-weights.js';
import type { Explanation } from './explanation.js';
import { featureAblation, singleFeatureGroups, type FeatureGroup } from './feature-ablation.js';
import { ImportanceMetric } from './importance-metric.js';
import { integratedGradients } from './integrated-gradients.js';
import { permutationImportance } from './permutation-importance.js';

export interface ExplainOptions {
  /** Ablation groups (default: one per feature); see parseFeatureGroups. */
  groups?: readonly FeatureGroup[];
  /** Shuffles per feature for permutation importance (default 3). */
  repeats?: number;
  /** Seeds the row sample and the shuffles (default 1). */
  seed?: number;
  /** Rows used at most (default 20000): a seeded sample of the file's rows. */
  maxRows?: number;
  /** Integrated-gradients path points (default 32). */
  steps?: number;
  threads?: number;
  /** Directory `dataFile` is relative to (default the working directory). */
  baseDir?: string;
}

/** Ascending indices of a seeded sample of `count` of `n` rows (all rows when n <= count). */
function sampleRows(n: number, count: number, seed: number): Int32Array {
  if (n <= count) return Int32Array.from({ length: n }, (_, i) => i);
  return new Random(seed).permutation(n).slice(0, count).sort();
}

export async function explainBundle(bundle: Bundle, dataFile: string, options: ExplainOptions = {}): Promise<Explanation> {
  const { repeats = 3, seed = 1, maxRows = 20_000, steps = 32, threads, baseDir = process.cwd() } = options;
  const { pipeline, model } = bundle;
  const { source } = await loadWithPipeline(pipeline, dataFile, baseDir, { requireLabels: true });
  const rows = sampleRows(source.numRows, maxRows, seed);
  const dataset = source.select(rows);
  // A per-segment calibration (of any task: the scorer calibrates them all) needs its column's raw values.
  const segments = new Map<string, SegmentValues>();
  for (const column of segmentColumns(bundle)) {
    const values = await readColumnWithPipeline(pipeline, dataFile, baseDir, column);
    segments.set(column, Array.from(rows, (row) => values[row]));
  }

  const scorer = await BundleScorer.create(bundle, threads !== undefined ? { threads } : {});
  let importances: Pick<Explanation, 'metric' | 'ablation' | 'permutation'>;
  try {
    const metric = new ImportanceMetric(scorer, segments);
    const value = await metric.value(dataset);
    importances = {
      metric: { name: metric.name, higherIsBetter: metric.higherIsBetter, value },
      ablation: await featureAblation(metric, dataset, pipeline, options.groups ?? singleFeatureGroups(dataset.spec), value),
      permutation: await permutationImportance(metric, dataset, value, { repeats, seed }),
    };
  } finally {
    await scorer.release();
  }
  const gradients = await integratedGradients(model, dataset, { steps, ...(threads !== undefined ? { threads } : {}) });
  const cross = crossWeights(model);
  const attention = await attentionWeights(model, dataset, threads);
  return {
    bundle: bundle.path,
    data: dataFile,
    rows: dataset.numRows,
    ...importances,
    ...(gradients ? { integratedGradients: gradients.summary } : {}),
    ...(cross ? { crossWeights: cross } : {}),
    ...(attention ? { attention } : {}),
  };
}
