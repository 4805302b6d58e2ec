/**
 * What the use cases and adapters need of a logger: structured messages at three levels. The
 * Powertools `Logger` (lib/logger.ts) satisfies it; tests can pass anything that does, and no
 * module outside the entry points depends on Powertools.
 */
export interface Log {
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
}
