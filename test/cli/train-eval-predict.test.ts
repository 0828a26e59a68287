/**
 * The CLI's happy path on a small generated click log: `train` writes a complete model
 * directory and prints test metrics, `eval` prints JSON metrics, `predict` writes one
 * `row,prediction` line per input row (with or without a label column), and `--resume` after a
 * completed run trains again and cleans up after itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clickLogConfig, clickLogCsv, listTree, runCli, workDir, writeConfig } from './cli-fixtures.js';

const MODEL_FILES = ['model.json', 'weights.bin', 'model.onnx', 'schema.json', 'vocab.json', 'stats.json'];
const METRIC_LINE = /^test: auc (\d\.\d{4})\s+logloss (\d+\.\d{4})$/m;

/** Check a `row,prediction` CSV: header, rows 1..n in order, probabilities strictly in (0, 1). */
function assertPredictions(text: string, rows: number): void {
  const lines = text.trimEnd().split('\n');
  assert.equal(lines[0], 'row,prediction');
  assert.equal(lines.length, rows + 1, 'one line per input row');
  lines.slice(1).forEach((line, i) => {
    const [row, prediction, ...rest] = line.split(',');
    assert.equal(rest.length, 0, `two fields: ${line}`);
    assert.equal(Number(row), i + 1, `rows in input order: ${line}`);
    const p = Number(prediction);
    assert.ok(p > 0 && p < 1, `a probability in (0, 1): ${line}`);
  });
}

test('train, eval, predict and resume on a generated click log', async (t) => {
  const dir = await workDir(t);
  await writeFile(join(dir, 'train.csv'), clickLogCsv({ rows: 400, seed: 1 }));
  await writeFile(join(dir, 'test.csv'), clickLogCsv({ rows: 120, seed: 2 }));
  await writeFile(join(dir, 'new.csv'), clickLogCsv({ rows: 75, seed: 3, labels: false }));
  const config = await writeConfig(dir, clickLogConfig());

  await t.test('train writes the model directory and prints test metrics', async () => {
    const run = await runCli(['train', '--config', config, '--out', 'm'], dir);
    assert.equal(run.code, 0, run.stderr);
    for (const file of MODEL_FILES) assert.ok(existsSync(join(dir, 'm', file)), `m/${file} written`);
    const metrics = METRIC_LINE.exec(run.stdout);
    assert.ok(metrics, `test metrics printed:\n${run.stdout}`);
    const [auc, logloss] = [Number(metrics[1]), Number(metrics[2])];
    assert.ok(auc >= 0 && auc <= 1, `test auc ${auc}`);
    assert.ok(logloss > 0, `test logloss ${logloss}`);
    const manifest = JSON.parse(await readFile(join(dir, 'm', 'model.json'), 'utf8'));
    assert.equal(manifest.format, 'deeprank-model');
    assert.equal(manifest.model.type, 'dnn');
    assert.equal(manifest.training.history.length, 2, 'two epochs');
    assert.ok(!existsSync(join(dir, 'm.checkpoint')), 'the checkpoint directory is removed after saving');
  });

  await t.test('eval prints JSON with auc and logloss', async () => {
    const run = await runCli(['eval', '--model', 'm', '--data', 'test.csv'], dir);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.rows, 120);
    assert.ok(report.metrics.auc >= 0 && report.metrics.auc <= 1, `auc ${report.metrics.auc}`);
    assert.ok(Number.isFinite(report.metrics.logloss) && report.metrics.logloss > 0, `logloss ${report.metrics.logloss}`);
  });

  await t.test('predict scores a file without a label column', async () => {
    const run = await runCli(['predict', '--model', 'm', '--data', 'new.csv', '--out', 's.csv'], dir);
    assert.equal(run.code, 0, run.stderr);
    assertPredictions(await readFile(join(dir, 's.csv'), 'utf8'), 75);
  });

  await t.test('predict scores a file that has the label column', async () => {
    const run = await runCli(['predict', '--model', 'm', '--data', 'test.csv', '--out', 'scores/test.csv'], dir);
    assert.equal(run.code, 0, run.stderr);
    assertPredictions(await readFile(join(dir, 'scores', 'test.csv'), 'utf8'), 120);
  });

  await t.test('--resume after a completed run trains and saves again', async () => {
    const run = await runCli(['train', '--config', config, '--out', 'm', '--resume'], dir);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, METRIC_LINE);
    for (const file of MODEL_FILES) assert.ok(existsSync(join(dir, 'm', file)), `m/${file} written`);
    const evaluated = await runCli(['eval', '--model', 'm', '--data', 'test.csv'], dir);
    assert.equal(evaluated.code, 0, evaluated.stderr);
  });

  assert.deepEqual(
    (await listTree(dir)).filter((p) => !p.startsWith('m/') && !p.startsWith('scores/')),
    ['c.yaml', 'm', 'new.csv', 's.csv', 'scores', 'test.csv', 'train.csv'],
    'no checkpoint or temp files left beside the outputs',
  );
});
