import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Batch } from '../../src/data/batch.js';
import type { PipelineConfigInput } from '../../src/data/data-config.js';
import { FeaturePipeline } from '../../src/data/feature-pipeline.js';
import { loadTrainingData, loadWithPipeline } from '../../src/data/load-dataset.js';
import { ConfigError, DataError } from '../../src/errors.js';
import { expectError, filesIn, tempDir } from './fixtures.js';

/** 20 rows, each with its own item: an item only in held-out rows must encode as OOV. */
const ROWS = ['item,user,price,click', ...Array.from({ length: 20 }, (_, i) => `i${i},u${i % 3},${i},${i % 2}`)].join('\n');

const CONFIG: PipelineConfigInput = {
  data: { train: 'rows.csv', split: { validation: 0.25, test: 0.25, seed: 2026 } },
  label: { column: 'click', kind: 'binary' },
  features: [
    { name: 'item', type: 'categorical' },
    { name: 'user', type: 'categorical' },
    { name: 'price', type: 'numeric', transform: ['standardize'] },
  ],
};

const all = (batches: Iterable<Batch>) => Array.from(batches, (b) => structuredClone(b));

test('the train file is split with the seed and the pipeline fits on the train part only', async () => {
  const dir = await filesIn({ 'rows.csv': ROWS });
  const data = await loadTrainingData(CONFIG, dir);
  assert.deepEqual([data.train.rows.length, data.validation!.rows.length, data.test!.rows.length], [10, 5, 5]);
  assert.equal(data.validation!.source, data.train.source, 'parts of one file share the encoded dataset');
  const items = data.train.source.column('item');
  for (const row of data.train.rows) assert.notEqual(items[row], 0, `train row ${row} has a known item`);
  for (const row of [...data.validation!.rows, ...data.test!.rows]) assert.equal(items[row], 0, `held-out row ${row} is OOV`);
  assert.equal(data.pipeline.spec().categorical[0]!.cardinality, 11);
  const train = Array.from(data.train.rows, (r) => r);
  const mean = train.reduce((a, b) => a + b, 0) / train.length;
  assert.ok(Math.abs((data.pipeline.numericTransform('price').toJSON().steps[0] as { mean: number }).mean - mean) < 1e-12);
  // deterministic
  const again = await loadTrainingData(CONFIG, dir);
  assert.deepEqual(again.test!.rows, data.test!.rows);
  assert.deepEqual(again.pipeline.spec(), data.pipeline.spec());
});

test('given validation/test files are used; the split only fills in the missing ones', async () => {
  const dir = await filesIn({ 'rows.csv': ROWS, 'val.csv': 'item,user,price,click\ni1,u0,1,1\nnew,u1,2,0\n' });
  const config = { ...CONFIG, data: { ...CONFIG.data, validation: 'val.csv' } };
  const data = await loadTrainingData(config, dir);
  assert.deepEqual([data.train.rows.length, data.validation!.rows.length, data.test!.rows.length], [15, 2, 5]);
  assert.notEqual(data.validation!.source, data.train.source);
  assert.deepEqual(Array.from(data.validation!.source.labels('click')), [1, 0]);
  assert.equal(data.validation!.source.column('item')[1], 0);

  const noSplit = await loadTrainingData({ ...CONFIG, data: { train: 'rows.csv' } }, dir);
  assert.equal(noSplit.train.rows.length, 20);
  assert.equal(noSplit.validation, undefined);
  assert.equal(noSplit.test, undefined);
});

test('libFM labels -1/+1 read as 0/1', async () => {
  const dir = await filesIn({ 'f.libfm': '1 3:1 7:1\n-1 4:1 7:1\n-1 3:1 8:1\n1 5:1 8:1\n' });
  const data = await loadTrainingData(
    {
      data: { train: 'f.libfm' },
      label: { column: 'label', task: 'click', kind: 'binary' },
      features: [{ name: 'user', type: 'categorical', column: 'f0' }, { name: 'item', type: 'categorical', column: 'f1' }],
    },
    dir,
  );
  assert.deepEqual(Array.from(data.train.source.labels('click')), [1, 0, 0, 1]);
  assert.deepEqual(Array.from(data.train.source.column('item')), [1, 1, 2, 2]);
});

test('a saved pipeline reads a new file the way the training data was read (joins included)', async () => {
  const dir = await filesIn({
    'train.base': '1\t10\t5\n2\t20\t3\n1\t20\t4\n',
    'predict.base': '2\t10\n3\t20\n',
    'eval.base': '2\t10\t4\n',
    'u.user': '1|M\n2|F\n3|F\n',
  });
  const config: PipelineConfigInput = {
    data: {
      train: 'train.base',
      format: 'tsv',
      columns: ['user', 'item', 'rating'],
      joins: [{ file: 'u.user', on: 'user', columns: ['id', 'gender'], delimiter: '|' }],
    },
    label: { column: 'rating', kind: 'regression' },
    features: [{ name: 'item', type: 'categorical' }, { name: 'gender', type: 'categorical' }],
  };
  const { pipeline } = await loadTrainingData(config, dir);
  const saved = await tempDir();
  await pipeline.save(saved);
  const loaded = await FeaturePipeline.load(saved);

  const evaluation = await loadWithPipeline(loaded, 'eval.base', dir, { requireLabels: true });
  assert.deepEqual(Array.from(evaluation.source.labels('rating')), [4]);
  const original = await loadWithPipeline(pipeline, 'eval.base', dir);
  assert.deepEqual(all(evaluation.source.batches(evaluation.rows, 4)), all(original.source.batches(original.rows, 4)));

  const predict = await loadWithPipeline(loaded, { file: 'predict.base', columns: ['user', 'item'] }, dir);
  assert.equal(predict.source.hasLabels(), false);
  assert.deepEqual(Array.from(predict.source.column('item')), [2, 1]); // item 20 seen twice, 10 once
  assert.deepEqual(Array.from(predict.source.column('gender')), [2, 2]); // F (user 3 joins too)
  await expectError(() => loadWithPipeline(loaded, { file: 'predict.base', columns: ['user', 'item'] }, dir, { requireLabels: true }), {
    type: DataError,
    file: 'predict.base',
    field: 'rating',
  });
  await expectError(() => loadWithPipeline(loaded, { file: 'predict.base', header: false }, dir), { type: ConfigError, field: 'columns' });

  // a data section: its test file, read with its own options
  const fromData = await loadWithPipeline(loaded, { ...config.data, test: 'eval.base' }, dir, { requireLabels: true });
  assert.deepEqual(all(fromData.source.batches(fromData.rows, 4)), all(original.source.batches(original.rows, 4)));
  await expectError(() => loadWithPipeline(loaded, config.data, dir, { configFile: 'c.yaml' }), { type: ConfigError, file: 'c.yaml', field: 'data.test' });
});

test('bad input through the loader names file, row and column', async () => {
  const dir = await filesIn({
    'labels.csv': 'item,user,price,click\na,u,1,0\nb,u,2,1\nc,u,3,2\n',
    'price.csv': 'item,user,price,click\na,u,1,0\nb,u,cheap,1\n',
    'ragged.csv': 'item,user,price,click\na,u,1,0\nb,u,2\n',
  });
  const load = (train: string) => loadTrainingData({ ...CONFIG, data: { train } }, dir);
  await expectError(() => load('labels.csv'), { type: DataError, file: 'labels.csv', row: 3, field: 'click', message: /0 or 1, got 2/ });
  await expectError(() => load('price.csv'), { type: DataError, file: 'price.csv', row: 2, field: 'price', message: /'cheap'/ });
  await expectError(() => load('ragged.csv'), { type: DataError, file: 'ragged.csv', row: 2, field: 'click' });
  await expectError(() => load('absent.csv'), { type: DataError, file: 'absent.csv', message: /not found/ });
  const unknown = await expectError(
    () => loadTrainingData({ ...CONFIG, data: { train: 'labels.csv' }, features: [{ name: 'brand', type: 'categorical' }] }, dir),
    { type: DataError, file: 'labels.csv', field: 'brand' },
  );
  assert.match(unknown.message, /available columns: item, user, price, click/);
  await expectError(() => loadTrainingData({ ...CONFIG, data: { train: 'labels.xls' } }, dir, { configFile: 'c.yaml' }), {
    type: ConfigError,
    file: 'c.yaml',
    field: 'data.format',
  });
});
