import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { readCsv, type CsvReadOptions } from '../../src/data/csv-reader.js';
import type { ColumnNeeds, RawTable } from '../../src/data/raw-table.js';
import { parseNumber } from '../../src/data/raw-table.js';
import { DataError } from '../../src/errors.js';
import { expectError, filesIn } from './fixtures.js';

const strings = (table: RawTable, name: string) => {
  const { codes, dictionary } = table.strings(name);
  return Array.from(codes, (c) => (c < 0 ? null : dictionary[c]));
};

function needs(spec: Record<string, 'string' | 'numeric'>): ColumnNeeds {
  return new Map(Object.entries(spec).map(([name, kind]) => [name, { kind }]));
}

const csv = (n: ColumnNeeds, extra: Partial<CsvReadOptions> = {}): CsvReadOptions => ({
  delimiter: ',',
  header: true,
  encoding: 'utf8',
  needs: n,
  ...extra,
});

test('a CSV with a header: strings interned, numbers parsed, missing as NaN, unused columns dropped', async () => {
  const dir = await filesIn({ 'a.csv': 'user,price,tags,unused\nu1,1.5,a|b,x\nu2,,b,y\nu1,-2e1,,z\n' });
  const table = await readCsv(join(dir, 'a.csv'), csv(needs({ user: 'string', price: 'numeric', tags: 'string' })));
  assert.equal(table.numRows, 3);
  assert.equal(table.format, 'csv');
  assert.deepEqual(table.columnNames, ['user', 'price', 'tags', 'unused']);
  assert.deepEqual(table.storedColumns().sort(), ['price', 'tags', 'user']);
  assert.equal(table.has('unused'), false);
  assert.deepEqual(strings(table, 'user'), ['u1', 'u2', 'u1']);
  assert.deepEqual(table.strings('user').dictionary, ['u1', 'u2']);
  assert.deepEqual(Array.from(table.numbers('price')), [1.5, NaN, -20]);
  assert.deepEqual(strings(table, 'tags'), ['a|b', 'b', '']);
});

test('explicit columns without a header, TSV, CRLF and a UTF-8 BOM', async () => {
  const dir = await filesIn({
    'u.base': '1\t10\t5\t881250949\n2\t10\t3\t891717742\n',
    'bom.csv': '\uFEFFid,v\r\n7,0.5\r\n8,1\r\n',
  });
  const table = await readCsv(join(dir, 'u.base'), {
    ...csv(needs({ user: 'string', item: 'string', rating: 'numeric' }), { delimiter: '\t', header: false }),
    columns: ['user', 'item', 'rating', 'timestamp'],
  });
  assert.equal(table.format, 'tsv');
  assert.deepEqual(strings(table, 'user'), ['1', '2']);
  assert.deepEqual(Array.from(table.numbers('rating')), [5, 3]);
  const bom = await readCsv(join(dir, 'bom.csv'), csv(needs({ id: 'string', v: 'numeric' })));
  assert.deepEqual(strings(bom, 'id'), ['7', '8']);
  assert.deepEqual(Array.from(bom.numbers('v')), [0.5, 1]);
});

test('quoted fields: delimiters, escaped quotes and line breaks inside quotes', async () => {
  const dir = await filesIn({
    'q.csv': 'name,text,n\n"Smith, J","He said ""hi""",1\nplain,"two\nlines",2\nlast,it\'s "ok",3\n',
  });
  const table = await readCsv(join(dir, 'q.csv'), csv(needs({ name: 'string', text: 'string', n: 'numeric' })));
  assert.deepEqual(strings(table, 'name'), ['Smith, J', 'plain', 'last']);
  assert.deepEqual(strings(table, 'text'), ['He said "hi"', 'two\nlines', 'it\'s "ok"']);
  assert.deepEqual(Array.from(table.numbers('n')), [1, 2, 3]);
});

test('latin-1 files are decoded as latin-1', async () => {
  const dir = await filesIn({ 'items.txt': Buffer.from('1|Café Noir (1995)|0\n2|Señor|1\n', 'latin1') });
  const table = await readCsv(join(dir, 'items.txt'), {
    ...csv(needs({ title: 'string' }), { delimiter: '|', header: false, encoding: 'latin1' }),
    columns: ['id', 'title', 'flag'],
  });
  assert.deepEqual(strings(table, 'title'), ['Café Noir (1995)', 'Señor']);
});

test('numeric values that are not numbers are DataErrors naming file, row, column and value', async () => {
  const dir = await filesIn({ 'n.csv': 'a,b\n1,2\n3,4\n5,abc\n', 'q.csv': 'a,b\n"x\ny",1\nz,oops\n' });
  const error = await expectError(() => readCsv(join(dir, 'n.csv'), csv(needs({ b: 'numeric' }))), {
    type: DataError,
    file: 'n.csv',
    row: 3,
    field: 'b',
  });
  assert.match(error.message, /'abc'/);
  // rows are counted as records, not lines: a quoted line break does not shift the row
  await expectError(() => readCsv(join(dir, 'q.csv'), csv(needs({ b: 'numeric' }))), { type: DataError, file: 'q.csv', row: 2, field: 'b' });
});

test('missing, empty and header-only files', async () => {
  const dir = await filesIn({ 'empty.csv': '', 'header.csv': 'a,b\n', 'blank.csv': '\n\n' });
  await expectError(() => readCsv(join(dir, 'nope.csv'), csv(needs({}))), { type: DataError, file: 'nope.csv', message: /not found/ });
  await expectError(() => readCsv(dir, csv(needs({}))), { type: DataError, message: /not a regular file/ });
  for (const name of ['empty.csv', 'header.csv', 'blank.csv']) {
    await expectError(() => readCsv(join(dir, name), csv(needs({}))), { type: DataError, file: name, row: 1, message: /no data rows/ });
  }
});

test('an unknown column lists the available ones', async () => {
  const dir = await filesIn({ 'a.csv': 'user,item\n1,2\n' });
  const error = await expectError(() => readCsv(join(dir, 'a.csv'), csv(needs({ user: 'string', rating: 'numeric' }))), {
    type: DataError,
    file: 'a.csv',
    field: 'rating',
  });
  assert.match(error.message, /unknown column 'rating'; available columns: user, item/);
  // optional columns may be absent
  const table = await readCsv(join(dir, 'a.csv'), csv(new Map([['rating', { kind: 'numeric', optional: true }]])));
  assert.equal(table.has('rating'), false);
});

test('ragged rows name the row and the first missing column', async () => {
  const dir = await filesIn({ 'r.csv': 'a,b,c\n1,2,3\n4,5\n', 'long.tsv': 'a\tb\n1\t2\n3\t4\t5\n' });
  const short = await expectError(() => readCsv(join(dir, 'r.csv'), csv(needs({ a: 'string' }))), {
    type: DataError,
    file: 'r.csv',
    row: 2,
    field: 'c',
  });
  assert.match(short.message, /expected 3 fields.*found 2/);
  await expectError(() => readCsv(join(dir, 'long.tsv'), csv(needs({ a: 'string' }), { delimiter: '\t' })), {
    type: DataError,
    file: 'long.tsv',
    row: 2,
    message: /found 3/,
  });
});

test('malformed CSV (an unclosed quote) is a DataError with the row', async () => {
  const dir = await filesIn({ 'bad.csv': 'a,b\n1,2\n"3,4\n' });
  await expectError(() => readCsv(join(dir, 'bad.csv'), csv(needs({ a: 'string' }))), { type: DataError, file: 'bad.csv', row: 2, message: /malformed CSV/ });
});

test('parseNumber: numbers, missing tokens and garbage', () => {
  assert.equal(parseNumber('3'), 3);
  assert.equal(parseNumber(' -1.5e3 '), -1500);
  assert.equal(parseNumber('.5'), 0.5);
  for (const missing of ['', ' ', 'NA', 'nan', 'NULL', 'None', '?']) assert.ok(Number.isNaN(parseNumber(missing)), missing);
  for (const bad of ['abc', '0x10', '1,5', '1e', '--1']) assert.equal(parseNumber(bad), undefined, bad);
});
