/**
 * The CLI's commands as functions: each takes parsed options, does its work through the library
 * and prints a short result. Errors propagate to main.ts, which prints one line.
 */
import { resolve } from 'node:path';
import { FeaturePipeline } from '../data/feature-pipeline.js';
import { loadWithPipeline } from '../data/load-dataset.js';
import { ConfigError, DataError } from '../errors.js';
import { needsGroups } from '../metrics/index.js';
import { loadModel } from '../train/model-artifact.js';
import { Predictor } from '../train/predict.js';
import type { RankingModel } from '../train/ranking-model.js';
import { readRunConfig } from '../train/run-config.js';
import { trainFromConfig } from '../train/train-run.js';
import { defaultMetrics } from '../train/trainer.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { formatMetrics, progressCallbacks } from './progress.js';

export async function trainCommand(options: { config: string; out?: string; resume?: boolean; threads?: number }): Promise<void> {
  const config = await readRunConfig(options.config);
  const outDir = resolve(options.out ?? config.output ?? `models/${config.model.type}`);
  const progress = progressCallbacks(config.model.type);
  try {
    const run = await trainFromConfig(config, {
      baseDir: process.cwd(),
      outDir,
      resume: options.resume ?? false,
      configFile: options.config,
      callbacks: progress,
      ...(options.threads ? { threads: options.threads } : {}),
    });
    console.log(`best epoch ${run.result.bestEpoch}: validation ${formatMetrics(run.result.best)}`);
    if (run.test) console.log(`test: ${formatMetrics(run.test)}`);
    console.log(`model saved to ${outDir}`);
  } finally {
    progress.stop();
  }
}

/** Load the model (checked by `check` before any data is read), its pipeline and the encoded file. */
async function scoreFile(modelDir: string, dataFile: string, requireLabels: boolean, threads?: number, check?: (model: RankingModel) => void) {
  const { model, manifest } = await loadModel(modelDir);
  check?.(model);
  const pipeline = await FeaturePipeline.load(modelDir);
  const data = await loadWithPipeline(pipeline, dataFile, process.cwd(), { requireLabels });
  if (data.rows.length === 0) throw new DataError('no rows to score', { file: dataFile });
  return { model, manifest, data, predictor: await Predictor.create(model, threads) };
}

/** Whether `name` is a metric, as a ConfigError naming the --metrics flag. */
function needsGroupsFlag(name: string): boolean {
  try {
    return needsGroups(name);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(error.message, { field: '--metrics' });
    throw error;
  }
}

export async function evalCommand(options: { model: string; data: string; metrics?: string; groupBy?: string; threads?: number }): Promise<Record<string, number>> {
  const requested = options.metrics?.split(',').map((m) => m.trim());
  const groupedRequested = (requested ?? []).filter(needsGroupsFlag);
  if (groupedRequested.length > 0 && !options.groupBy) {
    throw new ConfigError(`metrics ${groupedRequested.join(', ')} need --group-by <categorical feature>`, { field: '--group-by' });
  }
  const grouped = groupedRequested.length > 0;
  const checkGroupBy = (model: RankingModel): void => {
    if (grouped && !model.spec.categorical.some((c) => c.name === options.groupBy)) {
      const names = model.spec.categorical.map((c) => c.name).join(', ');
      throw new ConfigError(`'${options.groupBy}' is not a categorical feature of the model; one of: ${names}`, { field: '--group-by' });
    }
  };
  const { model, data, predictor } = await scoreFile(options.model, options.data, true, options.threads, checkGroupBy);
  // A multi-task model reports every task's metrics as <task>.<metric>.
  const out: Record<string, number> = {};
  for (const head of model.multiTask ? model.heads : [model.head]) {
    const metrics = requested ?? defaultMetrics(head.kind);
    const values = await predictor.evaluate(data.source, data.rows, { task: head.task, metrics, ...(grouped ? { groupBy: options.groupBy! } : {}) });
    for (const [name, value] of Object.entries(values)) out[model.multiTask ? `${head.task}.${name}` : name] = value;
  }
  await predictor.release();
  console.log(JSON.stringify({ model: options.model, data: options.data, rows: data.rows.length, metrics: out }, null, 2));
  return out;
}

export async function predictCommand(options: { model: string; data: string; out: string; threads?: number }): Promise<void> {
  const { data, predictor } = await scoreFile(options.model, options.data, false, options.threads);
  // A multi-task model writes one column per task, named for the task.
  const columns = predictor.tasks.length > 0 ? [...predictor.tasks] : ['prediction'];
  const scores: Float32Array[] = [];
  for (const column of columns) scores.push((await predictor.predict(data.source, data.rows, predictor.tasks.length > 0 ? { head: column } : {})).predictions);
  await predictor.release();
  const predictions = scores[0]!;
  const lines = [['row', ...columns].join(',')];
  predictions.forEach((_, i) => lines.push([data.rows[i]! + 1, ...scores.map((s) => s[i])].join(',')));
  await writeFileAtomic(resolve(options.out), lines.join('\n') + '\n');
  console.error(`wrote ${predictions.length} predictions to ${options.out}`);
}
