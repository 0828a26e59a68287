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
import type { ProductPrecision } from '../engine/graph.js';
import { int64Of, type Feed } from '../engine/runtime.js';
import { composeUtility, type TaskPredictions } from '../utility/utility-policy.js';
import type { Bundle, ScoringSession } from './load-bundle.js';

export interface BundleScores {
  /** Each task's raw and calibrated predictions, in row order. */
  tasks: Map<string, { raw: Float32Array; calibrated: Float32Array }>;
  /** The composed utility, when the bundle has a utility policy. */
  utility?: Float64Array;
  /** What a ranking sorts by: the utility when there is a policy, else the main task's calibrated prediction. */
  score: ArrayLike<number>;
}

/**
 * The served graph's feeds for a batch: int64 ids per categorical feature, ids + `<name>_mask` per
 * padded feature, float32 `dense`. `context` features (equal in every row) are fed from row 0 only,
 * for a graph exported with them as context.
 */
export function servingFeeds(batch: Batch, spec: FeatureSpec, context: ReadonlySet<string> = new Set()): Record<string, Feed> {
  const feeds: Record<string, Feed> = {};
  const rows = (name: string) => (context.has(name) ? 1 : batch.size);
  for (const [name, ids] of batch.categorical) feeds[name] = { data: int64Of(ids, rows(name)), shape: [rows(name)] };
  for (const [name, padded] of batch.multiValue) {
    const shape = [rows(name), padded.maxLength];
    const values = rows(name) * padded.maxLength;
    feeds[name] = { data: int64Of(padded.ids, values), shape };
    feeds[`${name}_mask`] = { data: padded.mask.subarray(0, values), shape };
  }
  if (spec.numeric.length > 0) feeds.dense = { data: batch.dense, shape: [batch.size, spec.numeric.length] };
  return feeds;
}

export class BundleScorer {
  /**
   * Graphs fed a set of context features once per batch, by feature set; null when that graph did
   * not export, run, or give the bundle graph's predictions (to 1e-5) on its first batch.
   */
  private readonly contextSessions = new Map<string, Promise<ScoringSession | null>>();

  private constructor(
    readonly bundle: Bundle,
    private readonly session: ScoringSession,
    private readonly options: { threads?: number; precision?: ProductPrecision },
    private readonly maxContextGraphs: number,
  ) {}

  /**
   * `maxContextGraphs` (default 4) bounds the context graphs kept: each holds every weight again,
   * so requests naming ever new sets of context fields must not grow memory without end. Sets met
   * after the first `maxContextGraphs` are scored by the bundle graph. `precision: 'bf16'`
   * scores with bf16 products (Bundle.createSession).
   */
  static async create(bundle: Bundle, { maxContextGraphs = 4, ...options }: { threads?: number; precision?: ProductPrecision; maxContextGraphs?: number } = {}): Promise<BundleScorer> {
    return new BundleScorer(bundle, await bundle.createSession(options), options, maxContextGraphs);
  }

  /**
   * Scores `rows` of `source` in that order. `segments` gives the raw values of the column a
   * per-segment calibration is keyed on (one per scored row), when the bundle has one. `context`
   * names features whose values are the same in every row (a request's user and context): they
   * are fed once per batch, and what depends on them alone is computed once.
   */
  async score(source: BatchSource, rows: Int32Array, segments?: ReadonlyMap<string, SegmentValues>, batchSize = 4096, context: ReadonlySet<string> = new Set()): Promise<BundleScores> {
    const { heads, pipeline, calibration, utility } = this.bundle;
    const spec = pipeline.spec();
    const outputs = heads.length > 1 ? heads.map((h) => predictionOutput(h.task)) : ['prediction'];
    const raw = outputs.map(() => new Float32Array(rows.length));
    let offset = 0;
    for (const batch of source.batches(rows, batchSize)) {
      const contextSession = context.size > 0 && batch.size > 1 ? await this.contextSession(context, batch, outputs) : null;
      const result = contextSession ? await contextSession.run(servingFeeds(batch, spec, context), outputs) : await this.session.run(servingFeeds(batch, spec), outputs);
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

  /** Each context feature set given a graph, and whether it scores (false: the bundle graph scores every row). */
  async contextGraphs(): Promise<{ features: string[]; used: boolean }[]> {
    return Promise.all([...this.contextSessions].map(async ([key, session]) => ({ features: key.split('\n'), used: (await session) !== null })));
  }

  /** The graph fed `context` once, created and checked against the bundle graph on `batch` at first use. */
  private contextSession(context: ReadonlySet<string>, batch: Batch, outputs: readonly string[]): Promise<ScoringSession | null> {
    const key = [...context].sort().join('\n');
    let session = this.contextSessions.get(key);
    if (!session) {
      // A quantized graph scales each product's activations by the rows fed together, so a graph
      // fed the context once could not give the bundle graph's scores.
      if (this.contextSessions.size >= this.maxContextGraphs || this.bundle.manifest.quantization) return Promise.resolve(null);
      session = this.openContextSession(context, batch, outputs);
      this.contextSessions.set(key, session);
    }
    return session;
  }

  private async openContextSession(context: ReadonlySet<string>, batch: Batch, outputs: readonly string[]): Promise<ScoringSession | null> {
    const spec = this.bundle.pipeline.spec();
    let session: ScoringSession | undefined;
    try {
      session = await this.bundle.createSession({ ...this.options, context });
      const [once, perRow] = [await session.run(servingFeeds(batch, spec, context), outputs), await this.session.run(servingFeeds(batch, spec), outputs)];
      if (outputs.every((name) => sameValues(once[name] as Float32Array, perRow[name] as Float32Array))) return session;
    } catch {
      // A graph that cannot take these features as context: the bundle graph scores every row.
    }
    await session?.release();
    return null;
  }

  async release(): Promise<void> {
    await this.session.release();
    for (const session of this.contextSessions.values()) await (await session)?.release();
  }
}

/** Equal up to float rounding: a one-row product may take another GEMM kernel than the batch's. */
function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!(Math.abs(a[i]! - b[i]!) <= 1e-5 * Math.max(1, Math.abs(b[i]!)))) return false;
  return true;
}
