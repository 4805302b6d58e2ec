/** The simulated clock every stand-in and the simulation read. */
export class SimulatedClock {
  private current: number;

  constructor(start: Date) {
    this.current = start.getTime();
  }

  /** The simulated time; pass as a stand-in's `clock`. */
  readonly now = (): Date => new Date(this.current);

  get nowMs(): number {
    return this.current;
  }

  /** Moves forward (never back) to `atMs`. */
  advanceTo(atMs: number): void {
    if (atMs > this.current) this.current = atMs;
  }
}
