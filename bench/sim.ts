/**
 * `npm run bench:sim`: what SIM's two stages cost as the history grows. For history lengths
 * L in {50, 200, 1000} at fixed K, one batch through ONNX Runtime (1 thread by default):
 *   search      the general search unit alone (soft: L inner products; hard: L id comparisons)
 *               and the gather of the K found, O(L·d) and O(K·d);
 *   exact       DIN's local activation unit over K behaviours: independent of L;
 *   sim         search + exact, the model's attention path;
 *   din         the local activation unit over all L behaviours, O(L) MLP evaluations;
 * each for inference (forward) and a training step (forward + gradients of every weight and of
 * the behaviour rows). Embedding lookups in JS and the ranking MLP, the same for every variant,
 * are not included. Prints and writes JSON (median of --runs, each the mean of --steps batches).
 * Options: --lengths 50,200,1000  --k 50  --batch 256  --dim 16  --steps 30  --runs 5  --threads 1
 *          --out bench/results/sim.json
 */
import { parseArgs } from 'node:util';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gradients } from '../src/engine/autodiff.js';
import { Graph, type Sym } from '../src/engine/graph.js';
import { reduceSum } from '../src/engine/ops.js';
import { exportOnnx } from '../src/engine/onnx-export.js';
import type { ParameterStore } from '../src/engine/parameter-store.js';
import { ParameterStore as Store } from '../src/engine/parameter-store.js';
import { OnnxSession, type Feed } from '../src/engine/runtime.js';
import { BuildContext } from '../src/layers/build-context.js';
import { GeneralSearchUnit, type SearchMode } from '../src/layers/general-search-unit.js';
import { LocalActivationUnit } from '../src/layers/local-activation-unit.js';
import { Random } from '../src/util/random.js';
import { writeJsonAtomic } from '../src/util/atomic-write.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    lengths: { type: 'string', default: '50,200,1000' },
    k: { type: 'string', default: '50' },
    batch: { type: 'string', default: '256' },
    dim: { type: 'string', default: '16' },
    steps: { type: 'string', default: '30' },
    runs: { type: 'string', default: '5' },
    threads: { type: 'string', default: '1' },
    out: { type: 'string', default: join(resolve(here, '..', '..'), 'bench', 'results', 'sim.json') },
  },
});
const K = Number(args.k);
const BATCH = Number(args.batch);
const DIM = Number(args.dim);
const STEPS = Number(args.steps);
const RUNS = Number(args.runs);
const THREADS = Number(args.threads);
const CATEGORIES = 20;

type Part = 'search' | 'exact' | 'sim' | 'din';
interface Built {
  output: Sym;
  store: ParameterStore;
}

/** The graph of one part over a history of `length`; `rows` are the (batch, n, d) behaviours it reads. */
function build(part: Part, search: SearchMode, length: number): { graph: Graph; built: Built; inputs: Record<string, Sym> } {
  const graph = new Graph('float32');
  const store = new Store(1);
  const ctx = new BuildContext(graph, store, 'train');
  const n = part === 'exact' ? K : length;
  const inputs = {
    rows: graph.input('rows', ['batch', n, DIM]),
    mask: graph.input('mask', ['batch', n]),
    candidate: graph.input('candidate', ['batch', DIM]),
    categories: graph.input('categories', ['batch', n], 'data', 'int64'),
    candidateCategory: graph.input('candidate_category', ['batch'], 'data', 'int64'),
  };
  const unit = new LocalActivationUnit({ name: 'attention', hiddenUnits: [32], activation: 'prelu' });
  const gsu = new GeneralSearchUnit({ name: 'search', topK: K, search });
  const searched = () => gsu.apply(ctx, { ...inputs, ...(search === 'hard' ? {} : { categories: undefined, candidateCategory: undefined }) });
  let output: Sym;
  if (part === 'search') output = reduceSum(searched().rows, [1, 2]);
  else if (part === 'sim') {
    const found = searched();
    output = reduceSum(unit.apply(ctx, found.rows, inputs.candidate, found.mask).output, [1]);
  } else output = reduceSum(unit.apply(ctx, inputs.rows, inputs.candidate, inputs.mask).output, [1]);
  return { graph, built: { output, store }, inputs };
}

function feeds(n: number, rng: Random): Record<string, Feed> {
  const real = Array.from({ length: BATCH }, () => Math.max(1, Math.floor(rng.next() * (n + 1))));
  const mask = new Float32Array(BATCH * n);
  real.forEach((count, b) => mask.fill(1, b * n, b * n + count));
  return {
    rows: { data: Float32Array.from({ length: BATCH * n * DIM }, () => rng.uniform(-1, 1)), shape: [BATCH, n, DIM] },
    mask: { data: mask, shape: [BATCH, n] },
    candidate: { data: Float32Array.from({ length: BATCH * DIM }, () => rng.uniform(-1, 1)), shape: [BATCH, DIM] },
    categories: { data: BigInt64Array.from({ length: BATCH * n }, () => BigInt(Math.floor(rng.next() * CATEGORIES))), shape: [BATCH, n] },
    candidate_category: { data: BigInt64Array.from({ length: BATCH }, () => BigInt(Math.floor(rng.next() * CATEGORIES))), shape: [BATCH] },
  };
}

/** Median over runs of the mean milliseconds per batch. */
async function time(part: Part, search: SearchMode, length: number, training: boolean): Promise<number> {
  const { graph, built } = build(part, search, length);
  const outputs: Record<string, Sym> = { y: built.output };
  if (training) {
    const wrt = graph.inputs.filter((i) => i.kind === 'param' || i.name === 'rows').map((i) => i.sym);
    gradients(reduceSum(built.output, [0]), wrt).forEach((g, i) => (outputs[`grad_${i}`] = g));
  }
  const session = await OnnxSession.create(exportOnnx(graph, { outputs }), { threads: THREADS });
  const all = feeds(part === 'exact' ? K : length, new Random(7));
  const used = Object.fromEntries(graph.inputs.map((i) => [i.name, i.kind === 'param' ? paramFeed(built.store, i.name) : all[i.name]!]));
  for (let i = 0; i < 3; i++) await session.run(used);
  const runs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const started = performance.now();
    for (let s = 0; s < STEPS; s++) await session.run(used);
    runs.push((performance.now() - started) / STEPS);
  }
  await session.release();
  return runs.sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
}

function paramFeed(store: ParameterStore, name: string): Feed {
  const t = store.dense.get(name) ?? store.state.get(name);
  if (!t) throw new Error(`no value for '${name}'`);
  return { data: Float32Array.from(t.data), shape: t.shape };
}

const lengths = args.lengths.split(',').map(Number);
const results: Record<string, unknown>[] = [];
for (const length of lengths) {
  for (const training of [false, true]) {
    const row: Record<string, unknown> = { length, k: K, mode: training ? 'train step' : 'inference' };
    for (const search of ['soft', 'hard'] as const) {
      row[`search_${search}_ms`] = await time('search', search, length, training);
      row[`sim_${search}_ms`] = await time('sim', search, length, training);
    }
    row.exact_ms = await time('exact', 'soft', length, training);
    row.din_ms = await time('din', 'soft', length, training);
    for (const [key, value] of Object.entries(row)) if (typeof value === 'number' && key.endsWith('_ms')) row[key] = Number(value.toFixed(3));
    console.log(JSON.stringify(row));
    results.push(row);
  }
}
const report = { settings: { k: K, batch: BATCH, dim: DIM, attentionUnits: [32], steps: STEPS, runs: RUNS, threads: THREADS, statistic: 'median over runs of mean ms per batch' }, results };
await writeJsonAtomic(args.out, report);
console.log(`wrote ${args.out}`);
