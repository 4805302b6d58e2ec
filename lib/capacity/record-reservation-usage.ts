import type { CapacityReservations } from '../athena/capacity-reservations.js';
import type { Pricing } from '../config.js';
import { describeError } from '../errors/describe-error.js';
import type { Log } from '../log.js';
import type { ReservationDpuMetrics } from '../metrics/reservation-dpu-metrics.js';
import type { ReservationMetrics } from '../metrics/reservation-metrics.js';
import type { ReservationUsageStore } from '../store/reservation-usage-store.js';
import type { UsageCounterReader } from '../store/usage-counter-reader.js';
import { counterId } from '../store/usage-counter-reader.js';
import {
  accountReservation,
  attributionDays,
  isSettled,
  MINUTE_MS,
  minuteFloor,
  type ReservationDpuSeries,
} from './reservation-accounting.js';

export interface CapacitySettings {
  /**
   * How far behind now a run stops counting: CloudWatch publishes a minute of DPUAllocated one
   * to two minutes late (third-party measurement), so the last minutes wait for the next run.
   */
  readonly lagMs: number;
  /** A run counts at most this much per reservation; after an outage the next runs catch up. */
  readonly maxCatchUpMs: number;
}

export const DEFAULT_CAPACITY_SETTINGS: CapacitySettings = {
  lagMs: 3 * MINUTE_MS,
  maxCatchUpMs: 24 * 60 * MINUTE_MS,
};

export interface RecordReservationUsageDependencies {
  readonly reservations: CapacityReservations;
  readonly metrics: ReservationDpuMetrics;
  readonly store: ReservationUsageStore;
  /** The workgroups' usage counters, whose DPU-ms are the attributed use. */
  readonly counters: UsageCounterReader;
  /** The reservations' figures as CloudWatch metrics; none when absent. */
  readonly reservationMetrics?: ReservationMetrics;
  readonly pricing: Pricing;
  readonly logger: Log;
  readonly clock?: () => Date;
  readonly settings?: Partial<CapacitySettings>;
}

/** What one run did for one reservation. */
export interface ReservationRun {
  readonly reservation: string;
  /** The interval counted, [from, to) in ISO; equal when the reservation was first seen. */
  readonly from: string;
  readonly to: string;
  readonly allocatedDpuMillis: number;
  readonly usedDpuMillis: number;
  readonly costNanoUsd: number;
  /** False when another run had counted the interval first. */
  readonly committed: boolean;
  /**
   * `TargetDpus` as the previous run saw it (undefined for a reservation seen the first time):
   * what reservation budgets compare the current target with before scaling down.
   */
  readonly lastSeenTargetDpus?: number | undefined;
  readonly error?: string;
}

export interface RecordReservationUsageResult {
  readonly reservations: readonly ReservationRun[];
  readonly failed: number;
}

export type RecordReservationUsage = () => Promise<RecordReservationUsageResult>;

/**
 * The capacity function's use case: lists the reservations and their workgroups, reads their
 * DPUAllocated and DPUConsumed minutes and the workgroups' attributed usage, and for each
 * reservation counts [watermark, now − lag) into its day, week and month counters together with
 * the new watermark, in one transaction. A missed run leaves the watermark where it was, so the
 * next run counts the gap; an overlapping run loses the version race and counts nothing.
 */
export function createRecordReservationUsage(
  deps: RecordReservationUsageDependencies,
): RecordReservationUsage {
  const settings = { ...DEFAULT_CAPACITY_SETTINGS, ...deps.settings };
  const clock = deps.clock ?? (() => new Date());
  return async () => {
    const now = clock();
    const end = new Date(minuteFloor(now).getTime() - settings.lagMs);
    const [observed, states] = await Promise.all([
      deps.reservations.list(),
      deps.store.loadStates(),
    ]);
    const observedByName = new Map(observed.map((reservation) => [reservation.name, reservation]));
    const names = [
      ...new Set([
        ...observedByName.keys(),
        ...[...states.values()]
          .filter((state) => !isSettled(state, observedByName.get(state.reservation)))
          .map((state) => state.reservation),
      ]),
    ].sort();
    if (names.length === 0) return { reservations: [], failed: 0 };

    const watermarks = names
      .map((name) => states.get(name)?.watermark)
      .filter((watermark): watermark is string => watermark !== undefined)
      .map((watermark) => Date.parse(watermark));
    const earliest = watermarks.length === 0 ? undefined : Math.min(...watermarks);
    const series: ReadonlyMap<string, ReservationDpuSeries> =
      earliest === undefined || earliest >= end.getTime()
        ? new Map()
        : await deps.metrics.read(names, new Date(earliest), end);

    const days = attributionDays(earliest === undefined ? undefined : new Date(earliest), now);
    const workgroups = [...new Set(observed.flatMap((reservation) => reservation.workgroups))];
    const keys = workgroups.flatMap((workgroup) =>
      days.map((day) => ({ workgroup, period: 'day' as const, periodKey: day })),
    );
    const totals = keys.length === 0 ? new Map() : await deps.counters.totalsFor(keys);
    const attributedByDay = new Map<string, Map<string, number>>();
    for (const key of keys) {
      const perDay = attributedByDay.get(key.workgroup) ?? new Map<string, number>();
      perDay.set(key.periodKey, totals.get(counterId(key))?.dpuMillis ?? 0);
      attributedByDay.set(key.workgroup, perDay);
    }

    const runs: ReservationRun[] = [];
    for (const name of names) {
      const state = states.get(name);
      try {
        const { next, increments, notes } = accountReservation({
          state,
          observed: observedByName.get(name),
          now,
          end,
          maxCatchUpMs: settings.maxCatchUpMs,
          series: series.get(name) ?? {},
          days,
          attributedByDay,
          pricing: deps.pricing,
        });
        for (const note of notes) deps.logger.warn(note);
        const committed = await deps.store.commit(next, increments, now);
        if (!committed)
          deps.logger.info(`reservation ${name}: another run counted this interval first`);
        const dayIncrements = increments.filter((increment) => increment.period === 'day');
        runs.push({
          reservation: name,
          from: state?.watermark ?? next.watermark,
          to: next.watermark,
          allocatedDpuMillis: sum(dayIncrements.map((increment) => increment.allocatedDpuMillis)),
          usedDpuMillis: sum(dayIncrements.map((increment) => increment.usedDpuMillis)),
          costNanoUsd: sum(dayIncrements.map((increment) => increment.costNanoUsd)),
          committed,
          lastSeenTargetDpus: state?.targetDpus,
        });
      } catch (error) {
        deps.logger.error(`reservation ${name} could not be counted; the next run retries`, {
          error: describeError(error),
        });
        const at = state?.watermark ?? end.toISOString();
        runs.push({
          reservation: name,
          from: at,
          to: at,
          allocatedDpuMillis: 0,
          usedDpuMillis: 0,
          costNanoUsd: 0,
          committed: false,
          error: describeError(error),
        });
      }
    }
    await publishMetrics(deps, runs, now);
    return { reservations: runs, failed: runs.filter((run) => run.error !== undefined).length };
  };
}

/**
 * The intervals this run counted, as metrics. The counters are the truth: a failure to publish
 * is logged, not thrown, and the dashboard misses those minutes.
 */
async function publishMetrics(
  deps: RecordReservationUsageDependencies,
  runs: readonly ReservationRun[],
  at: Date,
): Promise<void> {
  if (deps.reservationMetrics === undefined) return;
  const counted = runs.filter((run) => run.committed && run.from !== run.to);
  if (counted.length === 0) return;
  try {
    await deps.reservationMetrics.publish(counted, at);
  } catch (error) {
    deps.logger.warn('reservation metrics could not be published', {
      error: describeError(error),
    });
  }
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
