/**
 * Raw columns -> model inputs. `fit` learns, from the training rows only, a vocabulary (or hash
 * buckets) per categorical and multi-value feature and the statistics of each numeric
 * transform; `transform` encodes any table with the same columns into an EncodedDataset; `save`
 * writes the fitted state as versioned JSON (schema.json, vocab.json, stats.json) and `load`
 * restores a pipeline that encodes new files (eval, predict) exactly as during training.
 *
 * Encoding rules:
 * - categorical: value (first `prefix` chars) -> vocabulary id (0 = OOV) or hash bucket; a
 *   missing value (join without a match) is the empty string.
 * - numeric: fill, then the transform steps -> a column of the dense block, or, when the last
 *   step is bucketize, a categorical feature with ids 0..k.
 * - multi_value: values split on `separator` (empty pieces dropped) or the names of the flag
 *   columns that are 1 -> ids, truncated to maxLength ('first' keeps the first values, 'last'
 *   the most recent ones, in their original order), padded with id 0 / mask 0.
 * - sequence: like multi_value (split on `separator`, truncated, padded with a mask) but unpooled
 *   and with the ids of the categorical feature `vocabularyOf` (its vocabulary, fitted on the
 *   candidate column, or its hash buckets; its `prefix` applies too), so a history of items and
 *   the candidate item are the same ids.
 * - labels: binary must be 0/1 (libFM's -1 reads as 0) unless `threshold` binarizes
 *   (value >= threshold -> 1); regression labels are used as they are. A missing label (empty
 *   cell) is an error with one label; with several labels (multi-task) it reads as NaN, and the
 *   trainer masks that row out of that task's loss and metrics.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ArtifactError, DataError } from '../errors.js';
import { writeJsonAtomic } from '../util/atomic-write.js';
import type { FeatureSpec, MultiValueBatch } from './batch.js';
import { columnNeeds, type ColumnNeedsOptions } from './column-needs.js';
import {
  FeatureSectionsSchema,
  TableSourceSchema,
  parseWithSchema,
  type CategoricalFeatureConfig,
  type FeatureConfig,
  type LabelConfig,
  type MultiValueFeatureConfig,
  type ReadOptions,
  type SequenceFeatureConfig,
} from './data-config.js';
import { EncodedDataset } from './encoded-dataset.js';
import { HashBuckets } from './hashing.js';
import { NumericTransform } from './numeric-transform.js';
import type { ColumnNeeds, RawTable } from './raw-table.js';
import { Vocabulary, VocabularyCounter, type CategoryIndex, type CategoryIndexJson } from './vocabulary.js';

/** Version of the saved JSON artifacts; bumped on any incompatible change. */
export const PIPELINE_FORMAT_VERSION = 1;
export const SCHEMA_FILE = 'schema.json';
export const VOCAB_FILE = 'vocab.json';
export const STATS_FILE = 'stats.json';

/** What a pipeline is fitted from: the feature and label sections, and optionally how the data was read. */
export interface PipelineDefinition {
  features: readonly FeatureConfig[];
  labels: readonly LabelConfig[];
  /** Saved so that a new file can be read the same way (format, columns, joins). */
  data?: ReadOptions | undefined;
}

export interface TransformOptions {
  /** Fail when a label column is missing (training/eval); default false: labels are then absent. */
  requireLabels?: boolean;
}

interface SchemaJson {
  formatVersion: number;
  features: FeatureConfig[];
  labels: LabelConfig[];
  read: ReadOptions | null;
  spec: FeatureSpec;
}

export class FeaturePipeline {
  readonly features: readonly FeatureConfig[];
  readonly labels: readonly LabelConfig[];
  readonly readOptions: ReadOptions | undefined;
  private readonly indexes: Map<string, CategoryIndex>;
  private readonly transforms: Map<string, NumericTransform>;

  private constructor(
    definition: PipelineDefinition,
    indexes: Map<string, CategoryIndex>,
    transforms: Map<string, NumericTransform>,
  ) {
    this.features = definition.features;
    this.labels = definition.labels;
    this.readOptions = definition.data;
    this.indexes = indexes;
    this.transforms = transforms;
  }

  /** Fit every feature on `trainRows` of `table`. */
  static fit(definition: PipelineDefinition, table: RawTable, trainRows: Int32Array): FeaturePipeline {
    if (trainRows.length === 0) throw new DataError('no training rows to fit the features on', { file: table.file });
    const indexes = new Map<string, CategoryIndex>();
    const transforms = new Map<string, NumericTransform>();
    for (const feature of definition.features) {
      switch (feature.type) {
        case 'categorical':
          indexes.set(feature.name, fitCategorical(feature, table, trainRows));
          break;
        case 'numeric': {
          const values = table.numbers(feature.column);
          const train = Float64Array.from(trainRows, (row) => values[row]!);
          transforms.set(
            feature.name,
            NumericTransform.fit(feature.transform, train, {
              fill: feature.fill,
              locate: (i) => table.location(feature.column, trainRows[i]!),
            }),
          );
          break;
        }
        case 'multi_value':
          indexes.set(feature.name, fitMultiValue(feature, table, trainRows));
          break;
        case 'sequence':
          break; // uses the vocabulary of its `vocabularyOf` feature
      }
    }
    return new FeaturePipeline(definition, indexes, transforms);
  }

  /** The raw columns this pipeline reads. */
  columnNeeds(options: ColumnNeedsOptions = {}): ColumnNeeds {
    return columnNeeds(this.features, this.labels, options);
  }

  /** The vocabulary or hash buckets of a categorical, multi-value or sequence feature. */
  categoryIndex(name: string): CategoryIndex {
    const feature = this.features.find((f) => f.name === name);
    const index = this.indexes.get(feature?.type === 'sequence' ? feature.vocabularyOf : name);
    if (!index) throw new RangeError(`no categorical or multi-value feature '${name}'`);
    return index;
  }

  /** The fitted transform of a numeric feature. */
  numericTransform(name: string): NumericTransform {
    const transform = this.transforms.get(name);
    if (!transform) throw new RangeError(`no numeric feature '${name}'`);
    return transform;
  }

  spec(): FeatureSpec {
    const spec: FeatureSpec = { categorical: [], multiValue: [], numeric: [], tasks: [] };
    for (const feature of this.features) {
      if (feature.type === 'categorical') {
        spec.categorical.push({ name: feature.name, cardinality: this.indexes.get(feature.name)!.cardinality });
      } else if (feature.type === 'numeric') {
        const transform = this.transforms.get(feature.name)!;
        if (transform.bucketized) spec.categorical.push({ name: feature.name, cardinality: transform.cardinality });
        else spec.numeric.push(feature.name);
      } else if (feature.type === 'sequence') {
        (spec.sequence ??= []).push({
          name: feature.name,
          vocabularyOf: feature.vocabularyOf,
          cardinality: this.indexes.get(feature.vocabularyOf)!.cardinality,
          maxLength: feature.maxLength,
        });
      } else {
        spec.multiValue.push({
          name: feature.name,
          cardinality: this.indexes.get(feature.name)!.cardinality,
          maxLength: feature.maxLength,
          pooling: feature.pooling,
        });
      }
    }
    for (const label of this.labels) spec.tasks.push({ name: label.task, kind: label.kind });
    return spec;
  }

  /** Encode every row of `table`. */
  transform(table: RawTable, options: TransformOptions = {}): EncodedDataset {
    const spec = this.spec();
    const numRows = table.numRows;
    const categorical = new Map<string, Int32Array>();
    const multiValue = new Map<string, MultiValueBatch>();
    const dense = new Float32Array(numRows * spec.numeric.length);
    const numericIndex = new Map(spec.numeric.map((name, i) => [name, i]));

    for (const feature of this.features) {
      if (feature.type === 'categorical') {
        categorical.set(feature.name, encodeCategorical(feature, this.indexes.get(feature.name)!, table));
      } else if (feature.type === 'numeric') {
        const transform = this.transforms.get(feature.name)!;
        const values = transform.column(table.numbers(feature.column), (row) => table.location(feature.column, row));
        if (transform.bucketized) {
          categorical.set(feature.name, Int32Array.from(values));
        } else {
          const width = spec.numeric.length;
          const j = numericIndex.get(feature.name)!;
          for (let row = 0; row < numRows; row++) dense[row * width + j] = values[row]!;
        }
      } else if (feature.type === 'sequence') {
        const shared = this.features.find((f) => f.name === feature.vocabularyOf) as CategoricalFeatureConfig;
        const lookup = (value: string) => this.indexes.get(shared.name)!.lookup(shared.prefix === undefined ? value : value.slice(0, shared.prefix));
        multiValue.set(feature.name, encodePadded(feature, multiValueSource(feature, table), lookup, table.numRows));
      } else {
        const index = this.indexes.get(feature.name)!;
        multiValue.set(feature.name, encodePadded(feature, multiValueSource(feature, table), (value) => index.lookup(value), table.numRows));
      }
    }
    // Map order = spec order, so batches list features as the spec does.
    const orderedCategorical = new Map(spec.categorical.map((c) => [c.name, categorical.get(c.name)!]));

    const labels = new Map<string, Float32Array>();
    for (const label of this.labels) {
      if (!table.has(label.column)) {
        if (options.requireLabels) throw table.unknownColumn(label.column);
        continue;
      }
      labels.set(label.task, encodeLabels(label, table, this.labels.length > 1));
    }
    return new EncodedDataset({ spec, numRows, categorical: orderedCategorical, multiValue, dense, labels });
  }

  /** Write schema.json, vocab.json and stats.json into `dir` (each atomically; schema last). */
  async save(dir: string): Promise<void> {
    const vocab: Record<string, CategoryIndexJson> = {};
    for (const [name, index] of this.indexes) vocab[name] = index.toJSON();
    const stats: Record<string, unknown> = {};
    for (const [name, transform] of this.transforms) stats[name] = transform.toJSON();
    const schema: SchemaJson = {
      formatVersion: PIPELINE_FORMAT_VERSION,
      features: [...this.features],
      labels: [...this.labels],
      read: this.readOptions ?? null,
      spec: this.spec(),
    };
    await writeJsonAtomic(join(dir, VOCAB_FILE), { formatVersion: PIPELINE_FORMAT_VERSION, features: vocab });
    await writeJsonAtomic(join(dir, STATS_FILE), { formatVersion: PIPELINE_FORMAT_VERSION, numeric: stats });
    await writeJsonAtomic(join(dir, SCHEMA_FILE), schema);
  }

  /** Restore a pipeline saved by `save`; any missing or inconsistent artifact is an ArtifactError. */
  static async load(dir: string): Promise<FeaturePipeline> {
    const schemaFile = join(dir, SCHEMA_FILE);
    const schema = (await readArtifact(schemaFile)) as Partial<SchemaJson>;
    let sections;
    try {
      sections = parseWithSchema(FeatureSectionsSchema, { features: schema.features, labels: schema.labels }, schemaFile);
    } catch (error) {
      throw new ArtifactError(`invalid saved pipeline: ${(error as Error).message}`, { file: schemaFile });
    }
    let read: ReadOptions | undefined;
    if (schema.read) {
      try {
        const { file: _file, ...options } = parseWithSchema(TableSourceSchema, { file: 'saved', ...schema.read }, schemaFile);
        read = options;
      } catch (error) {
        throw new ArtifactError(`invalid saved read options: ${(error as Error).message}`, { file: schemaFile, field: 'read' });
      }
    }

    const vocabFile = join(dir, VOCAB_FILE);
    const vocab = ((await readArtifact(vocabFile)) as { features?: Record<string, unknown> }).features ?? {};
    const statsFile = join(dir, STATS_FILE);
    const stats = ((await readArtifact(statsFile)) as { numeric?: Record<string, unknown> }).numeric ?? {};
    const indexes = new Map<string, CategoryIndex>();
    const transforms = new Map<string, NumericTransform>();
    for (const feature of sections.features) {
      try {
        if (feature.type === 'numeric') {
          transforms.set(feature.name, NumericTransform.fromJSON(stats[feature.name]));
        } else if (feature.type !== 'sequence') {
          const json = vocab[feature.name] as { kind?: string } | undefined;
          indexes.set(feature.name, json?.kind === 'hash' ? HashBuckets.fromJSON(json) : Vocabulary.fromJSON(json));
        }
      } catch (error) {
        const file = feature.type === 'numeric' ? statsFile : vocabFile;
        throw new ArtifactError(`feature '${feature.name}': ${(error as Error).message}`, { file, field: feature.name });
      }
    }
    const pipeline = new FeaturePipeline({ ...sections, data: read }, indexes, transforms);
    if (schema.spec && JSON.stringify(schema.spec) !== JSON.stringify(pipeline.spec())) {
      throw new ArtifactError('the saved spec does not match the saved vocabularies and statistics', { file: schemaFile, field: 'spec' });
    }
    return pipeline;
  }
}

async function readArtifact(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ArtifactError(missing ? 'missing pipeline artifact' : `cannot read: ${(error as Error).message}`, { file });
  }
  let json: { formatVersion?: unknown };
  try {
    json = JSON.parse(text) as { formatVersion?: unknown };
  } catch (error) {
    throw new ArtifactError(`not valid JSON: ${(error as Error).message}`, { file });
  }
  if (json.formatVersion !== PIPELINE_FORMAT_VERSION) {
    throw new ArtifactError(`unsupported format version ${String(json.formatVersion)}; this deeprank reads version ${PIPELINE_FORMAT_VERSION}`, {
      file,
      field: 'formatVersion',
    });
  }
  return json;
}

/** A string column's value per code (code -1, missing, is ''), with the feature's prefix. */
function valueOfCode(dictionary: readonly string[], prefix: number | undefined): (code: number) => string {
  return (code) => {
    const value = code < 0 ? '' : dictionary[code]!;
    return prefix === undefined ? value : value.slice(0, prefix);
  };
}

function fitCategorical(feature: CategoricalFeatureConfig, table: RawTable, trainRows: Int32Array): CategoryIndex {
  if (feature.hashBuckets !== undefined) return new HashBuckets(feature.hashBuckets);
  const { codes, dictionary } = table.strings(feature.column);
  // Count codes (shifted by one so missing, -1, is slot 0) in first-appearance order.
  const counts = new Int32Array(dictionary.length + 1);
  const order: number[] = [];
  for (let i = 0; i < trainRows.length; i++) {
    const slot = codes[trainRows[i]!]! + 1;
    if (counts[slot]++ === 0) order.push(slot);
  }
  const value = valueOfCode(dictionary, feature.prefix);
  const counter = new VocabularyCounter();
  for (const slot of order) counter.add(value(slot - 1), counts[slot]!);
  return counter.build(feature.minCount);
}

function encodeCategorical(feature: CategoricalFeatureConfig, index: CategoryIndex, table: RawTable): Int32Array {
  const { codes, dictionary } = table.strings(feature.column);
  const value = valueOfCode(dictionary, feature.prefix);
  const idOfSlot = Int32Array.from({ length: dictionary.length + 1 }, (_, slot) => index.lookup(value(slot - 1)));
  const ids = new Int32Array(table.numRows);
  for (let row = 0; row < ids.length; row++) ids[row] = idOfSlot[codes[row]! + 1]!;
  return ids;
}

/** A source of per-row value lists for a multi-value feature. */
interface MultiValueSource {
  /** The values of `row`, in order. */
  valuesOf(row: number): readonly string[];
}

function multiValueSource(feature: MultiValueFeatureConfig | SequenceFeatureConfig, table: RawTable): MultiValueSource {
  if (feature.type === 'multi_value' && feature.flagColumns) {
    const names = feature.flagColumns;
    const columns = names.map((name) => table.numbers(name));
    return {
      valuesOf(row) {
        const out: string[] = [];
        columns.forEach((values, j) => {
          const v = values[row]!;
          if (v === 1) out.push(names[j]!);
          else if (v !== 0 && !Number.isNaN(v)) {
            throw new DataError(`flag column of multi-value feature '${feature.name}' must be 0 or 1, got ${v}`, table.location(names[j]!, row));
          }
        });
        return out;
      },
    };
  }
  const column = feature.column ?? feature.name;
  const { codes, dictionary } = table.strings(column);
  const split: (string[] | undefined)[] = new Array(dictionary.length);
  const empty: string[] = [];
  return {
    valuesOf(row) {
      const code = codes[row]!;
      if (code < 0) return empty;
      let values = split[code];
      if (!values) {
        values = dictionary[code]!.split(feature.separator).filter((v) => v !== '');
        split[code] = values;
      }
      return values;
    },
  };
}

function fitMultiValue(feature: MultiValueFeatureConfig, table: RawTable, trainRows: Int32Array): CategoryIndex {
  const source = multiValueSource(feature, table);
  if (feature.hashBuckets !== undefined) {
    for (let i = 0; i < trainRows.length; i++) source.valuesOf(trainRows[i]!); // validates flag values
    return new HashBuckets(feature.hashBuckets);
  }
  const counter = new VocabularyCounter();
  for (let i = 0; i < trainRows.length; i++) {
    for (const value of source.valuesOf(trainRows[i]!)) counter.add(value);
  }
  return counter.build(feature.minCount);
}

/** Each row's values -> ids, truncated to maxLength (keeping the first or the last), padded with a mask. */
function encodePadded(
  feature: { maxLength: number; truncate: 'first' | 'last' },
  source: MultiValueSource,
  lookup: (value: string) => number,
  numRows: number,
): MultiValueBatch {
  const { maxLength } = feature;
  const ids = new Int32Array(numRows * maxLength);
  const mask = new Float32Array(numRows * maxLength);
  const idCache = new Map<string, number>();
  for (let row = 0; row < numRows; row++) {
    const values = source.valuesOf(row);
    const start = feature.truncate === 'last' ? Math.max(0, values.length - maxLength) : 0;
    const count = Math.min(maxLength, values.length);
    for (let k = 0; k < count; k++) {
      const value = values[start + k]!;
      let id = idCache.get(value);
      if (id === undefined) {
        id = lookup(value);
        idCache.set(value, id);
      }
      ids[row * maxLength + k] = id;
      mask[row * maxLength + k] = 1;
    }
  }
  return { ids, mask, maxLength };
}

/** NaN marks a missing label of one task among several: not an error, and never a 0. */
export const MISSING_LABEL = Number.NaN;

function encodeLabels(label: LabelConfig, table: RawTable, allowMissing: boolean): Float32Array {
  const values = table.numbers(label.column);
  const out = new Float32Array(table.numRows);
  const libfm = table.format === 'libfm';
  for (let row = 0; row < out.length; row++) {
    const v = values[row]!;
    if (Number.isNaN(v) && allowMissing) {
      out[row] = MISSING_LABEL;
      continue;
    }
    if (!Number.isFinite(v)) {
      throw new DataError(Number.isNaN(v) ? 'missing label' : `label is not finite (${v})`, table.location(label.column, row));
    }
    if (label.kind === 'regression') {
      out[row] = v;
    } else if (label.threshold !== undefined) {
      out[row] = v >= label.threshold ? 1 : 0;
    } else if (v === 0 || v === 1) {
      out[row] = v;
    } else if (libfm && v === -1) {
      out[row] = 0;
    } else {
      throw new DataError(
        `binary label must be 0 or 1${libfm ? ' (or -1 in libFM)' : ''}, got ${v}; set threshold to binarize`,
        table.location(label.column, row),
      );
    }
  }
  return out;
}
