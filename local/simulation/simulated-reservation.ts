import type { QueryExecution } from '@aws-sdk/client-athena';
import type { SimulatedAthenaAccount } from '../stand-ins/athena-stand-in.js';
import type { MetricStore } from '../stand-ins/cloudwatch-stand-in.js';
import type { SimulatedDay } from './simulated-day.js';

/**
 * The simulated account's capacity reservation: it serves the capacity workgroups all day, with
 * a larger allocation over the working hours and the base one through the idle night. What it
 * allocates is the ground truth of the bill; the Athena stand-in answers the reservation APIs
 * from it and CloudWatch's `AWS/Athena` `DPUAllocated` is published from it, minute by minute.
 * What its queries used is the ground truth of `DPUConsumed`, published from the executions
 * that really ran once the day is played.
 */

export const SIMULATED_RESERVATION = 'capacity-reservation';
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** From `at` (ms after midnight) on, the reservation holds `dpus`. */
export interface SimulatedAllocation {
  readonly atMs: number;
  readonly dpus: number;
}

/** Night 64 DPUs, 128 from 08:30 to 19:00, 64 again: a change placed at a half hour. */
export const SIMULATED_ALLOCATIONS: readonly SimulatedAllocation[] = [
  { atMs: 0, dpus: 64 },
  { atMs: 8.5 * HOUR_MS, dpus: 128 },
  { atMs: 19 * HOUR_MS, dpus: 64 },
];

export interface SimulatedReservation {
  readonly name: string;
  readonly workgroups: readonly string[];
  /** The DPU-milliseconds allocated over the day: what it billed. */
  readonly allocatedDpuMillis: number;
}

/** The reservation of a simulated day: its capacity workgroups (at most 20) and the truth. */
export function simulatedReservationOf(day: SimulatedDay): SimulatedReservation {
  const workgroups = day.workgroups
    .filter((workgroup) => workgroup.kind === 'capacity')
    .map((workgroup) => workgroup.name)
    .slice(0, 20);
  let allocatedDpuMillis = 0;
  for (let minute = 0; minute < 24 * 60; minute++)
    allocatedDpuMillis += allocatedAt(minute * MINUTE_MS) * MINUTE_MS;
  return { name: SIMULATED_RESERVATION, workgroups, allocatedDpuMillis };
}

/** DPUs held `ms` after midnight. */
function allocatedAt(ms: number): number {
  let dpus = 0;
  for (const allocation of SIMULATED_ALLOCATIONS) if (allocation.atMs <= ms) dpus = allocation.dpus;
  return dpus;
}

/**
 * Creates the reservation in the Athena account as it stands at the end of the day (its last
 * change at 19:00) with its workgroups, and publishes DPUAllocated for every minute of the day
 * under the dimension spelling AWS documents.
 */
export function addReservationTo(
  account: SimulatedAthenaAccount,
  metrics: MetricStore,
  day: SimulatedDay,
  reservation: SimulatedReservation,
): void {
  const last = SIMULATED_ALLOCATIONS.at(-1) ?? { atMs: 0, dpus: 4 };
  account.putCapacityReservation({
    Name: reservation.name,
    TargetDpus: last.dpus,
    AllocatedDpus: last.dpus,
    CreationTime: new Date(day.start.getTime() - 30 * 24 * HOUR_MS),
    LastSuccessfulAllocationTime: new Date(day.start.getTime() + last.atMs),
  });
  account.assignWorkGroups(reservation.name, reservation.workgroups);
  for (let minute = 0; minute < 24 * 60; minute++)
    metrics.publishServiceDatum({
      namespace: 'AWS/Athena',
      metricName: 'DPUAllocated',
      dimensions: [{ Name: 'CapacityReservation', Value: reservation.name }],
      timestamp: new Date(day.start.getTime() + minute * MINUTE_MS),
      value: allocatedAt(minute * MINUTE_MS),
    });
}

/**
 * Publishes `DPUConsumed` for every minute of the day from the executions that ran on the
 * reservation's workgroups: each query holds its `DpuCount` from `CompletionDateTime` minus its
 * engine time to its completion, and a minute's value is the DPUs used on average in it (as
 * CloudWatch's 60-second Average reads it). Returns the DPU-ms used: the truth the counter's used
 * DPU-hours are checked against.
 */
export function publishConsumedTo(
  metrics: MetricStore,
  day: SimulatedDay,
  reservation: SimulatedReservation,
  executions: Iterable<QueryExecution>,
): number {
  const dayStart = day.start.getTime();
  const usedByMinute = new Array<number>(24 * 60).fill(0);
  const served = new Set(reservation.workgroups);
  for (const execution of executions) {
    const dpus = execution.Statistics?.DpuCount;
    const engineMs = execution.Statistics?.EngineExecutionTimeInMillis ?? 0;
    const completion = execution.Status?.CompletionDateTime?.getTime();
    if (!served.has(execution.WorkGroup ?? '') || dpus === undefined || completion === undefined)
      continue;
    const end = Math.min(completion, day.end.getTime());
    for (let from = Math.max(completion - engineMs, dayStart); from < end; ) {
      const minute = Math.floor((from - dayStart) / MINUTE_MS);
      const until = Math.min(end, dayStart + (minute + 1) * MINUTE_MS);
      usedByMinute[minute] = (usedByMinute[minute] ?? 0) + dpus * (until - from);
      from = until;
    }
  }
  for (const [minute, dpuMillis] of usedByMinute.entries())
    metrics.publishServiceDatum({
      namespace: 'AWS/Athena',
      metricName: 'DPUConsumed',
      dimensions: [{ Name: 'CapacityReservation', Value: reservation.name }],
      timestamp: new Date(dayStart + minute * MINUTE_MS),
      value: dpuMillis / MINUTE_MS,
    });
  return usedByMinute.reduce((sum, dpuMillis) => sum + dpuMillis, 0);
}
