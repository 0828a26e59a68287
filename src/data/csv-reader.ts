/**
 * Streams a CSV/TSV file (csv-parse) into a columnar RawTable: numeric columns are parsed to
 * numbers, categorical columns interned, unused columns dropped as the rows go by. TSV is CSV
 * with a tab delimiter. Quotes follow RFC 4180 ("a, b" is one field; "" is a quote); a quote
 * inside an unquoted field is kept literally.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { DataError } from '../errors.js';
import type { DataFormat, Encoding } from './data-config.js';
import { ColumnCollector, RawTable, type ColumnNeeds } from './raw-table.js';

export interface CsvReadOptions {
  delimiter: string;
  /** The first line names the columns. */
  header: boolean;
  /** Column names when there is no header. */
  columns?: string[] | undefined;
  encoding: Encoding;
  /** Columns to store; a non-optional one missing from the file is a DataError. */
  needs: ColumnNeeds;
  /** Recorded on the table (csv or tsv). */
  format?: DataFormat;
}

/** DataError if `file` does not exist or is not a regular file. */
export async function checkReadableFile(file: string): Promise<void> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new DataError('not a regular file', { file });
  } catch (error) {
    if (error instanceof DataError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataError(code === 'ENOENT' ? 'file not found' : `cannot read the file: ${(error as Error).message}`, { file });
  }
}

/**
 * Whether `error` is the file system's (EACCES, EIO, EISDIR, ...: it carries a syscall), i.e.
 * something the user can fix. Anything else escaping a reader is a bug and must not be
 * reported as bad input.
 */
export function isFileSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}

/** DataError naming each needed column the file lacks, with the columns it has. */
export function checkColumns(file: string, available: readonly string[], needs: ColumnNeeds): void {
  const have = new Set(available);
  for (const [name, need] of needs) {
    if (!need.optional && !have.has(name)) {
      throw new DataError(`unknown column '${name}'; available columns: ${available.join(', ')}`, { file, field: name });
    }
  }
}

export async function readCsv(file: string, options: CsvReadOptions): Promise<RawTable> {
  await checkReadableFile(file);
  if (!options.header && !options.columns) throw new Error('readCsv: columns are required without a header');

  let names: string[] | undefined;
  let collector: ColumnCollector | undefined;
  let rows = 0;

  const setColumns = (columnNames: string[]): void => {
    const seen = new Set<string>();
    columnNames.forEach((name, i) => {
      if (seen.has(name)) throw new DataError(`duplicate column name '${name}' in the header`, { file, field: name });
      if (name === '') throw new DataError(`empty column name in the header (column ${i + 1})`, { file });
      seen.add(name);
    });
    checkColumns(file, columnNames, options.needs);
    names = columnNames;
    collector = new ColumnCollector(file, columnNames, options.needs);
  };
  if (!options.header) setColumns(options.columns!);

  const onRecord = (record: string[]): null => {
    if (!names) {
      setColumns(record.map((name) => name.trim()));
      return null;
    }
    rows += 1;
    if (record.length !== names.length) {
      const field = record.length < names.length ? names[record.length]! : `(extra field ${names.length + 1})`;
      throw new DataError(`expected ${names.length} fields (${names.join(', ')}), found ${record.length}`, { file, row: rows, field });
    }
    collector!.push(rows, (position) => record[position]!);
    return null;
  };

  const parser = parse({
    delimiter: options.delimiter,
    encoding: options.encoding,
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    on_record: onRecord,
  });
  parser.resume();
  try {
    await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), parser);
  } catch (error) {
    if (error instanceof DataError) throw error;
    const csvError = error as { code?: string; records?: number; message: string };
    if (typeof csvError.code === 'string' && csvError.code.startsWith('CSV_')) {
      const row = (csvError.records ?? rows) + 1 - (options.header ? 1 : 0);
      throw new DataError(`malformed ${options.delimiter === '\t' ? 'TSV' : 'CSV'}: ${csvError.message}`, { file, row });
    }
    if (!isFileSystemError(error)) throw error;
    throw new DataError(`cannot read the file: ${csvError.message}`, { file });
  }

  if (!names || rows === 0) throw new DataError('no data rows', { file, row: 1 });
  return new RawTable(file, options.format ?? (options.delimiter === '\t' ? 'tsv' : 'csv'), rows, names, collector!.build());
}
