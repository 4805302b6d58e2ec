import { seededRandom } from '../simulation/seeded-random.js';

/** Failure behaviour for one operation, or for every operation under the `'*'` key. */
export interface FaultRule {
  /** Share of calls (0..1) answered with the service's throttling error. */
  readonly throttleRate?: number;
  /** Share of calls (0..1) answered with the service's HTTP 500 fault. */
  readonly serverErrorRate?: number;
  /** Delay added before every answer, failed or not. */
  readonly latencyMs?: number;
}

/**
 * Fault rules keyed by operation name; `'*'` applies to all operations and an operation's own
 * rule overrides it field by field.
 */
export type FaultConfig = Record<string, FaultRule | undefined>;

/** What the injector decided for one incoming call. */
export interface FaultDecision {
  readonly latencyMs: number;
  /** Error code to answer with instead of running the operation, when the call must fail. */
  readonly failWith?: FailureKind;
}

/** `throttle` and `server` map to each service's own codes; any other string is a literal code. */
export type FailureKind =
  | { readonly kind: 'throttle' | 'server' }
  | { readonly kind: 'code'; readonly code: string };

/** The fault-injection and call-counting surface every stand-in exposes. */
export interface FaultControls {
  /** Replaceable or mutable at any time; read on every request. */
  faults: FaultConfig;
  /** Requests received per operation, failed and retried attempts included. */
  readonly calls: Map<string, number>;
  /** Requests per operation whose body arrived gzip-compressed. */
  readonly compressedCalls: Map<string, number>;
  resetCalls(): void;
  /**
   * Answers the next `count` calls of `operation` (or of any operation for `'*'`) with
   * `errorCode` (the service's throttling code when omitted), ahead of any random faults.
   */
  failNext(operation: string, count: number, errorCode?: string): void;
}

interface PendingFailure {
  remaining: number;
  readonly errorCode: string | undefined;
}

/** Shared state behind {@link FaultControls}; one per stand-in server. */
export class FaultInjector implements FaultControls {
  faults: FaultConfig = {};
  readonly calls = new Map<string, number>();
  readonly compressedCalls = new Map<string, number>();
  private readonly random: () => number;
  private readonly pending = new Map<string, PendingFailure[]>();

  constructor(seed = 1) {
    this.random = seededRandom(seed);
  }

  resetCalls(): void {
    this.calls.clear();
    this.compressedCalls.clear();
  }

  failNext(operation: string, count: number, errorCode?: string): void {
    if (!Number.isInteger(count) || count < 0) {
      throw new RangeError(`failNext count must be a non-negative integer, got ${count}`);
    }
    const queue = this.pending.get(operation) ?? [];
    queue.push({ remaining: count, errorCode });
    this.pending.set(operation, queue);
  }

  /** Counts the call and decides whether, and how, it fails. */
  decide(operation: string, compressed: boolean): FaultDecision {
    increment(this.calls, operation);
    if (compressed) {
      increment(this.compressedCalls, operation);
    }
    const rule: FaultRule = { ...this.faults['*'], ...this.faults[operation] };
    const latencyMs = Math.max(0, rule.latencyMs ?? 0);
    const scripted = this.takeScripted(operation) ?? this.takeScripted('*');
    if (scripted !== undefined) {
      return { latencyMs, failWith: scripted };
    }
    const throttleRate = clampRate(rule.throttleRate);
    const serverErrorRate = clampRate(rule.serverErrorRate);
    // Roll only when a rate is set so that turning faults on for one operation does not shift
    // the dice sequence seen by runs that never enable them.
    if (throttleRate + serverErrorRate > 0) {
      const roll = this.random();
      if (roll < throttleRate) {
        return { latencyMs, failWith: { kind: 'throttle' } };
      }
      if (roll < throttleRate + serverErrorRate) {
        return { latencyMs, failWith: { kind: 'server' } };
      }
    }
    return { latencyMs };
  }

  private takeScripted(key: string): FailureKind | undefined {
    const queue = this.pending.get(key);
    const head = queue?.[0];
    if (queue === undefined || head === undefined) {
      return undefined;
    }
    if (head.remaining <= 0) {
      queue.shift();
      return this.takeScripted(key);
    }
    head.remaining -= 1;
    if (head.remaining === 0) {
      queue.shift();
    }
    return head.errorCode === undefined
      ? { kind: 'throttle' }
      : { kind: 'code', code: head.errorCode };
  }
}

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function clampRate(rate: number | undefined): number {
  if (rate === undefined || Number.isNaN(rate)) {
    return 0;
  }
  return Math.min(1, Math.max(0, rate));
}

/**
 * Grafts live {@link FaultControls} onto a stand-in handle; `faults` stays an accessor so that
 * assigning a new config on the handle reaches the server.
 */
export function withFaultControls<T extends object>(
  injector: FaultInjector,
  handle: T,
): T & FaultControls {
  const controls: FaultControls = {
    get faults() {
      return injector.faults;
    },
    set faults(value: FaultConfig) {
      injector.faults = value;
    },
    calls: injector.calls,
    compressedCalls: injector.compressedCalls,
    resetCalls: () => injector.resetCalls(),
    failNext: (operation, count, errorCode) => injector.failNext(operation, count, errorCode),
  };
  return Object.defineProperties(handle, Object.getOwnPropertyDescriptors(controls)) as T &
    FaultControls;
}
