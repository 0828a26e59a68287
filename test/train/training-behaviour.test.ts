import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { FeatureSpec } from '../../src/data/batch.js';
import { readTensorFile } from '../../src/engine/tensor-file.js';
import { RankingModel } from '../../src/train/ranking-model.js';
import { Trainer, type EpochRecord, type TrainCallbacks } from '../../src/train/trainer.js';
import { Random } from '../../src/util/random.js';
import { MemorySource } from '../support/memory-source.js';
import { assertAllClose, assertClose, assertSameTensors, range, trainConfig, withTempDir, xorSource, xorSpec } from './fixtures.js';

const source = xorSource(600, 1);
const trainRows = range(400);
const validationRows = range(200, 400);

function dnn(config: Record<string, unknown> = {}, seed = 3): RankingModel {
  return new RankingModel(xorSpec, RankingModel.parseModelSpec('dnn', { embeddingDim: 4, hiddenUnits: [8], dropout: 0.2, ...config }), { task: 'click', kind: 'binary', offset: 0 }, undefined, seed);
}

/** History without wall-clock fields. */
function timeless(history: readonly EpochRecord[]) {
  return history.map(({ epoch, trainLoss, validation }) => ({ epoch, trainLoss, validation }));
}

async function run(config: Record<string, unknown>, { model = dnn(), callbacks = {}, checkpointDir, resume }: { model?: RankingModel; callbacks?: TrainCallbacks; checkpointDir?: string; resume?: boolean } = {}) {
  const trainer = new Trainer(model, trainConfig({ epochs: 2, batchSize: 64, optimizer: { learningRate: 0.01 }, ...config }), callbacks);
  const result = await trainer.fit({ source, rows: trainRows }, { source, rows: validationRows }, { ...(checkpointDir ? { checkpointDir } : {}), ...(resume ? { resume } : {}) });
  return { model, trainer, result, weights: model.params.snapshot() };
}

test('determinism: the same seed gives bit-identical weights and metrics (dropout included); another seed does not', async () => {
  const a = await run({ seed: 11 });
  const b = await run({ seed: 11 });
  assertSameTensors(a.weights, b.weights);
  assert.deepEqual(timeless(a.result.history), timeless(b.result.history));

  const c = await run({ seed: 12 });
  assert.ok([...a.weights].some(([name, data]) => data.some((v, i) => v !== c.weights.get(name)![i])), 'seed 12 trained the same weights as seed 11');
  assert.notEqual(c.result.history[0]!.trainLoss, a.result.history[0]!.trainLoss);
});

test('threads: 1, 2 and 3 update threads train the same weights (rows and weight slices are split, not the sums); clipping too', async () => {
  for (const extra of [{}, { clipNorm: 0.05 }]) {
    const one = await run({ seed: 5, threads: 1, ...extra });
    for (const threads of [2, 3]) {
      const many = await run({ seed: 5, threads, ...extra });
      // ONNX Runtime's kernels with more threads may round differently; the updates themselves are exact.
      for (const [name, data] of one.weights) assertAllClose(many.weights.get(name)!, data, 1e-5, `${threads} threads ${JSON.stringify(extra)}: ${name}`);
      assertClose(many.result.history.at(-1)!.trainLoss, one.result.history.at(-1)!.trainLoss, 1e-6, 'final train loss');
    }
  }
});

test('early stopping: stops `patience` epochs after the best one and restores the best epoch\'s weights', async () => {
  // 200 rows and a 32-unit MLP overfit: validation logloss improves for a few epochs, then worsens.
  const snapshots = new Map<number, Map<string, Float32Array>>();
  const model = new RankingModel(xorSpec, RankingModel.parseModelSpec('dnn', { embeddingDim: 8, hiddenUnits: [32] }), { task: 'click', kind: 'binary', offset: 0 }, undefined, 3);
  const trainer = new Trainer(model, trainConfig({ epochs: 30, batchSize: 16, optimizer: { learningRate: 0.01 }, earlyStopping: { metric: 'logloss', patience: 2 }, metrics: ['auc'] }), {
    onEpoch: (record) => snapshots.set(record.epoch, model.params.snapshot()),
  });
  const result = await trainer.fit({ source, rows: range(200) }, { source, rows: validationRows });
  const losses = result.history.map((h) => h.validation.logloss!);

  assert.ok(result.history.length < 30, 'training did not stop early');
  assert.ok(result.bestEpoch > 1, `best epoch ${result.bestEpoch}: the fixture should improve for a few epochs`);
  assert.equal(result.history.length, result.bestEpoch + 2, `history ${losses.map((l) => l.toFixed(4)).join(' ')}`);
  assert.equal(Math.min(...losses), losses[result.bestEpoch - 1]);
  for (const later of losses.slice(result.bestEpoch)) assert.ok(later >= losses[result.bestEpoch - 1]!);

  // The model holds the best epoch's weights, not the last one's.
  assertSameTensors(model.params.snapshot(), snapshots.get(result.bestEpoch)!);
  assert.ok([...snapshots.get(result.history.length)!].some(([name, data]) => data.some((v, i) => v !== snapshots.get(result.bestEpoch)!.get(name)![i])));
  const restored = await trainer.evaluate({ source, rows: validationRows });
  assert.deepEqual(restored, result.history[result.bestEpoch - 1]!.validation);
  assert.deepEqual(result.best, restored);
});

for (const patience of [1, 3]) {
  test(`early stopping: with no improvement after epoch 1 (huge minDelta), patience ${patience} trains ${patience + 1} epochs and keeps epoch 1`, async () => {
    const snapshots = new Map<number, Map<string, Float32Array>>();
    const model = dnn();
    const { result } = await run({ epochs: 10, earlyStopping: { metric: 'auc', patience, minDelta: 10 } }, { model, callbacks: { onEpoch: (r) => snapshots.set(r.epoch, model.params.snapshot()) } });
    assert.deepEqual(result.history.map((h) => h.epoch), [...range(patience + 1, 1)]);
    assert.equal(result.bestEpoch, 1);
    assertSameTensors(model.params.snapshot(), snapshots.get(1)!);
  });
}

test('early stopping on a metric that is not among the reported ones adds it to the validation metrics', async () => {
  const { result } = await run({ epochs: 3, earlyStopping: { metric: 'rmse', patience: 5 } });
  for (const record of result.history) {
    assert.deepEqual(Object.keys(record.validation).sort(), ['auc', 'logloss', 'rmse']);
    assert.ok(Number.isFinite(record.validation.rmse));
  }
  const rmse = result.history.map((h) => h.validation.rmse!);
  assert.equal(result.best.rmse, Math.min(...rmse));
});

test('checkpoint + resume: 2 epochs, then a fresh model and Trainer resumed to 4 epochs, equal an uninterrupted 4-epoch run', async () => {
  await withTempDir(async (dir) => {
    const config = { optimizer: { type: 'adam', learningRate: 0.01 }, seed: 7 };
    const first = await run({ ...config, epochs: 2 }, { checkpointDir: dir });
    assert.deepEqual(first.result.history.map((h) => h.epoch), [1, 2]);

    const seen: number[] = [];
    const resumed = await run({ ...config, epochs: 4 }, { model: dnn(), checkpointDir: dir, resume: true, callbacks: { onEpoch: (r) => seen.push(r.epoch) } });
    const straight = await run({ ...config, epochs: 4 });

    assert.deepEqual(seen, [3, 4]);
    assert.deepEqual(resumed.result.history.map((h) => h.epoch), [1, 2, 3, 4]);
    assertSameTensors(resumed.weights, straight.weights);
    assert.deepEqual(timeless(resumed.result.history), timeless(straight.result.history));
    const { metadata } = await readTensorFile(join(dir, 'checkpoint.bin'));
    assert.equal((metadata as { epoch: number }).epoch, 4);
  });
});

test('checkpoint + resume keeps early-stopping state: the patience count and best weights carry over', async () => {
  await withTempDir(async (dir) => {
    // minDelta 10: no epoch after the first improves, so an uninterrupted run stops after epoch 4.
    const config = { optimizer: { type: 'adam', learningRate: 0.01 }, seed: 7, earlyStopping: { metric: 'logloss', patience: 3, minDelta: 10 } };
    await run({ ...config, epochs: 2 }, { checkpointDir: dir });
    const resumed = await run({ ...config, epochs: 10 }, { model: dnn(), checkpointDir: dir, resume: true });
    const straight = await run({ ...config, epochs: 10 });
    assert.deepEqual(straight.result.history.map((h) => h.epoch), [1, 2, 3, 4]);
    assert.deepEqual(timeless(resumed.result.history), timeless(straight.result.history));
    assert.equal(resumed.result.bestEpoch, 1);
    assertSameTensors(resumed.weights, straight.weights);
  });
});

/** Euclidean norm of (after - before) over every tensor. */
function displacement(before: ReadonlyMap<string, Float32Array>, after: ReadonlyMap<string, Float32Array>): number {
  let sum = 0;
  for (const [name, data] of before) {
    const moved = after.get(name)!;
    for (let i = 0; i < data.length; i++) sum += (moved[i]! - data[i]!) ** 2;
  }
  return Math.sqrt(sum);
}

for (const type of ['lr', 'dnn']) {
  test(`clipNorm bounds the update (${type}): one SGD step moves the weights (dense + embedding rows) by exactly lr · clipNorm`, async () => {
    const step = async (clipNorm: number | undefined, batchSize: number) => {
      const model = type === 'lr' ? new RankingModel(xorSpec, RankingModel.parseModelSpec('lr', {}), { task: 'click', kind: 'binary', offset: 0 }, undefined, 3) : dnn({ dropout: 0 });
      model.build('eval');
      const before = model.params.snapshot();
      await new Trainer(model, trainConfig({ epochs: 1, batchSize, optimizer: { type: 'sgd', learningRate: 0.5 }, ...(clipNorm ? { clipNorm } : {}) })).fit({ source, rows: range(64) });
      return displacement(before, model.params.snapshot());
    };
    const free = await step(undefined, 64);
    assert.ok(free > 0.05, `unclipped step moved ${free}`);
    // Clipped to 1e-3: the whole step, embedding rows included, has norm lr · 1e-3.
    assertClose(await step(1e-3, 64), 0.5 * 1e-3, 1e-4, 'clipped step norm');
    // Four clipped steps move at most 4 · lr · clipNorm.
    const four = await step(1e-3, 16);
    assert.ok(four <= 4 * 0.5 * 1e-3 * (1 + 1e-4) && four > 0.5 * 1e-3, `four clipped steps moved ${four}`);
  });
}

test('BatchNorm running statistics move toward the batch statistics: moving = 0.99 · moving + 0.01 · batch', async () => {
  // Numeric features only, so the first layer's pre-activations are X·W + b, computable here.
  const spec: FeatureSpec = { categorical: [], multiValue: [], numeric: ['u', 'v'], tasks: [{ name: 'click', kind: 'binary' }] };
  const rng = new Random(4);
  const n = 32;
  const X = Float32Array.from({ length: n * 2 }, () => rng.normal() * 2 + 1);
  const y = Float32Array.from({ length: n }, () => (rng.next() < 0.5 ? 1 : 0));
  const data = new MemorySource({ dense: { names: ['u', 'v'], values: X }, labels: { click: y } });
  const model = new RankingModel(spec, RankingModel.parseModelSpec('dnn', { hiddenUnits: [3], batchNorm: true }), { task: 'click', kind: 'binary', offset: 0 }, undefined, 2);
  model.build('eval');
  const W = model.params.dense.get('dense/kernel')!.data;
  const b = model.params.dense.get('dense/bias')!.data;
  const movingMean = model.params.state.get('batch_normalization/moving_mean')!.data;
  const movingVariance = model.params.state.get('batch_normalization/moving_variance')!.data;
  assert.deepEqual([...movingMean, ...movingVariance], [0, 0, 0, 1, 1, 1]);

  const z = (i: number, c: number) => X[i * 2]! * W[c]! + X[i * 2 + 1]! * W[3 + c]! + b[c]!;
  const expectedMean: number[] = [];
  const expectedVariance: number[] = [];
  for (let c = 0; c < 3; c++) {
    const values = Array.from({ length: n }, (_, i) => z(i, c));
    const mean = values.reduce((s, v) => s + v, 0) / n;
    expectedMean.push(0.01 * mean);
    expectedVariance.push(0.99 + 0.01 * (values.reduce((s, v) => s + (v - mean) ** 2, 0) / n));
  }
  const trainer = (epochs: number) => new Trainer(model, trainConfig({ epochs, batchSize: n, optimizer: { type: 'sgd', learningRate: 0.1 } }));
  await trainer(1).fit({ source: data, rows: range(n) });
  for (let c = 0; c < 3; c++) {
    assertClose(movingMean[c]!, expectedMean[c]!, 1e-5, `moving_mean[${c}]`);
    assertClose(movingVariance[c]!, expectedVariance[c]!, 1e-5, `moving_variance[${c}]`);
  }
  assert.ok(movingMean.some((m) => Math.abs(m) > 1e-3), 'the fixture should have non-zero pre-activation means');

  const afterOne = [...movingMean, ...movingVariance];
  await trainer(5).fit({ source: data, rows: range(n) });
  assert.notDeepEqual([...movingMean, ...movingVariance], afterOne);
});
