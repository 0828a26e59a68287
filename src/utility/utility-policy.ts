/**
 * The utility composer: a versioned serving policy that turns each task head's calibrated
 * prediction into one ranking score,
 *
 *   utility = offset + sum_t w_t * p_t,   e.g. 0.5 p_click + 3 p_purchase - 2 p_hide,
 *
 * read from utility.yaml and applied after calibration, so changing the weights needs no
 * retraining. A term uses the task's calibrated prediction unless it asks for the raw one.
 *
 *   version: 2025-06-01.1
 *   offset: 0
 *   terms:
 *     click: 0.5
 *     purchase: { weight: 3 }
 *     hide: { weight: -2, prediction: raw }
 */
import { readConfigFile } from '../util/config-file.js';
import { z } from 'zod';
import { parseWithSchema } from '../data/data-config.js';
import { ConfigError } from '../errors.js';

const finite = z.number().refine(Number.isFinite, 'expected a finite number');

const TermSchema = z.union([
  finite.transform((weight) => ({ weight, prediction: 'calibrated' as const })),
  z.strictObject({ weight: finite, prediction: z.enum(['calibrated', 'raw']).default('calibrated') }),
]);

export const UtilityPolicySchema = z.strictObject({
  version: z.union([z.string().min(1), z.number()]).transform(String),
  offset: finite.default(0),
  terms: z.record(z.string().min(1), TermSchema).refine((terms) => Object.keys(terms).length > 0, 'expected at least one task term'),
});

export type UtilityPolicy = z.output<typeof UtilityPolicySchema>;

/** One task head's predictions for the scored rows. */
export interface TaskPredictions {
  raw: ArrayLike<number>;
  calibrated: ArrayLike<number>;
}

export function parseUtilityPolicy(value: unknown, file?: string): UtilityPolicy {
  return parseWithSchema(UtilityPolicySchema, value, file);
}

export async function readUtilityPolicy(file: string): Promise<UtilityPolicy> {
  return parseUtilityPolicy(await readConfigFile(file, 'the utility policy'), file);
}

/** A ConfigError naming the term of a task the model has no head for. */
export function checkPolicyTasks(policy: UtilityPolicy, tasks: readonly string[], file?: string): void {
  for (const task of Object.keys(policy.terms)) {
    if (!tasks.includes(task)) {
      throw new ConfigError(`the model has no task '${task}'; its tasks: ${tasks.join(', ')}`, { ...(file !== undefined ? { file } : {}), field: `terms.${task}` });
    }
  }
}

/** The utility of each row from the task heads' predictions (every term's task must be present). */
export function composeUtility(policy: UtilityPolicy, predictions: ReadonlyMap<string, TaskPredictions>): Float64Array {
  checkPolicyTasks(policy, [...predictions.keys()]);
  const rows = predictions.values().next().value?.raw.length ?? 0;
  const utility = new Float64Array(rows).fill(policy.offset);
  for (const [task, { weight, prediction }] of Object.entries(policy.terms)) {
    const values = predictions.get(task)![prediction];
    for (let i = 0; i < rows; i++) utility[i]! += weight * values[i]!;
  }
  return utility;
}
