import { describe, expect, it } from 'vitest';
import { MAX_REDACTED_SQL_CHARS, redactSql } from '../../lib/usage/redact-sql.js';

describe('redactSql', () => {
  it('replaces string literals and numbers, keeps identifiers and keywords', () => {
    expect(
      redactSql(
        "SELECT name, t1.col_2 FROM \"lake\".users t1 WHERE email = 'ana@example.com' AND age > 42.5 AND d = DATE '2026-11-25' LIMIT 10",
        500,
      ),
    ).toBe(
      "SELECT name, t1.col_2 FROM \"lake\".users t1 WHERE email = '?' AND age > ? AND d = DATE '?' LIMIT ?",
    );
  });

  it('drops comments, dbt comment and tags included, and folds whitespace', () => {
    const text =
      '/* {"app": "dbt", "node_id": "model.shop.orders"} */\nselect\n\t*  from orders -- athena-cost: team=finance\nwhere id = 7';
    expect(redactSql(text, 500)).toBe('select * from orders where id = ?');
  });

  it("treats quotes inside literals and comments as data: '' escapes, -- in a string", () => {
    expect(redactSql("where note = 'it''s -- not a comment' and x = 1", 500)).toBe(
      "where note = '?' and x = ?",
    );
    expect(redactSql("/* it's */ select 'a' /* unbalanced", 500)).toBe("select '?'");
    // An unterminated literal hides everything after it.
    expect(redactSql("select 'secret never closed", 500)).toBe("select '?'");
  });

  it('cuts to the bound with an ellipsis, and bounds the work on huge text', () => {
    const huge = `select ${'a, '.repeat(1_000_000)}b from t`;
    const redacted = redactSql(huge, 40);
    expect(redacted).toHaveLength(40);
    expect(redacted.endsWith('…')).toBe(true);
    expect(redactSql(huge, 1e9)).toHaveLength(MAX_REDACTED_SQL_CHARS);
    expect(redactSql('select 1', 0)).toBe('');
  });
});
