/**
 * Two-tower retrieval on MovieLens 100K, u1 split. Positives are ratings >= 4 (the label's
 * threshold); the model trains on the positive (user, item) pairs of u1.base with in-batch
 * softmax, then every user with a positive in u1.test gets the top K of all catalog items (the
 * items of u1.base) minus the items they rated in u1.base. Recall@K must beat the most-popular
 * baseline (items ranked by their number of positives in u1.base, same exclusions) by a margin
 * with log-q correction (the default); the uncorrected model is reported beside it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTrainingData, type DatasetSplit } from '../../src/data/load-dataset.js';
import { RankingModel } from '../../src/train/ranking-model.js';
import { Trainer } from '../../src/train/trainer.js';
import { TrainConfigSchema } from '../../src/train/train-config.js';
import { evaluateRetrieval, featureIds, firstRowPerId, retrievalRecall, retrieveTopK } from '../../src/train/retrieval.js';
import { exampleConfig, realDataSkip } from '../support/real-data.js';
import { repoRoot } from '../support/repo-root.js';

const skip = realDataSkip('ml-100k/u1.base');
const K = [20, 50];

async function movielens() {
  const base = exampleConfig('movielens-100k.yaml');
  const genres = (base.features as { name: string }[]).find((f) => f.name === 'genres');
  return loadTrainingData(
    {
      data: base.data,
      label: { column: 'rating', task: 'liked', kind: 'binary', threshold: 4 },
      features: [
        { name: 'user', type: 'categorical' },
        { name: 'age', type: 'numeric', transform: ['standardize'] },
        { name: 'gender', type: 'categorical' },
        { name: 'occupation', type: 'categorical' },
        { name: 'item', type: 'categorical' },
        genres,
      ],
    } as never,
    repoRoot(),
  );
}

function positives(split: DatasetSplit): DatasetSplit {
  const liked = split.source.labels('liked');
  return { source: split.source, rows: split.rows.filter((r) => liked[r] === 1) };
}

/** Most-popular baseline: items by their number of training positives, the same exclusions and Recall@K. */
async function popularityRecall(train: DatasetSplit, test: DatasetSplit, k: number): Promise<number> {
  const catalog = firstRowPerId(train, 'item');
  const itemIndex = new Map(Array.from(catalog.ids, (id, i) => [id, i]));
  const popularity = new Float32Array(catalog.ids.length);
  for (const item of featureIds(positives(train), 'item')) popularity[itemIndex.get(item)!]!++;
  const users = firstRowPerId(test, 'user');
  const userIndex = new Map(Array.from(users.ids, (id, i) => [id, i]));
  const lists = (set: DatasetSplit) => {
    const out = Array.from({ length: users.ids.length }, () => [] as number[]);
    const items = featureIds(set, 'item');
    featureIds(set, 'user').forEach((user, i) => out[userIndex.get(user) ?? -1]?.push(itemIndex.get(items[i]!) ?? -1));
    return out;
  };
  const ones = { data: new Float32Array(users.ids.length).fill(1), rows: users.ids.length, dim: 1 };
  const retrieved = await retrieveTopK(ones, { data: popularity, rows: catalog.ids.length, dim: 1 }, { k, scorer: 'dot', exclude: lists(train) });
  return retrievalRecall(retrieved, k, lists(test));
}

test('MovieLens 100K u1: two-tower Recall@K beats the most-popular baseline; log-q reported', { skip, timeout: 300_000 }, async () => {
  const data = await movielens();
  const train = positives(data.train);
  const test = positives(data.test!);
  const baseline: Record<number, number> = {};
  for (const k of K) baseline[k] = await popularityRecall(data.train, test, k);
  const results: Record<string, Record<number, number>> = {};
  for (const logQCorrection of [false, true]) {
    const started = performance.now();
    const spec = RankingModel.parseModelSpec('two-tower', {
      userFeatures: ['user', 'age', 'gender', 'occupation'],
      itemFeatures: ['item', 'genres'],
      embeddingDim: 32,
      hiddenUnits: [64],
      outputDim: 32,
      temperature: 0.1,
      logQCorrection,
    });
    const model = new RankingModel(data.pipeline.spec(), spec, { task: 'liked', kind: 'binary', offset: 0 }, undefined, 7);
    model.fitState(train);
    const trainer = new Trainer(model, TrainConfigSchema.parse({ epochs: 10, batchSize: 256, optimizer: { type: 'adam', learningRate: 0.003 }, seed: 7, threads: 1 }));
    const fit = await trainer.fit(train);
    const evaluation = await evaluateRetrieval(model, { train: data.train, test, userFeature: 'user', itemFeature: 'item', ks: K });
    results[logQCorrection ? 'log-q' : 'plain'] = evaluation.recall;
    console.log(
      `movielens two-tower${logQCorrection ? ' + log-q' : ''}: ${K.map((k) => `recall@${k} ${evaluation.recall[k]!.toFixed(4)}`).join(', ')} ` +
        `(most-popular ${K.map((k) => baseline[k]!.toFixed(4)).join(', ')}; ${evaluation.users} users, ${evaluation.items} items; ` +
        `train loss ${fit.history.map((h) => h.trainLoss.toFixed(3)).join(' ')}; ${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
  }
  // Without the correction in-batch softmax pushes popular items down (they are the most sampled
  // negatives) and loses to popularity; the assertion is on the default, corrected model.
  for (const k of K) assert.ok(results['log-q']![k]! >= baseline[k]! + 0.05, `recall@${k} ${results['log-q']![k]} does not beat most-popular ${baseline[k]} by 0.05`);
});
