import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstRowPerId, retrievalRecall, retrieveTopK } from '../../src/train/retrieval.js';
import { MemorySource } from '../support/memory-source.js';

test('retrieveTopK: cosine or dot scoring, excluded items never above the others, ties by the lower index', async () => {
  const items = { data: Float32Array.of(1, 0, 0, 1, 2, 0, -1, 0), rows: 4, dim: 2 };
  const queries = { data: Float32Array.of(1, 0, 0, 1), rows: 2, dim: 2 };
  // Query 0 = [1, 0]: cosines [1, 0, 1, -1] -> items 0 and 2 tie at 1 (lower index first); dot prefers item 2.
  assert.deepEqual(Array.from(await retrieveTopK(queries, items, { k: 2, scorer: 'cosine' })), [0, 2, 1, 0]);
  assert.deepEqual(Array.from(await retrieveTopK(queries, items, { k: 2, scorer: 'dot' })), [2, 0, 1, 0]);
  // Excluding item 0 for query 0 and item 1 for query 1, in chunks of one query.
  assert.deepEqual(Array.from(await retrieveTopK(queries, items, { k: 2, scorer: 'cosine', exclude: [[0], [1]], chunk: 1 })), [2, 1, 0, 2]);
  await assert.rejects(retrieveTopK(queries, items, { k: 5, scorer: 'dot' }), /k = 5 exceeds the 4 items/);
});

test('retrievalRecall: hits over all relevant items, unretrievable ones count as misses, users without any skipped', () => {
  // k = 2. User 0 retrieved [3, 1], relevant {1, 4}: 1/2. User 1 retrieved [0, 2], relevant {2, -1 (not in the catalog)}: 1/2.
  // User 2 retrieved [1, 0], relevant {0}: 1. User 3 has none and is skipped. Mean = 2/3.
  const recall = retrievalRecall(Int32Array.of(3, 1, 0, 2, 1, 0, 0, 1), 2, [[1, 4], [2, -1], [0], []]);
  assert.ok(Math.abs(recall - 2 / 3) < 1e-12, `${recall}`);
});

test('firstRowPerId: each distinct id with its first row, ids ascending', () => {
  const source = new MemorySource({ categorical: { item: Int32Array.of(7, 3, 7, 5, 3) }, dense: { names: [], values: new Float32Array(0) }, labels: { y: new Float32Array(5) } });
  const { ids, rows } = firstRowPerId({ source, rows: Int32Array.of(4, 0, 1, 2, 3) }, 'item');
  assert.deepEqual(Array.from(ids), [3, 5, 7]);
  assert.deepEqual(Array.from(rows), [4, 3, 0]);
});
