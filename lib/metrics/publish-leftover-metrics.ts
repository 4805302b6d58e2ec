import type { Log } from '../log.js';
import { type MetricsOutbox, metricPointsOfEntries, type OutboxEntry } from './metrics-outbox.js';
import type { MetricsPublisher } from './metrics-publisher.js';

/**
 * How old an outbox entry must be before the sweep takes it: older than the longest invocation
 * that records (reconcile, 300 s), so the invocation that committed it is over and will not
 * publish it too.
 */
export const OUTBOX_GRACE_MS = 6 * 60_000;
/** CloudWatch accepts datapoints up to two weeks old; older ones would fail the whole call. */
const CLOUDWATCH_MAX_AGE_MS = 14 * 86_400_000 - 3_600_000;
/** PutMetricData takes 1,000 datums; each entry's points are published and marked together. */
const MAX_POINTS_PER_PUBLISH = 1_000;

export interface LeftoverMetricsResult {
  readonly published: number;
  readonly tooOld: number;
}

/**
 * Publishes the usage deltas a crash or a lost answer left in the metrics outbox, with the
 * timestamps of their commit, then marks them published.
 */
export function createPublishLeftoverMetrics(deps: {
  readonly outbox: MetricsOutbox;
  readonly metrics: MetricsPublisher;
  readonly logger: Log;
  readonly now?: () => Date;
}) {
  const now = deps.now ?? (() => new Date());

  return async function publishLeftoverMetrics(): Promise<LeftoverMetricsResult> {
    const at = now().getTime();
    const entries = await deps.outbox.leftovers(new Date(at - OUTBOX_GRACE_MS));
    const tooOld = entries.filter(
      (entry) => at - entry.committedAt.getTime() > CLOUDWATCH_MAX_AGE_MS,
    );
    if (tooOld.length > 0) {
      deps.logger.warn('Leftover usage metrics too old for CloudWatch; dropped', {
        entries: tooOld.length,
        oldest: tooOld.map((entry) => entry.committedAt.toISOString()).sort()[0],
      });
      await deps.outbox.markPublished(tooOld);
    }
    const publishable = entries.filter((entry) => !tooOld.includes(entry));
    for (const part of partsOf(publishable)) {
      await deps.metrics.publish(metricPointsOfEntries(part));
      await deps.outbox.markPublished(part);
    }
    if (publishable.length > 0) {
      deps.logger.warn('Published leftover usage metrics', { entries: publishable.length });
    }
    return { published: publishable.length, tooOld: tooOld.length };
  };
}

/** Entries in parts of at most one PutMetricData call each. */
function partsOf(entries: readonly OutboxEntry[]): OutboxEntry[][] {
  const parts: OutboxEntry[][] = [];
  let part: OutboxEntry[] = [];
  let points = 0;
  for (const entry of entries) {
    const size = metricPointsOfEntries([entry]).length;
    if (part.length > 0 && points + size > MAX_POINTS_PER_PUBLISH) {
      parts.push(part);
      part = [];
      points = 0;
    }
    part.push(entry);
    points += size;
  }
  if (part.length > 0) parts.push(part);
  return parts;
}

export type PublishLeftoverMetrics = ReturnType<typeof createPublishLeftoverMetrics>;
