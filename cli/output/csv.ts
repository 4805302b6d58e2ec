/** A CSV field: null and undefined are written as empty fields. */
export type CsvValue = string | number | boolean | null | undefined;

/** RFC 4180 line break. */
const CRLF = '\r\n';

/** Writes a header and records as RFC 4180 CSV: CRLF line ends, quoted where needed. */
export function toCsv(
  header: readonly string[],
  records: readonly (readonly CsvValue[])[],
): string {
  return [header, ...records].map((record) => `${record.map(csvField).join(',')}${CRLF}`).join('');
}

/** One field, quoted when it holds a comma, quote, CR or LF, with quotes doubled. */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'number' ? plainNumber(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * A number in plain decimal notation, as spreadsheets read it: `String` writes tiny and huge
 * values in exponent form (5e-9), which this expands (0.000000005).
 */
export function plainNumber(value: number): string {
  if (!Number.isFinite(value)) return '';
  const text = String(value);
  const match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!match) return text;
  const [, sign = '', lead = '', fraction = '', exponentText = '0'] = match;
  const digits = lead + fraction;
  const exponent = Number(exponentText);
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const point = 1 + exponent;
  return point >= digits.length
    ? `${sign}${digits}${'0'.repeat(point - digits.length)}`
    : `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}
