/**
 * examples/tiny-seq.yaml through the CLI: DIN on the 100-row Taobao sample with a '^'-separated
 * click_sequence sharing adgroup_id's vocabulary trains, saves, and the saved model evaluates and
 * predicts the test file (the pipeline reloads the sequence feature). A smoke test: 100 rows
 * with 4 clicks say nothing about quality.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, workDir } from './cli-fixtures.js';
import { realDataSkip } from '../support/real-data.js';
import { repoRoot } from '../support/repo-root.js';

const skip = realDataSkip('samples/tiny_seq_csv/train.csv');
const TEST_FILE = '../shared/data/samples/tiny_seq_csv/test.csv';

test('deeprank train on examples/tiny-seq.yaml (DIN over click_sequence), then eval and predict', { skip }, async (t) => {
  const dir = await workDir(t);
  const model = join(dir, 'm');
  const train = await runCli(['train', '--config', 'examples/tiny-seq.yaml', '--out', model], repoRoot());
  assert.equal(train.code, 0, train.stderr);
  console.log(train.stdout.trim().split('\n').at(-2));
  assert.match(train.stdout, /^test: auc \d\.\d{4}\s+logloss \d+\.\d{4}$/m);
  const manifest = JSON.parse(await readFile(join(model, 'model.json'), 'utf8'));
  assert.equal(manifest.model.type, 'din');
  const schema = JSON.parse(await readFile(join(model, 'schema.json'), 'utf8'));
  assert.deepEqual(schema.spec.sequence.map((s: { name: string; vocabularyOf: string }) => [s.name, s.vocabularyOf]), [['click_sequence', 'adgroup_id']]);

  const evaluated = await runCli(['eval', '--model', model, '--data', TEST_FILE], repoRoot());
  assert.equal(evaluated.code, 0, evaluated.stderr);
  assert.equal(JSON.parse(evaluated.stdout).rows, 100);
  const predicted = await runCli(['predict', '--model', model, '--data', TEST_FILE, '--out', join(dir, 'p.csv')], repoRoot());
  assert.equal(predicted.code, 0, predicted.stderr);
  const lines = (await readFile(join(dir, 'p.csv'), 'utf8')).trimEnd().split('\n');
  assert.equal(lines.length, 101);
  for (const line of lines.slice(1)) assert.ok(Number(line.split(',')[1]) > 0 && Number(line.split(',')[1]) < 1, line);
});
