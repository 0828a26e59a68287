/**
 * NativeSession: ONNX Runtime through its C API, writing outputs into the caller's arrays. It must
 * compute what onnxruntime-node computes, to the bit, in training as in a bare graph, and say what
 * went wrong in ONNX Runtime's words.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as op from '../../src/engine/ops.js';
import { Graph } from '../../src/engine/graph.js';
import { exportOnnx } from '../../src/engine/onnx-export.js';
import { OnnxSession, type Feed } from '../../src/engine/runtime.js';
import { NativeSession } from '../../src/engine/native-session.js';
import { RankingModel } from '../../src/train/ranking-model.js';
import { Trainer } from '../../src/train/trainer.js';
import { sharedFloat32 } from '../../src/util/shared-memory.js';
import { Random } from '../../src/util/random.js';
import { assertSameTensors, range, trainConfig, xorSource, xorSpec } from '../train/fixtures.js';

/** y = relu(gather(table, ids) · w), s = Σ y: a float and an int64 input, two outputs of different ranks. */
function model(): Uint8Array {
  const g = new Graph();
  const table = g.input('table', [5, 3], 'param');
  const ids = g.input('ids', ['batch'], 'data', 'int64');
  const w = g.input('w', [3, 4], 'param');
  const y = op.relu(op.matmul(op.gather(table, ids), w));
  return exportOnnx(g, { outputs: { y, s: op.reduceSum(y, [0, 1]) } });
}

const skipWithout = (session: NativeSession | undefined) => (session ? false : 'the deeprank_ort addon is not built here (npm install builds it), or DEEPRANK_ORT=js');

function feeds(seed: number, rows: number): Record<string, Feed> {
  const rng = new Random(seed);
  return {
    table: { data: Float32Array.from({ length: 15 }, () => rng.normal()), shape: [5, 3] },
    ids: { data: BigInt64Array.from({ length: rows }, () => BigInt(rng.int(5))), shape: [rows] },
    w: { data: Float32Array.from({ length: 12 }, () => rng.normal()), shape: [3, 4] },
  };
}

test('a run writes what onnxruntime-node returns, bit for bit, into the given arrays, shared memory included', async (t) => {
  const bytes = model();
  const native = NativeSession.create(bytes, { threads: 1 });
  if (skipWithout(native)) return t.skip(skipWithout(native) as string);
  const reference = await OnnxSession.create(bytes, { threads: 1 });
  const y = sharedFloat32(7 * 4);
  const s = new Float32Array(1);
  for (const [seed, rows] of [[1, 7], [2, 3]] as const) {
    const input = feeds(seed, rows);
    const out = await native!.run(input, ['y', 's'], { y: { data: y.subarray(0, rows * 4), shape: [rows, 4] }, s: { data: s, shape: [] } });
    const expected = await reference.run(input, ['y', 's']);
    assert.equal(out.s, s, 'the returned array is the caller\'s');
    assert.deepEqual([...y.subarray(0, rows * 4)], [...(expected.y as Float32Array)]);
    assert.deepEqual([...s], [...(expected.s as Float32Array)]);
  }
  await native!.release();
  await reference.release();
});

test('errors come back as exceptions with ONNX Runtime\'s message, and a released session refuses to run', async (t) => {
  const native = NativeSession.create(model(), { threads: 1 });
  if (skipWithout(native)) return t.skip(skipWithout(native) as string);
  const input = feeds(1, 2);
  const s = { data: new Float32Array(1), shape: [] };
  await assert.rejects(native!.run(input, ['y'], { y: { data: new Float32Array(8), shape: [2, 3] } }), /invalid dimensions for output: y/i);
  const { w, ...withoutW } = input;
  await assert.rejects(native!.run(withoutW, ['s'], { s }), /missing input: w/i);
  // A feed the model does not read is left out, as onnxruntime-node leaves it.
  await native!.run({ ...input, unused: w! }, ['s'], { s });
  await assert.rejects(native!.run(input, ['s', 'y'], { s }), /no array for output 'y'/);
  await assert.rejects(native!.run(input, ['s'], { s: { data: new Float32Array(0), shape: [] } }), /shorter than its shape/);
  const long = 'y'.repeat(600);
  await assert.rejects(native!.run(input, [long], { [long]: s }), /longer than 510 bytes/);
  await native!.run(input, ['s'], { s });
  await native!.release();
  await assert.rejects(native!.run(input, ['s'], { s }), /released/);
  assert.throws(() => NativeSession.create(new Uint8Array([1, 2, 3]), { threads: 1 }), /protobuf|parse|load/i);
});

/**
 * Through the C API the trainer's graph has deeprank's fused operators (ReLU gradients, and
 * DCN-v2's cross layers as MulAdd), through onnxruntime-node it has none. DCN-v2's 161-wide
 * cross layers sum over more than one of ONNX Runtime's GEMM blocks, so its MatMul + bias is
 * only the same as its fused Gemm if ONNX Runtime fuses both graphs alike (it needs the fused
 * operators' output shapes for that).
 */
const trainedModels = [
  ['dnn', { embeddingDim: 4, hiddenUnits: [8], batchNorm: true, dropout: 0.1 }],
  ['dcn-v2', { embeddingDim: 80, crossLayers: 2, hiddenUnits: [16], batchNorm: true }],
] as const;

for (const [type, config] of trainedModels) test(`${type}: training through the C API ends with the same weights as through onnxruntime-node`, async (t) => {
  const probe = NativeSession.create(model(), { threads: 1 });
  if (skipWithout(probe)) return t.skip(skipWithout(probe) as string);
  await probe!.release();
  const source = xorSource(700, 3);
  // A last batch of 700 mod 128 rows; batch norm's statistics are outputs too; two threads stage dense gradients in shared memory.
  const fit = async () => {
    const m = new RankingModel(xorSpec, RankingModel.parseModelSpec(type, config), { task: 'click', kind: 'binary', offset: 0 }, undefined, 5);
    const result = await new Trainer(m, trainConfig({ epochs: 2, batchSize: 128, threads: 2, optimizer: { learningRate: 0.05 } })).fit({ source, rows: range(700) });
    return { weights: m.params.snapshot(), loss: result.history.at(-1)!.trainLoss };
  };
  let nativeRuns = 0;
  const run = NativeSession.prototype.run;
  NativeSession.prototype.run = function (...args) {
    nativeRuns++;
    return run.apply(this, args);
  };
  const { create, unavailable } = NativeSession;
  try {
    const viaC = await fit();
    assert.equal(nativeRuns, 2 * Math.ceil(700 / 128), 'every step ran through the C API');
    // As where the addon is not built: the trainer then also writes no fused operators, which only the C API's sessions know.
    NativeSession.create = () => undefined;
    NativeSession.unavailable = () => 'stubbed';
    const viaNode = await fit();
    assert.equal(nativeRuns, 2 * Math.ceil(700 / 128), 'the second fit ran through onnxruntime-node');
    assert.equal(viaC.loss, viaNode.loss);
    assertSameTensors(viaC.weights, viaNode.weights);
  } finally {
    NativeSession.prototype.run = run;
    NativeSession.create = create;
    NativeSession.unavailable = unavailable;
  }
});
