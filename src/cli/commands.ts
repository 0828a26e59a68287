/**
 * The CLI's commands as functions: each takes parsed options, does its work through the library
 * and prints a short result. Errors propagate to main.ts, which prints one line.
 */
import { resolve } from 'node:path';
import type { ProductPrecision } from '../engine/graph.js';
import { loadBundle } from '../bundle/load-bundle.js';
import { scoreFileWithBundle } from '../bundle/score-file.js';
import { describeCalibration, savedCalibration } from '../calibration/saved-calibration.js';
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
import { checkPolicyTasks, composeUtility, readUtilityPolicy, type UtilityPolicy } from '../utility/utility-policy.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { formatMetrics, progressCallbacks } from './progress.js';

export async function trainCommand(options: { config: string; out?: string; resume?: boolean; threads?: number; precision?: ProductPrecision }): Promise<void> {
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
      ...(options.precision ? { precision: options.precision } : {}),
    });
    console.log(`best epoch ${run.result.bestEpoch}: validation ${formatMetrics(run.result.best)}`);
    if (run.test) console.log(`test: ${formatMetrics(run.test)}`);
    console.log(`model saved to ${outDir}`);
  } finally {
    progress.stop();
  }
}

/** Load the model (checked by `check` before any data is read), its pipeline and the encoded file. */
export async function scoreFile(modelDir: string, dataFile: string, requireLabels: boolean, threads?: number, check?: (model: RankingModel) => void) {
  const { model, manifest } = await loadModel(modelDir);
  check?.(model);
  const pipeline = await FeaturePipeline.load(modelDir);
  const data = await loadWithPipeline(pipeline, dataFile, process.cwd(), { requireLabels });
  if (data.rows.length === 0) throw new DataError('no rows to score', { file: dataFile });
  return { model, manifest, pipeline, data, predictor: await Predictor.create(model, threads) };
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
  const { model, pipeline, data, predictor } = await scoreFile(options.model, options.data, true, options.threads, checkGroupBy);
  // A multi-task model reports every task's metrics as <task>.<metric>. A calibrated task is
  // evaluated as it serves: the metrics score its calibrated predictions.
  const out: Record<string, number> = {};
  const calibrations: string[] = [];
  for (const head of model.multiTask ? model.heads : [model.head]) {
    const metrics = requested ?? defaultMetrics(head.kind);
    const calibration = await savedCalibration(options.model, head.task, pipeline, options.data, process.cwd());
    if (calibration) calibrations.push(model.multiTask ? `${head.task}: ${calibration.description}` : calibration.description);
    const values = await predictor.evaluate(data.source, data.rows, { task: head.task, metrics, ...(grouped ? { groupBy: options.groupBy! } : {}), ...(calibration ? { adjust: calibration.apply } : {}) });
    for (const [name, value] of Object.entries(values)) out[model.multiTask ? `${head.task}.${name}` : name] = value;
  }
  await predictor.release();
  console.log(JSON.stringify({ model: options.model, data: options.data, rows: data.rows.length, calibration: calibrations.join('; ') || 'none', metrics: out }, null, 2));
  return out;
}

/**
 * `row,prediction` for a single-task model, `row,<task>...` for a multi-task one (calibrated where
 * the model was calibrated); with a utility policy, `row,<task>...,utility,policy_version`: each
 * task's calibrated prediction and the composed utility. With `--bundle`, the file is scored as
 * the bundle serves (its graph, int8 for a quantized bundle, its calibration and utility policy).
 */
export async function predictCommand(options: { model?: string; bundle?: string; data: string; out: string; threads?: number; utility?: string; precision?: ProductPrecision }): Promise<void> {
  if ((options.model === undefined) === (options.bundle === undefined)) throw new ConfigError('give either --model <dir> or --bundle <path>', { field: options.model === undefined ? '--model' : '--bundle' });
  if (options.precision !== undefined && options.bundle === undefined) throw new ConfigError('--precision applies to --bundle: a model directory scores in float32', { field: '--precision' });
  const scored = options.bundle !== undefined ? await predictWithBundle(options.bundle, options) : await predictWithModel(options.model!, options);
  const { tasks, rows, multiTask, policy, described } = scored;
  const columns = [...tasks.values()].map((t) => t.calibrated);
  const lines: string[] = [];
  if (policy) {
    const utility = composeUtility(policy, tasks);
    const version = /[",\n]/.test(policy.version) ? `"${policy.version.replace(/"/g, '""')}"` : policy.version;
    lines.push(['row', ...tasks.keys(), 'utility', 'policy_version'].join(','));
    rows.forEach((row, i) => lines.push([row + 1, ...columns.map((c) => c[i]), utility[i], version].join(',')));
  } else {
    lines.push(['row', ...(multiTask ? tasks.keys() : ['prediction'])].join(','));
    rows.forEach((row, i) => lines.push([row + 1, ...columns.map((c) => c[i])].join(',')));
  }
  await writeFileAtomic(resolve(options.out), lines.join('\n') + '\n');
  console.error(`wrote ${rows.length} predictions${described.length > 0 ? ` (calibrated: ${described.join('; ')})` : ''}${policy ? ` with utility policy ${policy.version}` : ''} to ${options.out}`);
}

interface Predictions {
  tasks: Map<string, { raw: Float32Array; calibrated: Float32Array }>;
  rows: Int32Array;
  multiTask: boolean;
  policy?: UtilityPolicy;
  described: string[];
}

async function predictWithModel(modelDir: string, options: { data: string; threads?: number; utility?: string }): Promise<Predictions> {
  const policy = options.utility !== undefined ? await readUtilityPolicy(options.utility) : undefined;
  const checkPolicy = (model: RankingModel) => policy && checkPolicyTasks(policy, model.heads.map((h) => h.task), options.utility);
  const { model, pipeline, data, predictor } = await scoreFile(modelDir, options.data, false, options.threads, checkPolicy);
  const tasks = new Map<string, { raw: Float32Array; calibrated: Float32Array }>();
  const described: string[] = [];
  for (const head of model.multiTask ? model.heads : [model.head]) {
    const { predictions } = await predictor.predict(data.source, data.rows, model.multiTask ? { head: head.task } : {});
    const calibration = await savedCalibration(modelDir, head.task, pipeline, options.data, process.cwd());
    if (calibration) described.push(calibration.description);
    tasks.set(head.task, { raw: predictions, calibrated: calibration ? calibration.apply(predictions) : predictions });
  }
  await predictor.release();
  return { tasks, rows: data.rows, multiTask: model.multiTask, ...(policy ? { policy } : {}), described };
}

async function predictWithBundle(path: string, options: { data: string; threads?: number; utility?: string; precision?: ProductPrecision }): Promise<Predictions> {
  if (options.utility !== undefined) throw new ConfigError("--utility applies to --model; a bundle scores with its own utility policy", { field: '--utility' });
  const bundle = await loadBundle(path);
  const { data, scores } = await scoreFileWithBundle(bundle, options.data, { ...(options.threads !== undefined ? { threads: options.threads } : {}), ...(options.precision !== undefined ? { precision: options.precision } : {}) });
  if (data.rows.length === 0) throw new DataError('no rows to score', { file: options.data });
  const described = [...bundle.calibration.values()].map(describeCalibration);
  return { tasks: scores.tasks, rows: data.rows, multiTask: bundle.heads.length > 1, ...(bundle.utility ? { policy: bundle.utility } : {}), described };
}
