/**
 * Reads one data file with its joins into a RawTable, storing only the columns in `needs`.
 * Each needed column is read from the file that has it: the main file, or the first join whose
 * side file provides it (a join's `on` column may itself come from an earlier join). A column
 * both the main file and a side file have, or two side files have, is ambiguous and an error.
 */
import { resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { DataError } from '../errors.js';
import type { JoinConfig, ReadOptions } from './data-config.js';
import { checkReadableFile, readCsv } from './csv-reader.js';
import { readLibfm } from './libfm-reader.js';
import { addNeed, type ColumnKind, type ColumnNeeds, type RawTable } from './raw-table.js';
import { joinTable } from './table-join.js';

/** The column names of a side file: its `columns`, or its header line. */
async function sideColumnNames(file: string, join: JoinConfig): Promise<string[]> {
  if (join.columns) return join.columns;
  await checkReadableFile(file);
  let header: string[] | undefined;
  const parser = parse({
    delimiter: join.delimiter,
    encoding: join.encoding,
    bom: true,
    to_line: 1,
    relax_quotes: true,
    on_record: (record: string[]) => {
      header = record.map((name) => name.trim());
      return null;
    },
  });
  parser.resume();
  try {
    await pipeline(createReadStream(file), parser);
  } catch (error) {
    // to_line ends the parser before the file: a premature close once the header is read.
    if (!header) throw new DataError(`cannot read the header: ${(error as Error).message}`, { file, row: 1 });
  }
  if (!header) throw new DataError('no header line', { file, row: 1 });
  return header;
}

/** Read `file` (relative to baseDir) and its joins, storing the columns in `needs`. */
export async function readTable(file: string, options: ReadOptions, needs: ColumnNeeds, baseDir: string): Promise<RawTable> {
  const mainFile = resolve(baseDir, file);

  // Which join provides each column, and what each side file must store.
  const sides = await Promise.all(
    options.joins.map(async (join) => {
      const sideFile = resolve(baseDir, join.file);
      const columns = await sideColumnNames(sideFile, join);
      const key = join.key ?? columns[0]!;
      if (!columns.includes(key)) {
        throw new DataError(`unknown join key column '${key}'; available columns: ${columns.join(', ')}`, { file: sideFile, field: key });
      }
      return { join, file: sideFile, key, provides: columns.filter((c) => c !== key), needs: new Map() as ColumnNeeds };
    }),
  );
  const providerOf = new Map<string, number>();
  sides.forEach((side, index) => {
    for (const column of side.provides) {
      const other = providerOf.get(column);
      if (other !== undefined && (needs.has(column) || sides.some((s) => s.join.on === column))) {
        throw new DataError(`ambiguous column '${column}': both ${sides[other]!.file} and ${side.file} have it`, {
          file: side.file,
          field: column,
        });
      }
      if (other === undefined) providerOf.set(column, index);
    }
  });

  const mainNeeds: ColumnNeeds = new Map();
  const want = (name: string, kind: ColumnKind, optional: boolean, before = sides.length): void => {
    const provider = providerOf.get(name);
    if (provider !== undefined && provider < before) {
      addNeed(sides[provider]!.needs, name, kind, optional);
      addNeed(mainNeeds, name, kind, true); // to detect a main column of the same name
    } else {
      addNeed(mainNeeds, name, kind, true);
    }
  };
  for (const [name, need] of needs) want(name, need.kind, need.optional ?? false);
  sides.forEach((side, index) => {
    addNeed(side.needs, side.key, 'string');
    want(side.join.on, 'string', false, index);
  });

  let table =
    options.format === 'libfm'
      ? await readLibfm(mainFile, { encoding: options.encoding, needs: mainNeeds })
      : await readCsv(mainFile, {
          delimiter: options.delimiter,
          header: options.header,
          columns: options.columns,
          encoding: options.encoding,
          needs: mainNeeds,
          format: options.format,
        });

  for (const [column, provider] of providerOf) {
    if (table.columnNames.includes(column) && (needs.has(column) || sides.some((s) => s.join.on === column))) {
      throw new DataError(`ambiguous column '${column}': both ${mainFile} and ${sides[provider]!.file} have it`, {
        file: sides[provider]!.file,
        field: column,
      });
    }
  }

  for (const side of sides) {
    if (!table.has(side.join.on)) throw table.unknownColumn(side.join.on);
    const sideTable = await readCsv(side.file, {
      delimiter: side.join.delimiter,
      header: side.join.header,
      columns: side.join.columns,
      encoding: side.join.encoding,
      needs: side.needs,
    });
    table = joinTable(table, sideTable, { on: side.join.on, key: side.key });
  }

  for (const [name, need] of needs) {
    if (!need.optional && !table.has(name)) throw table.unknownColumn(name);
  }
  return table;
}
