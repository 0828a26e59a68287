/**
 * `npm run bench`: deeprank and the PyTorch reference (bench/reference.py, Debian's python3-torch)
 * on the same models, batches and thread counts, in one run. Prints and writes JSON.
 * Options: --threads 1,2  --steps 50  --runs 3  --models mlp,dcnv2  --out bench/results/latest.json
 * Writes every run and, per model and thread count, min/median/max of each figure and of the
 * deeprank/PyTorch ratios (per run, then spread).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Batch, FeatureSpec } from '../src/data/batch.js';
import { RankingModel } from '../src/train/ranking-model.js';
import { Trainer } from '../src/train/trainer.js';
import { TrainConfigSchema } from '../src/train/train-config.js';
import { resolveArithmetic } from '../src/train/optimizers.js';
import type { BatchSource } from '../src/train/predict.js';
import { servingFeeds } from '../src/bundle/bundle-scorer.js';
import type { Quantization } from '../src/engine/int8-quantization.js';
import type { ProductPrecision } from '../src/engine/graph.js';
import { OnnxSession } from '../src/engine/runtime.js';
import { NativeScoringSession } from '../src/engine/native-scoring-session.js';
import { NativeSession } from '../src/engine/native-session.js';
import { Random } from '../src/util/random.js';
import { writeJsonAtomic } from '../src/util/atomic-write.js';
import { evaluateTargets, type SummaryEntry } from './targets.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');

interface BenchModel {
  name: string;
  tables: number;
  rows: number;
  dim: number;
  batch: number;
  optimizer: 'adam' | 'adagrad';
  type: string;
  config: Record<string, unknown>;
  /** PyTorch's timed steps when fewer than --steps (its dense 1M-row Adagrad takes seconds a step). */
  maxSteps?: number;
  /**
   * deeprank's timed steps (at least --steps): each fit starts a new ONNX Runtime session and new
   * update threads, whose first steps are slow; enough steps measure the steady state, as
   * PyTorch's warm-up steps do for it.
   */
  deeprankSteps: number;
}

const MODELS: BenchModel[] = [
  { name: 'mlp', tables: 6, rows: 10_000, dim: 32, batch: 1024, optimizer: 'adam', type: 'dnn', config: { embeddingDim: 32, hiddenUnits: [256, 256] }, deeprankSteps: 200 },
  { name: 'dcnv2', tables: 6, rows: 10_000, dim: 32, batch: 1024, optimizer: 'adam', type: 'dcn-v2', config: { embeddingDim: 32, hiddenUnits: [256, 256], crossLayers: 2 }, deeprankSteps: 200 },
  { name: 'embedding-heavy', tables: 8, rows: 1_000_000, dim: 32, batch: 4096, optimizer: 'adagrad', type: 'dnn', config: { embeddingDim: 32, hiddenUnits: [256, 256] }, maxSteps: 10, deeprankSteps: 40 },
];

/**
 * The CPU the figures were measured on: the ratios move with it (one core's fp32 GEMM of the
 * bench's shapes: ONNX Runtime about as fast as OpenBLAS on an AVX-512 Xeon here, 137 GFLOP/s;
 * on a Zen 4 EPYC 91-97 against OpenBLAS's 103).
 */
function machine(): Record<string, unknown> {
  const info = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8').split('\n\n')[0]! : '';
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(info)?.[1];
  const flags = new Set(field('flags')?.split(' ') ?? []);
  return {
    cpu: os.cpus()[0]?.model,
    vendor: field('vendor_id'),
    family: field('cpu family'),
    cpuModel: field('model'),
    cores: os.availableParallelism(),
    vector: ['avx2', 'fma', 'avx512f', 'avx512_vnni', 'avx512_bf16', 'amx_bf16', 'amx_int8'].filter((f) => flags.has(f)),
  };
}

/**
 * Models whose step is mostly matrix products also train with bf16 products (train.precision
 * 'bf16'), against PyTorch both as is and under its own bf16 autocast.
 */
const BF16_MODELS = new Set(['mlp', 'dcnv2']);
/** PyTorch variants that train in bf16 are named with this suffix; deeprank's bf16 run is their counterpart. */
const BF16_SUFFIX = '-bf16';

/** Requests of 500 candidates scored one at a time through DCN-v2, for p50/p99 latency. */
const LATENCY = { model: 'dcnv2', rows: 500, requests: 1000 };
/**
 * Scoring is timed over at least `steps` batches and at least this long (reference.py does the
 * same): 50 batches of the mlp score in 40 ms, short enough for one late thread wake-up to move
 * a run's figure by a third.
 */
const SCORING_MIN_S = 1;

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** A fixed pool of random batches cycled for `steps` batches, so data generation is not timed. */
class RandomBatches implements BatchSource {
  readonly numRows: number;
  private readonly pool: Batch[] = [];
  constructor(m: BenchModel, private readonly steps: number, seed: number) {
    const rng = new Random(seed);
    for (let p = 0; p < 20; p++) {
      const categorical = new Map<string, Int32Array>();
      for (let t = 0; t < m.tables; t++) categorical.set(`f${t}`, Int32Array.from({ length: m.batch }, () => rng.int(m.rows)));
      this.pool.push({ size: m.batch, categorical, multiValue: new Map(), dense: new Float32Array(0), labels: new Map([['click', Float32Array.from({ length: m.batch }, () => (rng.next() < 0.5 ? 1 : 0))]]) });
    }
    this.numRows = steps * m.batch;
  }
  *batches(): Iterable<Batch> {
    for (let s = 0; s < this.steps; s++) yield this.pool[s % this.pool.length]!;
  }
}

/**
 * One deeprank measurement: training and, with float32 products, scoring (scoring runs the
 * exported float32 model whatever the training precision, so the bf16 run only trains).
 */
async function benchDeeprank(m: BenchModel, threads: number, steps: number, precision: ProductPrecision) {
  const spec: FeatureSpec = {
    categorical: Array.from({ length: m.tables }, (_, t) => ({ name: `f${t}`, cardinality: m.rows })),
    multiValue: [],
    numeric: [],
    tasks: [{ name: 'click', kind: 'binary' }],
  };
  const model = new RankingModel(spec, RankingModel.parseModelSpec(m.type, m.config), { task: 'click', kind: 'binary', offset: 0 }, undefined, 1);
  const rows = new Int32Array(Math.max(steps, m.deeprankSteps) * m.batch);
  const config = TrainConfigSchema.parse({ epochs: 1, batchSize: m.batch, threads, precision, optimizer: { type: m.optimizer, learningRate: m.optimizer === 'adam' ? 1e-3 : 0.01 } });
  const trainer = new Trainer(model, config);
  const train = (n: number) => trainer.fit({ source: new RandomBatches(m, n, 1), rows: rows.subarray(0, n * m.batch) });
  await train(3);
  const started = performance.now();
  const timedSteps = Math.max(steps, m.deeprankSteps);
  const result = await train(timedSteps);
  const peakRss = process.resourceUsage().maxRSS * 1024;
  const trainSeconds = result.history[0]!.seconds;
  const training = {
    engine: 'deeprank',
    model: m.name,
    threads,
    batch: m.batch,
    precision,
    optimizer_arithmetic: resolveArithmetic(config.optimizer, precision).arithmetic,
    train_samples_per_s: (timedSteps * m.batch) / trainSeconds,
    train_steps: timedSteps,
    train_wall_s: (performance.now() - started) / 1000,
    final_loss: result.history[0]!.trainLoss,
  };
  if (precision !== 'float32') return training;
  const float = await servedScoring(model, spec, m, threads, steps);
  const int8 = await servedScoring(model, spec, m, threads, steps, { quantize: 'int8' });
  // The same weights multiplied in bf16 (BundleScorer with precision 'bf16'), where deeprank's own sessions run.
  const bf16 = BF16_MODELS.has(m.name) && NativeSession.unavailable() === undefined ? await servedScoring(model, spec, m, threads, steps, { products: 'bf16' }) : undefined;
  // Parameters plus one slot per value (Adagrad) or two (Adam), as the optimizer holds them.
  const paramBytes = model.params.parameterCount() * 4;
  const optimizerBytes = paramBytes * (m.optimizer === 'adam' ? 2 : 1);
  return {
    ...training,
    ...float.latency,
    ...(int8.latency ? { latency_int8_p50_ms: int8.latency.latency_p50_ms, latency_int8_p99_ms: int8.latency.latency_p99_ms } : {}),
    ...(bf16?.latency ? { latency_bf16_p50_ms: bf16.latency.latency_p50_ms, latency_bf16_p99_ms: bf16.latency.latency_p99_ms } : {}),
    param_bytes: paramBytes,
    optimizer_state_bytes: optimizerBytes,
    peak_rss_bytes: peakRss,
    rss_over_state: peakRss / (paramBytes + optimizerBytes),
    infer_samples_per_s: float.samplesPerS,
    infer_int8_samples_per_s: int8.samplesPerS,
    ...(bf16 ? { infer_bf16_samples_per_s: bf16.samplesPerS, bf16_kernel: NativeSession.bf16Kernel() } : {}),
    param_count: model.params.parameterCount(),
  };
}

/** Each measurement in a fresh process, as the PyTorch reference is, so runs cannot disturb each other. */
function benchDeeprankIsolated(m: BenchModel, threads: number, steps: number, precision: ProductPrecision = 'float32'): Record<string, number> {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', '--models', m.name, '--threads', String(threads), '--steps', String(steps), '--precision', precision], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

/**
 * Scoring as a ranking service does it: the served graph (model.onnx, weights as initializers;
 * with `quantize`, the bundle of `deeprank bundle create --quantize`) fed the ids of each batch.
 * Samples/s over the pool's batches and, for the latency model, p50/p99 of one request at a time.
 */
async function servedScoring(model: RankingModel, spec: FeatureSpec, m: BenchModel, threads: number, steps: number, form: { quantize?: Quantization; products?: ProductPrecision } = {}) {
  const graph = model.exportOnnx({}, undefined, form);
  const session = form.products === 'bf16' ? NativeScoringSession.create(graph, { threads })! : await OnnxSession.create(graph, { threads });
  const score = (batch: Batch) => session.run(servingFeeds(batch, spec), ['prediction']);
  const batches = [...new RandomBatches(m, steps, 2).batches()];
  for (const batch of batches.slice(0, 3)) await score(batch);
  const t0 = performance.now();
  let scored = 0;
  while (scored < steps || performance.now() - t0 < SCORING_MIN_S * 1000) await score(batches[scored++ % batches.length]!);
  const samplesPerS = (scored * m.batch) / ((performance.now() - t0) / 1000);
  const latency = m.name === LATENCY.model ? await measureLatency(score, m) : undefined;
  await session.release();
  return { samplesPerS, latency };
}

async function measureLatency(score: (batch: Batch) => Promise<unknown>, m: BenchModel): Promise<{ latency_p50_ms: number; latency_p99_ms: number }> {
  const [request] = [...new RandomBatches({ ...m, batch: LATENCY.rows }, 1, 3).batches()];
  for (let i = 0; i < 20; i++) await score(request!);
  const times: number[] = [];
  for (let i = 0; i < LATENCY.requests; i++) {
    const t0 = performance.now();
    await score(request!);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { latency_p50_ms: percentile(times, 0.5), latency_p99_ms: percentile(times, 0.99) };
}

/**
 * The PyTorch reference under each BLAS this machine has. `reference-blas` is what
 * `apt-get install python3-torch` alone gives (netlib's unoptimised libblas3); `openblas` is the
 * strongest reference here (Debian's pthread OpenBLAS, with reference.py's tuning). The loader
 * path picks the library, so both run in one bench whatever the system default is. The strongest
 * comes first, right after deeprank's run, so the ratio the targets read compares figures taken
 * back to back.
 */
const BLAS_VARIANTS = [
  { name: 'openblas', dir: '/usr/lib/x86_64-linux-gnu/openblas-pthread' },
  { name: 'reference-blas', dir: '/usr/lib/x86_64-linux-gnu/blas' },
].filter((v) => existsSync(join(v.dir, 'libblas.so.3')));

function benchPytorch(m: BenchModel, threads: number, steps: number, blasDir: string, extra: readonly string[] = []): Record<string, unknown> | { skipped: string } {
  const python = '/usr/bin/python3';
  const script = join(repoRoot, 'bench', 'reference.py');
  if (!existsSync(python)) return { skipped: 'no /usr/bin/python3 (install Debian python3-torch)' };
  try {
    const out = execFileSync(python, [script, '--model', m.name, '--threads', String(threads), '--batch', String(m.batch), '--steps', String(steps), '--optimizer', m.optimizer, ...extra], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LD_LIBRARY_PATH: blasDir },
    });
    return JSON.parse(out.trim().split('\n').at(-1)!);
  } catch (error) {
    const e = error as { status?: number; stdout?: string; stderr?: string };
    return { skipped: (e.stdout || e.stderr || String(error)).trim().split('\n').at(-1)! };
  }
}

const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: '1,2' },
    steps: { type: 'string', default: '50' },
    runs: { type: 'string', default: '3' },
    models: { type: 'string', default: MODELS.map((m) => m.name).join(',') },
    out: { type: 'string', default: join(repoRoot, 'bench', 'results', 'latest.json') },
    'no-reference': { type: 'boolean', default: false },
    child: { type: 'boolean', default: false },
    precision: { type: 'string', default: 'float32' },
  },
});

if (values.child) {
  const m = MODELS.find((x) => x.name === values.models)!;
  console.log(JSON.stringify(await benchDeeprank(m, Number(values.threads), Number(values.steps), values.precision as ProductPrecision)));
  process.exit(0);
}

type Row = Record<string, unknown>;
const spread = (xs: readonly number[]) => {
  const sorted = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return sorted.length === 0 ? null : { min: sorted[0]!, median: sorted[Math.floor((sorted.length - 1) / 2)]!, max: sorted.at(-1)! };
};
const num = (r: unknown, key: string) => ((r as Row | undefined)?.[key] as number | undefined) ?? NaN;

const runs: Row[] = [];
const summary: Row[] = [];
/** One run of one model at one thread count: deeprank, then PyTorch under each BLAS, strongest first. */
function measure(m: BenchModel, threads: number, steps: number, run: number): Row {
  const deeprank = benchDeeprankIsolated(m, threads, steps);
  const bf16 = BF16_MODELS.has(m.name);
  const deeprankBf16 = bf16 ? benchDeeprankIsolated(m, threads, steps, 'bf16') : undefined;
  const pytorch: Row = {};
  if (!values['no-reference']) {
    for (const blas of BLAS_VARIANTS) {
      // Latency only against the optimised BLAS: 1,000 requests on netlib's would take minutes.
      const latency = m.name === LATENCY.model && blas.name === 'openblas' ? ['--latency', String(LATENCY.rows), '--requests', String(LATENCY.requests)] : [];
      pytorch[blas.name] = benchPytorch(m, threads, steps, blas.dir, latency);
      // PyTorch with sparse gradients too, for honesty: most users run the dense default.
      if (m.name === 'embedding-heavy') pytorch[`${blas.name}-sparse`] = benchPytorch(m, threads, steps, blas.dir, ['--sparse']);
      // PyTorch's own mixed precision; its bf16 products run in oneDNN, not the BLAS, so once.
      if (bf16 && blas === BLAS_VARIANTS[0]) pytorch[`${blas.name}${BF16_SUFFIX}`] = benchPytorch(m, threads, steps, blas.dir, ['--autocast', 'bf16']);
    }
  }
  const row = { model: m.name, threads, run, deeprank, ...(deeprankBf16 ? { deeprank_bf16: deeprankBf16 } : {}), pytorch };
  console.log(JSON.stringify(row));
  return row;
}

for (const name of values.models!.split(',')) {
  const m = MODELS.find((x) => x.name === name);
  if (!m) throw new Error(`unknown bench model ${name}; one of ${MODELS.map((x) => x.name).join(', ')}`);
  const steps = Math.min(Number(values.steps), m.maxSteps ?? Infinity);
  const threadCounts = values.threads!.split(',').map(Number);
  // Runs outside, thread counts inside: the machine's speed drifts over minutes, and a run's
  // figures at every thread count, taken back to back, can be compared with each other.
  const byThreads = new Map<number, Row[]>(threadCounts.map((t) => [t, []]));
  for (let run = 0; run < Number(values.runs); run++) {
    for (const threads of threadCounts) {
      const row = measure(m, threads, steps, run);
      runs.push(row);
      byThreads.get(threads)!.push(row);
    }
  }
  const first = byThreads.get(threadCounts[0]!)!;
  for (const threads of threadCounts) {
    const mine = byThreads.get(threads)!;
    const stats = (get: (r: Row, run: number) => number) => spread(mine.map(get));
    // Training at this thread count over the first one's, run by run, for deeprank's float32 or bf16 run.
    const speedup = (run: 'deeprank' | 'deeprank_bf16') => stats((r, i) => num(r[run], 'train_samples_per_s') / num(first[i]![run], 'train_samples_per_s'));
    const entry: Row = {
      model: m.name,
      threads,
      runs: mine.length,
      deeprank: {
        train_samples_per_s: stats((r) => num(r.deeprank, 'train_samples_per_s')),
        ...(threads !== threadCounts[0] ? { train_speedup_over_first_threads: speedup('deeprank') } : {}),
        ...(BF16_MODELS.has(m.name)
          ? {
              train_bf16_samples_per_s: stats((r) => num(r.deeprank_bf16, 'train_samples_per_s')),
              ...(threads !== threadCounts[0] ? { train_bf16_speedup_over_first_threads: speedup('deeprank_bf16') } : {}),
            }
          : {}),
        infer_samples_per_s: stats((r) => num(r.deeprank, 'infer_samples_per_s')),
        infer_int8_samples_per_s: stats((r) => num(r.deeprank, 'infer_int8_samples_per_s')),
        infer_bf16_samples_per_s: stats((r) => num(r.deeprank, 'infer_bf16_samples_per_s')),
        ...(m.name === LATENCY.model
          ? Object.fromEntries(['latency_p50_ms', 'latency_p99_ms', 'latency_int8_p50_ms', 'latency_int8_p99_ms', 'latency_bf16_p50_ms', 'latency_bf16_p99_ms'].map((k) => [k, stats((r) => num(r.deeprank, k))]))
          : {}),
        rss_over_state: stats((r) => num(r.deeprank, 'rss_over_state')),
        peak_rss_bytes: stats((r) => num(r.deeprank, 'peak_rss_bytes')),
        param_plus_optimizer_bytes: num(mine[0]!.deeprank, 'param_bytes') + num(mine[0]!.deeprank, 'optimizer_state_bytes'),
      },
      pytorch: Object.fromEntries(
        Object.keys((mine[0]!.pytorch as Row) ?? {}).map((variant) => {
          const of = (r: Row) => (r.pytorch as Row)[variant];
          const ratio = (key: string) => stats((r) => num(r.deeprank, key) / num(of(r), key));
          const bf16Ratio = () => stats((r) => num(r.deeprank_bf16, 'train_samples_per_s') / num(of(r), 'train_samples_per_s'));
          // deeprank scoring with bf16 products, against this variant's scoring (float32, or PyTorch's own autocast).
          const bf16ScoringRatio = () => stats((r) => num(r.deeprank, 'infer_bf16_samples_per_s') / num(of(r), 'infer_samples_per_s'));
          if (variant.endsWith(BF16_SUFFIX)) {
            return [variant, { train_samples_per_s: stats((r) => num(of(r), 'train_samples_per_s')), train_bf16_ratio: bf16Ratio(), infer_samples_per_s: stats((r) => num(of(r), 'infer_samples_per_s')), infer_bf16_ratio: bf16ScoringRatio() }];
          }
          return [variant, {
            train_samples_per_s: stats((r) => num(of(r), 'train_samples_per_s')),
            infer_samples_per_s: stats((r) => num(of(r), 'infer_samples_per_s')),
            infer_int8_samples_per_s: stats((r) => num(of(r), 'infer_int8_samples_per_s')),
            train_ratio: ratio('train_samples_per_s'),
            ...(BF16_MODELS.has(m.name) ? { train_bf16_ratio: bf16Ratio() } : {}),
            infer_ratio: ratio('infer_samples_per_s'),
            // deeprank's int8 bundle against PyTorch's float model and against its own int8 one.
            infer_int8_over_float_ratio: stats((r) => num(r.deeprank, 'infer_int8_samples_per_s') / num(of(r), 'infer_samples_per_s')),
            infer_int8_ratio: ratio('infer_int8_samples_per_s'),
            ...(BF16_MODELS.has(m.name) ? { infer_bf16_over_float_ratio: bf16ScoringRatio() } : {}),
            ...(variant === 'openblas' && m.name === LATENCY.model ? { latency_p50_ms: stats((r) => num(of(r), 'latency_p50_ms')), latency_p99_ms: stats((r) => num(of(r), 'latency_p99_ms')) } : {}) }];
        }),
      ),
    };
    summary.push(entry);
  }
}
for (const e of summary) console.log(JSON.stringify({ summary: e }));
// A readable digest on stderr: medians, with min-max of the ratios.
const fmt = (x: { min: number; median: number; max: number } | null | undefined, digits = 0) => (x ? `${x.median.toFixed(digits)} (${x.min.toFixed(digits)}-${x.max.toFixed(digits)})` : '-');
for (const e of summary) {
  const d = e.deeprank as Record<string, { min: number; median: number; max: number }>;
  const refs = Object.entries(e.pytorch as Record<string, Record<string, { min: number; median: number; max: number }>>)
    .map(([variant, r]) =>
      variant.endsWith(BF16_SUFFIX)
        ? `${variant}: train ${fmt(r.train_samples_per_s)}, deeprank bf16 ratio ${fmt(r.train_bf16_ratio, 2)}; infer ${fmt(r.infer_samples_per_s)}, deeprank bf16 ratio ${fmt(r.infer_bf16_ratio, 2)}`
        : `${variant}: train ${fmt(r.train_samples_per_s)} ratio ${fmt(r.train_ratio, 2)}${r.train_bf16_ratio ? ` (bf16 ${fmt(r.train_bf16_ratio, 2)})` : ''}, infer ${fmt(r.infer_samples_per_s)} ratio ${fmt(r.infer_ratio, 2)}, int8 ratio ${fmt(r.infer_int8_over_float_ratio, 2)} (vs its int8 ${fmt(r.infer_int8_ratio, 2)})${r.infer_bf16_over_float_ratio ? `, bf16 ratio ${fmt(r.infer_bf16_over_float_ratio, 2)}` : ''}`,
    )
    .join('; ');
  const latency = d.latency_p99_ms ? ` p50/p99 ${fmt(d.latency_p50_ms, 2)}/${fmt(d.latency_p99_ms, 2)} ms (int8 ${fmt(d.latency_int8_p50_ms, 2)}/${fmt(d.latency_int8_p99_ms, 2)}, bf16 ${fmt(d.latency_bf16_p50_ms, 2)}/${fmt(d.latency_bf16_p99_ms, 2)})` : '';
  const bf16 = d.train_bf16_samples_per_s ? ` (bf16 ${fmt(d.train_bf16_samples_per_s)})` : '';
  const bf16Infer = d.infer_bf16_samples_per_s ? ` bf16 ${fmt(d.infer_bf16_samples_per_s)}` : '';
  console.error(`${e.model} ${e.threads}t  deeprank train ${fmt(d.train_samples_per_s)}${bf16} infer ${fmt(d.infer_samples_per_s)} int8 ${fmt(d.infer_int8_samples_per_s)}${bf16Infer}${latency}  |  ${refs}`);
}
const measuredOn = machine();
console.error(`measured on ${JSON.stringify(measuredOn)}`);
const { reference, targets } = evaluateTargets(summary as unknown as SummaryEntry[]);
for (const t of targets) {
  console.error(`target ${t.item} ${t.met ? 'met' : 'NOT met'}: ${t.model} ${t.threads}t ${t.what} ${fmt(t.value, 2)}, ${t.bound} ${t.threshold}`);
}
console.error(`${targets.filter((t) => t.met).length} of ${targets.length} targets met on this machine`);
await writeJsonAtomic(values.out!, { createdAt: new Date().toISOString(), machine: measuredOn, blas: BLAS_VARIANTS, runs, summary, targets: { reference, items: targets } });
