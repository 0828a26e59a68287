import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import {
  DataConfigSchema,
  FeatureConfigSchema,
  LabelConfigSchema,
  formatZodError,
  parsePipelineConfig,
  parseWithSchema,
  readPipelineConfig,
} from '../../src/data/data-config.js';
import { ConfigError } from '../../src/errors.js';
import { expectError, filesIn } from './fixtures.js';
import { repoRoot } from '../support/repo-root.js';

const minimal = {
  data: { train: 'train.csv' },
  label: { column: 'click', kind: 'binary' },
  features: [
    { name: 'user', type: 'categorical' },
    { name: 'price', type: 'numeric', transform: [{ clip: [0, 100] }, 'log1p', 'standardize'] },
    { name: 'genres', type: 'multi_value', maxLength: 3, truncate: 'last', pooling: 'mean' },
  ],
  model: { ignored: true },
};

test('defaults are filled in and label becomes labels', () => {
  const config = parsePipelineConfig(minimal);
  assert.deepEqual(config.data, { train: 'train.csv', format: 'csv', header: true, delimiter: ',', encoding: 'utf8', joins: [] });
  assert.deepEqual(config.labels, [{ column: 'click', kind: 'binary', task: 'click' }]);
  assert.equal(config.features[0]!.type, 'categorical');
  assert.deepEqual(config.features[0], { name: 'user', type: 'categorical', column: 'user', minCount: 1 });
  assert.deepEqual(config.features[2], {
    name: 'genres', type: 'multi_value', column: 'genres', separator: '|', maxLength: 3, truncate: 'last', pooling: 'mean', minCount: 1,
  });
  assert.equal('model' in config, false);
});

test('parsing a parsed config gives the same config', () => {
  const once = parsePipelineConfig(minimal);
  assert.deepEqual(parsePipelineConfig(once), once);
});

test('format comes from the extension; tsv uses a tab; columns imply no header', () => {
  const tsv = parseWithSchema(DataConfigSchema, { train: 'a.tsv' });
  assert.equal(tsv.format, 'tsv');
  assert.equal(tsv.delimiter, '\t');
  const libfm = parseWithSchema(DataConfigSchema, { train: 'x.libfm' });
  assert.equal(libfm.format, 'libfm');
  assert.equal(libfm.header, false);
  const columns = parseWithSchema(DataConfigSchema, { train: 'u1.base', format: 'tsv', columns: ['user', 'item'] });
  assert.equal(columns.header, false);
});

test('a bad feature names the field path', async () => {
  const bad = structuredClone(minimal);
  (bad.features[2] as Record<string, unknown>).maxLength = 0;
  const error = await expectError(() => parsePipelineConfig(bad, 'config.yaml'), {
    type: ConfigError,
    file: 'config.yaml',
    field: 'features[2].maxLength',
  });
  assert.equal(error.message, 'features[2].maxLength: expected a positive integer');
});

test('each kind of config mistake is reported at its path', async () => {
  const cases: [unknown, string, RegExp][] = [
    [{ ...minimal, data: { train: 'u1.base' } }, 'data.format', /cannot infer the format.*u1\.base/],
    [{ ...minimal, data: { train: 'a.csv', header: false } }, 'data.columns', /required/],
    [{ ...minimal, data: { train: 'a.csv', split: { validation: 0.5, test: 0.5, seed: 1 } } }, 'data.split.validation', /below 1/],
    [{ ...minimal, data: { train: 'a.csv', split: { seed: 1.5 } } }, 'data.split.seed', /integer/],
    [{ ...minimal, data: { train: 'a.csv', joins: [{ file: 'u.user', on: 'user' }] } }, 'data.joins[0].columns', /required/],
    [{ ...minimal, data: { train: 'a.libfm', columns: ['x'] } }, 'data.columns', /libfm/],
    [{ ...minimal, data: { train: 'a.csv', formt: 'csv' } }, 'data.formt', /unknown key/],
    [{ ...minimal, features: [{ name: 'a', type: 'categorial' }] }, 'features[0].type', /'categorical', 'numeric', 'multi_value'.*'categorial'/],
    [{ ...minimal, features: [{ name: 'a', type: 'numeric', transform: ['log'] }] }, 'features[0].transform[0]', /log1p/],
    [{ ...minimal, features: [{ name: 'a', type: 'numeric', transform: [{ clip: [5, 1] }] }] }, 'features[0].transform[0].clip', /lo <= hi/],
    [{ ...minimal, features: [{ name: 'a', type: 'numeric', transform: [{ bucketize: [3, 2] }] }] }, 'features[0].transform[0].bucketize', /increasing/],
    [{ ...minimal, features: [{ name: 'a', type: 'numeric', transform: [{ bucketize: { quantiles: 1 } }] }] }, 'features[0].transform[0].bucketize.quantiles', />= 2/],
    [{ ...minimal, features: [{ name: 'a', type: 'numeric', transform: [{ bucketize: [1] }, 'log1p'] }] }, 'features[0].transform[0]', /last step/],
    [{ ...minimal, features: [{ name: 'a', type: 'categorical', hashBuckets: -3 }] }, 'features[0].hashBuckets', /positive integer/],
    [{ ...minimal, features: [{ name: 'a', type: 'categorical' }, { name: 'a', type: 'categorical' }] }, 'features[1].name', /duplicate feature name 'a'/],
    [{ ...minimal, features: [{ name: 'g', type: 'multi_value', maxLength: 2, truncate: 'newest', pooling: 'mean' }] }, 'features[0].truncate', /'first', 'last'/],
    [{ ...minimal, features: [{ name: 'g', type: 'multi_value', column: 'g', flagColumns: ['a'], maxLength: 2, truncate: 'first', pooling: 'sum' }] }, 'features[0].flagColumns', /not both/],
    [{ ...minimal, features: [] }, 'features', /at least one feature/],
    [{ data: minimal.data, features: minimal.features }, 'label', /required/],
    [{ ...minimal, labels: [{ column: 'y', kind: 'binary' }] }, 'labels', /either label or labels/],
    [{ ...minimal, label: { column: 'y', kind: 'regression', threshold: 3 } }, 'label.threshold', /binary/],
    [{ ...minimal, label: { column: 'y', kind: 'ranking' } }, 'label.kind', /'binary', 'regression'/],
  ];
  for (const [config, field, message] of cases) {
    const error = await expectError(() => parsePipelineConfig(config, 'c.yaml'), { type: ConfigError, file: 'c.yaml', field, message });
    assert.ok(error.message.startsWith(`${field}: `), `message starts with the path: ${error.message}`);
  }
});

test('the section schemas are usable on their own', () => {
  assert.deepEqual(parseWithSchema(LabelConfigSchema, { column: 'y', kind: 'binary', threshold: 4 }), {
    column: 'y', kind: 'binary', threshold: 4, task: 'y',
  });
  const feature = parseWithSchema(FeatureConfigSchema, { name: 'zip3', type: 'categorical', column: 'zip', prefix: 3 });
  assert.deepEqual(feature, { name: 'zip3', type: 'categorical', column: 'zip', prefix: 3, minCount: 1 });
});

test('formatZodError turns any zod error into a ConfigError with the path as field', () => {
  const result = z.object({ a: z.array(z.object({ b: z.number() })) }).safeParse({ a: [{ b: 1 }, { b: 'x' }] });
  assert.equal(result.success, false);
  const error = formatZodError(result.error!, 'f.json');
  assert.ok(error instanceof ConfigError);
  assert.equal(error.location.field, 'a[1].b');
  assert.equal(error.location.file, 'f.json');
  assert.match(error.message, /^a\[1\]\.b: /);
});

test('readPipelineConfig reads YAML and JSON and names the file on errors', async () => {
  const dir = await filesIn({
    'ok.yaml': 'data:\n  train: t.csv\nlabel: { column: y, kind: regression }\nfeatures:\n  - { name: a, type: categorical }\n',
    'ok.json': JSON.stringify(minimal),
    'bad.yaml': 'data:\n  train: t.csv\nlabel: { column: y, kind: regression }\nfeatures:\n  - { name: a, type: numeric, fill: x }\n',
    'broken.yaml': 'data: [unclosed\n',
  });
  assert.equal((await readPipelineConfig(join(dir, 'ok.yaml'))).labels[0]!.kind, 'regression');
  assert.equal((await readPipelineConfig(join(dir, 'ok.json'))).features.length, 3);
  await expectError(() => readPipelineConfig(join(dir, 'bad.yaml')), { type: ConfigError, file: 'bad.yaml', field: 'features[0].fill' });
  await expectError(() => readPipelineConfig(join(dir, 'broken.yaml')), { type: ConfigError, file: 'broken.yaml', message: /YAML/ });
  await expectError(() => readPipelineConfig(join(dir, 'missing.yaml')), { type: ConfigError, file: 'missing.yaml' });
});

test('the example configs are valid', async () => {
  const movielens = await readPipelineConfig(join(repoRoot(), 'examples', 'movielens-100k.yaml'));
  assert.equal(movielens.data.joins.length, 2);
  assert.equal(movielens.data.joins[1]!.encoding, 'latin1');
  const frappe = await readPipelineConfig(join(repoRoot(), 'examples', 'frappe.yaml'));
  assert.equal(frappe.data.format, 'libfm');
  assert.equal(frappe.features.length, 10);
});
