import type { ActionRecord, EnforcementKey } from '../store/enforcement-store.js';
import type { QueryUsage } from '../usage/query-usage.js';
import {
  type Budget,
  effectiveAction,
  isPaused,
  type ThresholdAction,
  thresholdId,
} from './budget.js';
import { thresholdPercentOf } from './budget-status.js';
import { throttleChange, type WorkgroupSettings } from './workgroup-settings.js';

/**
 * What keeps the enforcer's actions in force through a period: throttle bypasses seen after the
 * fact, actions undone by hand and applied again, and actions released when the budget changed.
 * Pure: the enforcer reads and writes, these decide.
 */

/** Ids of the records that are not a threshold's own action. */
export const BYPASS_NOTIFY_ID = 'bypass:notify';
export const BYPASS_DISABLE_ID = 'bypass:disable';

/** The DPU throttle in force for a workgroup's period: since when, and the ceiling it set. */
export interface ThrottleInForce {
  readonly since: string;
  readonly ceiling: number;
  /** The percent of the throttle threshold that put it in force. */
  readonly thresholdPercent: number;
}

/** A query that ran above the throttled ceiling: its own DPU settings won over the workgroup's. */
export interface Bypass {
  readonly queryExecutionId: string;
  readonly dpuCount: number;
  readonly submittedAt: string;
}

/**
 * The DPU throttle the budget put in force this period, from its action records: only a
 * throttle actually applied (not a dry run, not a protected budget's notification) counts.
 */
export function throttleInForceOf(
  budget: Budget,
  actions: readonly ActionRecord[],
): ThrottleInForce | undefined {
  const ceiling = budget.throttleMaxDpu;
  if (ceiling === undefined) return undefined;
  const throttles = new Map(
    budget.thresholds
      .filter((threshold) => threshold.action === 'throttle')
      .map((threshold) => [thresholdId(threshold), threshold.percent]),
  );
  const [first] = actions
    .filter(
      (record) =>
        throttles.has(record.thresholdId) &&
        record.action === 'throttle' &&
        (record.status === 'applied' || record.status === 'no-change'),
    )
    .map((record) => ({
      since: record.completedAt ?? record.claimedAt,
      ceiling,
      thresholdPercent: throttles.get(record.thresholdId) ?? 0,
    }))
    .sort((a, b) => a.since.localeCompare(b.since));
  return first;
}

/**
 * The queries of the budget's workgroup and period that sidestepped the throttle: submitted
 * after it was put in force, with a peak `DpuCount` above its ceiling. Athena does not return a
 * query's own EngineConfiguration, so this after-the-fact view is the only one there is.
 */
export function bypassesOf(
  key: EnforcementKey,
  throttle: ThrottleInForce,
  usages: readonly QueryUsage[],
): Bypass[] {
  const since = Date.parse(throttle.since);
  const bypasses: Bypass[] = [];
  for (const usage of usages) {
    if (
      usage.workgroup === key.workgroup &&
      usage.periods[key.period] === key.periodKey &&
      usage.dpuCount !== null &&
      usage.dpuCount > throttle.ceiling &&
      Date.parse(usage.submittedAt) > since
    ) {
      bypasses.push({
        queryExecutionId: usage.queryExecutionId,
        dpuCount: usage.dpuCount,
        submittedAt: usage.submittedAt,
      });
    }
  }
  return bypasses;
}

/** How many query ids an alert names. */
const NAMED_IN_ALERT = 5;

/** `3 queries ran above max-dpu-count 8 since 10:00:00Z: id (64 DPU), ...`. */
export function describeBypasses(bypasses: readonly Bypass[], throttle: ThrottleInForce): string {
  const named = bypasses
    .slice(0, NAMED_IN_ALERT)
    .map((bypass) => `${bypass.queryExecutionId} (${bypass.dpuCount} DPU)`)
    .join(', ');
  const more =
    bypasses.length > NAMED_IN_ALERT ? `, and ${bypasses.length - NAMED_IN_ALERT} more` : '';
  const count = `${bypasses.length} ${bypasses.length === 1 ? 'query' : 'queries'}`;
  return `${count} ran above the throttled max-dpu-count ${throttle.ceiling} since ${throttle.since} with DPU settings of their own: ${named}${more}. The workgroup does not enforce its configuration; see 'athena-cost budget set --enforce-workgroup-config'`;
}

/** An action found undone by hand, to apply again. */
export interface UndoneAction {
  readonly action: Extract<ThresholdAction, 'throttle' | 'disable'>;
  /** The record of the action that was undone. */
  readonly record: ActionRecord;
}

/**
 * The applied actions that are still owed this period: applied after the budget was last set,
 * not followed by a pause, their threshold still crossed (a bypass disable stays owed).
 * Empty while the budget is paused or protected, or in dry run.
 */
export function actionsInForce(
  budget: Budget,
  actions: readonly ActionRecord[],
  usedPercent: number,
  at: Date,
): ActionRecord[] {
  if (budget.dryRun || budget.protected || isPaused(budget, at)) return [];
  const ownThresholds = new Map(
    budget.thresholds.map((threshold) => [thresholdId(threshold), threshold]),
  );
  const changedAt = Date.parse(budget.updatedAt);
  const pausedAt = budget.pausedAt === undefined ? undefined : Date.parse(budget.pausedAt);
  return actions.filter((record) => {
    if (record.status !== 'applied' || record.completedAt === undefined) return false;
    const completedAt = Date.parse(record.completedAt);
    if (completedAt < changedAt || (pausedAt !== undefined && pausedAt > completedAt)) return false;
    if (record.thresholdId === BYPASS_DISABLE_ID) return budget.onBypass === 'disable';
    const threshold = ownThresholds.get(record.thresholdId);
    return (
      threshold !== undefined &&
      effectiveAction(budget, threshold) !== 'notify' &&
      usedPercent >= threshold.percent
    );
  });
}

/**
 * Which actions in force the workgroup no longer shows: re-enabled while a disable is owed, or
 * its ceiling raised (or EnforceWorkGroupConfiguration turned off, where the budget sets it)
 * while a throttle is owed.
 */
export function undoneActions(
  budget: Budget,
  inForce: readonly ActionRecord[],
  current: WorkgroupSettings,
): UndoneAction[] {
  const undone: UndoneAction[] = [];
  const disable = inForce.find((record) => record.action !== 'throttle');
  if (disable !== undefined && current.state === 'ENABLED') {
    undone.push({ action: 'disable', record: disable });
  }
  const throttle = inForce.find((record) => record.action === 'throttle');
  if (throttle !== undefined && throttleChange(current, budget).kind === 'update') {
    undone.push({ action: 'throttle', record: throttle });
  }
  return undone;
}

/**
 * The records to release because the budget was set again since they were taken and their
 * threshold is no longer crossed (or no longer in the budget): they can apply again later in the
 * period. Bypass records stay: they are about queries, not thresholds.
 */
export function releasableActions(
  budget: Budget,
  actions: readonly ActionRecord[],
  usedPercent: number,
): ActionRecord[] {
  const changedAt = Date.parse(budget.updatedAt);
  const ownThresholds = new Set(budget.thresholds.map((threshold) => thresholdId(threshold)));
  return actions.filter((record) => {
    if (record.status === 'claimed' || record.thresholdId.startsWith('bypass:')) return false;
    if (Date.parse(record.completedAt ?? record.claimedAt) >= changedAt) return false;
    const percent = thresholdPercentOf(record.thresholdId);
    return (
      !ownThresholds.has(baseThresholdId(record.thresholdId)) ||
      percent === null ||
      usedPercent < percent
    );
  });
}

/** The id of an action applied again: its threshold's, with when. */
export const reappliedId = (record: ActionRecord, at: Date): string =>
  `${baseThresholdId(record.thresholdId)}@${at.toISOString()}`;

/** `100:disable` for `100:disable@2026-11-25T15:00:00.000Z`. */
const baseThresholdId = (id: string): string => id.split('@')[0] ?? id;
