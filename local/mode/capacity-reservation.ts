import type { QueryExecution } from '@aws-sdk/client-athena';
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
import { DynamoDbUsageReportSource } from '../../lib/store/dynamodb-usage-report-source.js';
import { dpuHoursFromMillis, usdFromNano } from '../../lib/usage/pricing.js';
import { wireRecordReservationUsage } from '../../lib/wiring/wire-capacity-function.js';
import {
  addReservationTo,
  publishConsumedTo,
  type SimulatedReservation,
  simulatedReservationOf,
} from '../simulation/simulated-reservation.js';
import type { LocalModeContext } from './context.js';

/**
 * The simulated day's capacity reservation, counted by the capacity function's use case as it
 * runs in AWS: a first run at 00:03 (which starts its watermark at midnight) and one at 00:03 the
 * next day that counts the whole day, against the Athena and CloudWatch stand-ins and the table.
 */

const LAG_MS = 3 * 60_000;
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
  let runAt = new Date(ctx.day.start.getTime() + LAG_MS);
  const record = wireRecordReservationUsage({
    config: loadConfig(process.env),
    athena: ctx.clients.athena,
    cloudWatch: ctx.clients.cloudwatch,
    documents: ctx.clients.documents,
    logger: quiet,
    clock: () => runAt,
  });
  await record();
  return {
    finish: async (executions) => {
      const usedTruth = publishConsumedTo(ctx.cloudWatch.metrics, ctx.day, reservation, executions);
      runAt = new Date(ctx.day.end.getTime() + LAG_MS);
      await record();
      return readResult(ctx, reservation, usedTruth);
    },
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
  return lines;
}
