import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { columnNeeds } from '../../src/data/column-needs.js';
import { readCsv } from '../../src/data/csv-reader.js';
import { FeatureSectionsSchema, parseWithSchema } from '../../src/data/data-config.js';
import { FeaturePipeline } from '../../src/data/feature-pipeline.js';
import { ConfigError } from '../../src/errors.js';
import { expectError, filesIn, tempDir } from './fixtures.js';

// Histories oldest first; item i9 is only ever in a history, i4 only a candidate.
const TRAIN = ['user,item,history,click', 'u1,i1,i2^i3^i1^i2,1', 'u2,i2,,0', 'u1,i3,i9,1', 'u3,i4,i1^i3,0'].join('\n');

const features = (extra: Record<string, unknown> = {}) => [
  { name: 'user', type: 'categorical' },
  { name: 'item', type: 'categorical' },
  { name: 'history', type: 'sequence', separator: '^', maxLength: 3, vocabularyOf: 'item', ...extra },
];

async function fitted(extra: Record<string, unknown> = {}) {
  const sections = parseWithSchema(FeatureSectionsSchema, { labels: [{ column: 'click', kind: 'binary' }], features: features(extra) });
  const dir = await filesIn({ 'train.csv': TRAIN });
  const table = await readCsv(join(dir, 'train.csv'), { delimiter: ',', header: true, encoding: 'utf8', needs: columnNeeds(sections.features, sections.labels) });
  const pipeline = FeaturePipeline.fit(sections, table, Int32Array.from([0, 1, 2, 3]));
  return { table, pipeline, dataset: pipeline.transform(table) };
}

test('a sequence holds the ids of its vocabularyOf feature: one vocabulary, fitted on the candidate column', async () => {
  const { pipeline, dataset } = await fitted();
  const items = pipeline.categoryIndex('item');
  assert.equal(pipeline.categoryIndex('history'), items);
  assert.deepEqual(dataset.spec.sequence, [{ name: 'history', vocabularyOf: 'item', cardinality: items.cardinality, maxLength: 3 }]);
  const id = (v: string) => items.lookup(v);
  const { ids, mask } = dataset.multiValue('history');
  // Row 0 keeps the 3 most recent of i2 i3 i1 i2; i9 was never a candidate: OOV 0 but unmasked.
  assert.deepEqual(Array.from(ids), [id('i3'), id('i1'), id('i2'), 0, 0, 0, 0, 0, 0, id('i1'), id('i3'), 0]);
  assert.deepEqual(Array.from(mask), [1, 1, 1, 0, 0, 0, 1, 0, 0, 1, 1, 0]);
  assert.equal(id('i9'), 0);
  assert.deepEqual(Array.from(dataset.column('item')), ['i1', 'i2', 'i3', 'i4'].map(id));
});

test("truncate: 'first' keeps the oldest values instead", async () => {
  const { pipeline, dataset } = await fitted({ truncate: 'first' });
  const id = (v: string) => pipeline.categoryIndex('item').lookup(v);
  assert.deepEqual(Array.from(dataset.multiValue('history').ids.subarray(0, 3)), [id('i2'), id('i3'), id('i1')]);
});

test('save / load keeps the shared vocabulary and encodes identically', async () => {
  const { table, pipeline, dataset } = await fitted();
  const dir = await tempDir();
  await pipeline.save(dir);
  const loaded = await FeaturePipeline.load(dir);
  assert.deepEqual(loaded.spec(), pipeline.spec());
  assert.equal(loaded.categoryIndex('history'), loaded.categoryIndex('item'));
  assert.deepEqual(loaded.transform(table).multiValue('history'), dataset.multiValue('history'));
});

test('bad sequence configs are ConfigErrors naming the field', async () => {
  const parse = (extra: Record<string, unknown>) => () => parseWithSchema(FeatureSectionsSchema, { label: { column: 'click', kind: 'binary' }, features: features(extra) });
  const unknown = await expectError(parse({ vocabularyOf: 'movie' }), { type: ConfigError, field: 'features[2].vocabularyOf' });
  assert.match(unknown.message, /no feature 'movie'.*one of: user, item/);
  const notCategorical = await expectError(parse({ vocabularyOf: 'history' }), { type: ConfigError, field: 'features[2].vocabularyOf' });
  assert.match(notCategorical.message, /'history' is a sequence feature/);
  await expectError(parse({ vocabularyOf: undefined }), { type: ConfigError, field: 'features[2].vocabularyOf' });
  await expectError(parse({ maxLength: 0 }), { type: ConfigError, field: 'features[2].maxLength' });
  await expectError(parse({ truncate: 'middle' }), { type: ConfigError, field: 'features[2].truncate' });
  await expectError(parse({ pooling: 'mean' }), { type: ConfigError, field: 'features[2].pooling' });
});
