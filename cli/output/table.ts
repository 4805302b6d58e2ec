/** A table cell: numbers are right-aligned, null and undefined show as `-`, '' as blank. */
export type Cell = string | number | null | undefined;

export interface Column {
  readonly header: string;
  /** Defaults to right when every non-empty cell of the column is a number, else left. */
  readonly align?: 'left' | 'right';
  /** How numbers in this column are written; `String` when absent. */
  readonly format?: (value: number) => string;
}

export interface TableOptions {
  /** Rows under a rule at the bottom, such as a TOTAL line. */
  readonly footer?: readonly (readonly Cell[])[];
}

const EMPTY = '-';
const GAP = '  ';

/** Renders rows as a plain-text table with a header rule, columns padded to align. */
export function renderTable(
  columns: readonly Column[],
  rows: readonly (readonly Cell[])[],
  options: TableOptions = {},
): string {
  const footer = options.footer ?? [];
  const allRows = [...rows, ...footer];
  const text = (row: readonly Cell[]) =>
    columns.map((column, index) => cellText(row[index], column));
  const bodyText = rows.map(text);
  const footerText = footer.map(text);
  const widths = columns.map((column, index) =>
    Math.max(
      width(column.header),
      ...[...bodyText, ...footerText].map((cells) => width(cells[index] ?? '')),
    ),
  );
  const aligns = columns.map((column, index) => column.align ?? inferAlign(allRows, index));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, index) => pad(cell, widths[index] ?? 0, aligns[index] ?? 'left'))
      .join(GAP)
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join(GAP);
  const lines = [line(columns.map((column) => column.header)), rule, ...bodyText.map(line)];
  if (footerText.length > 0) lines.push(rule, ...footerText.map(line));
  return `${lines.join('\n')}\n`;
}

function cellText(cell: Cell, column: Column): string {
  if (cell === null || cell === undefined) return EMPTY;
  if (typeof cell === 'number') return column.format ? column.format(cell) : String(cell);
  // One line per row: control characters would break the layout.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
  return cell.replace(/[\u0000-\u001f\u007f]/g, ' ');
}

function inferAlign(rows: readonly (readonly Cell[])[], index: number): 'left' | 'right' {
  const values = rows
    .map((row) => row[index])
    .filter((cell) => cell !== null && cell !== undefined && cell !== '');
  return values.length > 0 && values.every((cell) => typeof cell === 'number') ? 'right' : 'left';
}

/** Display width in code points (wide characters are rare in workgroup names and ids). */
const width = (text: string): number => [...text].length;

function pad(text: string, size: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, size - width(text)));
  return align === 'right' ? fill + text : text + fill;
}
