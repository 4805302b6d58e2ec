import { jsonDpuHours, jsonUsd } from '../format/format-values.js';
import { isSessionEnded, type SessionRecord } from '../spark/session-accounting.js';
import { dpuHoursFromMillis, usdFromNano } from '../usage/pricing.js';

/** One Spark session as `athena-cost sessions` shows it. */
export interface SessionRow {
  readonly sessionId: string;
  readonly workgroup: string;
  readonly state: SessionRecord['state'];
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly dpuHours: number;
  readonly costUsd: number;
  /** How long it has been idle, as of the listing; null when it is not idle. */
  readonly idleMs: number | null;
  readonly coordinatorDpuSize: number | null;
  readonly maxConcurrentDpus: number | null;
  readonly defaultExecutorDpuSize: number | null;
  /** When its figure was last read (the sweep's time). */
  readonly observedAt: string;
}

/** The rows of the sessions listing, from the records the sweep keeps. */
export function sessionRows(records: readonly SessionRecord[], now: Date): SessionRow[] {
  return records.map((record) => ({
    sessionId: record.sessionId,
    workgroup: record.workgroup,
    state: record.state,
    startedAt: record.startedAt ?? null,
    endedAt: record.endedAt ?? null,
    dpuHours: jsonDpuHours(dpuHoursFromMillis(record.dpuMillis)),
    costUsd: jsonUsd(usdFromNano(record.costNanoUsd)),
    idleMs:
      record.idleSince === undefined || isSessionEnded(record.state)
        ? null
        : Math.max(0, now.getTime() - Date.parse(record.idleSince)),
    coordinatorDpuSize: record.engine.coordinatorDpuSize ?? null,
    maxConcurrentDpus: record.engine.maxConcurrentDpus ?? null,
    defaultExecutorDpuSize: record.engine.defaultExecutorDpuSize ?? null,
    observedAt: record.observedAt,
  }));
}
