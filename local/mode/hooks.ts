import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { runCli } from '../../cli/main.js';
import { type Budget, parseBudget } from '../../lib/budgets/budget.js';
import { formatQuantity, type LimitUnit } from '../../lib/format/format-values.js';
import {
  DynamoDbAttributionBudgetStore,
  DynamoDbBudgetStore,
} from '../../lib/store/dynamodb-budget-store.js';
import { dpuHoursFromMillis, usdFromNano } from '../../lib/usage/pricing.js';
import { capacityDayBudget, onDemandDayBudget } from '../simulation/sample-budgets.js';
import { SPARK_WORKGROUP } from '../simulation/simulated-spark.js';
import { sampleAttributionBudget } from './attribution-budget-check.js';
import type { AfterBatch, LocalModeContext } from './context.js';
import type { LocalModeSummary } from './local-mode-summary.js';
import { printAlertsAndDigest } from './print-alerts.js';

/**
 * Extension points of local mode (`npm start`). `runLocalMode` calls them at fixed moments;
 * fill them in here without touching the simulation.
 */

/**
 * (a) Sample budgets, created before the simulation starts (simulated clock at 00:00 UTC).
 *
 * The busiest capacity workgroup gets a day budget at 60 % of its planned DPU-hours, so it is
 * notified, throttled to 8 DPUs and disabled during the day; the on-demand workgroup gets a USD
 * budget that notifies and then caps its per-query scan. Sized from `ctx.plannedTotals`, so any
 * seed shows enforcement. The simulation honours what the enforcer does to the Athena stand-in
 * (a disabled workgroup rejects later queries, a lower ceiling caps their DPUs) and its ground
 * truth follows. The finance team's tag gets a notify-only day budget (attribution-budget-check.ts)
 * at 60 % of its planned cost, so its day crosses 50 % and 100 %, not 200 %.
 */
export async function seedBudgets(ctx: LocalModeContext): Promise<readonly string[]> {
  const store = new DynamoDbBudgetStore(ctx.clients.documents, ctx.tableName);
  const updatedAt = new Date(ctx.clock.now()).toISOString();
  const planned = (name: string) => ctx.plannedTotals.get(name);
  const capacity = ctx.day.workgroups
    .filter((workgroup) => workgroup.kind === 'capacity')
    .sort((a, b) => (planned(b.name)?.dpuMillis ?? 0) - (planned(a.name)?.dpuMillis ?? 0))[0];
  const onDemand = ctx.day.workgroups.find((workgroup) => workgroup.kind === 'on-demand');
  const budgets: unknown[] = [];
  if (capacity !== undefined) {
    const plannedDpuHours = dpuHoursFromMillis(planned(capacity.name)?.dpuMillis ?? 0);
    const limit = Math.max(1, Math.round(plannedDpuHours * 0.6));
    budgets.push({
      ...capacityDayBudget(capacity.name, limit, updatedAt),
      // `npm start -- --enforce-workgroup-config`: the client with its own max-dpu-count is held too.
      ...(ctx.options.enforceWorkgroupConfig ? { enforceWorkgroupConfiguration: true } : {}),
    });
  }
  if (onDemand !== undefined) {
    const plannedUsd = usdFromNano(planned(onDemand.name)?.costNanoUsd ?? 0);
    const limit = Math.max(1, Math.round(plannedUsd * 0.7));
    budgets.push(onDemandDayBudget(onDemand.name, limit, updatedAt));
  }
  const lines: string[] = [];
  for (const input of budgets) {
    const parsed = parseBudget(input);
    if (!parsed.ok) throw new Error(`sample budget is invalid: ${parsed.reason}`);
    await store.put(parsed.budget);
    const { budget } = parsed;
    const limit = limitsOf(budget).join(' and ');
    const thresholds = budget.thresholds.map((t) => `${t.action} at ${t.percent}%`).join(', ');
    const enforced = budget.enforceWorkgroupConfiguration
      ? ' (the throttle enforces the workgroup configuration)'
      : '';
    lines.push(`${budget.workgroup}: ${limit} per ${budget.period}; ${thresholds}${enforced}`);
  }
  const attribution = sampleAttributionBudget(ctx, updatedAt);
  await new DynamoDbAttributionBudgetStore(ctx.clients.documents, ctx.tableName).put(attribution);
  const thresholds = attribution.thresholds.map((t) => `${t.action} at ${t.percent}%`).join(', ');
  lines.push(
    `${attribution.attribution}: ${limitsOf(attribution).join(' and ')} per ${attribution.period} over every workgroup; ${thresholds}`,
  );
  return lines;
}

/** When the afternoon operator looks at the workgroups: 15:00 UTC of the simulated day. */
const OPERATOR_HOUR = 15;

/**
 * (c) An operator who, in the afternoon, re-enables by hand every workgroup the enforcer has
 * disabled, once, as a user whose jobs stopped would. The enforcer must find it and disable it
 * again while the budget is over its threshold: the summary's UpdateWorkGroup calls show the
 * re-enable (by hand) and the disable that follows. Runs after each batch with the sample budgets.
 */
export function afternoonOperator(): AfterBatch {
  let done = false;
  return (ctx, batch) => {
    if (done || batch.atMs < ctx.day.start.getTime() + OPERATOR_HOUR * 3_600_000) return;
    done = true;
    const account = ctx.athena.account;
    for (const name of account.workGroupNames()) {
      if (account.getWorkGroup(name)?.State === 'DISABLED') {
        account.updateWorkGroup({ WorkGroup: name, State: 'ENABLED' });
      }
    }
  };
}

/** The limits a budget sets, formatted: `39.00 USD`, `120.000 DPU-h`. */
function limitsOf(
  budget: Partial<Pick<Budget, 'limitDpuHours' | 'limitUsd' | 'limitBytes'>>,
): string[] {
  const limits: [LimitUnit, number | undefined][] = [
    ['dpuHours', budget.limitDpuHours],
    ['usd', budget.limitUsd],
    ['bytes', budget.limitBytes],
  ];
  return limits.flatMap(([unit, value]) =>
    value === undefined ? [] : [formatQuantity(unit, value)],
  );
}

/**
 * (b) Reports at the end of the run, with everything still running: the `athena-cost status`
 * and `athena-cost report` tables for the simulated day, run through the real CLI against the
 * local endpoints, and the HTML report written to `reports/`. "Now" is the last instant of the
 * simulated day, so status shows that day's period and its forecast. Last, one alert as e-mail and
 * as the chat card, and the daily digest of the simulated day.
 */
export async function printReports(
  ctx: LocalModeContext,
  summary: LocalModeSummary,
): Promise<void> {
  const endOfDay = new Date(Math.min(ctx.clock.nowMs, ctx.day.end.getTime() - 1));
  let pending = '';
  const stdout = {
    write: (text: string) => {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) ctx.out(`  ${line}`);
      return true;
    },
  };
  const io = {
    stdout,
    stderr: process.stderr,
    env: { ...process.env, ...ctx.env },
    cwd: process.cwd(),
    now: () => endOfDay,
  };
  const day = ctx.day.day;
  const table = ['--table', ctx.tableName];
  const run = async (title: string, argv: string[]) => {
    ctx.out();
    ctx.out(`${title}  $ athena-cost ${argv.join(' ')}`);
    const exitCode = await runCli([...argv, ...table], io);
    if (pending !== '') stdout.write('\n');
    if (exitCode !== 0) ctx.out(`  (exited ${exitCode})`);
  };
  await run('Budgets:', ['status']);
  await run('Usage:', ['report', '--from', day, '--to', day, '--by', 'workgroup', '--top', '5']);
  await run('Spark sessions:', ['sessions', '--workgroup', SPARK_WORKGROUP]);
  const htmlPath = resolve('reports', `athena-cost-${day}.html`);
  await mkdir(dirname(htmlPath), { recursive: true });
  await run('HTML report:', [
    'report',
    '--from',
    day,
    '--to',
    day,
    '--format',
    'html',
    '--out',
    htmlPath,
  ]);
  await printAlertsAndDigest(ctx, summary);
}
