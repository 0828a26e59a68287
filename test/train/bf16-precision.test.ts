/**
 * train.precision 'bf16': the training graph's matrix products become GemmBf16 (sides shorter
 * than 16 stay float32), while weights, evaluation and the saved model stay float32. Training is
 * deterministic, learns, and is refused with a clear message where deeprank's own sessions are
 * not available.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import { Graph, type Sym } from '../../src/engine/graph.js';
import * as op from '../../src/engine/ops.js';
import { exportOnnx } from '../../src/engine/onnx-export.js';
import { NativeSession } from '../../src/engine/native-session.js';
import { RankingModel } from '../../src/train/ranking-model.js';
import { Trainer } from '../../src/train/trainer.js';
import { parseRunConfig } from '../../src/train/run-config.js';
import { ConfigError } from '../../src/errors.js';
import { assertSameTensors, range, trainConfig, xorSource, xorSpec } from './fixtures.js';

const { onnx } = onnxProto;

const dnn = (seed = 5) => new RankingModel(xorSpec, RankingModel.parseModelSpec('dnn', { embeddingDim: 8, hiddenUnits: [32, 16] }), { task: 'click', kind: 'binary', offset: 0 }, undefined, seed);

function ops(bytes: Uint8Array) {
  const model = onnx.ModelProto.decode(bytes);
  const nodes = model.graph!.node!;
  return {
    bf16: nodes.filter((n) => n.opType === 'GemmBf16' && n.domain === 'ai.deeprank').length,
    float: nodes.filter((n) => n.opType === 'Gemm' || n.opType === 'MatMul').length,
    domains: model.opsetImport!.map((o) => o.domain),
  };
}

test('bf16 precision writes the training graph\'s products as GemmBf16, except sides shorter than 16; the saved model has none', () => {
  const model = dnn();
  // Input 2·8 + 1 = 17 wide, hidden 32 and 16, logit 1: each layer's product, its weight
  // gradient and its input gradient (the first one's reaches the embedding rows).
  const float = ops(model.trainingGraph().bytes);
  assert.deepEqual(float.domains, ['']);
  assert.equal(float.bf16, 0);
  const bf16 = ops(model.trainingGraph(undefined, undefined, { products: 'bf16' }).bytes);
  assert.ok(bf16.domains.includes('ai.deeprank'));
  // 17 -> 32 and 32 -> 16 in bf16; the logit's 16 -> 1 and its gradients stay float32.
  assert.equal(bf16.bf16, 6);
  assert.equal(bf16.bf16 + bf16.float, float.float);
  const served = ops(model.exportOnnx());
  assert.deepEqual([served.bf16, served.domains], [0, ['']]);
});

test('a dense layer\'s bias and ReLU fold into its GemmBf16 only where nothing else reads what they replace', () => {
  const layer = (biasShape: number[] = [16]) => {
    const g = new Graph();
    const z = op.matmul(g.input('x', ['batch', 32]), g.input('w', [32, 16], 'param'));
    const s = op.add(z, g.input('b', biasShape, 'param'));
    return { g, z, s, y: op.relu(s) };
  };
  const nodes = (bytes: Uint8Array) =>
    onnx.ModelProto.decode(bytes).graph!.node!.map((n) => `${n.opType}(${n.input!.length})${n.attribute!.some((a) => a.name === 'relu') ? '+relu' : ''}`);
  const chain = (outputs: (l: ReturnType<typeof layer>) => Record<string, Sym>, biasShape?: number[], products: 'float32' | 'bf16' = 'bf16') => {
    const l = layer(biasShape);
    return nodes(exportOnnx(l.g, { outputs: outputs(l), products }));
  };
  assert.deepEqual(chain((l) => ({ y: l.y })), ['GemmBf16(3)+relu']);
  assert.deepEqual(chain((l) => ({ y: l.y, s: l.s })), ['GemmBf16(3)', 'Relu(1)'], 'the sum is read: the ReLU stays');
  assert.deepEqual(chain((l) => ({ y: l.y, z: l.z })), ['GemmBf16(2)', 'Add(2)', 'Relu(1)'], 'the product is read: nothing folds');
  assert.deepEqual(chain((l) => ({ y: l.y }), [1, 16]), ['GemmBf16(2)', 'Add(2)', 'Relu(1)'], 'a bias of one value per column only');
  assert.deepEqual(chain((l) => ({ y: l.y }), undefined, 'float32'), ['MatMul(2)', 'Add(2)', 'Relu(1)'], 'float32 products leave fusing to ONNX Runtime');
});

test('a float64 graph refuses bf16 products', () => {
  const g = new Graph('float64');
  const y = op.matmul(g.input('a', [20, 20]), g.input('b', [20, 20]));
  assert.throws(() => exportOnnx(g, { outputs: { y }, products: 'bf16' }), (e: unknown) => e instanceof ConfigError && /bf16 products sum in float32/.test(e.message));
});

test('train.precision accepts float32 and bf16 and names the field otherwise', () => {
  const base = { data: { train: 'x.csv' }, label: { column: 'y', kind: 'binary' }, features: [{ name: 'a', type: 'categorical' }], model: { type: 'dnn' } };
  assert.equal(parseRunConfig({ ...base, train: {} }).train.precision, 'float32');
  assert.equal(parseRunConfig({ ...base, train: { precision: 'bf16' } }).train.precision, 'bf16');
  assert.throws(() => parseRunConfig({ ...base, train: { precision: 'fp16' } }), /train\.precision/);
});

const unavailable = NativeSession.unavailable();
const skip = unavailable ? `bf16 training runs in deeprank's own sessions, which need the deeprank_ort addon (${unavailable})` : false;

test('bf16 training learns, gives the same weights for the same seed, and not float32\'s', { skip }, async () => {
  const source = xorSource(3000, 2);
  const fit = async (precision: 'float32' | 'bf16', threads: number) => {
    const model = dnn();
    const result = await new Trainer(model, trainConfig({ epochs: 3, batchSize: 256, threads, precision, optimizer: { learningRate: 0.02 } })).fit({ source, rows: range(3000) });
    return { weights: model.params.snapshot(), loss: result.history.at(-1)!.trainLoss, first: result.history[0]!.trainLoss };
  };
  const once = await fit('bf16', 1);
  const again = await fit('bf16', 2);
  assertSameTensors(once.weights, again.weights);
  assert.equal(once.loss, again.loss);
  const float = await fit('float32', 1);
  assert.notEqual(once.loss, float.loss, 'bf16 products round the factors');
  // XOR of two ids plus a numeric feature: a model that learned it has a loss far below log 2 (0.69).
  assert.ok(once.loss < 0.5 && Math.abs(once.loss - float.loss) < 0.01, `bf16 loss ${once.loss}, float32 ${float.loss}`);
});

test('the optimizer computes in float32 under bf16 unless train.optimizer.arithmetic says float64; float32 products keep float64 unless it says float32', { skip }, async () => {
  const source = xorSource(1000, 4);
  const fit = async (precision: 'float32' | 'bf16', arithmetic?: 'float32' | 'float64') => {
    const model = dnn();
    await new Trainer(model, trainConfig({ epochs: 1, batchSize: 128, threads: 1, precision, optimizer: { learningRate: 0.02, ...(arithmetic ? { arithmetic } : {}) } })).fit({ source, rows: range(1000) });
    return model.params.snapshot();
  };
  const differ = (a: Map<string, Float32Array>, b: Map<string, Float32Array>) => [...a].some(([name, x]) => x.some((v, i) => v !== b.get(name)![i]));
  const bf16 = await fit('bf16');
  assertSameTensors(bf16, await fit('bf16', 'float32'));
  assert.ok(differ(bf16, await fit('bf16', 'float64')), 'bf16 with float64 arithmetic gave the default\'s weights');
  const float = await fit('float32');
  assertSameTensors(float, await fit('float32', 'float64'));
  assert.ok(differ(float, await fit('float32', 'float32')), 'float32 arithmetic gave float64\'s weights');
});

test('bf16 training warns, once, where the CPU has neither AVX512-BF16 nor AMX and the products are emulated', { skip }, () => {
  const script = `
    const { RankingModel } = await import(${JSON.stringify(fileURLToPath(new URL('../../src/train/ranking-model.js', import.meta.url)))});
    const { Trainer } = await import(${JSON.stringify(fileURLToPath(new URL('../../src/train/trainer.js', import.meta.url)))});
    const { trainConfig, range, xorSource, xorSpec } = await import(${JSON.stringify(fileURLToPath(new URL('./fixtures.js', import.meta.url)))});
    for (let i = 0; i < 2; i++) {
      const model = new RankingModel(xorSpec, RankingModel.parseModelSpec('dnn', { embeddingDim: 8, hiddenUnits: [32] }), { task: 'click', kind: 'binary', offset: 0 }, undefined, 1);
      await new Trainer(model, trainConfig({ epochs: 1, precision: 'bf16' })).fit({ source: xorSource(200, 1), rows: range(200) });
    }`;
  const stderr = (kernel?: string) =>
    spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, ...(kernel ? { DEEPRANK_BF16_KERNEL: kernel } : {}) } }).stderr;
  const emulated = stderr('portable');
  assert.equal(emulated.match(/DEEPRANK_BF16_EMULATED/g)?.length, 1, emulated);
  assert.match(emulated, /neither AVX512-BF16 nor AMX/);
  if (NativeSession.bf16Native()) assert.doesNotMatch(stderr(), /DEEPRANK_BF16_EMULATED/);
});

test('without deeprank\'s own sessions, bf16 training is refused with a message naming train.precision', async () => {
  const create = NativeSession.create;
  NativeSession.create = () => undefined;
  try {
    const trainer = new Trainer(dnn(), trainConfig({ epochs: 1, precision: 'bf16' }));
    await assert.rejects(trainer.fit({ source: xorSource(100, 1), rows: range(100) }), (e: unknown) => e instanceof ConfigError && /precision 'bf16' needs deeprank's native addon/.test(e.message) && e.location.field === 'train.precision');
  } finally {
    NativeSession.create = create;
  }
});
