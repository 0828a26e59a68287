import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Batch } from '../../src/data/batch.js';
import { columnNeeds } from '../../src/data/column-needs.js';
import { readCsv } from '../../src/data/csv-reader.js';
import { FeatureSectionsSchema, parseWithSchema } from '../../src/data/data-config.js';
import { FeaturePipeline } from '../../src/data/feature-pipeline.js';
import { fnv1a32 } from '../../src/data/hashing.js';
import type { RawTable } from '../../src/data/raw-table.js';
import { ArtifactError, DataError } from '../../src/errors.js';
import { expectError, filesIn, tempDir } from './fixtures.js';

const TRAIN = [
  'user,zip,price,age,tags,click,rating',
  'u1,94043,10,25,a|b|c,1,4.5',
  'u2,94110,,35,b,0,3',
  'u1,10001,30,,c|a|b|d,1,5',
  'u3,94099,1000,60,,0,1',
].join('\n');

const SECTIONS = parseWithSchema(FeatureSectionsSchema, {
  labels: [
    { column: 'click', kind: 'binary' },
    { column: 'rating', kind: 'regression' },
  ],
  features: [
    { name: 'user', type: 'categorical' },
    { name: 'zip3', type: 'categorical', column: 'zip', prefix: 3 },
    { name: 'user_hash', type: 'categorical', column: 'user', hashBuckets: 10 },
    { name: 'price', type: 'numeric', transform: ['standardize'] },
    { name: 'age', type: 'numeric', transform: [{ bucketize: [30, 50] }] },
    { name: 'tags', type: 'multi_value', maxLength: 2, truncate: 'last', pooling: 'mean' },
    { name: 'tags_first', type: 'multi_value', column: 'tags', maxLength: 2, truncate: 'first', pooling: 'sum' },
  ],
});

async function readTrain(content = TRAIN, name = 'train.csv', labelsOptional = false): Promise<RawTable> {
  const dir = await filesIn({ [name]: content });
  return readCsv(join(dir, name), {
    delimiter: ',',
    header: true,
    encoding: 'utf8',
    needs: columnNeeds(SECTIONS.features, SECTIONS.labels, { labelsOptional }),
  });
}

/** Fitted on rows 0-2 only; row 3 (u3, price 1000, age 60) is held out. */
async function fitted() {
  const table = await readTrain();
  const pipeline = FeaturePipeline.fit(SECTIONS, table, Int32Array.from([0, 1, 2]));
  return { table, pipeline, dataset: pipeline.transform(table) };
}

test('spec lists features in schema order; bucketized numerics are categorical', async () => {
  const { pipeline } = await fitted();
  assert.deepEqual(pipeline.spec(), {
    categorical: [
      { name: 'user', cardinality: 3 },
      { name: 'zip3', cardinality: 4 },
      { name: 'user_hash', cardinality: 10 },
      { name: 'age', cardinality: 3 },
    ],
    multiValue: [
      { name: 'tags', cardinality: 5, maxLength: 2, pooling: 'mean' },
      { name: 'tags_first', cardinality: 5, maxLength: 2, pooling: 'sum' },
    ],
    numeric: ['price'],
    tasks: [
      { name: 'click', kind: 'binary' },
      { name: 'rating', kind: 'regression' },
    ],
  });
});

test('categorical ids come from the training rows only (held-out values are OOV)', async () => {
  const { dataset } = await fitted();
  assert.deepEqual(Array.from(dataset.column('user')), [1, 2, 1, 0]); // u1 x2, u2, u3 unseen
  assert.deepEqual(Array.from(dataset.column('zip3')), [1, 2, 3, 1]); // 940, 941, 100 by first appearance; 94099 -> 940
  const hash = (v: string) => fnv1a32(v) % 10;
  assert.deepEqual(Array.from(dataset.column('user_hash')), [hash('u1'), hash('u2'), hash('u1'), hash('u3')]);
});

test('numeric statistics are fitted on training rows only', async () => {
  const { pipeline, dataset } = await fitted();
  // train prices [10, missing, 30]: fill 20, mean 20, std sqrt(200 / 3)
  const std = Math.sqrt(200 / 3);
  assert.deepEqual(pipeline.numericTransform('price').toJSON(), { fill: 20, steps: [{ kind: 'standardize', mean: 20, std }] });
  const expected = [-10 / std, 0, 10 / std, 980 / std];
  Array.from(dataset.dense).forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-4, `dense[${i}] = ${v}`));
  // age: fill = mean(25, 35) = 30 -> bucket 1; 60 -> 2
  assert.deepEqual(Array.from(dataset.column('age')), [0, 1, 1, 2]);
});

test('multi-value ids are padded with a 0 mask and truncated (last keeps the most recent)', async () => {
  const { pipeline, dataset } = await fitted();
  // train tokens: a 2, b 3, c 2, d 1 -> b:1, a:2, c:3, d:4
  assert.deepEqual(pipeline.categoryIndex('tags').toJSON(), { kind: 'vocabulary', minCount: 1, values: ['b', 'a', 'c', 'd'], counts: [3, 2, 2, 1] });
  const last = dataset.multiValue('tags');
  assert.deepEqual(Array.from(last.ids), [1, 3, 1, 0, 1, 4, 0, 0]); // [b c] [b -] [b d] [- -]
  assert.deepEqual(Array.from(last.mask), [1, 1, 1, 0, 1, 1, 0, 0]);
  const first = dataset.multiValue('tags_first');
  assert.deepEqual(Array.from(first.ids), [2, 1, 1, 0, 3, 2, 0, 0]); // [a b] [b -] [c a] [- -]
  assert.deepEqual(Array.from(first.mask), [1, 1, 1, 0, 1, 1, 0, 0]);
});

test('labels per task', async () => {
  const { dataset } = await fitted();
  assert.deepEqual(Array.from(dataset.labels('click')), [1, 0, 1, 0]);
  assert.deepEqual(Array.from(dataset.labels('rating')), [4.5, 3, 5, 1]);
  assert.deepEqual(dataset.tasks, ['click', 'rating']);
});

test('flag columns make a multi-hot multi-value feature', async () => {
  const sections = parseWithSchema(FeatureSectionsSchema, {
    label: { column: 'y', kind: 'regression' },
    features: [{ name: 'genres', type: 'multi_value', flagColumns: ['Action', 'Comedy', 'Drama'], maxLength: 2, truncate: 'first', pooling: 'mean' }],
  });
  const dir = await filesIn({ 'g.csv': 'Action,Comedy,Drama,y\n1,0,1,1\n0,1,1,2\n0,0,0,3\n', 'bad.csv': 'Action,Comedy,Drama,y\n1,0,1,1\n0,2,0,1\n' });
  const read = (name: string) =>
    readCsv(join(dir, name), { delimiter: ',', header: true, encoding: 'utf8', needs: columnNeeds(sections.features, sections.labels) });
  const table = await read('g.csv');
  const pipeline = FeaturePipeline.fit(sections, table, Int32Array.from([0, 1, 2]));
  // Drama 2, Action 1, Comedy 1 -> Drama:1, Action:2, Comedy:3
  assert.deepEqual((pipeline.categoryIndex('genres').toJSON() as { values: string[] }).values, ['Drama', 'Action', 'Comedy']);
  const genres = pipeline.transform(table).multiValue('genres');
  assert.deepEqual(Array.from(genres.ids), [2, 1, 3, 1, 0, 0]);
  assert.deepEqual(Array.from(genres.mask), [1, 1, 1, 1, 0, 0]);
  await expectError(async () => FeaturePipeline.fit(sections, await read('bad.csv'), Int32Array.from([0, 1])), {
    type: DataError,
    file: 'bad.csv',
    row: 2,
    field: 'Comedy',
    message: /0 or 1, got 2/,
  });
});

test('bad labels are DataErrors naming file, row and column; threshold binarizes', async () => {
  const sections = (label: object) =>
    parseWithSchema(FeatureSectionsSchema, { label, features: [{ name: 'x', type: 'categorical' }] });
  const dir = await filesIn({ 'l.csv': 'x,y\na,0\nb,1\nc,4\n', 'm.csv': 'x,y\na,1\nb,\n' });
  const read = (name: string, s: ReturnType<typeof sections>) =>
    readCsv(join(dir, name), { delimiter: ',', header: true, encoding: 'utf8', needs: columnNeeds(s.features, s.labels) });

  const binary = sections({ column: 'y', kind: 'binary' });
  const table = await read('l.csv', binary);
  const pipeline = FeaturePipeline.fit(binary, table, Int32Array.from([0, 1, 2]));
  const error = await expectError(() => pipeline.transform(table), { type: DataError, file: 'l.csv', row: 3, field: 'y' });
  assert.match(error.message, /binary label must be 0 or 1.*got 4/);

  const threshold = sections({ column: 'y', kind: 'binary', threshold: 1 });
  const binarized = FeaturePipeline.fit(threshold, table, Int32Array.from([0])).transform(table);
  assert.deepEqual(Array.from(binarized.labels('y')), [0, 1, 1]);

  const missing = await read('m.csv', binary);
  await expectError(() => FeaturePipeline.fit(binary, missing, Int32Array.from([0])).transform(missing), {
    type: DataError,
    file: 'm.csv',
    row: 2,
    field: 'y',
    message: /missing label/,
  });
});

function batchesOf(dataset: { batches(rows: Int32Array, size: number, o?: { reuseBuffers?: boolean }): Iterable<Batch> }, rows: number[], size: number) {
  return Array.from(dataset.batches(Int32Array.from(rows), size, { reuseBuffers: false }));
}

test('save / load round-trip: versioned artifacts and identical batches', async () => {
  const { table, pipeline, dataset } = await fitted();
  const dir = await tempDir();
  await pipeline.save(dir);
  const schema = JSON.parse(await readFile(join(dir, 'schema.json'), 'utf8'));
  assert.equal(schema.formatVersion, 1);
  assert.deepEqual(schema.spec, pipeline.spec());
  assert.equal(JSON.parse(await readFile(join(dir, 'vocab.json'), 'utf8')).features.tags.kind, 'vocabulary');
  assert.equal(JSON.parse(await readFile(join(dir, 'stats.json'), 'utf8')).numeric.price.fill, 20);

  const loaded = await FeaturePipeline.load(dir);
  assert.deepEqual(loaded.spec(), pipeline.spec());
  const again = loaded.transform(table);
  assert.deepEqual(batchesOf(again, [3, 0, 2, 1], 3), batchesOf(dataset, [3, 0, 2, 1], 3));

  // A new file with the same columns but no labels (prediction input).
  const fresh = await readTrain('user,zip,price,age,tags\nu2,94043,5,70,d|zz\nu9,,,,\n', 'new.csv', true);
  const predicted = loaded.transform(fresh);
  assert.equal(predicted.hasLabels(), false);
  assert.deepEqual(predicted.batches(predicted.allRows(), 8).next().value?.labels, new Map());
  assert.deepEqual(Array.from(predicted.column('user')), [2, 0]);
  assert.deepEqual(Array.from(predicted.multiValue('tags').ids), [4, 0, 0, 0]); // d known, zz OOV
  assert.deepEqual(Array.from(predicted.multiValue('tags').mask), [1, 1, 0, 0]);
  assert.deepEqual(batchesOf(predicted, [0, 1], 2), batchesOf(pipeline.transform(fresh), [0, 1], 2));
  await expectError(() => loaded.transform(fresh, { requireLabels: true }), { type: DataError, file: 'new.csv', field: 'click' });
});

test('load reports missing, foreign or inconsistent artifacts', async () => {
  const { pipeline } = await fitted();
  const dir = await tempDir();
  await pipeline.save(dir);
  const schemaText = await readFile(join(dir, 'schema.json'), 'utf8');

  await writeFile(join(dir, 'schema.json'), schemaText.replace('"formatVersion": 1', '"formatVersion": 99'));
  await expectError(() => FeaturePipeline.load(dir), { type: ArtifactError, file: 'schema.json', field: 'formatVersion', message: /99/ });

  const schema = JSON.parse(schemaText);
  schema.spec.categorical[0].cardinality = 999;
  await writeFile(join(dir, 'schema.json'), JSON.stringify(schema));
  await expectError(() => FeaturePipeline.load(dir), { type: ArtifactError, field: 'spec' });

  await writeFile(join(dir, 'schema.json'), schemaText);
  const vocab = JSON.parse(await readFile(join(dir, 'vocab.json'), 'utf8'));
  delete vocab.features.zip3;
  await writeFile(join(dir, 'vocab.json'), JSON.stringify(vocab));
  await expectError(() => FeaturePipeline.load(dir), { type: ArtifactError, file: 'vocab.json', field: 'zip3' });

  await rm(join(dir, 'stats.json'));
  await expectError(() => FeaturePipeline.load(dir), { type: ArtifactError, file: 'stats.json', message: /missing/ });
});
