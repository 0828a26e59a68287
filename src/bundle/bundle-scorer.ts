/**
 * Scoring with a bundle exactly as it is served: the exported graph (weights as initializers) in
 * its own ONNX Runtime session, each task's prediction calibrated as the bundle says, and the
 * utility composed when the bundle carries a policy. The server, shadow tests and reports all
 * score through this, so they agree with each other to the bit.
 */
import type { SegmentValues } from '../calibration/segmented-calibration.js';
import type { Batch, FeatureSpec } from '../data/batch.js';
import type { BatchSource } from '../train/predict.js';
import { predictionOutput } from '../train/ranking-model.js';
import type { Feed, OnnxSession } from '../engine/runtime.js';
import { composeUtility, type TaskPredictions } from '../utility/utility-policy.js';
import type { Bundle } from './load-bundle.js';

export interface BundleScores {
  /** Each task's raw and calibrated predictions, in row order. */
  tasks: Map<string, { raw: Float32Array; calibrated: Float32Array }>;
  /** The composed utility, when the bundle has a utility policy. */
  utility?: Float64Array;
  /** What a ranking sorts by: the utility when there is a policy, else the main task's calibrated prediction. */
  score: ArrayLike<number>;
}

/** The served graph's feeds for a batch: int64 ids per categorical feature, ids + `<name>_mask` per padded feature, float32 `dense`. */
export function servingFeeds(batch: Batch, spec: FeatureSpec): Record<string, Feed> {
  const feeds: Record<string, Feed> = {};
  for (const [name, ids] of batch.categorical) feeds[name] = { data: BigInt64Array.from(ids, (id) => BigInt(id)), shape: [batch.size] };
  for (const [name, padded] of batch.multiValue) {
    const shape = [batch.size, padded.maxLength];
    feeds[name] = { data: BigInt64Array.from(padded.ids, (id) => BigInt(id)), shape };
    feeds[`${name}_mask`] = { data: padded.mask, shape };
  }
  if (spec.numeric.length > 0) feeds.dense = { data: batch.dense, shape: [batch.size, spec.numeric.length] };
  return feeds;
}

export class BundleScorer {
  private constructor(
    readonly bundle: Bundle,
    private readonly session: OnnxSession,
  ) {}

  static async create(bundle: Bundle, options: { threads?: number } = {}): Promise<BundleScorer> {
    return new BundleScorer(bundle, await bundle.createSession(options));
  }

  /**
   * Scores `rows` of `source` in that order. `segments` gives the raw values of the column a
   * per-segment calibration is keyed on (one per scored row), when the bundle has one.
   */
  async score(source: BatchSource, rows: Int32Array, segments?: ReadonlyMap<string, SegmentValues>, batchSize = 4096): Promise<BundleScores> {
    const { heads, pipeline, calibration, utility } = this.bundle;
    const spec = pipeline.spec();
    const outputs = heads.length > 1 ? heads.map((h) => predictionOutput(h.task)) : ['prediction'];
    const raw = outputs.map(() => new Float32Array(rows.length));
    let offset = 0;
    for (const batch of source.batches(rows, batchSize)) {
      const result = await this.session.run(servingFeeds(batch, spec), outputs);
      outputs.forEach((name, i) => raw[i]!.set(result[name] as Float32Array, offset));
      offset += batch.size;
    }
    const tasks = new Map<string, { raw: Float32Array; calibrated: Float32Array }>();
    heads.forEach((head, i) => {
      const calibrator = calibration.get(head.task);
      const values = calibrator?.segmentBy !== undefined ? segments?.get(calibrator.segmentBy) : undefined;
      tasks.set(head.task, { raw: raw[i]!, calibrated: calibrator ? calibrator.apply(raw[i]!, values) : raw[i]! });
    });
    const composed = utility ? composeUtility(utility, tasks as ReadonlyMap<string, TaskPredictions>) : undefined;
    return { tasks, ...(composed ? { utility: composed } : {}), score: composed ?? tasks.get(heads[0]!.task)!.calibrated };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
