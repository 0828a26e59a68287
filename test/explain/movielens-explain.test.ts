/**
 * Real data, as in the keras-rs DCN tutorial: DCN-v2 on MovieLens 100K (u1 split, the shipped
 * example config), explained on u1.test. Item and user matter most, the multi-value genres and
 * the bucketized age are ablated as the pipeline encodes a missing value, and the strongest
 * cross-layer blocks are printed.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createBundle } from '../../src/bundle/create-bundle.js';
import { loadBundle } from '../../src/bundle/load-bundle.js';
import { loadWithPipeline } from '../../src/data/load-dataset.js';
import { explainBundle } from '../../src/explain/explain-bundle.js';
import { withMissing } from '../../src/explain/feature-ablation.js';
import { parseRunConfig } from '../../src/train/run-config.js';
import { trainFromConfig } from '../../src/train/train-run.js';
import { exampleConfig, realDataSkip, sharedData } from '../support/real-data.js';
import { repoRoot } from '../support/repo-root.js';

test('DCN-v2 on MovieLens 100K: importances and the strongest feature crosses', { skip: realDataSkip('ml-100k') }, async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'deeprank-explain-ml-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const started = performance.now();
  await trainFromConfig(parseRunConfig(exampleConfig('movielens-100k.yaml')), { baseDir: repoRoot(), outDir: join(root, 'model'), threads: 1 });
  const bundle = await loadBundle((await createBundle(join(root, 'model'), join(root, 'bundle'))).path);
  const trained = performance.now();
  const testFile = join(sharedData, 'ml-100k', 'u1.test');
  const explanation = await explainBundle(bundle, testFile, { threads: 1, seed: 1 });
  console.log(`train ${((trained - started) / 1000).toFixed(1)} s, explain ${explanation.rows} rows ${((performance.now() - trained) / 1000).toFixed(1)} s at 1 thread; test rmse ${explanation.metric.value.toFixed(4)}`);
  console.log('ablation drop', explanation.ablation.map((a) => `${a.group} ${a.drop.toFixed(4)}`).join(', '));
  console.log('permutation drop', explanation.permutation.map((p) => `${p.feature} ${p.drop.toFixed(4)}`).join(', '));

  assert.equal(explanation.metric.name, 'rmse');
  assert.equal(explanation.rows, 20_000);
  for (const table of [explanation.ablation.map((a) => [a.group, a.drop] as const), explanation.permutation.map((p) => [p.feature, p.drop] as const)]) {
    const ranked = [...table].sort((a, b) => b[1] - a[1]).map(([name]) => name);
    assert.deepEqual(ranked.slice(0, 2), ['item', 'user'], `item, then user: ${ranked}`);
  }

  const { source } = await loadWithPipeline(bundle.pipeline, testFile, process.cwd(), { requireLabels: true });
  const ablated = withMissing(source, bundle.pipeline, ['genres', 'age_bucket']);
  assert.ok(ablated.multiValue('genres').mask.every((m) => m === 0) && ablated.multiValue('genres').ids.every((id) => id === 0), 'genres: all padding');
  const fillBucket = bundle.pipeline.numericTransform('age_bucket').apply(Number.NaN);
  assert.ok(ablated.column('age_bucket').every((id) => id === fillBucket), `age: the bucket of the fill (${fillBucket})`);

  for (const { layer, features, norms } of explanation.crossWeights!) {
    const blocks = features.flatMap((row, i) => features.map((col, j) => ({ pair: `${row}×${col}`, norm: norms[i]![j]!, diagonal: i === j })));
    const strongest = blocks.filter((b) => !b.diagonal).sort((a, b) => b.norm - a.norm).slice(0, 5);
    console.log(`${layer} strongest blocks: ${strongest.map((b) => `${b.pair} ${b.norm.toFixed(3)}`).join(', ')}`);
    assert.ok(/user|item/.test(strongest[0]!.pair), `the strongest cross involves user or item: ${strongest[0]!.pair}`);
  }
});
