/**
 * Metric names of a multi-task model are qualified by task, `<task>.<metric>` (e.g. `click.auc`,
 * `rating.rmse`): they key the per-epoch validation record and name the early-stopping metric.
 * In `train.metrics` a bare metric name means that metric for every task; metric names never
 * hold a '.', so the last '.' splits the task from the metric.
 */
import { ConfigError } from '../errors.js';
import type { Head } from './ranking-model.js';

export function splitTaskMetric(name: string): { task?: string; metric: string } {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? { metric: name } : { task: name.slice(0, dot), metric: name.slice(dot + 1) };
}

/** Metrics reported by default for a head kind. */
export function defaultMetrics(kind: 'binary' | 'regression'): string[] {
  return kind === 'binary' ? ['auc', 'logloss'] : ['rmse', 'mae'];
}

/** The qualified metrics of `heads`: `requested` (bare names for every task) or each head's defaults. */
export function taskMetricNames(heads: readonly Head[], requested?: readonly string[]): string[] {
  if (!requested) return heads.flatMap((h) => defaultMetrics(h.kind).map((m) => `${h.task}.${m}`));
  return requested.flatMap((name) => {
    const { task } = splitTaskMetric(name);
    if (task === undefined) return heads.map((h) => `${h.task}.${name}`);
    checkTask(heads, task, name);
    return [name];
  });
}

/** The early-stopping metric of a multi-task model must name its task. */
export function watchedTaskMetric(heads: readonly Head[], name: string): string {
  const { task } = splitTaskMetric(name);
  if (task === undefined) throw new ConfigError(`a multi-task model stops early on one task's metric: write <task>.${name}, e.g. ${heads[0]!.task}.${name}`, { field: 'train.earlyStopping.metric' });
  checkTask(heads, task, name);
  return name;
}

function checkTask(heads: readonly Head[], task: string, name: string): void {
  if (!heads.some((h) => h.task === task)) throw new ConfigError(`metric '${name}' names task '${task}', which the model does not predict (${heads.map((h) => h.task).join(', ')})`, { field: 'train.metrics' });
}
