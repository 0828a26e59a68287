import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseWithSchema, DataConfigSchema, type DataConfigInput } from '../../src/data/data-config.js';
import type { ColumnNeeds, RawTable } from '../../src/data/raw-table.js';
import { readTable } from '../../src/data/table-reader.js';
import { DataError } from '../../src/errors.js';
import { expectError, filesIn } from './fixtures.js';

const FILES = {
  'ratings.base': '1\t10\t5\t100\n2\t20\t3\t101\n3\t10\t4\t102\n1\t30\t1\t103\n',
  'u.user': '1|24|M|technician|85711\n2|53|F|other|94043\n',
  'u.item': Buffer.from('10|Café|0|1\n20|Señor|1|1\n', 'latin1'),
};

const DATA: DataConfigInput = {
  train: 'ratings.base',
  format: 'tsv',
  columns: ['user', 'item', 'rating', 'timestamp'],
  joins: [
    { file: 'u.user', on: 'user', columns: ['user_id', 'age', 'gender', 'occupation', 'zip'], delimiter: '|' },
    { file: 'u.item', on: 'item', columns: ['item_id', 'title', 'Action', 'Comedy'], delimiter: '|', encoding: 'latin1' },
  ],
};

function needs(spec: Record<string, 'string' | 'numeric'>): ColumnNeeds {
  return new Map(Object.entries(spec).map(([name, kind]) => [name, { kind }]));
}

const strings = (table: RawTable, name: string) => {
  const { codes, dictionary } = table.strings(name);
  return Array.from(codes, (c) => (c < 0 ? null : dictionary[c]));
};

async function read(data: DataConfigInput, spec: Record<string, 'string' | 'numeric'>, files: Record<string, string | Uint8Array> = FILES) {
  const dir = await filesIn(files);
  const config = parseWithSchema(DataConfigSchema, data);
  return { dir, table: await readTable(config.train, config, needs(spec), dir) };
}

test('side files are left-joined by key; unmatched rows get missing values', async () => {
  const { dir, table } = await read(DATA, {
    user: 'string', item: 'string', rating: 'numeric', age: 'numeric', gender: 'string', zip: 'string', title: 'string', Action: 'numeric', Comedy: 'numeric',
  });
  assert.equal(table.numRows, 4);
  assert.deepEqual(strings(table, 'gender'), ['M', 'F', null, 'M']);
  assert.deepEqual(Array.from(table.numbers('age')), [24, 53, NaN, 24]);
  assert.deepEqual(strings(table, 'zip'), ['85711', '94043', null, '85711']);
  assert.deepEqual(strings(table, 'title'), ['Café', 'Señor', 'Café', null]);
  assert.deepEqual(Array.from(table.numbers('Action')), [0, 1, 0, NaN]);
  assert.ok(table.columnNames.includes('occupation'), 'unread side columns are still listed');
  // a joined value is located in the side file
  assert.deepEqual(table.location('age', 1), { file: join(dir, 'u.user'), row: 2, field: 'age' });
  assert.deepEqual(table.location('rating', 3), { file: join(dir, 'ratings.base'), row: 4, field: 'rating' });
});

test('a side file with a header joins on its first column by default', async () => {
  const data = { ...DATA, joins: [{ file: 'users.csv', on: 'user', header: true }] };
  const { table } = await read(data, { gender: 'string' }, { ...FILES, 'users.csv': 'id,gender\n2,F\n1,M\n' });
  assert.deepEqual(strings(table, 'gender'), ['M', 'F', null, 'M']);
});

test('join errors: duplicate keys, bad side values, ambiguous and unknown columns', async () => {
  await expectError(() => read(DATA, { gender: 'string' }, { ...FILES, 'u.user': '1|24|M|a|1\n2|53|F|b|2\n1|30|F|c|3\n' }), {
    type: DataError,
    file: 'u.user',
    row: 3,
    field: 'user_id',
    message: /duplicate join key '1' \(first at row 1\)/,
  });
  await expectError(() => read(DATA, { age: 'numeric' }, { ...FILES, 'u.user': '1|24|M|a|1\n2|old|F|b|2\n' }), {
    type: DataError,
    file: 'u.user',
    row: 2,
    field: 'age',
    message: /'old'/,
  });
  const ambiguous = { ...DATA, joins: [{ file: 'u.user', on: 'user', columns: ['user_id', 'rating'], delimiter: '|' }] };
  await expectError(() => read(ambiguous, { rating: 'numeric' }), { type: DataError, field: 'rating', message: /ambiguous column 'rating'/ });
  const twoSides = {
    ...DATA,
    joins: [
      { file: 'u.user', on: 'user', columns: ['user_id', 'age', 'gender', 'occupation', 'zip'], delimiter: '|' },
      { file: 'u.extra', on: 'user', columns: ['id', 'gender'], delimiter: '|' },
    ],
  };
  await expectError(() => read(twoSides, { gender: 'string' }, { ...FILES, 'u.extra': '1|F\n' }), {
    type: DataError,
    file: 'u.extra',
    field: 'gender',
    message: /ambiguous column 'gender'.*u\.user.*u\.extra/,
  });
  const unknown = await expectError(() => read(DATA, { salary: 'numeric' }), { type: DataError, file: 'ratings.base', field: 'salary' });
  assert.match(unknown.message, /available columns: user, item, rating, timestamp, age, gender, occupation, zip, title, Action, Comedy/);
  const badKey = { ...DATA, joins: [{ file: 'u.user', on: 'user', key: 'uid', columns: ['user_id', 'age'], delimiter: '|' }] };
  await expectError(() => read(badKey, { age: 'numeric' }), { type: DataError, file: 'u.user', field: 'uid' });
  const badOn = { ...DATA, joins: [{ file: 'u.user', on: 'customer', columns: ['user_id', 'age', 'g', 'o', 'z'], delimiter: '|' }] };
  await expectError(() => read(badOn, { age: 'numeric' }), { type: DataError, file: 'ratings.base', field: 'customer' });
});
