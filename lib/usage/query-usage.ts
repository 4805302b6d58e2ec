import type { QueryExecution } from '../athena/query-execution.js';
import type { Pricing } from '../config.js';
import type { Checked } from '../errors/checked.js';
import { type PeriodKeys, periodKeysFor } from './period-keys.js';
import { costNanoUsdOf, dpuMillisOf } from './pricing.js';
import {
  type AttributionOptions,
  parseQueryAttribution,
  type QueryAttribution,
} from './query-attribution.js';

export type TerminalState = 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
export const TERMINAL_STATES: readonly TerminalState[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

export const isTerminalState = (state: string | undefined): state is TerminalState =>
  TERMINAL_STATES.includes(state as TerminalState);

/** What one finished query used and cost: the unit the monitor records, counts and reports. */
export interface QueryUsage {
  readonly queryExecutionId: string;
  readonly workgroup: string;
  readonly state: TerminalState;
  readonly statementType: string;
  readonly submittedAt: string;
  readonly completedAt: string;
  readonly periods: PeriodKeys;
  /** Peak DPUs; null for on-demand queries, which Athena reports without one. */
  readonly dpuCount: number | null;
  readonly engineExecutionMs: number;
  readonly queueMs: number;
  readonly planningMs: number;
  readonly totalExecutionMs: number;
  readonly dataScannedBytes: number;
  /** DPU count x engine time: a peak-based attribution of reservation capacity, not the bill. */
  readonly dpuMillis: number;
  readonly dpuHours: number;
  readonly costNanoUsd: number;
  readonly costUsd: number;
  readonly errorType: string | undefined;
  /** dbt model, tags, catalog and database read from the execution; never the SQL text. */
  readonly attribution: QueryAttribution;
}

export type UsageDerivation = Checked<{ usage: QueryUsage }>;

/**
 * Derives the usage of a finished execution as Athena reports it, or says why it cannot
 * (not finished yet, fields missing), so the record is retried rather than counted wrong.
 */
export function deriveQueryUsage(
  execution: QueryExecution,
  pricing: Pricing,
  attributionOptions?: AttributionOptions,
): UsageDerivation {
  const id = execution.QueryExecutionId;
  if (!id) return { ok: false, reason: 'execution has no QueryExecutionId' };
  const state = execution.Status?.State;
  if (!isTerminalState(state)) {
    return {
      ok: false,
      reason: `execution ${id} is ${state ?? 'in an unknown state'}, not finished`,
    };
  }
  if (!execution.WorkGroup) return { ok: false, reason: `execution ${id} has no WorkGroup` };
  const completedAt = execution.Status?.CompletionDateTime;
  if (!(completedAt instanceof Date) || Number.isNaN(completedAt.getTime())) {
    return { ok: false, reason: `execution ${id} has no CompletionDateTime` };
  }
  const submittedAt = execution.Status?.SubmissionDateTime ?? completedAt;
  const statistics = execution.Statistics ?? {};
  const dpuCount =
    typeof statistics.DpuCount === 'number' && statistics.DpuCount > 0 ? statistics.DpuCount : null;
  const billable = {
    state,
    statementType: execution.StatementType ?? 'UNKNOWN',
    dpuCount,
    engineExecutionMs: nonNegative(statistics.EngineExecutionTimeInMillis),
    dataScannedBytes: nonNegative(statistics.DataScannedInBytes),
  };
  const dpuMillis = dpuMillisOf(billable);
  const costNanoUsd = costNanoUsdOf(billable, pricing);
  return {
    ok: true,
    usage: {
      queryExecutionId: id,
      workgroup: execution.WorkGroup,
      ...billable,
      submittedAt: submittedAt.toISOString(),
      completedAt: completedAt.toISOString(),
      periods: periodKeysFor(completedAt),
      queueMs: nonNegative(statistics.QueryQueueTimeInMillis),
      planningMs: nonNegative(statistics.QueryPlanningTimeInMillis),
      totalExecutionMs: nonNegative(statistics.TotalExecutionTimeInMillis),
      dpuMillis,
      dpuHours: dpuMillis / 3_600_000,
      costNanoUsd,
      costUsd: costNanoUsd / 1_000_000_000,
      errorType: execution.Status?.AthenaError?.ErrorType?.toString(),
      attribution: parseQueryAttribution(execution, attributionOptions),
    },
  };
}

const nonNegative = (value: number | undefined): number =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
