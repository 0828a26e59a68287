/**
 * `deeprank bench-models`: train a list of models on one dataset (loaded and encoded once) with the
 * same training budget and embedding size, and write a leaderboard — Markdown table, bar chart
 * (SVG) and JSON. The list and its hyper-parameters live in a leaderboard file
 * (examples/frappe-leaderboard.yaml); each entry is validated before anything trains.
 */
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { loadTrainingData } from '../data/load-dataset.js';
import { parseWithSchema } from '../data/data-config.js';
import { ConfigError } from '../errors.js';
import { modelDefinition } from '../models/registry.js';
import { barChartSvg } from '../report/bar-chart-svg.js';
import { parseRunConfig, type RunConfig } from '../train/run-config.js';
import type { TrainCallbacks } from '../train/trainer.js';
import { trainOnData } from '../train/train-run.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-write.js';
import { readConfigFile } from '../util/config-file.js';

const LeaderboardSchema = z
  .object({
    title: z.string().default('deeprank model leaderboard'),
    /** A run config whose data, label and features sections define the dataset; relative to this file. */
    dataset: z.string(),
    /** Applied to every model that has an embedding. */
    embeddingDim: z.number().int().positive().optional(),
    /** The model every other one is compared with (a `name` below). */
    reference: z.string().optional(),
    train: z.record(z.string(), z.unknown()).default({}),
    models: z
      .array(
        z
          .object({
            name: z.string(),
            model: z.object({ type: z.string() }).loose(),
            /** Overrides of the shared train section for this model. */
            train: z.record(z.string(), z.unknown()).default({}),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export interface LeaderboardEntry {
  name: string;
  config: RunConfig;
}

export interface Leaderboard {
  title: string;
  /** The dataset's run-config file, for the report. */
  dataset: string;
  reference?: string;
  entries: LeaderboardEntry[];
}

export interface LeaderboardRow {
  name: string;
  type: string;
  testAuc: number;
  testLogloss: number;
  parameters: number;
  seconds: number;
  bestEpoch: number;
}

/** Read and validate a leaderboard file; `only` keeps the named models (in file order). */
export async function readLeaderboard(file: string, only?: readonly string[]): Promise<Leaderboard> {
  const board = parseWithSchema(LeaderboardSchema, await readConfigFile(file, 'the leaderboard'), file);
  const datasetFile = resolve(dirname(file), board.dataset);
  // The dataset's data, label(s) and features; its own model, train and output give way to each entry's.
  const { model: _model, train: _train, output: _output, ...dataset } = (await readConfigFile(datasetFile, 'the dataset config')) as Record<string, unknown>;
  const names = board.models.map((m) => m.name);
  const unknown = (only ?? []).filter((n) => !names.includes(n));
  if (unknown.length > 0) throw new ConfigError(`no model named ${unknown.join(', ')} in the leaderboard; it has: ${names.join(', ')}`, { field: '--models' });
  if (board.reference !== undefined && !names.includes(board.reference)) throw new ConfigError(`'${board.reference}' is not a model name of the leaderboard`, { file, field: 'reference' });
  const entries = board.models.flatMap((m, i) => {
    if (only && !only.includes(m.name)) return [];
    const withDim = board.embeddingDim !== undefined && hasEmbedding(m.model.type) && m.model.embeddingDim === undefined ? { ...m.model, embeddingDim: board.embeddingDim } : m.model;
    try {
      return [{ name: m.name, config: parseRunConfig({ ...dataset, model: withDim, train: { ...board.train, ...m.train } }, file) }];
    } catch (error) {
      if (error instanceof ConfigError) throw new ConfigError(`model '${m.name}': ${error.message}`, { file, field: `models.${i}${error.location.field ? `.${error.location.field}` : ''}` });
      throw error;
    }
  });
  return { title: board.title, dataset: datasetFile, ...(board.reference !== undefined ? { reference: board.reference } : {}), entries };
}

function hasEmbedding(type: string): boolean {
  const schema = modelDefinition(type).schema;
  return schema instanceof z.ZodObject && 'embeddingDim' in schema.shape;
}

/** Train every entry on the dataset, loaded once with the first entry's pipeline (all share it). */
export async function runLeaderboard(
  board: Leaderboard,
  { baseDir, threads, callbacks }: { baseDir: string; threads?: number; callbacks?: (name: string) => TrainCallbacks & { stop?(): void } },
): Promise<LeaderboardRow[]> {
  const data = await loadTrainingData(board.entries[0]!.config.pipeline, baseDir);
  if (!data.test) throw new ConfigError('the leaderboard dataset needs a test split (data.test or data.split.test > 0)', { file: board.dataset, field: 'data' });
  const rows: LeaderboardRow[] = [];
  for (const { name, config } of board.entries) {
    const progress = callbacks?.(name);
    const started = performance.now();
    try {
      const run = await trainOnData(data, config, { ...(threads ? { threads } : {}), ...(progress ? { callbacks: progress } : {}) });
      rows.push({
        name,
        type: config.model.type,
        testAuc: run.test!.auc!,
        testLogloss: run.test!.logloss!,
        parameters: run.model.params.parameterCount(),
        seconds: (performance.now() - started) / 1000,
        bestEpoch: run.result.bestEpoch,
      });
    } finally {
      progress?.stop?.();
    }
  }
  return rows;
}

/** The Markdown table, best test AUC first, with the difference to the reference model. */
export function leaderboardMarkdown(board: Leaderboard, rows: readonly LeaderboardRow[]): string {
  const reference = rows.find((r) => r.name === board.reference);
  const sorted = [...rows].sort((a, b) => b.testAuc - a.testAuc);
  const delta = (r: LeaderboardRow) => (reference ? ` ${r === reference ? '—' : `${r.testAuc >= reference.testAuc ? '+' : ''}${(r.testAuc - reference.testAuc).toFixed(4)}`} |` : '');
  return [
    `| model | type | test AUC |${reference ? ` vs ${reference.name} |` : ''} test logloss | parameters | train time (s) | best epoch |`,
    `|---|---|---|${reference ? '---|' : ''}---|---|---|---|`,
    ...sorted.map((r) => `| ${r.name} | ${r.type} | ${r.testAuc.toFixed(4)} |${delta(r)} ${r.testLogloss.toFixed(4)} | ${r.parameters.toLocaleString('en-US')} | ${r.seconds.toFixed(1)} | ${r.bestEpoch} |`),
  ].join('\n');
}

/** leaderboard.md, leaderboard.svg and leaderboard.json in `outDir`. */
export async function writeLeaderboard(outDir: string, board: Leaderboard, rows: readonly LeaderboardRow[]): Promise<void> {
  const sorted = [...rows].sort((a, b) => b.testAuc - a.testAuc);
  const svg = barChartSvg(
    sorted.map((r) => ({ label: r.name, value: r.testAuc, highlight: r.name === board.reference })),
    { title: board.title, axis: 'test AUC' },
  );
  const markdown = [`# ${board.title}`, '', `Dataset: ${board.dataset}.`, '', leaderboardMarkdown(board, rows), '', '![test AUC by model](leaderboard.svg)', ''].join('\n');
  await writeFileAtomic(join(outDir, 'leaderboard.svg'), svg);
  await writeFileAtomic(join(outDir, 'leaderboard.md'), markdown);
  await writeJsonAtomic(join(outDir, 'leaderboard.json'), { title: board.title, dataset: board.dataset, reference: board.reference ?? null, results: rows });
}
