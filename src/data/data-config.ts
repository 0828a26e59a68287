/**
 * Schemas of the `data`, `label`/`labels` and `features` sections of a user's config (YAML or
 * JSON), with their inferred types. Parsing normalizes: defaults are filled in, `label` becomes
 * `labels: [label]`, a feature's `column` defaults to its name. Parsing a parsed config again
 * gives the same config, so a saved pipeline stores the parsed form and re-validates it.
 *
 * Example (MovieLens 100K, see examples/movielens-100k.yaml):
 *   data: { train: u1.base, format: tsv, header: false, columns: [user, item, rating, timestamp],
 *           joins: [{ file: u.user, on: user, columns: [user_id, age, gender, occupation, zip],
 *                     delimiter: '|' }] }
 *   label: { column: rating, kind: regression }
 *   features: [{ name: user, type: categorical }, { name: zip3, type: categorical,
 *               column: zip, prefix: 3 }]
 */
import { extname } from 'node:path';
import { readConfigFile } from '../util/config-file.js';
import { z } from 'zod';
import { ConfigError } from '../errors.js';

const POSITIVE_INTEGER = 'expected a positive integer';

function positiveInteger() {
  return z
    .number({ error: POSITIVE_INTEGER })
    .int({ error: POSITIVE_INTEGER })
    .positive({ error: POSITIVE_INTEGER });
}

const nonEmptyString = (what: string) =>
  z.string({ error: `expected ${what} (a non-empty string)` }).min(1, { error: `expected ${what} (a non-empty string)` });

const pathSchema = nonEmptyString('a file path');
const columnSchema = nonEmptyString('a column name');
const nameSchema = nonEmptyString('a name');
const fractionSchema = z
  .number({ error: 'expected a fraction in [0, 1)' })
  .min(0, { error: 'expected a fraction in [0, 1)' })
  .lt(1, { error: 'expected a fraction in [0, 1)' });

export const DataFormatSchema = z.enum(['csv', 'tsv', 'libfm']);
export type DataFormat = z.output<typeof DataFormatSchema>;

export const EncodingSchema = z.enum(['utf8', 'latin1']);
export type Encoding = z.output<typeof EncodingSchema>;

const FORMAT_BY_EXTENSION: Record<string, DataFormat> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.libfm': 'libfm',
  '.libsvm': 'libfm',
  '.svm': 'libfm',
};

/** The format a file's extension implies, or undefined for an extension we do not know. */
export function formatFromExtension(file: string): DataFormat | undefined {
  return FORMAT_BY_EXTENSION[extname(file).toLowerCase()];
}

/**
 * A side file whose columns are added to every row of the main file by key (a left join: rows
 * without a match get missing values). `on` is the main file's column, `key` the side file's
 * (default: its first column); the key column itself is not added.
 */
export const JoinConfigSchema = z
  .strictObject({
    file: pathSchema,
    on: columnSchema,
    key: columnSchema.optional(),
    /** Column names of the side file, in order (required unless `header: true`). */
    columns: z.array(columnSchema).min(1, { error: 'expected at least one column name' }).optional(),
    header: z.boolean().default(false),
    delimiter: z.string().min(1, { error: 'expected a non-empty delimiter' }).optional(),
    encoding: EncodingSchema.default('utf8'),
  })
  .superRefine((join, ctx) => {
    if (!join.header && !join.columns) {
      ctx.addIssue({ code: 'custom', path: ['columns'], message: 'required when the side file has no header (header: false)' });
    }
    if (join.header && join.columns) {
      ctx.addIssue({ code: 'custom', path: ['columns'], message: 'give either header: true or columns, not both' });
    }
    if (join.columns) addDuplicateIssues(join.columns, ['columns'], 'column', ctx);
  })
  .transform((join) => ({
    ...join,
    delimiter: join.delimiter ?? (formatFromExtension(join.file) === 'tsv' ? '\t' : ','),
  }));
export type JoinConfig = z.output<typeof JoinConfigSchema>;

/** Fractions of the train file held out for the split files that are not given. */
export const SplitConfigSchema = z
  .strictObject({
    validation: fractionSchema.default(0.1),
    test: fractionSchema.default(0.1),
    seed: z.number({ error: 'expected an integer seed' }).int({ error: 'expected an integer seed' }),
  })
  .superRefine((split, ctx) => {
    if (split.validation + split.test >= 1) {
      ctx.addIssue({ code: 'custom', path: ['validation'], message: `validation + test must be below 1, got ${split.validation + split.test}` });
    }
  });
export type SplitConfig = z.output<typeof SplitConfigSchema>;

/** How to read a table: everything but which files. */
const readOptionShape = {
  /** Default: from the file extension (.csv, .tsv/.tab, .libfm/.libsvm/.svm). */
  format: DataFormatSchema.optional(),
  /** Whether the first line names the columns; default true for csv/tsv unless `columns` is given. */
  header: z.boolean().optional(),
  /** Column names when there is no header line. */
  columns: z.array(columnSchema).min(1, { error: 'expected at least one column name' }).optional(),
  /** Default ',' for csv and a tab for tsv. */
  delimiter: z.string().min(1, { error: 'expected a non-empty delimiter' }).optional(),
  encoding: EncodingSchema.default('utf8'),
  joins: z.array(JoinConfigSchema).default([]),
};

interface RawReadOptions {
  format?: DataFormat | undefined;
  header?: boolean | undefined;
  columns?: string[] | undefined;
  delimiter?: string | undefined;
  encoding: Encoding;
  joins: JoinConfig[];
}

/** Reading options with every default resolved. */
export interface ReadOptions {
  format: DataFormat;
  /** Always false for libfm. */
  header: boolean;
  columns?: string[] | undefined;
  /** Unused for libfm (whitespace-separated). */
  delimiter: string;
  encoding: Encoding;
  joins: JoinConfig[];
}

function checkReadOptions(options: RawReadOptions, file: string, fileKey: string, ctx: z.core.$RefinementCtx): void {
  const format = options.format ?? formatFromExtension(file);
  if (!format) {
    ctx.addIssue({
      code: 'custom',
      path: ['format'],
      message: `cannot infer the format from the extension of '${file}'; set format: csv, tsv or libfm`,
    });
    return;
  }
  if (format === 'libfm') {
    if (options.header === true) {
      ctx.addIssue({ code: 'custom', path: ['header'], message: 'libfm files have no header (their columns are label, f0, f1, ...)' });
    }
    if (options.columns !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['columns'], message: 'not used by the libfm format (its columns are label, f0, f1, ...)' });
    }
    if (options.delimiter !== undefined && options.delimiter !== ' ') {
      ctx.addIssue({ code: 'custom', path: ['delimiter'], message: 'libfm fields are separated by whitespace' });
    }
    return;
  }
  if (options.header === false && !options.columns) {
    ctx.addIssue({ code: 'custom', path: ['columns'], message: `required when ${fileKey} has no header (header: false)` });
  }
  if (options.header === true && options.columns) {
    ctx.addIssue({ code: 'custom', path: ['columns'], message: 'give either header: true or columns, not both' });
  }
  if (options.columns) addDuplicateIssues(options.columns, ['columns'], 'column', ctx);
}

function resolveReadOptions(options: RawReadOptions, file: string): ReadOptions {
  const format = options.format ?? formatFromExtension(file)!;
  if (format === 'libfm') {
    return { format, header: false, delimiter: ' ', encoding: options.encoding, joins: options.joins };
  }
  return {
    format,
    header: options.header ?? !options.columns,
    ...(options.columns ? { columns: options.columns } : {}),
    delimiter: options.delimiter ?? (format === 'tsv' ? '\t' : ','),
    encoding: options.encoding,
    joins: options.joins,
  };
}

/**
 * The `data` section: which files, how to read them, how to split. Paths are relative to the
 * base directory given to the loader. `split` is used for whichever of validation/test files
 * are not given; without `split` a missing validation or test set is simply absent.
 */
export const DataConfigSchema = z
  .strictObject({
    train: pathSchema,
    validation: pathSchema.optional(),
    test: pathSchema.optional(),
    ...readOptionShape,
    split: SplitConfigSchema.optional(),
  })
  .superRefine((data, ctx) => checkReadOptions(data, data.train, 'the train file', ctx))
  .transform((data) => {
    const { train, validation, test, split } = data;
    return {
      train,
      ...(validation !== undefined ? { validation } : {}),
      ...(test !== undefined ? { test } : {}),
      ...resolveReadOptions(data, train),
      ...(split ? { split } : {}),
    };
  });
export type DataConfigInput = z.input<typeof DataConfigSchema>;
export type DataConfig = z.output<typeof DataConfigSchema>;

/** One file to read with a saved pipeline (eval/predict): `file` plus optional read options. */
export const TableSourceSchema = z
  .strictObject({ file: pathSchema, ...readOptionShape })
  .superRefine((source, ctx) => checkReadOptions(source, source.file, 'the file', ctx))
  .transform((source) => ({ file: source.file, ...resolveReadOptions(source, source.file) }));
export type TableSourceInput = z.input<typeof TableSourceSchema>;
export type TableSource = z.output<typeof TableSourceSchema>;

/**
 * A prediction target. `binary` labels must be 0 or 1 (libFM's -1/+1 read as 0/1) unless a
 * `threshold` binarizes them (value >= threshold -> 1). `task` defaults to the column name.
 */
export const LabelConfigSchema = z
  .strictObject({
    column: columnSchema,
    task: nameSchema.optional(),
    kind: z.enum(['binary', 'regression']),
    threshold: z.number({ error: 'expected a finite number' }).finite({ error: 'expected a finite number' }).optional(),
  })
  .superRefine((label, ctx) => {
    if (label.threshold !== undefined && label.kind !== 'binary') {
      ctx.addIssue({ code: 'custom', path: ['threshold'], message: "only used with kind: 'binary'" });
    }
  })
  .transform((label) => ({ ...label, task: label.task ?? label.column }));
export type LabelConfigInput = z.input<typeof LabelConfigSchema>;
export type LabelConfig = z.output<typeof LabelConfigSchema>;

/**
 * A numeric transform step, applied in order: `{ clip: [lo, hi] }`, `log1p` (ln(1 + x)),
 * `standardize` ((x - mean) / std on training rows), `{ bucketize: [b1, b2, ...] }` or
 * `{ bucketize: { quantiles: n } }` (last step only: value -> bucket id 0..k, the number of
 * boundaries <= value).
 */
export const NumericStepSchema = z.union(
  [
    z.enum(['log1p', 'standardize']),
    z.strictObject({
      clip: z
        .tuple([z.number(), z.number()], { error: 'expected [lo, hi]' })
        .refine(([lo, hi]) => lo <= hi, { error: 'expected [lo, hi] with lo <= hi' }),
    }),
    z.strictObject({
      bucketize: z.union(
        [
          z
            .array(z.number().finite(), { error: 'expected boundaries [b1, b2, ...]' })
            .min(1, { error: 'expected at least one boundary' })
            .refine((b) => b.every((v, i) => i === 0 || v > b[i - 1]!), { error: 'boundaries must be strictly increasing' }),
          z.strictObject({
            quantiles: z
              .number({ error: 'expected an integer >= 2' })
              .int({ error: 'expected an integer >= 2' })
              .min(2, { error: 'expected an integer >= 2' }),
          }),
        ],
        { error: 'expected boundaries [b1, b2, ...] or { quantiles: n }' },
      ),
    }),
  ],
  { error: "expected one of 'log1p', 'standardize', { clip: [lo, hi] }, { bucketize: [b1, ...] | { quantiles: n } }" },
);
export type NumericStep = z.output<typeof NumericStepSchema>;

export const CategoricalFeatureSchema = z.strictObject({
  name: nameSchema,
  type: z.literal('categorical'),
  /** Default: the feature name. */
  column: columnSchema.optional(),
  /** Values seen fewer times in the training rows go to the OOV id 0. */
  minCount: positiveInteger().default(1),
  /** Hash values into this many buckets instead of fitting a vocabulary. */
  hashBuckets: positiveInteger().optional(),
  /** Use only the first `prefix` characters of each value (e.g. a zip code's region). */
  prefix: positiveInteger().optional(),
});

export const NumericFeatureSchema = z.strictObject({
  name: nameSchema,
  type: z.literal('numeric'),
  column: columnSchema.optional(),
  transform: z.array(NumericStepSchema).default([]),
  /** Replaces a missing value before the steps; default: the mean of the training rows. */
  fill: z.number({ error: 'expected a finite number' }).finite({ error: 'expected a finite number' }).optional(),
});

export const MultiValueFeatureSchema = z.strictObject({
  name: nameSchema,
  type: z.literal('multi_value'),
  /** A column of `separator`-joined values; default: the feature name (unless flagColumns). */
  column: columnSchema.optional(),
  separator: z.string().min(1, { error: 'expected a non-empty separator' }).default('|'),
  /** Alternative to `column`: 0/1 columns; each column whose value is 1 contributes its name. */
  flagColumns: z.array(columnSchema).min(1, { error: 'expected at least one column name' }).optional(),
  maxLength: positiveInteger(),
  /** Keep the first maxLength values, or the last (most recent) ones. */
  truncate: z.enum(['first', 'last']),
  pooling: z.enum(['mean', 'sum']),
  minCount: positiveInteger().default(1),
  hashBuckets: positiveInteger().optional(),
});

/**
 * A user's behaviour sequence (e.g. clicked items, oldest first): ids of the categorical feature
 * `vocabularyOf` (the candidate item), so history and candidate share one vocabulary and one
 * embedding table. Kept unpooled, padded to maxLength with a mask; `truncate: last` (default)
 * keeps the most recent maxLength values.
 */
export const SequenceFeatureSchema = z.strictObject({
  name: nameSchema,
  type: z.literal('sequence'),
  column: columnSchema.optional(),
  separator: z.string().min(1, { error: 'expected a non-empty separator' }).default('|'),
  maxLength: positiveInteger(),
  truncate: z.enum(['first', 'last']).default('last'),
  /** The categorical feature whose vocabulary and embedding table the sequence's ids use. */
  vocabularyOf: nameSchema,
});

/** One input feature; `type` picks categorical, numeric, multi_value or sequence. */
export const FeatureConfigSchema = z
  .discriminatedUnion('type', [CategoricalFeatureSchema, NumericFeatureSchema, MultiValueFeatureSchema, SequenceFeatureSchema])
  .superRefine((feature, ctx) => {
    if (feature.type === 'numeric') {
      feature.transform.forEach((step, i) => {
        if (typeof step === 'object' && 'bucketize' in step && i !== feature.transform.length - 1) {
          ctx.addIssue({ code: 'custom', path: ['transform', i], message: 'bucketize must be the last step' });
        }
      });
    }
    if (feature.type === 'multi_value') {
      if (feature.flagColumns && feature.column) {
        ctx.addIssue({ code: 'custom', path: ['flagColumns'], message: 'give either column or flagColumns, not both' });
      }
      if (feature.flagColumns) addDuplicateIssues(feature.flagColumns, ['flagColumns'], 'column', ctx);
    }
  })
  .transform((feature) => {
    if (feature.type === 'multi_value' && feature.flagColumns) return feature;
    return { ...feature, column: feature.column ?? feature.name };
  });
export type FeatureConfigInput = z.input<typeof FeatureConfigSchema>;
export type FeatureConfig = z.output<typeof FeatureConfigSchema>;
export type CategoricalFeatureConfig = Extract<FeatureConfig, { type: 'categorical' }>;
export type NumericFeatureConfig = Extract<FeatureConfig, { type: 'numeric' }>;
export type MultiValueFeatureConfig = Extract<FeatureConfig, { type: 'multi_value' }>;
export type SequenceFeatureConfig = Extract<FeatureConfig, { type: 'sequence' }>;

/** The feature and label sections alone (what a fitted pipeline is made from). */
export const FeatureSectionsSchema = z
  .object({
    label: LabelConfigSchema.optional(),
    labels: z.array(LabelConfigSchema).min(1, { error: 'expected at least one label' }).optional(),
    features: z.array(FeatureConfigSchema, { error: (issue) => (issue.input === undefined ? 'required' : 'expected a list of features') }).min(1, { error: 'expected at least one feature' }),
  })
  .superRefine((config, ctx) => {
    if (config.label && config.labels) {
      ctx.addIssue({ code: 'custom', path: ['labels'], message: 'give either label or labels, not both' });
    } else if (!config.label && !config.labels) {
      ctx.addIssue({ code: 'custom', path: ['label'], message: 'required (or labels: [...])' });
    }
    addDuplicateIssues(config.features.map((f) => f.name), ['features'], 'feature name', ctx, 'name');
    addSharedVocabularyIssues(config.features, ctx);
    if (config.labels) addDuplicateIssues(config.labels.map((l) => l.task), ['labels'], 'task name', ctx, 'task');
  })
  .transform(({ label, labels, features }) => ({ labels: labels ?? (label ? [label] : []), features }));
export type FeatureSections = z.output<typeof FeatureSectionsSchema>;

/**
 * A whole config as far as data is concerned: `data`, `label` or `labels`, `features`. Other
 * top-level sections (model, train, ...) are ignored here.
 */
export const PipelineConfigSchema = z
  .object({ data: DataConfigSchema })
  .and(FeatureSectionsSchema)
  .transform(({ data, labels, features }) => ({ data, labels, features }));
export type PipelineConfigInput = z.input<typeof PipelineConfigSchema>;
export type PipelineConfig = z.output<typeof PipelineConfigSchema>;

/** A sequence's `vocabularyOf` must name a categorical feature with a fitted vocabulary or hash buckets. */
function addSharedVocabularyIssues(features: readonly FeatureConfig[], ctx: z.core.$RefinementCtx): void {
  features.forEach((feature, i) => {
    if (feature.type !== 'sequence') return;
    const shared = features.find((f) => f.name === feature.vocabularyOf);
    const categorical = features.filter((f) => f.type === 'categorical').map((f) => f.name);
    const message = !shared
      ? `no feature '${feature.vocabularyOf}'`
      : shared.type !== 'categorical'
        ? `'${feature.vocabularyOf}' is a ${shared.type} feature`
        : undefined;
    if (message) {
      ctx.addIssue({
        code: 'custom',
        path: ['features', i, 'vocabularyOf'],
        message: `${message}; expected the categorical feature whose ids the sequence holds (one of: ${categorical.join(', ') || 'none'})`,
      });
    }
  });
}

function addDuplicateIssues(
  names: readonly string[],
  path: (string | number)[],
  what: string,
  ctx: z.core.$RefinementCtx,
  key?: string,
): void {
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (seen.has(name)) {
      ctx.addIssue({ code: 'custom', path: key ? [...path, i, key] : [...path, i], message: `duplicate ${what} '${name}'` });
    }
    seen.add(name);
  });
}

/** `features[2].maxLength` from ['features', 2, 'maxLength']. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === undefined) return 'nothing';
  try {
    const json = JSON.stringify(value);
    return json.length > 60 ? `${json.slice(0, 57)}...` : json;
  } catch {
    return String(value);
  }
}

/** What a size bound counts: ' items' of an array, ' characters' of a string, nothing for a number. */
function unitOf(origin: string): string {
  return origin === 'array' || origin === 'set' ? ' items' : origin === 'string' ? ' characters' : '';
}

/** Messages for zod's generic issues; schema-level messages take precedence over these. */
function issueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'required' : `expected ${issue.expected}, got ${show(issue.input)}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => show(v)).join(', ')}, got ${show(issue.input)}`;
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
    case 'too_small':
      return `expected ${issue.inclusive === false ? 'more than' : 'at least'} ${String(issue.minimum)}${unitOf(issue.origin)}, got ${show(issue.input)}`;
    case 'too_big':
      return `expected ${issue.inclusive === false ? 'less than' : 'at most'} ${String(issue.maximum)}${unitOf(issue.origin)}, got ${show(issue.input)}`;
    case 'invalid_union': {
      const { options, discriminator } = issue as { options?: unknown[]; discriminator?: string };
      if (options && discriminator !== undefined) {
        const input = issue.input as Record<string, unknown> | undefined;
        const got = input && typeof input === 'object' ? input[discriminator] : input;
        return `expected one of ${options.map((o) => show(o)).join(', ')}, got ${show(got)}`;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

interface FlatIssue {
  path: PropertyKey[];
  message: string;
}

/**
 * Flatten issues; for a union that failed, report the one branch whose input matched in shape
 * and failed deeper (e.g. `{ clip: [5, 1] }`), else the union's own message.
 */
function flattenIssues(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[] = []): FlatIssue[] {
  const out: FlatIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const deep = issue.errors.filter(
        (branch) => branch.length > 0 && branch.every((i) => i.path.length > 0 || (i.code === 'invalid_union' && i.errors.length > 0)),
      );
      if (deep.length === 1) {
        out.push(...flattenIssues(deep[0]!, path));
        continue;
      }
    }
    if (issue.code === 'unrecognized_keys' && issue.keys.length === 1) {
      out.push({ path: [...path, issue.keys[0]!], message: 'unknown key' });
      continue;
    }
    out.push({ path, message: issue.message });
  }
  return out;
}

/**
 * A ConfigError from a zod error: the message lists every problem as `path: message`
 * (e.g. `features[2].maxLength: expected a positive integer`), `field` is the first path.
 */
export function formatZodError(error: z.ZodError, file?: string): ConfigError {
  const issues = flattenIssues(error.issues);
  const lines = [...new Set(issues.map((i) => (i.path.length ? `${formatPath(i.path)}: ${i.message}` : i.message)))];
  const field = issues[0] && issues[0].path.length ? formatPath(issues[0].path) : undefined;
  return new ConfigError(lines.join('; '), { ...(file !== undefined ? { file } : {}), ...(field !== undefined ? { field } : {}) });
}

/** Parse with our messages; throws a ConfigError naming the field path. */
export function parseWithSchema<S extends z.ZodType>(schema: S, value: unknown, file?: string): z.output<S> {
  const result = schema.safeParse(value, { error: issueMessage, reportInput: true });
  if (!result.success) throw formatZodError(result.error, file);
  return result.data;
}

/** Validate and normalize a config object (already read from YAML/JSON). */
export function parsePipelineConfig(value: unknown, file?: string): PipelineConfig {
  return parseWithSchema(PipelineConfigSchema, value, file);
}

/** Read a YAML or JSON config file and validate its data/label/features sections. */
export async function readPipelineConfig(file: string): Promise<PipelineConfig> {
  return parsePipelineConfig(await readConfigFile(file), file);
}
