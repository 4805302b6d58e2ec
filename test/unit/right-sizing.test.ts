import { describe, expect, it } from 'vitest';
import type { ReservationCounter } from '../../lib/capacity/billed-cost.js';
import { dpuStepOf } from '../../lib/capacity/reservation-accounting.js';
import { rightSizingOf } from '../../lib/capacity/right-sizing.js';

const MINUTE = 60_000;
/** $0.30 per DPU-hour: 5,000,000 nano-dollars per DPU-minute. */
const NANO_USD_PER_DPU_MINUTE = 5_000_000;

/** A day of `reservation` that held `dpus` every minute, with use by DPU step. */
function day(
  key: string,
  dpus: number,
  usedMinutesByDpus: Record<string, number>,
  options: { profile?: boolean; costNanoUsd?: number } = {},
): ReservationCounter {
  const minutes = Object.values(usedMinutesByDpus).reduce((sum, count) => sum + count, 0);
  return {
    reservation: 'nightly',
    period: 'day',
    key,
    allocatedDpuMillis: dpus * minutes * MINUTE,
    usedDpuMillis: 0,
    attributedDpuMillis: 0,
    attributedByWorkgroup: {},
    costNanoUsd: options.costNanoUsd ?? dpus * minutes * NANO_USD_PER_DPU_MINUTE,
    minutes,
    ...(options.profile === false
      ? {}
      : {
          minuteProfile: {
            allocatedDpuMillisByHour: {},
            usedDpuMillisByHour: {},
            usedMinutesByDpus,
            sampledAllocatedDpuMillis: dpus * minutes * MINUTE,
          },
        }),
  };
}

describe('rightSizingOf', () => {
  it('sizes to the step the 95th percentile minute needed, over every day of the period', () => {
    // Prepare: 200 minutes at 64 DPUs; 180 needed at most 12, 10 needed 20, 10 needed 64.
    // Sorted, the 190th minute (the nearest rank of p95) is the last of the 20s.
    const days = [
      day('2026-11-29', 64, { '0': 100, '12': 40, '64': 10 }),
      day('2026-11-30', 64, { '8': 40, '20': 10 }),
    ];

    // Act
    const hint = rightSizingOf('nightly', days);

    // Assess: 20 DPUs instead of 64 over the 200 minutes: 64,000,000,000 vs 20,000,000,000.
    expect(hint).toEqual({
      ok: true,
      reservation: 'nightly',
      sampledMinutes: 200,
      countedMinutes: 200,
      p95UsedDpus: 20,
      hintDpus: 20,
      sampledCostNanoUsd: 64 * 200 * NANO_USD_PER_DPU_MINUTE,
      hintCostNanoUsd: 20 * 200 * NANO_USD_PER_DPU_MINUTE,
      savingNanoUsd: 44 * 200 * NANO_USD_PER_DPU_MINUTE,
    });
  });

  it('never hints below the smallest reservation, 4 DPUs', () => {
    // Act: a reservation nobody used.
    const hint = rightSizingOf('nightly', [day('2026-11-30', 8, { '0': 60 })]);

    // Assess
    expect(hint).toMatchObject({ ok: true, p95UsedDpus: 0, hintDpus: 4 });
    expect(hint.ok && hint.savingNanoUsd).toBe(4 * 60 * NANO_USD_PER_DPU_MINUTE);
  });

  it('shows a negative saving when the reservation was too small for its p95 minute', () => {
    // Act: 8 DPUs held, queries needing 16 most of the time (averaged use can exceed what a
    // reservation holds only by a step's rounding; here it stands for a queue that built up).
    const hint = rightSizingOf('nightly', [day('2026-11-30', 8, { '16': 100 })]);

    // Assess
    expect(hint).toMatchObject({ ok: true, hintDpus: 16 });
    expect(hint.ok && hint.savingNanoUsd).toBe(-8 * 100 * NANO_USD_PER_DPU_MINUTE);
  });

  it('prices at what each day was billed at, and counts days without a profile as not sampled', () => {
    // Prepare: one day measured at $0.60 per DPU-hour; one day without DPUConsumed.
    const dearer = day(
      '2026-11-30',
      16,
      { '4': 60 },
      { costNanoUsd: 16 * 60 * 2 * NANO_USD_PER_DPU_MINUTE },
    );
    const unmeasured = day('2026-11-29', 16, { '4': 1_440 }, { profile: false });

    // Act
    const hint = rightSizingOf('nightly', [dearer, unmeasured]);

    // Assess
    expect(hint).toMatchObject({
      ok: true,
      sampledMinutes: 60,
      countedMinutes: 1_500,
      hintDpus: 4,
      hintCostNanoUsd: 2 * 4 * 60 * NANO_USD_PER_DPU_MINUTE,
    });
  });

  it('gives no hint, and says why, without minute-level use', () => {
    // Act
    const withoutMetric = rightSizingOf('nightly', [
      day('2026-11-30', 8, { '0': 10 }, { profile: false }),
    ]);
    const other = rightSizingOf('other', [day('2026-11-30', 8, { '4': 10 })]);

    // Assess
    expect(withoutMetric).toEqual({
      ok: false,
      reservation: 'nightly',
      countedMinutes: 10,
      reason: 'no minute-level use: its workgroups publish no DPUConsumed metric',
    });
    expect(other).toEqual({
      ok: false,
      reservation: 'other',
      countedMinutes: 0,
      reason: 'no minutes counted in the period',
    });
  });
});

describe('dpuStepOf', () => {
  it('rounds a minute’s average use up to the step of 4, ignoring float noise', () => {
    expect([0, 0.1, 4, 4.01, 8.0000000001, 123.5].map(dpuStepOf)).toEqual([0, 4, 4, 8, 8, 124]);
  });
});
