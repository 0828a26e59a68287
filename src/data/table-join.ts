/**
 * A left join of a side table onto a main table by key, done columnar: each distinct main key is
 * looked up once, then every side column is gathered row by row. Rows without a match get
 * missing values (code -1 / NaN), so a categorical feature sees the OOV id and a numeric one its
 * fill value. A key that appears twice in the side file is a DataError.
 */
import { DataError } from '../errors.js';
import type { RawColumn, RawTable } from './raw-table.js';

export interface JoinKeys {
  /** Column of the main table. */
  on: string;
  /** Column of the side table holding the same values. */
  key: string;
}

/** The main table with every stored side column (except the key) appended. */
export function joinTable(main: RawTable, side: RawTable, keys: JoinKeys): RawTable {
  const sideKey = side.strings(keys.key);
  const mainKey = main.strings(keys.on);

  // side key value -> side row
  const rowByCode = new Int32Array(sideKey.dictionary.length).fill(-1);
  for (let row = 0; row < side.numRows; row++) {
    const code = sideKey.codes[row]!;
    if (code < 0) continue;
    const first = rowByCode[code]!;
    if (first >= 0) {
      throw new DataError(`duplicate join key '${sideKey.dictionary[code]}' (first at row ${first + 1})`, {
        file: side.file,
        row: row + 1,
        field: keys.key,
      });
    }
    rowByCode[code] = row;
  }
  const sideRowByValue = new Map<string, number>();
  sideKey.dictionary.forEach((value, code) => sideRowByValue.set(value, rowByCode[code]!));

  // main key code -> side row, then main row -> side row
  const sideRowByMainCode = Int32Array.from(mainKey.dictionary, (value) => sideRowByValue.get(value) ?? -1);
  const sideRows = new Int32Array(main.numRows);
  for (let row = 0; row < main.numRows; row++) {
    const code = mainKey.codes[row]!;
    sideRows[row] = code < 0 ? -1 : sideRowByMainCode[code]!;
  }

  const added = new Map<string, RawColumn>();
  for (const name of side.storedColumns()) {
    if (name === keys.key) continue;
    const column = side.column(name);
    const source = { file: column.source.file, rows: composeRows(sideRows, column.source.rows) };
    if (column.kind === 'string') {
      const codes = new Int32Array(main.numRows);
      for (let row = 0; row < main.numRows; row++) {
        const sideRow = sideRows[row]!;
        codes[row] = sideRow < 0 ? -1 : column.codes[sideRow]!;
      }
      added.set(name, { kind: 'string', codes, dictionary: column.dictionary, source });
    } else {
      const values = new Float64Array(main.numRows);
      for (let row = 0; row < main.numRows; row++) {
        const sideRow = sideRows[row]!;
        values[row] = sideRow < 0 ? NaN : column.values[sideRow]!;
      }
      added.set(name, { kind: 'numeric', values, source });
    }
  }
  const known = new Set(main.columnNames);
  const newNames = side.columnNames.filter((name) => name !== keys.key && !known.has(name));
  return main.withColumns(added, newNames);
}

/** Source rows through one more level of indirection. */
function composeRows(sideRows: Int32Array, inner: Int32Array | undefined): Int32Array {
  if (!inner) return sideRows;
  return sideRows.map((row) => (row < 0 ? -1 : inner[row]!));
}
