/** GRU and its attentional variants (AUGRU, AIGRU, AGRU): golden values, an independent reference, padding, gradients, configs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, type Sym } from '../../src/engine/graph.js';
import { reduceSum } from '../../src/engine/ops.js';
import { exportOnnx } from '../../src/engine/onnx-export.js';
import { OnnxSession } from '../../src/engine/runtime.js';
import { ParameterStore } from '../../src/engine/parameter-store.js';
import { BuildContext } from '../../src/layers/build-context.js';
import { GRU, GRU_VARIANTS, type GruVariant } from '../../src/layers/gru.js';
import { ConfigError } from '../../src/errors.js';
import { Random } from '../../src/util/random.js';
import { checkGradients } from '../support/gradient-check.js';

type Inputs = Record<string, { data: number[]; dims: number[] }>;

/** The layer's states in float64 on concrete inputs; `setup` may set the weights after the build. */
async function states(layer: GRU, inputs: Inputs, setup?: (p: ParameterStore) => void): Promise<number[]> {
  const graph = new Graph('float64');
  const params = new ParameterStore(3);
  const s = Object.fromEntries(Object.entries(inputs).map(([name, { dims }]) => [name, graph.input(name, dims)]));
  const out = layer.apply(new BuildContext(graph, params, 'eval'), s.x!, s.mask!, s.attention);
  setup?.(params);
  const initializers = new Map([...params.allTensors()].map(([k, t]) => [k, Float64Array.from(t.data)]));
  const session = await OnnxSession.create(exportOnnx(graph, { outputs: { y: out }, initializers }), { threads: 1 });
  const feeds = Object.fromEntries(Object.entries(inputs).map(([name, { data, dims }]) => [name, { data: Float64Array.from(data), shape: dims }]));
  const y = Array.from((await session.run(feeds)).y as Float64Array);
  await session.release();
  return y;
}

const close = (a: number[], b: number[], tol = 1e-9) => (a.length === b.length && a.every((v, i) => Math.abs(v - b[i]!) < tol) ? true : assert.fail(`${a} != ${b}`));
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

test('GRU: the worked example of its doc comment (one unit, only W_h = 1), a padded step keeps the state', async () => {
  const setup = (p: ParameterStore) => {
    for (const t of p.dense.values()) t.data.fill(0);
    p.dense.get('gru/kernel')!.data[2] = 1;
  };
  const y = await states(new GRU({ name: 'gru', units: 1 }), { x: { data: [1, 5, 2], dims: [1, 3, 1] }, mask: { data: [1, 0, 1], dims: [1, 3] } }, setup);
  close(y, [Math.tanh(1) / 2, Math.tanh(1) / 2, Math.tanh(1) / 4 + Math.tanh(2) / 2]);
  close(y, [0.3808, 0.3808, 0.6724], 1e-4);
});

/** The recurrence written out per row and step, independently of the graph. */
function reference(variant: GruVariant, x: number[], mask: number[], attention: number[], [batch, length, d]: number[], units: number, p: ParameterStore, name: string): number[] {
  const W = p.dense.get(`${name}/kernel`)!.data;
  const U = p.dense.get(`${name}/recurrent_kernel`)!.data;
  const b = p.dense.get(`${name}/bias`)!.data;
  const out: number[] = [];
  for (let r = 0; r < batch; r++) {
    let h = new Array<number>(units).fill(0);
    for (let t = 0; t < length; t++) {
      const a = attention[r * length + t]!;
      const m = mask[r * length + t]!;
      const xp = Array.from({ length: 3 * units }, (_, j) => (variant === 'aigru' ? a : 1) * x.slice((r * length + t) * d, (r * length + t + 1) * d).reduce((s, v, k) => s + v * W[k * 3 * units + j]!, 0) + b[j]!);
      const hp = Array.from({ length: 3 * units }, (_, j) => h.reduce((s, v, k) => s + v * U[k * 3 * units + j]!, 0));
      h = h.map((prev, j) => {
        const u = sigmoid(xp[j]! + hp[j]!);
        const reset = sigmoid(xp[units + j]! + hp[units + j]!);
        const candidate = Math.tanh(xp[2 * units + j]! + reset * hp[2 * units + j]!);
        const gate = variant === 'agru' ? a * m : variant === 'augru' ? a * u * m : u * m;
        return prev + gate * (candidate - prev);
      });
      out.push(...h);
    }
  }
  return out;
}

for (const variant of GRU_VARIANTS) {
  test(`GRU (${variant}) matches the recurrence computed step by step in the test`, async () => {
    const rng = new Random(11);
    const dims = [2, 4, 3];
    const x = Array.from({ length: 24 }, () => rng.uniform(-1, 1));
    const mask = [1, 1, 0, 1, 1, 0, 0, 0];
    const attention = [0.2, 0.5, 0, 0.3, 1, 0, 0, 0];
    let params: ParameterStore | undefined;
    const inputs: Inputs = { x: { data: x, dims }, mask: { data: mask, dims: [2, 4] }, ...(variant === 'gru' ? {} : { attention: { data: attention, dims: [2, 4] } }) };
    const y = await states(new GRU({ name: 'g', units: 2, variant }), inputs, (p) => {
      p.dense.get('g/bias')!.data.forEach((_, i, b) => (b[i] = 0.1 * (i - 3)));
      params = p;
    });
    close(y, reference(variant, x, mask, variant === 'gru' ? new Array(8).fill(1) : attention, dims, 2, params!, 'g'));
  });
}

test('GRU: padding changes nothing, wherever it sits and whatever its values', async () => {
  const layer = () => new GRU({ name: 'g', units: 3, variant: 'augru' });
  const compact = await states(layer(), { x: { data: [0.5, -1, 2, 0.3], dims: [1, 2, 2] }, mask: { data: [1, 1], dims: [1, 2] }, attention: { data: [0.4, 0.6], dims: [1, 2] } });
  for (const [x, mask, attention] of [
    [[0.5, -1, 9, 9, 2, 0.3, 7, -7], [1, 0, 1, 0], [0.4, 0.8, 0.6, 0.1]],
    [[0.5, -1, 2, 0.3, 0, 0, 0, 0], [1, 1, 0, 0], [0.4, 0.6, 0, 0]],
  ] as number[][][]) {
    const padded = await states(layer(), { x: { data: x!, dims: [1, 4, 2] }, mask: { data: mask!, dims: [1, 4] }, attention: { data: attention!, dims: [1, 4] } });
    const real = mask!.flatMap((m, t) => (m ? padded.slice(t * 3, t * 3 + 3) : []));
    close(real, compact, 1e-12);
    close(padded.slice(9), compact.slice(3), 1e-12); // the last state is the state after the last real step
  }
});

const MASK = Float64Array.of(1, 1, 0, 1, 0, 0);
for (const variant of GRU_VARIANTS) {
  test(`gradient of GRU (${variant}) matches finite differences (inputs, attention, weights)`, async () => {
    const params = new ParameterStore(5);
    await checkGradients(
      [
        { name: 'x', shape: ['batch', 3, 2], dims: [2, 3, 2] },
        { name: 'mask', shape: ['batch', 3], dims: [2, 3], values: MASK, constant: true },
        ...(variant === 'gru' ? [] : [{ name: 'attention', shape: ['batch', 3], dims: [2, 3], values: Float64Array.of(0.3, 0.7, 0, 0.9, 0, 0) }]),
      ],
      ({ x, mask, attention }, graph) => {
        const y = new GRU({ units: 2, variant }).apply(new BuildContext(graph, params, 'train'), x!, mask!, attention);
        for (const t of params.dense.values()) if (t.name.endsWith('/bias')) t.data.forEach((_, i, b) => (b[i] = 0.2 * i - 0.5));
        return reduceSum(y, [0]) as Sym;
      },
      { params, tolerance: 1e-5 },
    );
  });
}

test('GRU config round-trips; a bad variant or mismatched attention is a ConfigError', () => {
  const layer = new GRU({ name: 'evolution', units: 8, variant: 'agru' });
  assert.deepEqual(GRU.fromConfig(layer.getConfig()).getConfig(), { name: 'evolution', units: 8, variant: 'agru' });
  assert.throws(() => new GRU({ units: 4, variant: 'lstm' as GruVariant }), (e) => e instanceof ConfigError && /variant/.test(e.message) && /lstm/.test(e.message));
  assert.throws(() => new GRU({ units: 0 }), ConfigError);
  const graph = new Graph();
  const ctx = new BuildContext(graph, new ParameterStore(1), 'eval');
  const x = graph.input('x', ['batch', 2, 3]);
  const mask = graph.input('mask', ['batch', 2]);
  assert.throws(() => new GRU({ units: 2, variant: 'augru' }).apply(ctx, x, mask), (e) => e instanceof ConfigError && /needs attention/.test(e.message));
  assert.throws(() => new GRU({ units: 2 }).apply(ctx, x, mask, mask), (e) => e instanceof ConfigError && /takes no attention/.test(e.message));
});
