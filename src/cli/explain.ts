/**
 * `deeprank explain --bundle B --data F`: what drives a bundle's predictions on a labelled file
 * (explain-bundle.ts), printed as small tables (importances sorted by drop, each cross layer's
 * block norms as a feature x feature grid) and, with --out, written atomically as JSON for
 * `deeprank report`.
 */
import { loadBundle } from '../bundle/load-bundle.js';
import { ConfigError } from '../errors.js';
import { explainBundle } from '../explain/explain-bundle.js';
import type { Explanation } from '../explain/explanation.js';
import { parseFeatureGroups } from '../explain/feature-ablation.js';
import { writeJsonAtomic } from '../util/atomic-write.js';
import { textTable } from './text-table.js';

export interface ExplainCommandOptions {
  bundle: string;
  data: string;
  out?: string;
  groups?: string;
  repeats?: string;
  seed?: string;
  maxRows?: string;
  steps?: string;
  threads?: number;
}

/** An integer flag value of at least `min`, or a ConfigError naming the flag. */
function integerFlag(value: string | undefined, flag: string, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min) throw new ConfigError(`'${value}' is not an integer >= ${min}`, { field: flag });
  return n;
}

const number = (x: number) => (Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(4) : x.toExponential(2));

const table = (header: readonly string[], rows: readonly (readonly string[])[]) => textTable([header, ...rows], '  ');

export function formatExplanation(e: Explanation): string {
  const { metric } = e;
  const lines = [`${e.bundle} on ${e.data}: ${e.rows} rows, ${metric.name} ${number(metric.value)} (${metric.higherIsBetter ? 'higher' : 'lower'} is better; drop > 0 = worse)`, ''];
  lines.push('feature-group ablation (set to the missing value)');
  const ablation = [...e.ablation].sort((a, b) => b.drop - a.drop);
  lines.push(...table(['group', metric.name, 'drop', 'features'], ablation.map((a) => [a.group, number(a.value), number(a.drop), a.features.join(',')])), '');
  lines.push(`permutation importance (${e.permutation[0]?.repeats ?? 0} shuffles)`);
  const permutation = [...e.permutation].sort((a, b) => b.drop - a.drop);
  lines.push(...table(['feature', 'drop', 'std'], permutation.map((p) => [p.feature, number(p.drop), number(p.std)])));
  if (e.integratedGradients) {
    const ig = e.integratedGradients;
    lines.push('', `integrated gradients (${ig.steps} steps, baseline ${ig.baseline}; completeness error ${number(ig.completenessError)})`);
    lines.push(...table(['feature', 'mean |attribution|'], ig.features.map((f) => [f.feature, number(f.meanAbsAttribution)])));
  }
  for (const cross of e.crossWeights ?? []) {
    lines.push('', `cross layer ${cross.layer}: Frobenius norm of each (row feature, column feature) kernel block`);
    lines.push(...table(['', ...cross.features], cross.features.map((f, i) => [f, ...cross.norms[i]!.map(number)])));
  }
  for (const attention of e.attention ?? []) {
    lines.push('', `attention '${attention.output}' (mean over rows)`);
    lines.push(...table(['', 'weight'], attention.labels.map((label, i) => [label, number(attention.mean[i]!)])));
  }
  return lines.join('\n');
}

export async function explainCommand(options: ExplainCommandOptions): Promise<Explanation> {
  const repeats = integerFlag(options.repeats, '--repeats', 1, 3);
  const seed = integerFlag(options.seed, '--seed', 0, 1);
  const maxRows = integerFlag(options.maxRows, '--max-rows', 1, 20_000);
  const steps = integerFlag(options.steps, '--steps', 1, 32);
  const bundle = await loadBundle(options.bundle);
  const groups = options.groups !== undefined ? parseFeatureGroups(options.groups, bundle.pipeline.spec()) : undefined;
  const explanation = await explainBundle(bundle, options.data, { repeats, seed, maxRows, steps, ...(groups ? { groups } : {}), ...(options.threads !== undefined ? { threads: options.threads } : {}) });
  console.log(formatExplanation(explanation));
  if (options.out !== undefined) {
    await writeJsonAtomic(options.out, explanation);
    console.log(`\nwritten to ${options.out}`);
  }
  return explanation;
}
