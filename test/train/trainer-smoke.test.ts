import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RankingModel } from '../../src/train/ranking-model.js';
import { Trainer } from '../../src/train/trainer.js';
import { TrainConfigSchema } from '../../src/train/train-config.js';
import { Random } from '../../src/util/random.js';
import { Predictor } from '../../src/train/predict.js';
import { MemorySource } from '../support/memory-source.js';
import type { FeatureSpec } from '../../src/data/batch.js';

function xorData(n: number, seed: number) {
  const rng = new Random(seed);
  const a = new Int32Array(n), b = new Int32Array(n), y = new Float32Array(n), x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = rng.int(10); b[i] = rng.int(10); x[i] = rng.normal();
    const logit = ((a[i]! % 2) ^ (b[i]! % 2) ? 2 : -2) + x[i]!;
    y[i] = rng.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  return new MemorySource({ categorical: { a, b }, dense: { names: ['x'], values: x }, labels: { click: y } });
}

const spec: FeatureSpec = { categorical: [{ name: 'a', cardinality: 10 }, { name: 'b', cardinality: 10 }], multiValue: [], numeric: ['x'], tasks: [{ name: 'click', kind: 'binary' }] };

const variants: [string, Record<string, unknown>][] = [
  ['lr', {}],
  ...['fm', 'dnn', 'wide-deep', 'deepfm', 'dcn', 'dcn-v2', 'dlrm', 'nfm', 'deep-crossing', 'ipnn', 'opnn', 'dcn-mix', 'afm'].map((type): [string, Record<string, unknown>] => [type, { embeddingDim: 8 }]),
  ['dcn-v2', { embeddingDim: 8, structure: 'parallel', projectionDim: 4, diagScale: 0.5 }],
  ['dnn', { embeddingDim: 8, batchNorm: true, dropout: 0.2 }],
  ['dcn-v2', { embeddingDim: 8, structure: 'cross-only', crossLayers: 3 }],
  ['dcn-mix', { embeddingDim: 8, structure: 'parallel', numExperts: 2, lowRank: 4, crossActivation: 'relu' }],
  ['afm', { embeddingDim: 8, attentionUnits: 4, dropout: 0.2 }],
  ['nfm', { embeddingDim: 8, hiddenUnits: [] }],
  ['deep-crossing', { embeddingDim: 8, residualUnits: [16], dropout: 0.2, batchNorm: true }],
  ['fnn', { embeddingDim: 8 }],
  ...['gmf', 'ncf-mlp', 'neumf'].map((type): [string, Record<string, unknown>] => [type, { user: 'a', item: 'b' }]),
];

for (const [type, modelConfig] of variants) {
  test(`${type} ${JSON.stringify(modelConfig)} trains on an in-memory source`, async () => {
    const source = xorData(4000, 1);
    const rows = Int32Array.from({ length: 3000 }, (_, i) => i);
    const valRows = Int32Array.from({ length: 1000 }, (_, i) => 3000 + i);
    const model = new RankingModel(spec, RankingModel.parseModelSpec(type, modelConfig), { task: 'click', kind: 'binary', offset: 0 }, undefined, 3);
    const trainer = new Trainer(model, TrainConfigSchema.parse({ epochs: 3, batchSize: 128, optimizer: { learningRate: 0.01 }, threads: 1 }));
    const result = await trainer.fit({ source, rows }, { source, rows: valRows });
    const auc = result.history.at(-1)!.validation.auc!;
    console.log(type, result.history.map((h) => [h.trainLoss.toFixed(4), h.validation.auc!.toFixed(4)]));
    assert.ok(result.history.at(-1)!.trainLoss < result.history[0]!.trainLoss + 1e-3);
    assert.ok(auc > 0.6, `${type} auc ${auc}`);
  });
}

test('NFM without hidden layers and with h = 1 is FM: the same predictions from the same embeddings and first-order weights', async () => {
  const source = xorData(300, 2);
  const rows = Int32Array.from({ length: 300 }, (_, i) => i);
  const head = { task: 'click', kind: 'binary' as const, offset: 0 };
  const fm = new RankingModel(spec, RankingModel.parseModelSpec('fm', { embeddingDim: 6 }), head, undefined, 4);
  // The same parameter store: NFM reads FM's embeddings and linear terms and adds its projection h.
  const nfm = new RankingModel(spec, RankingModel.parseModelSpec('nfm', { embeddingDim: 6, hiddenUnits: [] }), head, fm.params, 4);
  nfm.build('eval');
  fm.params.dense.get('logit/kernel')!.data.fill(1);
  fm.params.dense.get('logit/bias')!.data.fill(0);
  const score = async (model: RankingModel) => {
    const predictor = await Predictor.create(model, 1);
    const { predictions } = await predictor.predict(source, rows);
    await predictor.release();
    return predictions;
  };
  const [a, b] = [await score(fm), await score(nfm)];
  assert.ok(a.some((p) => Math.abs(p - 0.5) > 1e-3), 'FM predictions are all 0.5: the comparison would be vacuous');
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-6, `row ${i}: FM ${a[i]} vs NFM ${b[i]}`);
  // And h is what makes the difference: another h, other predictions.
  fm.params.dense.get('logit/kernel')!.data.fill(0.5);
  const c = await score(nfm);
  assert.ok(c.some((p, i) => Math.abs(p - a[i]!) > 1e-4), 'NFM ignores its projection h');
});

test('AFM exposes its attention weights per field pair for a batch', async () => {
  const source = xorData(2000, 5);
  const rows = Int32Array.from({ length: 2000 }, (_, i) => i);
  const model = new RankingModel(spec, RankingModel.parseModelSpec('afm', { embeddingDim: 8, attentionUnits: 4 }), { task: 'click', kind: 'binary', offset: 0 }, undefined, 6);
  await new Trainer(model, TrainConfigSchema.parse({ epochs: 2, batchSize: 128, optimizer: { learningRate: 0.02 }, threads: 1 })).fit({ source, rows });
  const predictor = await Predictor.create(model, 1);
  const some = rows.subarray(0, 5);
  const { labels, values } = await predictor.explain(source, some, 'attention');
  await assert.rejects(predictor.explain(source, some, 'saliency'), /no explanation 'saliency'; it has: attention/);
  await predictor.release();
  assert.deepEqual(labels, ['a×b', 'a×x', 'b×x']);
  assert.equal(values.length, 5 * 3);
  for (let r = 0; r < 5; r++) {
    const row = values.subarray(r * 3, r * 3 + 3);
    assert.ok(Math.abs(row.reduce((s, v) => s + v, 0) - 1) < 1e-5, `row ${r} weights ${row} do not sum to 1`);
  }
  // Trained on a label that is the XOR of a and b, the attention must not be uniform.
  assert.ok(values.some((v) => Math.abs(v - 1 / 3) > 0.01), `attention stayed uniform: ${values}`);
});
