/**
 * Calibration on real data (Frappe): the libFM file is split 70/15/15 with a seed into train,
 * calibration and held-out files (in a temp directory), the train file's negatives are
 * downsampled to a third, and a DNN trained on it (1 thread) over-predicts. `deeprank calibrate`
 * on the calibration file must halve the held-out ECE and lower the logloss that `deeprank eval`
 * reports with Platt, isotonic and per-segment isotonic (daytime, column f2). Temperature scaling
 * keeps p = 0.5 fixed and so cannot undo a base-rate shift: it must only not hurt held-out logloss.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseRunConfig } from '../../src/train/run-config.js';
import { trainFromConfig } from '../../src/train/train-run.js';
import { Random } from '../../src/util/random.js';
import { runCli, workDir } from '../cli/cli-fixtures.js';
import { downsampleNegatives } from '../support/negative-downsampling.js';
import { exampleConfig, realDataSkip, sharedData } from '../support/real-data.js';

const skip = realDataSkip('frappe/frappe.validation.libfm');

test('Frappe: calibrating a negatively downsampled DNN lowers held-out ECE and logloss', { skip, timeout: 180_000 }, async (t) => {
  const started = performance.now();
  const dir = await workDir(t);
  const lines = (await readFile(join(sharedData, 'frappe', 'frappe.validation.libfm'), 'utf8')).trimEnd().split('\n');
  const order = new Random(2026).permutation(lines.length);
  const part = (from: number, to: number) => Array.from(order.subarray(Math.floor(from * lines.length), Math.floor(to * lines.length)), (i) => lines[i]!);
  const train = downsampleNegatives(part(0, 0.7), (line) => line.startsWith('1 '), 1 / 3, 7);
  await writeFile(join(dir, 'train.libfm'), train.join('\n') + '\n');
  await writeFile(join(dir, 'calibration.libfm'), part(0.7, 0.85).join('\n') + '\n');
  await writeFile(join(dir, 'heldout.libfm'), part(0.85, 1).join('\n') + '\n');

  const base = exampleConfig('frappe.yaml');
  const config = parseRunConfig({
    ...base,
    output: undefined,
    data: { ...(base.data as object), train: 'train.libfm', split: { validation: 0.1, test: 0, seed: 2026 } },
    model: { type: 'dnn', embeddingDim: 16, hiddenUnits: [64] },
    train: { ...(base.train as object), epochs: 3, threads: 1 },
  });
  await trainFromConfig(config, { baseDir: dir, outDir: join(dir, 'm') });

  const heldOut = async () => {
    const run = await runCli(['eval', '--model', 'm', '--data', 'heldout.libfm', '--metrics', 'auc,logloss,ece'], dir);
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout).metrics as { auc: number; logloss: number; ece: number };
  };
  const before = await heldOut();
  console.log(`frappe dnn (negatives kept 1/3, 3 epochs): held-out auc ${before.auc.toFixed(4)} logloss ${before.logloss.toFixed(4)} ECE(15) ${before.ece.toFixed(4)} uncalibrated`);
  assert.ok(before.ece > 0.05, `the downsampled model is miscalibrated: ECE ${before.ece}`);
  for (const args of [['--method', 'platt'], ['--method', 'isotonic'], ['--method', 'temperature'], ['--method', 'isotonic', '--segment-by', 'f2', '--min-segment-size', '300']]) {
    const run = await runCli(['calibrate', '--model', 'm', '--data', 'calibration.libfm', ...args], dir);
    assert.equal(run.code, 0, run.stderr);
    const after = await heldOut();
    const ratio = /^after:.*ratio (\S+)/m.exec(run.stdout)![1];
    console.log(`frappe ${args.join(' ')}: held-out ECE ${before.ece.toFixed(4)} -> ${after.ece.toFixed(4)}, logloss ${before.logloss.toFixed(4)} -> ${after.logloss.toFixed(4)}, auc ${after.auc.toFixed(4)}; calibration-file ratio after ${ratio}`);
    if (args[1] !== 'temperature') assert.ok(after.ece < before.ece / 2, `${args.join(' ')}: held-out ECE ${before.ece} -> ${after.ece}`);
    assert.ok(after.logloss < before.logloss, `${args.join(' ')}: held-out logloss ${before.logloss} -> ${after.logloss}`);
  }
  console.log(`frappe calibration test: ${((performance.now() - started) / 1000).toFixed(1)} s`);
});
