/**
 * A request becomes the rows a file would: every kind of field (categorical, multi-value list,
 * sequence list, numeric, missing values) encodes exactly as the same rows read from a CSV with
 * the same pipeline; feature quality counts are hand-computed; a list value holding the separator
 * is refused naming the field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadTrainingData, loadWithPipeline } from '../../src/data/load-dataset.js';
import { featureQuality } from '../../src/serve/feature-quality.js';
import { RequestParser, requestFields } from '../../src/serve/request-schema.js';
import { requestTable } from '../../src/serve/request-table.js';
import { filesIn } from '../data/fixtures.js';

const TRAIN = ['click,user,item,genres,history,price', '1,u1,i1,a|b,i2|i3,1.5', '0,u2,i2,b,i1,3', '1,u1,i3,a|c,i1|i2|i3,4.5', '0,u3,i1,c,,2'].join('\n') + '\n';

async function fitted() {
  const dir = await filesIn({ 'train.csv': TRAIN });
  const { pipeline } = await loadTrainingData(
    {
      data: { train: 'train.csv' },
      label: { column: 'click', kind: 'binary' },
      features: [
        { name: 'user', type: 'categorical' },
        { name: 'item', type: 'categorical' },
        { name: 'genres', type: 'multi_value', maxLength: 3, truncate: 'first', pooling: 'mean' },
        { name: 'history', type: 'sequence', maxLength: 4, vocabularyOf: 'item' },
        { name: 'price', type: 'numeric', transform: ['standardize'] },
      ],
    },
    dir,
  );
  return { dir, pipeline };
}

test('request fields follow the pipeline: text, lists with their separator, numbers', async () => {
  const { pipeline } = await fitted();
  assert.deepEqual(requestFields(pipeline), [
    { name: 'user', kind: 'text' },
    { name: 'item', kind: 'text' },
    { name: 'genres', kind: 'list', separator: '|' },
    { name: 'history', kind: 'list', separator: '|' },
    { name: 'price', kind: 'number' },
  ]);
});

test('a request encodes exactly as the same rows in a CSV; quality counts are as hand-computed', async () => {
  const { dir, pipeline } = await fitted();
  const parser = new RequestParser(requestFields(pipeline));
  const request = parser.parse({
    context: { user: 'u1', history: ['i1', 'i2', 'zz'] },
    candidates: [
      { item: 'i2', genres: ['a', 'b'], price: 3 },
      { item: 'new', genres: [], price: null },
      { item: 'i1', genres: ['a', 'q'], price: 5 },
    ],
  });
  const table = requestTable(parser.fields, request);
  const encoded = pipeline.transform(table);
  const csv = ['user,item,genres,history,price', 'u1,i2,a|b,i1|i2|zz,3', 'u1,new,,i1|i2|zz,', 'u1,i1,a|q,i1|i2|zz,5'].join('\n') + '\n';
  const { source } = await loadWithPipeline(pipeline, join(await filesIn({ 'rows.csv': csv }), 'rows.csv'), dir);
  const batch = (d: typeof encoded) => [...d.batches(d.allRows(), 3, { reuseBuffers: false })];
  assert.deepEqual(batch(encoded), batch(source));

  const quality = Object.fromEntries(featureQuality(pipeline, table, encoded));
  assert.deepEqual(quality, {
    user: { values: 3, oov: 0, missing: 0 },
    item: { values: 3, oov: 1, missing: 0 }, // 'new'
    genres: { values: 4, oov: 1, missing: 1 }, // a, b, a, q; 'q' unseen; [] missing
    history: { values: 9, oov: 3, missing: 0 }, // 3 values broadcast to 3 rows; 'zz' unseen
    price: { values: 2, oov: 0, missing: 1 },
  });
});

test('a list value holding the separator, or a list that is not of strings, is refused naming the field', async () => {
  const { pipeline } = await fitted();
  const parser = new RequestParser(requestFields(pipeline));
  const base = { context: { user: 'u1', history: [] }, candidates: [{ item: 'i1', genres: ['a'], price: 1 }] };
  assert.throws(() => parser.parse({ ...base, candidates: [{ item: 'i1', genres: ['a|b'], price: 1 }] }), { name: 'RequestError', message: /separator/, location: { field: 'candidates[0].genres' } });
  assert.throws(() => parser.parse({ ...base, context: { user: 'u1', history: 'i1|i2' } }), { name: 'RequestError', location: { field: 'context.history' } });
  assert.throws(() => parser.parse({ ...base, context: { user: 'u1', history: ['i1', 7] } }), { name: 'RequestError', location: { field: 'context.history[1]' } });
});
