/**
 * MovieLens 100K rating regression on the canonical u1 split (examples/movielens-100k.yaml, with
 * user demographics and genres joined in): DCN-v2 and DNN must reach test RMSE <= 0.97 and beat
 * the item-mean baseline (computed here from the same files) clearly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunConfig } from '../../src/train/run-config.js';
import { trainFromConfig } from '../../src/train/train-run.js';
import { exampleConfig, realDataSkip } from '../support/real-data.js';
import { itemMeanRmse } from '../support/item-mean-baseline.js';
import { repoRoot } from '../support/repo-root.js';

const skip = realDataSkip('ml-100k/u1.base');

for (const model of [{ type: 'dcn-v2' }, { type: 'dnn', embeddingDim: 16, hiddenUnits: [64, 32] }]) {
  test(`MovieLens 100K u1: ${model.type} test RMSE <= 0.97`, { skip, timeout: 300_000 }, async () => {
    const base = exampleConfig('movielens-100k.yaml');
    const config = parseRunConfig({ ...base, output: undefined, model: model.type === 'dcn-v2' ? base.model : model, train: { ...(base.train as object), threads: 1 } });
    const run = await trainFromConfig(config, { baseDir: repoRoot() });
    const baseline = itemMeanRmse();
    console.log(`movielens ${model.type}: test rmse ${run.test!.rmse!.toFixed(4)} mae ${run.test!.mae!.toFixed(4)} (item-mean baseline ${baseline.toFixed(4)})`);
    assert.ok(run.test!.rmse! <= 0.97, `RMSE ${run.test!.rmse}`);
    assert.ok(run.test!.rmse! <= baseline - 0.05, `RMSE ${run.test!.rmse} is not clearly below the item-mean baseline ${baseline}`);
  });
}
