import type { QueryExecution } from '@aws-sdk/client-athena';
import { SnsAlertPublisher } from '../../lib/alerts/sns-alert-publisher.js';
import { parseReservationBudget } from '../../lib/budgets/reservation-budget.js';
import { loadReservationBudgetStatuses } from '../../lib/budgets/reservation-budget-status.js';
import type { CapacityRunResult } from '../../lib/capacity/capacity-run.js';
import { loadConfig } from '../../lib/config.js';
import { formatDpuHours, formatPercent, formatUsd } from '../../lib/format/format-values.js';
import type { Log } from '../../lib/log.js';
import {
  loadReservationReport,
  type RightSizingFields,
  rightSizingFields,
  rightSizingText,
} from '../../lib/reports/reservation-report.js';
import { loadUsageReport } from '../../lib/reports/usage-report.js';
import { DynamoDbReservationBudgetStore } from '../../lib/store/dynamodb-budget-store.js';
import { DynamoDbReservationEnforcementStore } from '../../lib/store/dynamodb-enforcement-store.js';
import { DynamoDbReservationCounterReader } from '../../lib/store/dynamodb-reservation-counter-reader.js';
import { DynamoDbUsageReportSource } from '../../lib/store/dynamodb-usage-report-source.js';
import { dpuHoursFromMillis, usdFromNano } from '../../lib/usage/pricing.js';
import { wireCapacityRun } from '../../lib/wiring/wire-capacity-function.js';
import {
  addReservationTo,
  publishConsumedTo,
  type SimulatedReservation,
  simulatedReservationOf,
} from '../simulation/simulated-reservation.js';
import type { LocalModeContext } from './context.js';

/**
 * The simulated day's capacity reservation, counted by the capacity function's use case as it
 * runs in AWS: a first run at 00:03 (which starts its watermark at midnight), one at 23:58 that
 * counts to 23:55 and evaluates the reservation budget (with the sample budgets), and one at
 * 00:03 the next day that counts the rest, against the Athena, CloudWatch and SNS stand-ins and
 * the table.
 */

const LAG_MS = 3 * 60_000;
/**
 * The sample reservation budget: the day bills 662.40 USD (2,208 DPU-hours), so by 23:55 it is
 * over 600 USD; the scale-down asks for half the night allocation.
 */
const SAMPLE_RESERVATION_BUDGET = {
  period: 'day',
  limitUsd: 600,
  thresholds: [
    { percent: 80, action: 'notify' },
    { percent: 100, action: 'scale-down' },
  ],
  scaleDownDpus: 32,
} as const;
const quiet: Log = { info: () => {}, warn: () => {}, error: () => {} };

/** What local mode shows of the reservation, and checks. */
export interface ReservationResult {
  readonly name: string;
  readonly workgroups: readonly string[];
  /** The simulation's allocated DPU-ms: the bill's truth. */
  readonly truthDpuMillis: number;
  /** The simulation's used DPU-ms (DpuCount × engine time of its queries): DPUConsumed's truth. */
  readonly usedTruthDpuMillis: number;
  /** What the reservation counter of the day holds. */
  readonly allocatedDpuMillis: number;
  readonly usedDpuMillis: number;
  readonly usedSource: string;
  /** The right-sizing hint of the day, as `report --by reservation` shows it. */
  readonly rightSizing: RightSizingFields | undefined;
  readonly costNanoUsd: number;
  readonly utilizationPercent: number | null;
  readonly billed: readonly {
    readonly workgroup: string;
    readonly costNanoUsd: number;
    readonly billedNanoUsd: number;
  }[];
  /** The sample reservation budget's day, when sample budgets are on. */
  readonly budget?: ReservationBudgetResult | undefined;
}

/** What the sample reservation budget did, and the figures `status` and the report show. */
export interface ReservationBudgetResult {
  readonly limitUsd: number;
  readonly scaleDownDpus: number;
  /** `status --reservation`'s used percent and cost of the day. */
  readonly usedPercent: number;
  readonly statusCostUsd: number;
  /** `report --by reservation`'s cost of the day. */
  readonly reportCostUsd: number;
  /** UpdateCapacityReservation calls the budget made: the targets requested. */
  readonly requestedTargets: readonly number[];
  readonly fromDpus: number;
  /** The actions recorded for the day: `<percent>:<action> <status>`. */
  readonly actions: readonly string[];
}

export interface ReservationAccounting {
  /**
   * Publishes the day's DPUConsumed from the executions that ran, counts the day (call after it
   * was played) and reads the report's figures back.
   */
  finish(executions: Iterable<QueryExecution>): Promise<ReservationResult>;
}

/** Adds the reservation to the stand-ins and makes the first capacity run, at 00:03. */
export async function startReservationAccounting(
  ctx: LocalModeContext,
): Promise<ReservationAccounting> {
  const reservation = simulatedReservationOf(ctx.day);
  addReservationTo(ctx.athena.account, ctx.cloudWatch.metrics, ctx.day, reservation);
  const config = loadConfig(process.env);
  if (ctx.options.sampleBudgets) {
    const parsed = parseReservationBudget({
      ...SAMPLE_RESERVATION_BUDGET,
      reservation: reservation.name,
      updatedAt: new Date(ctx.day.start.getTime() - 3_600_000).toISOString(),
    });
    if (!parsed.ok) throw new Error(`the sample reservation budget is invalid: ${parsed.reason}`);
    await new DynamoDbReservationBudgetStore(ctx.clients.documents, ctx.tableName).put(
      parsed.budget,
    );
  }
  let runAt = new Date(ctx.day.start.getTime() + LAG_MS);
  const run = wireCapacityRun({
    config,
    athena: ctx.clients.athena,
    cloudWatch: ctx.clients.cloudwatch,
    documents: ctx.clients.documents,
    alerts: new SnsAlertPublisher(quiet, ctx.clients.sns, ctx.alertsTopicArn),
    logger: quiet,
    clock: () => runAt,
  });
  const runAtMs = async (ms: number): Promise<CapacityRunResult> => {
    runAt = new Date(ms);
    return run();
  };
  await runAtMs(runAt.getTime());
  return {
    finish: async (executions) => {
      const usedTruth = publishConsumedTo(ctx.cloudWatch.metrics, ctx.day, reservation, executions);
      const fromDpus = ctx.athena.account.getCapacityReservation(reservation.name)?.TargetDpus ?? 0;
      const lastOfDay = ctx.day.end.getTime() - 2 * 60_000;
      await runAtMs(lastOfDay);
      const budget = ctx.options.sampleBudgets
        ? await readBudgetResult(ctx, reservation, new Date(lastOfDay), fromDpus)
        : undefined;
      await runAtMs(ctx.day.end.getTime() + LAG_MS);
      return { ...(await readResult(ctx, reservation, usedTruth)), budget };
    },
  };
}

/** The sample budget as `status --reservation` and `report --by reservation` show it at `at`. */
async function readBudgetResult(
  ctx: LocalModeContext,
  reservation: SimulatedReservation,
  at: Date,
  fromDpus: number,
): Promise<ReservationBudgetResult> {
  const { documents } = ctx.clients;
  const budgets = new DynamoDbReservationBudgetStore(documents, ctx.tableName);
  const counters = new DynamoDbReservationCounterReader(documents, ctx.tableName, 4);
  const enforcement = new DynamoDbReservationEnforcementStore(documents, ctx.tableName);
  const [{ statuses }, report] = await Promise.all([
    loadReservationBudgetStatuses(
      {
        budgets: () => budgets.list(),
        counters: (period, keys) => counters.read(period, keys),
        actions: (key) => enforcement.actions(key),
      },
      at,
      reservation.name,
    ),
    loadReservationReport(new DynamoDbUsageReportSource(documents, ctx.tableName), {
      from: ctx.day.day,
      to: ctx.day.day,
    }),
  ]);
  const status = statuses[0];
  const row = report.rows.find((candidate) => candidate.reservation === reservation.name);
  return {
    limitUsd: SAMPLE_RESERVATION_BUDGET.limitUsd,
    scaleDownDpus: SAMPLE_RESERVATION_BUDGET.scaleDownDpus,
    usedPercent: status?.usedPercent ?? 0,
    statusCostUsd: status?.costUsd ?? 0,
    reportCostUsd: usdFromNano(row?.counter.costNanoUsd ?? 0),
    requestedTargets: ctx.athena.account.updateCapacityReservationCalls
      .filter((call) => call.input.Name === reservation.name && call.error === undefined)
      .map((call) => call.input.TargetDpus ?? 0),
    fromDpus,
    actions: (status?.actions ?? []).map(
      (action) => `${action.threshold ?? '?'}% ${action.action} ${action.status}`,
    ),
  };
}

async function readResult(
  ctx: LocalModeContext,
  reservation: SimulatedReservation,
  usedTruthDpuMillis: number,
): Promise<ReservationResult> {
  const source = new DynamoDbUsageReportSource(ctx.clients.documents, ctx.tableName);
  const range = { from: ctx.day.day, to: ctx.day.day };
  const [reservations, usage] = await Promise.all([
    loadReservationReport(source, range),
    loadUsageReport(source, { range, by: 'day', top: 0 }),
  ]);
  const row = reservations.rows.find((candidate) => candidate.reservation === reservation.name);
  const counter = row?.counter;
  const hint = reservations.rightSizing.find((each) => each.reservation === reservation.name);
  const allocated = counter?.allocatedDpuMillis ?? 0;
  return {
    name: reservation.name,
    workgroups: reservation.workgroups,
    truthDpuMillis: reservation.allocatedDpuMillis,
    usedTruthDpuMillis,
    allocatedDpuMillis: allocated,
    usedDpuMillis: counter?.usedDpuMillis ?? 0,
    usedSource: counter?.usedSource ?? 'nothing counted',
    rightSizing: hint === undefined ? undefined : rightSizingFields(hint),
    costNanoUsd: counter?.costNanoUsd ?? 0,
    utilizationPercent: allocated > 0 ? ((counter?.usedDpuMillis ?? 0) / allocated) * 100 : null,
    billed: usage.rows
      .filter((row) => reservation.workgroups.includes(row.workgroup))
      .map((row) => ({
        workgroup: row.workgroup,
        costNanoUsd: row.totals.costNanoUsd,
        billedNanoUsd: row.billedNanoUsd,
      })),
  };
}

/** The reservation's lines of the summary, with a ✓ or ✗ for each check. */
export function formatReservation(result: ReservationResult): string[] {
  const hours = (dpuMillis: number) => formatDpuHours(dpuHoursFromMillis(dpuMillis));
  const usd = (nanoUsd: number) => formatUsd(usdFromNano(nanoUsd));
  const idle = Math.max(0, result.allocatedDpuMillis - result.usedDpuMillis);
  const billedSum = result.billed.reduce((sum, row) => sum + row.billedNanoUsd, 0);
  const attributedSum = result.billed.reduce((sum, row) => sum + row.costNanoUsd, 0);
  const lines = [
    `Capacity reservation ${result.name} (serves ${result.workgroups.join(', ')}):`,
    `  allocated ${hours(result.allocatedDpuMillis)} DPU-hours ${result.allocatedDpuMillis === result.truthDpuMillis ? '✓' : '✗'} the simulation allocated ${hours(result.truthDpuMillis)}; cost ${usd(result.costNanoUsd)} USD`,
    `  used      ${hours(result.usedDpuMillis)} DPU-hours (${result.usedSource}) ${result.usedDpuMillis === result.usedTruthDpuMillis ? '✓' : '✗'} the simulation used ${hours(result.usedTruthDpuMillis)}; idle ${hours(idle)} DPU-hours${result.utilizationPercent === null ? '' : `, utilization ${formatPercent(result.utilizationPercent)}`}`,
    ...(result.rightSizing === undefined
      ? []
      : [`  right-sizing: ${rightSizingText(result.rightSizing)}`]),
    `  per workgroup: attributed cost → billed cost`,
  ];
  for (const row of result.billed)
    lines.push(
      `    ${row.workgroup.padEnd(14)} ${usd(row.costNanoUsd).padStart(10)} → ${usd(row.billedNanoUsd).padStart(10)} USD`,
    );
  lines.push(
    `  ${billedSum === result.costNanoUsd ? '✓' : '✗'} billed costs sum to the reservation's cost: ${usd(billedSum)} USD (attributed ${usd(attributedSum)} USD)`,
  );
  const budget = result.budget;
  if (budget !== undefined) {
    const once =
      budget.requestedTargets.length === 1 && budget.requestedTargets[0] === budget.scaleDownDpus;
    lines.push(
      `  budget (day, ${formatUsd(budget.limitUsd)} USD, notify 80 %, scale-down 100 % to ${budget.scaleDownDpus} DPUs), evaluated by the capacity run at 23:58: ${formatPercent(budget.usedPercent)} used; ${budget.actions.join(', ')}`,
      `  ${once ? '✓' : '✗'} scaled down once: UpdateCapacityReservation TargetDpus ${budget.fromDpus} → ${budget.requestedTargets.join(', ') || 'none'} (given back by restore after the day)`,
      `  ${budget.statusCostUsd === budget.reportCostUsd ? '✓' : '✗'} status shows the cost report --by reservation shows: ${formatUsd(budget.statusCostUsd)} USD by 23:55`,
    );
  }
  return lines;
}
