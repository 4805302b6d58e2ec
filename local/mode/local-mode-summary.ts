import { formatBytes, formatDpuHours, formatUsd } from '../../lib/format/format-values.js';
import { attributionTitle } from '../../lib/reports/attribution-report.js';
import { dpuHoursFromMillis, usdFromNano } from '../../lib/usage/pricing.js';
import { addTotals, type UsageTotals, ZERO_TOTALS } from '../../lib/usage/usage-totals.js';
import type { AttributionCheck } from '../simulation/attribution-check.js';
import type { DeadLetter } from '../simulation/event-feed.js';
import type { SimulatedDay, SimulatedDayKey } from '../simulation/simulated-day.js';
import { maxDpuOf, type WorkgroupKind } from '../simulation/workgroup-profiles.js';
import {
  type AttributionBudgetResult,
  formatAttributionBudget,
} from './attribution-budget-check.js';
import type { ReservationResult } from './capacity-reservation.js';
import type { LocalModeContext } from './context.js';
import type { SparkResult } from './spark-sessions.js';

/** How local mode writes what it did: the workgroups, the summary table and the timings. */

/** One workgroup's counters against the ground truth, with CloudWatch's sums beside them. */
export interface WorkgroupResult {
  readonly workgroup: string;
  readonly kind: WorkgroupKind;
  /** From the simulated executions that finished. */
  readonly groundTruth: UsageTotals;
  /** What the counters must show: the ground truth, plus what an earlier run left (--data). */
  readonly expected: UsageTotals;
  /** Read back from DynamoDB (`USAGE#<workgroup>`, `day#<day>`). */
  readonly actual: UsageTotals;
  readonly mismatches: readonly (keyof UsageTotals)[];
  readonly cloudWatch: {
    readonly queryCount: number;
    readonly dpuHours: number;
    readonly costUsd: number;
  };
  /** Queries refused because the workgroup was disabled. */
  readonly rejected: number;
}

export interface LocalModeSummary extends SimulatedDayKey {
  readonly tableName: string;
  readonly queriesPlanned: number;
  /** Queries that ran to a terminal state (the ground truth counts these). */
  readonly queriesSimulated: number;
  readonly queriesRejected: number;
  /** Running queries cancelled by StopQueryExecution. */
  readonly queriesStopped: number;
  /** Distinct queries whose terminal event the function accepted. */
  readonly queriesIngested: number;
  /** Messages EventBridge put in the queue, duplicates and stray RUNNING events included. */
  readonly eventsDelivered: number;
  readonly duplicates: number;
  readonly delayedEvents: number;
  readonly lateRunningEvents: number;
  readonly batches: number;
  readonly recordsReceived: number;
  readonly recordsFailed: number;
  readonly recordsRedelivered: number;
  readonly invocationErrors: number;
  readonly deadLetters: readonly DeadLetter[];
  readonly workgroups: readonly WorkgroupResult[];
  readonly groundTruth: ReadonlyMap<string, UsageTotals>;
  /** Each attribution key's day report against the ground truth (principals, dbt models, tags). */
  readonly attribution?: readonly AttributionCheck[];
  /** The sample attribution budget's notifications against the thresholds the truth crosses. */
  readonly attributionBudget?: AttributionBudgetResult;
  /** The capacity reservation's day, as the capacity function counted it. */
  readonly reservation?: ReservationResult;
  /** The Spark workgroup's day, as the spark-sessions function counted and enforced it. */
  readonly spark?: SparkResult;
  readonly cloudWatchQueryCount: number;
  readonly budgets: readonly string[];
  readonly workgroupUpdates: number;
  /** True when every counter equals its expected value and the DLQ is empty. */
  readonly matches: boolean;
  readonly elapsedMs: number;
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export function describeWorkgroup(init: SimulatedDay['workgroups'][number]['init']): string {
  const maxDpu = maxDpuOf(init);
  if (maxDpu !== undefined) {
    const min =
      init.Configuration?.EngineConfiguration?.Classifications?.[0]?.Properties?.['min-dpu-count'];
    return `capacity reservation, max-dpu-count ${maxDpu}, min-dpu-count ${min ?? '-'}`;
  }
  const cutoff = init.Configuration?.BytesScannedCutoffPerQuery;
  return `on demand, ${cutoff === undefined ? 'no scan limit' : `BytesScannedCutoffPerQuery ${formatBytes(cutoff)}`}`;
}

/** The end-of-run report: what was simulated and delivered, and the per-workgroup check. */
export function formatSummary(summary: LocalModeSummary, ctx?: LocalModeContext): string[] {
  const lines: string[] = [];
  const rejected =
    summary.queriesRejected > 0 ? `, ${summary.queriesRejected} rejected (workgroup disabled)` : '';
  const stopped = summary.queriesStopped > 0 ? `, ${summary.queriesStopped} stopped` : '';
  lines.push(
    '',
    `Simulated ${summary.queriesPlanned} queries on ${summary.day}: ${summary.queriesSimulated} ran${rejected}${stopped}`,
    `EventBridge → SQS: ${summary.eventsDelivered} messages (${summary.duplicates} duplicates, ${summary.delayedEvents} held back, ${summary.lateRunningEvents} stray RUNNING)`,
    `SQS → Lambda: ${summary.batches} batches, ${summary.recordsReceived} records received, ${summary.recordsFailed} failed, ${summary.recordsRedelivered} redelivered, DLQ ${summary.deadLetters.length}${summary.invocationErrors > 0 ? `, ${summary.invocationErrors} invocation errors` : ''}`,
  );
  if (summary.workgroupUpdates > 0 && ctx !== undefined) {
    lines.push(`UpdateWorkGroup calls: ${summary.workgroupUpdates}`);
    for (const call of ctx.athena.account.updateWorkGroupCalls) {
      const { WorkGroup, ...change } = call.input;
      // The enforcer never enables a workgroup during the day (restore does, after it): that is
      // the afternoon operator, by hand.
      const byHand = change.State === 'ENABLED' ? '  ← re-enabled by hand (operator)' : '';
      lines.push(
        `  ${call.at.toISOString().slice(11, 19)} ${WorkGroup ?? '?'} ${JSON.stringify(change)}${call.error === undefined ? '' : ` ✗ ${call.error}`}${byHand}`,
      );
    }
  }
  const alerts = (ctx?.sns.messages ?? []).filter(
    (message) => message.topicArn === ctx?.alertsTopicArn,
  );
  if (alerts.length > 0) {
    lines.push(`Alerts published to the alerts topic: ${alerts.length}`);
    for (const alert of alerts) lines.push(`  ${alert.subject ?? alert.message.slice(0, 100)}`);
  }
  if (summary.attributionBudget !== undefined)
    lines.push(...formatAttributionBudget(summary.attributionBudget));
  lines.push(
    '',
    `Day ${summary.day}, DynamoDB counters (USAGE#<workgroup>, day#${summary.day}) vs ground truth · CloudWatch sums:`,
  );
  const header = [
    'workgroup'.padEnd(14),
    'type'.padEnd(9),
    'queries'.padStart(7),
    'failed'.padStart(6),
    'DPU-hours'.padStart(11),
    'scanned'.padStart(10),
    'cost USD'.padStart(10),
    ' ',
    '│',
    'QueryCount'.padStart(10),
    'DpuHours'.padStart(11),
    'CostUsd'.padStart(10),
  ].join(' ');
  lines.push(header);
  let total = ZERO_TOTALS;
  for (const result of summary.workgroups) {
    total = addTotals(total, result.actual);
    lines.push(
      [
        result.workgroup.padEnd(14),
        (result.kind === 'capacity' ? 'capacity' : 'on-demand').padEnd(9),
        ...totalsColumns(result.actual),
        result.mismatches.length === 0 ? '✓' : '✗',
        '│',
        String(result.cloudWatch.queryCount).padStart(10),
        formatDpuHours(result.cloudWatch.dpuHours).padStart(11),
        formatUsd(result.cloudWatch.costUsd).padStart(10),
      ].join(' '),
    );
  }
  lines.push(
    [
      'total'.padEnd(14),
      ''.padEnd(9),
      ...totalsColumns(total),
      summary.matches ? '✓' : '✗',
      '│',
      String(summary.cloudWatchQueryCount).padStart(10),
    ].join(' '),
  );
  for (const result of summary.workgroups) {
    for (const field of result.mismatches) {
      lines.push(
        `✗ ${result.workgroup} ${field}: DynamoDB ${result.actual[field]}, expected ${result.expected[field]}`,
      );
    }
  }
  for (const letter of summary.deadLetters.slice(0, 10)) {
    lines.push(
      `✗ DLQ: message ${letter.messageId} (query ${letter.queryExecutionId}, ${letter.state}) after ${letter.receiveCount} receives`,
    );
  }
  lines.push(...formatAttributionChecks(summary.attribution ?? []));
  lines.push(
    '',
    summary.matches
      ? `✓ Every counter equals the ground truth: each query counted exactly once (${(summary.elapsedMs / 1000).toFixed(1)} s)`
      : '✗ The counters do not match the ground truth',
  );
  return lines;
}

/** A workgroup's usage as the summary table writes it: queries, failed, DPU-hours, bytes, USD. */
export function totalsColumns(totals: UsageTotals): string[] {
  return [
    String(totals.queries).padStart(7),
    String(totals.failedQueries).padStart(6),
    formatDpuHours(dpuHoursFromMillis(totals.dpuMillis)).padStart(11),
    formatBytes(totals.dataScannedBytes).padStart(10),
    formatUsd(usdFromNano(totals.costNanoUsd)).padStart(10),
  ];
}

/** Values shown per attribution key; every value is checked. */
const SHOWN_VALUES = 5;

/** The top values of each key with ✓ or ✗, and a line for the rest. */
export function formatAttributionChecks(checks: readonly AttributionCheck[]): string[] {
  if (checks.length === 0) return [];
  const lines = [
    '',
    'Attribution counters (athena-cost report --by principal|dbt-model|tag:KEY) vs ground truth:',
  ];
  for (const check of checks) {
    lines.push(
      `${`${attributionTitle(check.key)} (${check.key})`.padEnd(44)} ${['queries'.padStart(7), 'failed'.padStart(6), 'DPU-hours'.padStart(11), 'scanned'.padStart(10), 'cost USD'.padStart(10)].join(' ')}`,
    );
    const shown = check.rows.slice(0, SHOWN_VALUES);
    for (const row of shown)
      lines.push(
        `  ${row.value.padEnd(42)} ${totalsColumns(row.actual).join(' ')} ${row.matches ? '✓' : '✗'}`,
      );
    const rest = check.rows.slice(SHOWN_VALUES);
    if (rest.length > 0) {
      const wrong = rest.filter((row) => !row.matches).length;
      lines.push(
        `  … ${rest.length} more ${rest.length === 1 ? 'value' : 'values'} ${wrong === 0 ? '✓' : `✗ (${wrong} wrong)`}`,
      );
    }
    for (const row of check.rows.filter((row) => !row.matches))
      lines.push(
        `✗ ${check.key} ${row.value}: DynamoDB ${row.actual.queries} queries, ${row.actual.costNanoUsd} nano-USD; expected ${row.expected.queries}, ${row.expected.costNanoUsd}`,
      );
  }
  return lines;
}
