import { type AttributionBudget, attributionLabel } from '../../lib/budgets/attribution-budget.js';
import type { AttributionBudgetStatus } from '../../lib/budgets/attribution-budget-status.js';
import { type Budget, type BudgetPause, pauseOf } from '../../lib/budgets/budget.js';
import type { BudgetStatus } from '../../lib/budgets/budget-status.js';
import type { ReservationBudget } from '../../lib/budgets/reservation-budget.js';
import type { ReservationBudgetStatus } from '../../lib/budgets/reservation-budget-status.js';
import type { RestoreResult } from '../../lib/budgets/restore-workgroups.js';
import {
  formatBytes,
  formatDpuHours,
  formatInstant,
  formatPercent,
  formatQuantity,
  formatUsd,
} from '../../lib/format/format-values.js';
import type {
  StoredAttributionBudgets,
  StoredBudgets,
  StoredReservationBudgets,
} from '../../lib/store/budget-store.js';
import { type Cell, type Column, renderTable } from './table.js';

/** No limit-crossing in sight, in tables. */
const NEVER = '—';

/** The period and limits every budget has (lib/budgets' budgetLimitFields) as JSON, null where unset. */
const budgetLimitsJson = (budget: Pick<Budget, 'period' | 'limitDpuHours' | 'limitUsd'>) => ({
  period: budget.period,
  limitDpuHours: budget.limitDpuHours ?? null,
  limitUsd: budget.limitUsd ?? null,
});

const thresholdsJson = <Action extends string>(
  thresholds: readonly { readonly percent: number; readonly action: Action }[],
) => thresholds.map(({ percent, action }) => ({ percent, action }));

/** A budget as JSON: every field present, null where unset, in a stable order. */
export function budgetJson(budget: Budget) {
  return {
    workgroup: budget.workgroup,
    ...budgetLimitsJson(budget),
    limitBytes: budget.limitBytes ?? null,
    thresholds: thresholdsJson(budget.thresholds),
    throttleMaxDpu: budget.throttleMaxDpu ?? null,
    throttleBytesScannedCutoff: budget.throttleBytesScannedCutoff ?? null,
    throttleMaxConcurrentDpus: budget.throttleMaxConcurrentDpus ?? null,
    dryRun: budget.dryRun,
    protected: budget.protected,
    enforceWorkgroupConfiguration: budget.enforceWorkgroupConfiguration === true,
    onBypass: budget.onBypass ?? 'notify',
    pausedAt: budget.pausedAt ?? null,
    pausedUntil: budget.pausedUntil ?? null,
    resumedAt: budget.resumedAt ?? null,
    anomalyAlarm: budget.anomalyAlarm ?? null,
    updatedAt: budget.updatedAt,
  };
}

/** Stored budgets that no longer validate (edited by hand), by kind. */
export interface InvalidStoredBudgets {
  readonly workgroups?: readonly { readonly workgroup: string; readonly reason: string }[];
  readonly reservations?: readonly { readonly reservation: string; readonly reason: string }[];
  readonly attributions?: readonly { readonly attribution: string; readonly reason: string }[];
}

/** What `budget list` and `status` say on stderr about each invalid stored budget. */
export function invalidBudgetWarnings(invalid: InvalidStoredBudgets): string[] {
  return [
    ...(invalid.workgroups ?? []).map(
      (entry) =>
        `the stored budget of ${entry.workgroup} is invalid and not enforced: ${entry.reason}`,
    ),
    ...(invalid.reservations ?? []).map(
      (entry) =>
        `the stored budget of reservation ${entry.reservation} is invalid and not enforced: ${entry.reason}`,
    ),
    ...(invalid.attributions ?? []).map(
      (entry) =>
        `the stored attribution budget ${entry.attribution} is invalid and not evaluated: ${entry.reason}`,
    ),
  ];
}

export const toJsonText = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** `50% notify, 80% throttle`, or `-` for none. */
export function describeThresholds(budget: Pick<Budget, 'thresholds'>): string {
  if (budget.thresholds.length === 0) return '-';
  return budget.thresholds
    .map((threshold) => `${threshold.percent}% ${threshold.action}`)
    .join(', ');
}

/** What a throttle sets: `max-dpu 8, enforced, on bypass disable`, `cutoff 1.0 GiB`. */
export function describeThrottle(budget: Budget): string | null {
  const parts: string[] = [];
  if (budget.throttleMaxDpu !== undefined) parts.push(`max-dpu ${budget.throttleMaxDpu}`);
  if (budget.throttleBytesScannedCutoff !== undefined) {
    parts.push(`cutoff ${formatBytes(budget.throttleBytesScannedCutoff)}`);
  }
  if (budget.throttleMaxConcurrentDpus !== undefined) {
    parts.push(`max-concurrent-dpus ${budget.throttleMaxConcurrentDpus}`);
  }
  if (parts.length === 0) return null;
  if (budget.enforceWorkgroupConfiguration) parts.push('enforced');
  if (budget.throttleMaxDpu !== undefined && budget.onBypass === 'disable') {
    parts.push('on bypass disable');
  }
  return parts.join(', ');
}

/** `enforce`, `dry run`, `protected`, `paused until …`, or several. */
export function describeMode(
  budget: Pick<Budget, 'dryRun' | 'protected'> & { readonly pause?: BudgetPause | null },
): string {
  const pause =
    budget.pause === undefined || budget.pause === null
      ? ''
      : budget.pause.until === null
        ? 'paused'
        : `paused until ${formatInstant(budget.pause.until)}`;
  const modes = [budget.dryRun ? 'dry run' : '', budget.protected ? 'protected' : '', pause].filter(
    (mode) => mode !== '',
  );
  return modes.length === 0 ? 'enforce' : modes.join(', ');
}

/** The columns of the period and limits every budget has ({@link budgetLimitCells}). */
const BUDGET_LIMIT_COLUMNS: readonly Column[] = [
  { header: 'PERIOD' },
  { header: 'LIMIT DPU-H', format: formatDpuHours, align: 'right' },
  { header: 'LIMIT USD', format: formatUsd, align: 'right' },
];

const budgetLimitCells = (
  budget: Pick<Budget, 'period' | 'limitDpuHours' | 'limitUsd'>,
): Cell[] => [budget.period, budget.limitDpuHours, budget.limitUsd];

const BUDGET_COLUMNS: readonly Column[] = [
  { header: 'WORKGROUP' },
  ...BUDGET_LIMIT_COLUMNS,
  { header: 'LIMIT BYTES', format: formatBytes, align: 'right' },
  { header: 'THRESHOLDS' },
  { header: 'THROTTLE' },
  { header: 'MODE' },
  { header: 'UPDATED (UTC)' },
];

/** The budgets; `at` shows the pauses in force then. */
export function budgetsTable(budgets: readonly Budget[], at?: Date): string {
  return renderTable(
    BUDGET_COLUMNS,
    budgets.map((budget) => [
      budget.workgroup,
      ...budgetLimitCells(budget),
      budget.limitBytes,
      describeThresholds(budget),
      describeThrottle(budget),
      describeMode({ ...budget, pause: at === undefined ? null : pauseOf(budget, at) }),
      formatInstant(budget.updatedAt),
    ]),
  );
}

/** `budget list --format json`: the workgroup budgets, then the capacity reservation budgets. */
export function budgetListJson(
  workgroups: StoredBudgets,
  reservations: StoredReservationBudgets,
  attributions: StoredAttributionBudgets,
) {
  return {
    budgets: workgroups.budgets.map(budgetJson),
    invalid: workgroups.invalid.map((entry) => ({
      workgroup: entry.workgroup,
      reason: entry.reason,
    })),
    reservationBudgets: reservations.budgets.map(reservationBudgetJson),
    invalidReservationBudgets: reservations.invalid.map(({ reservation, reason }) => ({
      reservation,
      reason,
    })),
    attributionBudgets: attributions.budgets.map(attributionBudgetJson),
    invalidAttributionBudgets: attributions.invalid.map(({ attribution, reason }) => ({
      attribution,
      reason,
    })),
  };
}

/**
 * `budget list`: the workgroup budgets (`at` shows the pauses in force then), then the
 * reservation budgets, then the attribution budgets.
 */
export function budgetListTables(
  workgroups: StoredBudgets,
  reservations: StoredReservationBudgets,
  attributions: StoredAttributionBudgets,
  at: Date,
): string {
  const parts: string[] = [];
  if (workgroups.budgets.length > 0) parts.push(budgetsTable(workgroups.budgets, at));
  if (reservations.budgets.length > 0) {
    parts.push(`Capacity reservation budgets\n${reservationBudgetsTable(reservations.budgets)}`);
  }
  if (attributions.budgets.length > 0) {
    parts.push(
      `Attribution budgets (notify only, over every workgroup)\n${attributionBudgetsTable(attributions.budgets)}`,
    );
  }
  return parts.length === 0
    ? "No budgets. Set one with 'athena-cost budget set'.\n"
    : parts.join('\n');
}

/** `status --format json`. */
export function statusJson(at: Date, statuses: readonly BudgetStatus[]) {
  return {
    at: at.toISOString(),
    budgets: statuses.map((status) => ({
      workgroup: status.workgroup,
      period: status.period,
      periodKey: status.periodKey,
      limitDpuHours: status.limitDpuHours,
      usedDpuHours: status.usedDpuHours,
      limitUsd: status.limitUsd,
      usedUsd: status.usedUsd,
      limitBytes: status.limitBytes,
      usedBytes: status.usedBytes,
      usedPercent: status.usedPercent,
      bindingLimit: status.bindingLimit,
      bindingLimitValue: status.bindingLimitValue,
      dryRun: status.dryRun,
      protected: status.protected,
      paused: status.pause,
      actions: status.actions.map((action) => ({
        threshold: action.threshold,
        action: action.action,
        status: action.status,
        at: action.at,
        detail: action.detail,
      })),
      bypassedQueries: status.bypassedQueries,
      forecast: {
        projectedDpuHours: status.forecast.projectedDpuHours,
        projected: status.forecast.projected,
        projectedPercent: status.forecast.projectedPercent,
        limitCrossed: status.forecast.limitCrossed,
        limitReachedAt: status.forecast.limitReachedAt,
        burnRateDpuHoursPerHour: status.forecast.burnRateDpuHoursPerHour,
        extrapolated: status.forecast.extrapolated,
        periodEnd: status.forecast.periodEnd,
      },
    })),
  };
}

const STATUS_COLUMNS: readonly Column[] = [
  { header: 'WORKGROUP' },
  { header: 'PERIOD' },
  { header: 'DPU-H', align: 'right' },
  { header: 'USD', align: 'right' },
  { header: 'BYTES', align: 'right' },
  { header: 'USED', format: formatPercent, align: 'right' },
  { header: 'PROJECTED', align: 'right' },
  { header: 'PROJECTED %', format: formatPercent, align: 'right' },
  { header: 'LIMIT REACHED (UTC)' },
  { header: 'BYPASSED', align: 'right' },
  { header: 'MODE' },
];

const ACTION_COLUMNS: readonly Column[] = [
  { header: 'WORKGROUP' },
  { header: 'PERIOD' },
  { header: 'THRESHOLD', format: formatPercent, align: 'right' },
  { header: 'ACTION' },
  { header: 'STATUS' },
  { header: 'AT (UTC)' },
  { header: 'DETAIL' },
];

const RESERVATION_ACTION_COLUMNS: readonly Column[] = [
  { header: 'RESERVATION' },
  ...ACTION_COLUMNS.slice(1),
];

/** The actions of the statuses' periods under `title`, or nothing when there are none. */
function actionsSection<
  Status extends BudgetStatus | ReservationBudgetStatus | AttributionBudgetStatus,
>(
  title: string,
  columns: readonly Column[],
  statuses: readonly Status[],
  subjectOf: (status: Status) => string,
): string {
  const rows = statuses.flatMap((status) =>
    status.actions.map((action): Cell[] => [
      subjectOf(status),
      status.periodKey,
      action.threshold,
      action.action,
      action.status,
      formatInstant(action.at),
      action.detail,
    ]),
  );
  return rows.length === 0 ? '' : `\n${title}\n${renderTable(columns, rows)}`;
}

/** `12.345 / 20.000`, the usage alone when the budget sets no such limit, `-` for neither. */
const usedOf = (used: number | null, limit: number | null, format: (n: number) => string) =>
  used === null ? null : limit === null ? format(used) : `${format(used)} / ${format(limit)}`;

/** When the binding limit was or will be reached: `crossed 10:42`, a projection, or `—`. */
export function describeLimitReached(forecast: BudgetStatus['forecast']): string {
  if (forecast.limitCrossed) {
    return forecast.limitReachedAt === null
      ? 'crossed'
      : `crossed ${formatInstant(forecast.limitReachedAt)}`;
  }
  return forecast.limitReachedAt === null ? NEVER : formatInstant(forecast.limitReachedAt);
}

/** The budgets, then the actions of their periods when there are any. */
export function statusTable(statuses: readonly BudgetStatus[]): string {
  const rows: Cell[][] = statuses.map((status) => [
    status.workgroup,
    `${status.period} ${status.periodKey}`,
    usedOf(status.usedDpuHours, status.limitDpuHours, formatDpuHours),
    usedOf(status.usedUsd, status.limitUsd, formatUsd),
    usedOf(status.usedBytes, status.limitBytes, formatBytes),
    status.usedPercent,
    formatQuantity(status.forecast.projected.unit, status.forecast.projected.value),
    status.forecast.projectedPercent,
    describeLimitReached(status.forecast),
    status.bypassedQueries,
    describeMode(status),
  ]);
  const text = renderTable(STATUS_COLUMNS, rows);
  return (
    text +
    actionsSection('Actions this period', ACTION_COLUMNS, statuses, (status) => status.workgroup)
  );
}

/** `restore --format json`. */
export function restoreJson(at: Date, results: readonly RestoreResult[]) {
  return {
    at: at.toISOString(),
    results: results.map((result) => ({
      workgroup: result.workgroup,
      period: result.period,
      periodKey: result.periodKey,
      outcome: result.outcome,
      conflicts: [...result.conflicts],
      detail: result.detail,
    })),
  };
}

const RESTORE_COLUMNS: readonly Column[] = [
  { header: 'WORKGROUP' },
  { header: 'PERIOD' },
  { header: 'OUTCOME' },
  { header: 'CONFLICTS' },
  { header: 'DETAIL' },
];

export function restoreTable(results: readonly RestoreResult[]): string {
  return renderTable(
    RESTORE_COLUMNS,
    results.map((result) => [
      result.workgroup,
      `${result.period} ${result.periodKey}`,
      result.outcome,
      result.conflicts.length === 0 ? null : result.conflicts.join('; '),
      result.detail,
    ]),
  );
}

/** A reservation budget as JSON: every field present, null where unset, in a stable order. */
export function reservationBudgetJson(budget: ReservationBudget) {
  return {
    reservation: budget.reservation,
    ...budgetLimitsJson(budget),
    thresholds: thresholdsJson(budget.thresholds),
    scaleDownDpus: budget.scaleDownDpus ?? null,
    overrideAutoscaler: budget.overrideAutoscaler === true,
    dryRun: budget.dryRun,
    protected: budget.protected,
    updatedAt: budget.updatedAt,
  };
}

/** `50% notify, 90% scale-down to 8 DPUs`, or `-`. */
function describeReservationThresholds(budget: {
  readonly thresholds: ReservationBudget['thresholds'];
  readonly scaleDownDpus?: number | null | undefined;
}): string {
  if (budget.thresholds.length === 0) return '-';
  return budget.thresholds
    .map((threshold) =>
      threshold.action === 'scale-down'
        ? `${threshold.percent}% scale-down to ${budget.scaleDownDpus ?? '?'} DPUs`
        : `${threshold.percent}% ${threshold.action}`,
    )
    .join(', ');
}

const RESERVATION_BUDGET_COLUMNS: readonly Column[] = [
  { header: 'RESERVATION' },
  ...BUDGET_LIMIT_COLUMNS,
  { header: 'THRESHOLDS' },
  { header: 'MODE' },
  { header: 'UPDATED (UTC)' },
];

const reservationModeOf = (budget: {
  readonly dryRun: boolean;
  readonly protected: boolean;
  readonly overrideAutoscaler?: boolean | undefined;
}) => {
  const mode = describeMode(budget);
  return budget.overrideAutoscaler === true ? `${mode}, override auto-scaler` : mode;
};

/** The reservation budgets, as `budget list` and `budget set` show them. */
export function reservationBudgetsTable(budgets: readonly ReservationBudget[]): string {
  return renderTable(
    RESERVATION_BUDGET_COLUMNS,
    budgets.map((budget) => [
      budget.reservation,
      ...budgetLimitCells(budget),
      describeReservationThresholds(budget),
      reservationModeOf(budget),
      formatInstant(budget.updatedAt),
    ]),
  );
}

/** A reservation budget's status as `status --format json` shows it. */
export function reservationStatusJson(status: ReservationBudgetStatus) {
  return {
    reservation: status.reservation,
    period: status.period,
    periodKey: status.periodKey,
    allocatedDpuHours: status.allocatedDpuHours,
    costUsd: status.costUsd,
    limitDpuHours: status.limitDpuHours,
    limitUsd: status.limitUsd,
    usedPercent: status.usedPercent,
    bindingLimit: status.bindingLimit,
    thresholds: status.thresholds,
    scaleDownDpus: status.scaleDownDpus,
    overrideAutoscaler: status.overrideAutoscaler,
    dryRun: status.dryRun,
    protected: status.protected,
    actions: status.actions,
  };
}

const RESERVATION_STATUS_COLUMNS: readonly Column[] = [
  { header: 'RESERVATION' },
  { header: 'PERIOD' },
  { header: 'ALLOCATED DPU-H', align: 'right' },
  { header: 'COST USD', align: 'right' },
  { header: 'USED %', format: formatPercent, align: 'right' },
  { header: 'THRESHOLDS' },
  { header: 'MODE' },
];

/** The reservation budgets' periods, then their actions when there are any. */
export function reservationStatusTable(statuses: readonly ReservationBudgetStatus[]): string {
  const text = renderTable(
    RESERVATION_STATUS_COLUMNS,
    statuses.map((status) => [
      status.reservation,
      `${status.period} ${status.periodKey}`,
      usedOf(status.allocatedDpuHours, status.limitDpuHours, formatDpuHours),
      usedOf(status.costUsd, status.limitUsd, formatUsd),
      status.usedPercent,
      describeReservationThresholds(status),
      reservationModeOf(status),
    ]),
  );
  return (
    text +
    actionsSection(
      'Reservation actions this period',
      RESERVATION_ACTION_COLUMNS,
      statuses,
      (status) => status.reservation,
    )
  );
}

/** An attribution budget as JSON: every field present, null where unset, in a stable order. */
export function attributionBudgetJson(budget: AttributionBudget) {
  return {
    key: budget.key,
    value: budget.value,
    ...budgetLimitsJson(budget),
    thresholds: thresholdsJson(budget.thresholds),
    updatedAt: budget.updatedAt,
  };
}

const ATTRIBUTION_BUDGET_COLUMNS: readonly Column[] = [
  { header: 'KEY' },
  { header: 'VALUE' },
  ...BUDGET_LIMIT_COLUMNS,
  { header: 'THRESHOLDS' },
  { header: 'UPDATED (UTC)' },
];

/** The attribution budgets (notify only, over every workgroup), as `budget list` and `budget set` show them. */
export function attributionBudgetsTable(budgets: readonly AttributionBudget[]): string {
  return renderTable(
    ATTRIBUTION_BUDGET_COLUMNS,
    budgets.map((budget) => [
      budget.key,
      budget.value,
      ...budgetLimitCells(budget),
      describeThresholds(budget),
      formatInstant(budget.updatedAt),
    ]),
  );
}

/** An attribution budget's status as `status --format json` shows it. */
export function attributionStatusJson(status: AttributionBudgetStatus) {
  return {
    key: status.key,
    value: status.value,
    period: status.period,
    periodKey: status.periodKey,
    limitDpuHours: status.limitDpuHours,
    usedDpuHours: status.usedDpuHours,
    limitUsd: status.limitUsd,
    usedUsd: status.usedUsd,
    usedPercent: status.usedPercent,
    bindingLimit: status.bindingLimit,
    bindingLimitValue: status.bindingLimitValue,
    thresholds: status.thresholds,
    workgroups: status.workgroups,
    actions: status.actions,
  };
}

const ATTRIBUTION_STATUS_COLUMNS: readonly Column[] = [
  { header: 'KEY' },
  { header: 'VALUE' },
  { header: 'PERIOD' },
  { header: 'DPU-H', align: 'right' },
  { header: 'USD', align: 'right' },
  { header: 'USED', format: formatPercent, align: 'right' },
  { header: 'WORKGROUPS', align: 'right' },
  { header: 'THRESHOLDS' },
];

const ATTRIBUTION_ACTION_COLUMNS: readonly Column[] = [
  { header: 'ATTRIBUTION' },
  ...ACTION_COLUMNS.slice(1),
];

/** The attribution budgets' periods, then their notifications when there are any. */
export function attributionStatusTable(statuses: readonly AttributionBudgetStatus[]): string {
  const text = renderTable(
    ATTRIBUTION_STATUS_COLUMNS,
    statuses.map((status) => [
      status.key,
      status.value,
      `${status.period} ${status.periodKey}`,
      usedOf(status.usedDpuHours, status.limitDpuHours, formatDpuHours),
      usedOf(status.usedUsd, status.limitUsd, formatUsd),
      status.usedPercent,
      status.workgroups,
      describeThresholds(status),
    ]),
  );
  return (
    text +
    actionsSection(
      'Attribution budget notifications this period',
      ATTRIBUTION_ACTION_COLUMNS,
      statuses,
      attributionLabel,
    )
  );
}
