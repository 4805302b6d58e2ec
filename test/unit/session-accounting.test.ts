import { describe, expect, it } from 'vitest';
import {
  accountSession,
  type ObservedSession,
  type SessionRecord,
  sparkCostNanoUsd,
  spreadOverDays,
} from '../../lib/spark/session-accounting.js';
import { isSparkEngineVersion } from '../../lib/spark/spark-workgroups.js';

const HOUR = 3_600_000;
const PRICE = 0.35;

const observed = (overrides: Partial<ObservedSession> = {}): ObservedSession => ({
  sessionId: 's-1',
  workgroup: 'spark',
  state: 'BUSY',
  dpuMillis: 0,
  startedAt: new Date('2026-11-30T10:00:00Z'),
  engine: { coordinatorDpuSize: 1, maxConcurrentDpus: 20, defaultExecutorDpuSize: 1 },
  ...overrides,
});

const recorded = (overrides: Partial<SessionRecord> = {}): SessionRecord => ({
  sessionId: 's-1',
  workgroup: 'spark',
  state: 'BUSY',
  dpuMillis: 2 * HOUR,
  observedAt: '2026-11-30T11:00:00.000Z',
  costNanoUsd: sparkCostNanoUsd(2 * HOUR, PRICE),
  startedAt: '2026-11-30T10:00:00.000Z',
  engine: { coordinatorDpuSize: 1, maxConcurrentDpus: 20, defaultExecutorDpuSize: 1 },
  ...overrides,
});

describe('accountSession', () => {
  it('counts all of a new session and the session itself, in the periods of its start', () => {
    // Act
    const result = accountSession({
      record: undefined,
      observed: observed({ dpuMillis: 3 * HOUR }),
      now: new Date('2026-11-30T11:00:00Z'),
      pricePerSparkDpuHourUsd: PRICE,
    });
    // Assess
    expect(result.increments).toEqual([
      {
        workgroup: 'spark',
        period: 'day',
        key: '2026-11-30',
        dpuMillis: 3 * HOUR,
        costNanoUsd: 1_050_000_000,
        sessions: 1,
      },
      {
        workgroup: 'spark',
        period: 'week',
        key: '2026-W49',
        dpuMillis: 3 * HOUR,
        costNanoUsd: 1_050_000_000,
        sessions: 1,
      },
      {
        workgroup: 'spark',
        period: 'month',
        key: '2026-11',
        dpuMillis: 3 * HOUR,
        costNanoUsd: 1_050_000_000,
        sessions: 1,
      },
    ]);
    expect(result.next).toMatchObject({ dpuMillis: 3 * HOUR, costNanoUsd: 1_050_000_000 });
    expect(result.changed).toBe(true);
  });

  it('adds only the growth since the record, and nothing when it did not grow', () => {
    // Act
    const grown = accountSession({
      record: recorded(),
      observed: observed({ dpuMillis: 2.5 * HOUR }),
      now: new Date('2026-11-30T11:05:00Z'),
      pricePerSparkDpuHourUsd: PRICE,
    });
    const same = accountSession({
      record: recorded(),
      observed: observed({ dpuMillis: 2 * HOUR }),
      now: new Date('2026-11-30T11:05:00Z'),
      pricePerSparkDpuHourUsd: PRICE,
    });
    // Assess
    expect(grown.increments.map((increment) => increment.dpuMillis)).toEqual([
      0.5 * HOUR,
      0.5 * HOUR,
      0.5 * HOUR,
    ]);
    expect(grown.increments.every((increment) => increment.sessions === 0)).toBe(true);
    expect(same.increments).toEqual([]);
    expect(same.changed).toBe(false);
  });

  it('never counts a figure below the one already counted, and says so', () => {
    // Act
    const result = accountSession({
      record: recorded(),
      observed: observed({ dpuMillis: HOUR }),
      now: new Date('2026-11-30T11:05:00Z'),
      pricePerSparkDpuHourUsd: PRICE,
    });
    // Assess
    expect(result.increments).toEqual([]);
    expect(result.next.dpuMillis).toBe(2 * HOUR);
    expect(result.notes).toHaveLength(1);
  });

  it('keeps an ended state: a stale read cannot bring a session back', () => {
    // Act
    const result = accountSession({
      record: recorded({ state: 'TERMINATED', endedAt: '2026-11-30T11:00:00.000Z' }),
      observed: observed({ dpuMillis: 2 * HOUR, state: 'IDLE' }),
      now: new Date('2026-11-30T11:05:00Z'),
      pricePerSparkDpuHourUsd: PRICE,
    });
    // Assess
    expect(result.next.state).toBe('TERMINATED');
  });

  it('spreads growth up to the session’s end, not the sweep, across midnight', () => {
    // Act: last read at 23:00, ended at 01:00, swept at 05:00.
    const result = accountSession({
      record: recorded({ observedAt: '2026-11-30T23:00:00.000Z' }),
      observed: observed({
        dpuMillis: 2 * HOUR + 4 * HOUR,
        state: 'TERMINATED',
        endedAt: new Date('2026-12-01T01:00:00Z'),
      }),
      now: new Date('2026-12-01T05:00:00Z'),
      pricePerSparkDpuHourUsd: PRICE,
    });
    // Assess
    const days = result.increments.filter((increment) => increment.period === 'day');
    expect(days.map((day) => [day.key, day.dpuMillis])).toEqual([
      ['2026-11-30', 2 * HOUR],
      ['2026-12-01', 2 * HOUR],
    ]);
  });

  it('spreads a session first seen long after its start over the last 31 days at most', () => {
    // Act: started 100 days before it was first seen, 100 DPU-hours so far.
    const result = accountSession({
      record: undefined,
      observed: observed({
        dpuMillis: 100 * HOUR,
        startedAt: new Date('2026-08-22T00:00:00Z'),
      }),
      now: new Date('2026-11-30T00:00:00Z'),
      pricePerSparkDpuHourUsd: PRICE,
    });
    // Assess
    const days = result.increments.filter((increment) => increment.period === 'day');
    expect(days).toHaveLength(32); // 31 days of use, plus the start day's session count
    expect(result.increments.length).toBeLessThan(100);
    expect(days.reduce((sum, day) => sum + day.dpuMillis, 0)).toBe(100 * HOUR);
    expect(days.find((day) => day.key === '2026-08-22')).toMatchObject({
      dpuMillis: 0,
      sessions: 1,
    });
  });
});

describe('spreadOverDays', () => {
  it('gives every day its share and the last day the remainder: the parts sum exactly', () => {
    // Act
    const start = Date.parse('2026-11-29T20:00:00Z');
    const end = Date.parse('2026-12-01T04:00:00Z');
    const parts = spreadOverDays(1_000_003, start, end);
    // Assess
    expect([...parts.keys()]).toEqual(['2026-11-29', '2026-11-30', '2026-12-01']);
    expect([...parts.values()].reduce((a, b) => a + b, 0)).toBe(1_000_003);
    expect(parts.get('2026-11-29')).toBe(Math.floor((1_000_003 * 4) / 32));
  });

  it('puts everything on the day of the end when the span is empty', () => {
    const at = Date.parse('2026-11-30T12:00:00Z');
    expect([...spreadOverDays(10, at, at)]).toEqual([['2026-11-30', 10]]);
  });
});

describe('isSparkEngineVersion', () => {
  it('tells Spark engines from SQL ones', () => {
    expect(isSparkEngineVersion('PySpark engine version 3')).toBe(true);
    expect(isSparkEngineVersion('Apache Spark version 3.5')).toBe(true);
    expect(isSparkEngineVersion('Athena engine version 3')).toBe(false);
    expect(isSparkEngineVersion('AUTO')).toBe(false);
    expect(isSparkEngineVersion(undefined)).toBe(false);
  });
});
