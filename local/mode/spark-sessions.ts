import { parseBudget } from '../../lib/budgets/budget.js';
import { loadConfig } from '../../lib/config.js';
import {
  formatCount,
  formatDpuHours,
  formatMinute,
  formatUsd,
} from '../../lib/format/format-values.js';
import type { Log } from '../../lib/log.js';
import { CloudWatchMetricsPublisher } from '../../lib/metrics/cloudwatch-metrics-publisher.js';
import { loadSparkConfig } from '../../lib/spark/spark-config.js';
import { DynamoDbBudgetStore } from '../../lib/store/dynamodb-budget-store.js';
import { DynamoDbUsageCounterReader } from '../../lib/store/dynamodb-usage-counter-reader.js';
import { counterId } from '../../lib/store/usage-counter-reader.js';
import { dpuHoursFromMillis, usdFromNano } from '../../lib/usage/pricing.js';
import { ZERO_TOTALS } from '../../lib/usage/usage-totals.js';
import { wireSparkBudgetEnforcer } from '../../lib/wiring/wire-spark-budget-enforcer.js';
import { wireRecordSparkSessions } from '../../lib/wiring/wire-spark-sessions-function.js';
import {
  addSparkWorkgroupTo,
  createSparkDay,
  SPARK_WORKGROUP,
} from '../simulation/simulated-spark.js';
import type { LocalModeContext } from './context.js';
import type { ScheduledRun } from './play-day.js';

/**
 * The simulated day's Spark workgroup, counted and enforced as the spark-sessions function does
 * in AWS: its sessions (local/simulation/simulated-spark.ts) are played on the Athena stand-in
 * as the simulated clock reaches their steps (all on 5-minute marks), and the sweep (with the
 * Spark budget enforcer as its afterSparkUsage) runs every 5 simulated minutes, as scheduled,
 * and once more at the day's last millisecond. Its budget terminates the sessions at 100 %.
 */

const SWEEP_INTERVAL_MS = 5 * 60_000;
/** The Spark budget: 100 DPU-hours a day, notify at 50 %, disable-now at 100 %. */
const SPARK_LIMIT_DPU_HOURS = 100;
const quiet: Log = { info: () => {}, warn: () => {}, error: () => {} };

/** What local mode shows of the Spark workgroup, and checks. */
export interface SparkResult {
  readonly workgroup: string;
  readonly sessions: number;
  /** The sessions' own DPU time (DpuExecutionInMillis at the day's end): the bill's truth. */
  readonly truthDpuMillis: number;
  /** What the workgroup's day counter holds. */
  readonly dpuMillis: number;
  readonly costNanoUsd: number;
  readonly sweeps: number;
  /** TerminateSession calls that reached Athena: session, when. */
  readonly terminations: readonly { readonly sessionId: string; readonly at: string }[];
  /** Sessions sent TerminateSession more than once (should be none). */
  readonly terminatedTwice: readonly string[];
  readonly matches: boolean;
}

export interface SparkLocalMode {
  /** The Spark budget, as the Budgets list shows it. */
  readonly budget: string;
  /** Every 5 simulated minutes: the sessions' steps due by then, then the sweep. */
  readonly scheduled: ScheduledRun;
  /** The day's last sweep, then the figures. */
  finish(): Promise<SparkResult>;
}

/** Adds the Spark workgroup and its budget; the sessions start as the clock reaches them. */
export async function startSparkSessions(
  ctx: LocalModeContext,
  options: { readonly budget: boolean },
): Promise<SparkLocalMode> {
  const account = ctx.athena.account;
  addSparkWorkgroupTo(account);
  const day = createSparkDay(ctx.day.start, account.sessions);
  const parsed = parseBudget({
    workgroup: SPARK_WORKGROUP,
    period: 'day',
    limitDpuHours: SPARK_LIMIT_DPU_HOURS,
    thresholds: [
      { percent: 50, action: 'notify' },
      { percent: 100, action: 'disable-now' },
    ],
    updatedAt: new Date(ctx.clock.now()).toISOString(),
  });
  if (!parsed.ok) throw new Error(`Spark sample budget is invalid: ${parsed.reason}`);
  if (options.budget) {
    await new DynamoDbBudgetStore(ctx.clients.documents, ctx.tableName).put(parsed.budget);
  }

  let runAt = ctx.clock.now();
  const clock = () => runAt;
  const config = loadConfig(process.env);
  const sweep = wireRecordSparkSessions({
    config,
    sparkConfig: loadSparkConfig(process.env),
    athena: ctx.clients.athena,
    cloudWatch: ctx.clients.cloudwatch,
    documents: ctx.clients.documents,
    logger: quiet,
    clock,
    afterSparkUsage: wireSparkBudgetEnforcer({
      config,
      athena: ctx.clients.athena,
      documents: ctx.clients.documents,
      createSnsClient: () => ctx.clients.sns,
      metrics: new CloudWatchMetricsPublisher(ctx.clients.cloudwatch, ctx.metricsNamespace),
      logger: quiet,
      clock,
    }),
  });
  let sweeps = 0;
  const sweepAt = async (atMs: number) => {
    runAt = new Date(atMs);
    day.playUntil(atMs);
    await sweep();
    sweeps++;
  };

  return {
    budget: `${SPARK_WORKGROUP} (Spark): ${formatDpuHours(SPARK_LIMIT_DPU_HOURS)} DPU-h per day; notify at 50%, disable-now at 100% (terminates its sessions)`,
    scheduled: { intervalMs: SWEEP_INTERVAL_MS, run: (_ctx, atMs) => sweepAt(atMs) },
    finish: async () => {
      // The day's last sweep, within the day: usage up to midnight is the day's.
      const lastMs = ctx.day.end.getTime() - 1;
      await sweepAt(lastMs);
      const ids = account.sessions.sessionIds(SPARK_WORKGROUP);
      const truthDpuMillis = ids.reduce((sum, id) => sum + account.sessions.dpuMillisOf(id), 0);
      const key = { workgroup: SPARK_WORKGROUP, period: 'day' as const, periodKey: ctx.day.day };
      const totals =
        (
          await new DynamoDbUsageCounterReader(ctx.clients.documents, ctx.tableName).totalsFor([
            key,
          ])
        ).get(counterId(key)) ?? ZERO_TOTALS;
      const calls = account.sessions.terminateSessionCalls.filter(
        (call) => call.error === undefined && ids.includes(call.sessionId),
      );
      const seen = new Set<string>();
      const terminatedTwice = new Set<string>();
      for (const call of calls) {
        if (seen.has(call.sessionId)) terminatedTwice.add(call.sessionId);
        seen.add(call.sessionId);
      }
      return {
        workgroup: SPARK_WORKGROUP,
        sessions: ids.length,
        truthDpuMillis,
        dpuMillis: totals.dpuMillis,
        costNanoUsd: totals.costNanoUsd,
        sweeps,
        terminations: calls.map((call) => ({
          sessionId: call.sessionId,
          at: call.at.toISOString(),
        })),
        terminatedTwice: [...terminatedTwice],
        matches: totals.dpuMillis === truthDpuMillis && terminatedTwice.size === 0,
      };
    },
  };
}

/** The Spark workgroup's lines of the summary, with a ✓ or ✗ for each check. */
export function formatSpark(result: SparkResult): string[] {
  const hours = (dpuMillis: number) => formatDpuHours(dpuHoursFromMillis(dpuMillis));
  const check = (ok: boolean) => (ok ? '✓' : '✗');
  const lines = [
    `Spark workgroup ${result.workgroup} (${result.sessions} sessions, ${formatCount(result.sweeps)} sweeps):`,
    `  DPU time ${hours(result.dpuMillis)} DPU-hours ${check(result.dpuMillis === result.truthDpuMillis)} the sessions' own DpuExecutionInMillis ${hours(result.truthDpuMillis)}; cost ${formatUsd(usdFromNano(result.costNanoUsd))} USD`,
  ];
  if (result.terminations.length === 0) {
    lines.push('  no session terminated');
  } else {
    lines.push(
      `  ${check(result.terminatedTwice.length === 0)} ${result.terminations.length} sessions terminated by the budget, each once:`,
    );
    for (const call of result.terminations)
      lines.push(`    ${formatMinute(call.at)} UTC  ${call.sessionId}`);
  }
  return lines;
}
