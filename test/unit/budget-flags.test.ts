import { describe, expect, it } from 'vitest';
import {
  BUDGET_SET_OPTIONS,
  budgetFromOptions,
  budgetSetWarnings,
  parsePercent,
  sparkThrottleWarning,
  thresholdsOf,
  throttleEngineMismatch,
} from '../../cli/budget-flags.js';
import budgetSet from '../../cli/commands/budget/set.js';
import { aBudget } from '../support/factories.js';
import { runCliInMemory as cli } from '../support/in-memory-cli.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const REQUIRED = { workgroup: 'analytics', period: 'day', 'limit-dpu-hours': '10' };

const parse = (values: Record<string, unknown>) => budgetSet.flags.safeParse(values);

const parsed = (values: Record<string, unknown>) => {
  const result = parse({ ...REQUIRED, ...values });
  if (!result.success) throw new Error(JSON.stringify(result.error.issues));
  return result.data;
};

const problems = (values: Record<string, unknown>) => {
  const result = parse(values);
  return result.success
    ? []
    : result.error.issues.map((issue) => `${String(issue.path[0] ?? '')}: ${issue.message}`);
};

describe('budget set flags', () => {
  it('turns comma lists, percentages and numbers into thresholds and limits', () => {
    const options = parsed({
      'limit-dpu-hours': '12.5',
      'limit-usd': '40',
      'limit-bytes': '2GiB',
      'notify-at': '80, 50%,95',
      'throttle-at': '90',
      'throttle-max-dpu': '8',
      'disable-at': '100%',
      'disable-now-at': '150',
      'dry-run': true,
      protected: true,
    });

    expect(options).toMatchObject({
      workgroup: 'analytics',
      period: 'day',
      limitDpuHours: 12.5,
      limitUsd: 40,
      limitBytes: 2 * 1024 ** 3,
      notifyAt: [50, 80, 95],
      throttleAt: 90,
      throttleMaxDpu: 8,
      disableAt: 100,
      disableNowAt: 150,
      dryRun: true,
      protected: true,
      skipWorkgroupCheck: false,
      skipAlarms: false,
    });
    expect(thresholdsOf(options)).toEqual([
      { percent: 50, action: 'notify' },
      { percent: 80, action: 'notify' },
      { percent: 95, action: 'notify' },
      { percent: 90, action: 'throttle' },
      { percent: 100, action: 'disable' },
      { percent: 150, action: 'disable-now' },
    ]);
  });

  it('builds a budget the domain accepts, with sorted thresholds and the time of setting', () => {
    const built = budgetFromOptions(
      parsed({ 'notify-at': '50,80', 'throttle-at': '90', 'throttle-max-dpu': '8' }),
      NOW,
    );

    // (aBudget: the day budget of analytics, 10 DPU-hours, throttleMaxDpu 8, no flags set.)
    expect(built).toEqual({
      ok: true,
      budget: aBudget({
        thresholds: [
          { percent: 50, action: 'notify' },
          { percent: 80, action: 'notify' },
          { percent: 90, action: 'throttle' },
        ],
        updatedAt: '2026-11-25T12:00:00.000Z',
      }),
    });
  });

  it.each([
    ['throttle-max-dpu', '10', '--throttle-max-dpu must be between 4 and 124 in steps of 4'],
    ['throttle-max-dpu', '128', '--throttle-max-dpu must be between 4 and 124 in steps of 4'],
    ['throttle-max-dpu', '0', '--throttle-max-dpu must be between 4 and 124 in steps of 4'],
    ['throttle-max-dpu', '8.5', '--throttle-max-dpu must be between 4 and 124 in steps of 4'],
    [
      'throttle-bytes-cutoff',
      '1MiB',
      '--throttle-bytes-cutoff must be at least 10485760 bytes (10.0 MiB), the Athena minimum',
    ],
    // A Spark ceiling out of Athena's range.
    [
      'throttle-max-concurrent-dpus',
      '1',
      '--throttle-max-concurrent-dpus must be a whole number from 2 to 5000',
    ],
  ])('refuses --%s %s with the domain message, naming the option', (flag, value, message) => {
    const built = budgetFromOptions(parsed({ 'throttle-at': '80', [flag]: value }), NOW);
    expect(built).toEqual({ ok: false, message });
  });

  it.each([
    [
      { 'notify-at': '50,,80' },
      "notify-at: must be a comma-separated list of percentages, e.g. 50,80, got '50,,80'",
    ],
    [
      { 'notify-at': 'fifty' },
      "notify-at: must be a comma-separated list of percentages, e.g. 50,80, got 'fifty'",
    ],
    [
      { 'notify-at': '-5,80' },
      "notify-at: must be a comma-separated list of percentages, e.g. 50,80, got '-5,80'",
    ],
    [
      { 'notify-at': '0,1200' },
      "notify-at: must hold percentages greater than 0 and at most 1000, got '0', '1200'",
    ],
    [{ 'notify-at': '50,80,50' }, 'notify-at: lists 50 more than once'],
    [
      { 'throttle-at': '80,90' },
      "throttle-at: must be a percentage greater than 0 and at most 1000, e.g. 80, got '80,90'",
    ],
    [
      { 'disable-at': '0' },
      "disable-at: must be a percentage greater than 0 and at most 1000, e.g. 100, got '0'",
    ],
    [
      { 'limit-dpu-hours': '0' },
      "limit-dpu-hours: must be a number greater than 0, e.g. 10, got '0'",
    ],
    [
      { 'limit-dpu-hours': '0x10' },
      "limit-dpu-hours: must be a number greater than 0, e.g. 10, got '0x10'",
    ],
    [{ 'limit-usd': '-1' }, "limit-usd: must be a number greater than 0, e.g. 25, got '-1'"],
    [
      { 'limit-bytes': '1.5 bytes' },
      "limit-bytes: must be a whole number of bytes from 1 to 9007199254740991, optionally with a unit (B, KB, MB, GB, TB, PB (powers of 1000) or KiB, MiB, GiB, TiB, PiB (powers of 1024)), e.g. 10GiB or 5TB, got '1.5 bytes'",
    ],
    [
      { 'throttle-max-dpu': 'eight' },
      "throttle-max-dpu: must be a number of DPUs, e.g. 8, got 'eight'",
    ],
    [{ period: 'year' }, "period: must be one of day, week, month, got 'year'"],
    [
      { workgroup: 'no spaces' },
      "workgroup: must be an Athena workgroup name (1 to 128 of a-z, A-Z, 0-9, '.', '_', '-'), got 'no spaces'",
    ],
    [
      { 'alerts-topic-arn': 'alerts' },
      "alerts-topic-arn: must be an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:alerts, got 'alerts'",
    ],
    [
      { 'throttle-at': '80' },
      'throttle-at: needs --throttle-max-dpu N (capacity reservation), --throttle-bytes-cutoff BYTES (on demand) or --throttle-max-concurrent-dpus N (Spark) to say what the throttle sets',
    ],
  ])('rejects %j', (values, message) => {
    expect(problems({ ...REQUIRED, ...values })).toEqual([message]);
  });

  it('needs the workgroup, period and a limit', () => {
    expect(problems({})).toEqual(['period: is required']);
    expect(problems({ period: 'day', 'limit-usd': '5' })).toEqual([
      'workgroup: is required unless --reservation, --principal, --tag or --dbt-model is given: a budget is on a workgroup, a reservation or an attribution value',
    ]);
    expect(problems({ workgroup: 'analytics', period: 'day' })).toEqual([
      'limit-dpu-hours: is required unless --limit-usd or --limit-bytes is given: a budget needs at least one limit',
    ]);
  });

  it('takes a USD or bytes limit without a DPU-hour limit', () => {
    const usdOnly = budgetSet.flags.parse({ workgroup: 'adhoc', period: 'day', 'limit-usd': '39' });
    expect(usdOnly).toMatchObject({ limitDpuHours: undefined, limitUsd: 39 });
    const built = budgetFromOptions(usdOnly, NOW);
    expect(built.ok && built.budget).toMatchObject({ workgroup: 'adhoc', limitUsd: 39 });
    expect(built.ok && built.budget.limitDpuHours).toBeUndefined();
    const bytesOnly = budgetSet.flags.parse({
      workgroup: 'adhoc',
      period: 'day',
      'limit-bytes': '5TB',
    });
    expect(bytesOnly.limitBytes).toBe(5_000_000_000_000);
  });

  it('warns about options that change nothing', () => {
    expect(budgetSetWarnings(parsed({ 'throttle-max-dpu': '8', 'notify-at': '50' }))).toEqual([
      '--throttle-max-dpu has no effect without --throttle-at',
    ]);
    expect(budgetSetWarnings(parsed({}))).toEqual([
      'the budget has no thresholds (--notify-at, --throttle-at, --disable-at, --disable-now-at): it only tracks usage',
    ]);
  });

  it('builds the budget of a Spark workgroup: a MaxConcurrentDpus throttle, sessions terminated at disable-now', () => {
    const built = budgetFromOptions(
      parsed({
        workgroup: 'spark-notebooks',
        'throttle-at': '80',
        'throttle-max-concurrent-dpus': '4',
        'disable-now-at': '100',
      }),
      NOW,
    );
    if (!built.ok) throw new Error(built.message);

    expect(built.budget).toMatchObject({
      workgroup: 'spark-notebooks',
      throttleMaxConcurrentDpus: 4,
      thresholds: [
        { percent: 80, action: 'throttle' },
        { percent: 100, action: 'disable-now' },
      ],
    });
    expect(sparkThrottleWarning(built.budget)).toContain(
      'sessions already running, and clients that pass their own MaxConcurrentDpus to StartSession, are not held to it',
    );
  });

  it('names a throttle lever the engine of the workgroup does not have, and only then', () => {
    const budgetOf = (values: Record<string, unknown>) => {
      const built = budgetFromOptions(parsed({ workgroup: 'wg', ...values }), NOW);
      if (!built.ok) throw new Error(built.message);
      return built.budget;
    };
    const maxDpu = budgetOf({ 'throttle-at': '80', 'throttle-max-dpu': '8' });
    const bytes = budgetOf({ 'throttle-at': '80', 'throttle-bytes-cutoff': '10GB' });
    const sessions = budgetOf({ 'throttle-at': '80', 'throttle-max-concurrent-dpus': '4' });
    const notifyOnly = budgetOf({ 'notify-at': '50' });

    expect(throttleEngineMismatch(maxDpu, true)).toBe(
      "workgroup 'wg' runs Apache Spark: --throttle-max-dpu limits SQL queries and would not throttle its sessions; use --throttle-max-concurrent-dpus",
    );
    expect(throttleEngineMismatch(bytes, true)).toContain('--throttle-bytes-cutoff limits SQL');
    expect(throttleEngineMismatch(sessions, false)).toContain(
      "workgroup 'wg' runs SQL, not Apache Spark: --throttle-max-concurrent-dpus",
    );
    expect(throttleEngineMismatch(maxDpu, false)).toBeUndefined();
    expect(throttleEngineMismatch(bytes, false)).toBeUndefined();
    expect(throttleEngineMismatch(sessions, true)).toBeUndefined();
    expect(throttleEngineMismatch(notifyOnly, true)).toBeUndefined();
  });

  it('warns when a disable comes before the throttle', () => {
    const options = parsed({ 'throttle-at': '80', 'throttle-max-dpu': '8', 'disable-at': '50' });
    expect(budgetSetWarnings(options)).toEqual([
      '--disable-at 50 is below --throttle-at 80: the workgroup is disabled before it is ever throttled',
    ]);
  });
});

describe('budget set bounds', () => {
  it('accepts every limit at its bound', () => {
    const built = budgetFromOptions(
      parsed({
        'limit-dpu-hours': '2501999792',
        'limit-usd': '9007199',
        'limit-bytes': '9007199254740991',
        'notify-at': '0.000001',
      }),
      NOW,
    );
    expect(built).toMatchObject({
      ok: true,
      budget: {
        limitDpuHours: 2_501_999_792,
        limitUsd: 9_007_199,
        limitBytes: Number.MAX_SAFE_INTEGER,
        thresholds: [{ percent: 0.000001, action: 'notify' }],
      },
    });
  });
});

describe('number parsing', () => {
  it.each([
    ['87.5%', 87.5],
    ['1000', 1000],
    ['1000.1', undefined],
    ['', undefined],
  ])('reads percentages with or without a percent sign: %j is %s', (text, percent) => {
    expect(parsePercent(text)).toBe(percent);
  });
});

describe('athena-cost budget set (command line)', () => {
  const base = ['budget', 'set', '--table', 't', '--workgroup', 'analytics', '--period', 'day'];

  it.each([
    [
      ['--limit-dpu-hours', '10', '--throttle-at', '80', '--throttle-max-dpu', '10'],
      '--throttle-max-dpu must be between 4 and 124 in steps of 4',
    ],
    [
      ['--limit-dpu-hours', '10', '--throttle-at', '80', '--throttle-max-dpu', '128'],
      '--throttle-max-dpu must be between 4 and 124 in steps of 4',
    ],
    [
      ['--limit-dpu-hours', '10', '--notify-at', '50;80'],
      "--notify-at must be a comma-separated list of percentages, e.g. 50,80, got '50;80'",
    ],
    [['--limit-dpu-hours'], '--limit-dpu-hours needs a value'],
    [
      ['--limit-dpu-hours', '10', '--format', 'csv'],
      "--format must be one of table, json, got 'csv'",
    ],
    [
      ['--limit-dpu-hours', '10', '--on-bypass', 'stop'],
      "--on-bypass must be one of notify, disable, got 'stop'",
    ],
    // Numbers beyond what the store and the counters hold exactly (issue #9: 1e308 used to reach
    // DynamoDB and fail there with exit 1 and a message meant for developers).
    [
      ['--limit-dpu-hours', '1e308'],
      '--limit-dpu-hours must be at most 2501999792: usage is counted in DPU-ms, exact up to 2^53',
    ],
    [['--limit-dpu-hours', '0.0000001'], '--limit-dpu-hours must have at most 6 decimals'],
    [
      ['--limit-bytes', '9PiB'],
      "--limit-bytes must be a whole number of bytes from 1 to 9007199254740991, optionally with a unit (B, KB, MB, GB, TB, PB (powers of 1000) or KiB, MiB, GiB, TiB, PiB (powers of 1024)), e.g. 10GiB or 5TB, got '9PiB'",
    ],
    [
      ['--limit-usd', '1e10'],
      '--limit-usd must be at most 9007199: usage is counted in nano-USD, exact up to 2^53',
    ],
    [
      ['--limit-dpu-hours', '10', '--notify-at', '50,0.0000001'],
      '--notify-at must have at most 6 decimals',
    ],
    [
      ['--limit-dpu-hours', '10', '--disable-at', '1e-300'],
      '--disable-at must have at most 6 decimals',
    ],
  ])('rejects %j with exit code 2 and the usage hint', async (args, message) => {
    const { code, stdout, stderr } = await cli([...base, ...args]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `athena-cost: ${message}\nRun 'athena-cost budget set --help' for usage.\n`,
    );
  });

  it('shows each option once in its help, with the synopsis derived from the same declarations', async () => {
    const { code, stdout } = await cli(['budget', 'set', '--help']);
    expect(code).toBe(0);
    expect(stdout.split('\n').slice(0, 2)).toEqual([
      'Usage: athena-cost budget set --workgroup WG --period day|week|month [--limit-dpu-hours N] [--limit-usd N] [--limit-bytes BYTES] [--notify-at P,P] [--throttle-at P] [--throttle-max-dpu N] [--throttle-bytes-cutoff BYTES] [--throttle-max-concurrent-dpus N] [--disable-at P] [--disable-now-at P] [--dry-run] [--protected] [--enforce-workgroup-config] [--on-bypass notify|disable] [--anomaly-alarm cost|dpu-hours] [options]',
      '       athena-cost budget set --reservation NAME --period day|week|month [--limit-dpu-hours N] [--limit-usd N] [--notify-at P,P] [--scale-down-at P] [--scale-down-dpus N] [--override-autoscaler] [--dry-run] [--protected] [options]',
    ]);
    for (const flag of Object.keys(BUDGET_SET_OPTIONS)) {
      expect(stdout.match(new RegExp(`^ {2}--${flag}\\b`, 'gm')), flag).toHaveLength(1);
    }
    expect(stdout).toMatch(/^ {2}--workgroup WG +Athena workgroup \(or --reservation\)$/m);
    expect(stdout).toMatch(/^ {2}--skip-alarms +Do not create/m);
  });

  it('lists the budget commands in the program help', async () => {
    const { stdout } = await cli(['--help']);
    expect(stdout).toMatch(/^ {2}budget list +Lists every budget$/m);
    expect(stdout).toMatch(/^ {2}budget pause +Pauses/m);
    expect(stdout).toMatch(/^ {2}budget resume +Ends a budget's pause/m);
    expect(stdout).toMatch(/^ {2}budget rm +Removes/m);
    expect(stdout).toMatch(/^ {2}budget set +Creates or replaces/m);
    expect(stdout).toMatch(/^ {2}restore +Gives back/m);
    expect(stdout).toMatch(/^ {2}status +Where each budget stands/m);
  });
});

describe('athena-cost budget pause (command line)', () => {
  it.each([
    [
      ['--until', '2020-01-01T00:00:00Z'],
      "--until must be in the future, got '2020-01-01T00:00:00Z'",
    ],
    [
      ['--until', 'tomorrow'],
      "--until must be an ISO 8601 date-time such as 2026-11-25T18:00:00Z, got 'tomorrow'",
    ],
  ])('rejects %j with exit code 2', async (args, message) => {
    const { code, stderr } = await cli([
      'budget',
      'pause',
      '--table',
      't',
      '--workgroup',
      'etl',
      ...args,
    ]);
    expect(code).toBe(2);
    expect(stderr).toBe(
      `athena-cost: ${message}\nRun 'athena-cost budget pause --help' for usage.\n`,
    );
  });
});
