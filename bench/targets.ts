/**
 * The engine-speed issue's targets, read off a bench summary: each figure's median, min and max
 * over the runs, the bound it must meet, and whether its median does. The figures move with the
 * CPU (see `machine` in the bench JSON), so the verdict belongs to the machine that measured it.
 */

export interface Spread {
  min: number;
  median: number;
  max: number;
}

/** One model at one thread count, as the bench summarises it. */
export interface SummaryEntry {
  model: string;
  threads: number;
  deeprank: Record<string, unknown>;
  pytorch: Record<string, Record<string, unknown>>;
}

export interface Target {
  /** The numbered item. */
  item: number;
  what: string;
  model: string;
  threads: number;
  value: Spread;
  /** `at least` bounds a figure from below, `at most` from above. */
  bound: 'at least' | 'at most';
  threshold: number;
  met: boolean;
}

/** The strongest PyTorch the bench ran: optimised BLAS when the machine has it. */
const REFERENCES = ['openblas', 'reference-blas'];

const TRAIN_RATIO: Record<string, number> = { mlp: 2, dcnv2: 2, 'embedding-heavy': 3 };
const ITEM: Record<string, number> = { mlp: 1, dcnv2: 2, 'embedding-heavy': 3 };

function isSpread(value: unknown): value is Spread {
  return typeof value === 'object' && value !== null && typeof (value as Spread).median === 'number';
}

export function evaluateTargets(summary: readonly SummaryEntry[]): { reference: string | undefined; targets: Target[] } {
  const reference = REFERENCES.find((r) => summary.some((e) => isSpread(e.pytorch[r]?.train_ratio)));
  const targets: Target[] = [];
  const add = (item: number, what: string, e: SummaryEntry, value: unknown, bound: Target['bound'], threshold: number) => {
    // A figure no run produced is null in the summary: nothing to judge.
    if (!isSpread(value)) return;
    const met = bound === 'at least' ? value.median >= threshold : value.median <= threshold;
    targets.push({ item, what, model: e.model, threads: e.threads, value, bound, threshold, met });
  };
  const firstThreads = new Map<string, number>();
  for (const e of summary) if (!firstThreads.has(e.model)) firstThreads.set(e.model, e.threads);
  for (const e of summary) {
    const ref = reference ? e.pytorch[reference] : undefined;
    const item = ITEM[e.model];
    if (item !== undefined && ref) add(item, `training samples/s over PyTorch (${reference})`, e, ref.train_ratio, 'at least', TRAIN_RATIO[e.model]!);
    // With bf16 products (train.precision 'bf16'): against PyTorch in float32, as the issue
    // measures it, and against PyTorch's own bf16 autocast, like for like.
    if (item !== undefined && ref) add(item, `training samples/s over PyTorch (${reference}), deeprank with bf16 products`, e, ref.train_bf16_ratio, 'at least', TRAIN_RATIO[e.model]!);
    const autocast = reference ? e.pytorch[`${reference}-bf16`] : undefined;
    if (item !== undefined && autocast) add(item, `training samples/s over PyTorch (${reference}) with bf16 autocast, both in bf16`, e, autocast.train_bf16_ratio, 'at least', TRAIN_RATIO[e.model]!);
    if (e.model === 'mlp' && ref) {
      add(1, `scoring samples/s over PyTorch (${reference}), float32`, e, ref.infer_ratio, 'at least', 4);
      // The int8 bundle is what a service would deploy for speed; PyTorch stays float here.
      add(1, `scoring samples/s over PyTorch (${reference}), int8 bundle against its float model`, e, ref.infer_int8_over_float_ratio, 'at least', 4);
      // Scoring with bf16 products (BundleScorer precision 'bf16'), as bf16 training is judged.
      add(1, `scoring samples/s over PyTorch (${reference}), deeprank with bf16 products against its float model`, e, ref.infer_bf16_over_float_ratio, 'at least', 4);
      if (autocast) add(1, `scoring samples/s over PyTorch (${reference}) with bf16 autocast, both in bf16`, e, autocast.infer_bf16_ratio, 'at least', 4);
    }
    if (e.model === 'embedding-heavy') add(3, 'peak RSS over parameter + optimizer bytes', e, e.deeprank.rss_over_state, 'at most', 1.5);
    if (e.threads === 2 && firstThreads.get(e.model) === 1) add(4, 'training with 2 threads over 1', e, e.deeprank.train_speedup_over_first_threads, 'at least', 1.6);
    if (e.deeprank.latency_p99_ms !== undefined) add(5, 'p99 ms of one 500-candidate request', e, e.deeprank.latency_p99_ms, 'at most', 5);
  }
  return { reference, targets };
}
