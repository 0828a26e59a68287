/**
 * `deeprank calibrate` end to end on a generated click log: a model trained on negatively
 * downsampled data over-predicts; calibrating it on a validation file lowers the held-out ECE
 * that `eval` reports (eval scores calibrated predictions once calibration.json exists),
 * `predict` writes calibrated predictions and, with a utility policy, the utility and the
 * policy version; a new policy changes the utility without touching the model. Bad input is
 * one error line naming file/field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { downsampleNegatives } from '../support/negative-downsampling.js';
import { assertCliError, clickLogConfig, clickLogCsv, runCli, snapshotFiles, workDir, writeConfig } from './cli-fixtures.js';

const SUMMARY = (label: string) => new RegExp(`^${label}:\\s+ECE (\\d\\.\\d{4})\\s+ratio (\\d+\\.\\d{4})\\s+logloss (\\d+\\.\\d{4})$`, 'm');

function summary(stdout: string, label: string): { ece: number; ratio: number; logloss: number } {
  const match = SUMMARY(label).exec(stdout);
  assert.ok(match, `'${label}:' summary printed:\n${stdout}`);
  return { ece: Number(match[1]), ratio: Number(match[2]), logloss: Number(match[3]) };
}

async function evalMetrics(dir: string): Promise<{ calibration: string; metrics: Record<string, number> }> {
  const run = await runCli(['eval', '--model', 'm', '--data', 'test.csv', '--metrics', 'auc,logloss,ece'], dir);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout);
}

test('calibrate, calibrated eval/predict and the utility policy on a generated click log', async (t) => {
  const dir = await workDir(t);
  const train = clickLogCsv({ rows: 3000, seed: 1 }).trimEnd().split('\n');
  const kept = downsampleNegatives(train.slice(1), (line) => line.startsWith('1,'), 0.25, 5);
  await writeFile(join(dir, 'train.csv'), [train[0], ...kept].join('\n') + '\n');
  await writeFile(join(dir, 'val.csv'), clickLogCsv({ rows: 1500, seed: 2 }));
  await writeFile(join(dir, 'test.csv'), clickLogCsv({ rows: 1500, seed: 3 }));
  await writeFile(join(dir, 'new.csv'), clickLogCsv({ rows: 40, seed: 4, labels: false }));
  const config = clickLogConfig();
  config.train.epochs = 3;
  assert.equal((await runCli(['train', '--config', await writeConfig(dir, config), '--out', 'm'], dir)).code, 0);

  const uncalibrated = await evalMetrics(dir);
  assert.equal(uncalibrated.calibration, 'none');

  await t.test('calibrate prints before/after, saves calibration.json and the reliability diagram', async () => {
    const run = await runCli(['calibrate', '--model', 'm', '--data', 'val.csv', '--method', 'platt'], dir);
    assert.equal(run.code, 0, run.stderr);
    const before = summary(run.stdout, 'before');
    const after = summary(run.stdout, 'after');
    console.log(`cli calibrate (platt, generated click log, negatives kept 25%): validation ECE ${before.ece} -> ${after.ece}, ratio ${before.ratio} -> ${after.ratio}, logloss ${before.logloss} -> ${after.logloss}`);
    assert.ok(before.ratio > 1.2, `the downsampled model over-predicts: ratio ${before.ratio}`);
    assert.ok(after.ece < before.ece && after.logloss < before.logloss);
    assert.ok(Math.abs(after.ratio - 1) < 0.05, `ratio after ${after.ratio}`);
    const saved = JSON.parse(await readFile(join(dir, 'm', 'calibration.json'), 'utf8'));
    assert.equal(saved.tasks.click.method, 'platt');
    assert.equal(saved.tasks.click.fittedOn.rows, 1500);
    const svg = await readFile(join(dir, 'm', 'reliability-click.svg'), 'utf8');
    assert.match(svg, /^<svg /);
    assert.match(svg, /perfectly calibrated/);
    assert.equal((svg.match(/<polyline /g) ?? []).length, 3, 'diagonal, before and after');
  });

  await t.test('eval scores the calibrated predictions: held-out ECE and logloss drop, AUC stays', async () => {
    const calibrated = await evalMetrics(dir);
    assert.equal(calibrated.calibration, 'platt');
    const [b, a] = [uncalibrated.metrics, calibrated.metrics];
    console.log(`cli eval on held-out test.csv: ECE ${b.ece!.toFixed(4)} -> ${a.ece!.toFixed(4)}, logloss ${b.logloss!.toFixed(4)} -> ${a.logloss!.toFixed(4)}, auc ${b.auc!.toFixed(4)} -> ${a.auc!.toFixed(4)}`);
    assert.ok(a.ece! < b.ece! / 2, `held-out ECE ${b.ece} -> ${a.ece}`);
    assert.ok(a.logloss! < b.logloss!);
    assert.ok(Math.abs(a.auc! - b.auc!) < 1e-3, 'Platt keeps the ranking');
  });

  await t.test('predict with a utility policy; a new policy changes the utility without retraining', async () => {
    await writeFile(join(dir, 'u1.yaml'), 'version: 2026-01\nterms:\n  click: 2\n');
    await writeFile(join(dir, 'u2.yaml'), 'version: 2026-02\noffset: 1\nterms:\n  click: { weight: -0.5 }\n');
    const model = await snapshotFiles(join(dir, 'm'));
    const plain = await runCli(['predict', '--model', 'm', '--data', 'new.csv', '--out', 'p.csv'], dir);
    assert.equal(plain.code, 0, plain.stderr);
    const calibrated = (await readFile(join(dir, 'p.csv'), 'utf8')).trimEnd().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
    for (const [policy, out, weight, offset] of [['u1.yaml', 'p1.csv', 2, 0], ['u2.yaml', 'p2.csv', -0.5, 1]] as const) {
      const run = await runCli(['predict', '--model', 'm', '--data', 'new.csv', '--out', out, '--utility', policy], dir);
      assert.equal(run.code, 0, run.stderr);
      const lines = (await readFile(join(dir, out), 'utf8')).trimEnd().split('\n');
      assert.equal(lines[0], 'row,click,utility,policy_version');
      assert.equal(lines.length, 41);
      lines.slice(1).forEach((line, i) => {
        const [row, click, utility, version] = line.split(',');
        assert.equal(Number(row), i + 1);
        assert.equal(Number(click), calibrated[i], 'the calibrated prediction, as plain predict writes it');
        assert.ok(Math.abs(Number(utility) - (offset + weight * Number(click))) < 1e-6, line);
        assert.equal(version, policy === 'u1.yaml' ? '2026-01' : '2026-02');
      });
    }
    assert.deepEqual(await snapshotFiles(join(dir, 'm')), model, 'the model directory is untouched');
  });

  await t.test('per-segment isotonic and temperature calibrations fit; eval names the calibration', async () => {
    const run = await runCli(['calibrate', '--model', 'm', '--data', 'val.csv', '--method', 'isotonic', '--segment-by', 'user', '--min-segment-size', '100', '--bins', '20'], dir);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /isotonic per user \(12 segments of >= 100 rows, others global\)/);
    assert.ok(summary(run.stdout, 'after').ece < summary(run.stdout, 'before').ece);
    const saved = JSON.parse(await readFile(join(dir, 'm', 'calibration.json'), 'utf8'));
    assert.equal(Object.keys(saved.tasks.click.segments).length, 12);
    assert.equal((await evalMetrics(dir)).calibration, 'isotonic per user');
    const temperature = await runCli(['calibrate', '--model', 'm', '--data', 'val.csv', '--method', 'temperature'], dir);
    assert.equal(temperature.code, 0, temperature.stderr);
    assert.equal((await evalMetrics(dir)).calibration, 'temperature');
  });

  await t.test('bad input: one line naming the file and field, nothing written', async () => {
    const before = await snapshotFiles(join(dir, 'm'));
    assertCliError(await runCli(['calibrate', '--model', 'm', '--data', 'val.csv', '--method', 'platt', '--segment-by', 'surface'], dir), { file: 'val.csv', field: 'surface', message: /unknown column 'surface'/ });
    assertCliError(await runCli(['calibrate', '--model', 'm', '--data', 'new.csv', '--method', 'platt'], dir), { file: 'new.csv', field: 'click' });
    assertCliError(await runCli(['calibrate', '--model', 'm', '--data', 'val.csv', '--method', 'beta'], dir), { field: '--method', message: /platt, isotonic, temperature/ });
    assertCliError(await runCli(['calibrate', '--model', 'm', '--data', 'val.csv', '--method', 'platt', '--bins', '5'], dir), { field: '--bins' });
    await writeFile(join(dir, 'u3.yaml'), 'version: 3\nterms:\n  click: 1\n  purchase: 3\n');
    assertCliError(await runCli(['predict', '--model', 'm', '--data', 'new.csv', '--out', 'p3.csv', '--utility', 'u3.yaml'], dir), { file: 'u3.yaml', field: 'terms.purchase', message: /no task 'purchase'/ });
    await writeFile(join(dir, 'u4.yaml'), 'terms:\n  click: 1\n');
    assertCliError(await runCli(['predict', '--model', 'm', '--data', 'new.csv', '--out', 'p4.csv', '--utility', 'u4.yaml'], dir), { file: 'u4.yaml', field: 'version' });
    assert.ok(!existsSync(join(dir, 'p3.csv')) && !existsSync(join(dir, 'p4.csv')));
    assert.deepEqual(await snapshotFiles(join(dir, 'm')), before);
  });
});
