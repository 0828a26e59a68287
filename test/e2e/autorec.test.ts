/**
 * I-AutoRec on MovieLens 100K, canonical u1 split: trained on u1.base, test RMSE on u1.test must
 * be <= 0.95 and clearly below the item-mean baseline. The settings were chosen on a 10% holdout
 * of u1.base, not on u1.test.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { RatingMatrix, readRatings } from '../../src/data/rating-matrix.js';
import { rmse } from '../../src/metrics/rmse.js';
import { AutoRec } from '../../src/models/autorec.js';
import { itemMeanRmse } from '../support/item-mean-baseline.js';
import { realDataSkip, sharedData } from '../support/real-data.js';

const skip = realDataSkip('ml-100k/u1.base');

test('MovieLens 100K u1: I-AutoRec test RMSE <= 0.95', { skip, timeout: 120_000 }, async () => {
  const started = performance.now();
  const train = await RatingMatrix.read(join(sharedData, 'ml-100k', 'u1.base'));
  const heldOut = await readRatings(join(sharedData, 'ml-100k', 'u1.test'));
  const model = new AutoRec({ hiddenUnits: 500, l2: 0.1 });
  const options = { epochs: 40, batchSize: 256, seed: 1, threads: 1, optimizer: { learningRate: 0.002 } };
  const history = await model.fit(train, options);
  const { predictions, unseenItems, unseenUsers } = await model.predict(train, heldOut, { threads: 1 });
  const testRmse = rmse(heldOut.map((r) => r.rating), predictions);
  const baseline = itemMeanRmse();
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `movielens autorec (hidden 500, l2 0.1, adam lr 0.002, batch 256 items, 40 epochs, seed 1, 1 thread): test rmse ${testRmse.toFixed(4)} ` +
      `(item-mean baseline ${baseline.toFixed(4)}); train loss ${history[0]!.toFixed(2)} -> ${history.at(-1)!.toFixed(2)}; ` +
      `${unseenItems} of ${heldOut.length} test ratings have an item unseen in u1.base (user-mean fallback), ${unseenUsers} an unseen user; ${seconds.toFixed(1)} s`,
  );
  assert.ok(testRmse <= 0.95, `RMSE ${testRmse}`);
  assert.ok(testRmse <= baseline - 0.05, `RMSE ${testRmse} is not clearly below the item-mean baseline ${baseline}`);
});
