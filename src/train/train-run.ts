/**
 * One training run from a config: load and encode the data (pipeline fitted on the training rows),
 * train with validation and early stopping, evaluate the test split, save the model directory.
 * A checkpoint directory beside the output lets an interrupted run continue with `resume`.
 */
import { rm } from 'node:fs/promises';
import { loadTrainingData, type TrainingData } from '../data/load-dataset.js';
import type { FeaturePipeline } from '../data/feature-pipeline.js';
import { DataError } from '../errors.js';
import { modelDefinition } from '../models/registry.js';
import { saveModel } from './model-artifact.js';
import { warmStart, type WarmStartResult } from './pretrain.js';
import { RankingModel, type Head } from './ranking-model.js';
import type { RunConfig } from './run-config.js';
import { Trainer, type TrainCallbacks, type TrainResult } from './trainer.js';
import { resolveArithmetic } from './optimizers.js';
import type { ProductPrecision } from '../engine/graph.js';

export interface TrainRunOptions {
  /** Directory config paths are relative to. */
  baseDir: string;
  /** Where to save the model; nothing is saved when absent. */
  outDir?: string;
  resume?: boolean;
  threads?: number;
  /** Overrides the config's train.precision. */
  precision?: ProductPrecision;
  callbacks?: TrainCallbacks;
  configFile?: string;
}

export interface TrainRunResult {
  model: RankingModel;
  pipeline: FeaturePipeline;
  result: TrainResult;
  test?: Record<string, number>;
  data: TrainingData;
  /** The source models of the model's `pretrain` option, when it has one. */
  pretraining?: WarmStartResult;
}

/** A head per label for a multi-task model, else one for the first label; a regression head's offset is the mean of its present training labels. */
function headsFor(data: TrainingData, multiTask: boolean): Head[] {
  const tasks = data.pipeline.spec().tasks;
  if (tasks.length === 0) throw new DataError('the config defines no label');
  return (multiTask ? tasks : tasks.slice(0, 1)).map((task) => {
    if (task.kind === 'binary') return { task: task.name, kind: 'binary', offset: 0 };
    const labels = data.train.source.labels(task.name);
    let sum = 0;
    let count = 0;
    for (const r of data.train.rows) {
      if (Number.isNaN(labels[r]!)) continue;
      sum += labels[r]!;
      count++;
    }
    return { task: task.name, kind: 'regression', offset: count > 0 ? sum / count : 0 };
  });
}

export async function trainFromConfig(config: RunConfig, options: TrainRunOptions): Promise<TrainRunResult> {
  const data = await loadTrainingData(config.pipeline, options.baseDir, options.configFile ? { configFile: options.configFile } : {});
  return trainOnData(data, config, options);
}

/** A run on data already loaded and encoded (several models on one dataset load it once). */
export async function trainOnData(data: TrainingData, config: Pick<RunConfig, 'model' | 'train'>, options: Omit<TrainRunOptions, 'baseDir' | 'configFile'>): Promise<TrainRunResult> {
  const configured = { ...config.train, ...(options.threads ? { threads: options.threads } : {}), ...(options.precision ? { precision: options.precision } : {}) };
  // The manifest records the arithmetic the optimizer ran in, whatever the defaults become.
  const trainConfig = { ...configured, optimizer: resolveArithmetic(configured.optimizer, configured.precision) };
  const model = new RankingModel(data.pipeline.spec(), config.model, headsFor(data, modelDefinition(config.model.type).multiTask === true), undefined, trainConfig.seed);
  model.fitState(data.train);
  const trainer = new Trainer(model, trainConfig, options.callbacks);
  const pretraining = await warmStart(model, trainConfig, data.train, data.validation, options.callbacks);
  const checkpointDir = options.outDir ? `${options.outDir}.checkpoint` : undefined;
  const result = await trainer.fit(data.train, data.validation, { ...(checkpointDir ? { checkpointDir } : {}), resume: options.resume ?? false });
  const test = data.test ? await trainer.evaluate(data.test) : undefined;
  if (options.outDir) {
    await saveModel(options.outDir, model, {
      training: { config: trainConfig, history: result.history, bestEpoch: result.bestEpoch, validation: result.best, ...(test ? { test } : {}), ...(data.fingerprint ? { data: data.fingerprint } : {}) },
      extra: (dir) => data.pipeline.save(dir),
    });
    await rm(checkpointDir!, { recursive: true, force: true });
  }
  return { model, pipeline: data.pipeline, result, ...(test ? { test } : {}), data, ...(pretraining ? { pretraining } : {}) };
}
