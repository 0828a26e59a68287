import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { libfmColumnNames, readLibfm } from '../../src/data/libfm-reader.js';
import type { ColumnNeeds } from '../../src/data/raw-table.js';
import { DataError } from '../../src/errors.js';
import { expectError, filesIn } from './fixtures.js';

const FILE = '1 266:1 1244:1 5042:1\n-1 138:1 1296:1 5041:1\n\n-1 266:1 1694:0.5 5041:1\n';

function needs(names: string[], kind: 'string' | 'numeric' = 'string'): ColumnNeeds {
  return new Map(names.map((name) => [name, { kind: name === 'label' ? 'numeric' : kind }]));
}

test('libFM lines become label and f0..fn-1 with the index string as value', async () => {
  const dir = await filesIn({ 'a.libfm': FILE });
  const table = await readLibfm(join(dir, 'a.libfm'), { encoding: 'utf8', needs: needs(['label', 'f0', 'f1', 'f2']) });
  assert.equal(table.format, 'libfm');
  assert.equal(table.numRows, 3);
  assert.deepEqual(table.columnNames, ['label', 'f0', 'f1', 'f2']);
  assert.deepEqual(Array.from(table.numbers('label')), [1, -1, -1]);
  const f0 = table.strings('f0');
  assert.deepEqual(Array.from(f0.codes, (c) => f0.dictionary[c]), ['266', '138', '266']);
  const f1 = table.strings('f1');
  assert.deepEqual(Array.from(f1.codes, (c) => f1.dictionary[c]), ['1244', '1296', '1694']);
  assert.deepEqual(libfmColumnNames(2), ['label', 'f0', 'f1']);
});

test('only needed fields are stored; lines split across stream chunks parse whole', async () => {
  const lines = Array.from({ length: 20000 }, (_, i) => `${i % 2 ? 1 : -1} ${i}:1 ${i % 7}:1`).join('\n');
  const dir = await filesIn({ 'big.libfm': lines + '\n' });
  const table = await readLibfm(join(dir, 'big.libfm'), { encoding: 'utf8', needs: needs(['f0']) });
  assert.equal(table.numRows, 20000);
  assert.deepEqual(table.storedColumns(), ['f0']);
  const f0 = table.strings('f0');
  assert.equal(f0.dictionary.length, 20000);
  assert.equal(f0.dictionary[f0.codes[12345]!], '12345');
});

test('libFM errors name file, row and field', async () => {
  const dir = await filesIn({
    'ragged.libfm': '1 1:1 2:1\n0 1:1\n',
    'token.libfm': '1 1:1 2:1\n0 1:1 oops\n',
    'label.libfm': '1 1:1\nyes 2:1\n',
    'empty.libfm': '\n',
  });
  await expectError(() => readLibfm(join(dir, 'ragged.libfm'), { encoding: 'utf8', needs: needs(['f0']) }), {
    type: DataError,
    file: 'ragged.libfm',
    row: 2,
    field: 'f1',
  });
  await expectError(() => readLibfm(join(dir, 'token.libfm'), { encoding: 'utf8', needs: needs(['f1']) }), {
    type: DataError,
    file: 'token.libfm',
    row: 2,
    field: 'f1',
    message: /index:value.*'oops'/,
  });
  await expectError(() => readLibfm(join(dir, 'label.libfm'), { encoding: 'utf8', needs: needs(['label']) }), {
    type: DataError,
    file: 'label.libfm',
    row: 2,
    field: 'label',
    message: /'yes'/,
  });
  const unknown = await expectError(() => readLibfm(join(dir, 'label.libfm'), { encoding: 'utf8', needs: needs(['f3']) }), {
    type: DataError,
    file: 'label.libfm',
    field: 'f3',
  });
  assert.match(unknown.message, /available columns: label, f0/);
  await expectError(() => readLibfm(join(dir, 'empty.libfm'), { encoding: 'utf8', needs: needs([]) }), { type: DataError, row: 1, message: /no data rows/ });
  await expectError(() => readLibfm(join(dir, 'missing.libfm'), { encoding: 'utf8', needs: needs([]) }), { type: DataError, file: 'missing.libfm' });
});
