import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliOnSavedAccount } from '../../local/mode/cli-on-saved-account.js';
import type { LocalModeSummary } from '../../local/mode/local-mode-summary.js';
import { runLocalMode } from '../../local/mode/run-local-mode.js';

/**
 * From `npm start -- --data DIR` to the CLI: local mode keeps its account in DIR, and every
 * command of the README runs against it with `--local DIR`, each starting and stopping DynamoDB
 * Local on DIR and the stand-ins itself. Then the same run again on the same DIR gives the same
 * totals and the same actions.
 */

const RUN_TIMEOUT_MS = 180_000;
const COMMAND_TIMEOUT_MS = 60_000;
const DAY = '2026-10-07';

let dir: string;
let first: RunOutput;

interface RunOutput {
  readonly summary: LocalModeSummary;
  readonly text: string;
}

async function localMode(): Promise<RunOutput> {
  let text = '';
  const summary = await runLocalMode({
    queries: 400,
    workgroups: 3,
    seed: 7,
    day: DAY,
    speed: 1e9,
    dataDirectory: dir,
    output: {
      write: (chunk: string) => {
        text += chunk;
        return true;
      },
    },
    progress: 'none',
    sampleBudgets: true,
  });
  return { summary, text };
}

const athenaCost = (...argv: string[]) => athenaCostOn(dir, argv);

async function athenaCostOn(folder: string, argv: readonly string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCliOnSavedAccount(folder, argv, {
    stdout: {
      write: (chunk: string) => {
        stdout += chunk;
        return true;
      },
    },
    stderr: {
      write: (chunk: string) => {
        stderr += chunk;
        return true;
      },
    },
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    cwd: process.cwd(),
    now: () => new Date(),
  });
  return { code, stdout, stderr };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'athena-cost-local-data-'));
  first = await localMode();
}, RUN_TIMEOUT_MS);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('npm start -- --data DIR', () => {
  it('ends by saying how to run the CLI on the account it kept', () => {
    const lines = first.text.trimEnd().split('\n');
    expect(lines.slice(-4).join('\n')).toContain(`npx athena-cost --local ${dir} status`);
  });
});

describe('npx athena-cost --local DIR, each command of the README', () => {
  it(
    'status: the budgets of the simulated day, with their actions',
    async () => {
      const { code, stdout, stderr } = await athenaCost('status');
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toMatch(/^WORKGROUP +PERIOD/);
      expect(stdout).toContain(`day ${DAY}`);
      expect(stdout).toContain('Actions this period');
    },
    COMMAND_TIMEOUT_MS,
  );

  it(
    'status --format json agrees with the report on every budget',
    async () => {
      const status = JSON.parse((await athenaCost('status', '--format', 'json')).stdout);
      const report = JSON.parse(
        (await athenaCost('report', '--from', DAY, '--to', DAY, '--format', 'json')).stdout,
      );
      expect(status.budgets.length).toBeGreaterThan(0);
      for (const budget of status.budgets) {
        const row = report.rows.find(
          (candidate: { workgroup: string }) => candidate.workgroup === budget.workgroup,
        );
        expect(row?.budgetLimit, budget.workgroup).toEqual({
          unit: budget.bindingLimit,
          value: budget.bindingLimitValue,
        });
        expect(row?.budgetUsedPercent, budget.workgroup).toBe(budget.usedPercent);
      }
    },
    COMMAND_TIMEOUT_MS * 2,
  );

  it(
    'budget set, with the workgroup checked and its alarms made against the stand-ins',
    async () => {
      const capacity = await athenaCost(
        ...['budget', 'set', '--workgroup', 'analytics', '--period', 'day'],
        ...['--limit-dpu-hours', '10', '--notify-at', '50,80', '--throttle-at', '80'],
        ...['--throttle-max-dpu', '8', '--disable-at', '100'],
      );
      expect(capacity.stderr).toBe('');
      expect(capacity.code).toBe(0);
      expect(capacity.stdout).toContain('athena-cost-local-budget-analytics-notify-50');
      const onDemand = await athenaCost(
        ...['budget', 'set', '--workgroup', 'adhoc', '--period', 'day', '--limit-usd', '40'],
        ...['--limit-bytes', '5TiB', '--notify-at', '50', '--throttle-at', '90'],
        ...['--throttle-bytes-cutoff', '10GiB'],
      );
      expect(onDemand.code).toBe(0);
      const unknown = await athenaCost(
        ...['budget', 'set', '--workgroup', 'nosuch', '--period', 'day', '--limit-usd', '1'],
      );
      expect(unknown.code).toBe(1);
    },
    COMMAND_TIMEOUT_MS * 3,
  );

  it(
    'budget list, pause, resume and rm',
    async () => {
      expect((await athenaCost('budget', 'pause', '--workgroup', 'adhoc')).code).toBe(0);
      expect((await athenaCost('budget', 'resume', '--workgroup', 'adhoc')).code).toBe(0);
      const list = await athenaCost('budget', 'list', '--format', 'json');
      expect(list.code).toBe(0);
      const workgroups = JSON.parse(list.stdout).budgets.map(
        (budget: { workgroup: string }) => budget.workgroup,
      );
      expect(workgroups).toEqual(expect.arrayContaining(['adhoc', 'analytics']));
      const rm = await athenaCost('budget', 'rm', '--workgroup', 'analytics');
      expect(rm.code).toBe(0);
    },
    COMMAND_TIMEOUT_MS * 4,
  );

  it(
    'restore',
    async () => {
      const { code, stderr } = await athenaCost('restore');
      expect(stderr).toBe('');
      expect(code).toBe(0);
    },
    COMMAND_TIMEOUT_MS,
  );

  it(
    'digest of the simulated day',
    async () => {
      const { code, stdout } = await athenaCost('digest', '--day', DAY);
      expect(code).toBe(0);
      expect(stdout).toContain(DAY);
    },
    COMMAND_TIMEOUT_MS,
  );

  it(
    'report as a table and as HTML',
    async () => {
      const table = await athenaCost('report', '--from', DAY, '--to', DAY, '--top', '5');
      expect(table.code).toBe(0);
      expect(table.stdout).toContain('Top 5 queries by cost');
      const file = join(dir, 'report.html');
      const html = await athenaCost('report', '--from', DAY, '--format', 'html', '--out', file);
      expect(html.code).toBe(0);
      expect(readFileSync(file, 'utf8')).toContain('id="budgets"');
    },
    COMMAND_TIMEOUT_MS * 2,
  );

  it(
    'backfill records nothing twice',
    async () => {
      const { code, stdout } = await athenaCost('backfill', '--since', DAY, '--format', 'json');
      expect(code).toBe(0);
      expect(JSON.parse(stdout).recorded).toBe(0);
    },
    COMMAND_TIMEOUT_MS,
  );

  it(
    'dlq peek and dlq redrive',
    async () => {
      const peek = await athenaCost('dlq', 'peek');
      expect(peek.stderr).toBe('');
      expect(peek.code).toBe(0);
      const redrive = await athenaCost('dlq', 'redrive');
      expect(redrive.stderr).toBe('');
      expect(redrive.code).toBe(0);
    },
    COMMAND_TIMEOUT_MS * 2,
  );

  it('says what to do for a folder without an account', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'athena-cost-empty-'));
    try {
      const { code, stderr } = await athenaCostOn(empty, ['status']);
      expect(code).toBe(1);
      expect(stderr).toContain(`Run 'npm start -- --data ${empty}' first`);
      expect(existsSync(join(empty, 'athena-cost-account.json'))).toBe(false);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('the same run twice on the same DIR', () => {
  it(
    'gives the same totals and the same actions, from a clean table',
    async () => {
      const second = await localMode();
      expect(second.text).toContain('started from a clean table');
      expect(second.summary.workgroups.map((result) => [result.workgroup, result.actual])).toEqual(
        first.summary.workgroups.map((result) => [result.workgroup, result.actual]),
      );
      expect(second.summary.matches).toBe(true);
      const updates = (text: string) =>
        text.split('\n').filter((line) => /^ {2}\d\d:\d\d:\d\d \S+ \{/.test(line));
      expect(updates(first.text).length).toBeGreaterThan(0);
      expect(updates(second.text)).toEqual(updates(first.text));
    },
    RUN_TIMEOUT_MS,
  );
});
