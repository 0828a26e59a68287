/**
 * Cold start on MovieLens 100K (u.data, examples/movielens-100k.yaml features, binary task
 * rating >= 4): 10% of the users (seeded) are held out entirely, so at test time their user id is
 * the OOV id 0 and only demographics, item and genres describe them. The remaining users' ratings
 * are split 90/10 (seeded) into train and a known-user test. DCN-v2 is trained without and with
 * user-id dropout (train.featureDropout) and scored by AUC on both test sets; an item-popularity
 * baseline (fraction of the item's training ratings >= 4) is scored on both too.
 *
 * Measured (split seed 2026: 81,527 train rows, 9,044 known-user and 9,429 unseen-user test rows
 * of 94 users; dcn-v2 as in the example, 4 epochs, adam 1e-3, batch 1024, threads 1; mean of
 * seeds 2026 and 1):
 *                          known AUC   unseen AUC   unseen gAUC (per user)
 *   item popularity          0.7161      0.7144       0.7139
 *   no dropout               0.7816      0.7147       0.7177
 *   user-id dropout 0.3      0.7800      0.7045       0.7173
 * User-id dropout does NOT help unseen users here: pooled AUC drops by about 0.01 (also with
 * p = 0.1 and 0.5, at 10 epochs, with another split seed, and with zip_prefix dropped too), their
 * per-user ranking is unchanged, and known users lose about 0.002. A likely reason: the
 * demographics (zip prefix, age, gender, occupation) are nearly a user id themselves, and the
 * untrained OOV row (uniform ±0.05) is already close to a neutral user. Asserted: what holds in
 * every run — models beat item popularity on known users, unseen users are clearly harder,
 * dropout moves known-user AUC and unseen-user gAUC by less than 0.005 — and the finding itself
 * (dropout does not raise unseen-user AUC by more than 0.002), so a change that makes it help
 * shows up here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { columnNeeds } from '../../src/data/column-needs.js';
import { FeaturePipeline } from '../../src/data/feature-pipeline.js';
import { readTable } from '../../src/data/table-reader.js';
import { auc, gauc } from '../../src/metrics/index.js';
import { Predictor } from '../../src/train/predict.js';
import { parseRunConfig } from '../../src/train/run-config.js';
import { trainOnData } from '../../src/train/train-run.js';
import { Random } from '../../src/util/random.js';
import { exampleConfig, realDataSkip } from '../support/real-data.js';
import { repoRoot } from '../support/repo-root.js';

const skip = realDataSkip('ml-100k/u.data');
const SPLIT_SEED = 2026;
const TRAIN_SEEDS = [2026, 1];

interface Scores {
  auc: number;
  gauc: number;
}

function runConfig(featureDropout?: Record<string, number>, seed = TRAIN_SEEDS[0]!) {
  const base = exampleConfig('movielens-100k.yaml');
  const { test: _test, ...data } = base.data as Record<string, unknown>;
  return parseRunConfig({
    ...base,
    output: undefined,
    data: { ...data, train: '../shared/data/ml-100k/u.data' },
    label: { column: 'rating', task: 'like', kind: 'binary', threshold: 4 },
    train: { ...(base.train as object), epochs: 4, metrics: ['auc'], threads: 1, seed, ...(featureDropout ? { featureDropout } : {}) },
  });
}

/** Rows of u.data: train, known-user test, and the rows of the held-out (unseen) users. */
function coldStartSplit(userCodes: Int32Array): { train: Int32Array; known: Int32Array; unseen: Int32Array } {
  const rng = new Random(SPLIT_SEED);
  const users = [...new Set(userCodes)].sort((a, b) => a - b);
  const heldOut = new Set(rng.shuffle(users.slice()).slice(0, Math.round(users.length * 0.1)));
  const train: number[] = [];
  const known: number[] = [];
  const unseen: number[] = [];
  userCodes.forEach((user, row) => (heldOut.has(user) ? unseen : rng.next() < 0.1 ? known : train).push(row));
  return { train: Int32Array.from(train), known: Int32Array.from(known), unseen: Int32Array.from(unseen) };
}

test('MovieLens 100K cold start: user-id dropout and AUC on users unseen in training', { skip, timeout: 180_000 }, async () => {
  const started = performance.now();
  const { pipeline: pipelineConfig } = runConfig();
  const { data, features, labels } = pipelineConfig;
  const read = { format: data.format, header: data.header, ...(data.columns ? { columns: data.columns } : {}), delimiter: data.delimiter, encoding: data.encoding, joins: data.joins };
  const table = await readTable(data.train, read, columnNeeds(features, labels), repoRoot());
  const userCodes = table.strings('user').codes;
  const split = coldStartSplit(userCodes);
  // Fitted on the training rows only: held-out users are out of the vocabulary, as at serving.
  const pipeline = FeaturePipeline.fit({ features, labels, data: read }, table, split.train);
  const dataset = pipeline.transform(table, { requireLabels: true });
  const userIds = dataset.column('user');
  assert.ok(split.unseen.every((r) => userIds[r] === 0), 'a held-out user has a vocabulary id');
  assert.ok(split.known.every((r) => userIds[r] !== 0), 'a known-test user is out of the vocabulary');
  const likes = dataset.labels('like');
  // AUC pooled over a test set's rows, and per-user AUC (gAUC, grouped by the raw user: unseen users all share id 0).
  const scoresOf = (rows: Int32Array, scores: ArrayLike<number>): Scores => {
    const y = Array.from(rows, (r) => likes[r]!);
    return { auc: auc(y, scores), gauc: gauc(y, scores, Array.from(rows, (r) => userCodes[r]!)) };
  };

  // Item popularity baseline: the (smoothed) fraction of an item's training ratings that are likes.
  const itemIds = dataset.column('item');
  const items = dataset.spec.categorical.find((c) => c.name === 'item')!.cardinality;
  const [likeCount, count] = [new Float64Array(items), new Float64Array(items)];
  for (const r of split.train) {
    likeCount[itemIds[r]!]! += likes[r]!;
    count[itemIds[r]!]! += 1;
  }
  const popularity = (rows: Int32Array) => scoresOf(rows, Array.from(rows, (r) => (likeCount[itemIds[r]!]! + 0.5) / (count[itemIds[r]!]! + 1)));
  const baseline = { known: popularity(split.known), unseen: popularity(split.unseen) };
  console.log(`cold start split: ${split.train.length} train rows, ${split.known.length} known-user test rows, ${split.unseen.length} rows of ${new Set(Array.from(split.unseen, (r) => userCodes[r])).size} unseen users`);
  console.log(`item-popularity baseline: known users AUC ${baseline.known.auc.toFixed(4)} gAUC ${baseline.known.gauc.toFixed(4)}; unseen users AUC ${baseline.unseen.auc.toFixed(4)} gAUC ${baseline.unseen.gauc.toFixed(4)}`);

  const mean = (runs: { known: Scores; unseen: Scores }[]) => {
    const avg = (pick: (r: { known: Scores; unseen: Scores }) => number) => runs.reduce((s, r) => s + pick(r), 0) / runs.length;
    return { known: { auc: avg((r) => r.known.auc), gauc: avg((r) => r.known.gauc) }, unseen: { auc: avg((r) => r.unseen.auc), gauc: avg((r) => r.unseen.gauc) } };
  };
  const results: Record<string, { known: Scores; unseen: Scores }> = {};
  for (const [name, featureDropout] of [['none', undefined], ['user 0.3', { user: 0.3 }]] as const) {
    const runs = [];
    for (const seed of TRAIN_SEEDS) {
      const t0 = performance.now();
      const config = runConfig(featureDropout, seed);
      const run = await trainOnData({ pipeline, train: { source: dataset, rows: split.train } }, config, {});
      const predictor = await Predictor.create(run.model, 1);
      const score = async (rows: Int32Array) => scoresOf(rows, (await predictor.predict(dataset, rows)).predictions);
      const measured = { known: await score(split.known), unseen: await score(split.unseen) };
      await predictor.release();
      runs.push(measured);
      console.log(`feature dropout ${name}, seed ${seed}: known users AUC ${measured.known.auc.toFixed(4)} gAUC ${measured.known.gauc.toFixed(4)}; unseen users AUC ${measured.unseen.auc.toFixed(4)} gAUC ${measured.unseen.gauc.toFixed(4)} (dcn-v2, ${config.train.epochs} epochs, ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
    results[name] = mean(runs);
  }
  const [none, dropped] = [results['none']!, results['user 0.3']!];
  console.log(`mean over seeds ${TRAIN_SEEDS.join(', ')}: no dropout known AUC ${none.known.auc.toFixed(4)}, unseen AUC ${none.unseen.auc.toFixed(4)} gAUC ${none.unseen.gauc.toFixed(4)}; user dropout 0.3 known AUC ${dropped.known.auc.toFixed(4)}, unseen AUC ${dropped.unseen.auc.toFixed(4)} gAUC ${dropped.unseen.gauc.toFixed(4)}`);
  console.log(`feature dropout e2e: ${((performance.now() - started) / 1000).toFixed(1)} s in all`);

  for (const [name, r] of Object.entries(results)) {
    assert.ok(r.known.auc >= baseline.known.auc + 0.04, `${name}: known-user AUC ${r.known.auc} is not clearly above item popularity ${baseline.known.auc}`);
    assert.ok(r.unseen.auc <= r.known.auc - 0.04, `${name}: unseen users (${r.unseen.auc}) should be clearly harder than known ones (${r.known.auc})`);
  }
  // Dropout costs known users little, and does not change how a cold-start user's own items are ranked.
  assert.ok(Math.abs(dropped.known.auc - none.known.auc) < 0.005, `known-user AUC moved from ${none.known.auc} to ${dropped.known.auc}`);
  assert.ok(Math.abs(dropped.unseen.gauc - none.unseen.gauc) < 0.005, `unseen-user gAUC moved from ${none.unseen.gauc} to ${dropped.unseen.gauc}`);
  // The finding, as measured (see the header): user-id dropout does not improve the pooled AUC on unseen users.
  assert.ok(dropped.unseen.auc <= none.unseen.auc + 0.002, `user-id dropout now helps unseen users (${none.unseen.auc} -> ${dropped.unseen.auc}): update the finding`);
});
