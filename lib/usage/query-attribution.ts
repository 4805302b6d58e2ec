/**
 * Who a query's cost belongs to, read from what BatchGetQueryExecution already returned: the
 * dbt query comment and `-- athena-cost:` tags in the SQL text, and the catalog and database of
 * its QueryExecutionContext. Pure and bounded: the SQL text is read here and never kept.
 */
import { PRINCIPAL_KEY, UNKNOWN_PRINCIPAL } from './query-principal.js';

import { redactSql } from './redact-sql.js';

/** What the ingest path keeps of a query's SQL text and context. No SQL. */
export interface QueryAttribution {
  /** The dbt node id, e.g. `model.jaffle_shop.orders`. */
  readonly dbtModel?: string | undefined;
  readonly dbtTarget?: string | undefined;
  readonly dbtInvocation?: string | undefined;
  readonly catalog?: string | undefined;
  readonly database?: string | undefined;
  /** `-- athena-cost: key=value ...` tags, at most MAX_TAGS_PER_QUERY, first one of a key wins. */
  readonly tags: Readonly<Record<string, string>>;
  /**
   * Who started the query (lib/usage/query-principal.ts), or `unknown` until CloudTrail tells;
   * set by the store only when principals are attributed.
   */
  readonly principal?: string | undefined;
  /** The assumed-role session of the principal, kept on the query record, never counted. */
  readonly principalDetail?: string | undefined;
  /** Only when asked for (`redactedSqlChars`): the SQL text redacted and cut (redactSql). */
  readonly sqlRedacted?: string | undefined;
}

/** What else the ingest may keep of the text: nothing unless an operator opts in. */
export interface AttributionOptions {
  /** Keep a redacted copy of the SQL text of at most this many characters; 0 or absent: none. */
  readonly redactedSqlChars?: number | undefined;
}

export const NO_ATTRIBUTION: QueryAttribution = { tags: {} };

/** Tags per query beyond this are ignored: each tag adds three counter updates to the ingest. */
export const MAX_TAGS_PER_QUERY = 5;
/** A tag key: lower case letter first, then letters, digits, `_`, `.`, `-`; at most 32. */
export const TAG_KEY_PATTERN = /^[a-z][a-z0-9_.-]{0,31}$/;
/** A tag value: letters, digits and `_ . : / @ + -`; 1 to 64. */
export const TAG_VALUE_PATTERN = /^[A-Za-z0-9_.:/@+-]{1,64}$/;
/** A dbt field (node id, target, invocation id) kept only when it is this plain and short. */
export const DBT_FIELD_PATTERN = /^[A-Za-z0-9_.:/@+-]{1,256}$/;
/** Athena catalog and database names kept when they look like names. */
const NAME_PATTERN = /^[A-Za-z0-9_.@:-]{1,128}$/;

/** Block comments longer than this are not read as a dbt comment (dbt's is a few hundred bytes). */
const MAX_DBT_COMMENT_CHARS = 16_384;
/** Block comments looked at per query, so a text of many comments costs bounded work. */
const MAX_BLOCK_COMMENTS = 8;
/** `-- athena-cost:` lines looked at per query. */
const MAX_TAG_LINES = 4;
/** Characters of one `-- athena-cost:` line read. */
const MAX_TAG_LINE_CHARS = 512;

/** The attribution keys counted per period: `dbt.model` and `tag:<key>` for each tag. */
export const DBT_MODEL_KEY = 'dbt.model';
export const tagAttributionKey = (tag: string): string => `tag:${tag}`;

/** Where usage goes once a key has as many distinct values in a day as the cap allows. */
export const OTHER_VALUE = '(other)';

/** Values counted as themselves whatever the cap: `unknown` principals (see query-principal). */
export const isUncappedValue = (key: string, value: string): boolean =>
  key === PRINCIPAL_KEY && value === UNKNOWN_PRINCIPAL;

export interface ExecutionText {
  readonly Query?: string | undefined;
  readonly QueryExecutionContext?:
    | { readonly Catalog?: string | undefined; readonly Database?: string | undefined }
    | undefined;
}

/** Reads a query's attribution. Never throws: text it cannot read gives no attribution. */
export function parseQueryAttribution(
  execution: ExecutionText,
  options: AttributionOptions = {},
): QueryAttribution {
  const text = typeof execution.Query === 'string' ? execution.Query : '';
  const dbt = dbtCommentOf(text);
  const context = execution.QueryExecutionContext;
  const sqlChars = options.redactedSqlChars ?? 0;
  return {
    ...(sqlChars > 0 && text !== '' ? { sqlRedacted: redactSql(text, sqlChars) } : {}),
    dbtModel: dbt?.nodeId,
    dbtTarget: dbt?.target,
    dbtInvocation: dbt?.invocation,
    catalog: nameOrUndefined(context?.Catalog),
    database: nameOrUndefined(context?.Database),
    tags: tagsOf(text),
  };
}

/** The (key, value) pairs counted for a query: its principal, dbt model and each tag. */
export function countedAttributions(
  attribution: QueryAttribution,
): { readonly key: string; readonly value: string }[] {
  const pairs: { key: string; value: string }[] = [];
  if (attribution.principal !== undefined)
    pairs.push({ key: PRINCIPAL_KEY, value: attribution.principal });
  if (attribution.dbtModel !== undefined)
    pairs.push({ key: DBT_MODEL_KEY, value: attribution.dbtModel });
  for (const [tag, value] of Object.entries(attribution.tags))
    pairs.push({ key: tagAttributionKey(tag), value });
  return pairs;
}

interface DbtComment {
  readonly nodeId: string | undefined;
  readonly target: string | undefined;
  readonly invocation: string | undefined;
}

/**
 * dbt's query comment: `/* {"app": "dbt", "dbt_version": ..., "profile_name": ...,
 * "target_name": ..., "node_id": "model.<project>.<name>"} *\/`, prepended (or appended, with
 * `query-comment: {append: true}`) by dbt-core; `invocation_id` is there when a project's
 * `query_comment` macro adds it. The first block comment holding JSON with `"app": "dbt"` counts.
 */
function dbtCommentOf(text: string): DbtComment | undefined {
  let from = 0;
  for (let seen = 0; seen < MAX_BLOCK_COMMENTS; seen++) {
    const open = text.indexOf('/*', from);
    if (open < 0) return undefined;
    const close = text.indexOf('*/', open + 2);
    if (close < 0) return undefined; // unbalanced: nothing after it is a comment
    from = close + 2;
    if (close - open - 2 > MAX_DBT_COMMENT_CHARS) continue;
    const body = text.slice(open + 2, close).trim();
    if (!body.startsWith('{')) continue;
    const parsed = parseJsonObject(body);
    if (parsed === undefined || parsed.app !== 'dbt') continue;
    return {
      nodeId: plainField(parsed.node_id),
      target: plainField(parsed.target_name),
      invocation: plainField(parsed.invocation_id),
    };
  }
  return undefined;
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const plainField = (value: unknown): string | undefined =>
  typeof value === 'string' && DBT_FIELD_PATTERN.test(value) ? value : undefined;

const nameOrUndefined = (value: string | undefined): string | undefined =>
  value !== undefined && NAME_PATTERN.test(value) ? value : undefined;

/**
 * Tags of `-- athena-cost: key=value key=value` line comments, anywhere in the text. Pairs that
 * do not match the key and value patterns are ignored, as is everything past MAX_TAGS_PER_QUERY.
 */
function tagsOf(text: string): Record<string, string> {
  const tags: Record<string, string> = {};
  let count = 0;
  const marker = /--[ \t]*athena-cost:/g;
  for (let line = 0; line < MAX_TAG_LINES; line++) {
    const match = marker.exec(text);
    if (match === null) break;
    const start = match.index + match[0].length;
    let end = start;
    const limit = Math.min(text.length, start + MAX_TAG_LINE_CHARS);
    while (end < limit && text[end] !== '\n' && text[end] !== '\r') end++;
    marker.lastIndex = end;
    for (const pair of text.slice(start, end).split(/[ \t]+/)) {
      if (count >= MAX_TAGS_PER_QUERY) return tags;
      const equals = pair.indexOf('=');
      if (equals < 0) continue;
      const key = pair.slice(0, equals);
      const value = pair.slice(equals + 1);
      if (!TAG_KEY_PATTERN.test(key) || !TAG_VALUE_PATTERN.test(value)) continue;
      if (Object.hasOwn(tags, key)) continue;
      tags[key] = value;
      count++;
    }
  }
  return tags;
}
