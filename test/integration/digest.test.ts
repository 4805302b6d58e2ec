import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBudget } from '../../lib/budgets/budget.js';
import type { Pricing } from '../../lib/config.js';
import type { DailyDigest } from '../../lib/digest/daily-digest.js';
import { DynamoDbBudgetStore } from '../../lib/store/dynamodb-budget-store.js';
import { DynamoDbEnforcementStore } from '../../lib/store/dynamodb-enforcement-store.js';
import { DynamoDbQueryRecordStore } from '../../lib/store/dynamodb-query-record-store.js';
import { deriveQueryUsage, type QueryUsage } from '../../lib/usage/query-usage.js';
import {
  type CloudWatchStandIn,
  startCloudWatchStandIn,
} from '../../local/stand-ins/cloudwatch-stand-in.js';
import { aQueryExecution, type ExecutionOverrides } from '../support/factories.js';
import { createTestTable, type TestTable } from '../support/test-table.js';

const PRICING: Pricing = { pricePerDpuHourUsd: 0.3, pricePerTbScannedUsd: 5 };
const BIN = fileURLToPath(new URL('../../bin/athena-cost.js', import.meta.url));
const DAY = '2026-11-25';

let table: TestTable;
let cloudWatch: CloudWatchStandIn;

function usageOf(overrides: ExecutionOverrides): QueryUsage {
  const derived = deriveQueryUsage(aQueryExecution(overrides), PRICING);
  if (!derived.ok) throw new Error(derived.reason);
  return derived.usage;
}

/** Runs the real CLI against DynamoDB Local and the CloudWatch stand-in; parses its JSON. */
async function athenaCostJson<T>(args: string[]): Promise<T> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [BIN, ...args, '--table', table.name, '--format', 'json'],
    {
      env: {
        PATH: process.env.PATH,
        AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
        AWS_ENDPOINT_URL_CLOUDWATCH: cloudWatch.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    },
  );
  return JSON.parse(stdout) as T;
}

beforeAll(async () => {
  table = await createTestTable('athena-cost-digest');
  cloudWatch = await startCloudWatchStandIn();
  const queries = new DynamoDbQueryRecordStore(table.documents, {
    tableName: table.name,
    queryRecordTtlDays: 400,
  });
  const on = (day: string, hour: number) =>
    new Date(`${day}T${String(hour).padStart(2, '0')}:00:00Z`);
  const usages: QueryUsage[] = [];
  // Six workgroups on the day, one more than the digest lists; two queries each.
  for (const [index, workgroup] of ['a', 'b', 'c', 'd', 'e', 'f'].entries()) {
    for (const hour of [9, 15]) {
      usages.push(
        usageOf({
          id: `${workgroup}-${hour}`,
          workgroup,
          dpuCount: 4 * (index + 1),
          engineMs: 600_000 * (hour === 9 ? 1 : 2),
          completedAt: on(DAY, hour),
        }),
      );
    }
  }
  // The days before: the day before, and four more of the week.
  for (const [index, day] of ['2026-11-24', '2026-11-22', '2026-11-20', '2026-11-18'].entries()) {
    usages.push(
      usageOf({
        id: `before-${day}`,
        workgroup: 'a',
        dpuCount: 24,
        engineMs: 3_600_000 * (index + 1),
        completedAt: on(day, 12),
      }),
    );
  }
  // On demand, and a day too early to count in the average.
  usages.push(
    usageOf({
      id: 'adhoc',
      workgroup: 'adhoc',
      dpuCount: undefined,
      bytes: 1024 ** 4,
      completedAt: on(DAY, 20),
    }),
  );
  usages.push(
    usageOf({
      id: 'too-early',
      workgroup: 'a',
      dpuCount: 124,
      engineMs: 36_000_000,
      completedAt: on('2026-11-17', 12),
    }),
  );
  expect((await queries.recordQueries(usages)).failed).toEqual([]);

  const budgets = new DynamoDbBudgetStore(table.documents, table.name);
  for (const input of [
    // 'f' used 72 DPU x 30 min = 36 DPU... far beyond 10 DPU-hours a week: at risk.
    {
      workgroup: 'f',
      period: 'week',
      limitDpuHours: 10,
      thresholds: [{ percent: 80, action: 'notify' }],
    },
    // 'a' has plenty of room this month.
    {
      workgroup: 'a',
      period: 'month',
      limitDpuHours: 100_000,
      thresholds: [{ percent: 80, action: 'notify' }],
    },
  ]) {
    const parsed = parseBudget({ ...input, updatedAt: '2026-11-01T00:00:00.000Z' });
    if (!parsed.ok) throw new Error(parsed.reason);
    await budgets.put(parsed.budget);
  }
  const enforcement = new DynamoDbEnforcementStore(table.documents, table.name);
  const week = { workgroup: 'f', period: 'week', periodKey: '2026-W48' } as const;
  await enforcement.complete(
    week,
    {
      thresholdId: '80:notify',
      action: 'notify',
      status: 'applied',
      usedPercent: 85,
      detail: 'notified',
    },
    new Date(`${DAY}T10:00:00Z`),
  );
  // Reconciliation found 3 queries on the day, 5 the day before.
  const reconciled = (value: number, at: string) => ({
    namespace: 'AthenaCostMonitor',
    metricName: 'ReconciledQueries',
    dimensions: [],
    timestamp: new Date(at),
    value,
  });
  cloudWatch.metrics.add([
    reconciled(3, `${DAY}T04:00:00Z`),
    reconciled(5, '2026-11-24T04:00:00Z'),
  ]);
}, 60_000);

afterAll(async () => {
  await cloudWatch?.close();
  await table?.drop();
});

describe('athena-cost digest', () => {
  it("gives the report's figures for the day and the status's budgets", async () => {
    const [digest, report, before, status] = await Promise.all([
      athenaCostJson<DailyDigest>(['digest', '--day', DAY]),
      athenaCostJson<{
        total: DailyDigest['total'] & { billedCostUsd: number };
        rows: DailyDigest['topWorkgroups'];
        topQueries: DailyDigest['topQueries'];
      }>(['report', '--from', DAY, '--to', DAY, '--by', 'workgroup', '--top', '5']),
      athenaCostJson<{
        rows: { period: string; costUsd: number; dpuHours: number }[];
        total: DailyDigest['total'];
      }>(['report', '--from', '2026-11-18', '--to', '2026-11-24', '--by', 'day']),
      athenaCostJson<{ budgets: { workgroup: string; usedPercent: number }[] }>(['status']),
    ]);

    // The digest shows attributed cost; the report's billed cost (reservations' idle) is its own.
    const { billedCostUsd: _billed, ...attributedTotal } = report.total;
    expect(digest.total).toEqual(attributedTotal);
    expect(digest.topQueries).toEqual(report.topQueries);
    const byCost = [...report.rows].sort((a, b) => b.costUsd - a.costUsd).slice(0, 5);
    expect(digest.topWorkgroups).toEqual(byCost);
    expect(digest.topWorkgroups.map((row) => row.workgroup)).toEqual(['adhoc', 'f', 'e', 'd', 'c']);
    const dayBefore = before.rows.filter((row) => row.period === '2026-11-24');
    expect(digest.previousDay.costUsd).toBeCloseTo(
      dayBefore.reduce((sum, row) => sum + row.costUsd, 0),
      9,
    );
    expect(digest.averageDay.dpuHours).toBeCloseTo(before.total.dpuHours / 7, 6);
    expect(digest.averageDay.costUsd).toBeCloseTo(before.total.costUsd / 7, 6);
    expect(status.budgets.map((budget) => budget.workgroup).sort()).toEqual(['a', 'f']);
    expect(digest.budgetsAtRisk.map((risk) => [risk.workgroup, risk.period])).toEqual([
      ['f', 'week'],
    ]);
    expect(digest.actions).toEqual([
      expect.objectContaining({
        workgroup: 'f',
        threshold: 80,
        action: 'notify',
        status: 'applied',
      }),
    ]);
    expect(digest.reconciledQueries).toBe(3);
    // No --dlq-url and no DLQ_URL: the depth is unknown, not 0.
    expect(digest.deadLetters).toBeNull();
  });
});
