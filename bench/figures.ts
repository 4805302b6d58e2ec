/**
 * Pure arithmetic of the benchmark: percentiles, the lower bound of API calls the design allows
 * for a batch, and the text table. No I/O, so it is unit-tested (test/unit/bench-figures.test.ts).
 */

/** BatchGetQueryExecution takes at most 50 ids. */
export const IDS_PER_BATCH_GET = 50;
/** TransactWriteItems takes at most 100 actions. */
export const ACTIONS_PER_TRANSACTION = 100;
/** BatchGetItem takes at most 100 keys. */
const MAX_KEYS_PER_BATCH_GET = 100;

/** Median of a list (mean of the two middle values for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Nearest-rank percentile (`p` in 0..100); NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

/** What one SQS batch asked of the monitor, as the lower bound needs it. */
export interface BatchDemand {
  /** Distinct query ids with a terminal state in the batch. */
  readonly terminalQueries: number;
  /** Of which not recorded before: each needs a record written. */
  readonly newQueries: number;
  /** Distinct usage counter items (workgroup × day/week/month) the new queries add to. */
  readonly counterItems: number;
  /** Whether a touched workgroup has a budget: its counters must then be read back. */
  readonly budgeted: boolean;
  /**
   * With principals attributed: distinct CloudTrail callers of the batch whose query was not
   * recorded with them, so whose query items are read (see {@link lowerBoundOf}).
   */
  readonly callerReads?: number;
  /**
   * And the actions the batch's joins write: its moves from `unknown` (records, counters, an
   * outbox entry) and its callers left waiting for their queries (one each).
   */
  readonly joinActions?: number;
}

/** The fewest calls per operation the design allows for a batch. */
export interface LowerBound {
  readonly BatchGetQueryExecution: number;
  readonly TransactWriteItems: number;
  readonly PutMetricData: number;
  readonly BatchGetItem: number;
  /** The delete of the batch's published metrics outbox entries. */
  readonly BatchWriteItem: number;
}

export const ZERO_BOUND: LowerBound = {
  BatchGetQueryExecution: 0,
  TransactWriteItems: 0,
  PutMetricData: 0,
  BatchGetItem: 0,
  BatchWriteItem: 0,
};

const BOUND_OPERATIONS = Object.keys(ZERO_BOUND) as (keyof LowerBound)[];

/**
 * The lower bound of one batch: BatchGetQueryExecution for its distinct terminal ids, 50 at a
 * time; its new query records and the counter items they change, 100 actions per
 * TransactWriteItems (one DynamoDB item written per query, the counters riding along); one
 * PutMetricData for all its metrics, and after it one BatchWriteItem to mark them published (the
 * crash-proof outbox of issue #9: a mark cannot ride in a later transaction, see
 * DynamoDbOutboxMarker); and, when a touched workgroup has a budget, one BatchGetItem to read the
 * counters back (TransactWriteItems cannot return the values it wrote).
 *
 * With principals attributed, a CloudTrail caller whose query is recorded in the same batch
 * rides in that recording (its principal's counters instead of `unknown`'s: no call); the other
 * callers' query items are read with BatchGetItem, 100 keys a call (recorded, waiting or absent),
 * and their writes share TransactWriteItems packed 100 actions each, as recordings do: a move of
 * a query counted under `unknown` (the record, `unknown`'s and the principal's counters, one
 * outbox entry) and a caller left waiting for a query not recorded yet (one action).
 */
export function lowerBoundOf(batch: BatchDemand): LowerBound {
  const items = batch.newQueries > 0 ? batch.newQueries + batch.counterItems : 0;
  const joinActions = batch.joinActions ?? 0;
  return {
    BatchGetQueryExecution: Math.ceil(batch.terminalQueries / IDS_PER_BATCH_GET),
    TransactWriteItems:
      Math.ceil(items / ACTIONS_PER_TRANSACTION) + Math.ceil(joinActions / ACTIONS_PER_TRANSACTION),
    PutMetricData: batch.newQueries > 0 ? 1 : 0,
    BatchGetItem:
      (batch.budgeted && batch.terminalQueries > 0 ? 1 : 0) +
      Math.ceil((batch.callerReads ?? 0) / MAX_KEYS_PER_BATCH_GET),
    BatchWriteItem: batch.newQueries > 0 ? 1 : 0,
  };
}

export function addBounds(a: LowerBound, b: LowerBound): LowerBound {
  const sum = { ...ZERO_BOUND };
  for (const operation of BOUND_OPERATIONS) sum[operation] = a[operation] + b[operation];
  return sum;
}

export const boundTotal = (bound: LowerBound): number =>
  BOUND_OPERATIONS.reduce((total, operation) => total + bound[operation], 0);

/** Calls per 1,000 queries. */
export const per1000 = (count: number, queries: number): number =>
  queries === 0 ? Number.NaN : (count * 1000) / queries;

/** The approximate stored size of a DynamoDB item in bytes (names + values, DynamoDB's rules). */
export function dynamoItemSize(item: Readonly<Record<string, unknown>>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    size += Buffer.byteLength(name) + valueSize(value);
  }
  return size;
}

function valueSize(value: unknown): number {
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') {
    // Up to 38 significant digits, two per byte, plus one.
    const digits = String(Math.abs(value))
      .replace(/[.-]|e.*$/g, '')
      .replace(/^0+/, '');
    return Math.ceil(Math.max(1, digits.length) / 2) + 1;
  }
  if (Array.isArray(value)) return 3 + value.reduce<number>((sum, v) => sum + 1 + valueSize(v), 0);
  if (typeof value === 'object') {
    return (
      3 +
      Object.entries(value as Record<string, unknown>).reduce(
        (sum, [key, v]) => sum + 1 + Buffer.byteLength(key) + valueSize(v),
        0,
      )
    );
  }
  return 0;
}

/** A target and whether the measured figure meets it. */
export interface TargetResult {
  readonly name: string;
  readonly measured: string;
  readonly target: string;
  readonly pass: boolean;
  readonly note?: string;
}

/** Left-aligned first column, right-aligned others, columns separated by two spaces. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly ('left' | 'right')[] = [],
): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return (align[column] ?? (column === 0 ? 'left' : 'right')) === 'left'
          ? cell.padEnd(width)
          : cell.padStart(width);
      })
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];
}

/** The same table as GitHub Markdown, padded and aligned as Biome formats Markdown tables. */
export function formatMarkdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly ('left' | 'right')[] = [],
): string[] {
  const escapeCell = (cell: string) => cell.replaceAll('|', '\\|');
  const cells = [header, ...rows].map((row) =>
    header.map((_, column) => escapeCell(row[column] ?? '')),
  );
  const widths = header.map((_, column) =>
    Math.max(3, ...cells.map((row) => (row[column] ?? '').length)),
  );
  const isLeft = (column: number) =>
    (align[column] ?? (column === 0 ? 'left' : 'right')) === 'left';
  const line = (row: readonly string[]) =>
    `| ${row
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return isLeft(column) ? cell.padEnd(width) : cell.padStart(width);
      })
      .join(' | ')} |`;
  const separator = widths.map((width, column) =>
    isLeft(column) ? `:${'-'.repeat(width - 1)}` : `${'-'.repeat(width - 1)}:`,
  );
  const [head = [], ...body] = cells;
  return [line(head), `| ${separator.join(' | ')} |`, ...body.map(line)];
}

/** A number with thousands separators and a fixed number of decimals. */
export function formatNumber(value: number, decimals = 0): string {
  if (!Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
}

/** A ratio product/baseline, with "Nx fewer" or "Nx more" to read it at a glance. */
export function formatRatio(product: number, baseline: number, fewerIsBetter = true): string {
  if (!Number.isFinite(product) || !Number.isFinite(baseline) || baseline === 0) return '—';
  const ratio = product / baseline;
  if (ratio === 0) return '0';
  const factor = ratio < 1 ? 1 / ratio : ratio;
  const word = ratio < 1 ? (fewerIsBetter ? 'fewer' : 'less') : fewerIsBetter ? 'more' : 'more';
  const shown = ratio >= 0.1 ? ratio.toFixed(2) : ratio.toFixed(3);
  return `${shown} (${factor.toFixed(1)}x ${word})`;
}

/** A DynamoDB attribute value as it travels on the wire (`{ "S": "..." }`, `{ "N": "1" }`...). */
export type WireValue = Readonly<Record<string, unknown>>;

/** The stored size of a wire-format attribute value, by DynamoDB's item size rules. */
export function wireValueSize(value: WireValue): number {
  const [type, content] = Object.entries(value)[0] ?? ['NULL', true];
  switch (type) {
    case 'S':
      return Buffer.byteLength(String(content));
    case 'N':
      return numberSize(String(content));
    case 'B':
      return Buffer.from(String(content), 'base64').length;
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
      return (content as string[]).reduce((sum, item) => sum + Buffer.byteLength(item), 0);
    case 'NS':
      return (content as string[]).reduce((sum, item) => sum + numberSize(item), 0);
    case 'L':
      return 3 + (content as WireValue[]).reduce((sum, item) => sum + 1 + wireValueSize(item), 0);
    case 'M':
      return (
        3 +
        wireItemSize(content as Readonly<Record<string, WireValue>>) +
        Object.keys(content as object).length
      );
    default:
      return 0;
  }
}

/** The stored size of a wire-format item: attribute names plus values. */
export function wireItemSize(item: Readonly<Record<string, WireValue>>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item))
    size += Buffer.byteLength(name) + wireValueSize(value);
  return size;
}

function numberSize(text: string): number {
  const digits = text.replace(/^-/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

/** A global secondary index: its key attributes. */
export interface IndexKeys {
  readonly name: string;
  readonly keys: readonly string[];
  /**
   * The attributes an index entry holds (table keys, index keys and INCLUDE's non-key
   * attributes); absent for ALL, whose entry is the whole item.
   */
  readonly projected?: readonly string[];
}

/** Each index's keys and the attributes its entries hold, from a table definition. */
export function indexesOf(table: {
  readonly KeySchema: readonly { readonly AttributeName?: string | undefined }[];
  readonly GlobalSecondaryIndexes: readonly {
    readonly IndexName?: string | undefined;
    readonly KeySchema?: readonly { readonly AttributeName?: string | undefined }[] | undefined;
    readonly Projection?:
      | {
          readonly ProjectionType?: string | undefined;
          readonly NonKeyAttributes?: string[] | undefined;
        }
      | undefined;
  }[];
}): IndexKeys[] {
  const tableKeys = table.KeySchema.map((key) => key.AttributeName ?? '');
  return table.GlobalSecondaryIndexes.map((index) => {
    const keys = (index.KeySchema ?? []).map((key) => key.AttributeName ?? '');
    const projection = index.Projection?.ProjectionType ?? 'ALL';
    return {
      name: index.IndexName ?? '',
      keys,
      ...(projection === 'ALL'
        ? {}
        : {
            projected: [
              ...tableKeys,
              ...keys,
              ...(projection === 'INCLUDE' ? (index.Projection?.NonKeyAttributes ?? []) : []),
            ],
          }),
    };
  });
}

/** The part of an item an index entry holds. */
export function projectedItem<T>(
  item: Readonly<Record<string, T>>,
  index: IndexKeys,
): Record<string, T> {
  const projected = index.projected;
  if (projected === undefined) return { ...item };
  return Object.fromEntries(Object.entries(item).filter(([name]) => projected.includes(name)));
}

/**
 * Write units of a write request by DynamoDB's rules: each item written costs one unit per KB
 * (rounded up), twice that inside a transaction; each index the item is (re)written into costs
 * the same again. Counted for index writes in transactions too, as DynamoDB Local does (an upper
 * bound: AWS does not document whether it doubles index writes). Update sizes are estimated from
 * the key and the values written, which is exact for small items (under 1 KB: one unit).
 */
export function estimateWriteUnits(
  operation: string,
  input: Readonly<Record<string, unknown>>,
  indexes: readonly IndexKeys[],
): number {
  const units = (size: number) => Math.max(1, Math.ceil(size / 1024));
  const put = (item: Readonly<Record<string, WireValue>>, factor: number) => {
    // The item, then each index it lands in, at the size of what that index projects.
    const indexed = indexes.filter((index) => index.keys.every((key) => key in item));
    return (
      factor *
      (units(wireItemSize(item)) +
        indexed.reduce((sum, index) => sum + units(wireItemSize(projectedItem(item, index))), 0))
    );
  };
  const update = (action: Readonly<Record<string, unknown>>, factor: number) => {
    const key = (action.Key ?? {}) as Record<string, WireValue>;
    const values = (action.ExpressionAttributeValues ?? {}) as Record<string, WireValue>;
    let expression = String(action.UpdateExpression ?? '');
    for (const [alias, name] of Object.entries(
      (action.ExpressionAttributeNames ?? {}) as Record<string, string>,
    ))
      expression = expression.replaceAll(alias, name);
    const size =
      wireItemSize(key) +
      Object.entries(values).reduce(
        (sum, [name, value]) => sum + name.length + wireValueSize(value),
        0,
      );
    const indexed = indexes.filter((index) =>
      index.keys.every((attribute) => new RegExp(`\\b${attribute}\\s*=`).test(expression)),
    ).length;
    return factor * units(size) * (1 + indexed);
  };
  switch (operation) {
    case 'PutItem':
      return put((input.Item ?? {}) as Record<string, WireValue>, 1);
    case 'UpdateItem':
      return update(input, 1);
    case 'DeleteItem':
      return 1;
    case 'BatchWriteItem': {
      let total = 0;
      for (const requests of Object.values(
        (input.RequestItems ?? {}) as Record<string, unknown[]>,
      )) {
        for (const request of requests as Record<string, Record<string, unknown>>[]) {
          if (request.PutRequest)
            total += put(request.PutRequest.Item as Record<string, WireValue>, 1);
          else total += 1;
        }
      }
      return total;
    }
    case 'TransactWriteItems': {
      let total = 0;
      for (const action of (input.TransactItems ?? []) as Record<
        string,
        Record<string, unknown>
      >[]) {
        if (action.Put) total += put(action.Put.Item as Record<string, WireValue>, 2);
        else if (action.Update) total += update(action.Update, 2);
        else total += 2;
      }
      return total;
    }
    default:
      return 0;
  }
}
