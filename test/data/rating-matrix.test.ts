import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { RatingMatrix, readRatings } from '../../src/data/rating-matrix.js';
import { DataError } from '../../src/errors.js';
import { expectError, filesIn } from './fixtures.js';

// MovieLens u.data layout: user, item, rating, timestamp; blank lines are skipped.
const FILE = '7\t10\t4\t881250949\n7\t20\t2\t881250950\n\n9 10 5\n';

test('ratings become an item x user matrix with a mask, in order of first appearance', async () => {
  const dir = await filesIn({ 'u.base': FILE });
  const ratings = await readRatings(join(dir, 'u.base'));
  assert.deepEqual(ratings.map((r) => [r.user, r.item, r.rating, r.line]), [['7', '10', 4, 1], ['7', '20', 2, 2], ['9', '10', 5, 4]]);
  const matrix = new RatingMatrix(ratings);
  assert.deepEqual([...matrix.users], [['7', 0], ['9', 1]]);
  assert.deepEqual([...matrix.items], [['10', 0], ['20', 1]]);
  // Rows are items, columns users.
  assert.deepEqual(Array.from(matrix.values), [4, 5, 2, 0]);
  assert.deepEqual(Array.from(matrix.mask), [1, 1, 1, 0]);
  assert.equal(matrix.globalMean, 11 / 3);
  assert.deepEqual(Array.from(matrix.userMeans), [3, 5]);
  assert.deepEqual(Array.from(matrix.itemMeans), [4.5, 2]);

  const values = new Float32Array(4);
  const mask = new Float32Array(4);
  matrix.gatherRows([1, 0], 2, values, mask);
  assert.deepEqual(Array.from(values), [2, 0, 4, 5]);
  assert.deepEqual(Array.from(mask), [1, 0, 1, 1]);
});

test('malformed rating files name the file, line and field', async () => {
  const dir = await filesIn({
    'short.data': '1\t2\t3\t4\n1\t3\n',
    'long.data': '1 2 3 4 5\n',
    'rating.data': '1\t2\t3\n1\t3\tfive\n',
    'twice.data': '1\t2\t3\n1\t3\t4\n1\t2\t5\n',
    'empty.data': '\n\n',
  });
  await expectError(() => readRatings(join(dir, 'short.data')), { type: DataError, file: 'short.data', row: 2, field: 'item', message: /found 2 fields/ });
  await expectError(() => readRatings(join(dir, 'long.data')), { type: DataError, file: 'long.data', row: 1, message: /found 5 fields/ });
  await expectError(() => readRatings(join(dir, 'rating.data')), { type: DataError, file: 'rating.data', row: 2, field: 'rating', message: /'five'/ });
  await expectError(() => RatingMatrix.read(join(dir, 'twice.data')), { type: DataError, file: 'twice.data', row: 3, field: 'item', message: /again \(first on line 1\)/ });
  await expectError(() => readRatings(join(dir, 'empty.data')), { type: DataError, file: 'empty.data', message: /no ratings/ });
  await expectError(() => readRatings(join(dir, 'missing.data')), { type: DataError, file: 'missing.data', message: /not found/ });
});
