import { describe, expect, it } from 'vitest';
import { budgetStatusOf } from '../../lib/budgets/budget-status.js';
import { jsonDpuHours } from '../../lib/format/format-values.js';
import {
  buildUsageReport,
  loadUsageReport,
  mergeTopQueries,
  type ReportRequest,
  toReportJson,
} from '../../lib/reports/usage-report.js';
import type {
  BudgetLimit,
  TopQuery,
  UsageCounter,
  UsageReportSource,
  WorkgroupDay,
} from '../../lib/store/usage-report-source.js';
import type { Period } from '../../lib/usage/period-keys.js';
import { type UsageTotals, ZERO_TOTALS } from '../../lib/usage/usage-totals.js';

const HOUR_MS = 3_600_000;
const RANGE = { from: '2026-11-23', to: '2026-11-25' };

const counter = (
  workgroup: string,
  period: Period,
  key: string,
  totals: Partial<UsageTotals>,
): UsageCounter => ({ workgroup, period, key, totals: { ...ZERO_TOTALS, ...totals } });

const aTopQuery = (id: string, costUsd: number, overrides: Partial<TopQuery> = {}): TopQuery => ({
  queryExecutionId: id,
  workgroup: 'analytics',
  state: 'SUCCEEDED',
  dpuCount: 24,
  dpuHours: 0.4,
  engineExecutionMs: 60_000,
  dataScannedBytes: 1_000,
  costUsd,
  completedAt: '2026-11-25T10:00:00.000Z',
  ...overrides,
});

const request = (overrides: Partial<ReportRequest> = {}): ReportRequest => ({
  range: RANGE,
  by: 'day',
  top: 0,
  ...overrides,
});

const DAILY = [
  // 0.1 + 0.2 USD in nano-dollars: float sums of USD would give 0.30000000000000004.
  counter('etl', 'day', '2026-11-25', {
    queries: 2,
    failedQueries: 1,
    dpuMillis: 3 * HOUR_MS,
    dataScannedBytes: 10,
    costNanoUsd: 100_000_000,
  }),
  counter('analytics', 'day', '2026-11-23', {
    queries: 1,
    dpuMillis: HOUR_MS / 2,
    dataScannedBytes: 5,
    costNanoUsd: 200_000_000,
  }),
  counter('analytics', 'day', '2026-11-25', {
    queries: 4,
    dpuMillis: 1_234_567,
    dataScannedBytes: 7,
    costNanoUsd: 1,
  }),
  // Outside the range: ignored.
  counter('analytics', 'day', '2026-11-26', { queries: 9, costNanoUsd: 9 }),
];

const BUDGETS: BudgetLimit[] = [
  { workgroup: 'analytics', period: 'day', limitDpuHours: 2 },
  { workgroup: 'etl', period: 'week', limitDpuHours: 100 },
];

describe('buildUsageReport', () => {
  it('gives a row per workgroup and day, sorted by day then workgroup, with day budgets', () => {
    // Act
    const report = buildUsageReport({
      request: request(),
      counters: DAILY,
      daily: DAILY,
      budgets: BUDGETS,
      topQueries: [],
    });
    // Assess
    const json = toReportJson(report);
    expect(json.rows.map((row) => [row.period, row.workgroup])).toEqual([
      ['2026-11-23', 'analytics'],
      ['2026-11-25', 'analytics'],
      ['2026-11-25', 'etl'],
    ]);
    expect(json.rows[0]).toEqual({
      workgroup: 'analytics',
      period: '2026-11-23',
      queries: 1,
      failedQueries: 0,
      dpuHours: 0.5,
      dataScannedBytes: 5,
      costUsd: 0.2,
      // On demand or without reservation counters: billed is the cost.
      billedCostUsd: 0.2,
      budgetLimitDpuHours: 2,
      budgetLimit: { unit: 'dpuHours', value: 2 },
      budgetUsedPercent: 25,
    });
    // etl has a week budget only: nothing to compare a day row with.
    expect(json.rows[2]).toMatchObject({
      budgetLimitDpuHours: null,
      budgetLimit: null,
      budgetUsedPercent: null,
    });
  });

  it('sums integer counters for totals, so they are exact', () => {
    const report = buildUsageReport({
      request: request(),
      counters: DAILY,
      daily: DAILY,
      budgets: [],
      topQueries: [],
    });
    expect(report.total).toEqual({
      queries: 7,
      failedQueries: 1,
      dpuMillis: 3 * HOUR_MS + HOUR_MS / 2 + 1_234_567,
      dataScannedBytes: 22,
      costNanoUsd: 300_000_001,
      engineExecutionMs: 0,
    });
    expect(toReportJson(report).total).toEqual({
      queries: 7,
      failedQueries: 1,
      // 3.842935277…, to the millionth.
      dpuHours: 3.842935,
      dataScannedBytes: 22,
      // 0.300000001 dollars, to the millionth.
      costUsd: 0.3,
      billedCostUsd: 0.3,
    });
  });

  it('sums each workgroup over the range for --by workgroup, without budget columns', () => {
    const report = buildUsageReport({
      request: request({ by: 'workgroup' }),
      counters: DAILY,
      daily: DAILY,
      budgets: BUDGETS,
      topQueries: [],
    });
    expect(toReportJson(report).rows).toEqual([
      {
        workgroup: 'analytics',
        period: '2026-11-23..2026-11-25',
        queries: 5,
        failedQueries: 0,
        dpuHours: jsonDpuHours((HOUR_MS / 2 + 1_234_567) / HOUR_MS),
        dataScannedBytes: 12,
        costUsd: 0.2,
        billedCostUsd: 0.2,
        budgetLimitDpuHours: null,
        budgetLimit: null,
        budgetUsedPercent: null,
      },
      {
        workgroup: 'etl',
        period: '2026-11-23..2026-11-25',
        queries: 2,
        failedQueries: 1,
        dpuHours: 3,
        dataScannedBytes: 10,
        costUsd: 0.1,
        billedCostUsd: 0.1,
        budgetLimitDpuHours: null,
        budgetLimit: null,
        budgetUsedPercent: null,
      },
    ]);
  });

  it('uses week counters for --by week and matches week budgets only', () => {
    const weeks = [
      counter('etl', 'week', '2026-W48', { queries: 3, dpuMillis: 150 * HOUR_MS }),
      counter('analytics', 'week', '2026-W48', { queries: 1, dpuMillis: HOUR_MS }),
    ];
    const report = buildUsageReport({
      request: request({ by: 'week' }),
      counters: weeks,
      daily: [],
      budgets: BUDGETS,
      topQueries: [],
    });
    expect(
      toReportJson(report).rows.map((row) => [row.workgroup, row.period, row.budgetUsedPercent]),
    ).toEqual([
      ['analytics', '2026-W48', null],
      ['etl', '2026-W48', 150],
    ]);
  });

  it('keeps only the requested workgroup', () => {
    const report = buildUsageReport({
      request: request({ workgroup: 'etl' }),
      counters: DAILY,
      daily: DAILY,
      budgets: [],
      topQueries: [],
    });
    expect(report.rows.map((row) => row.workgroup)).toEqual(['etl']);
  });
});

describe('report and status agree on a budget', () => {
  // adhoc used 42.18 USD, 1.5 DPU-hours and 3 TiB on 2026-11-25.
  const usage = {
    ...ZERO_TOTALS,
    queries: 40,
    dpuMillis: 1.5 * HOUR_MS,
    costNanoUsd: 42_180_000_000,
    dataScannedBytes: 3 * 1024 ** 4,
  };
  const day = counter('adhoc', 'day', '2026-11-25', usage);

  it.each<[string, Omit<BudgetLimit, 'workgroup' | 'period'>, string, number]>([
    ['a DPU-hour budget', { limitDpuHours: 2 }, 'dpuHours', 75],
    ['a USD-only budget', { limitUsd: 39 }, 'usd', 108.15],
    ['a bytes-only budget', { limitBytes: 5 * 1024 ** 4 }, 'bytes', 60],
    // The old shape always set DPU-hours; the USD limit binds here.
    ['a DPU-hour and USD budget', { limitDpuHours: 1000, limitUsd: 39 }, 'usd', 108.15],
  ])('%s: the same binding limit and used percent', (_, limits, unit, percent) => {
    // Prepare
    const budget = { workgroup: 'adhoc', period: 'day' as const, ...limits };
    // Act
    const row = toReportJson(
      buildUsageReport({
        request: request({ range: { from: '2026-11-25', to: '2026-11-25' } }),
        counters: [day],
        daily: [day],
        budgets: [budget],
        topQueries: [],
      }),
    ).rows[0];
    const status = budgetStatusOf({
      budget: {
        ...budget,
        thresholds: [],
        dryRun: false,
        protected: false,
        updatedAt: '2026-11-25T00:00:00Z',
      },
      totals: usage,
      actions: [],
      at: new Date('2026-11-25T23:00:00Z'),
    });
    // Assess
    expect(row?.budgetLimit).toEqual({ unit, value: status.bindingLimitValue });
    expect(status.bindingLimit).toBe(unit);
    expect(row?.budgetUsedPercent).toBe(percent);
    expect(status.usedPercent).toBe(percent);
    expect(row?.budgetLimitDpuHours).toBe(limits.limitDpuHours ?? null);
  });
});

describe('mergeTopQueries', () => {
  it('keeps the most expensive, the latest first on ties, once each', () => {
    const queries = [
      aTopQuery('a', 1),
      aTopQuery('b', 5),
      aTopQuery('c', 3, { completedAt: '2026-11-24T00:00:00.000Z' }),
      aTopQuery('d', 3, { completedAt: '2026-11-25T00:00:00.000Z' }),
      aTopQuery('b', 5),
    ];
    expect(mergeTopQueries(queries, 3).map((query) => query.queryExecutionId)).toEqual([
      'b',
      'd',
      'c',
    ]);
    expect(mergeTopQueries(queries, 0)).toEqual([]);
  });
});

/** A source answering from memory and recording the reads made. */
class FakeSource implements UsageReportSource {
  readonly calls: string[] = [];

  constructor(
    private readonly counters: readonly UsageCounter[],
    private readonly budgets: readonly BudgetLimit[],
    private readonly queries: readonly TopQuery[],
  ) {}

  async readCounters(period: Period, keys: readonly string[], workgroup?: string) {
    this.calls.push(`counters ${period} ${keys.join(',')} ${workgroup ?? '*'}`);
    return this.counters.filter(
      (c) =>
        c.period === period &&
        keys.includes(c.key) &&
        (workgroup === undefined || c.workgroup === workgroup),
    );
  }

  async readBudgets(workgroup?: string) {
    this.calls.push(`budgets ${workgroup ?? '*'}`);
    return this.budgets;
  }

  async readTopQueries(days: readonly WorkgroupDay[], limit: number) {
    this.calls.push(`top ${days.map((d) => `${d.workgroup}@${d.day}`).join(',')} ${limit}`);
    const wanted = new Set(days.map((d) => `${d.workgroup}@${d.day}`));
    return this.queries.filter((q) => wanted.has(`${q.workgroup}@${q.completedAt.slice(0, 10)}`));
  }
}

describe('loadUsageReport', () => {
  it('reads day counters and budgets for --by day, and no top queries without --top', async () => {
    const source = new FakeSource(DAILY, BUDGETS, []);
    await loadUsageReport(source, request());
    expect(source.calls.sort()).toEqual([
      'budgets *',
      'counters day 2026-11-23,2026-11-24,2026-11-25 *',
    ]);
  });

  it('reads week counters, and day counters only to find top queries', async () => {
    // Prepare
    const weeks = [counter('analytics', 'week', '2026-W48', { queries: 5 })];
    const source = new FakeSource([...DAILY, ...weeks], BUDGETS, [
      aTopQuery('cheap', 0.5, { completedAt: '2026-11-23T01:00:00.000Z' }),
      aTopQuery('dear', 9, { workgroup: 'etl' }),
      aTopQuery('mid', 2),
    ]);
    // Act
    const report = await loadUsageReport(source, request({ by: 'week', top: 2 }));
    // Assess
    expect(source.calls).toContain('counters week 2026-W48 *');
    expect(source.calls).toContain('counters day 2026-11-23,2026-11-24,2026-11-25 *');
    expect(source.calls).toContain(
      'top analytics@2026-11-23,analytics@2026-11-25,etl@2026-11-25 2',
    );
    expect(report.rows.map((row) => row.period)).toEqual(['2026-W48']);
    expect(report.topQueries.map((query) => query.queryExecutionId)).toEqual(['dear', 'mid']);
  });

  it('reads no budgets for --by workgroup unless charts need them', async () => {
    const source = new FakeSource(DAILY, BUDGETS, []);
    await loadUsageReport(source, request({ by: 'workgroup', workgroup: 'etl' }));
    expect(source.calls).toEqual(['counters day 2026-11-23,2026-11-24,2026-11-25 etl']);
  });
});
