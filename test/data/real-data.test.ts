/**
 * Loads the real MovieLens 100K and Frappe files from ../shared/data (relative to the repo
 * root). Skipped, with the reason printed, when that folder is absent (a fresh clone).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readPipelineConfig } from '../../src/data/data-config.js';
import { loadTrainingData } from '../../src/data/load-dataset.js';
import { repoRoot } from '../support/repo-root.js';

const root = repoRoot();
const sharedData = join(root, '..', 'shared', 'data');
const skip = existsSync(sharedData) ? false : `real data not found at ${sharedData} (../shared/data relative to the repo root)`;
if (skip) console.log(`skipping real-data tests: ${skip}`);

test('MovieLens 100K u1.base joined with u.user and u.item', { skip }, async () => {
  const config = await readPipelineConfig(join(root, 'examples', 'movielens-100k.yaml'));
  const started = performance.now();
  const data = await loadTrainingData(config, root);
  const seconds = (performance.now() - started) / 1000;
  assert.equal(data.train.rows.length, 80000);
  assert.equal(data.test!.rows.length, 20000);
  assert.equal(data.validation, undefined);
  console.log(`loading took ${seconds.toFixed(2)} s`);

  const spec = data.pipeline.spec();
  assert.deepEqual(spec.categorical.map((c) => c.name), ['user', 'item', 'gender', 'age_bucket', 'occupation', 'zip_prefix']);
  assert.deepEqual(spec.multiValue.map((m) => [m.name, m.cardinality, m.maxLength]), [['genres', 20, 6]]);
  assert.deepEqual(spec.tasks, [{ name: 'rating', kind: 'regression' }]);
  const cardinality = Object.fromEntries(spec.categorical.map((c) => [c.name, c.cardinality]));
  assert.equal(cardinality.user, 944); // 943 users + OOV
  assert.equal(cardinality.gender, 3);
  assert.equal(cardinality.age_bucket, 7);
  assert.equal(cardinality.occupation, 22); // 21 occupations + OOV

  const train = data.train.source;
  const ratings = train.labels('rating');
  assert.ok(ratings.every((r) => r >= 1 && r <= 5));
  // every training row joined (no OOV user attributes) and every movie has a genre
  for (const name of ['gender', 'occupation', 'zip_prefix']) assert.ok(!train.column(name).includes(0), name);
  const genres = train.multiValue('genres');
  for (let row = 0; row < train.numRows; row++) assert.equal(genres.mask[row * 6], 1);

  // with a validation split of the train file: 72,000 / 8,000
  const split = await loadTrainingData({ ...config, data: { ...config.data, split: { validation: 0.1, test: 0.1, seed: 2026 } } }, root);
  assert.deepEqual([split.train.rows.length, split.validation!.rows.length, split.test!.source.numRows], [72000, 8000, 20000]);
});

test('Frappe libFM: 57,722 rows, 10 fields, labels in {0, 1}', { skip }, async () => {
  const config = await readPipelineConfig(join(root, 'examples', 'frappe.yaml'));
  const started = performance.now();
  const data = await loadTrainingData(config, root);
  const seconds = (performance.now() - started) / 1000;
  console.log(`loading took ${seconds.toFixed(2)} s`);
  const source = data.train.source;
  assert.equal(source.numRows, 57722);
  assert.deepEqual([data.train.rows.length, data.validation!.rows.length, data.test!.rows.length], [46178, 5772, 5772]);
  assert.equal(data.pipeline.spec().categorical.length, 10);
  const labels = source.labels('click');
  let positives = 0;
  for (const y of labels) {
    assert.ok(y === 0 || y === 1);
    positives += y;
  }
  // 2 sampled negatives per positive
  assert.ok(Math.abs(positives / labels.length - 1 / 3) < 0.01, `positive rate ${positives / labels.length}`);
});
