/**
 * Streams a libFM/libSVM file (`label idx:val idx:val ...`, one row per line) into a RawTable
 * with columns `label` and `f0..f{n-1}` by position in the line. Field-aware data such as Frappe
 * has exactly one active index per field, so each position is a categorical field whose value is
 * the index string (`266:1` -> '266'); every row must have the same number of fields.
 */
import { createReadStream } from 'node:fs';
import { DataError } from '../errors.js';
import type { Encoding } from './data-config.js';
import { checkColumns, checkReadableFile, isFileSystemError } from './csv-reader.js';
import { ColumnCollector, RawTable, type ColumnNeeds } from './raw-table.js';

export interface LibfmReadOptions {
  encoding: Encoding;
  /** Columns to store (label, f0, ...); a non-optional one the file lacks is a DataError. */
  needs: ColumnNeeds;
}

export const LIBFM_LABEL_COLUMN = 'label';

/** Column names of a libFM file with `fields` index:value pairs per line. */
export function libfmColumnNames(fields: number): string[] {
  return [LIBFM_LABEL_COLUMN, ...Array.from({ length: fields }, (_, i) => `f${i}`)];
}

export async function readLibfm(file: string, options: LibfmReadOptions): Promise<RawTable> {
  await checkReadableFile(file);
  let names: string[] | undefined;
  let collector: ColumnCollector | undefined;
  let rows = 0;

  const onLine = (line: string): void => {
    const trimmed = line.trim();
    if (trimmed === '') return;
    const tokens = trimmed.split(/\s+/);
    rows += 1;
    if (!names) {
      names = libfmColumnNames(tokens.length - 1);
      checkColumns(file, names, options.needs);
      collector = new ColumnCollector(file, names, options.needs);
    }
    if (tokens.length !== names.length) {
      const field = tokens.length < names.length ? names[tokens.length]! : `(extra field ${names.length})`;
      throw new DataError(`expected a label and ${names.length - 1} index:value fields, found ${tokens.length - 1} fields`, {
        file,
        row: rows,
        field,
      });
    }
    collector!.push(rows, (position, name) => {
      const text = tokens[position]!;
      if (position === 0) return text;
      const colon = text.indexOf(':');
      if (colon <= 0 || colon === text.length - 1) throw new DataError(`expected index:value, got '${text}'`, { file, row: rows, field: name });
      return text.slice(0, colon);
    });
  };

  let rest = '';
  try {
    for await (const chunk of createReadStream(file, { encoding: options.encoding })) {
      const text = rest + (chunk as string);
      let start = 0;
      for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
        onLine(text.slice(start, end));
        start = end + 1;
      }
      rest = text.slice(start);
    }
    onLine(rest);
  } catch (error) {
    if (error instanceof DataError || !isFileSystemError(error)) throw error;
    throw new DataError(`cannot read the file: ${error.message}`, { file });
  }

  if (!names || rows === 0) throw new DataError('no data rows', { file, row: 1 });
  return new RawTable(file, 'libfm', rows, names, collector!.build());
}
