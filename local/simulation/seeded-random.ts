/**
 * The one seeded random of the project: the simulation, the event feed, the stand-ins' fault
 * dice, the benchmark and the tests draw from these streams, never from `Math.random`, so the
 * same seed gives the same run.
 */

/**
 * Mulberry32: tiny, fast and good enough for fault dice; a fixed seed makes a run's failure
 * pattern repeatable, which `Math.random` cannot.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** FNV-1a, to derive independent PRNG seeds from a seed and a label. */
export function hashSeed(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** A random version-4 UUID drawn from a seeded stream. */
export function seededUuid(random: () => number): string {
  let hex = '';
  for (let index = 0; index < 32; index++) hex += Math.floor(random() * 16).toString(16);
  const variant = ((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
