/**
 * A query's SQL text with what may be personal data taken out, for the opt-in top-queries view:
 * string literals become `'?'`, numbers `?`, comments are dropped (dbt's comment and the tags are
 * kept apart, as attribution), whitespace runs become one space, and the result is cut to a
 * bound. Identifiers (quoted or not) and keywords stay, so the statement's shape is readable.
 * One pass over the text; never throws.
 */

/** The most a stored copy may keep: a query record stays well under DynamoDB's 400 KB. */
export const MAX_REDACTED_SQL_CHARS = 2_000;

/** What is appended when the text was cut. */
const CUT = '…';

export function redactSql(text: string, maxChars: number): string {
  const limit = Math.min(Math.max(0, Math.floor(maxChars)), MAX_REDACTED_SQL_CHARS);
  if (limit === 0) return '';
  let out = '';
  let index = 0;
  let pendingSpace = false;
  const emit = (piece: string) => {
    if (pendingSpace && out.length > 0) out += ' ';
    pendingSpace = false;
    out += piece;
  };
  // Stop reading once the output is past the limit: a huge text costs bounded work.
  while (index < text.length && out.length <= limit) {
    const char = text[index] ?? '';
    const next = text[index + 1] ?? '';
    if (char === '-' && next === '-') {
      const end = text.indexOf('\n', index + 2);
      index = end < 0 ? text.length : end;
      pendingSpace = true;
    } else if (char === '/' && next === '*') {
      const end = text.indexOf('*/', index + 2);
      index = end < 0 ? text.length : end + 2;
      pendingSpace = true;
    } else if (char === "'") {
      // A literal ends at a quote not followed by another ('' is an escaped quote).
      let end = index + 1;
      while (end < text.length) {
        if (text[end] === "'") {
          if (text[end + 1] === "'") end += 2;
          else break;
        } else end++;
      }
      index = end + 1;
      emit("'?'");
    } else if (char === '"' || char === '`') {
      const end = text.indexOf(char, index + 1);
      const stop = end < 0 ? text.length : end + 1;
      emit(text.slice(index, stop));
      index = stop;
    } else if (/\s/.test(char)) {
      index++;
      pendingSpace = true;
    } else if (/[0-9]/.test(char) || (char === '.' && /[0-9]/.test(next))) {
      const match = /^(?:[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?|0[xX][0-9a-fA-F]+)/.exec(
        text.slice(index, index + 64),
      );
      index += Math.max(1, match?.[0].length ?? 1);
      emit('?');
    } else if (/[A-Za-z_]/.test(char)) {
      // A word, digits included (t1, col_2): never mistaken for a number.
      const match = /^[A-Za-z0-9_$]+/.exec(text.slice(index, index + 256));
      const word = match?.[0] ?? char;
      index += word.length;
      emit(word);
    } else {
      index++;
      emit(char);
    }
  }
  return out.length > limit ? `${out.slice(0, limit - CUT.length)}${CUT}` : out;
}
