import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EncodedDataset } from '../../src/data/encoded-dataset.js';

/** 5 rows: id = 10 + row, two dense columns (row, -row), one multi-value of length 2, one task. */
function dataset(): EncodedDataset {
  const n = 5;
  return new EncodedDataset({
    spec: {
      categorical: [{ name: 'user', cardinality: 20 }],
      multiValue: [{ name: 'tags', cardinality: 9, maxLength: 2, pooling: 'mean' }],
      numeric: ['a', 'b'],
      tasks: [{ name: 'click', kind: 'binary' }],
    },
    numRows: n,
    categorical: new Map([['user', Int32Array.from({ length: n }, (_, i) => 10 + i)]]),
    multiValue: new Map([
      ['tags', { ids: Int32Array.from({ length: 2 * n }, (_, i) => (i % 2 ? 0 : i + 1)), mask: Float32Array.from({ length: 2 * n }, (_, i) => (i % 2 ? 0 : 1)), maxLength: 2 }],
    ]),
    dense: Float32Array.from({ length: 2 * n }, (_, i) => (i % 2 ? -(i >> 1) : i >> 1)),
    labels: new Map([['click', Float32Array.from({ length: n }, (_, i) => i % 2)]]),
  });
}

test('batches gather rows in the given order; the last batch is smaller', () => {
  const data = dataset();
  const batches = Array.from(data.batches(Int32Array.from([4, 1, 3, 0, 2]), 2, { reuseBuffers: false }));
  assert.deepEqual(batches.map((b) => b.size), [2, 2, 1]);
  const [first, , last] = batches;
  assert.deepEqual(Array.from(first!.categorical.get('user')!), [14, 11]);
  assert.deepEqual(Array.from(first!.dense), [4, -4, 1, -1]);
  assert.deepEqual(Array.from(first!.multiValue.get('tags')!.ids), [9, 0, 3, 0]);
  assert.deepEqual(Array.from(first!.multiValue.get('tags')!.mask), [1, 0, 1, 0]);
  assert.equal(first!.multiValue.get('tags')!.maxLength, 2);
  assert.deepEqual(Array.from(first!.labels.get('click')!), [0, 1]);
  assert.deepEqual(Array.from(last!.categorical.get('user')!), [12]);
  assert.equal(last!.dense.length, 2);
  assert.equal(last!.multiValue.get('tags')!.ids.length, 2);
});

test('by default one set of buffers is reused; each batch is exact-size', () => {
  const data = dataset();
  const seen: Int32Array[] = [];
  for (const batch of data.batches(Int32Array.from([0, 1, 2, 3, 4]), 2)) {
    const ids = batch.categorical.get('user')!;
    assert.equal(ids.length, batch.size);
    assert.deepEqual(Array.from(ids), Array.from({ length: batch.size }, (_, i) => 10 + seen.length * 2 + i));
    seen.push(ids);
  }
  assert.equal(seen[0]!.buffer, seen[1]!.buffer, 'reused buffer');
  assert.deepEqual(Array.from(seen[0]!), [14, 13], 'a kept batch is overwritten: 14 from the last batch, 13 from the second');
});

test('select copies rows; column, labels and errors', () => {
  const data = dataset();
  const picked = data.select(Int32Array.from([3, 1]));
  assert.equal(picked.numRows, 2);
  assert.deepEqual(Array.from(picked.column('user')), [13, 11]);
  assert.deepEqual(Array.from(picked.labels('click')), [1, 1]);
  assert.deepEqual(Array.from(picked.dense), [3, -3, 1, -1]);
  assert.equal(data.select(new Int32Array(0)).numRows, 0);
  assert.deepEqual(Array.from(data.allRows()), [0, 1, 2, 3, 4]);
  assert.throws(() => data.labels('conversion'), /no labels for task 'conversion'/);
  assert.throws(() => data.column('item'), /no categorical feature 'item'/);
  assert.throws(() => Array.from(data.batches(Int32Array.from([5]), 2)), /outside/);
  assert.throws(() => Array.from(data.batches(Int32Array.from([0]), 0)), /batchSize/);
  assert.equal(Array.from(data.batches(new Int32Array(0), 4)).length, 0);
});

test('withColumns replaces the given columns, shares the others, and checks sizes and names', () => {
  const data = dataset();
  const users = Int32Array.from([0, 0, 0, 0, 0]);
  const changed = data.withColumns({ categorical: new Map([['user', users]]) });
  const [batch] = changed.batches(Int32Array.from([3]), 1);
  assert.deepEqual(Array.from(batch!.categorical.get('user')!), [0]);
  assert.deepEqual(Array.from(batch!.dense), [3, -3]);
  assert.equal(changed.dense, data.dense, 'the dense block is shared, not copied');
  assert.equal(changed.labels('click'), data.labels('click'));
  assert.deepEqual(Array.from(data.column('user')), [10, 11, 12, 13, 14], 'the original is unchanged');
  const dense = new Float32Array(10).fill(7);
  assert.deepEqual(Array.from(data.withColumns({ dense }).dense), Array.from(dense));
  assert.throws(() => data.withColumns({ categorical: new Map([['item', users]]) }), /no categorical feature 'item'/);
  assert.throws(() => data.withColumns({ dense: new Float32Array(3) }), /dense has 3 values, expected 10/);
});
