import { describe, expect, it } from 'vitest';
import {
  type AccountingInput,
  accountReservation,
  allocatedMillisBetween,
  attributionDays,
  type ObservedReservation,
  type ReservationState,
} from '../../lib/capacity/reservation-accounting.js';

const MINUTE = 60_000;
const PRICING = { pricePerDpuHourUsd: 0.3, pricePerTbScannedUsd: 5 };
const at = (iso: string) => new Date(iso);

const observed = (overrides: Partial<ObservedReservation> = {}): ObservedReservation => ({
  name: 'nightly',
  status: 'ACTIVE',
  targetDpus: 8,
  allocatedDpus: 8,
  lastSuccessfulAllocationTime: at('2026-11-29T00:00:00Z'),
  workgroups: ['etl'],
  ...overrides,
});

/** The reservation as observed once its allocation changed to `dpus` DPUs at `iso`. */
const allocationChanged = (dpus: number, iso: string) =>
  observed({ allocatedDpus: dpus, lastSuccessfulAllocationTime: at(iso) });

/** A CloudWatch series of one value a minute: the minute's start (epoch ms) → the value. */
const perMinute = (values: Readonly<Record<string, number>>): Map<number, number> =>
  new Map(Object.entries(values).map(([iso, value]) => [Date.parse(iso), value]));

const saved = (overrides: Partial<ReservationState> = {}): ReservationState => ({
  reservation: 'nightly',
  watermark: '2026-11-30T10:00:00.000Z',
  allocations: [{ from: '2026-11-29T00:00:00.000Z', dpus: 8 }],
  attributedSeen: { etl: { '2026-11-29': 0, '2026-11-30': 1_000 } },
  workgroups: ['etl'],
  status: 'ACTIVE',
  targetDpus: 8,
  version: 4,
  ...overrides,
});

const input = (overrides: Partial<AccountingInput>): AccountingInput => ({
  state: saved(),
  observed: observed(),
  now: at('2026-11-30T10:08:00Z'),
  end: at('2026-11-30T10:05:00Z'),
  maxCatchUpMs: 86_400_000,
  series: {},
  days: ['2026-11-29', '2026-11-30'],
  attributedByDay: new Map([
    [
      'etl',
      new Map([
        ['2026-11-29', 0],
        ['2026-11-30', 1_000],
      ]),
    ],
  ]),
  pricing: PRICING,
  ...overrides,
});

const dayIncrement = (result: ReturnType<typeof accountReservation>, day = '2026-11-30') =>
  result.increments.find((increment) => increment.period === 'day' && increment.key === day);

describe('accountReservation', () => {
  it('counts the allocated DPU-ms of every minute since the watermark and moves it to the end', () => {
    // Act
    const result = accountReservation(input({}));

    // Assess: 5 minutes of 8 DPUs; 40 DPU-minutes at $0.30 per DPU-hour is $0.20.
    expect(dayIncrement(result)).toMatchObject({
      allocatedDpuMillis: 8 * 5 * MINUTE,
      costNanoUsd: 200_000_000,
      minutes: 5,
      usedSource: 'attributed',
    });
    expect(result.increments.map((increment) => `${increment.period}#${increment.key}`)).toEqual([
      'day#2026-11-30',
      'week#2026-W49',
      'month#2026-11',
    ]);
    expect(result.next.watermark).toBe('2026-11-30T10:05:00.000Z');
    expect(result.next.version).toBe(4);
  });

  it('places an allocation change at LastSuccessfulAllocationTime, to the millisecond', () => {
    // Prepare: the reservation grew from 8 to 12 DPUs at 10:02:30.
    const grown = { ...allocationChanged(12, '2026-11-30T10:02:30Z'), targetDpus: 12 };

    // Act
    const result = accountReservation(input({ observed: grown }));

    // Assess: 2.5 minutes at 8, 2.5 minutes at 12.
    expect(dayIncrement(result)?.allocatedDpuMillis).toBe(8 * 150_000 + 12 * 150_000);
    // Only the change in effect at the new watermark is kept.
    expect(result.next.allocations).toEqual([{ from: '2026-11-30T10:02:30.000Z', dpus: 12 }]);
  });

  it('keeps a change reported after the end for the next run', () => {
    // Prepare: the change happened at 10:06, after this run's end (10:05) but before now.
    const shrunk = allocationChanged(4, '2026-11-30T10:06:00Z');
    const result = accountReservation(input({ observed: shrunk }));
    const next = accountReservation(
      input({
        state: { ...result.next, version: 5 },
        observed: shrunk,
        now: at('2026-11-30T10:13:00Z'),
        end: at('2026-11-30T10:10:00Z'),
      }),
    );

    // Assess
    expect(dayIncrement(result)?.allocatedDpuMillis).toBe(8 * 5 * MINUTE);
    expect(dayIncrement(next)?.allocatedDpuMillis).toBe(8 * MINUTE + 4 * 4 * MINUTE);
  });

  it('never recounts time before the watermark when a change is reported late', () => {
    // Prepare: AWS says the change happened at 09:00, but 09:00-10:00 was counted at 8 DPUs.
    const result = accountReservation(
      input({ observed: allocationChanged(16, '2026-11-30T09:00:00Z') }),
    );

    // Assess: placed at the watermark, and said so.
    expect(dayIncrement(result)?.allocatedDpuMillis).toBe(16 * 5 * MINUTE);
    expect(result.notes).toEqual([expect.stringContaining('placed at 2026-11-30T10:00:00.000Z')]);
  });

  it('takes DPUAllocated and DPUConsumed minutes where CloudWatch has them, the timeline elsewhere', () => {
    // Prepare: the metrics have minutes 10:00 and 10:01 only.
    const series = {
      allocated: perMinute({ '2026-11-30T10:00:00Z': 7.5, '2026-11-30T10:01:00Z': 8 }),
      consumed: perMinute({ '2026-11-30T10:00:00Z': 3 }),
    };

    // Act
    const result = accountReservation(input({ series }));

    // Assess
    expect(dayIncrement(result)).toMatchObject({
      allocatedDpuMillis: 7.5 * MINUTE + 8 * MINUTE + 3 * 8 * MINUTE,
      usedDpuMillis: 3 * MINUTE,
      usedSource: 'DPUConsumed',
    });
  });

  it('keeps the day’s minute profile: DPU-ms per hour and held minutes by the DPUs their use needed', () => {
    // Prepare: 09:58 to 10:03 at 8 DPUs; use 3 DPUs at 09:58, 5.5 at 10:00, none otherwise.
    const series = {
      consumed: perMinute({ '2026-11-30T09:58:00Z': 3, '2026-11-30T10:00:00Z': 5.5 }),
    };

    // Act
    const result = accountReservation(
      input({
        state: saved({ watermark: '2026-11-30T09:58:00.000Z' }),
        end: at('2026-11-30T10:03:00Z'),
        series,
      }),
    );

    // Assess: 5 minutes held; use rounded up to steps of 4 (3 → 4, 5.5 → 8, none → 0).
    expect(dayIncrement(result)?.minuteProfile).toEqual({
      allocatedDpuMillisByHour: { '09': 2 * 8 * MINUTE, '10': 3 * 8 * MINUTE },
      usedDpuMillisByHour: { '09': 3 * MINUTE, '10': 5.5 * MINUTE },
      usedMinutesByDpus: { '0': 3, '4': 1, '8': 1 },
      sampledAllocatedDpuMillis: 5 * 8 * MINUTE,
    });
    // Week and month counters keep sums only.
    expect(
      result.increments.filter((increment) => increment.minuteProfile !== undefined),
    ).toHaveLength(1);
  });

  it('keeps no minute-level use without DPUConsumed, only the hours allocated', () => {
    // Act
    const result = accountReservation(input({}));

    // Assess
    expect(dayIncrement(result)?.minuteProfile).toEqual({
      allocatedDpuMillisByHour: { '10': 5 * 8 * MINUTE },
      usedDpuMillisByHour: {},
      usedMinutesByDpus: {},
      sampledAllocatedDpuMillis: 0,
    });
  });

  it('credits the growth of its workgroups’ attributed usage, per workgroup and day', () => {
    // Prepare: etl grew by 500 today and by 200 yesterday (a query recorded late).
    const attributedByDay = new Map([
      [
        'etl',
        new Map([
          ['2026-11-29', 200],
          ['2026-11-30', 1_500],
        ]),
      ],
    ]);

    // Act
    const result = accountReservation(input({ attributedByDay }));

    // Assess
    expect(dayIncrement(result)).toMatchObject({
      attributedDpuMillis: 500,
      usedDpuMillis: 500,
      attributedByWorkgroup: { etl: 500 },
    });
    expect(dayIncrement(result, '2026-11-29')).toMatchObject({
      allocatedDpuMillis: 0,
      attributedDpuMillis: 200,
      minutes: 0,
    });
    expect(
      result.increments.find((increment) => increment.period === 'month')?.attributedDpuMillis,
    ).toBe(700);
    expect(result.next.attributedSeen).toEqual({ etl: { '2026-11-29': 200, '2026-11-30': 1_500 } });
  });

  it('credits a workgroup that just joined only with what it uses from now on', () => {
    // Prepare: bi joins with 9,000 DPU-ms used elsewhere today.
    const attributedByDay = new Map([
      ['etl', new Map([['2026-11-30', 1_000]])],
      ['bi', new Map([['2026-11-30', 9_000]])],
    ]);

    // Act
    const result = accountReservation(
      input({ observed: observed({ workgroups: ['etl', 'bi'] }), attributedByDay }),
    );

    // Assess
    expect(dayIncrement(result)?.attributedDpuMillis).toBe(0);
    expect(result.next.attributedSeen.bi).toEqual({ '2026-11-30': 9_000 });
  });

  it('counts nothing for a reservation seen the first time, and starts at the end', () => {
    // Act
    const result = accountReservation(input({ state: undefined }));

    // Assess
    expect(result.increments).toEqual([]);
    expect(result.next).toMatchObject({
      watermark: '2026-11-30T10:05:00.000Z',
      allocations: [{ from: '2026-11-30T10:05:00.000Z', dpus: 8 }],
      version: 0,
    });
  });

  it('stops billing at the poll that sees the reservation cancelled', () => {
    // Act
    const result = accountReservation(
      input({
        observed: observed({ status: 'CANCELLED', allocatedDpus: 8, workgroups: [] }),
        now: at('2026-11-30T10:03:00Z'),
      }),
    );

    // Assess: 3 minutes at 8 DPUs, then none.
    expect(dayIncrement(result)?.allocatedDpuMillis).toBe(8 * 3 * MINUTE);
  });

  it('splits an interval across midnight into both days, weeks and months', () => {
    // Prepare: Sunday 2026-11-29 23:58 to Monday 2026-11-30 00:03 (a new ISO week).
    const result = accountReservation(
      input({
        state: saved({ watermark: '2026-11-29T23:58:00.000Z' }),
        now: at('2026-11-30T00:06:00Z'),
        end: at('2026-11-30T00:03:00Z'),
      }),
    );

    // Assess
    const figures = Object.fromEntries(
      result.increments.map((increment) => [
        `${increment.period}#${increment.key}`,
        increment.allocatedDpuMillis,
      ]),
    );
    expect(figures).toEqual({
      'day#2026-11-29': 8 * 2 * MINUTE,
      'week#2026-W48': 8 * 2 * MINUTE,
      'month#2026-11': 8 * 5 * MINUTE,
      'day#2026-11-30': 8 * 3 * MINUTE,
      'week#2026-W49': 8 * 3 * MINUTE,
    });
  });

  it('counts at most the catch-up window per run', () => {
    // Act
    const result = accountReservation(
      input({
        state: saved({ watermark: '2026-11-30T08:00:00.000Z' }),
        maxCatchUpMs: 60 * MINUTE,
      }),
    );

    // Assess
    expect(result.next.watermark).toBe('2026-11-30T09:00:00.000Z');
    expect(dayIncrement(result)?.minutes).toBe(60);
  });
});

describe('allocatedMillisBetween and attributionDays', () => {
  it('integrates the timeline over an interval', () => {
    const timeline = [
      { from: '2026-11-30T00:00:00.000Z', dpus: 4 },
      { from: '2026-11-30T00:00:30.000Z', dpus: 8 },
    ];
    expect(
      allocatedMillisBetween(
        timeline,
        Date.parse('2026-11-30T00:00:00Z'),
        Date.parse('2026-11-30T00:01:00Z'),
      ),
    ).toBe(4 * 30_000 + 8 * 30_000);
  });

  it('reads from the day before the watermark to today, at most three days', () => {
    expect(attributionDays(at('2026-11-30T10:00:00Z'), at('2026-11-30T10:08:00Z'))).toEqual([
      '2026-11-29',
      '2026-11-30',
    ]);
    expect(attributionDays(at('2026-11-01T10:00:00Z'), at('2026-11-30T10:08:00Z'))).toEqual([
      '2026-11-28',
      '2026-11-29',
      '2026-11-30',
    ]);
    expect(attributionDays(undefined, at('2026-11-30T10:08:00Z'))).toEqual(['2026-11-30']);
  });
});
