import { describe, expect, it } from 'vitest';
import type { Log } from '../../lib/log.js';
import type { MetricsOutbox, OutboxEntry } from '../../lib/metrics/metrics-outbox.js';
import { createPublishLeftoverMetrics } from '../../lib/metrics/publish-leftover-metrics.js';
import type { MetricPoint } from '../../lib/metrics/usage-metrics.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const silent: Log = { info() {}, warn() {}, error() {} };
const statistics = { sampleCount: 1, sum: 10, minimum: 10, maximum: 10 };

const anEntry = (id: string, committedAt: Date, workgroups = 1): OutboxEntry => ({
  id,
  committedAt,
  key: { pk: 'OUTBOX#0', sk: `${committedAt.toISOString()}#${id}` },
  counts: [],
  deltas: Array.from({ length: workgroups }, (_, index) => ({
    workgroup: `wg-${index}`,
    queries: 2,
    failedQueries: 0,
    dpuMillis: 3_600_000,
    dataScannedBytes: 0,
    costNanoUsd: 300_000_000,
    engineExecutionMs: statistics,
    queueMs: statistics,
  })),
});

function anOutbox(entries: OutboxEntry[]) {
  const marked: string[][] = [];
  const outbox: MetricsOutbox = {
    leftovers: async (before) => entries.filter((entry) => entry.committedAt < before),
    markPublished: async (published) => {
      marked.push(published.map((entry) => entry.id));
    },
  };
  return { outbox, marked };
}

describe('publishLeftoverMetrics', () => {
  it('publishes entries past the grace with their commit time, then marks them; leaves younger ones', async () => {
    const old = new Date(NOW.getTime() - 10 * 60_000);
    const { outbox, marked } = anOutbox([
      anEntry('old', old),
      anEntry('young', new Date(NOW.getTime() - 60_000)),
    ]);
    const published: MetricPoint[][] = [];
    const publish = createPublishLeftoverMetrics({
      outbox,
      metrics: { publish: async (points) => void published.push([...points]) },
      logger: silent,
      now: () => NOW,
    });

    expect(await publish()).toEqual({ published: 1, tooOld: 0 });

    expect(published).toHaveLength(1);
    expect(published[0]?.every((point) => point.timestamp === old)).toBe(true);
    expect(published[0]?.find((point) => point.name === 'QueryCount')?.value).toEqual({
      kind: 'value',
      value: 2,
    });
    expect(marked).toEqual([['old']]);
  });

  it('drops entries older than CloudWatch accepts without publishing them, and splits at 1,000 points', async () => {
    const { outbox, marked } = anOutbox([
      anEntry('ancient', new Date(NOW.getTime() - 15 * 86_400_000)),
      // 100 workgroups of 7 points each: two entries do not fit one PutMetricData.
      anEntry('a', new Date(NOW.getTime() - 3_600_000), 100),
      anEntry('b', new Date(NOW.getTime() - 3_600_000), 100),
    ]);
    const calls: number[] = [];
    const publish = createPublishLeftoverMetrics({
      outbox,
      metrics: { publish: async (points) => void calls.push(points.length) },
      logger: silent,
      now: () => NOW,
    });

    expect(await publish()).toEqual({ published: 2, tooOld: 1 });

    expect(calls).toEqual([700, 700]);
    expect(marked).toEqual([['ancient'], ['a'], ['b']]);
  });

  it('marks nothing it could not publish', async () => {
    const { outbox, marked } = anOutbox([anEntry('old', new Date(NOW.getTime() - 3_600_000))]);
    const publish = createPublishLeftoverMetrics({
      outbox,
      metrics: {
        publish: async () => {
          throw new Error('CloudWatch is down');
        },
      },
      logger: silent,
      now: () => NOW,
    });

    await expect(publish()).rejects.toThrow('CloudWatch is down');
    expect(marked).toEqual([]);
  });
});
