/**
 * Everything `deeprank report` shows about a bundle, gathered in one value that the renderer
 * (report-html.ts) turns into a page without computing anything itself: the model summary, the
 * training history and recorded metrics from the bundle, the metrics on a labelled data file
 * scored exactly as served (BundleScorer, raw and calibrated), the same split into rows whose
 * value of a categorical feature was new to training (the OOV id 0) and rows whose value was
 * known, the predictions for the reliability diagrams, and an optional explanation.
 */
import type { BundleFeature } from '../bundle/bundle-manifest.js';
import type { Bundle } from '../bundle/load-bundle.js';
import { scoreFileWithBundle } from '../bundle/score-file.js';
import type { TrainingDataFingerprint } from '../data/data-fingerprint.js';
import { ConfigError } from '../errors.js';
import type { Explanation } from '../explain/explanation.js';
import { evaluateMetric } from '../metrics/metric-registry.js';
import type { EpochRecord } from '../train/trainer.js';

/** One task's metrics on some rows; `calibrated` only for a task the bundle calibrates. */
export interface TaskMetrics {
  task: string;
  kind: 'binary' | 'regression';
  /** Rows with a label for this task. */
  rows: number;
  raw: Record<string, number>;
  calibrated?: Record<string, number>;
}

export interface SegmentGroup {
  /** `new`: the value was not in the training vocabulary (or below its min-count), id 0; `known`: any other id. */
  name: 'new' | 'known';
  rows: number;
  metrics: TaskMetrics[];
}

export interface SegmentReport {
  feature: string;
  /** A hashed feature maps every value to a bucket, so new and known values cannot be told apart: no groups. */
  hashed: boolean;
  /** The vocabulary's min-count (values seen fewer times in training count as new). */
  minCount?: number;
  groups: SegmentGroup[];
}

/** A binary task's labels and predictions on the data file, for its reliability diagram. */
export interface ReliabilityData {
  task: string;
  labels: Float32Array;
  raw: Float32Array;
  calibrated?: Float32Array;
  /** The calibration method, e.g. 'platt'. */
  method?: string;
}

export interface ReportData {
  bundle: string;
  data: string;
  /** Rows of the data file scored. */
  rows: number;
  summary: {
    modelType: string;
    heads: { task: string; kind: 'binary' | 'regression'; calibration?: string }[];
    features: BundleFeature[];
    parameters: number;
    createdAt: string;
    source: string;
    files: { name: string; bytes: number; sha256: string }[];
    trainingData: TrainingDataFingerprint | null;
    utility?: { version: string; tasks: string[] };
  };
  history: EpochRecord[];
  bestEpoch: number | null;
  recorded: { validation: Record<string, number> | null; test: Record<string, number> | null };
  metrics: TaskMetrics[];
  segments: SegmentReport[];
  reliability: ReliabilityData[];
  explanation?: Explanation;
}

export interface ReportDataOptions {
  /** Categorical features to split the rows by into new vs known values. */
  segments?: readonly string[];
  explanation?: Explanation;
  threads?: number;
  /** Where a relative data path is resolved from; default the working directory. */
  baseDir?: string;
}

/** The metrics a task of `kind` is reported with: auc, logloss, ECE (15 bins) for binary tasks, RMSE and MAE for regression. */
export function reportMetricNames(kind: 'binary' | 'regression'): string[] {
  return kind === 'binary' ? ['auc', 'logloss', 'ece'] : ['rmse', 'mae'];
}

/** Each metric of `kind`, plus the mean label and mean prediction; no metrics for no rows. */
function metricsOf(kind: 'binary' | 'regression', labels: Float32Array, scores: Float32Array): Record<string, number> {
  if (labels.length === 0) return {};
  const mean = (values: Float32Array) => values.reduce((sum, v) => sum + v, 0) / values.length;
  const metrics: Record<string, number> = {};
  for (const name of reportMetricNames(kind)) metrics[name] = evaluateMetric(name, { labels, scores });
  return { ...metrics, 'label mean': mean(labels), 'prediction mean': mean(scores) };
}

interface TaskScores {
  task: string;
  kind: 'binary' | 'regression';
  labels: Float32Array;
  raw: Float32Array;
  calibrated?: Float32Array;
}

/** A task's scores on the rows `keep` (all rows when absent) that have a label (a multi-task file may leave a label empty). */
function labelledRows({ task, kind, labels, raw, calibrated }: TaskScores, keep?: (row: number) => boolean): TaskScores {
  const rows: number[] = [];
  for (let i = 0; i < labels.length; i++) if (!Number.isNaN(labels[i]) && (keep?.(i) ?? true)) rows.push(i);
  const pick = (values: Float32Array) => Float32Array.from(rows, (i) => values[i]!);
  return { task, kind, labels: pick(labels), raw: pick(raw), ...(calibrated ? { calibrated: pick(calibrated) } : {}) };
}

function taskMetrics(tasks: readonly TaskScores[], keep?: (row: number) => boolean): TaskMetrics[] {
  return tasks.map((scores) => {
    const { task, kind, labels, raw, calibrated } = labelledRows(scores, keep);
    return { task, kind, rows: labels.length, raw: metricsOf(kind, labels, raw), ...(calibrated ? { calibrated: metricsOf(kind, labels, calibrated) } : {}) };
  });
}

/** The categorical features a report can split by; anything else is a ConfigError on `--segment`. */
function checkSegmentFeature(bundle: Bundle, name: string): void {
  const categorical = bundle.pipeline.features.filter((f) => f.type === 'categorical').map((f) => f.name);
  if (!categorical.includes(name)) {
    throw new ConfigError(`'${name}' is not a categorical feature of the bundle; expected one of ${categorical.join(', ') || '(none)'}`, { field: '--segment' });
  }
}

export async function reportData(bundle: Bundle, dataFile: string, options: ReportDataOptions = {}): Promise<ReportData> {
  const baseDir = options.baseDir ?? process.cwd();
  const segmentFeatures = options.segments ?? [];
  for (const name of segmentFeatures) checkSegmentFeature(bundle, name);
  const { data, scores } = await scoreFileWithBundle(bundle, dataFile, { baseDir, requireLabels: true, ...(options.threads !== undefined ? { threads: options.threads } : {}) });
  const tasks: TaskScores[] = bundle.heads.map((head) => {
    const { raw, calibrated } = scores.tasks.get(head.task)!;
    return { task: head.task, kind: head.kind, labels: data.source.labels(head.task), raw, ...(bundle.calibration.has(head.task) ? { calibrated } : {}) };
  });

  const segments = segmentFeatures.map((feature): SegmentReport => {
    const index = bundle.pipeline.categoryIndex(feature).toJSON();
    if (index.kind === 'hash') return { feature, hashed: true, groups: [] };
    const ids = data.source.column(feature);
    const group = (name: 'new' | 'known'): SegmentGroup => {
      const keep = (row: number) => (ids[row] === 0) === (name === 'new');
      return { name, rows: ids.filter((_, row) => keep(row)).length, metrics: taskMetrics(tasks, keep) };
    };
    return { feature, hashed: false, minCount: index.minCount, groups: [group('new'), group('known')] };
  });

  const { manifest } = bundle;
  const training = bundle.modelManifest.training as { history?: EpochRecord[] } | undefined;
  return {
    bundle: bundle.path,
    data: dataFile,
    rows: data.rows.length,
    summary: {
      modelType: manifest.model.type,
      heads: bundle.heads.map(({ task, kind }) => ({ task, kind, ...(bundle.calibration.has(task) ? { calibration: bundle.calibration.get(task)!.method } : {}) })),
      features: manifest.features,
      parameters: bundle.model.params.parameterCount(),
      createdAt: manifest.createdAt,
      source: manifest.source,
      files: Object.entries(manifest.files).map(([name, { bytes, sha256 }]) => ({ name, bytes, sha256 })),
      trainingData: (manifest.training.data as TrainingDataFingerprint | null) ?? null,
      ...(manifest.utilityPolicy ? { utility: manifest.utilityPolicy } : {}),
    },
    history: training?.history ?? [],
    bestEpoch: manifest.training.bestEpoch,
    recorded: { validation: manifest.training.validation, test: manifest.training.test },
    metrics: taskMetrics(tasks),
    segments,
    reliability: tasks
      .filter((t) => t.kind === 'binary')
      .map((scores) => {
        const { task, labels, raw, calibrated } = labelledRows(scores);
        return { task, labels, raw, ...(calibrated ? { calibrated, method: bundle.calibration.get(task)!.method } : {}) };
      }),
    ...(options.explanation ? { explanation: options.explanation } : {}),
  };
}
