import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pricing } from '../../lib/config.js';
import { jsonDpuHours, jsonUsd } from '../../lib/format/format-values.js';
import {
  loadUsageReport,
  type ReportRequest,
  toReportJson,
} from '../../lib/reports/usage-report.js';
import { DynamoDbQueryRecordStore } from '../../lib/store/dynamodb-query-record-store.js';
import { DynamoDbUsageReportSource } from '../../lib/store/dynamodb-usage-report-source.js';
import { TableKeys } from '../../lib/store/table-keys.js';
import { deriveQueryUsage, type QueryUsage } from '../../lib/usage/query-usage.js';
import { runCliProcess } from '../support/cli-process.js';
import { aQueryExecution, type ExecutionOverrides } from '../support/factories.js';
import { createTestTable, type TestTable } from '../support/test-table.js';

const PRICING: Pricing = { pricePerDpuHourUsd: 0.3, pricePerTbScannedUsd: 5 };
const BYTES = 123_456_789;
const GIB = 1024 ** 3;
const HOUR_MS = 3_600_000;
const RANGE = { from: '2026-11-23', to: '2026-11-25' };

let table: TestTable;
let source: DynamoDbUsageReportSource;
const warnings: string[] = [];

function usageOf(overrides: ExecutionOverrides): QueryUsage {
  const derived = deriveQueryUsage(aQueryExecution(overrides), PRICING);
  if (!derived.ok) throw new Error(derived.reason);
  return derived.usage;
}

const at = (iso: string) => new Date(iso);

beforeAll(async () => {
  table = await createTestTable('athena-cost-report');
  source = new DynamoDbUsageReportSource(table.documents, table.name, {
    onWarning: (message) => warnings.push(message),
  });
  const store = new DynamoDbQueryRecordStore(table.documents, {
    tableName: table.name,
    queryRecordTtlDays: 400,
  });
  const usages = [
    // 24 DPU x 60 s = 0.4 DPU-hours = $0.12 at $0.30 per DPU-hour.
    usageOf({
      id: 'a1',
      workgroup: 'analytics',
      dpuCount: 24,
      engineMs: 60_000,
      completedAt: at('2026-11-23T10:00:00Z'),
    }),
    usageOf({
      id: 'a2',
      workgroup: 'analytics',
      dpuCount: 8,
      engineMs: 30_000,
      completedAt: at('2026-11-25T09:00:00Z'),
    }),
    usageOf({
      id: 'a3',
      workgroup: 'analytics',
      state: 'FAILED',
      dpuCount: 24,
      engineMs: 120_000,
      completedAt: at('2026-11-25T11:00:00Z'),
    }),
    // Same ISO week (W48) and month, after the range.
    usageOf({
      id: 'a4',
      workgroup: 'analytics',
      dpuCount: 24,
      engineMs: 60_000,
      completedAt: at('2026-11-26T08:00:00Z'),
    }),
    // 60 DPU x 600 s = 10 DPU-hours = $3.
    usageOf({
      id: 'e1',
      workgroup: 'etl',
      dpuCount: 60,
      engineMs: 600_000,
      completedAt: at('2026-11-24T05:00:00Z'),
    }),
    usageOf({
      id: 'e2',
      workgroup: 'etl',
      dpuCount: 4,
      engineMs: 1_000,
      completedAt: at('2026-11-25T23:59:59Z'),
    }),
    // A Sunday: week W47, before the range.
    usageOf({
      id: 'e0',
      workgroup: 'etl',
      dpuCount: 4,
      engineMs: 1_000,
      completedAt: at('2026-11-22T12:00:00Z'),
    }),
    // On demand: 1 GiB at $5 per TiB.
    usageOf({
      id: 'o1',
      workgroup: 'adhoc',
      dpuCount: undefined,
      bytes: GIB,
      completedAt: at('2026-11-25T12:00:00Z'),
    }),
  ];
  const outcome = await store.recordQueries(usages);
  expect(outcome.failed).toEqual([]);
  const budget = (workgroup: string, period: string, limitDpuHours: number) => ({
    ...TableKeys.budget(workgroup),
    workgroup,
    period,
    limitDpuHours,
    thresholds: [{ percent: 80, action: 'notify' }],
    updatedAt: '2026-11-01T00:00:00.000Z',
  });
  for (const item of [
    budget('analytics', 'day', 1),
    budget('etl', 'week', 50),
    // Broken: ignored with a warning rather than failing the report.
    budget('adhoc', 'day', -1),
  ]) {
    await table.documents.send(new PutCommand({ TableName: table.name, Item: item }));
  }
});

afterAll(async () => {
  await table?.drop();
});

const report = (overrides: Partial<ReportRequest> = {}) =>
  loadUsageReport(source, { range: RANGE, by: 'day', top: 0, ...overrides }).then(toReportJson);

const row = (
  workgroup: string,
  period: string,
  values: {
    queries: number;
    failedQueries?: number;
    dpuMillis: number;
    dataScannedBytes: number;
    costNanoUsd: number;
    budgetLimitDpuHours?: number | null;
    budgetUsedPercent?: number | null;
  },
) => ({
  workgroup,
  period,
  queries: values.queries,
  failedQueries: values.failedQueries ?? 0,
  dpuHours: jsonDpuHours(values.dpuMillis / HOUR_MS),
  dataScannedBytes: values.dataScannedBytes,
  costUsd: jsonUsd(values.costNanoUsd / 1e9),
  // No capacity reservation was counted here: billed is the cost.
  billedCostUsd: jsonUsd(values.costNanoUsd / 1e9),
  budgetLimitDpuHours: values.budgetLimitDpuHours ?? null,
  budgetLimit:
    values.budgetLimitDpuHours === undefined || values.budgetLimitDpuHours === null
      ? null
      : { unit: 'dpuHours', value: values.budgetLimitDpuHours },
  budgetUsedPercent: values.budgetUsedPercent ?? null,
});

const DAY_ROWS = [
  row('analytics', '2026-11-23', {
    queries: 1,
    dpuMillis: 1_440_000,
    dataScannedBytes: BYTES,
    costNanoUsd: 120_000_000,
    budgetLimitDpuHours: 1,
    budgetUsedPercent: 40,
  }),
  row('etl', '2026-11-24', {
    queries: 1,
    dpuMillis: 36_000_000,
    dataScannedBytes: BYTES,
    costNanoUsd: 3_000_000_000,
  }),
  row('adhoc', '2026-11-25', {
    queries: 1,
    dpuMillis: 0,
    dataScannedBytes: GIB,
    costNanoUsd: 4_882_813,
  }),
  row('analytics', '2026-11-25', {
    queries: 2,
    failedQueries: 1,
    dpuMillis: 240_000 + 2_880_000,
    dataScannedBytes: 2 * BYTES,
    costNanoUsd: 20_000_000 + 240_000_000,
    budgetLimitDpuHours: 1,
    budgetUsedPercent: 86.67,
  }),
  row('etl', '2026-11-25', {
    queries: 1,
    dpuMillis: 4_000,
    dataScannedBytes: BYTES,
    costNanoUsd: 333_333,
  }),
];

/** The exact totals of RANGE, over all workgroups. */
const RANGE_TOTAL = {
  queries: 6,
  failedQueries: 1,
  dpuHours: 11.267778,
  dataScannedBytes: 5 * BYTES + GIB,
  costUsd: 3.385216,
  // No capacity reservation was counted here: billed is the cost.
  billedCostUsd: 3.385216,
};

describe('usage report from DynamoDB', () => {
  it('gives a row per workgroup and day with budgets, and exact totals', async () => {
    const json = await report();
    expect(json.rows).toEqual(DAY_ROWS);
    expect(json.total).toEqual(RANGE_TOTAL);
    expect(json.topQueries).toEqual([]);
    expect(warnings.some((warning) => warning.includes('ignoring the budget of adhoc'))).toBe(true);
  });

  it('lists the most expensive queries of the range', async () => {
    const json = await report({ top: 3 });
    expect(json.topQueries).toEqual([
      {
        queryExecutionId: 'e1',
        workgroup: 'etl',
        state: 'SUCCEEDED',
        dpuCount: 60,
        dpuHours: 10,
        engineExecutionMs: 600_000,
        dataScannedBytes: BYTES,
        costUsd: 3,
        completedAt: '2026-11-24T05:00:00.000Z',
      },
      expect.objectContaining({ queryExecutionId: 'a3', state: 'FAILED', costUsd: 0.24 }),
      expect.objectContaining({ queryExecutionId: 'a1', dpuHours: 0.4, costUsd: 0.12 }),
    ]);
  });

  it('reads one workgroup by its key range', async () => {
    const json = await report({ workgroup: 'analytics', top: 10 });
    expect(json.rows).toEqual(DAY_ROWS.filter((r) => r.workgroup === 'analytics'));
    expect(json.topQueries.map((q) => q.queryExecutionId)).toEqual(['a3', 'a1', 'a2']);
  });

  it('sums each workgroup over the range', async () => {
    const json = await report({ by: 'workgroup' });
    expect(json.rows.map((r) => [r.workgroup, r.period, r.queries, r.costUsd])).toEqual([
      ['adhoc', '2026-11-23..2026-11-25', 1, 0.004883],
      ['analytics', '2026-11-23..2026-11-25', 3, 0.38],
      ['etl', '2026-11-23..2026-11-25', 2, 3.000333],
    ]);
    expect(json.total.queries).toBe(6);
  });

  it('gives whole-week rows with week budgets', async () => {
    const json = await report({ by: 'week' });
    expect(json.rows).toEqual([
      row('adhoc', '2026-W48', {
        queries: 1,
        dpuMillis: 0,
        dataScannedBytes: GIB,
        costNanoUsd: 4_882_813,
      }),
      // a4, on the 26th, is in the same week.
      row('analytics', '2026-W48', {
        queries: 4,
        failedQueries: 1,
        dpuMillis: 1_440_000 + 240_000 + 2_880_000 + 1_440_000,
        dataScannedBytes: 4 * BYTES,
        costNanoUsd: 120_000_000 + 20_000_000 + 240_000_000 + 120_000_000,
      }),
      row('etl', '2026-W48', {
        queries: 2,
        dpuMillis: 36_004_000,
        dataScannedBytes: 2 * BYTES,
        costNanoUsd: 3_000_333_333,
        budgetLimitDpuHours: 50,
        budgetUsedPercent: 20,
      }),
    ]);
    const month = await report({ by: 'month', workgroup: 'etl' });
    expect(month.rows.map((r) => [r.period, r.queries])).toEqual([['2026-11', 3]]);
  });
});

/** Runs the real CLI entry point against DynamoDB Local, with no TABLE_NAME unless `env` sets it. */
const athenaCost = (args: string[], env: Record<string, string | undefined> = {}) =>
  runCliProcess(args, { AWS_ENDPOINT_URL_DYNAMODB: table.endpoint, ...env }, ['TABLE_NAME']);

describe('athena-cost report (CLI)', () => {
  const range = ['--from', RANGE.from, '--to', RANGE.to];

  it('prints the report as JSON', async () => {
    const { code, stdout, stderr } = await athenaCost([
      'report',
      '--format',
      'json',
      '--table',
      table.name,
      '--top',
      '2',
      ...range,
    ]);
    expect(code).toBe(0);
    expect(stderr).toContain('athena-cost: warning: ignoring the budget of adhoc');
    const json = JSON.parse(stdout);
    expect(Object.keys(json)).toEqual(['from', 'to', 'by', 'rows', 'total', 'topQueries']);
    expect(json).toMatchObject({ from: RANGE.from, to: RANGE.to, by: 'day' });
    expect(json.rows).toEqual(DAY_ROWS);
    expect(Object.keys(json.rows[0])).toEqual([
      'workgroup',
      'period',
      'queries',
      'failedQueries',
      'dpuHours',
      'dataScannedBytes',
      'costUsd',
      'billedCostUsd',
      'budgetLimitDpuHours',
      'budgetLimit',
      'budgetUsedPercent',
    ]);
    expect(json.total).toEqual(RANGE_TOTAL);
    expect(json.topQueries.map((q: { queryExecutionId: string }) => q.queryExecutionId)).toEqual([
      'e1',
      'a3',
    ]);
  });

  it('prints CSV rows, reading the table name from TABLE_NAME', async () => {
    const { code, stdout } = await athenaCost(['report', '--format', 'csv', ...range], {
      TABLE_NAME: table.name,
    });
    expect(code).toBe(0);
    expect(stdout.split('\r\n')).toEqual([
      'workgroup,period,queries,failedQueries,dpuHours,dataScannedBytes,costUsd,billedCostUsd,budgetLimitDpuHours,budgetLimitUnit,budgetLimitValue,budgetUsedPercent',
      'analytics,2026-11-23,1,0,0.4,123456789,0.12,0.12,1,dpuHours,1,40',
      'etl,2026-11-24,1,0,10,123456789,3,3,,,,',
      'adhoc,2026-11-25,1,0,0,1073741824,0.004883,0.004883,,,,',
      'analytics,2026-11-25,2,1,0.866667,246913578,0.26,0.26,1,dpuHours,1,86.67',
      'etl,2026-11-25,1,0,0.001111,123456789,0.000333,0.000333,,,,',
      '',
    ]);
  });

  it.each(['table', 'json', 'csv', 'html'])(
    'says a workgroup without usage has none and exits 1 (%s)',
    async (format) => {
      const { code, stdout, stderr } = await athenaCost([
        'report',
        '--table',
        table.name,
        '--workgroup',
        'nosuch',
        '--format',
        format,
        ...range,
      ]);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toContain(
        `athena-cost: workgroup 'nosuch' has no usage recorded from ${RANGE.from} to ${RANGE.to}\n`,
      );
    },
  );

  it('prints a table with a TOTAL line and top queries', async () => {
    const { code, stdout } = await athenaCost([
      'report',
      '--table',
      table.name,
      '--top',
      '1',
      ...range,
    ]);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^WORKGROUP +PERIOD +QUERIES/);
    expect(lines.find((line) => line.startsWith('TOTAL'))).toMatch(/^TOTAL +6 +1 +11\.268 /);
    expect(stdout).toContain('Top 1 queries by cost');
    expect(lines.some((line) => /^e1 +etl +SUCCEEDED +60 +10\.000 /.test(line))).toBe(true);
  });

  it('writes --out FILE and prints its path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'athena-cost-out-'));
    try {
      const file = join(dir, 'report.html');
      const { code, stdout } = await athenaCost([
        'report',
        '--table',
        table.name,
        '--format',
        'html',
        '--out',
        file,
        ...range,
      ]);
      expect(code).toBe(0);
      expect(stdout).toBe(`${file}\n`);
      const html = readFileSync(file, 'utf8');
      expect(html).toMatch(/^<!doctype html>/);
      // analytics on the 23rd and 25th, etl on the 24th and 25th; adhoc is on demand.
      const stacked = html.match(/<svg id="dpu-hours-chart"[\s\S]*?<\/svg>/)?.[0] ?? '';
      expect(stacked.match(/<rect class="bar"/g)).toHaveLength(4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // Usage errors are tested in memory (test/unit/report-cli.test.ts); this one checks that the
  // binary exits 2 for them.
  it('needs a table name', async () => {
    const { code, stderr } = await athenaCost(['report']);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^athena-cost: no table name: pass --table NAME, set TABLE_NAME, or name the stack with --stack NAME\n/,
    );
  });

  it('says which table and endpoint it could not find or reach', async () => {
    const missing = await athenaCost(['report', '--table', 'no-such-table', ...range]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `athena-cost: table 'no-such-table' at ${table.endpoint} does not exist\nCheck --table (or TABLE_NAME) and --region.\n`,
    );
    const unreachable = await athenaCost(['report', '--table', table.name, ...range], {
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
    });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(
      new RegExp(
        `^athena-cost: cannot reach DynamoDB for table '${table.name}' at http://127\\.0\\.0\\.1:9: connection refused\n`,
      ),
    );
  });
});
