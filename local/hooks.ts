import type { LocalModeContext, LocalModeSummary } from './run-local-mode.js';

/**
 * Extension points of local mode (`npm start`). `runLocalMode` calls them at fixed moments;
 * fill them in here without touching the simulation.
 */

/**
 * (a) Sample budgets, created before the simulation starts.
 *
 * Called once the table exists, the handler is bundled and loaded and the Athena stand-in holds
 * the day's workgroups, but before the first query is submitted (the simulated clock reads
 * 00:00 UTC of `ctx.day.day`). Returns one line per budget; they are printed under "Budgets".
 *
 * Intended use: store budgets in `ctx.tableName` (through `ctx.clients.documents`, or the CLI
 * run with `ctx.env`) so that one workgroup gets throttled, then disabled during the day.
 * `ctx.plannedTotals` holds each workgroup's usage for the whole day as planned, to size limits
 * (e.g. a day limit at 60% of a workgroup's planned DPU-hours). The simulation honours what the
 * enforcer does to the Athena stand-in: once a workgroup is DISABLED its later queries are
 * rejected at submission, a lowered `max-dpu-count` caps later queries' DPUs (they run longer),
 * a lowered `BytesScannedCutoffPerQuery` cancels bigger scans, and StopQueryExecution cancels
 * running queries. The ground truth follows, so the totals check still applies.
 *
 * For now: no budgets.
 */
export async function seedBudgets(_ctx: LocalModeContext): Promise<readonly string[]> {
  return [];
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
