/**
 * Rows of cells (the first row a header) as aligned text lines for the terminal: every column as
 * wide as its widest cell, the first column and text columns left-aligned, columns of numbers
 * right-aligned so that their digits line up.
 */
const NUMBER = /^([+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?%?|n\/a)$/i;

export function textTable(rows: readonly (readonly string[])[], indent = ''): string[] {
  if (rows.length === 0) return [];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const numeric = widths.map((_, c) => c > 0 && rows.length > 1 && rows.slice(1).every((row) => NUMBER.test(row[c]!)));
  return rows.map((row) => (indent + row.map((cell, c) => (numeric[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ')).trimEnd());
}
