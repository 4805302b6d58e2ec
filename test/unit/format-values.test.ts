import { describe, expect, it } from 'vitest';
import { statusTable } from '../../cli/output/budget-output.js';
import { reportTable } from '../../cli/output/report-output.js';
import { budgetStatusOf } from '../../lib/budgets/budget-status.js';
import {
  formatBytes,
  formatBytesExact,
  formatDpuHours,
  formatPercent,
  formatQuantity,
  formatUsd,
  jsonDpuHours,
  jsonUsd,
} from '../../lib/format/format-values.js';
import { parseBytes } from '../../lib/format/parse-bytes.js';
import { renderHtmlReport } from '../../lib/reports/render-html-report.js';
import { buildUsageReport } from '../../lib/reports/usage-report.js';
import { ZERO_TOTALS } from '../../lib/usage/usage-totals.js';
import { totalsColumns } from '../../local/mode/local-mode-summary.js';
import { aBudget } from '../support/factories.js';

describe('formatBytes', () => {
  it('writes binary units, labelled as such', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(10 * 1024 ** 2)).toBe('10.0 MiB');
    expect(formatBytes(123_456_789)).toBe('117.7 MiB');
    expect(formatBytes(10 * 1024 ** 3)).toBe('10.0 GiB');
    // 34.0 TB in decimal units: the same bytes, written once, in binary.
    expect(formatBytes(34_000_000_000_000)).toBe('30.9 TiB');
    expect(formatBytesExact(10_485_760)).toBe('10485760 bytes (10.0 MiB)');
  });

  it('writes the same bytes identically in every output', () => {
    // Prepare: one day of one workgroup that scanned 34,000,000,000,000 bytes.
    const bytes = 34_000_000_000_000;
    const totals = { ...ZERO_TOTALS, queries: 1, dataScannedBytes: bytes, costNanoUsd: 1e9 };
    const report = buildUsageReport({
      request: { range: { from: '2026-11-25', to: '2026-11-25' }, by: 'day', top: 0 },
      counters: [{ workgroup: 'adhoc', period: 'day', key: '2026-11-25', totals }],
      daily: [{ workgroup: 'adhoc', period: 'day', key: '2026-11-25', totals }],
      budgets: [],
      topQueries: [],
    });
    const status = budgetStatusOf({
      budget: aBudget({ workgroup: 'adhoc', limitBytes: 2 * bytes }),
      totals,
      actions: [],
      at: new Date('2026-11-25T12:00:00Z'),
    });
    // Act
    const outputs = {
      'report table': reportTable(report),
      'status table': statusTable([status]),
      'HTML report': renderHtmlReport(report, { generatedAt: new Date('2026-11-25T12:00:00Z') }),
      'local mode summary': totalsColumns(totals).join(' '),
    };
    // Assess
    for (const [output, text] of Object.entries(outputs)) {
      expect(text, output).toContain('30.9 TiB');
      expect(text, output).not.toMatch(/\d TB\b/);
    }
  });
});

describe('parseBytes', () => {
  it('reads decimal units as powers of 1000 and binary units as powers of 1024', () => {
    expect(parseBytes('5TB')).toBe(5_000_000_000_000);
    expect(parseBytes('5TiB')).toBe(5 * 1024 ** 4);
    expect(parseBytes('10 MB')).toBe(10_000_000);
    expect(parseBytes('10MiB')).toBe(10_485_760);
    expect(parseBytes('1.5 tib')).toBe(1.5 * 1024 ** 4);
    expect(parseBytes('10485760')).toBe(10_485_760);
    expect(parseBytes('2kb')).toBe(2000);
  });

  it.each(['', 'ten GiB', '1.5', '1.0001 KiB', '-5GB', '5 XB', '99999999 PiB'])(
    'refuses %j: not a whole number of bytes',
    (text) => {
      expect(parseBytes(text)).toBeUndefined();
    },
  );
});

describe('money, DPU-hours and percentages', () => {
  it('writes money to the cent and DPU-hours to the thousandth in text', () => {
    expect(formatUsd(768.5141466666666)).toBe('768.51');
    expect(formatUsd(0.004)).toBe('0.00');
    expect(formatDpuHours(2.5)).toBe('2.500');
    expect(formatPercent(108.153)).toBe('108.2%');
    expect(formatQuantity('usd', 39)).toBe('39.00 USD');
    expect(formatQuantity('dpuHours', 1000)).toBe('1,000.000 DPU-h');
    expect(formatQuantity('bytes', 5 * 1024 ** 4)).toBe('5.0 TiB');
  });

  it('keeps JSON exact to the millionth', () => {
    expect(jsonUsd(768.5141466666666)).toBe(768.514147);
    expect(jsonUsd(0.300000001)).toBe(0.3);
    expect(jsonDpuHours(0.0011111111111111111)).toBe(0.001111);
  });
});
