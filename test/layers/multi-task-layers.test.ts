/** ExpertGate, MMoE and PLE: golden mixtures, gradients against finite differences, config round-trips. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, type Sym } from '../../src/engine/graph.js';
import { concat, reduceSum } from '../../src/engine/ops.js';
import { exportOnnx } from '../../src/engine/onnx-export.js';
import { OnnxSession } from '../../src/engine/runtime.js';
import { ParameterStore } from '../../src/engine/parameter-store.js';
import { BuildContext } from '../../src/layers/build-context.js';
import { ExpertGate } from '../../src/layers/expert-gate.js';
import { MultiGateMixtureOfExperts } from '../../src/layers/multi-gate-mixture-of-experts.js';
import { ProgressiveLayeredExtraction } from '../../src/layers/progressive-layered-extraction.js';
import { ConfigError } from '../../src/errors.js';
import { checkGradients } from '../support/gradient-check.js';

/** Evaluate `build` in float64 on named inputs, after `setup` has set the weights. */
async function evaluate(inputs: Record<string, { data: number[]; dims: number[] }>, build: (ctx: BuildContext, x: Record<string, Sym>) => Sym, setup: (p: ParameterStore) => void = () => {}) {
  const graph = new Graph('float64');
  const params = new ParameterStore(1);
  const ctx = new BuildContext(graph, params, 'eval');
  const syms = Object.fromEntries(Object.entries(inputs).map(([name, { dims }]) => [name, graph.input(name, dims)]));
  const y = build(ctx, syms);
  setup(params);
  const initializers = new Map([...params.allTensors()].map(([k, t]) => [k, Float64Array.from(t.data)]));
  const session = await OnnxSession.create(exportOnnx(graph, { outputs: { y }, initializers }), { threads: 1 });
  const feeds = Object.fromEntries(Object.entries(inputs).map(([name, { data, dims }]) => [name, { data: Float64Array.from(data), shape: dims }]));
  return Array.from((await session.run(feeds)).y as Float64Array);
}

const close = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]!) < 1e-6) || assert.fail(`${a} != ${b}`);

test('ExpertGate mixes experts by softmax(x W): weights 1/4, 3/4 give 1/4 E0 + 3/4 E1', async () => {
  const inputs = { x: { data: [1, 0], dims: [1, 2] }, e0: { data: [4, 0], dims: [1, 2] }, e1: { data: [0, 4], dims: [1, 2] } };
  const gate = () => new ExpertGate({ name: 'gate', numExperts: 2 });
  // Row x = [1, 0] reads the kernel's first row: logits [0, ln 3] -> softmax [1/4, 3/4].
  const setup = (p: ParameterStore) => p.dense.get('gate/kernel')!.data.set([0, Math.log(3), 5, -5]);
  close(await evaluate(inputs, (ctx, { x }) => gate().weights(ctx, x!), setup), [0.25, 0.75]);
  close(await evaluate(inputs, (ctx, { x, e0, e1 }) => gate().apply(ctx, x!, [e0!, e1!]), setup), [1, 3]);
  // A zero kernel is the plain mean of the experts.
  close(await evaluate(inputs, (ctx, { x, e0, e1 }) => gate().apply(ctx, x!, [e0!, e1!]), (p) => p.dense.get('gate/kernel')!.data.fill(0)), [2, 2]);
  assert.throws(() => new ExpertGate({ numExperts: 0 }), ConfigError);
});

test('MMoE: equal (zero) gates give every task the same mixture; a gate that picks one expert gives that expert', async () => {
  const x = { x: { data: [0.5, -1, 2], dims: [1, 3] } };
  const layer = () => new MultiGateMixtureOfExperts({ name: 'mmoe', numExperts: 2, expertUnits: [2], numTasks: 2, activation: 'linear' });
  const both = (ctx: BuildContext, { x: input }: Record<string, Sym>) => concat(layer().apply(ctx, input!), 1);
  const equal = await evaluate(x, both, (p) => {
    p.dense.get('mmoe/gate_0/kernel')!.data.fill(0);
    p.dense.get('mmoe/gate_1/kernel')!.data.fill(0);
  });
  close(equal.slice(0, 2), equal.slice(2));
  // Identity experts: E0 = x[:2], E1 = 2·x[:2] (kernels, zero biases); gate 1 saturates on E1.
  const picking = await evaluate(x, both, (p) => {
    p.dense.get('mmoe/expert_0/dense_0/kernel')!.data.set([1, 0, 0, 1, 0, 0]);
    p.dense.get('mmoe/expert_1/dense_0/kernel')!.data.set([2, 0, 0, 2, 0, 0]);
    p.dense.get('mmoe/gate_0/kernel')!.data.fill(0);
    p.dense.get('mmoe/gate_1/kernel')!.data.set([0, 0, 0, 0, 0, 100]);
  });
  close(picking, [0.75, -1.5, 1, -2]);
});

test('PLE: with zero task-specific experts and equal (zero) gates both tasks see only the shared experts', async () => {
  const x = { x: { data: [0.5, -1, 2], dims: [1, 3] } };
  const both = (ctx: BuildContext, { x: input }: Record<string, Sym>) =>
    concat(new ProgressiveLayeredExtraction({ name: 'ple', levels: 2, sharedExperts: 1, taskExperts: 1, expertUnits: [2], numTasks: 2, activation: 'tanh' }).apply(ctx, input!), 1);
  const out = await evaluate(x, both, (p) => {
    for (const t of p.dense.values()) if (/task_\d\/expert|gate/.test(t.name)) t.data.fill(0);
  });
  // Level 0 gives each task ½·E_s(x); level 1 again mixes 0 with the same shared expert of the same input.
  close(out.slice(0, 2), out.slice(2));
  assert.ok(out.some((v) => Math.abs(v) > 1e-3), 'the shared path is not zero');
});

test('gradients of ExpertGate, MMoE and PLE match finite differences', async () => {
  const cases: [string, (ctx: BuildContext, x: Sym) => Sym][] = [
    ['MMoE', (ctx, x) => concat(new MultiGateMixtureOfExperts({ name: 'mmoe', numExperts: 3, expertUnits: [4, 2], numTasks: 2, activation: 'tanh' }).apply(ctx, x), 1)],
    ['PLE', (ctx, x) => concat(new ProgressiveLayeredExtraction({ name: 'ple', levels: 2, sharedExperts: 2, taskExperts: 1, expertUnits: [3], numTasks: 2, activation: 'tanh' }).apply(ctx, x), 1)],
  ];
  for (const [what, layer] of cases) {
    const params = new ParameterStore(3);
    const { maxError } = await checkGradients([{ name: 'x', shape: ['batch', 4], dims: [3, 4] }], ({ x }, graph) => reduceSum(layer(new BuildContext(graph, params, 'eval'), x!), [0]), { params, tolerance: 1e-5 });
    assert.ok(maxError < 1e-5, `${what}: ${maxError}`);
  }
  const params = new ParameterStore(4);
  await checkGradients(
    [{ name: 'x', shape: ['batch', 3], dims: [2, 3] }, { name: 'e0', shape: ['batch', 2], dims: [2, 2] }, { name: 'e1', shape: ['batch', 2], dims: [2, 2] }],
    ({ x, e0, e1 }, graph) => reduceSum(new ExpertGate({ name: 'g', numExperts: 2 }).apply(new BuildContext(graph, params, 'eval'), x!, [e0!, e1!]), [0]),
    { params },
  );
});

test('ExpertGate, MMoE and PLE configs round-trip through getConfig/fromConfig', () => {
  const layers = [
    new ExpertGate({ numExperts: 3 }),
    new MultiGateMixtureOfExperts({ name: 'm', numExperts: 4, expertUnits: [8, 4], numTasks: 2, activation: 'relu' }),
    new ProgressiveLayeredExtraction({ levels: 2, sharedExperts: 1, taskExperts: 2, expertUnits: [8], numTasks: 3 }),
  ];
  for (const layer of layers) {
    const Class = layer.constructor as unknown as { fromConfig(c: unknown): { getConfig(): unknown } };
    assert.deepEqual(Class.fromConfig(layer.getConfig()).getConfig(), layer.getConfig());
  }
  assert.throws(() => new ProgressiveLayeredExtraction({ levels: 0, sharedExperts: 1, taskExperts: 1, expertUnits: [4], numTasks: 2 }), /levels/);
  assert.throws(() => new MultiGateMixtureOfExperts({ numExperts: 2, expertUnits: [0], numTasks: 2 }), /expertUnits\[0\]/);
});
