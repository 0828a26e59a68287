/**
 * The MovieLens 100K clicks-with-history comparison shared by the DIN and DIEN e2e tests
 * (src/data/click-history.ts): the encoded dataset with its test users, the training settings,
 * the seeds, and one model's training and test scores.
 */
import { join } from 'node:path';
import { CLICK_LABEL, clickHistoryFeatures, movieLensClickHistory } from '../../src/data/click-history.js';
import { FeatureSectionsSchema, parseWithSchema } from '../../src/data/data-config.js';
import { FeaturePipeline } from '../../src/data/feature-pipeline.js';
import type { EncodedDataset } from '../../src/data/encoded-dataset.js';
import { auc, gauc } from '../../src/metrics/index.js';
import { Predictor } from '../../src/train/predict.js';
import { RankingModel } from '../../src/train/ranking-model.js';
import { TrainConfigSchema } from '../../src/train/train-config.js';
import { Trainer } from '../../src/train/trainer.js';
import { sharedData } from './real-data.js';

export const SEEDS = [2026, 7];
export const TRAIN = { epochs: 3, batchSize: 256, optimizer: { type: 'adam', learningRate: 0.002 }, threads: 1 };
/** The baseline: `dnn` mean-pools the history from the candidate's embedding table. */
export const SHARED_MODEL = { embeddingDim: 16, hiddenUnits: [64, 32] };
export const SETTINGS = `dim 16, MLP [64, 32], ${TRAIN.epochs} epochs, batch 256, Adam 0.002, 1 thread`;

export interface ClickHistoryData {
  dataset: EncodedDataset;
  train: Int32Array;
  test: Int32Array;
  /** The user of each test row, for gAUC. */
  groups: Int32Array;
}

export interface Scores {
  auc: number;
  gauc: number;
  seconds: number;
}

/** The encoded dataset; prints its size, click rates and mean history length. */
export async function loadClickHistory(): Promise<ClickHistoryData> {
  const started = performance.now();
  const data = await movieLensClickHistory(join(sharedData, 'ml-100k'));
  const sections = parseWithSchema(FeatureSectionsSchema, { features: clickHistoryFeatures(), labels: [CLICK_LABEL] });
  const dataset = FeaturePipeline.fit(sections, data.table, data.train).transform(data.table, { requireLabels: true });
  const groups = Int32Array.from(data.test, (row) => data.users[row]!);
  const clicks = dataset.labels('click');
  const { mask } = dataset.multiValue('history');
  const ctr = (rows: Int32Array) => rows.reduce((n, r) => n + clicks[r]!, 0) / rows.length;
  const meanHistory = mask.reduce((n, m) => n + m, 0) / dataset.numRows;
  console.log(
    `movielens clicks-with-history: ${data.train.length} train / ${data.test.length} test rows, click rate ${ctr(data.train).toFixed(3)} / ${ctr(data.test).toFixed(3)}, ` +
      `mean history ${meanHistory.toFixed(1)} (max 50); built in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return { dataset, train: data.train, test: data.test, groups };
}

/** Train `type` with TRAIN's settings at `seed`; its test AUC and gAUC. */
export async function trainAndScore(type: string, config: Record<string, unknown>, seed: number, { dataset, train, test, groups }: ClickHistoryData): Promise<Scores> {
  const started = performance.now();
  const model = new RankingModel(dataset.spec, RankingModel.parseModelSpec(type, config), { task: 'click', kind: 'binary', offset: 0 }, undefined, seed);
  await new Trainer(model, TrainConfigSchema.parse({ ...TRAIN, seed })).fit({ source: dataset, rows: train });
  const predictor = await Predictor.create(model, 1);
  const { predictions, labels } = await predictor.predict(dataset, test, { task: 'click' });
  await predictor.release();
  return { auc: auc(labels!, predictions), gauc: gauc(labels!, predictions, groups), seconds: (performance.now() - started) / 1000 };
}
