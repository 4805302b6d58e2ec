import type { AlertPublisher } from '../alerts/alert-publisher.js';
import { mapWithConcurrency } from '../async/map-with-concurrency.js';
import type { WorkgroupSettingsGateway } from '../athena/workgroup-gateway.js';
import type { Log } from '../log.js';
import type { OutboxEntry } from '../metrics/metrics-outbox.js';
import type { EnforcementKey, EnforcementStore } from '../store/enforcement-store.js';
import { counterId } from '../store/usage-counter-reader.js';
import { periodBounds } from '../usage/period-keys.js';
import type { QueryUsage } from '../usage/query-usage.js';
import { type Budget, effectiveAction, isPaused, type ThresholdAction } from './budget.js';
import { type BudgetUsageFigures, thresholdPercentOf } from './budget-status.js';
import {
  actionsInForce,
  BYPASS_DISABLE_ID,
  BYPASS_NOTIFY_ID,
  type Bypass,
  bypassesOf,
  describeBypasses,
  reappliedId,
  releasableActions,
  type ThrottleInForce,
  throttleInForceOf,
  undoneActions,
} from './enforcement-holds.js';

/** A workgroup over an action threshold is looked at in Athena at most this often per instance. */
export const RECHECK_INTERVAL_MS = 60_000;
const PARALLEL_MARKS = 8;

/** What carrying out an action on the workgroup gave. */
export interface ActionOutcome {
  readonly status: 'applied' | 'dry-run' | 'no-change';
  readonly detail: string;
}

export interface EnforcementKeeperDependencies {
  readonly enforcement: EnforcementStore;
  readonly workgroups: WorkgroupSettingsGateway;
  readonly alerts: AlertPublisher;
  readonly logger: Log;
  readonly now: () => Date;
  /** The enforcer's own way of throttling or disabling the workgroup (snapshot, record, apply). */
  readonly carryOut: (
    action: ThresholdAction,
    budget: Budget,
    key: EnforcementKey,
    owner: string,
  ) => Promise<ActionOutcome>;
}

/** One budget's evaluation in one batch. */
export interface KeptBudget {
  readonly budget: Budget;
  readonly key: EnforcementKey;
  readonly usedPercent: number;
  /** Usage against each limit, for the alerts. */
  readonly usage: BudgetUsageFigures;
  readonly at: Date;
  /** The execution-claim owner of this evaluation run. */
  readonly owner: string;
}

/**
 * Keeps a budget's actions in force through its period, after the thresholds are applied:
 * releases actions when the budget is set again, counts queries that sidestep a DPU throttle
 * (and disables on them when the budget says so), and applies again an action undone by hand.
 * Each Athena change is made under the workgroup's execution claim, like the thresholds'.
 */
export function createEnforcementKeeper(deps: EnforcementKeeperDependencies) {
  const { enforcement, logger, now } = deps;
  /** By period and budget version: a throttle once in force stays in force for that version. */
  const throttles = new Map<string, ThrottleInForce>();
  /** Periods whose bypass alert went out, and whose bypass disable was taken. */
  const bypassAlerted = new Set<string>();
  const bypassDisabled = new Set<string>();
  /** The budget version whose released actions were looked for, by period. */
  const releaseChecked = new Map<string, string>();
  /** When each workgroup was last looked at in Athena for an action undone by hand. */
  const lastRecheck = new Map<string, number>();

  const versionOf = (kept: KeptBudget) => `${counterId(kept.key)}#${kept.budget.updatedAt}`;

  /**
   * Once per budget version and period: when the budget was set again during the period, the
   * actions of thresholds it no longer crosses are forgotten, so they can apply again later.
   */
  async function releaseOnChange(kept: KeptBudget): Promise<void> {
    const { budget, key } = kept;
    const id = counterId(key);
    if (releaseChecked.get(id) === budget.updatedAt) return;
    const periodStart = periodBounds(key.period, key.periodKey).start.getTime();
    if (Date.parse(budget.updatedAt) > periodStart) {
      const actions = await enforcement.actions(key);
      for (const record of releasableActions(budget, actions, kept.usedPercent)) {
        await enforcement.forget(key, record.thresholdId);
        logger.info('Released the action of a threshold the changed budget no longer crosses', {
          workgroup: key.workgroup,
          thresholdId: record.thresholdId,
          usedPercent: kept.usedPercent,
        });
      }
    }
    releaseChecked.set(id, budget.updatedAt);
  }

  /**
   * Counts, once each, the recorded queries that ran above the throttle in force, alerts once per
   * period, and disables the workgroup at the first one when the budget says `onBypass: disable`.
   * Each query counted now puts its `ThrottleBypassedQueries` outbox entry with its marker; the
   * entries go into `entries` before anything else can fail, for the batch's PutMetricData (and
   * the sweep publishes whatever that misses).
   */
  async function countBypasses(
    kept: KeptBudget,
    usages: readonly QueryUsage[],
    entries: OutboxEntry[],
  ): Promise<void> {
    if (usages.length === 0) return;
    const throttle = await throttleInForce(kept);
    if (throttle === undefined) return;
    const bypasses = bypassesOf(kept.key, throttle, usages);
    if (bypasses.length === 0) return;
    await mapWithConcurrency(bypasses, PARALLEL_MARKS, async (bypass) => {
      const entry = await enforcement.markBypass(kept.key, bypass, kept.at);
      if (entry !== undefined) entries.push(entry);
    });
    await alertOnce(kept, throttle, bypasses);
    if (kept.budget.onBypass === 'disable') await disableOnBypass(kept, throttle);
  }

  async function throttleInForce(kept: KeptBudget): Promise<ThrottleInForce | undefined> {
    const { budget } = kept;
    if (budget.throttleMaxDpu === undefined || budget.dryRun || budget.protected) return undefined;
    const lowest = budget.thresholds.find((threshold) => threshold.action === 'throttle');
    if (lowest === undefined || kept.usedPercent < lowest.percent) return undefined;
    const version = versionOf(kept);
    const known = throttles.get(version);
    if (known !== undefined) return known;
    const found = throttleInForceOf(budget, await enforcement.actions(kept.key));
    if (found !== undefined) throttles.set(version, found);
    return found;
  }

  async function alertOnce(
    kept: KeptBudget,
    throttle: ThrottleInForce,
    bypasses: readonly Bypass[],
  ): Promise<void> {
    const id = counterId(kept.key);
    if (bypassAlerted.has(id)) return;
    const detail = describeBypasses(bypasses, throttle);
    const first = await enforcement.recordOnce(
      kept.key,
      {
        thresholdId: BYPASS_NOTIFY_ID,
        action: 'notify',
        status: 'applied',
        usedPercent: kept.usedPercent,
        detail,
      },
      now(),
    );
    bypassAlerted.add(id);
    if (!first) return;
    await deps.alerts.publish({
      kind: 'throttle-bypass',
      ...kept.key,
      usage: kept.usage,
      ceiling: throttle.ceiling,
      queries: bypasses
        .slice(0, 5)
        .map(({ queryExecutionId, dpuCount }) => ({ queryExecutionId, dpuCount })),
      bypassedQueries: bypasses.length,
      detail,
      at: now().toISOString(),
    });
  }

  async function disableOnBypass(kept: KeptBudget, throttle: ThrottleInForce): Promise<void> {
    const { budget, key } = kept;
    const id = counterId(key);
    if (bypassDisabled.has(id) || isPaused(budget, kept.at)) return;
    await underExecutionClaim(kept, async () => {
      const done = (await enforcement.actions(key)).some(
        (record) => record.thresholdId === BYPASS_DISABLE_ID,
      );
      if (!done) {
        const outcome = await deps.carryOut('disable', budget, key, kept.owner);
        const detail = `a query ran above the throttled max-dpu-count ${throttle.ceiling} (onBypass: disable): ${outcome.detail}`;
        await enforcement.complete(
          key,
          {
            thresholdId: BYPASS_DISABLE_ID,
            action: 'disable',
            status: outcome.status,
            usedPercent: kept.usedPercent,
            detail,
          },
          now(),
        );
        await publishAction(
          kept,
          'disable',
          throttle.thresholdPercent,
          outcome,
          detail,
          'throttle-bypass',
        );
      }
      bypassDisabled.add(id);
    });
  }

  /**
   * At most once a minute per workgroup, while it is over an action threshold: reads the
   * workgroup, and applies again, once, an action owed this period that someone undid by hand
   * (re-enabled while a disable is owed, ceiling raised while a throttle is).
   */
  async function keepActionsInForce(kept: KeptBudget): Promise<void> {
    const { budget, key, at } = kept;
    if (budget.dryRun || budget.protected || isPaused(budget, at)) return;
    const overAction = budget.thresholds.some(
      (threshold) =>
        effectiveAction(budget, threshold) !== 'notify' && kept.usedPercent >= threshold.percent,
    );
    if (!overAction && !bypassDisabled.has(counterId(key))) return;
    const last = lastRecheck.get(key.workgroup);
    if (last !== undefined && at.getTime() - last < RECHECK_INTERVAL_MS) return;
    lastRecheck.set(key.workgroup, at.getTime());

    const owed = actionsInForce(budget, await enforcement.actions(key), kept.usedPercent, at);
    if (owed.length === 0) return;
    const current = await deps.workgroups.getSettings(key.workgroup);
    if (undoneActions(budget, owed, current).length === 0) return;
    const claimed = await underExecutionClaim(
      kept,
      async () => {
        // Read again under the claim: another owner may have applied them again already.
        const stillOwed = actionsInForce(
          budget,
          await enforcement.actions(key),
          kept.usedPercent,
          at,
        );
        const current = await deps.workgroups.getSettings(key.workgroup);
        for (const { action, record } of undoneActions(budget, stillOwed, current)) {
          const outcome = await deps.carryOut(action, budget, key, kept.owner);
          const detail =
            action === 'disable'
              ? `re-enabled by hand while over budget; disabled again; to let it run, raise the limit or 'athena-cost budget pause --workgroup ${key.workgroup}'`
              : `throttle undone by hand while over budget; ${outcome.detail} again; to let it run, raise the limit or 'athena-cost budget pause --workgroup ${key.workgroup}'`;
          await enforcement.complete(
            key,
            {
              thresholdId: reappliedId(record, now()),
              action,
              status: outcome.status,
              usedPercent: kept.usedPercent,
              detail,
            },
            now(),
          );
          const percent = thresholdPercentOf(record.thresholdId) ?? kept.usedPercent;
          await publishAction(kept, action, percent, outcome, detail, 'undone-by-hand');
        }
      },
      false,
    );
    // Held by another owner: look again at the next batch rather than in a minute.
    if (!claimed) lastRecheck.delete(key.workgroup);
  }

  /**
   * Runs `work` under the workgroup's execution claim. When another owner holds it, either
   * fails (the batch is redelivered and tries again) or, with `required` false, returns false.
   */
  async function underExecutionClaim(
    kept: KeptBudget,
    work: () => Promise<void>,
    required = true,
  ): Promise<boolean> {
    if (!(await enforcement.acquire(kept.key, kept.owner, kept.at))) {
      if (!required) return false;
      throw new Error(
        'another invocation holds the execution claim of this workgroup and period; redelivered to try again',
      );
    }
    try {
      await work();
      return true;
    } finally {
      await enforcement.releaseExecution(kept.key, kept.owner).catch((error: unknown) =>
        logger.error('Could not release the execution claim; it expires with its lease', {
          workgroup: kept.key.workgroup,
          error: error instanceof Error ? error.message : String(error),
        }),
      );
    }
  }

  async function publishAction(
    kept: KeptBudget,
    action: ThresholdAction,
    thresholdPercent: number,
    outcome: ActionOutcome,
    detail: string,
    cause: 'undone-by-hand' | 'throttle-bypass',
  ): Promise<void> {
    await deps.alerts.publish({
      kind: 'budget-action',
      cause,
      ...kept.key,
      action,
      thresholdPercent,
      usedPercent: kept.usedPercent,
      usage: kept.usage,
      throttleMaxDpu: kept.budget.throttleMaxDpu,
      throttleBytesScannedCutoff: kept.budget.throttleBytesScannedCutoff,
      throttleMaxConcurrentDpus: kept.budget.throttleMaxConcurrentDpus,
      dryRun: kept.budget.dryRun,
      outcome: outcome.status,
      detail,
      at: now().toISOString(),
    });
  }

  return { releaseOnChange, countBypasses, keepActionsInForce };
}

export type EnforcementKeeper = ReturnType<typeof createEnforcementKeeper>;
