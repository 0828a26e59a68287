/**
 * The model-reading explanations on hand-set weights: integrated gradients of an `lr` model
 * against the closed form (and completeness on a trained DNN), cross-layer block norms of a
 * hand-set DCN kernel with its known layout, and AFM's attention means labelled by field pair.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FeatureSpec } from '../../src/data/batch.js';
import { EncodedDataset } from '../../src/data/encoded-dataset.js';
import { loadBundle } from '../../src/bundle/load-bundle.js';
import { loadWithPipeline } from '../../src/data/load-dataset.js';
import { attentionWeights } from '../../src/explain/attention-weights.js';
import { blockNorms, crossInputLayout, crossWeights } from '../../src/explain/cross-weights.js';
import { integratedGradients } from '../../src/explain/integrated-gradients.js';
import { Predictor } from '../../src/train/predict.js';
import { RankingModel } from '../../src/train/ranking-model.js';
import { Random } from '../../src/util/random.js';
import { withPermuted } from '../../src/explain/permutation-importance.js';
import * as tinyHistory from '../support/tiny-history.js';
import { explainFixtures, relevanceConfig, type ExplainFixtures } from './explain-fixtures.js';

const spec = (kind: 'binary' | 'regression'): FeatureSpec => ({
  categorical: [{ name: 'c1', cardinality: 3 }, { name: 'c2', cardinality: 4 }],
  multiValue: [],
  numeric: ['x', 'w'],
  tasks: [{ name: 'y', kind }],
});

/** `rows` rows of random ids and numeric values in [-2, 2). */
function randomRows(featureSpec: FeatureSpec, rows: number, seed: number): EncodedDataset {
  const rng = new Random(seed);
  return new EncodedDataset({
    spec: featureSpec,
    numRows: rows,
    categorical: new Map(featureSpec.categorical.map((c) => [c.name, Int32Array.from({ length: rows }, () => rng.int(c.cardinality))])),
    multiValue: new Map(),
    dense: Float32Array.from({ length: rows * featureSpec.numeric.length }, () => rng.uniform(-2, 2)),
    labels: new Map(featureSpec.tasks.map((t) => [t.name, Float32Array.from({ length: rows }, () => rng.int(2))])),
  });
}

function model(type: string, config: Record<string, unknown>, kind: 'binary' | 'regression'): RankingModel {
  const m = new RankingModel(spec(kind), RankingModel.parseModelSpec(type, config), { task: 'y', kind, offset: kind === 'regression' ? 0.25 : 0 });
  m.build('eval'); // creates the parameters, to be set by hand
  return m;
}

const setWeight = (m: RankingModel, name: string, values: readonly number[]) => m.params.dense.get(name)!.data.set(values);

let fixtures: ExplainFixtures;
before(async () => {
  fixtures = await explainFixtures();
});
after(() => fixtures.cleanup());

test('lr regression: attribution_j = w_j x_j exactly (zero baseline), and they sum to f(x) - f(0)', async () => {
  const m = model('lr', {}, 'regression');
  setWeight(m, 'linear/numeric', [0.7, -1.3]);
  setWeight(m, 'linear/bias', [0.5]);
  const data = randomRows(m.spec, 50, 1);
  const ig = (await integratedGradients(m, data, { steps: 8, threads: 1 }))!;
  for (let row = 0; row < 50; row++) {
    for (const [j, w] of [0.7, -1.3].entries()) assert.ok(Math.abs(ig.attributions[row * 2 + j]! - Math.fround(w) * data.dense[row * 2 + j]!) < 1e-5);
  }
  assert.ok(ig.summary.completenessError < 1e-5, `completeness ${ig.summary.completenessError}`);
  assert.match(ig.summary.baseline, /zero/);
  const gmf = model('gmf', { user: 'c1', item: 'c2' }, 'regression');
  assert.equal(await integratedGradients(gmf, data, { threads: 1 }), undefined, 'a model that reads no numeric input: absent');
});

test('lr binary: attribution_j = w_j x_j (σ(z1) - σ(z0)) / (z1 - z0) by the path integral along the logit', async () => {
  const m = model('lr', {}, 'binary');
  const w = [0.9, -0.6];
  setWeight(m, 'linear/numeric', w);
  setWeight(m, 'linear/bias', [0.2]);
  const data = randomRows(m.spec, 40, 2);
  const ig = (await integratedGradients(m, data, { steps: 64, threads: 1 }))!;
  const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
  const tables = m.params.allTensors();
  let worst = 0;
  for (let row = 0; row < 40; row++) {
    // z0: the row's categorical weights and the bias; z1 adds Σ w_j x_j.
    const z0 = 0.2 + tables.get('linear/c1')!.data[data.column('c1')[row]!]! + tables.get('linear/c2')!.data[data.column('c2')[row]!]!;
    const dz = w[0]! * data.dense[row * 2]! + w[1]! * data.dense[row * 2 + 1]!;
    const slope = (sigmoid(z0 + dz) - sigmoid(z0)) / dz;
    for (let j = 0; j < 2; j++) worst = Math.max(worst, Math.abs(ig.attributions[row * 2 + j]! - w[j]! * data.dense[row * 2 + j]! * slope));
  }
  console.log(`lr binary, 64 steps: worst attribution error vs closed form ${worst.toExponential(2)}, completeness ${ig.summary.completenessError.toExponential(2)}`);
  assert.ok(worst < 1e-4, `worst ${worst}`);
});

test('a trained DNN: completeness error below 1e-3 of the prediction range at 64 steps; the noise column gets little', async () => {
  const bundle = await loadBundle(await fixtures.bundle('dnn', relevanceConfig({ type: 'dnn', embeddingDim: 4, hiddenUnits: [16, 8] })));
  const { source } = await loadWithPipeline(bundle.pipeline, fixtures.scoreFile, process.cwd(), { requireLabels: true });
  const started = performance.now();
  const ig = (await integratedGradients(bundle.model, source, { steps: 64, threads: 1 }))!;
  const predictor = await Predictor.create(bundle.model, 1);
  const { predictions } = await predictor.predict(source, source.allRows());
  await predictor.release();
  const range = Math.max(...predictions) - Math.min(...predictions);
  const [x, w] = ig.summary.features;
  console.log(`dnn IG on ${source.numRows} rows, 64 steps: ${(performance.now() - started).toFixed(0)} ms; completeness ${ig.summary.completenessError.toExponential(2)} (prediction range ${range.toFixed(3)}); mean |attr| x ${x!.meanAbsAttribution.toFixed(4)}, w ${w!.meanAbsAttribution.toFixed(4)}`);
  assert.deepEqual(ig.summary.features.map((f) => f.feature), ['x', 'w']);
  assert.ok(ig.summary.completenessError < 1e-3 * range);
  assert.ok(x!.meanAbsAttribution > 5 * w!.meanAbsAttribution);
});

test('cross weights: block norms of a hand-set full-rank kernel, layout c1 c2 (2 columns each) then x, w', () => {
  const m = model('dcn-v2', { embeddingDim: 2, crossLayers: 1, hiddenUnits: [4] }, 'binary');
  const layout = crossInputLayout(m.spec, 2);
  assert.deepEqual(layout, [
    { feature: 'c1', start: 0, width: 2 },
    { feature: 'c2', start: 2, width: 2 },
    { feature: 'x', start: 4, width: 1 },
    { feature: 'w', start: 5, width: 1 },
  ]);
  assert.deepEqual(m.params.dense.get('cross_0/kernel')!.shape, [6, 6], 'the cross input is as wide as the layout');
  setWeight(m, 'cross_0/kernel', Array.from({ length: 36 }, (_, i) => i)); // k[r][c] = 6r + c
  const [cross] = crossWeights(m)!;
  assert.equal(cross!.layer, 'cross_0');
  assert.deepEqual(cross!.features, ['c1', 'c2', 'x', 'w']);
  const n = cross!.norms;
  const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} vs ${expected}`);
  close(n[0]![0]!, Math.sqrt(0 + 1 + 36 + 49));
  close(n[0]![2]!, Math.sqrt(16 + 100));
  close(n[2]![1]!, Math.sqrt(26 ** 2 + 27 ** 2));
  close(n[3]![3]!, 35);
  close(n[1]![3]!, Math.sqrt(17 ** 2 + 23 ** 2));
});

test('cross weights: low-rank U V and a DCN-Mix layer (sum of its experts V C U)', () => {
  const lowRank = model('dcn-v2', { embeddingDim: 2, crossLayers: 2, projectionDim: 1, hiddenUnits: [4] }, 'binary');
  setWeight(lowRank, 'cross_1/u_kernel', [1, 2, 0, 0, 3, 0]);
  setWeight(lowRank, 'cross_1/v_kernel', [1, 0, 0, 0, 2, -1]);
  const [first, second] = crossWeights(lowRank)!;
  assert.equal(first!.layer, 'cross_0');
  assert.deepEqual(second!.norms, [
    [Math.hypot(1, 2), 0, Math.hypot(2, 4), Math.hypot(1, 2)],
    [0, 0, 0, 0],
    [3, 0, 6, 3],
    [0, 0, 0, 0],
  ]);
  const mix = model('dcn-mix', { embeddingDim: 2, crossLayers: 1, numExperts: 2, lowRank: 1, hiddenUnits: [4] }, 'binary');
  for (const e of [0, 1]) {
    setWeight(mix, `cross_mix_0/expert_${e}/v_kernel`, e === 0 ? [1, 0, 0, 0, 0, 0] : [0, 0, 0, 0, 1, 0]);
    setWeight(mix, `cross_mix_0/expert_${e}/c_kernel`, [e === 0 ? 2 : 3]);
    setWeight(mix, `cross_mix_0/expert_${e}/u_kernel`, [0, 0, 0, 0, 0, 1]);
  }
  const [layer] = crossWeights(mix)!;
  assert.equal(layer!.layer, 'cross_mix_0');
  assert.equal(layer!.norms[0]![3], 2, 'expert 0: c1 -> w with 2');
  assert.equal(layer!.norms[2]![3], 3, 'expert 1: x -> w with 3');
  assert.equal(layer!.norms.flat().filter((v) => v !== 0).length, 2);
  assert.equal(crossWeights(model('dnn', {}, 'binary')), undefined, 'other models: absent');
  assert.throws(() => blockNorms([1, 2, 3], crossInputLayout(mix.spec, 2)), /6 x 6/);
});

test('AFM attention: one mean per field pair labelled a×b, summing to 1 like every row', async () => {
  const m = model('afm', { embeddingDim: 4 }, 'binary');
  const data = randomRows(m.spec, 30, 3);
  const [attention] = (await attentionWeights(m, data, 1))!;
  assert.equal(attention!.output, 'attention');
  assert.deepEqual(attention!.labels, ['c1×c2', 'c1×x', 'c1×w', 'c2×x', 'c2×w', 'x×w']);
  assert.ok(Math.abs(attention!.mean.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  const predictor = await Predictor.create(m, 1);
  const { values } = await predictor.explain(data, data.allRows(), 'attention');
  await predictor.release();
  for (let row = 0; row < 30; row++) assert.ok(Math.abs(values.subarray(row * 6, row * 6 + 6).reduce((a, b) => a + b, 0) - 1) < 1e-5);
  const mean0 = Array.from({ length: 30 }, (_, row) => values[row * 6]!).reduce((a, b) => a + b, 0) / 30;
  assert.ok(Math.abs(attention!.mean[0]! - mean0) < 1e-6);
  assert.equal(await attentionWeights(model('lr', {}, 'binary'), data, 1), undefined);
});

test('DIN: attention means per history position, integrated gradients through attention, a sequence permuted as whole rows', async () => {
  const m = new RankingModel(tinyHistory.spec(4), RankingModel.parseModelSpec('din', { embeddingDim: 4, history: 'history' }), tinyHistory.HEAD);
  m.build('eval');
  const data = tinyHistory.dataset(4);
  const [attention] = (await attentionWeights(m, data, 1))!;
  assert.deepEqual(attention!.labels, ['history[0]', 'history[1]', 'history[2]', 'history[3]']);
  const predictor = await Predictor.create(m, 1);
  const { values } = await predictor.explain(data, data.allRows(), 'attention');
  await predictor.release();
  attention!.mean.forEach((mean, k) => assert.ok(Math.abs(mean - (values[k]! + values[4 + k]! + values[8 + k]!) / 3) < 1e-6));
  assert.equal(attention!.mean[3], (values[11]! + 0 + 0) / 3, 'only the third row has a fourth item');
  const ig = (await integratedGradients(m, data, { steps: 64, threads: 1 }))!;
  assert.deepEqual(ig.summary.features.map((f) => f.feature), ['age']);
  assert.ok(ig.summary.completenessError < 1e-5, `completeness ${ig.summary.completenessError}`);
  const permuted = withPermuted(data, 'history', Int32Array.of(2, 0, 1));
  assert.deepEqual(Array.from(permuted.multiValue('history').ids), [2, 3, 5, 0, 1, 4, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(permuted.multiValue('history').mask), [1, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0]);
});
