/**
 * The user's config file (YAML or JSON): the data/label/features sections of the feature
 * pipeline, `model: { type, ...hyper-parameters }`, `train: {...}` and an optional `output`
 * directory. Every section is validated; errors name the file and the field path.
 */
import { readConfigFile } from '../util/config-file.js';
import { z } from 'zod';
import { parsePipelineConfig, parseWithSchema, type PipelineConfig } from '../data/data-config.js';
import { ConfigError } from '../errors.js';
import { needsGroups } from '../metrics/index.js';
import { RankingModel, type ModelSpec } from './ranking-model.js';
import { TrainConfigSchema, type TrainConfig } from './train-config.js';
import { splitTaskMetric } from './task-metrics.js';

export interface RunConfig {
  pipeline: PipelineConfig;
  model: ModelSpec;
  train: TrainConfig;
  output?: string;
}

const TopLevelSchema = z
  .object({
    data: z.unknown(),
    label: z.unknown().optional(),
    labels: z.unknown().optional(),
    features: z.unknown(),
    model: z.object({ type: z.string() }).loose(),
    train: z.unknown().optional(),
    output: z.string().optional(),
  })
  .strict();

export function parseRunConfig(value: unknown, file?: string): RunConfig {
  const top = parseWithSchema(TopLevelSchema, value, file);
  const { data, label, labels, features } = top;
  const pipeline = parsePipelineConfig({ data, features, ...(label !== undefined ? { label } : {}), ...(labels !== undefined ? { labels } : {}) }, file);
  const { type, ...hyper } = top.model;
  const model = RankingModel.parseModelSpec(type, hyper, file);
  const trainSchema = TrainConfigSchema.prefault({}).superRefine((train, ctx) => checkTrainAgainstData(train, pipeline, ctx));
  const { train } = parseWithSchema(z.object({ train: trainSchema }), { train: top.train ?? {} }, file);
  return { pipeline, model, train, ...(top.output ? { output: top.output } : {}) };
}

/**
 * What the train section asks of the rest of the config, checked before any data is read: known
 * metric names, a groupBy feature for grouped metrics, a validation split for early stopping.
 */
function checkTrainAgainstData(train: TrainConfig, pipeline: PipelineConfig, ctx: z.core.$RefinementCtx): void {
  const named: { name: string; path: (string | number)[] }[] = [
    ...(train.metrics ?? []).map((name, i) => ({ name, path: ['metrics', i] })),
    ...(train.earlyStopping ? [{ name: train.earlyStopping.metric, path: ['earlyStopping', 'metric'] }] : []),
  ];
  const grouped = new Set<string>();
  for (const { name, path } of named) {
    try {
      if (needsGroups(splitTaskMetric(name).metric)) grouped.add(name);
    } catch (error) {
      // The metric registry's own message: unknown name, or a cutoff missing or misplaced.
      if (!(error instanceof ConfigError)) throw error;
      ctx.addIssue({ code: 'custom', path, message: error.message });
    }
  }
  // Grouping ids come from a categorical feature, or a numeric one bucketized into ids.
  const groupable = pipeline.features.filter(
    (f) => f.type === 'categorical' || (f.type === 'numeric' && f.transform.some((step) => typeof step === 'object' && 'bucketize' in step)),
  );
  const groupings = [
    ...(train.groupBy !== undefined ? [{ name: train.groupBy, path: ['groupBy'] }] : []),
    ...(train.listwise ? [{ name: train.listwise.groupBy, path: ['listwise', 'groupBy'] }] : []),
  ];
  for (const { name, path } of groupings) {
    if (!groupable.some((f) => f.name === name)) {
      ctx.addIssue({ code: 'custom', path, message: `'${name}' is not a categorical feature; one of: ${groupable.map((f) => f.name).join(', ') || '(none)'}` });
    }
  }
  // Dropping an id means replacing it by the OOV id, which only a vocabulary feature has.
  const droppable = pipeline.features.filter((f) => f.type === 'categorical' && f.hashBuckets === undefined).map((f) => f.name);
  for (const name of Object.keys(train.featureDropout ?? {})) {
    if (!droppable.includes(name)) {
      ctx.addIssue({ code: 'custom', path: ['featureDropout', name], message: `'${name}' is not a categorical feature with a vocabulary (hashed and numeric features have no OOV id); one of: ${droppable.join(', ') || '(none)'}` });
    }
  }
  if (train.groupBy === undefined && grouped.size > 0) {
    ctx.addIssue({ code: 'custom', path: ['groupBy'], message: `required by the grouped metrics ${[...grouped].join(', ')}` });
  }
  const { data } = pipeline;
  if (train.earlyStopping && data.validation === undefined && !(data.split && data.split.validation > 0)) {
    ctx.addIssue({ code: 'custom', path: ['earlyStopping'], message: 'needs a validation split (data.validation or data.split.validation > 0)' });
  }
}

export async function readRunConfig(file: string): Promise<RunConfig> {
  return parseRunConfig(await readConfigFile(file), file);
}
