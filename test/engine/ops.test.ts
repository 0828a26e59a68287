import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as op from '../../src/engine/ops.js';
import { Graph } from '../../src/engine/graph.js';
import { gradients } from '../../src/engine/autodiff.js';
import { exportOnnx } from '../../src/engine/onnx-export.js';
import { OnnxSession } from '../../src/engine/runtime.js';
import { checkGradients, type CheckedInput } from '../support/gradient-check.js';

const B = 'batch';
const x34: CheckedInput = { name: 'x', shape: [B, 4], dims: [3, 4] };
const y34: CheckedInput = { name: 'y', shape: [B, 4], dims: [3, 4] };
const positive = (dims: number[]) => Float64Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => 0.5 + ((i * 37) % 11) / 7);
/** Values kept away from 0 so kinks (relu, abs, max) are not straddled by the finite difference. */
const awayFromZero = (dims: number[]) => Float64Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => (i % 2 ? 1 : -1) * (0.1 + ((i * 13) % 7) / 5));
const sumBatch = (s: import('../../src/engine/graph.js').Sym) => op.reduceSum(s, [0]);

const cases: [string, CheckedInput[], Parameters<typeof checkGradients>[1]][] = [
  ['Add broadcast', [x34, { name: 'b', shape: [4], dims: [4] }], ({ x, b }) => sumBatch(op.add(x!, b!))],
  ['Sub broadcast column', [x34, { name: 'c', shape: [B, 1], dims: [3, 1] }], ({ x, c }) => sumBatch(op.sub(x!, c!))],
  ['Mul', [x34, y34], ({ x, y }) => sumBatch(op.mul(x!, y!))],
  ['Mul broadcast both', [{ name: 'a', shape: [B, 1, 4], dims: [3, 1, 4] }, { name: 'b', shape: [2, 1], dims: [2, 1] }], ({ a, b }) => sumBatch(op.mul(a!, b!))],
  ['Div', [x34, { ...y34, values: positive([3, 4]) }], ({ x, y }) => sumBatch(op.div(x!, y!))],
  ['Max', [{ ...x34, values: awayFromZero([3, 4]) }, { ...y34, values: awayFromZero([3, 4]).map((v) => -v * 0.5) }], ({ x, y }) => sumBatch(op.max(x!, y!))],
  ['Where', [x34, y34], ({ x, y }) => sumBatch(op.where(op.greater(x!, y!), op.mul(x!, x!), y!))],
  ['Relu', [{ ...x34, values: awayFromZero([3, 4]) }], ({ x }) => sumBatch(op.relu(x!))],
  ['Sigmoid', [x34], ({ x }) => sumBatch(op.sigmoid(x!))],
  ['Tanh', [x34], ({ x }) => sumBatch(op.tanh(x!))],
  ['Exp', [x34], ({ x }) => sumBatch(op.exp(x!))],
  ['Log', [{ ...x34, values: positive([3, 4]) }], ({ x }) => sumBatch(op.log(x!))],
  ['Sqrt', [{ ...x34, values: positive([3, 4]) }], ({ x }) => sumBatch(op.sqrt(x!))],
  ['Abs', [{ ...x34, values: awayFromZero([3, 4]) }], ({ x }) => sumBatch(op.abs(x!))],
  ['Neg', [x34], ({ x }) => sumBatch(op.neg(x!))],
  ['MatMul 2-D', [x34, { name: 'w', shape: [4, 5], dims: [4, 5], kind: 'param' }], ({ x, w }) => sumBatch(op.matmul(x!, w!))],
  ['MatMul 3-D x 2-D', [{ name: 'x', shape: [B, 2, 4], dims: [3, 2, 4] }, { name: 'w', shape: [4, 5], dims: [4, 5] }], ({ x, w }) => sumBatch(op.matmul(x!, w!))],
  ['MatMul batched', [{ name: 'a', shape: [B, 2, 4], dims: [3, 2, 4] }, { name: 'b', shape: [B, 4, 3], dims: [3, 4, 3] }], ({ a, b }) => sumBatch(op.matmul(a!, b!))],
  ['ReduceSum keepdims', [x34], ({ x }) => sumBatch(op.reduceSum(x!, [1], true))],
  ['ReduceMean over batch', [x34], ({ x }) => op.reduceMean(x!, [0])],
  ['ReduceMean all axes', [{ name: 'x', shape: [B, 2, 3], dims: [2, 2, 3] }], ({ x }) => op.reduceMean(x!, [0, 1, 2])],
  ['Softmax', [x34], ({ x }) => sumBatch(op.softmax(x!, -1))],
  ['Softmax middle axis', [{ name: 'x', shape: [B, 3, 2], dims: [2, 3, 2] }], ({ x }) => sumBatch(op.softmax(x!, 1))],
  ['Concat', [x34, { name: 'y', shape: [B, 2], dims: [3, 2] }], ({ x, y }) => sumBatch(op.concat([x!, y!, x!], 1))],
  ['Slice', [x34], ({ x }) => sumBatch(op.slice(x!, 1, 1, 3))],
  ['Split (a piece unused)', [x34], ({ x }) => {
    const [a, b, c] = op.split(x!, 1, [1, 2, 1]);
    return sumBatch(op.concat([op.mul(a!, c!), op.tanh(b!)], 1));
  }],
  ['Split into pieces of 1', [{ name: 'x', shape: [B, 3, 2], dims: [2, 3, 2] }], ({ x }) => sumBatch(op.concat(op.split(x!, 1).reverse(), 1))],
  ['Reshape', [{ name: 'x', shape: [B, 2, 3], dims: [2, 2, 3] }], ({ x }) => sumBatch(op.reshape(x!, [B, 6]))],
  ['Reshape flatten batch', [{ name: 'x', shape: [B, 2, 3], dims: [2, 2, 3] }], ({ x }) => op.reduceSum(op.reshape(x!, [-1, 3]), [0])],
  ['Transpose', [{ name: 'x', shape: [B, 2, 3], dims: [2, 2, 3] }], ({ x }) => sumBatch(op.transpose(x!, [0, 2, 1]))],
  ['Unsqueeze + Squeeze (outer product)', [x34], ({ x }) =>
    sumBatch(op.add(op.reduceSum(op.mul(op.unsqueeze(x!, [1]), op.unsqueeze(x!, [2])), [1]), op.squeeze(op.unsqueeze(x!, [2]), [2])))],
  ['SigmoidCrossEntropy', [x34, { ...y34, values: Float64Array.from({ length: 12 }, (_, i) => i % 2), constant: true }], ({ x, y }) => op.reduceMean(op.sigmoidCrossEntropy(op.mul(x!, x!), y!), [0, 1])],
  ['chain reuses a tensor', [x34], ({ x }) => sumBatch(op.mul(op.tanh(x!), op.add(x!, op.sigmoid(x!))))],
];

for (const [name, inputs, build] of cases) {
  test(`gradient of ${name} matches finite differences`, async () => {
    await checkGradients(inputs, build);
  });
}

test('a gradient check fails on a wrong gradient', async () => {
  // abs at 0-straddling points has a kink: the check must notice a mismatch somewhere.
  await assert.rejects(
    checkGradients([{ name: 'x', shape: [2], dims: [2], values: Float64Array.of(1e-7, -1e-7) }], ({ x }) => op.abs(x!)),
  );
});

test('SigmoidCrossEntropy is stable for large logits', async () => {
  const graph = new Graph('float32');
  const z = graph.input('z', [4]);
  const y = graph.input('y', [4]);
  const loss = op.sigmoidCrossEntropy(z, y);
  const [dz] = gradients(op.reduceSum(loss, [0]), [z]);
  const session = await OnnxSession.create(exportOnnx(graph, { outputs: { loss, dz: dz! } }), { threads: 1 });
  const out = await session.run({ z: { data: Float32Array.of(100, -100, 0, 3), shape: [4] }, y: { data: Float32Array.of(0, 1, 1, 1), shape: [4] } });
  const l = out.loss as Float32Array;
  assert.ok(Math.abs(l[0]! - 100) < 1e-4 && Math.abs(l[1]! - 100) < 1e-4, `loss ${l}`);
  assert.ok(Math.abs(l[2]! - Math.log(2)) < 1e-6);
  const d = out.dz as Float32Array;
  assert.ok(Math.abs(d[3]! - (1 / (1 + Math.exp(-3)) - 1)) < 1e-6);
});

test('exported graph with weights as initializers computes the same as with weights fed', async () => {
  const graph = new Graph('float32');
  const x = graph.input('x', [B, 3]);
  const w = graph.param('w', [3, 2]);
  const y = op.relu(op.matmul(x, w));
  const wv = Float32Array.of(1, -1, 2, 0.5, -3, 1);
  const xv = Float32Array.of(1, 2, 3, -1, 0, 1);
  const fed = await OnnxSession.create(exportOnnx(graph, { outputs: { y } }), { threads: 1 });
  const inlined = await OnnxSession.create(exportOnnx(graph, { outputs: { y }, initializers: new Map([['w', wv]]) }), { threads: 1 });
  assert.deepEqual(inlined.inputNames, ['x']);
  const a = (await fed.run({ x: { data: xv, shape: [2, 3] }, w: { data: wv, shape: [3, 2] } })).y;
  const b = (await inlined.run({ x: { data: xv, shape: [2, 3] } })).y;
  assert.deepEqual(Array.from(a as Float32Array), Array.from(b as Float32Array));
  assert.deepEqual(Array.from(a as Float32Array), [0, 3, 0, 2]);
});

test('gradient of SoftmaxCrossEntropy (soft labels, one-hot via EyeLike) matches finite differences', async () => {
  const soft = Float64Array.from({ length: 12 }, (_, i) => ((i * 5) % 7) / 10);
  await checkGradients([x34, { ...y34, values: soft, constant: true }], ({ x, y }) => sumBatch(op.softmaxCrossEntropy(op.mul(x!, x!), y!)));
  await checkGradients([{ name: 'x', shape: [3, 3], dims: [3, 3] }], ({ x }) => op.softmaxCrossEntropy(x!, op.eyeLike(x!)));
});

test('SoftmaxCrossEntropy is log-sum-exp minus the labelled logit, stable for large logits', async () => {
  const graph = new Graph('float32');
  const z = graph.input('z', [2, 3]);
  const loss = op.softmaxCrossEntropy(z, op.eyeLike(z));
  const session = await OnnxSession.create(exportOnnx(graph, { outputs: { loss } }), { threads: 1 });
  const out = (await session.run({ z: { data: Float32Array.of(1000, 0, 1000, 0, 2, 0), shape: [2, 3] } })).loss as Float32Array;
  // Row 0: log(2 e^1000 + 1) - 1000 = log 2; row 1: log(2 + e^2) - 2.
  assert.ok(Math.abs(out[0]! - Math.log(2)) < 1e-5, `${out[0]}`);
  assert.ok(Math.abs(out[1]! - (Math.log(2 + Math.exp(2)) - 2)) < 1e-6, `${out[1]}`);
});

test('Split cuts an axis into consecutive pieces (ONNX Split); sizes must add up to the axis', async () => {
  const graph = new Graph('float32');
  const x = graph.input('x', [B, 4]);
  const [a, b] = op.split(x, 1, [1, 3]);
  assert.deepEqual([a!.shape, b!.shape], [[B, 1], [B, 3]]);
  const session = await OnnxSession.create(exportOnnx(graph, { outputs: { a: a!, b: b! } }), { threads: 1 });
  const out = await session.run({ x: { data: Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8), shape: [2, 4] } });
  assert.deepEqual(Array.from(out.a as Float32Array), [1, 5]);
  assert.deepEqual(Array.from(out.b as Float32Array), [2, 3, 4, 6, 7, 8]);
  assert.equal(op.split(x, 1).length, 4);
  assert.throws(() => op.split(x, 1, [1, 2]), /sizes \[1,2\] must be positive and add up to axis 1/);
});

test('TopK returns the k largest per row, best first, ties by the lower index', async () => {
  const graph = new Graph('float32');
  const x = graph.input('x', [B, 5]);
  const { values, indices } = op.topK(x, 3);
  assert.deepEqual(values.shape, [B, 3]);
  assert.equal(indices.dtype, 'int64');
  const session = await OnnxSession.create(exportOnnx(graph, { outputs: { values, indices } }), { threads: 1 });
  const out = await session.run({ x: { data: Float32Array.of(0.1, 0.9, 0.5, 0.9, 0.5, 2, 2, 2, 2, -Infinity), shape: [2, 5] } });
  assert.deepEqual(Array.from(out.indices as BigInt64Array, Number), [1, 3, 2, 0, 1, 2]);
  assert.deepEqual(Array.from(out.values as Float32Array), [0.9, 0.9, 0.5, 2, 2, 2].map(Math.fround));
  assert.throws(() => op.topK(graph.input('y', [B, 2]), 3), /k = 3 exceeds the 2 entries/);
});

test('GatherAlong picks per-row positions along axis 1 (rank 2 and 3); ScatterAddAlong accumulates repeats', async () => {
  const graph = new Graph('float32');
  const x = graph.input('x', [B, 4, 2]);
  const m = graph.input('m', [B, 4]);
  const idx = graph.input('idx', [B, 3], 'data', 'int64');
  const rows = op.gatherAlong(x, idx);
  assert.deepEqual(rows.shape, [B, 3, 2]);
  const scattered = op.scatterAddAlong(op.gatherAlong(m, idx), idx, m);
  const session = await OnnxSession.create(exportOnnx(graph, { outputs: { rows, picked: op.gatherAlong(m, idx), scattered } }), { threads: 1 });
  const out = await session.run({
    x: { data: Float32Array.from({ length: 16 }, (_, i) => i), shape: [2, 4, 2] },
    m: { data: Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8), shape: [2, 4] },
    idx: { data: BigInt64Array.of(3n, 0n, 3n, 1n, 2n, 0n), shape: [2, 3] },
  });
  assert.deepEqual(Array.from(out.rows as Float32Array), [6, 7, 0, 1, 6, 7, 10, 11, 12, 13, 8, 9]);
  assert.deepEqual(Array.from(out.picked as Float32Array), [4, 1, 4, 6, 7, 5]);
  // Row 0 picked position 3 twice: its value comes back twice.
  assert.deepEqual(Array.from(out.scattered as Float32Array), [1, 0, 0, 8, 5, 6, 7, 0]);
  assert.throws(() => op.gatherAlong(x, graph.input('f', [B, 3])), /int64 indices/);
});

for (const [name, shape] of [['rank 3', [2, 4, 3]], ['rank 2', [2, 4]]] as const) {
  test(`gradient of GatherAlong (${name}, repeated index) and of ScatterAddAlong matches finite differences`, async () => {
    const extraFeeds = { idx: { data: BigInt64Array.of(3n, 0n, 3n, 1n, 2n, 0n), shape: [2, 3] } };
    const x: CheckedInput = { name: 'x', shape: [B, ...shape.slice(1)], dims: [...shape] };
    await checkGradients([x], ({ x }, graph) => sumBatch(op.gatherAlong(x!, graph.input('idx', [B, 3], 'data', 'int64'))), { extraFeeds });
    const g: CheckedInput = { name: 'g', shape: [B, 3, ...shape.slice(2)], dims: [2, 3, ...shape.slice(2)] };
    await checkGradients([g, { ...x, constant: true }], ({ g, x }, graph) => sumBatch(op.scatterAddAlong(g!, graph.input('idx', [B, 3], 'data', 'int64'), x!)), { extraFeeds });
  });
}

test('gradient of Cast between float types passes through; through an int64 cast none flows', async () => {
  // Linear in x, so a wide step keeps the finite difference clear of float32 rounding.
  await checkGradients([x34], ({ x }) => sumBatch(op.cast(op.cast(x!, 'float32'), 'float64')), { eps: 1e-2, tolerance: 1e-4 });
  const graph = new Graph('float64');
  const x = graph.input('x', [B, 4]);
  const [g] = gradients(op.reduceSum(op.mul(x, op.cast(op.cast(x, 'int64'), 'float64')), [0, 1]), [x]);
  const session = await OnnxSession.create(exportOnnx(graph, { outputs: { g: g! } }), { threads: 1 });
  const out = await session.run({ x: { data: Float64Array.of(1.5, -2, 3, 0.25), shape: [1, 4] } });
  assert.deepEqual(Array.from(out.g as Float64Array), [1, -2, 3, 0]);
});
