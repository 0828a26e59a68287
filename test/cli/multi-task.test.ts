/**
 * ../shared/data/samples/tiny_mtl (click and conversion) end to end through the CLI with
 * examples/tiny-mtl.yaml: train (per-task test metrics), eval (<task>.<metric>), predict
 * (one column per task) and predict with a utility policy over both heads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { realDataSkip } from '../support/real-data.js';
import { repoRoot } from '../support/repo-root.js';
import { runCli, workDir, writeConfig } from './cli-fixtures.js';

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

  // The utility composes both heads' predictions under a versioned policy, without retraining.
  await writeConfig(dir, { version: 'v7', terms: { click: 0.5, conversion: 3 } }, 'utility.yaml');
  const composed = join(dir, 'utility.csv');
  const withUtility = await runCli(['predict', '--model', model, '--data', '../shared/data/samples/tiny_mtl/test.csv', '--out', composed, '--utility', join(dir, 'utility.yaml')], repoRoot());
  assert.equal(withUtility.code, 0, withUtility.stderr);
  const utilityLines = (await readFile(composed, 'utf8')).trim().split('\n');
  assert.equal(utilityLines[0], 'row,click,conversion,utility,policy_version');
  utilityLines.slice(1).forEach((line, i) => {
    const [row, click, conversion, utility, version] = line.split(',');
    assert.equal(line.split(',').slice(0, 3).join(','), lines[i + 1], 'the same per-task predictions as without the policy');
    assert.ok(Math.abs(Number(utility) - (0.5 * Number(click) + 3 * Number(conversion))) < 1e-6, `row ${row}: ${line}`);
    assert.equal(version, 'v7');
  });
});
