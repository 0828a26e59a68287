/**
 * Bad input to `train`, `eval` and `predict`: every case exits with code 2, prints exactly one
 * `deeprank: error:` line naming the file (and the 1-based data row and the column or config
 * field where they apply), prints no stack trace, and leaves its working directory exactly as
 * it was: no output file or model directory, no checkpoint, no temp file. A failed `train` into
 * an existing model directory leaves the previous model byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import {
  assertCliError,
  clickLogConfig,
  clickLogCsv,
  listTree,
  runCli,
  snapshotFiles,
  workDir,
  writeConfig,
  type ExpectedCliError,
} from './cli-fixtures.js';

const TRAIN_ROWS = 300;

interface BadInputCase {
  name: string;
  /** Writes the case's files into `dir`; returns the CLI arguments. `model` is a trained model directory. */
  setup(dir: string, model: string): Promise<string[]>;
  expected: ExpectedCliError;
}

/** train.csv with data row `row` (1-based, header excluded) changed by `edit`. */
function trainCsvWith(row: number, edit: (fields: string[]) => void): string {
  const lines = clickLogCsv({ rows: TRAIN_ROWS, seed: 1 }).trimEnd().split('\n');
  const fields = lines[row]!.split(',');
  edit(fields);
  lines[row] = fields.join(',');
  return lines.join('\n') + '\n';
}

/** A `train --config c.yaml --out m` case with the config changed by `edit` and train.csv replaced by `csv`. */
function trainCase(
  name: string,
  expected: ExpectedCliError,
  { edit, csv }: { edit?: (config: Record<string, any>) => void; csv?: string },
): BadInputCase {
  return {
    name,
    expected,
    async setup(dir) {
      const config = clickLogConfig();
      edit?.(config);
      await writeFile(join(dir, 'train.csv'), csv ?? clickLogCsv({ rows: TRAIN_ROWS, seed: 1 }));
      return ['train', '--config', await writeConfig(dir, config), '--out', 'm'];
    },
  };
}

const CASES: BadInputCase[] = [
  trainCase('a missing data file', { file: 'missing.csv', message: /file not found/ }, { edit: (c) => (c.data.train = 'missing.csv') }),
  {
    name: 'a missing config file',
    expected: { file: 'absent.yaml', message: /not found/ },
    setup: async () => ['train', '--config', 'absent.yaml', '--out', 'm'],
  },
  trainCase(
    'an unknown column referenced by a feature',
    { file: 'train.csv', field: 'itemz', message: /unknown column 'itemz'.*available columns: click, user, item, price/ },
    { edit: (c) => (c.features[1].column = 'itemz') },
  ),
  trainCase(
    'a non-numeric value in a numeric column',
    { file: 'train.csv', row: 37, field: 'price', message: /expected a number, got 'abc'/ },
    { csv: trainCsvWith(37, (f) => (f[3] = 'abc')) },
  ),
  trainCase(
    'a non-numeric value in a numeric column that is also categorical',
    { file: 'train.csv', row: 211, field: 'price', message: /expected a number, got '12,5'/ },
    {
      csv: trainCsvWith(211, (f) => (f[3] = '"12,5"')),
      edit: (c) => c.features.push({ name: 'price_id', type: 'categorical', column: 'price' }),
    },
  ),
  trainCase('a file with only a header line', { file: 'train.csv', message: /no data rows/ }, { csv: 'click,user,item,price\n' }),
  trainCase('a zero-byte file', { file: 'train.csv', message: /no data rows/ }, { csv: '' }),
  trainCase(
    'a binary label outside {0, 1}',
    { file: 'train.csv', row: 10, field: 'click', message: /must be 0 or 1, got 2/ },
    { csv: trainCsvWith(10, (f) => (f[0] = '2')) },
  ),
  trainCase('a negative model.embeddingDim', { file: 'c.yaml', field: 'model.embeddingDim', message: /more than 0, got -1/ }, { edit: (c) => (c.model.embeddingDim = -1) }),
  trainCase('train.epochs: 0', { file: 'c.yaml', field: 'train.epochs', message: /more than 0, got 0/ }, { edit: (c) => (c.train.epochs = 0) }),
  trainCase('an unknown model type', { file: 'c.yaml', field: 'model.type', message: /unknown model type 'xgboost'.*dcn-v2/ }, { edit: (c) => (c.model.type = 'xgboost') }),
  trainCase('an unknown top-level key', { file: 'c.yaml', field: 'trainer', message: /unknown key/ }, { edit: (c) => (c.trainer = { epochs: 2 }) }),
  trainCase(
    'an unknown early-stopping metric (found before training, not after)',
    { file: 'c.yaml', field: 'train.earlyStopping.metric', message: /unknown metric 'aucc'/ },
    { edit: (c) => (c.train.earlyStopping = { metric: 'aucc', patience: 1 }) },
  ),
  trainCase(
    'a grouped metric without train.groupBy',
    { file: 'c.yaml', field: 'train.groupBy', message: /ndcg@5/ },
    { edit: (c) => c.train.metrics.push('ndcg@5') },
  ),
  {
    name: 'eval with a missing model directory',
    expected: { file: 'no-model', message: /not a deeprank model directory/ },
    async setup(dir) {
      await writeFile(join(dir, 'test.csv'), clickLogCsv({ rows: 50, seed: 2 }));
      return ['eval', '--model', 'no-model', '--data', 'test.csv'];
    },
  },
  {
    name: 'eval on a file with a non-numeric value',
    expected: { file: 'test.csv', row: 5, field: 'price', message: /expected a number, got 'n\/a!'/ },
    async setup(dir, model) {
      const lines = clickLogCsv({ rows: 50, seed: 2 }).split('\n');
      lines[5] = lines[5]!.replace(/,[^,]*$/, ',n/a!');
      await writeFile(join(dir, 'test.csv'), lines.join('\n'));
      return ['eval', '--model', model, '--data', 'test.csv'];
    },
  },
  {
    name: 'eval --group-by with a feature the model does not have',
    expected: { field: '--group-by', message: /'shop' is not a categorical feature of the model; one of: user, item/ },
    async setup(dir, model) {
      await writeFile(join(dir, 'test.csv'), clickLogCsv({ rows: 50, seed: 2 }));
      return ['eval', '--model', model, '--data', 'test.csv', '--metrics', 'gauc', '--group-by', 'shop'];
    },
  },
  {
    name: 'predict on a file missing a feature column',
    expected: { file: 'new.csv', field: 'item', message: /unknown column 'item'; available columns: user, price/ },
    async setup(dir, model) {
      const csv = clickLogCsv({ rows: 30, seed: 3, labels: false })
        .split('\n')
        .map((line) => line.split(',').filter((_, i) => i !== 1).join(','))
        .join('\n');
      await writeFile(join(dir, 'new.csv'), csv);
      return ['predict', '--model', model, '--data', 'new.csv', '--out', 's.csv'];
    },
  },
  {
    name: 'predict on a missing data file',
    expected: { file: 'absent.csv', message: /file not found/ },
    setup: async (_dir, model) => ['predict', '--model', model, '--data', 'absent.csv', '--out', 'out/s.csv'],
  },
];

// Cases run side by side, one CLI process per core.
test('bad input: exit 2, one line naming file/row/field, nothing left behind', { concurrency: availableParallelism() }, async (t) => {
  const shared = await workDir(t);
  await writeFile(join(shared, 'train.csv'), clickLogCsv({ rows: TRAIN_ROWS, seed: 1 }));
  const trained = await runCli(['train', '--config', await writeConfig(shared, clickLogConfig()), '--out', 'model'], shared);
  assert.equal(trained.code, 0, trained.stderr);
  const model = join(shared, 'model');

  await Promise.all(
    CASES.map(({ name, setup, expected }) =>
      t.test(name, async (st) => {
        const dir = await workDir(st);
        const args = await setup(dir, model);
        const before = await listTree(dir);
        assertCliError(await runCli(args, dir), expected);
        assert.deepEqual(await listTree(dir), before, 'no output, checkpoint or temp file left behind');
      }),
    ),
  );

  await t.test('a failed train into an existing model directory keeps the previous model', async (st) => {
    const dir = await workDir(st);
    await cp(model, join(dir, 'm'), { recursive: true });
    await writeFile(join(dir, 'train.csv'), trainCsvWith(10, (f) => (f[0] = '2')));
    const config = await writeConfig(dir, clickLogConfig());
    const before = await listTree(dir);
    const previous = await snapshotFiles(join(dir, 'm'));
    assertCliError(await runCli(['train', '--config', config, '--out', 'm'], dir), { file: 'train.csv', row: 10, field: 'click' });
    assert.deepEqual(await listTree(dir), before, 'nothing added beside the model');
    assert.deepEqual(await snapshotFiles(join(dir, 'm')), previous, 'the previous model is unchanged');
    const evaluated = await runCli(['eval', '--model', 'm', '--data', join(shared, 'train.csv')], dir);
    assert.equal(evaluated.code, 0, `the previous model still loads: ${evaluated.stderr}`);
  });

  await t.test(
    'eval on a model whose weights.bin is truncated',
    async (st) => {
      const dir = await workDir(st);
      await cp(model, join(dir, 'm'), { recursive: true });
      const weights = await readFile(join(dir, 'm', 'weights.bin'));
      await writeFile(join(dir, 'm', 'weights.bin'), weights.subarray(0, 100));
      const result = await runCli(['eval', '--model', 'm', '--data', join(shared, 'train.csv')], dir);
      assertCliError(result, { file: 'weights.bin' });
    },
  );
});
