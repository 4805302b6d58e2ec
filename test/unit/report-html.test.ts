import { describe, expect, it } from 'vitest';
import { budgetStatusOf } from '../../lib/budgets/budget-status.js';
import type { ReservationCounter } from '../../lib/capacity/billed-cost.js';
import { buildAttributionReport } from '../../lib/reports/attribution-report.js';
import { escapeHtml } from '../../lib/reports/html.js';
import { attributionSections } from '../../lib/reports/render-attribution-html.js';
import { renderHtmlReport } from '../../lib/reports/render-html-report.js';
import { reservationsSection } from '../../lib/reports/render-reservation-html.js';
import { niceScale } from '../../lib/reports/report-charts.js';
import { buildReservationReport } from '../../lib/reports/reservation-report.js';
import { buildUsageReport, type ReportRequest } from '../../lib/reports/usage-report.js';
import type { TopQuery, UsageCounter } from '../../lib/store/usage-report-source.js';
import { ZERO_TOTALS } from '../../lib/usage/usage-totals.js';
import { aBudget } from '../support/factories.js';

const HOUR_MS = 3_600_000;
const EVIL = `<script>alert("x")</script>&'`;
const GENERATED_AT = new Date('2026-11-25T12:00:00Z');

const day = (workgroup: string, key: string, dpuHours: number, costUsd: number): UsageCounter => ({
  workgroup,
  period: 'day',
  key,
  totals: {
    ...ZERO_TOTALS,
    queries: 3,
    failedQueries: 1,
    dpuMillis: dpuHours * HOUR_MS,
    costNanoUsd: Math.round(costUsd * 1e9),
    dataScannedBytes: 5 * 1024 ** 3,
  },
});

const topQuery: TopQuery = {
  queryExecutionId: 'q-<1>',
  workgroup: EVIL,
  state: 'FAILED',
  dpuCount: 24,
  dpuHours: 0.4,
  engineExecutionMs: 60_000,
  dataScannedBytes: 1_000,
  costUsd: 0.12,
  completedAt: '2026-11-25T10:00:00.000Z',
};

function render(overrides: Partial<ReportRequest> = {}, daily = DAILY) {
  const request: ReportRequest = {
    range: { from: '2026-11-23', to: '2026-11-25' },
    by: 'day',
    top: 10,
    includeDaily: true,
    ...overrides,
  };
  const report = buildUsageReport({
    request,
    counters: daily,
    daily,
    budgets: [
      { workgroup: 'analytics', period: 'day', limitDpuHours: 6 },
      { workgroup: EVIL, period: 'day', limitDpuHours: 4 },
      { workgroup: 'etl', period: 'week', limitDpuHours: 40 },
      // A day budget of a workgroup without usage in the range: not drawn.
      { workgroup: 'idle', period: 'day', limitDpuHours: 1 },
      // An on-demand workgroup: usage, but no DPU-hours, so no bar to hold a limit against.
      { workgroup: 'adhoc', period: 'day', limitDpuHours: 1000 },
    ],
    topQueries: [topQuery],
  });
  return renderHtmlReport(report, { generatedAt: GENERATED_AT });
}

const DAILY = [
  day('analytics', '2026-11-23', 2, 1.5),
  day('analytics', '2026-11-25', 3, 2),
  day('etl', '2026-11-24', 1, 0.5),
  day('etl', '2026-11-25', 0, 0.25),
  day(EVIL, '2026-11-25', 1.5, 0.75),
];

const count = (html: string, pattern: RegExp) => html.match(pattern)?.length ?? 0;

describe('renderHtmlReport', () => {
  it('escapes workgroup names and every other piece of data', () => {
    const html = render();
    expect(html).not.toContain('<script');
    expect(html).not.toContain(EVIL);
    expect(html).toContain(escapeHtml(EVIL));
    expect(html).toContain('q-&lt;1&gt;');
    expect(escapeHtml(EVIL)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;');
  });

  it('draws one bar per workgroup and day with DPU-hours', () => {
    const html = render();
    expect(html).toContain('<svg id="dpu-hours-chart"');
    const stacked = html.match(/<svg id="dpu-hours-chart"[\s\S]*?<\/svg>/)?.[0] ?? '';
    // etl's second day used no DPUs: four segments, not five.
    expect(count(stacked, /<rect class="bar"/g)).toBe(4);
    expect(html).toMatch(
      /<rect class="bar" data-workgroup="analytics" data-day="2026-11-23" data-dpu-hours="2"/,
    );
    expect(count(stacked, /<title>[^<]*DPU-hours<\/title><\/rect>/g)).toBe(4);
  });

  it('draws each day budget against its own workgroup, not the stack of all', () => {
    const html = render();
    expect(count(html, /<g class="budget-line"/g)).toBe(2);
    const stacked = html.match(/<svg id="dpu-hours-chart"[\s\S]*?<\/svg>/)?.[0] ?? '';
    expect(stacked).not.toContain('budget-line');
    // analytics' own chart: its two days of bars and its 6 DPU-hour line, nothing of the others.
    const own = [...html.matchAll(/<svg id="day-budget-chart-\d+"[\s\S]*?<\/svg>/g)]
      .map((match) => match[0])
      .find((svg) => svg.includes('data-limit-dpu-hours="6"'));
    expect(count(own ?? '', /<rect class="bar" data-workgroup="analytics"/g)).toBe(2);
    expect(count(own ?? '', /<rect class="bar"/g)).toBe(2);
    expect(html).toContain('data-workgroup="analytics" data-limit-dpu-hours="6"');
    expect(html).not.toContain('data-workgroup="idle"');
  });

  it('draws no limit line for a workgroup that used no DPUs, such as an on-demand one', () => {
    const html = render({}, [...DAILY, day('adhoc', '2026-11-25', 0, 4)]);
    expect(count(html, /<g class="budget-line"/g)).toBe(2);
    expect(html).not.toContain('data-limit-dpu-hours="1000"');
  });

  it('shows each workgroup share of the cost, largest first', () => {
    const html = render();
    expect(html).toContain('<svg id="cost-share-chart"');
    const shares = [
      ...html.matchAll(/class="share-bar" data-workgroup="([^"]*)" data-share-percent="([\d.]+)"/g),
    ];
    expect(shares.map((match) => [match[1], Number(match[2])])).toEqual([
      ['analytics', 70],
      // A tie goes by name.
      [escapeHtml(EVIL), 15],
      ['etl', 15],
    ]);
  });

  it('lists top queries and rows with a total', () => {
    const html = render();
    expect(count(html, /<table id="top-queries">/g)).toBe(1);
    expect(html).toContain('<span class="state state-failed">FAILED</span>');
    expect(count(html, /<tr data-workgroup=/g)).toBe(DAILY.length);
    expect(html).toMatch(
      /<tfoot><tr><th scope="row" colspan="2">Total<\/th><td class="num">15<\/td>/,
    );
  });

  it('is self-contained: no scripts, links, fonts or remote URLs', () => {
    const html = render();
    expect(html).not.toMatch(/<script|<link|@import|url\(|@font-face/i);
    const urls = html.match(/https?:\/\/[^\s"'<>]+/g) ?? [];
    expect(new Set(urls)).toEqual(new Set(['http://www.w3.org/2000/svg']));
    expect(html).toContain('Content-Security-Policy');
  });

  it('says when there is nothing to chart', () => {
    const html = render({}, []);
    expect(count(html, /<rect class="bar"/g)).toBe(0);
    expect(html).toContain('No DPU usage in this range');
    expect(html).toContain('No cost in this range');
    expect(html).toContain('No usage recorded in this range.');
  });

  it('warns that week rows cover whole weeks', () => {
    expect(render({ by: 'week' })).toContain('cover whole ISO weeks');
  });
});

describe('niceScale', () => {
  it.each([
    [7.3, 8, 2],
    [0.42, 0.5, 0.1],
    [100, 100, 20],
    [0, 1, 0.25],
  ])('puts %d under %d in steps of %d', (max, top, step) => {
    const scale = niceScale(max);
    expect(scale.top).toBeCloseTo(top);
    expect(scale.step).toBeCloseTo(step);
  });
});

describe('the budgets section', () => {
  it('shows each budget as status does: binding limit, used %, forecast and dated actions', () => {
    // Prepare: adhoc at 42.18 of its 39 USD, disabled at 02:50 when it crossed.
    const status = budgetStatusOf({
      budget: aBudget({
        workgroup: 'adhoc',
        limitDpuHours: undefined,
        limitUsd: 39,
        thresholds: [{ percent: 100, action: 'disable' }],
      }),
      totals: { ...ZERO_TOTALS, queries: 9, costNanoUsd: 42_180_000_000 },
      actions: [
        {
          thresholdId: '100:disable',
          action: 'disable',
          status: 'applied',
          claimedAt: '2026-11-25T02:50:00.000Z',
          completedAt: '2026-11-25T02:50:01.000Z',
          detail: 'disable the workgroup',
        },
      ],
      at: GENERATED_AT,
    });
    // Act
    const html = renderHtmlReport(
      buildUsageReport({
        request: { range: { from: '2026-11-25', to: '2026-11-25' }, by: 'day', top: 0 },
        counters: [],
        daily: [],
        budgets: [],
        topQueries: [],
      }),
      { generatedAt: GENERATED_AT, budgets: [status] },
    );
    // Assess
    const section = html.match(/<table id="budgets">[\s\S]*?<\/table>/)?.[0] ?? '';
    expect(section).toContain('data-binding-limit="usd" data-used-percent="108.15"');
    expect(section).toContain('39.00 USD');
    expect(section).toContain('108.2%');
    // Disabled: no further burn, so the projection is what was used.
    expect(section).toContain('42.18 USD');
    expect(section).toContain('crossed 2026-11-25 02:50');
    expect(section).toContain('100.0% disable (applied) 2026-11-25 02:50');
  });

  it('is left out when no statuses are given', () => {
    expect(render()).not.toContain('id="budgets"');
  });
});

describe('attribution sections', () => {
  const counter = (value: string, costUsd: number, periodKey = '2026-11-24') => ({
    workgroup: 'etl',
    key: 'dbt.model',
    value,
    period: 'day' as const,
    periodKey,
    totals: { ...ZERO_TOTALS, queries: 2, costNanoUsd: Math.round(costUsd * 1e9) },
  });
  const models = (top: number, counters = [counter('model.a', 3), counter(EVIL, 1)]) =>
    buildAttributionReport(
      { range: { from: '2026-11-23', to: '2026-11-25' }, by: 'dbt-model', top },
      'dbt.model',
      counters,
    );

  it('lists the top values with their share of every value, escaped', () => {
    const html = attributionSections([models(1)]);
    expect(html).toContain('>Top dbt models</h2>');
    expect(html).toContain('data-value="model.a"');
    expect(html).toContain('75.0%');
    expect(html).toContain('The 1 most expensive of 2 values');
    expect(html).not.toContain('<script>');
    expect(attributionSections([models(2)])).toContain(escapeHtml(EVIL));
  });

  it('leaves out a section without rows unless its key was asked for', () => {
    const empty = models(10, []);
    expect(attributionSections([empty])).toBe('');
    expect(attributionSections([empty], new Set(['dbt.model']))).toContain(
      'No usage with dbt.model in this range.',
    );
  });
});

describe('reservationsSection', () => {
  const MINUTE_MS = 60_000;
  /** A day of `dpus` allocated every hour, `usedByHour` DPUs used (DPUConsumed) when given. */
  const reservationDay = (
    reservation: string,
    key: string,
    dpus: number,
    usedByHour?: readonly number[],
  ): ReservationCounter => {
    const hours = Array.from({ length: 24 }, (_, hour) => String(hour).padStart(2, '0'));
    const used = usedByHour === undefined ? 0 : usedByHour.reduce((sum, value) => sum + value, 0);
    return {
      reservation,
      period: 'day',
      key,
      allocatedDpuMillis: dpus * 24 * HOUR_MS,
      usedDpuMillis: used * HOUR_MS,
      attributedDpuMillis: used * HOUR_MS,
      attributedByWorkgroup: {},
      costNanoUsd: dpus * 24 * 300_000_000,
      minutes: 1_440,
      minuteProfile: {
        allocatedDpuMillisByHour: Object.fromEntries(hours.map((hour) => [hour, dpus * HOUR_MS])),
        usedDpuMillisByHour:
          usedByHour === undefined
            ? {}
            : Object.fromEntries(hours.map((hour, i) => [hour, (usedByHour[i] ?? 0) * HOUR_MS])),
        usedMinutesByDpus: usedByHour === undefined ? {} : { '0': 1_200, '8': 240 },
        sampledAllocatedDpuMillis: usedByHour === undefined ? 0 : dpus * 1_440 * MINUTE_MS,
      },
    };
  };
  const range = { from: '2026-11-24', to: '2026-11-25' };
  const busyHours = Array.from({ length: 24 }, (_, hour) => (hour >= 9 && hour < 17 ? 6 : 0));

  it('charts each reservation’s allocated and used DPUs per hour with the table’s figures', () => {
    // Prepare: `nightly` 16 DPUs both days, 48 DPU-hours used a day; EVIL without DPUConsumed.
    const report = buildReservationReport(range, [
      reservationDay('nightly', '2026-11-24', 16, busyHours),
      reservationDay('nightly', '2026-11-25', 16, busyHours),
      reservationDay(EVIL, '2026-11-25', 8),
    ]);

    // Act
    const html = reservationsSection(report, false);

    // Assess: one chart per reservation, its paths drawing the DPU-hours the table shows.
    expect(count(html, /<svg id="reservation-hours-chart-\d"/g)).toBe(2);
    const nightly =
      html.match(/<figure class="multiple" data-reservation="nightly">[\s\S]*?<\/figure>/)?.[0] ??
      '';
    expect(nightly).toContain('data-allocated-dpu-hours="768"');
    expect(nightly).toContain('data-used-dpu-hours="96"');
    // 672 of 768 DPU-hours idle: 87.5 %, and 201.60 of the 230.40 USD.
    expect(nightly).toContain(
      '768.000 DPU-hours allocated, 96.000 used, 672.000 idle (87.5% idle)',
    );
    expect(nightly).toContain('cost $230.40, of which idle $201.60');
    expect(nightly).toContain('Right-sizing: nightly: 8 DPUs would have covered the p95 minute');
    const rows = html.match(/<tr data-reservation="nightly"[^>]*>/g) ?? [];
    expect(rows).toEqual([
      expect.stringContaining('data-allocated-dpu-hours="384" data-used-dpu-hours="48"'),
      expect.stringContaining('data-allocated-dpu-hours="384" data-used-dpu-hours="48"'),
    ]);
    // Without DPUConsumed: the allocation only, and why.
    const evil =
      html.match(/<figure class="multiple" data-reservation="[^"]*script[\s\S]*?<\/figure>/)?.[0] ??
      '';
    expect(evil).not.toContain('used-area');
    expect(evil).toContain('need the DPUConsumed metric');
    expect(html).not.toContain('<script>');
  });

  it('is left out without reservation days unless asked for', () => {
    const empty = buildReservationReport(range, []);
    expect(reservationsSection(empty, false)).toBe('');
    expect(reservationsSection(empty, true)).toContain(
      'No capacity reservation counted in this range.',
    );
  });
});
