/**
 * Metrics by name, as they appear in configs and reports: 'auc', 'gauc', 'logloss', 'ece' (15 bins), 'rmse',
 * 'mae', 'mrr', and the cutoff metrics 'ndcg@K' and 'recall@K' (K a positive integer, e.g.
 * 'ndcg@10'). Names are exact and lower-case. gauc, ndcg@K, recall@K and mrr need `groups`
 * (a user or query id per row); the others ignore it.
 */
import { ConfigError } from '../errors.js';
import { auc } from './auc.js';
import { expectedCalibrationError } from './expected-calibration-error.js';
import { gauc } from './gauc.js';
import { logloss } from './logloss.js';
import { mae } from './mae.js';
import { mrr } from './mrr.js';
import { ndcgAtK } from './ndcg.js';
import { recallAtK } from './recall.js';
import { rmse } from './rmse.js';

/** What a metric is computed from. For logloss, `scores` are probabilities. */
export interface MetricInputs {
  labels: ArrayLike<number>;
  scores: ArrayLike<number>;
  /** Integer group (user/query) id per row; required by gauc, ndcg@K, recall@K and mrr. */
  groups?: ArrayLike<number>;
}

interface MetricDefinition {
  higherIsBetter: boolean;
  needsGroups: boolean;
  takesCutoff: boolean;
  /** `groups` is present whenever `needsGroups`; `k` whenever `takesCutoff`. */
  evaluate(inputs: MetricInputs, k: number): number;
}

const METRICS: Readonly<Record<string, MetricDefinition>> = {
  auc: { higherIsBetter: true, needsGroups: false, takesCutoff: false, evaluate: (x) => auc(x.labels, x.scores) },
  gauc: {
    higherIsBetter: true,
    needsGroups: true,
    takesCutoff: false,
    evaluate: (x) => gauc(x.labels, x.scores, x.groups!),
  },
  logloss: {
    higherIsBetter: false,
    needsGroups: false,
    takesCutoff: false,
    evaluate: (x) => logloss(x.labels, x.scores),
  },
  ece: { higherIsBetter: false, needsGroups: false, takesCutoff: false, evaluate: (x) => expectedCalibrationError(x.labels, x.scores, 15) },
  rmse: { higherIsBetter: false, needsGroups: false, takesCutoff: false, evaluate: (x) => rmse(x.labels, x.scores) },
  mae: { higherIsBetter: false, needsGroups: false, takesCutoff: false, evaluate: (x) => mae(x.labels, x.scores) },
  mrr: {
    higherIsBetter: true,
    needsGroups: true,
    takesCutoff: false,
    evaluate: (x) => mrr(x.labels, x.scores, x.groups!),
  },
  ndcg: {
    higherIsBetter: true,
    needsGroups: true,
    takesCutoff: true,
    evaluate: (x, k) => ndcgAtK(x.labels, x.scores, x.groups!, k),
  },
  recall: {
    higherIsBetter: true,
    needsGroups: true,
    takesCutoff: true,
    evaluate: (x, k) => recallAtK(x.labels, x.scores, x.groups!, k),
  },
};

const KNOWN_NAMES = 'auc, gauc, logloss, ece, rmse, mae, mrr, ndcg@K, recall@K (K a positive integer)';

/** 'ndcg@10' -> the ndcg definition with k = 10; throws ConfigError for anything unknown. */
function parseMetricName(name: string): { definition: MetricDefinition; k: number } {
  const match = /^([a-z]+)(?:@(.*))?$/.exec(name);
  const definition = match && Object.hasOwn(METRICS, match[1]) ? METRICS[match[1]] : undefined;
  if (!match || !definition) {
    throw new ConfigError(`unknown metric '${name}'; expected one of ${KNOWN_NAMES}`, { field: 'metric' });
  }
  const base = match[1];
  const cutoff = match[2];
  if (!definition.takesCutoff) {
    if (cutoff !== undefined) {
      throw new ConfigError(`metric '${name}': '${base}' takes no cutoff; use '${base}'`, { field: 'metric' });
    }
    return { definition, k: 0 };
  }
  if (cutoff === undefined || !/^[1-9][0-9]*$/.test(cutoff)) {
    throw new ConfigError(`metric '${name}': '${base}' needs a positive integer cutoff, e.g. '${base}@10'`, {
      field: 'metric',
    });
  }
  return { definition, k: Number(cutoff) };
}

/** Whether `name` is a metric `evaluateMetric` accepts. */
export function isMetricName(name: string): boolean {
  try {
    parseMetricName(name);
    return true;
  } catch {
    return false;
  }
}

/** Whether a larger value of metric `name` is better (auc) or worse (logloss). */
export function higherIsBetter(name: string): boolean {
  return parseMetricName(name).definition.higherIsBetter;
}

/** Whether metric `name` is computed per group and so needs `groups`. */
export function needsGroups(name: string): boolean {
  return parseMetricName(name).definition.needsGroups;
}

/**
 * Metric `name` of `scores` against `labels`. Throws ConfigError for an unknown name or for a
 * grouped metric evaluated without `groups`; the metric itself throws DataError on bad inputs.
 */
export function evaluateMetric(name: string, inputs: MetricInputs): number {
  const { definition, k } = parseMetricName(name);
  if (definition.needsGroups && inputs.groups === undefined) {
    throw new ConfigError(
      `metric '${name}' is computed per user/query and needs groups (a group id per row), but none were given`,
      { field: 'metric' },
    );
  }
  return definition.evaluate(inputs, k);
}
