/**
 * The loss of a model with several task heads. Each task's loss is the mean of its per-row loss
 * over the rows whose label is present (mask 1): a missing label is excluded, never read as 0.
 * The total is either a fixed weighted sum L = Σ_t w_t L_t, or uncertainty weighting (Kendall,
 * Gal & Cipolla 2018) with a learned s_t = log σ_t² per task:
 *   L = Σ_t c_t · exp(-s_t) · L_t + s_t / 2,   c_t = 1/2 (regression), 1 (binary),
 * i.e. 1/(2σ²)·L_t + log σ (regression) and 1/σ²·L_t + log σ (classification), as in the paper.
 * At the optimum σ_t² = 2·c_t·L_t: a task with a larger loss (noisier labels) gets a smaller weight.
 */
import type { Sym } from '../engine/graph.js';
import { add, div, exp, max, mul, neg, reduceSum, scale } from '../engine/ops.js';
import type { BuildContext } from '../layers/build-context.js';
import { ConfigError } from '../errors.js';

/** Fixed weights by task (a task not named weighs 1), or 'uncertainty' for learned weights. */
export type TaskWeights = 'uncertainty' | Readonly<Record<string, number>>;

export interface TaskLoss {
  task: string;
  kind: 'binary' | 'regression';
  /** The task's loss: its per-row loss averaged over the present labels. */
  loss: Sym;
}

/** Σ mask·loss / max(Σ mask, 1): a batch without any label of the task contributes 0. */
export function maskedMean(perRow: Sym, mask: Sym): Sym {
  const g = perRow.graph;
  return div(reduceSum(mul(perRow, mask), [0, 1]), max(reduceSum(mask, [0, 1]), g.scalar(1)));
}

/** The learned s = log σ² of `task` under uncertainty weighting. */
export function logVarianceName(task: string): string {
  return `task_weighting/${task}/log_variance`;
}

export function multiTaskLoss(ctx: BuildContext, losses: readonly TaskLoss[], weights: TaskWeights = {}): Sym {
  if (weights !== 'uncertainty') {
    for (const task of Object.keys(weights)) {
      if (!losses.some((l) => l.task === task)) throw new ConfigError(`taskWeights names '${task}', which is not a task of the model (${losses.map((l) => l.task).join(', ')})`, { field: 'train.taskWeights' });
    }
  }
  const terms = losses.map(({ task, kind, loss }) => {
    if (weights !== 'uncertainty') return scale(loss, weights[task] ?? 1);
    // Initialised at s = 0 (σ = 1) and never L2-penalised: the log σ term is its own regulariser.
    const s = reduceSum(ctx.weight(logVarianceName(task), [1], { kind: 'zeros' }, 0), [0]);
    return add(scale(mul(exp(neg(s)), loss), kind === 'regression' ? 0.5 : 1), scale(s, 0.5));
  });
  return terms.reduce((a, b) => add(a, b));
}
