/**
 * Multi-task heads: masked labels (a missing label's placeholder changes nothing), the task loss
 * weighting (golden values, gradients, uncertainty weights that move the expected way), per-task
 * metrics and early stopping, missing label cells in files, and saved models with every head.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FeatureSpec } from '../../src/data/batch.js';
import { loadTrainingData } from '../../src/data/load-dataset.js';
import { parsePipelineConfig } from '../../src/data/data-config.js';
import { Graph } from '../../src/engine/graph.js';
import { exportOnnx } from '../../src/engine/onnx-export.js';
import { sigmoidCrossEntropy, square, sub } from '../../src/engine/ops.js';
import { OnnxSession } from '../../src/engine/runtime.js';
import { ParameterStore } from '../../src/engine/parameter-store.js';
import { BuildContext } from '../../src/layers/build-context.js';
import { ConfigError, DataError } from '../../src/errors.js';
import { BatchFeeder } from '../../src/train/batch-feeder.js';
import { loadModel, saveModel } from '../../src/train/model-artifact.js';
import { logVarianceName, maskedMean, multiTaskLoss } from '../../src/train/multi-task-loss.js';
import { Predictor } from '../../src/train/predict.js';
import { RankingModel, type Head } from '../../src/train/ranking-model.js';
import { Trainer } from '../../src/train/trainer.js';
import { Random } from '../../src/util/random.js';
import { checkGradients } from '../support/gradient-check.js';
import { MemorySource } from '../support/memory-source.js';
import { assertClose, range, trainConfig, withTempDir } from './fixtures.js';
import { taskMetricNames } from '../../src/train/task-metrics.js';

const spec: FeatureSpec = {
  categorical: [{ name: 'a', cardinality: 10 }],
  multiValue: [],
  numeric: ['x'],
  tasks: [
    { name: 'click', kind: 'binary' },
    { name: 'rating', kind: 'regression' },
  ],
};
const heads: Head[] = [
  { task: 'click', kind: 'binary', offset: 0 },
  { task: 'rating', kind: 'regression', offset: 3 },
];

/** Rows whose click follows a's parity and x, rating = 3 + x + noise·N(0,1); every 4th click and every 3rd rating missing. */
function source(n: number, seed: number, { missing = true, noise = 0.3 } = {}): MemorySource {
  const rng = new Random(seed);
  const a = new Int32Array(n);
  const x = new Float32Array(n);
  const click = new Float32Array(n);
  const rating = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = rng.int(10);
    x[i] = rng.normal();
    click[i] = rng.next() < 1 / (1 + Math.exp(-((a[i]! % 2 ? 2 : -2) + x[i]!))) ? 1 : 0;
    rating[i] = 3 + x[i]! + noise * rng.normal();
    if (missing && i % 4 === 0) click[i] = NaN;
    if (missing && i % 3 === 0) rating[i] = NaN;
  }
  return new MemorySource({ categorical: { a }, dense: { names: ['x'], values: x }, labels: { click, rating } });
}

function mmoe(seed = 3, config: Record<string, unknown> = {}): RankingModel {
  return new RankingModel(spec, RankingModel.parseModelSpec('mmoe', { embeddingDim: 4, numExperts: 2, expertUnits: [8], towerUnits: [4], ...config }), heads, undefined, seed);
}

test('a missing label is masked: changing its placeholder changes neither the loss nor any gradient', async () => {
  for (const taskWeights of [{ click: 1, rating: 0.5 }, 'uncertainty'] as const) {
    const model = mmoe();
    const { bytes, built } = model.trainingGraph(undefined, taskWeights);
    const session = await OnnxSession.create(bytes, { threads: 1 });
    const batch = [...source(16, 1).batches(range(16), 16)][0]!;
    const feeds = new BatchFeeder(built.ctx, model.params, 1, 'click').feeds(batch, new Random(1));
    const fetches = session.outputNames.filter((n) => n === 'loss' || n.startsWith('grad/'));
    const run = async (placeholder: number) => {
      for (const task of ['click', 'rating']) {
        const labels = Float32Array.from(feeds[`label/${task}`]!.data as Float32Array);
        const mask = feeds[`label_mask/${task}`]!.data as Float32Array;
        mask.forEach((m, i) => m === 0 && (labels[i] = placeholder));
        feeds[`label/${task}`] = { data: labels, shape: [16, 1] };
      }
      return session.run(feeds, fetches);
    };
    const [zero, other] = [await run(0), await run(7.5)];
    assert.ok(Number.isFinite((zero.loss as Float32Array)[0]!));
    for (const name of fetches) assert.deepEqual(Array.from(other[name] as Float32Array), Array.from(zero[name] as Float32Array), `${name} with ${JSON.stringify(taskWeights)}`);
    // The mask itself matters: the same rows with every label present give another loss.
    const masks = ['click', 'rating'].map((t) => feeds[`label_mask/${t}`]!.data as Float32Array);
    masks.forEach((m) => m.fill(1));
    assert.notEqual((await session.run(feeds, ['loss'])).loss[0], (zero.loss as Float32Array)[0]);
    await session.release();
  }
});

test('task loss golden values: masked means, fixed weights and uncertainty weighting at s = 0 and s = ln 2', async () => {
  const graph = new Graph('float64');
  const params = new ParameterStore(1);
  const ctx = new BuildContext(graph, params, 'train');
  const logit = graph.input('logit', [4, 1]);
  const label = graph.input('label', [4, 1]);
  const mask = graph.input('mask', [4, 1]);
  const ce = maskedMean(sigmoidCrossEntropy(logit, label), mask);
  const se = maskedMean(square(sub(logit, label)), mask);
  const losses = [
    { task: 'click', kind: 'binary' as const, loss: ce },
    { task: 'rating', kind: 'regression' as const, loss: se },
  ];
  const fixed = multiTaskLoss(ctx, losses, { rating: 3 });
  const learned = multiTaskLoss(ctx, losses, 'uncertainty');
  params.dense.get(logVarianceName('rating'))!.data[0] = Math.log(2);
  const initializers = new Map([...params.allTensors()].map(([k, t]) => [k, Float64Array.from(t.data)]));
  const session = await OnnxSession.create(exportOnnx(graph, { outputs: { ce, se, fixed, learned }, initializers }), { threads: 1 });
  const feeds = { logit: { data: Float64Array.of(0, 1, 2, 3), shape: [4, 1] }, label: { data: Float64Array.of(1, 0, 2, 99), shape: [4, 1] }, mask: { data: Float64Array.of(1, 1, 1, 0), shape: [4, 1] } };
  const out = await session.run(feeds);
  // Row 3 is masked (its label 99 would dominate both means); rows 0..2 are averaged.
  const sce = (z: number, y: number) => Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
  const ceExpected = (sce(0, 1) + sce(1, 0) + sce(2, 2)) / 3;
  const seExpected = (1 + 1 + 0) / 3;
  assertClose((out.ce as Float64Array)[0]!, ceExpected, 1e-12, 'masked CE');
  assertClose((out.se as Float64Array)[0]!, seExpected, 1e-12, 'masked SE');
  assertClose((out.fixed as Float64Array)[0]!, ceExpected + 3 * seExpected, 1e-12, 'fixed weights');
  // click: s = 0 -> 1·CE + 0; rating: s = ln 2 -> ½·e^{-ln 2}·SE + ½ ln 2.
  assertClose((out.learned as Float64Array)[0]!, ceExpected + 0.25 * seExpected + 0.5 * Math.log(2), 1e-6, 'uncertainty weighting');
  assert.throws(() => multiTaskLoss(ctx, losses, { like: 1 }), ConfigError);
});

test('gradient of the uncertainty-weighted masked loss matches finite differences (logits and log σ²)', async () => {
  const params = new ParameterStore(2);
  const mask = Float64Array.of(1, 0, 1, 1, 0);
  params.denseParam(logVarianceName('click'), [1], { kind: 'constant', value: 0.3 });
  params.denseParam(logVarianceName('rating'), [1], { kind: 'constant', value: -0.4 });
  await checkGradients(
    [
      { name: 'a', shape: [5, 1], dims: [5, 1] },
      { name: 'b', shape: [5, 1], dims: [5, 1] },
      { name: 'y', shape: [5, 1], dims: [5, 1], values: Float64Array.of(1, 0, 0, 1, 1), constant: true },
      { name: 'r', shape: [5, 1], dims: [5, 1], constant: true },
      { name: 'm', shape: [5, 1], dims: [5, 1], values: mask, constant: true },
    ],
    ({ a, b, y, r, m }, graph) =>
      multiTaskLoss(new BuildContext(graph, params, 'train'), [
        { task: 'click', kind: 'binary', loss: maskedMean(sigmoidCrossEntropy(a!, y!), m!) },
        { task: 'rating', kind: 'regression', loss: maskedMean(square(sub(b!, r!)), m!) },
      ], 'uncertainty'),
    { params },
  );
});

test('uncertainty weighting learns a larger σ² for the noisier task', async () => {
  const n = 3000;
  const rng = new Random(5);
  const a = Int32Array.from({ length: n }, () => rng.int(10));
  const x = Float32Array.from({ length: n }, () => rng.normal());
  const clean = Float32Array.from(x, (v) => 2 * v + 0.1 * rng.normal());
  const noisy = Float32Array.from(x, (v) => 2 * v + 2 * rng.normal());
  const twoTasks: FeatureSpec = { ...spec, tasks: [{ name: 'clean', kind: 'regression' }, { name: 'noisy', kind: 'regression' }] };
  const model = new RankingModel(twoTasks, RankingModel.parseModelSpec('shared-bottom', { embeddingDim: 2, bottomUnits: [8], towerUnits: [] }), [
    { task: 'clean', kind: 'regression', offset: 0 },
    { task: 'noisy', kind: 'regression', offset: 0 },
  ], undefined, 2);
  const data = new MemorySource({ categorical: { a }, dense: { names: ['x'], values: x }, labels: { clean, noisy } });
  await new Trainer(model, trainConfig({ epochs: 8, batchSize: 100, optimizer: { type: 'adam', learningRate: 0.02 }, taskWeights: 'uncertainty', seed: 1 })).fit({ source: data, rows: range(n) });
  const s = (task: string) => model.params.dense.get(logVarianceName(task))!.data[0]!;
  console.log(`uncertainty weighting: log σ² clean ${s('clean').toFixed(3)}, noisy ${s('noisy').toFixed(3)} (optimum ln MSE: ln 0.01 = -4.6, ln 4 = 1.39)`);
  // Both start at 0; the noisy task's MSE stays near 4, so its s rises; the clean one's falls.
  assert.ok(s('noisy') > 0.5, `noisy s ${s('noisy')}`);
  assert.ok(s('clean') < -0.5, `clean s ${s('clean')}`);
});

test('per-task metrics every epoch, early stopping on a named task metric, metrics over present labels only', async () => {
  const model = mmoe();
  const trainer = new Trainer(model, trainConfig({ epochs: 3, batchSize: 64, optimizer: { type: 'adam', learningRate: 0.01 }, earlyStopping: { metric: 'rating.rmse', patience: 5 }, metrics: ['click.auc', 'rating.mae'] }));
  const train = { source: source(600, 1), rows: range(600) };
  const validation = { source: source(300, 2), rows: range(300) };
  const result = await trainer.fit(train, validation);
  assert.equal(result.history.length, 3);
  for (const record of result.history) {
    assert.deepEqual(Object.keys(record.validation), ['click.auc', 'rating.mae', 'rating.rmse']);
    for (const [k, v] of Object.entries(record.validation)) assert.ok(Number.isFinite(v), `${k} = ${v}`);
  }
  // A bare metric name means that metric for every task; no metrics, each head's defaults.
  assert.deepEqual(taskMetricNames(heads, ['mae']), ['click.mae', 'rating.mae']);
  assert.deepEqual(taskMetricNames(heads), ['click.auc', 'click.logloss', 'rating.rmse', 'rating.mae']);
  // rating.rmse over the validation rows with a rating equals the metric of those rows alone.
  const predictor = await Predictor.create(model, 1);
  const scored = await predictor.predict(validation.source, validation.rows, { task: 'rating' });
  let sum = 0;
  let count = 0;
  scored.labels!.forEach((y, i) => {
    if (Number.isNaN(y)) return;
    sum += (scored.predictions[i]! - y) ** 2;
    count++;
  });
  assert.equal(count, 200);
  assertClose(result.best['rating.rmse']!, Math.sqrt(sum / count), 1e-5, 'rmse over present labels');
  await predictor.release();
  await assert.rejects(() => new Trainer(mmoe(), trainConfig({ epochs: 1, earlyStopping: { metric: 'auc' } })).fit(train, validation), /click\.auc/);
  assert.throws(() => new Trainer(mmoe(), trainConfig({ metrics: ['like.auc'] })), /task 'like'/);
  const dnn = new RankingModel(spec, RankingModel.parseModelSpec('dnn', { hiddenUnits: [4] }), heads[0]!);
  assert.throws(() => new Trainer(dnn, trainConfig({ taskWeights: 'uncertainty' })), /multi-task/);
});

test('a single-logit model cannot take several heads; a multi-task model trains one head per task', () => {
  const dnn = new RankingModel(spec, RankingModel.parseModelSpec('dnn', { hiddenUnits: [4] }), heads);
  assert.throws(() => dnn.build('eval'), /one logit/);
  for (const type of ['shared-bottom', 'mmoe', 'ple']) {
    const built = new RankingModel(spec, RankingModel.parseModelSpec(type, { embeddingDim: 2, towerUnits: [] }), heads).build('eval');
    assert.deepEqual(Object.keys(built.predictions), ['prediction/click', 'prediction/rating'], type);
  }
});

test('a saved multi-task model keeps every head: same predictions per task after loading, one ONNX output per task', () =>
  withTempDir(async (dir) => {
  const model = mmoe(4, { towerUnits: [] });
  const data = source(200, 3);
  await new Trainer(model, trainConfig({ epochs: 1, batchSize: 50, optimizer: { type: 'adam', learningRate: 0.01 } })).fit({ source: data, rows: range(200) });
  await saveModel(join(dir, 'm'), model);
  const { model: loaded, manifest } = await loadModel(join(dir, 'm'));
  assert.deepEqual(manifest.heads, heads);
  const [before, after] = [await Predictor.create(model, 1), await Predictor.create(loaded, 1)];
  for (const head of ['click', 'rating']) {
    assert.deepEqual((await after.predict(data, range(50), { head })).predictions, (await before.predict(data, range(50), { head })).predictions, head);
  }
  await before.release();
  await after.release();
  const onnx = await OnnxSession.create(new Uint8Array(await readFile(join(dir, 'm', 'model.onnx'))), { threads: 1 });
  assert.deepEqual([...onnx.outputNames].sort(), ['prediction', 'prediction/click', 'prediction/rating']);
  await onnx.release();
  }));

test('missing label cells: NaN (masked) with several labels, an error naming the row with one label', () =>
  withTempDir(async (dir) => {
  await writeFile(join(dir, 'train.csv'), 'a,click,rating\nx,1,4\ny,,3\nx,0,\ny,1,5\n');
  const labels = [
    { column: 'click', kind: 'binary' },
    { column: 'rating', kind: 'regression' },
  ];
  const features = [{ name: 'a', type: 'categorical' }];
  const data = await loadTrainingData(parsePipelineConfig({ data: { train: 'train.csv' }, labels, features }), dir);
  const rows = data.train.source as unknown as { labels(task: string): Float32Array };
  assert.deepEqual(Array.from(rows.labels('click')), [1, NaN, 0, 1]);
  assert.deepEqual(Array.from(rows.labels('rating')), [4, 3, NaN, 5]);
  await assert.rejects(() => loadTrainingData(parsePipelineConfig({ data: { train: 'train.csv' }, label: labels[0], features }), dir), (error: Error) => error instanceof DataError && /missing label/.test(error.message) && error.location.row === 2 && error.location.field === 'click');
  }));

test('multi-task training is deterministic: the same seed gives the same per-task metrics', async () => {
  const history = async () => {
    const trainer = new Trainer(mmoe(9, { towerUnits: [] }), trainConfig({ epochs: 2, batchSize: 50, optimizer: { type: 'adam', learningRate: 0.01 }, taskWeights: 'uncertainty', seed: 4 }));
    return (await trainer.fit({ source: source(300, 1), rows: range(300) }, { source: source(100, 2), rows: range(100) })).history.map((h) => [h.trainLoss, h.validation]);
  };
  assert.deepEqual(await history(), await history());
});
