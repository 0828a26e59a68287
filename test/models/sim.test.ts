/**
 * SIM on a hand-made batch: with K as long as the history, soft search keeps every behaviour and
 * SIM scores exactly as DIN with the same weights (the attention is order-free); hard search
 * attends only over the candidate's category and reports which positions it retrieved; the
 * served model agrees with the eval graph; bad configs are ConfigErrors naming the field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FeatureSpec } from '../../src/data/batch.js';
import { EncodedDataset } from '../../src/data/encoded-dataset.js';
import { OnnxSession } from '../../src/engine/runtime.js';
import { ParameterStore } from '../../src/engine/parameter-store.js';
import { RankingModel } from '../../src/train/ranking-model.js';
import { Predictor } from '../../src/train/predict.js';
import { ConfigError } from '../../src/errors.js';

const HEAD = { task: 'click', kind: 'binary' as const, offset: 0 };
const L = 4;
// Three rows: histories (most recent last) with each behaviour's category, then the candidate and its category.
const HISTORIES = [[1, 4, 2], [], [2, 3, 5, 1]];
const HISTORY_CATEGORIES = [[1, 2, 1], [], [1, 2, 2, 1]];
const CANDIDATES = [3, 1, 4];
const CANDIDATE_CATEGORIES = [1, 2, 2];

const SPEC: FeatureSpec = {
  categorical: [{ name: 'user', cardinality: 4 }, { name: 'item', cardinality: 6 }, { name: 'genre', cardinality: 3 }],
  multiValue: [],
  sequence: [
    { name: 'history', vocabularyOf: 'item', cardinality: 6, maxLength: L },
    { name: 'history_genre', vocabularyOf: 'genre', cardinality: 3, maxLength: L },
  ],
  numeric: [],
  tasks: [{ name: 'click', kind: 'binary' }],
};

function padded(lists: number[][]): { ids: Int32Array; mask: Float32Array; maxLength: number } {
  const ids = new Int32Array(3 * L);
  const mask = new Float32Array(3 * L);
  lists.forEach((h, r) => h.forEach((id, k) => ((ids[r * L + k] = id), (mask[r * L + k] = 1))));
  return { ids, mask, maxLength: L };
}

const DATA = new EncodedDataset({
  spec: SPEC,
  numRows: 3,
  categorical: new Map([['user', Int32Array.of(1, 2, 3)], ['item', Int32Array.from(CANDIDATES)], ['genre', Int32Array.from(CANDIDATE_CATEGORIES)]]),
  multiValue: new Map([['history', padded(HISTORIES)], ['history_genre', padded(HISTORY_CATEGORIES)]]),
  dense: new Float32Array(0),
  labels: new Map([['click', Float32Array.of(1, 0, 1)]]),
});
const ROWS = Int32Array.of(0, 1, 2);
const SHARED = { embeddingDim: 4, attentionUnits: [5], hiddenUnits: [6], activation: 'prelu', attentionActivation: 'prelu', history: 'history' };

async function predict(model: RankingModel, outputs: string[] = []) {
  const predictor = await Predictor.create(model, 1);
  const { predictions } = await predictor.predict(DATA, ROWS);
  const explained = await Promise.all(outputs.map((o) => predictor.explain(DATA, ROWS, o)));
  await predictor.release();
  return { predictions, explained };
}

test('SIM with soft search and K = L scores as DIN with the same weights (every behaviour kept, attention is order-free)', async () => {
  const params = new ParameterStore(5);
  // categories named so both models see the same other features (the category features are search keys only for SIM).
  const sim = new RankingModel(SPEC, RankingModel.parseModelSpec('sim', { ...SHARED, search: 'soft', topK: L, categories: 'history_genre' }), HEAD, params);
  const a = await predict(sim);
  const dinSpec: FeatureSpec = { ...SPEC, categorical: SPEC.categorical.filter((f) => f.name !== 'genre'), sequence: [SPEC.sequence![0]!] };
  const din = new RankingModel(dinSpec, RankingModel.parseModelSpec('din', SHARED), HEAD, params);
  const b = await predict(din);
  a.predictions.forEach((p, i) => assert.ok(Math.abs(p - b.predictions[i]!) < 1e-6, `row ${i}: sim ${p} vs din ${b.predictions[i]}`));
});

test('SIM hard search attends only over the candidate\'s category; retrieved positions and weights through explain; served = eval', async () => {
  const model = new RankingModel(SPEC, RankingModel.parseModelSpec('sim', { ...SHARED, search: 'hard', topK: 2, categories: 'history_genre' }), HEAD, new ParameterStore(3));
  const { predictions, explained } = await predict(model, ['attention', 'retrieved']);
  const [attention, retrieved] = explained as [NonNullable<(typeof explained)[0]>, NonNullable<(typeof explained)[0]>];
  assert.deepEqual(attention.labels, ['history@0', 'history@1']);
  // Row 0 (category 1): positions 2 then 0. Row 1: empty history. Row 2 (category 2): positions 2 then 1.
  assert.deepEqual(Array.from(retrieved.values).filter((_, i) => i < 2 || i >= 4), [2, 0, 2, 1]);
  assert.deepEqual([attention.values[2], attention.values[3]], [0, 0], 'nothing retrieved for the empty history');
  for (const i of [0, 1, 4, 5]) assert.notEqual(attention.values[i], 0);

  const session = await OnnxSession.create(model.exportOnnx(), { threads: 1 });
  const [batch] = DATA.batches(ROWS, 3);
  const ids = (values: ArrayLike<number>, shape: number[]) => ({ data: BigInt64Array.from(Array.from(values), (v) => BigInt(v)), shape });
  const feeds: Record<string, { data: BigInt64Array | Float32Array; shape: number[] }> = {};
  for (const name of ['user', 'item', 'genre']) feeds[name] = ids(batch!.categorical.get(name)!, [3]);
  for (const name of ['history', 'history_genre']) {
    const seq = batch!.multiValue.get(name)!;
    feeds[name] = ids(seq.ids, [3, L]);
    feeds[`${name}_mask`] = { data: seq.mask, shape: [3, L] };
  }
  const wanted = new Set(session.inputNames);
  const out = await session.run(Object.fromEntries(Object.entries(feeds).filter(([k]) => wanted.has(k))));
  await session.release();
  Array.from(out.prediction as Float32Array).forEach((p, i) => assert.ok(Math.abs(p - predictions[i]!) < 1e-6, `served ${p} vs eval ${predictions[i]}`));
});

test('SIM with recent: the R most recent attended apart, the search over the older ones', async () => {
  const model = new RankingModel(SPEC, RankingModel.parseModelSpec('sim', { ...SHARED, search: 'soft', recent: 2, topK: 2 }), HEAD, new ParameterStore(4));
  const { explained } = await predict(model, ['recent_attention', 'attention', 'retrieved']);
  const [recent, searched, retrieved] = explained as NonNullable<(typeof explained)[0]>[];
  assert.deepEqual(recent!.labels, ['history@recent0', 'history@recent1']);
  assert.deepEqual(retrieved!.labels, ['history@recent0', 'history@recent1', 'history@0', 'history@1']);
  const positions = Array.from(retrieved!.values);
  // Row 0 (3 behaviours): recent 1, 2, then the one older (0) and nothing. Row 2 (4): recent 2, 3, then 0 and 1 in some order.
  assert.deepEqual(positions.slice(0, 3), [1, 2, 0]);
  assert.deepEqual(positions.slice(8, 10), [2, 3]);
  assert.deepEqual(positions.slice(10, 12).sort(), [0, 1]);
  assert.equal(searched!.values[1], 0, 'row 0 has one older behaviour: the second searched slot is masked');
  assert.notEqual(searched!.values[0], 0);
  for (const i of [0, 1]) assert.notEqual(recent!.values[i], 0);
});

test('SIM config errors name the field: hard search without categories, topK beyond the history, a non-sequence', () => {
  const build = (config: Record<string, unknown>) => () => new RankingModel(SPEC, RankingModel.parseModelSpec('sim', { ...SHARED, ...config }), HEAD).evalGraph();
  const field = (name: string, pattern: RegExp) => (e: unknown) => e instanceof ConfigError && e.location.field === name && pattern.test(e.message);
  assert.throws(build({ search: 'hard' }), field('model.categories', /hard search needs/));
  assert.throws(build({ topK: 5 }), field('model.topK', /0 recent \+ 5 searched exceed the history's maxLength 4/));
  assert.throws(build({ categories: 'genre' }), field('model.categories', /'genre' is not a sequence feature/));
  assert.throws(() => RankingModel.parseModelSpec('sim', { search: 'fuzzy' }), /search/);
});
