/**
 * ../shared/data/samples/tiny_mtl (click and conversion) end to end through the CLI with
 * examples/tiny-mtl.yaml: train (per-task test metrics), eval (<task>.<metric>) and predict
 * (one column per task).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { realDataSkip } from '../support/real-data.js';
import { repoRoot } from '../support/repo-root.js';
import { runCli, workDir } from './cli-fixtures.js';

const skip = realDataSkip('samples/tiny_mtl/train.csv');

test('tiny_mtl trains, evaluates and predicts both tasks through the CLI', { skip, timeout: 120_000 }, async (t) => {
  const dir = await workDir(t);
  const model = join(dir, 'm');
  const trained = await runCli(['train', '--config', 'examples/tiny-mtl.yaml', '--out', model], repoRoot());
  assert.equal(trained.code, 0, trained.stderr);
  console.log(`tiny_mtl mmoe: ${trained.stdout.trim().split('\n').filter((l) => l.startsWith('test')).join(' ')}`);
  assert.match(trained.stdout, /test: .*click\.auc .*conversion\.auc/);
  const manifest = JSON.parse(await readFile(join(model, 'model.json'), 'utf8'));
  assert.deepEqual(manifest.heads.map((h: { task: string }) => h.task), ['click', 'conversion']);
  const history = manifest.training.history as { trainLoss: number; validation: Record<string, number> }[];
  assert.ok(history.at(-1)!.trainLoss < history[0]!.trainLoss, 'the training loss falls');
  assert.ok('click.logloss' in history[0]!.validation && 'conversion.logloss' in history[0]!.validation);

  const evaluated = await runCli(['eval', '--model', model, '--data', '../shared/data/samples/tiny_mtl/test.csv'], repoRoot());
  assert.equal(evaluated.code, 0, evaluated.stderr);
  const metrics = JSON.parse(evaluated.stdout).metrics as Record<string, number>;
  for (const key of ['click.auc', 'click.logloss', 'conversion.auc', 'conversion.logloss']) assert.ok(Number.isFinite(metrics[key]), `${key} = ${metrics[key]}`);

  const out = join(dir, 'scores.csv');
  const predicted = await runCli(['predict', '--model', model, '--data', '../shared/data/samples/tiny_mtl/test.csv', '--out', out], repoRoot());
  assert.equal(predicted.code, 0, predicted.stderr);
  const lines = (await readFile(out, 'utf8')).trim().split('\n');
  assert.equal(lines[0], 'row,click,conversion');
  assert.equal(lines.length, 101);
  for (const line of lines.slice(1)) {
    const [, click, conversion] = line.split(',').map(Number);
    assert.ok(click! > 0 && click! < 1 && conversion! > 0 && conversion! < 1, line);
  }
});
