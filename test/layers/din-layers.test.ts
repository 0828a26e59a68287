/** PReLU, Dice, ParametricActivationTower and LocalActivationUnit: golden values, gradients, configs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, type Sym } from '../../src/engine/graph.js';
import { concat, reduceSum } from '../../src/engine/ops.js';
import { exportOnnx } from '../../src/engine/onnx-export.js';
import { OnnxSession } from '../../src/engine/runtime.js';
import { ParameterStore } from '../../src/engine/parameter-store.js';
import { BuildContext, type BuildMode } from '../../src/layers/build-context.js';
import { PReLU } from '../../src/layers/prelu.js';
import { Dice } from '../../src/layers/dice.js';
import { ParametricActivationTower } from '../../src/layers/parametric-activation-tower.js';
import { LocalActivationUnit } from '../../src/layers/local-activation-unit.js';
import { ConfigError } from '../../src/errors.js';
import { checkGradients } from '../support/gradient-check.js';

type Inputs = Record<string, { data: number[]; dims: number[] }>;

/** Run `build` in float64 on concrete inputs; `setup` may set the weights after the build. */
async function run(mode: BuildMode, inputs: Inputs, build: (ctx: BuildContext, x: Record<string, Sym>) => Sym, setup?: (p: ParameterStore) => void): Promise<number[]> {
  const graph = new Graph('float64');
  const params = new ParameterStore(1);
  const ctx = new BuildContext(graph, params, mode);
  const syms = Object.fromEntries(Object.entries(inputs).map(([name, { dims }]) => [name, graph.input(name, dims)]));
  const out = build(ctx, syms);
  setup?.(params);
  const initializers = new Map([...params.allTensors()].map(([k, t]) => [k, Float64Array.from(t.data)]));
  const session = await OnnxSession.create(exportOnnx(graph, { outputs: { y: out }, initializers }), { threads: 1 });
  const feeds = Object.fromEntries(Object.entries(inputs).map(([name, { data, dims }]) => [name, { data: Float64Array.from(data), shape: dims }]));
  return Array.from((await session.run(feeds)).y as Float64Array);
}

const close = (a: number[], b: number[], tol = 1e-9) => a.length === b.length && a.every((v, i) => Math.abs(v - b[i]!) < tol) ? true : assert.fail(`${a} != ${b}`);
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

test('PReLU: x for x > 0, alpha x otherwise (alpha starts at 0.25)', async () => {
  close(await run('eval', { x: { data: [-2, -0.5, 0, 3], dims: [2, 2] } }, (ctx, { x }) => new PReLU().apply(ctx, x!)), [-0.5, -0.125, 0, 3]);
  const y = await run('eval', { x: { data: [-2, 4], dims: [1, 2] } }, (ctx, { x }) => new PReLU({ name: 'p' }).apply(ctx, x!), (p) => p.dense.get('p/alpha')!.data.set([0.125, 0.75]));
  close(y, [-0.25, 4]);
});

test('Dice: p = sigmoid((x - mean) / sqrt(var + eps)), y = p x + (1 - p) alpha x', async () => {
  // Eval: running statistics mean 1, variance 4; alpha 0.5.
  const setup = (p: ParameterStore) => {
    p.state.get('d/moving_mean')!.data.set([1]);
    p.state.get('d/moving_variance')!.data.set([4]);
    p.dense.get('d/alpha')!.data.set([0.5]);
  };
  const dice = (x: number) => {
    const p = sigmoid((x - 1) / Math.sqrt(4 + 1e-8));
    return p * x + (1 - p) * 0.5 * x;
  };
  close(await run('eval', { x: { data: [-1, 2, 5], dims: [3, 1] } }, (ctx, { x }) => new Dice({ name: 'd' }).apply(ctx, x!), setup), [-1, 2, 5].map(dice));
  // Train: the batch's statistics, [1, 3] -> mean 2, variance 1; alpha starts at 0.
  const train = [1, 3].map((x, i) => sigmoid(i === 0 ? -1 / Math.sqrt(1 + 1e-8) : 1 / Math.sqrt(1 + 1e-8)) * x);
  close(await run('train', { x: { data: [1, 3], dims: [2, 1] } }, (ctx, { x }) => new Dice().apply(ctx, x!)), train);
  // With a mask the padded position (100) stays out of the statistics: the same two values.
  const masked = await run('train', { x: { data: [1, 3, 100], dims: [1, 3, 1] }, m: { data: [1, 1, 0], dims: [1, 3, 1] } }, (ctx, { x, m }) => new Dice().apply(ctx, x!, m));
  close(masked.slice(0, 2), train);
});

test('LocalActivationUnit: raw (unnormalized) weights, exactly 0 on padding, weighted sum of the behaviours', async () => {
  // Every hidden weight 0 and the score bias 2: each real behaviour gets weight 2 (no softmax).
  const setup = (p: ParameterStore) => {
    for (const t of p.dense.values()) t.data.fill(0);
    const bias = [...p.dense.values()].find((t) => t.name.endsWith('/bias') && t.shape[0] === 1)!;
    bias.data.fill(2);
  };
  const inputs: Inputs = {
    keys: { data: [1, 2, 3, 4, 7, 7], dims: [1, 3, 2] },
    query: { data: [0.5, -1], dims: [1, 2] },
    mask: { data: [1, 1, 0], dims: [1, 3] },
  };
  const unit = () => new LocalActivationUnit({ name: 'att', hiddenUnits: [3], activation: 'prelu' });
  close(await run('eval', inputs, (ctx, s) => unit().apply(ctx, s.keys!, s.query!, s.mask!).weights, setup), [2, 2, 0]);
  close(await run('eval', inputs, (ctx, s) => unit().apply(ctx, s.keys!, s.query!, s.mask!).output, setup), [8, 12]);
});

test('LocalActivationUnit weights depend on the candidate', async () => {
  const inputs = (query: number[]): Inputs => ({ keys: { data: [1, 0, 0, 1], dims: [1, 2, 2] }, query: { data: query, dims: [1, 2] }, mask: { data: [1, 1], dims: [1, 2] } });
  const weights = (query: number[]) => run('eval', inputs(query), (ctx, s) => new LocalActivationUnit({ hiddenUnits: [4], activation: 'prelu' }).apply(ctx, s.keys!, s.query!, s.mask!).weights);
  const [a, b] = [await weights([1, 0]), await weights([0, 1])];
  assert.ok(Math.abs(a[0]! - b[0]!) > 1e-6, `weights ${a} vs ${b}`);
});

const MASK = Float64Array.of(1, 1, 0, 1, 0, 0);
for (const [activation, mode] of [['prelu', 'eval'], ['dice', 'eval'], ['dice', 'train']] as const) {
  test(`gradient of LocalActivationUnit (${activation}, ${mode}) matches finite differences; padding gets none`, async () => {
    const params = new ParameterStore(5);
    await checkGradients(
      [
        { name: 'keys', shape: ['batch', 3, 4], dims: [2, 3, 4] },
        { name: 'query', shape: ['batch', 4], dims: [2, 4] },
        { name: 'mask', shape: ['batch', 3], dims: [2, 3], values: MASK, constant: true },
      ],
      ({ keys, query, mask }, graph) => {
        const { output, weights } = new LocalActivationUnit({ hiddenUnits: [5], activation }).apply(new BuildContext(graph, params, mode), keys!, query!, mask!);
        for (const s of params.state.values()) s.data.forEach((_, i) => (s.data[i] = 0.3 + 0.2 * i));
        return concat([reduceSum(output, [0]), reduceSum(weights, [0])], 0);
      },
      { params, tolerance: 1e-5 },
    );
  });
}

const layerGradients: [string, number[], (ctx: BuildContext, x: Sym) => Sym, BuildMode][] = [
  ['PReLU', [3, 4], (ctx, x) => new PReLU({ alphaInitial: 0.3 }).apply(ctx, x), 'eval'],
  ['Dice (train)', [5, 3], (ctx, x) => new Dice().apply(ctx, x), 'train'],
  ['Dice (eval)', [5, 3], (ctx, x) => new Dice().apply(ctx, x), 'eval'],
  ['ParametricActivationTower (dice)', [4, 5], (ctx, x) => new ParametricActivationTower({ hiddenUnits: [4, 3], activation: 'dice' }).apply(ctx, x), 'train'],
];
for (const [name, dims, layer, mode] of layerGradients) {
  test(`gradient of ${name} matches finite differences`, async () => {
    const params = new ParameterStore(13);
    await checkGradients(
      [{ name: 'x', shape: dims, dims }],
      ({ x }, graph) => {
        const y = layer(new BuildContext(graph, params, mode), x!);
        for (const s of params.state.values()) s.data.forEach((_, i) => (s.data[i] = 0.5 + 0.1 * i));
        // Alphas away from their start so their gradient and the negative branch both matter.
        for (const t of params.dense.values()) if (t.name.endsWith('/alpha')) t.data.forEach((_, i) => (t.data[i] = 0.2 + 0.1 * i));
        return reduceSum(y, [0]);
      },
      { params, tolerance: 1e-5 },
    );
  });
}

test('DIN layer configs round-trip through getConfig/fromConfig', () => {
  const layers = [
    new PReLU({ alphaInitial: 0.1, name: 'p' }),
    new Dice({ momentum: 0.9, epsilon: 1e-6 }),
    new ParametricActivationTower({ hiddenUnits: [8, 4], activation: 'dice', dropoutRate: 0.1, l2: 1e-4 }),
    new LocalActivationUnit({ hiddenUnits: [36], activation: 'prelu', name: 'att' }),
  ];
  for (const layer of layers) {
    const Class = layer.constructor as unknown as { fromConfig(c: unknown): { getConfig(): unknown } };
    assert.deepEqual(Class.fromConfig(layer.getConfig()).getConfig(), layer.getConfig());
  }
});

test('invalid DIN layer arguments name the argument and the value', () => {
  assert.throws(() => new Dice({ momentum: 1 }), (e: unknown) => e instanceof ConfigError && /'momentum' must be in \[0, 1\), got 1/.test(e.message));
  assert.throws(() => new PReLU({ alphaInitial: Number.NaN }), /'alphaInitial' must be a finite number/);
  assert.throws(() => new ParametricActivationTower({ hiddenUnits: [4], activation: 'relu' as never }), /'activation' must be one of prelu, dice, got "relu"/);
  assert.throws(() => new ParametricActivationTower({ hiddenUnits: [] }), /hiddenUnits\[0\]/);
  assert.throws(() => new LocalActivationUnit({ hiddenUnits: [0] }), /'hiddenUnits\[0\]' must be a positive integer, got 0/);
});
