import { parseBudget } from '../lib/budgets/budget.js';
import { DynamoDbBudgetStore } from '../lib/store/dynamodb-budget-store.js';
import { dpuHoursFromMillis, usdFromNano } from '../lib/usage/pricing.js';
import type { LocalModeContext, LocalModeSummary } from './run-local-mode.js';

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
 * truth follows.
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
    budgets.push({
      workgroup: capacity.name,
      period: 'day',
      limitDpuHours: Math.max(1, Math.round(plannedDpuHours * 0.6)),
      thresholds: [
        { percent: 50, action: 'notify' },
        { percent: 80, action: 'throttle' },
        { percent: 100, action: 'disable' },
      ],
      throttleMaxDpu: 8,
      updatedAt,
    });
  }
  if (onDemand !== undefined) {
    const plannedUsd = usdFromNano(planned(onDemand.name)?.costNanoUsd ?? 0);
    budgets.push({
      workgroup: onDemand.name,
      period: 'day',
      // On-demand queries use no DPU-hours: the USD limit is the one that binds.
      limitDpuHours: 1_000,
      limitUsd: Math.max(1, Math.round(plannedUsd * 0.7)),
      thresholds: [
        { percent: 50, action: 'notify' },
        { percent: 90, action: 'throttle' },
      ],
      throttleBytesScannedCutoff: 10 * 1024 ** 3,
      updatedAt,
    });
  }
  const lines: string[] = [];
  for (const input of budgets) {
    const parsed = parseBudget(input);
    if (!parsed.ok) throw new Error(`sample budget is invalid: ${parsed.reason}`);
    await store.put(parsed.budget);
    const { budget } = parsed;
    const limit =
      budget.limitUsd !== undefined
        ? `${budget.limitUsd} USD`
        : `${budget.limitDpuHours} DPU-hours`;
    const thresholds = budget.thresholds.map((t) => `${t.action} at ${t.percent}%`).join(', ');
    lines.push(`${budget.workgroup}: ${limit} per ${budget.period}; ${thresholds}`);
  }
  return lines;
}

/**
 * (b) Reports at the end of the run.
 *
 * Called after the summary is printed, with everything still running (DynamoDB, stand-ins;
 * the simulated clock at the end of the day). Intended use: print the `athena-cost status` and
 * `athena-cost report` tables for `ctx.day.day` (e.g. by running the CLI with `ctx.env`, which
 * points every AWS client at the local endpoints), write the HTML report, and list the
 * UpdateWorkGroup calls the enforcer made (`ctx.athena.account.updateWorkGroupCalls`) and the
 * alerts it published (`ctx.sns.messages`). Write with `ctx.out`.
 *
 * For now: prints nothing.
 */
export async function printReports(
  _ctx: LocalModeContext,
  _summary: LocalModeSummary,
): Promise<void> {}
