import { describe, expect, it } from 'vitest';
import { csvField, plainNumber, toCsv } from '../../cli/output/csv.js';
import { reportCsv, reportTable } from '../../cli/output/report-output.js';
import { renderTable } from '../../cli/output/table.js';
import { buildUsageReport } from '../../lib/reports/usage-report.js';
import { type UsageTotals, ZERO_TOTALS } from '../../lib/usage/usage-totals.js';

type ReportInputs = Parameters<typeof buildUsageReport>[0];

const ONE_DAY: ReportInputs['request'] = {
  range: { from: '2026-11-25', to: '2026-11-25' },
  by: 'day',
  top: 0,
};

/** The report of 2026-11-25 by day, of one workgroup, analytics, with these totals. */
const analyticsOnOneDay = (
  totals: Partial<UsageTotals>,
  inputs: Partial<ReportInputs> = {},
): ReturnType<typeof buildUsageReport> =>
  buildUsageReport({
    request: ONE_DAY,
    counters: [
      {
        workgroup: 'analytics',
        period: 'day',
        key: '2026-11-25',
        totals: { ...ZERO_TOTALS, ...totals },
      },
    ],
    daily: [],
    budgets: [],
    topQueries: [],
    ...inputs,
  });

describe('CSV', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\r', '"cr\r"'],
    ['', ''],
    [null, ''],
    [undefined, ''],
    [42, '42'],
    [true, 'true'],
  ])('writes %j as %j', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it('writes numbers without exponents', () => {
    expect(plainNumber(5e-9)).toBe('0.000000005');
    expect(plainNumber(1.25e-7)).toBe('0.000000125');
    expect(plainNumber(-3e-7)).toBe('-0.0000003');
    expect(plainNumber(1e21)).toBe('1000000000000000000000');
    expect(plainNumber(1.5e22)).toBe('15000000000000000000000');
    expect(plainNumber(0.300000001)).toBe('0.300000001');
    expect(Number(plainNumber(1.2345e-8))).toBe(1.2345e-8);
  });

  it('ends every record with CRLF', () => {
    expect(toCsv(['a', 'b'], [[1, 'x,y']])).toBe('a,b\r\n1,"x,y"\r\n');
  });

  it('writes a report as a header and its rows only', () => {
    const report = analyticsOnOneDay(
      { queries: 2, dpuMillis: 1_800_000, costNanoUsd: 5 },
      { budgets: [{ workgroup: 'analytics', period: 'day', limitDpuHours: 1 }] },
    );
    expect(reportCsv(report)).toBe(
      'workgroup,period,queries,failedQueries,dpuHours,dataScannedBytes,costUsd,billedCostUsd,budgetLimitDpuHours,budgetLimitUnit,budgetLimitValue,budgetUsedPercent\r\n' +
        // 5 nano-dollars round to 0 at the millionth of a dollar.
        'analytics,2026-11-25,2,0,0.5,0,0,0,1,dpuHours,1,50\r\n',
    );
  });
});

describe('renderTable', () => {
  it('pads columns, right-aligns numbers and shows missing values as -', () => {
    const text = renderTable(
      [{ header: 'NAME' }, { header: 'COUNT' }, { header: 'COST', format: (v) => v.toFixed(2) }],
      [
        ['analytics', 5, 1.5],
        ['etl', 1234, null],
      ],
      { footer: [['TOTAL', 1239, 1.5]] },
    );
    expect(text).toBe(
      [
        'NAME       COUNT  COST',
        '---------  -----  ----',
        'analytics      5  1.50',
        'etl         1234     -',
        '---------  -----  ----',
        'TOTAL       1239  1.50',
        '',
      ].join('\n'),
    );
  });

  it('keeps text columns left-aligned and rows on one line', () => {
    const text = renderTable(
      [{ header: 'ID' }, { header: 'N', align: 'right' }],
      [
        ['a\nb', '7'],
        ['ccc', '10'],
      ],
    );
    expect(text.split('\n')).toEqual(['ID    N', '---  --', 'a b   7', 'ccc  10', '']);
  });

  it('lays out a report with a TOTAL line and the top queries', () => {
    const report = analyticsOnOneDay(
      { queries: 2, dpuMillis: 3_600_000, costNanoUsd: 300_000_000 },
      {
        request: { ...ONE_DAY, top: 1 },
        topQueries: [
          {
            queryExecutionId: 'q-1',
            workgroup: 'analytics',
            state: 'SUCCEEDED',
            dpuCount: 24,
            dpuHours: 0.4,
            engineExecutionMs: 60_000,
            dataScannedBytes: 123_456_789,
            costUsd: 0.12,
            completedAt: '2026-11-25T10:00:00.000Z',
          },
        ],
      },
    );
    const lines = reportTable(report).split('\n');
    expect(lines[0]).toMatch(/^WORKGROUP\s+PERIOD\s+QUERIES\s+FAILED\s+DPU-HOURS/);
    expect(lines[2]).toMatch(
      /^analytics\s+2026-11-25\s+2\s+0\s+1\.000\s+0 B\s+0\.30\s+0\.30\s+-\s+-$/,
    );
    expect(lines[4]).toMatch(/^TOTAL\s+2\s+0\s+1\.000/);
    // Every line of the rows table has the header's width: columns line up.
    const header = lines[0] ?? '';
    expect(lines[2]?.length).toBe(header.length);
    expect(lines).toContain('Top 1 queries by cost');
    expect(lines.find((line) => line.startsWith('q-1'))).toMatch(
      /^q-1\s+analytics\s+SUCCEEDED\s+24\s+0\.400\s+1m 00s\s+117\.7 MiB\s+0\.12\s+2026-11-25 10:00:00Z$/,
    );
  });
});
