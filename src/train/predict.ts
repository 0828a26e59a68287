/** Batched inference with the eval graph (weights fed from JS), for validation and `eval`. */
import type { Batch } from '../data/batch.js';
import { OnnxSession, defaultThreads } from '../engine/runtime.js';
import { BatchFeeder } from './batch-feeder.js';
import { predictionOutput, type RankingModel } from './ranking-model.js';
import { ConfigError } from '../errors.js';
import { evaluateMetric, needsGroups } from '../metrics/index.js';

export interface BatchSource {
  readonly numRows: number;
  batches(rows: Int32Array, batchSize: number): Iterable<Batch>;
  /** Called by the trainer before each epoch's batches (1-based), e.g. to draw that epoch's negatives. */
  startEpoch?(epoch: number): void;
}

export interface Scored {
  predictions: Float32Array;
  labels?: Float32Array;
  groups?: Int32Array;
}

/** An explanation's values for scored rows: (rows, labels.length), row-major. */
export interface ExplanationValues {
  labels: string[];
  values: Float32Array;
}

export class Predictor {
  private constructor(
    private readonly session: OnnxSession,
    private readonly feeder: BatchFeeder,
    /** The model's further outputs (Predictor.output), and column labels of those that explain (Predictor.explain). */
    readonly outputs: readonly string[],
    readonly explanations: Readonly<Record<string, string[]>>,
    /** Tasks with their own prediction output (multi-task models); empty for single-task ones. */
    readonly tasks: readonly string[],
  ) {}

  static async create(model: RankingModel, threads = defaultThreads()): Promise<Predictor> {
    const { bytes, built } = model.evalGraph();
    const session = await OnnxSession.create(bytes, { threads });
    return new Predictor(session, new BatchFeeder(built.ctx, model.params, model.spec.numeric.length, undefined), Object.keys(built.outputs), built.columns, Object.keys(built.predictions).length > 0 ? model.heads.map((h) => h.task) : []);
  }

  /**
   * Predictions for `rows` of `source`, in that order; with `task`, that task's labels too, and
   * with `groupBy`, the ids of that categorical feature (the query/user of gAUC and NDCG). A
   * multi-task model predicts task `head` (default: `task`, else the main task).
   */
  async predict(source: BatchSource, rows: Int32Array, { batchSize = 4096, task, groupBy, head = task }: { batchSize?: number; task?: string; groupBy?: string; head?: string } = {}): Promise<Scored> {
    const output = this.predictionOf(head);
    const predictions = new Float32Array(rows.length);
    const labels = task === undefined ? undefined : new Float32Array(rows.length);
    const groups = groupBy === undefined ? undefined : new Int32Array(rows.length);
    let offset = 0;
    for (const batch of source.batches(rows, batchSize)) {
      const result = await this.session.run(this.feeder.feeds(batch), [output]);
      predictions.set(result[output] as Float32Array, offset);
      if (labels) labels.set(batch.labels.get(task!)!.subarray(0, batch.size), offset);
      if (groups) {
        const ids = batch.categorical.get(groupBy!);
        if (!ids) throw new ConfigError(`groupBy feature '${groupBy}' is not a categorical feature of the model`, { field: 'train.groupBy' });
        groups.set(ids.subarray(0, batch.size), offset);
      }
      offset += batch.size;
    }
    return { predictions, ...(labels ? { labels } : {}), ...(groups ? { groups } : {}) };
  }

  /** The output holding task `head`'s prediction: its own for a multi-task model, else `prediction`. */
  private predictionOf(head: string | undefined): string {
    if (this.tasks.length === 0 || head === undefined) return 'prediction';
    if (!this.tasks.includes(head)) throw new ConfigError(`the model predicts no task '${head}'; its tasks: ${this.tasks.join(', ')}`);
    return predictionOutput(head);
  }

  /** Another output of the eval graph (e.g. a tower's vectors) for `rows`, concatenated row by row. */
  async output(source: BatchSource, rows: Int32Array, name: string, batchSize = 4096): Promise<Float32Array> {
    if (!this.outputs.includes(name)) throw new ConfigError(`the model has no output '${name}'; it has: ${this.outputs.join(', ') || 'none'}`);
    const parts: Float32Array[] = [];
    for (const batch of source.batches(rows, batchSize)) parts.push(((await this.session.run(this.feeder.feeds(batch), [name]))[name] as Float32Array).slice());
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }

  /**
   * `metrics` of `task` over `rows`; grouped metrics (gauc, ndcg@K, ...) group by feature
   * `groupBy`. `adjust` maps the predictions (in `rows` order) before scoring, e.g. a saved
   * calibration. Rows whose label is missing (NaN, multi-task data) are left out.
   */
  async evaluate(source: BatchSource, rows: Int32Array, { task, metrics, groupBy, adjust }: { task: string; metrics: readonly string[]; groupBy?: string; adjust?: (predictions: Float32Array) => Float32Array }): Promise<Record<string, number>> {
    const grouped = metrics.some(needsGroups);
    const raw = await this.predict(source, rows, { task, ...(grouped && groupBy !== undefined ? { groupBy } : {}) });
    const scored = withLabels(adjust ? { ...raw, predictions: adjust(raw.predictions) } : raw);
    const out: Record<string, number> = {};
    for (const name of metrics) out[name] = evaluateMetric(name, { labels: scored.labels!, scores: scored.predictions, ...(scored.groups ? { groups: scored.groups } : {}) });
    return out;
  }

  /** The model's explanation `name` (e.g. AFM's 'attention') for `rows` of `source`: a row of values per row, with column labels. */
  async explain(source: BatchSource, rows: Int32Array, name: string, batchSize = 4096): Promise<ExplanationValues> {
    const labels = this.explanations[name];
    if (!labels) throw new ConfigError(`the model exposes no explanation '${name}'; it has: ${Object.keys(this.explanations).join(', ') || 'none'}`);
    return { labels, values: await this.output(source, rows, name, batchSize) };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/** The scored rows whose label is present. */
function withLabels(scored: Scored): Scored {
  const labels = scored.labels!;
  const keep: number[] = [];
  for (let i = 0; i < labels.length; i++) if (!Number.isNaN(labels[i]!)) keep.push(i);
  if (keep.length === labels.length) return scored;
  const { predictions, groups } = scored;
  return {
    predictions: Float32Array.from(keep, (i) => predictions[i]!),
    labels: Float32Array.from(keep, (i) => labels[i]!),
    ...(groups ? { groups: Int32Array.from(keep, (i) => groups[i]!) } : {}),
  };
}
