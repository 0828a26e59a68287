import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, type Sym } from '../../src/engine/graph.js';
import { reduceSum, reduceMean } from '../../src/engine/ops.js';
import { exportOnnx } from '../../src/engine/onnx-export.js';
import { OnnxSession } from '../../src/engine/runtime.js';
import { ParameterStore } from '../../src/engine/parameter-store.js';
import { BuildContext, type BuildMode } from '../../src/layers/build-context.js';
import { Dense } from '../../src/layers/dense.js';
import { BatchNormalization } from '../../src/layers/batch-normalization.js';
import { Dropout } from '../../src/layers/dropout.js';
import { DeepFeatureTower } from '../../src/layers/deep-feature-tower.js';
import { DeepFeatureRanking } from '../../src/layers/deep-feature-ranking.js';
import { FeatureCross } from '../../src/layers/feature-cross.js';
import { CrossNet } from '../../src/layers/cross-net.js';
import { FactorizationMachine } from '../../src/layers/factorization-machine.js';
import { ResidualUnit } from '../../src/layers/residual-unit.js';
import { OuterProduct } from '../../src/layers/outer-product.js';
import { FeatureCrossMix } from '../../src/layers/feature-cross-mix.js';
import { AttentionalFactorizationMachine } from '../../src/layers/attentional-factorization-machine.js';
import { DotInteraction } from '../../src/layers/dot-interaction.js';
import { Embedding } from '../../src/layers/embedding.js';
import { ConfigError } from '../../src/errors.js';
import { checkGradients } from '../support/gradient-check.js';

/** Run a layer in float64 eval mode on concrete values. */
async function run(build: (ctx: BuildContext, x: Sym) => Sym, x: number[], dims: number[], params = new ParameterStore(1), setup?: (p: ParameterStore) => void) {
  const graph = new Graph('float64');
  const ctx = new BuildContext(graph, params, 'eval');
  const input = graph.input('x', dims);
  const out = build(ctx, input);
  setup?.(params);
  const initializers = new Map([...params.allTensors()].map(([k, t]) => [k, Float64Array.from(t.data)]));
  const session = await OnnxSession.create(exportOnnx(graph, { outputs: { y: out }, initializers }), { threads: 1 });
  return Array.from((await session.run({ x: { data: Float64Array.from(x), shape: dims } })).y as Float64Array);
}

const close = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]!) < 1e-6) || assert.fail(`${a} != ${b}`);

test('FeatureCross golden values from keras-rs', async () => {
  const ones = (p: ParameterStore) => p.dense.get('fc/kernel')!.data.fill(1);
  // x0 and x as a (2, 3) input: row 0 is x0, row 1 is x — feed them as two inputs via slices.
  for (const [diagScale, expected] of [[0, [0.55, 0.8, 1.05]], [1, [0.59, 0.9, 1.23]]] as const) {
    const graph = new Graph('float64');
    const params = new ParameterStore(1);
    const ctx = new BuildContext(graph, params, 'eval');
    const x0 = graph.input('x0', [1, 3]);
    const x = graph.input('x', [1, 3]);
    const y = new FeatureCross({ name: 'fc', diagScale }).apply(ctx, x0, x);
    ones(params);
    const initializers = new Map([...params.allTensors()].map(([k, t]) => [k, Float64Array.from(t.data)]));
    const session = await OnnxSession.create(exportOnnx(graph, { outputs: { y }, initializers }), { threads: 1 });
    const out = await session.run({ x0: { data: Float64Array.of(0.1, 0.2, 0.3), shape: [1, 3] }, x: { data: Float64Array.of(0.4, 0.5, 0.6), shape: [1, 3] } });
    close(Array.from(out.y as Float64Array), [...expected]);
  }
});

test('FactorizationMachine equals the explicit pairwise sum', async () => {
  const v = [0.1, -0.2, 0.3, 0.5, 1.5, -0.7]; // 3 fields x 2 dims
  const [y] = await run((ctx, x) => new FactorizationMachine().apply(ctx, x), v, [1, 3, 2]);
  let explicit = 0;
  for (let i = 0; i < 3; i++) for (let j = i + 1; j < 3; j++) explicit += v[2 * i]! * v[2 * j]! + v[2 * i + 1]! * v[2 * j + 1]!;
  assert.ok(Math.abs(y! - explicit) < 1e-12, `${y} vs ${explicit}`);
});

test('OuterProduct is the outer product of the summed fields, flattened', async () => {
  // Fields [1, 2] and [3, -1]: f_Σ = [4, 1], f_Σ f_Σᵀ = [[16, 4], [4, 1]].
  close(await run((ctx, x) => new OuterProduct().apply(ctx, x), [1, 2, 3, -1], [1, 2, 2]), [16, 4, 4, 1]);
});

test('FeatureCrossMix mixes its experts by the gate: two identity experts, one with bias 1, equal gates', async () => {
  const setup = (p: ParameterStore) => {
    for (const t of p.dense.values()) {
      t.data.fill(0);
      if (/expert_\d\/[vcu]_kernel$/.test(t.name)) t.data.set([1, 0, 0, 1]);
    }
    p.dense.get('mix/expert_1/bias')!.data.fill(1);
  };
  // x0 = x = [1, 2]; E0 = x0 ⊙ x, E1 = x0 ⊙ (x + 1), gates ½ each: x0 ⊙ (x + ½) + x = [2.5, 7].
  const mix = (ctx: BuildContext, x: Sym) => new FeatureCrossMix({ name: 'mix', numExperts: 2, lowRank: 2, activation: 'linear' }).apply(ctx, x);
  close(await run(mix, [1, 2], [1, 2], new ParameterStore(1), setup), [2.5, 7]);
});

test('AttentionalFactorizationMachine pools the pairwise products by softmax attention', async () => {
  const v = [1, 0, 0, 2, 3, 4]; // fields (1,0), (0,2), (3,4): products (0,0), (3,0), (0,8)
  const flat = (p: ParameterStore) => p.dense.get('afm/projection')!.data.fill(0);
  const afm = () => new AttentionalFactorizationMachine({ name: 'afm', attentionUnits: 3 });
  // A zero projection scores every pair alike: weights 1/3 and the mean of the products.
  close(await run((ctx, x) => afm().apply(ctx, x).attention, v, [1, 3, 2], new ParameterStore(1), flat), [1 / 3, 1 / 3, 1 / 3]);
  close(await run((ctx, x) => afm().apply(ctx, x).output, v, [1, 3, 2], new ParameterStore(1), flat), [1, 8 / 3]);
  // Weights that see only the second dimension favour the (1,2) pair: it alone has a nonzero one.
  const sharp = (p: ParameterStore) => {
    p.dense.get('afm/attention_kernel')!.data.set([0, 0, 0, 1, 1, 1]);
    p.dense.get('afm/projection')!.data.fill(1);
  };
  const [a01, a02, a12] = await run((ctx, x) => afm().apply(ctx, x).attention, v, [1, 3, 2], new ParameterStore(1), sharp);
  const e = Math.exp(24);
  close([a01!, a02!, a12!], [1 / (2 + e), 1 / (2 + e), e / (2 + e)]);
});

test('ResidualUnit computes act(W2 act(W1 x + b1) + b2) + x', async () => {
  const ones = (p: ParameterStore) => {
    for (const t of p.dense.values()) t.data.fill(t.name.endsWith('kernel') ? 1 : 0.5);
  };
  // x = [1, 2], W = ones, b = 0.5: inner relu(3.5) = 3.5; outer relu(4) = [4, 4]; + x = [5, 6].
  close(await run((ctx, x) => new ResidualUnit({ name: 'res', hiddenUnits: 1 }).apply(ctx, x), [1, 2], [1, 2], new ParameterStore(1), ones), [5, 6]);
  // A negative pre-activation is cut by the ReLU and the unit passes x through: inner relu(-3 + 0.5) = 0, outer relu(0.5) = 0.5.
  close(await run((ctx, x) => new ResidualUnit({ name: 'res', hiddenUnits: 1 }).apply(ctx, x), [-1, -2], [1, 2], new ParameterStore(1), ones), [-0.5, -1.5]);
});

test('DotInteraction returns the strict lower triangle, or with the diagonal', async () => {
  const v = [1, 0, 0, 2, 3, 4]; // fields (1,0), (0,2), (3,4)
  close(await run((ctx, x) => new DotInteraction().apply(ctx, x), v, [1, 3, 2]), [0, 3, 8]);
  close(await run((ctx, x) => new DotInteraction({ selfInteraction: true }).apply(ctx, x), v, [1, 3, 2]), [1, 0, 4, 3, 8, 25]);
});

test('CrossNet v1 layer matches x0 (x·w) + b + x', async () => {
  const params = new ParameterStore(1);
  const out = await run((ctx, x) => new CrossNet({ name: 'c', numLayers: 1 }).apply(ctx, x), [1, 2], [1, 2], params, (p) => {
    p.dense.get('c/w_0')!.data.set([0.5, -1]);
    p.dense.get('c/b_0')!.data.set([0.1, 0.2]);
  });
  // x·w = 0.5 - 2 = -1.5; x0 * -1.5 + b + x = [-1.5+0.1+1, -3+0.2+2]
  close(out, [-0.4, -0.8]);
});

test('DeepFeatureRanking maps (batch, items, features) to (batch, items, 1)', async () => {
  const graph = new Graph('float32');
  const ctx = new BuildContext(graph, new ParameterStore(1), 'train');
  const y = new DeepFeatureRanking({ hiddenUnits: 8, numLayers: 2 }).apply(ctx, graph.input('x', ['batch', 5, 12]));
  assert.deepEqual(y.shape, ['batch', 5, 1]);
});

test('layer configs round-trip through getConfig/fromConfig', () => {
  const layers = [
    new Dense({ units: 4, activation: 'relu', useBias: false, l2: 0.1 }),
    new BatchNormalization({ momentum: 0.9, epsilon: 1e-5 }),
    new Dropout({ rate: 0.3 }),
    new DeepFeatureTower({ units: 32, hiddenLayers: 3, dropoutRate: 0.1, activation: 'tanh', l2Reg: 1e-3 }),
    new DeepFeatureRanking({ hiddenUnits: 64, numLayers: 2 }),
    new FeatureCross({ projectionDim: 4, diagScale: 0.5, useBias: false, preActivation: 'relu' }),
    new CrossNet({ numLayers: 3 }),
    new FactorizationMachine({ output: 'vector' }),
    new DotInteraction({ selfInteraction: true }),
    new Embedding({ inputDim: 10, outputDim: 4 }),
    new ResidualUnit({ hiddenUnits: 7, activation: 'tanh' }),
    new OuterProduct({ name: 'op' }),
    new FeatureCrossMix({ numExperts: 3, lowRank: 5, activation: 'relu' }),
    new AttentionalFactorizationMachine({ attentionUnits: 6, name: 'afm' }),
  ];
  for (const layer of layers) {
    const Class = layer.constructor as unknown as { fromConfig(c: unknown): { getConfig(): unknown } };
    assert.deepEqual(Class.fromConfig(layer.getConfig()).getConfig(), layer.getConfig());
  }
});

test('invalid layer arguments name the argument and the value', () => {
  assert.throws(() => new FeatureCross({ projectionDim: 0 }), (e: unknown) => e instanceof ConfigError && /projectionDim.*0/.test(e.message));
  assert.throws(() => new Dense({ units: 2.5 }), /'units' must be a positive integer, got 2.5/);
  assert.throws(() => new Dropout({ rate: 1 }), /'rate' must be in \[0, 1\)/);
  assert.throws(() => new DeepFeatureTower({ units: 8, activation: 'gelu' as never }), /activation/);
});

// Finite-difference checks of every layer's gradient with respect to its input and its weights.
const gradientCases: [string, number[], (ctx: BuildContext, x: Sym) => Sym, BuildMode?][] = [
  ['Dense', [3, 4], (ctx, x) => new Dense({ units: 3, activation: 'tanh' }).apply(ctx, x)],
  ['BatchNormalization (train)', [5, 3], (ctx, x) => new BatchNormalization().apply(ctx, x), 'train'],
  ['BatchNormalization (eval)', [5, 3], (ctx, x) => new BatchNormalization().apply(ctx, x)],
  ['DeepFeatureTower', [4, 5], (ctx, x) => new DeepFeatureTower({ units: 3, hiddenLayers: 2, dropoutRate: 0, activation: 'tanh' }).apply(ctx, x), 'train'],
  ['DeepFeatureRanking', [2, 3, 4], (ctx, x) => new DeepFeatureRanking({ hiddenUnits: 3, numLayers: 1, dropoutRate: 0, activation: 'tanh' }).apply(ctx, x), 'train'],
  ['FeatureCross full-rank', [3, 4], (ctx, x) => new FeatureCross({ diagScale: 0.5 }).apply(ctx, x)],
  ['FeatureCross low-rank with activation', [3, 4], (ctx, x) => new FeatureCross({ projectionDim: 2, preActivation: 'tanh' }).apply(ctx, x)],
  ['CrossNet', [3, 4], (ctx, x) => new CrossNet({ numLayers: 2 }).apply(ctx, x)],
  ['FactorizationMachine', [2, 3, 4], (ctx, x) => new FactorizationMachine().apply(ctx, x)],
  ['FactorizationMachine vector', [2, 3, 4], (ctx, x) => new FactorizationMachine({ output: 'vector' }).apply(ctx, x)],
  ['DotInteraction', [2, 4, 3], (ctx, x) => new DotInteraction().apply(ctx, x)],
  ['ResidualUnit', [3, 4], (ctx, x) => new ResidualUnit({ hiddenUnits: 5, activation: 'tanh' }).apply(ctx, x)],
  ['OuterProduct', [2, 3, 4], (ctx, x) => new OuterProduct().apply(ctx, x)],
  ['FeatureCrossMix', [3, 4], (ctx, x) => new FeatureCrossMix({ numExperts: 3, lowRank: 2 }).apply(ctx, x)],
  ['AttentionalFactorizationMachine', [2, 4, 3], (ctx, x) => new AttentionalFactorizationMachine({ attentionUnits: 5 }).apply(ctx, x).output],
  ['AttentionalFactorizationMachine attention', [2, 4, 3], (ctx, x) => new AttentionalFactorizationMachine({ attentionUnits: 5 }).apply(ctx, x).attention],
];

for (const [name, dims, layer, mode = 'eval'] of gradientCases) {
  test(`gradient of ${name} matches finite differences`, async () => {
    const params = new ParameterStore(11);
    // Running statistics away from their initial values so eval-mode BN is non-trivial.
    await checkGradients(
      [{ name: 'x', shape: dims, dims }],
      ({ x }, graph) => {
        const y = layer(new BuildContext(graph, params, mode), x!);
        for (const s of params.state.values()) s.data.forEach((_, i) => (s.data[i] = 0.5 + 0.1 * i));
        return reduceSum(y, [0]);
      },
      { params, tolerance: 1e-5 },
    );
  });
}

test('gradient of pooled multi-value Embedding rows matches finite differences; padding never matters', async () => {
  const params = new ParameterStore(3);
  const mask = Float64Array.of(1, 1, 0, 1, 0, 0);
  await checkGradients(
    [{ name: 'rows/tags/tags', shape: ['batch', 3, 4], dims: [2, 3, 4] }, { name: 'tags_mask', shape: ['batch', 3], dims: [2, 3], values: mask, constant: true }],
    (_, graph) => reduceMean(new Embedding({ name: 'tags', inputDim: 5, outputDim: 4 }).pooled(new BuildContext(graph, params, 'eval'), 'tags', 3, 'mean'), [0]),
    { params },
  );
});
