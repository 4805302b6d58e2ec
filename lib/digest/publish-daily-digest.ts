import { type DailyDigest, type DigestSources, loadDailyDigest } from './daily-digest.js';
import type { DigestPublisher } from './digest-publisher.js';

export interface PublishDailyDigestDependencies {
  readonly sources: DigestSources;
  readonly publisher: DigestPublisher;
}

/** Builds the digest of a UTC day and publishes it; throws when either fails. */
export function createPublishDailyDigest(deps: PublishDailyDigestDependencies) {
  return async function publishDailyDigest(day: string): Promise<DailyDigest> {
    const digest = await loadDailyDigest(deps.sources, day);
    await deps.publisher.publish(digest);
    return digest;
  };
}

export type PublishDailyDigest = ReturnType<typeof createPublishDailyDigest>;
