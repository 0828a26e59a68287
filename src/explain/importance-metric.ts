/**
 * The metric feature importances are measured with: AUC for a binary main task, RMSE for a
 * regression one, computed on the main task's predictions exactly as the bundle serves them
 * (BundleScorer: served graph, then calibration). Rows whose main label is missing are left out.
 */
import type { BundleScorer } from '../bundle/bundle-scorer.js';
import type { SegmentValues } from '../calibration/segmented-calibration.js';
import type { EncodedDataset } from '../data/encoded-dataset.js';
import { evaluateMetric, higherIsBetter } from '../metrics/index.js';

export class ImportanceMetric {
  readonly name: string;
  readonly higherIsBetter: boolean;
  private readonly task: string;

  constructor(
    private readonly scorer: BundleScorer,
    /** Raw values of the column a per-segment calibration is keyed on, one per dataset row. */
    private readonly segments?: ReadonlyMap<string, SegmentValues>,
  ) {
    const head = scorer.bundle.heads[0]!;
    this.task = head.task;
    this.name = head.kind === 'binary' ? 'auc' : 'rmse';
    this.higherIsBetter = higherIsBetter(this.name);
  }

  /** The metric on every row of `dataset` (the rows and labels of the unchanged data). */
  async value(dataset: EncodedDataset): Promise<number> {
    const scores = (await this.scorer.score(dataset, dataset.allRows(), this.segments)).tasks.get(this.task)!.calibrated;
    const labels = dataset.labels(this.task);
    const keep: number[] = [];
    for (let i = 0; i < labels.length; i++) if (!Number.isNaN(labels[i]!)) keep.push(i);
    const pick = (values: Float32Array) => (keep.length === labels.length ? values : Float32Array.from(keep, (i) => values[i]!));
    return evaluateMetric(this.name, { labels: pick(labels), scores: pick(scores) });
  }

  /** How much worse `value` is than `base`: positive when the change hurt. */
  drop(base: number, value: number): number {
    return this.higherIsBetter ? base - value : value - base;
  }
}
