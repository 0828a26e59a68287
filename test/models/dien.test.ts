/**
 * DIEN on a hand-made batch: padding appended to the history changes no prediction (eval and
 * served); the attention is a softmax over the real behaviours; the auxiliary loss and its sampled
 * negatives exist only in the training graph, read the history's table and move training; the
 * trainer's negatives are seeded, never padding, never the behaviour they stand against.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParameterStore } from '../../src/engine/parameter-store.js';
import { RankingModel } from '../../src/train/ranking-model.js';
import { Trainer } from '../../src/train/trainer.js';
import { TrainConfigSchema } from '../../src/train/train-config.js';
import { withSampledNegatives } from '../../src/train/sampled-negatives.js';
import { Random } from '../../src/util/random.js';
import { ConfigError } from '../../src/errors.js';
import { dataset, HEAD, HISTORIES, ITEMS, predictWithAttention, ROWS, served, spec } from '../support/tiny-history.js';

const CONFIG = { embeddingDim: 4, hiddenUnits: [6], activation: 'prelu' };

for (const evolution of ['augru', 'aigru', 'agru'] as const) {
  test(`DIEN (${evolution}): appending padding changes no prediction (eval and served); attention is a softmax over the real behaviours`, async () => {
    const config = RankingModel.parseModelSpec('dien', { ...CONFIG, evolution });
    const params = new ParameterStore(3);
    const short = new RankingModel(spec(3), config, HEAD, params);
    const long = new RankingModel(spec(7), config, HEAD, params);
    const a = await predictWithAttention(short, 3);
    const b = await predictWithAttention(long, 7);
    a.predictions.forEach((p, i) => assert.ok(Math.abs(p - b.predictions[i]!) < 1e-6, `row ${i}: ${p} vs ${b.predictions[i]}`));
    const servedLong = await served(long, dataset(7), 7);
    servedLong.forEach((p, i) => assert.ok(Math.abs(p - a.predictions[i]!) < 1e-6, `served ${p} vs eval ${a.predictions[i]}`));
    assert.deepEqual(b.attention.labels, Array.from({ length: 7 }, (_, k) => `history[${k}]`));
    HISTORIES.forEach((h, r) => {
      const weights = Array.from(b.attention.values.subarray(r * 7, r * 7 + 7));
      weights.slice(h.length).forEach((w) => assert.equal(w, 0));
      const total = weights.reduce((s, w) => s + w, 0);
      // An empty history attends to nothing.
      assert.ok(Math.abs(total - (h.length > 0 ? 1 : 0)) < 1e-6, `row ${r}: weights sum to ${total}`);
    });
  });
}

test('DIEN: the negatives are a training-graph lookup of the history\'s table; eval and export have neither them nor the auxiliary loss', () => {
  const model = (auxiliaryWeight: number) => new RankingModel(spec(3), RankingModel.parseModelSpec('dien', { ...CONFIG, auxiliaryWeight }), HEAD, new ParameterStore(1));
  const train = model(1).build('train').ctx.lookups.filter((l) => l.table === 'emb/item');
  assert.deepEqual(
    train.map((l) => [l.feature, l.table, l.negativesOf]),
    [['history', 'emb/item', undefined], ['item', 'emb/item', undefined], ['history#negatives', 'emb/item', 'history']],
  );
  assert.ok(!model(0).build('train').ctx.lookups.some((l) => l.negativesOf));
  assert.ok(!model(1).build('eval').ctx.lookups.some((l) => l.negativesOf));
  assert.ok(!model(1).build('export').graph.inputs.some((i) => i.name.includes('negatives')));
});

async function trained(auxiliaryWeight: number, seed = 5): Promise<Map<string, Float32Array>> {
  const model = new RankingModel(spec(3), RankingModel.parseModelSpec('dien', { ...CONFIG, auxiliaryWeight }), HEAD, undefined, 1);
  await new Trainer(model, TrainConfigSchema.parse({ epochs: 3, batchSize: 2, optimizer: { type: 'adam', learningRate: 0.05 }, threads: 1, seed })).fit({ source: dataset(3), rows: ROWS });
  return model.params.snapshot();
}

test('DIEN training: same seed, same weights; the auxiliary loss changes the training', async () => {
  const [a, b, without] = [await trained(1), await trained(1), await trained(0)];
  assert.deepEqual([...a.keys()], [...b.keys()]);
  for (const [name, values] of a) assert.deepEqual(Array.from(values), Array.from(b.get(name)!), name);
  const interest = (m: Map<string, Float32Array>) => Array.from(m.get('interest_extractor/kernel')!);
  assert.notDeepEqual(interest(a), interest(without));
});

test('sampled negatives: seeded, 0 and masked at padding, never 0 or the behaviour at the same position, spread over the table', () => {
  const data = dataset(4);
  const [batch] = data.batches(ROWS, 3);
  const lookups = [{ input: 'rows/emb/item/history#negatives', table: 'emb/item', feature: 'history#negatives', maxLength: 4, negativesOf: 'history' }];
  const sample = (seed: number) => withSampledNegatives(batch!, lookups, () => ITEMS, new Random(seed)).multiValue.get('history#negatives')!;
  const history = batch!.multiValue.get('history')!;
  const seen = new Set<number>();
  for (let round = 0; round < 50; round++) {
    const { ids, mask } = sample(round);
    assert.equal(mask, history.mask);
    ids.forEach((id, i) => {
      if (history.mask[i] === 0) return assert.equal(id, 0);
      assert.ok(id >= 1 && id < ITEMS && id !== history.ids[i], `position ${i}: negative ${id} for behaviour ${history.ids[i]}`);
      seen.add(id);
    });
  }
  assert.deepEqual([...seen].sort(), [1, 2, 3, 4, 5]);
  assert.deepEqual(Array.from(sample(9).ids), Array.from(sample(9).ids));
  assert.equal(withSampledNegatives(batch!, [], () => ITEMS, new Random(1)), batch, 'no negatives asked: the batch as is');
});

test('DIEN needs a history of at least 2 (ConfigError naming model.history)', () => {
  assert.throws(() => new RankingModel(spec(1), RankingModel.parseModelSpec('dien', CONFIG), HEAD).evalGraph(), (e: unknown) => e instanceof ConfigError && e.location.field === 'model.history');
  assert.throws(() => RankingModel.parseModelSpec('dien', { evolution: 'gru' }), ConfigError);
});
