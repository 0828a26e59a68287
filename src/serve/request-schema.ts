/**
 * What a scoring request must hold, derived from the bundle: the raw columns its pipeline reads
 * (plus the columns a per-segment calibration is keyed on), each given once per request either in
 * `context` (shared by every candidate, e.g. the user) or in every candidate (e.g. the item).
 *
 *   { "context": { "user": "u3" }, "candidates": [{ "item": "i1", "price": 4.5 }, ...], "topK": 10 }
 *
 * Numeric columns take finite numbers (JSON's 1e999 parses to Infinity and is refused); categorical
 * columns take strings, or integers (used as their decimal text); multi-value and sequence columns
 * take arrays of strings. `null` (and "" or [] for text and lists) is an explicit missing value,
 * encoded as the pipeline encodes an empty cell and counted. A field the bundle does not read, a
 * field given in both places, or a field absent from both is refused naming it.
 */
import { z } from 'zod';
import type { SegmentedCalibration } from '../calibration/segmented-calibration.js';
import { columnNeeds } from '../data/column-needs.js';
import type { FeaturePipeline } from '../data/feature-pipeline.js';
import { addNeed } from '../data/raw-table.js';
import { RequestError } from './request-error.js';

export const DEFAULT_MAX_CANDIDATES = 1000;

/** A raw column a request carries: numbers, text, or a list of values joined with `separator` as the pipeline splits it. */
export type RequestField = { name: string; kind: 'number' } | { name: string; kind: 'text' } | { name: string; kind: 'list'; separator: string };

export type RequestValue = number | string | readonly string[] | null;
export type RequestRow = Readonly<Record<string, RequestValue>>;

export interface ScoreRequest {
  context: RequestRow;
  candidates: readonly RequestRow[];
  topK?: number;
}

/** The request fields of a bundle's pipeline and calibration, in the order the pipeline reads them. */
export function requestFields(pipeline: FeaturePipeline, calibration: ReadonlyMap<string, SegmentedCalibration> = new Map()): RequestField[] {
  const needs = columnNeeds(pipeline.features, []);
  for (const calibrator of calibration.values()) if (calibrator.segmentBy !== undefined) addNeed(needs, calibrator.segmentBy, 'string');
  const separators = new Map<string, string>();
  for (const feature of pipeline.features) {
    if ((feature.type === 'multi_value' && !feature.flagColumns) || feature.type === 'sequence') separators.set(feature.column ?? feature.name, feature.separator);
  }
  return [...needs].map(([name, { kind }]) => {
    const separator = separators.get(name);
    if (separator !== undefined) return { name, kind: 'list', separator };
    return { name, kind: kind === 'numeric' ? 'number' : 'text' };
  });
}

function valueSchema(field: RequestField): z.ZodType<RequestValue> {
  switch (field.kind) {
    case 'number':
      return z.number({ error: 'expected a finite number (or null for a missing value)' }).nullable();
    case 'text':
      return z
        .union([z.string(), z.number().int()], { error: 'expected a string or an integer (or null for a missing value)' })
        .transform((value) => String(value))
        .nullable();
    case 'list':
      return z
        .array(z.string({ error: 'expected a string' }), { error: 'expected an array of strings (or null for a missing value)' })
        .refine((values) => values.every((value) => !value.includes(field.separator)), { error: `a value contains the separator '${field.separator}'` })
        .nullable();
  }
}

/** `candidates[3].price` from zod's path ['candidates', 3, 'price']. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`)).join('');
}

/** Parses requests for one bundle; every problem is a RequestError naming the field. */
export class RequestParser {
  private readonly schema;

  constructor(
    readonly fields: readonly RequestField[],
    readonly maxCandidates = DEFAULT_MAX_CANDIDATES,
  ) {
    const row = z.strictObject(Object.fromEntries(fields.map((field) => [field.name, valueSchema(field).optional()])));
    this.schema = z.strictObject({
      context: row.default({}),
      candidates: z
        .array(row, { error: 'expected an array of candidate objects' })
        .min(1, { error: 'expected at least one candidate' })
        .max(maxCandidates, { error: `more than ${maxCandidates} candidates` }),
      topK: z.number({ error: 'expected a positive integer' }).int({ error: 'expected a positive integer' }).positive({ error: 'expected a positive integer' }).optional(),
    });
  }

  parse(body: unknown): ScoreRequest {
    const parsed = this.schema.safeParse(body ?? undefined);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      const path = keys.length > 0 ? [...issue.path, keys[0]!] : issue.path;
      const message = keys.length > 0 ? 'not a field this model reads' : issue.message;
      throw new RequestError(message, path.length > 0 ? fieldPath(path) : undefined);
    }
    const request = parsed.data as ScoreRequest;
    for (const { name } of this.fields) this.checkGivenOnce(request, name);
    return request;
  }

  /** `name` in the context and in no candidate, or in every candidate. */
  private checkGivenOnce({ context, candidates }: ScoreRequest, name: string): void {
    const inContext = context[name] !== undefined;
    const at = candidates.findIndex((candidate) => (candidate[name] !== undefined) === inContext);
    if (at < 0) return;
    if (inContext) throw new RequestError('also given in context; give a field in one place', `candidates[${at}].${name}`);
    if (at === 0 && candidates.every((candidate) => candidate[name] === undefined)) throw new RequestError('required (in context, or in every candidate)', `context.${name}`);
    throw new RequestError('required (not in context, so every candidate needs it)', `candidates[${at}].${name}`);
  }
}
