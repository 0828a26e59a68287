/**
 * From config to encoded data. `loadTrainingData` reads the train file (and the validation/test
 * files if given), holds out the missing parts of the train file with the seeded split, fits
 * the feature pipeline on the training rows only and encodes everything. `loadWithPipeline`
 * reads a new file with a saved pipeline (eval/predict); a file without the label columns gives
 * a dataset without labels.
 *
 * Each part is `{ source, rows }`: the encoded dataset and the rows of it that form the part
 * (parts split from the train file share one dataset), ready for `source.batches(rows, size)`.
 */
import { columnNeeds } from './column-needs.js';
import { ConfigError } from '../errors.js';
import {
  DataConfigSchema,
  TableSourceSchema,
  parsePipelineConfig,
  parseWithSchema,
  type DataConfig,
  type DataConfigInput,
  type PipelineConfig,
  type PipelineConfigInput,
  type ReadOptions,
  type TableSourceInput,
} from './data-config.js';
import type { EncodedDataset } from './encoded-dataset.js';
import { trainingDataFingerprint, type TrainingDataFingerprint } from './data-fingerprint.js';
import { FeaturePipeline } from './feature-pipeline.js';
import { seededSplit } from './split.js';
import { readTable } from './table-reader.js';

export interface DatasetSplit {
  source: EncodedDataset;
  /** Rows of `source` in this part, ascending. */
  rows: Int32Array;
}

export interface TrainingData {
  pipeline: FeaturePipeline;
  train: DatasetSplit;
  /** Absent when there is no validation file and no split fraction for it. */
  validation?: DatasetSplit;
  test?: DatasetSplit;
  /** The files read and the rows of each part (absent for data not loaded from files). */
  fingerprint?: TrainingDataFingerprint;
}

export interface LoadOptions {
  /** The config file, named in ConfigErrors. */
  configFile?: string;
}

function readOptionsOf(data: DataConfig): ReadOptions {
  const { format, header, columns, delimiter, encoding, joins } = data;
  return { format, header, ...(columns ? { columns } : {}), delimiter, encoding, joins };
}

function allRows(n: number): Int32Array {
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  return rows;
}

/** Read, split, fit on the training rows and encode. Paths are relative to `baseDir`. */
export async function loadTrainingData(
  config: PipelineConfigInput | PipelineConfig,
  baseDir: string,
  options: LoadOptions = {},
): Promise<TrainingData> {
  const { data, features, labels } = parsePipelineConfig(config, options.configFile);
  const read = readOptionsOf(data);
  const needs = columnNeeds(features, labels);
  const [trainTable, validationTable, testTable] = await Promise.all([
    readTable(data.train, read, needs, baseDir),
    data.validation !== undefined ? readTable(data.validation, read, needs, baseDir) : undefined,
    data.test !== undefined ? readTable(data.test, read, needs, baseDir) : undefined,
  ]);

  let trainRows = allRows(trainTable.numRows);
  let heldOutValidation: Int32Array | undefined;
  let heldOutTest: Int32Array | undefined;
  if (data.split && (!validationTable || !testTable)) {
    const parts = seededSplit(trainTable.numRows, {
      validation: validationTable ? 0 : data.split.validation,
      test: testTable ? 0 : data.split.test,
      seed: data.split.seed,
    });
    trainRows = parts.train;
    if (parts.validation.length > 0) heldOutValidation = parts.validation;
    if (parts.test.length > 0) heldOutTest = parts.test;
  }

  const pipeline = FeaturePipeline.fit({ features, labels, data: read }, trainTable, trainRows);
  const trainSet = pipeline.transform(trainTable, { requireLabels: true });
  const part = (table: typeof validationTable, heldOut: Int32Array | undefined): DatasetSplit | undefined => {
    if (table) {
      const source = pipeline.transform(table, { requireLabels: true });
      return { source, rows: allRows(source.numRows) };
    }
    return heldOut ? { source: trainSet, rows: heldOut } : undefined;
  };
  const validation = part(validationTable, heldOutValidation);
  const test = part(testTable, heldOutTest);
  const rows = { train: trainRows.length, ...(validation ? { validation: validation.rows.length } : {}), ...(test ? { test: test.rows.length } : {}) };
  return {
    pipeline,
    train: { source: trainSet, rows: trainRows },
    ...(validation ? { validation } : {}),
    ...(test ? { test } : {}),
    fingerprint: await trainingDataFingerprint(data, baseDir, rows),
  };
}

export interface PipelineLoadOptions {
  /** Fail when a label column is missing (eval); default false (predict: labels absent). */
  requireLabels?: boolean;
  /** With a `data` section as source: which of its files to read (default 'test'). */
  part?: 'train' | 'validation' | 'test';
  /** Named in ConfigErrors about `source`. */
  configFile?: string;
}

function isDataConfig(source: TableSourceInput | DataConfigInput | DataConfig): source is DataConfigInput | DataConfig {
  return typeof source === 'object' && source !== null && 'train' in source && !('file' in source);
}

/**
 * Encode a new file with a fitted pipeline. `source` is a path (read the way the training data
 * was read), `{ file, ...read options }` whose options replace the saved ones, or a `data`
 * section whose `options.part` file (default: test) is read with that section's options.
 */
export async function loadWithPipeline(
  pipeline: FeaturePipeline,
  source: string | TableSourceInput | DataConfigInput | DataConfig,
  baseDir: string,
  options: PipelineLoadOptions = {},
): Promise<DatasetSplit> {
  const requireLabels = options.requireLabels ?? false;
  const { file, read } = resolvePipelineSource(pipeline, source, options);
  const table = await readTable(file, read, pipeline.columnNeeds({ labelsOptional: !requireLabels }), baseDir);
  const dataset = pipeline.transform(table, { requireLabels });
  return { source: dataset, rows: dataset.allRows() };
}

/**
 * One column of the file `loadWithPipeline` would read, as strings row by row (undefined for a
 * missing value), e.g. the segment of each row for per-segment calibration.
 */
export async function readColumnWithPipeline(
  pipeline: FeaturePipeline,
  source: string | TableSourceInput | DataConfigInput | DataConfig,
  baseDir: string,
  column: string,
  options: PipelineLoadOptions = {},
): Promise<(string | undefined)[]> {
  return (await readColumnsWithPipeline(pipeline, source, baseDir, [column], options)).get(column)!;
}

/** Several columns of the file `loadWithPipeline` would read, in one pass, as `readColumnWithPipeline` gives each. */
export async function readColumnsWithPipeline(
  pipeline: FeaturePipeline,
  source: string | TableSourceInput | DataConfigInput | DataConfig,
  baseDir: string,
  columns: readonly string[],
  options: PipelineLoadOptions = {},
): Promise<Map<string, (string | undefined)[]>> {
  const { file, read } = resolvePipelineSource(pipeline, source, options);
  const table = await readTable(file, read, new Map(columns.map((column) => [column, { kind: 'string' as const }])), baseDir);
  return new Map(
    columns.map((column) => {
      const { codes, dictionary } = table.strings(column);
      return [column, Array.from(codes, (code) => (code < 0 ? undefined : dictionary[code]))];
    }),
  );
}

/** The file and read options a pipeline reads `source` with. */
function resolvePipelineSource(
  pipeline: FeaturePipeline,
  source: string | TableSourceInput | DataConfigInput | DataConfig,
  options: PipelineLoadOptions,
): { file: string; read: ReadOptions } {
  let file: string;
  let read: ReadOptions;
  if (typeof source !== 'string' && isDataConfig(source)) {
    const data = parseWithSchema(DataConfigSchema, source, options.configFile);
    const part = options.part ?? 'test';
    const chosen = data[part];
    if (chosen === undefined) {
      throw new ConfigError(`no ${part} file in the data section`, {
        ...(options.configFile !== undefined ? { file: options.configFile } : {}),
        field: `data.${part}`,
      });
    }
    file = chosen;
    read = readOptionsOf(data);
  } else {
    const given: TableSourceInput = typeof source === 'string' ? { file: source } : source;
    const saved = pipeline.readOptions;
    let merged: TableSourceInput = given;
    if (saved && (given.format === undefined || given.format === saved.format)) {
      // A new layout (header/columns) replaces the saved one as a whole.
      const { header, columns, ...rest } = saved;
      const layout = given.header !== undefined || given.columns !== undefined ? {} : { header, ...(columns ? { columns } : {}) };
      merged = { ...rest, ...layout, ...given };
    }
    const resolved = parseWithSchema(TableSourceSchema, merged, options.configFile);
    file = resolved.file;
    read = resolved;
  }
  return { file, read };
}
