/**
 * The user's config file (YAML or JSON): the data/label/features sections of the feature
 * pipeline, `model: { type, ...hyper-parameters }`, `train: {...}` and an optional `output`
 * directory. Every section is validated; errors name the file and the field path.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parsePipelineConfig, parseWithSchema, type PipelineConfig } from '../data/data-config.js';
import { ConfigError } from '../errors.js';
import { RankingModel, type ModelSpec } from './ranking-model.js';
import { TrainConfigSchema, type TrainConfig } from './train-config.js';

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
  let model: ModelSpec;
  try {
    model = RankingModel.parseModelSpec(type, hyper);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(error.message, { ...error.location, ...(file ? { file } : {}) });
    throw error;
  }
  const { train } = parseWithSchema(z.object({ train: TrainConfigSchema.prefault({}) }), { train: top.train ?? {} }, file);
  return { pipeline, model, train, ...(top.output ? { output: top.output } : {}) };
}

export async function readRunConfig(file: string): Promise<RunConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new ConfigError('cannot read the config file', { file });
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`not valid YAML/JSON: ${(error as Error).message.split('\n')[0]}`, { file });
  }
  return parseRunConfig(value, file);
}
