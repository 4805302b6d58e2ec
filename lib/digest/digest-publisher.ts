import type { DailyDigest } from './daily-digest.js';

/** Sends the daily digest where people read it. Throws when it could not. */
export interface DigestPublisher {
  publish(digest: DailyDigest): Promise<void>;
}
