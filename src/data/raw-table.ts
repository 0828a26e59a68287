/**
 * A data file read into columns, before any feature encoding. Each stored column is either
 * interned strings (Int32Array codes into a per-column dictionary; code -1 = missing, e.g. a
 * join without a match) or parsed numbers (Float64Array, NaN = missing). Only the columns the
 * config uses are stored; `columnNames` lists every column the file has.
 *
 * Row i of the table is the (i + 1)-th data row of its file (header excluded, blank lines
 * skipped). A joined column remembers the side file and row each value came from, so an error
 * about any value can name the file, row and column a user would look at.
 */
import { DataError, type ErrorLocation } from '../errors.js';
import type { DataFormat } from './data-config.js';
import { GrowableFloat64Array, GrowableInt32Array } from './growable-array.js';

export type ColumnKind = 'string' | 'numeric';

/** Where a column's values came from: `rows[i]` is the 0-based source row of table row i. */
export interface ColumnSource {
  file: string;
  /** Absent: row i of the table is row i of `file`. -1: no source row (unmatched join). */
  rows?: Int32Array;
}

export interface StringColumn {
  kind: 'string';
  /** [numRows] index into `dictionary`, -1 for missing. */
  codes: Int32Array;
  dictionary: string[];
  source: ColumnSource;
}

export interface NumericColumn {
  kind: 'numeric';
  /** [numRows], NaN for missing. */
  values: Float64Array;
  source: ColumnSource;
}

export type RawColumn = StringColumn | NumericColumn;

/** Which columns to store and how; an optional column may be absent from the file. */
export type ColumnNeeds = Map<string, { kind: ColumnKind; optional?: boolean }>;

/** Add a need; a column wanted both as strings and as numbers is stored as strings. */
export function addNeed(needs: ColumnNeeds, name: string, kind: ColumnKind, optional = false): void {
  const existing = needs.get(name);
  if (!existing) {
    needs.set(name, { kind, optional });
    return;
  }
  needs.set(name, {
    kind: existing.kind === 'string' || kind === 'string' ? 'string' : 'numeric',
    optional: (existing.optional ?? false) && optional,
  });
}

const NUMBER_PATTERN = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const MISSING_TOKENS = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '?']);

/**
 * Parse a numeric cell: NaN for a missing value (empty, NA, NaN, null, None, ?), undefined for
 * text that is not a number (the caller raises a DataError naming the row).
 */
export function parseNumber(text: string): number | undefined {
  const value = Number(text);
  if (text.length > 0 && Number.isFinite(value) && NUMBER_PATTERN.test(text)) return value;
  const trimmed = text.trim();
  if (trimmed.length <= 4 && MISSING_TOKENS.has(trimmed.toLowerCase())) return NaN;
  if (NUMBER_PATTERN.test(trimmed)) return Number(trimmed);
  return undefined;
}

/** Interns strings of one column as they stream in. */
export class StringColumnBuilder {
  private readonly codes = new GrowableInt32Array();
  private readonly dictionary: string[] = [];
  private readonly index = new Map<string, number>();

  push(value: string): void {
    let code = this.index.get(value);
    if (code === undefined) {
      code = this.dictionary.length;
      this.dictionary.push(value);
      this.index.set(value, code);
    }
    this.codes.push(code);
  }

  /** A missing value (code -1). */
  pushMissing(): void {
    this.codes.push(-1);
  }

  build(file: string): StringColumn {
    return { kind: 'string', codes: this.codes.toArray(), dictionary: this.dictionary, source: { file } };
  }
}

/** Parses numbers of one column as they stream in. */
export class NumericColumnBuilder {
  private readonly values = new GrowableFloat64Array();

  /** Returns false when `text` is not a number (nothing is stored then). */
  push(text: string): boolean {
    const value = parseNumber(text);
    if (value === undefined) return false;
    this.values.push(value);
    return true;
  }

  pushValue(value: number): void {
    this.values.push(value);
  }

  build(file: string): NumericColumn {
    return { kind: 'numeric', values: this.values.toArray(), source: { file } };
  }
}

/**
 * The needed columns of one file as they stream in: a builder per needed column position,
 * fed one row at a time. Both readers use it, so CSV and libFM store and report values alike.
 */
export class ColumnCollector {
  private readonly slots: { position: number; name: string; builder: StringColumnBuilder | NumericColumnBuilder }[] = [];

  constructor(
    private readonly file: string,
    names: readonly string[],
    needs: ColumnNeeds,
  ) {
    names.forEach((name, position) => {
      const need = needs.get(name);
      if (need) this.slots.push({ position, name, builder: need.kind === 'string' ? new StringColumnBuilder() : new NumericColumnBuilder() });
    });
  }

  /** Store row `row` (1-based, for messages); `cell(position, name)` returns a column's text. */
  push(row: number, cell: (position: number, name: string) => string): void {
    for (const { position, name, builder } of this.slots) {
      const text = cell(position, name);
      if (builder instanceof StringColumnBuilder) builder.push(text);
      else if (!builder.push(text)) throw new DataError(`expected a number, got '${text}'`, { file: this.file, row, field: name });
    }
  }

  build(): Map<string, RawColumn> {
    return new Map(this.slots.map(({ name, builder }) => [name, builder.build(this.file)]));
  }
}

export class RawTable {
  private readonly columns: Map<string, RawColumn>;
  private readonly numericViews = new Map<string, Float64Array>();

  /**
   * @param file the file the rows come from (for messages)
   * @param columnNames every column of the file (and of joined files), stored or not
   */
  constructor(
    readonly file: string,
    readonly format: DataFormat,
    readonly numRows: number,
    readonly columnNames: readonly string[],
    columns: Map<string, RawColumn>,
  ) {
    for (const [name, column] of columns) {
      const length = column.kind === 'string' ? column.codes.length : column.values.length;
      if (length !== numRows) throw new Error(`RawTable: column '${name}' has ${length} rows, expected ${numRows}`);
    }
    this.columns = columns;
  }

  /** Whether the column was read (stored). */
  has(name: string): boolean {
    return this.columns.has(name);
  }

  /** Names of the stored columns. */
  storedColumns(): string[] {
    return [...this.columns.keys()];
  }

  column(name: string): RawColumn {
    const column = this.columns.get(name);
    if (!column) throw this.unknownColumn(name);
    return column;
  }

  /** The DataError for a column that is not in this table, listing the available ones. */
  unknownColumn(name: string): DataError {
    return new DataError(`unknown column '${name}'; available columns: ${this.columnNames.join(', ')}`, {
      file: this.file,
      field: name,
    });
  }

  strings(name: string): StringColumn {
    const column = this.column(name);
    if (column.kind !== 'string') throw new Error(`RawTable: column '${name}' was read as numbers, not strings`);
    return column;
  }

  /**
   * Numbers of a column. A string column (read as strings because another feature also uses it
   * as categorical) is parsed once per distinct value; a non-number is a DataError naming the
   * first row holding it.
   */
  numbers(name: string): Float64Array {
    const column = this.column(name);
    if (column.kind === 'numeric') return column.values;
    const cached = this.numericViews.get(name);
    if (cached) return cached;
    const parsed = new Float64Array(column.dictionary.length);
    let bad = -1;
    column.dictionary.forEach((text, code) => {
      const value = parseNumber(text);
      if (value === undefined && bad < 0) bad = code;
      parsed[code] = value ?? NaN;
    });
    if (bad >= 0) {
      const row = column.codes.indexOf(bad);
      throw new DataError(`expected a number, got '${column.dictionary[bad]}'`, this.location(name, row));
    }
    const values = new Float64Array(this.numRows);
    for (let i = 0; i < this.numRows; i++) {
      const code = column.codes[i]!;
      values[i] = code < 0 ? NaN : parsed[code]!;
    }
    this.numericViews.set(name, values);
    return values;
  }

  /** File, 1-based row and column of table row `row`'s value in column `name`. */
  location(name: string, row: number): ErrorLocation {
    const column = this.columns.get(name);
    const source = column?.source ?? { file: this.file };
    const sourceRow = source.rows ? source.rows[row]! : row;
    return sourceRow >= 0 ? { file: source.file, row: sourceRow + 1, field: name } : { file: this.file, row: row + 1, field: name };
  }

  /** This table with more columns (e.g. from a join); the new names are appended. */
  withColumns(extra: Map<string, RawColumn>, extraNames: readonly string[]): RawTable {
    return new RawTable(this.file, this.format, this.numRows, [...this.columnNames, ...extraNames], new Map([...this.columns, ...extra]));
  }
}
