/** Waits `ms` milliseconds; injectable so that tests of retry loops need not wait. */
export type Sleep = (ms: number) => Promise<void>;

export const sleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Full-jitter exponential backoff before retry number `attempt` (1 for the first retry): a
 * random wait below 25 ms doubling per attempt, capped at 1 s. Full jitter spreads writers that
 * conflicted on the same item, so they do not collide again in step.
 */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  return random() * Math.min(1_000, 25 * 2 ** attempt);
}
