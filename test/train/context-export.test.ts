/**
 * Serving graphs with context features (RankingModel.exportOnnx): every model type, fed the user
 * and the behaviour history once ([1] / [1, L]) with the candidates' features per row, predicts
 * what the per-row graph predicts when the user and history are repeated in every row.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MODEL_TYPES } from '../../src/models/registry.js';
import { assertAllClose } from './fixtures.js';
import { CONTEXT, ROWS, runGraph, zooFeeds, zooModel } from './model-zoo.js';

for (const type of MODEL_TYPES) {
  test(`${type}: user and history fed once predict what they predict repeated in every row`, async () => {
    const model = zooModel(type);
    const { perRow, once } = zooFeeds(11);
    const expected = await runGraph(model.exportOnnx(), perRow);
    const actual = await runGraph(model.exportOnnx({}, CONTEXT), once);
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
    for (const [name, values] of Object.entries(expected)) {
      assert.equal(actual[name]!.length, ROWS, name);
      assertAllClose(actual[name]!, values, 1e-6, `${type} ${name}`);
    }
    assert.ok(new Set(expected.prediction).size > 1, 'every row predicts the same: the check would be vacuous');
  });
}
