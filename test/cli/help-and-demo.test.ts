/**
 * The command surface: `--help` lists every command, an unknown command fails, and `demo`
 * trains LR, DNN and DCN-v2 on a small synthetic click log and writes its report. At 20,000 rows
 * and 2 epochs the models are not separated, so only the report's shape is checked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, workDir } from './cli-fixtures.js';

test('--help lists train, eval, predict and demo', async (t) => {
  const run = await runCli(['--help'], await workDir(t));
  assert.equal(run.code, 0, run.stderr);
  for (const command of ['train', 'eval', 'predict', 'demo']) {
    assert.match(run.stdout, new RegExp(`^\\s+${command}\\b`, 'm'), `lists ${command}:\n${run.stdout}`);
  }
});

test('an unknown command exits non-zero and names it', async (t) => {
  const run = await runCli(['tran', '--config', 'c.yaml'], await workDir(t));
  assert.notEqual(run.code, 0);
  assert.match(run.stderr, /unknown command 'tran'/);
  assert.doesNotMatch(run.stderr, /^\s+at .+:\d+:\d+\)?$/m, 'no stack trace');
});

test('a missing required option exits 2 and names it', async (t) => {
  const run = await runCli(['predict', '--model', 'm', '--data', 'new.csv'], await workDir(t));
  assert.equal(run.code, 2);
  assert.match(run.stderr, /required option '-o, --out <file>' not specified/);
});

test('demo writes a report with a row for lr, dnn and dcn-v2', async (t) => {
  const dir = await workDir(t);
  const run = await runCli(['demo', '--out', 'report', '--rows', '20000', '--epochs', '2', '--threads', '1'], dir);
  assert.equal(run.code, 0, run.stderr);
  const report = await readFile(join(dir, 'report', 'report.md'), 'utf8');
  assert.match(report, /^\| model \| test AUC \| test logloss \| best epoch \| parameters \| seconds \|$/m);
  for (const model of ['lr', 'dnn', 'dcn-v2']) {
    const row = new RegExp(`^\\| ${model} \\| (0\\.\\d{4}|1\\.0000) \\| \\d+\\.\\d{4} \\| [12] \\| \\d+ \\| \\d+\\.\\d \\|$`, 'm');
    assert.match(report, row, `a table row for ${model}:\n${report}`);
    assert.ok(existsSync(join(dir, 'report', 'models', model, 'model.json')), `models/${model} saved`);
  }
  const results = JSON.parse(await readFile(join(dir, 'report', 'results.json'), 'utf8'));
  assert.deepEqual(results.results.map((r: { model: string }) => r.model), ['lr', 'dnn', 'dcn-v2']);
});
