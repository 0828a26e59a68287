/**
 * A validated request as a RawTable of one row per candidate, so the bundle's pipeline encodes it
 * exactly as it encodes a file. A context value is interned once and shared by every row (one
 * dictionary entry, every code 0): the pipeline looks categorical values up per dictionary entry
 * and multi-value values per distinct value, so the context's vocabulary lookups happen once per
 * request, not once per candidate.
 */
import type { SegmentValues } from '../calibration/segmented-calibration.js';
import { RawTable, StringColumnBuilder, type RawColumn, type StringColumn } from '../data/raw-table.js';
import type { RequestField, RequestValue, ScoreRequest } from './request-schema.js';

/** The name a request table gives as its file (DeeprankErrors about it are re-pointed at request fields). */
export const REQUEST_FILE = 'request';

/** A value as the pipeline reads a cell: text, or a list joined with its separator; null when missing. */
function cellText(field: RequestField, value: RequestValue): string | null {
  if (value === null) return null;
  if (field.kind === 'list') return (value as readonly string[]).join(field.separator);
  return value as string;
}

function contextColumn(field: RequestField, value: RequestValue, rows: number): RawColumn {
  const source = { file: REQUEST_FILE };
  if (field.kind === 'number') return { kind: 'numeric', values: new Float64Array(rows).fill((value as number | null) ?? NaN), source };
  const text = cellText(field, value);
  return { kind: 'string', codes: new Int32Array(rows).fill(text === null ? -1 : 0), dictionary: text === null ? [] : [text], source };
}

function candidateColumn(field: RequestField, request: ScoreRequest): RawColumn {
  const source = { file: REQUEST_FILE };
  if (field.kind === 'number') return { kind: 'numeric', values: Float64Array.from(request.candidates, (c) => (c[field.name] as number | null) ?? NaN), source };
  const builder = new StringColumnBuilder();
  for (const candidate of request.candidates) {
    const text = cellText(field, candidate[field.name]!);
    if (text === null) builder.pushMissing();
    else builder.push(text);
  }
  return builder.build(REQUEST_FILE);
}

export function requestTable(fields: readonly RequestField[], request: ScoreRequest): RawTable {
  const rows = request.candidates.length;
  const columns = new Map<string, RawColumn>();
  for (const field of fields) {
    const value = request.context[field.name];
    columns.set(field.name, value !== undefined ? contextColumn(field, value, rows) : candidateColumn(field, request));
  }
  return new RawTable(REQUEST_FILE, 'csv', rows, fields.map((f) => f.name), columns);
}

/** Each row's raw text in `column` (undefined when missing), as a per-segment calibration reads it. */
export function segmentValues(table: RawTable, column: string): SegmentValues {
  const { codes, dictionary } = table.strings(column) as StringColumn;
  return Array.from(codes, (code) => (code < 0 ? undefined : dictionary[code]));
}
