/**
 * Model directories to bundle, trained once per test file on a generated click log (the CLI
 * tests' log, plus a `buy` label that follows clicks): a calibrated single-task DNN, a two-task
 * MMoE, and a DNN whose user vocabulary is one id smaller (trained without user u11), to pair a
 * model with a vocabulary it was not trained with. Plus: scoring with the served ONNX graph
 * exactly as a server would, and re-hashing a hand-edited bundle so that only the compatibility
 * checks can catch the edit.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveCalibration } from '../../src/calibration/calibration-file.js';
import { SegmentedCalibration } from '../../src/calibration/segmented-calibration.js';
import { calibrationSummary } from '../../src/calibration/calibration-summary.js';
import type { EncodedDataset } from '../../src/data/encoded-dataset.js';
import { FeaturePipeline } from '../../src/data/feature-pipeline.js';
import { loadWithPipeline } from '../../src/data/load-dataset.js';
import { servingFeeds } from '../../src/bundle/bundle-scorer.js';
import type { ScoringSession } from '../../src/bundle/load-bundle.js';
import { loadModel } from '../../src/train/model-artifact.js';
import { Predictor } from '../../src/train/predict.js';
import { parseRunConfig } from '../../src/train/run-config.js';
import { trainFromConfig } from '../../src/train/train-run.js';
import { contentHash } from '../../src/util/content-hash.js';
import { Random } from '../../src/util/random.js';
import { clickLogConfig, clickLogCsv } from '../cli/cli-fixtures.js';

export interface BundleFixtures {
  root: string;
  /** Calibrated (platt) single-task DNN. */
  dnn: string;
  /** MMoE with heads click and buy. */
  mmoe: string;
  /** A DNN trained without user u11: 12 user ids instead of 13. */
  smallerVocab: string;
  /** Rows to score, with labels: `click,buy,user,item,price`. */
  scoreFile: string;
  cleanup(): Promise<void>;
}

/** The click log with a `buy` column: a click is a purchase with probability 0.3 + 0.4 [item < 2]. */
function withPurchases(csv: string, seed: number): string {
  const rng = new Random(seed);
  const [header, ...rows] = csv.trimEnd().split('\n');
  const buy = (row: string) => (row.startsWith('1,') && rng.next() < (Number(row.split(',')[2]!.slice(1)) < 2 ? 0.7 : 0.3) ? 1 : 0);
  return [header!.replace('click,', 'click,buy,'), ...rows.map((row) => row.replace(/^(\d),/, `$1,${buy(row)},`))].join('\n') + '\n';
}

/** Train `config` (1 thread) into model directory `root/out`. */
export async function train(root: string, out: string, config: Record<string, any>): Promise<string> {
  const dir = join(root, out);
  await trainFromConfig(parseRunConfig(config), { baseDir: root, outDir: dir, threads: 1 });
  return dir;
}

export async function bundleFixtures(): Promise<BundleFixtures> {
  const root = await mkdtemp(join(tmpdir(), 'deeprank-bundle-test-'));
  const log = withPurchases(clickLogCsv({ rows: 1200, seed: 1 }), 2);
  await writeFile(join(root, 'train.csv'), log);
  await writeFile(join(root, 'train-no-u11.csv'), log.split('\n').filter((line) => !line.includes(',u11,')).join('\n'));
  await writeFile(join(root, 'score.csv'), withPurchases(clickLogCsv({ rows: 300, seed: 3 }), 4));

  const dnn = await train(root, 'dnn', clickLogConfig());
  const smallerVocab = await train(root, 'dnn-no-u11', { ...clickLogConfig(), data: { ...clickLogConfig().data, train: 'train-no-u11.csv' } });
  const mmoe = await train(root, 'mmoe', {
    ...clickLogConfig(),
    label: undefined,
    labels: [{ column: 'click', kind: 'binary' }, { column: 'buy', kind: 'binary' }],
    model: { type: 'mmoe', embeddingDim: 4, numExperts: 2, expertUnits: [8], towerUnits: [4] },
  });

  // Calibrate the DNN on the scored rows (the fit itself is tested elsewhere; here it only has to exist).
  const scored = await scoreWithModelDir(dnn, join(root, 'score.csv'));
  const calibration = SegmentedCalibration.fit('platt', scored.predictions.get('click')!, scored.labels);
  const summary = calibrationSummary(scored.labels, scored.predictions.get('click')!, 10);
  await saveCalibration(dnn, 'click', calibration, { file: 'score.csv', rows: scored.labels.length, bins: 10, before: summary, after: summary });

  return { root, dnn, mmoe, smallerVocab, scoreFile: join(root, 'score.csv'), cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** Each head's predictions on `file` from a model directory, the way `deeprank predict` scores. */
export async function scoreWithModelDir(modelDir: string, file: string): Promise<{ predictions: Map<string, Float32Array>; labels: Float32Array }> {
  const { model } = await loadModel(modelDir);
  const pipeline = await FeaturePipeline.load(modelDir);
  const data = await loadWithPipeline(pipeline, file, process.cwd(), { requireLabels: true });
  const predictor = await Predictor.create(model, 1);
  try {
    const predictions = new Map<string, Float32Array>();
    for (const head of model.heads) predictions.set(head.task, (await predictor.predict(data.source, data.rows, { head: head.task })).predictions);
    const { labels } = await predictor.predict(data.source, data.rows, { task: model.head.task });
    return { predictions, labels: labels! };
  } finally {
    await predictor.release();
  }
}

/** Every output of `session` on all rows of `dataset`. */
export async function scoreWithSession(session: ScoringSession, dataset: EncodedDataset): Promise<Record<string, Float32Array>> {
  const [batch] = [...dataset.batches(dataset.allRows(), dataset.numRows, { reuseBuffers: false })];
  return (await session.run(servingFeeds(batch!, dataset.spec))) as unknown as Record<string, Float32Array>;
}

/** A copy of bundle `dir` at `to`, with `edit` applied to its files and the manifest re-hashed to match. */
export async function editAndRehash(dir: string, to: string, edit: (files: Map<string, Buffer>) => void): Promise<void> {
  await cp(dir, to, { recursive: true });
  const manifest = JSON.parse(await readFile(join(to, 'manifest.json'), 'utf8'));
  const files = new Map(await Promise.all(Object.keys(manifest.files).map(async (name) => [name, await readFile(join(to, name))] as const)));
  edit(files);
  for (const [name, data] of files) {
    await writeFile(join(to, name), data);
    manifest.files[name] = contentHash(data);
  }
  await writeFile(join(to, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
}
