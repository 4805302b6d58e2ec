import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  attributionGroupingOf,
  loadAttributionReport,
} from '../../lib/reports/attribution-report.js';
import type { DayRange } from '../../lib/reports/report-range.js';
import { DynamoDbAttributionReportSource } from '../../lib/store/dynamodb-attribution-report-source.js';
import { DBT_MODEL_KEY } from '../../lib/usage/query-attribution.js';
import { type UsageTotals, ZERO_TOTALS } from '../../lib/usage/usage-totals.js';

/**
 * Local mode's attribution check (and the bench's, for principals): each key's report over the
 * simulated day, read as `athena-cost report --by` reads it, against the simulation's ground
 * truth, value by value. A key is anything the truth names (`dbt.model`, `tag:<key>`,
 * `principal`).
 */

export interface AttributionCheckRow {
  readonly value: string;
  readonly expected: UsageTotals;
  readonly actual: UsageTotals;
  readonly matches: boolean;
}

export interface AttributionCheck {
  readonly key: string;
  /** Every value of the truth or the counters, most expensive first. */
  readonly rows: readonly AttributionCheckRow[];
  readonly matches: boolean;
}

/** The table the counters are in, and the days the truth covers. */
export interface AttributionCheckTarget {
  readonly documents: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly range: DayRange;
}

/** Reads each key's report over the range and compares every value with the truth. */
export async function checkAttribution(
  target: AttributionCheckTarget,
  truth: ReadonlyMap<string, ReadonlyMap<string, UsageTotals>>,
): Promise<AttributionCheck[]> {
  const source = new DynamoDbAttributionReportSource(target.documents, target.tableName);
  const keys = [...truth.keys()].sort((a, b) =>
    a === DBT_MODEL_KEY ? -1 : b === DBT_MODEL_KEY ? 1 : a.localeCompare(b),
  );
  return Promise.all(
    keys.map(async (key): Promise<AttributionCheck> => {
      const report = await loadAttributionReport(source, {
        range: target.range,
        by: attributionGroupingOf(key),
      });
      const actual = new Map(report.rows.map((row) => [row.value, row.totals]));
      const expected = truth.get(key) ?? new Map<string, UsageTotals>();
      const rows = [...new Set([...expected.keys(), ...actual.keys()])]
        .map((value): AttributionCheckRow => {
          const want = expected.get(value) ?? ZERO_TOTALS;
          const got = actual.get(value) ?? ZERO_TOTALS;
          const fields = Object.keys(want) as (keyof UsageTotals)[];
          return {
            value,
            expected: want,
            actual: got,
            matches: fields.every((field) => want[field] === got[field]),
          };
        })
        .sort(
          (a, b) =>
            b.expected.costNanoUsd - a.expected.costNanoUsd || a.value.localeCompare(b.value),
        );
      return { key, rows, matches: rows.every((row) => row.matches) };
    }),
  );
}
