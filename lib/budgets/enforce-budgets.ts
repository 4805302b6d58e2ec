import { randomUUID } from 'node:crypto';
import type { AlertPublisher } from '../alerts/alert-publisher.js';
import { mapWithConcurrency } from '../async/map-with-concurrency.js';
import type { WorkgroupGateway, WorkgroupSettingsGateway } from '../athena/workgroup-gateway.js';
import { describeError } from '../errors/describe-error.js';
import { formatBytes } from '../format/format-values.js';
import type { AfterRecording } from '../ingest/record-queries.js';
import type { Log } from '../log.js';
import type { HeldOutboxEntries, OutboxEntry } from '../metrics/metrics-outbox.js';
import { type MetricsPublisher, publishOrLog } from '../metrics/metrics-publisher.js';
import type { MetricPoint } from '../metrics/usage-metrics.js';
import type { EnforcementKey, EnforcementStore } from '../store/enforcement-store.js';
import { counterId, type UsageCounterReader } from '../store/usage-counter-reader.js';
import { periodBounds, periodKeyFor } from '../usage/period-keys.js';
import type { QueryUsage } from '../usage/query-usage.js';
import { type UsageTotals, ZERO_TOTALS } from '../usage/usage-totals.js';
import {
  type Budget,
  effectiveAction,
  isPaused,
  type Threshold,
  type ThresholdAction,
  thresholdId,
} from './budget.js';
import { type BudgetUsageFigures, usageFiguresOf } from './budget-status.js';
import { type BudgetUsage, budgetUsageOf } from './budget-usage.js';
import { evaluateBudget } from './evaluate-budget.js';
import { type ActionOutcome, createEnforcementKeeper } from './keep-enforcement.js';
import { createRestoreWorkgroups } from './restore-workgroups.js';
import {
  appliedFieldsOf,
  disableChange,
  throttleChange,
  type WorkgroupChange,
} from './workgroup-settings.js';

const PARALLEL_WORKGROUPS = 4;

/**
 * What disable-now stops once the workgroup is disabled: a SQL workgroup's queued and running
 * queries, a Spark workgroup's active sessions.
 */
export interface RunningWorkStopper {
  /** What it stops. */
  readonly stops: 'queries' | 'sessions';
  /** What it does, for the action's description: `stop its running queries`. */
  readonly intent: string;
  /** Stops what runs in the workgroup, under the period's execution claim held by `owner`; returns the detail. */
  stop(key: EnforcementKey, owner: string): Promise<string>;
}

export interface WorkgroupEnforcementDependencies {
  /** The current budgets (cached by the caller: they change rarely). */
  readonly budgets: () => Promise<readonly Budget[]>;
  readonly counters: UsageCounterReader;
  readonly enforcement: EnforcementStore;
  readonly workgroups: WorkgroupSettingsGateway;
  /** What disable-now stops once the workgroup is disabled. */
  readonly runningWork: RunningWorkStopper;
  readonly alerts: AlertPublisher;
  readonly metrics: MetricsPublisher;
  /** Where the outbox entries of counted bypasses go, for the batch's PutMetricData. */
  readonly outbox: Pick<HeldOutboxEntries, 'add'>;
  readonly logger: Log;
  readonly now?: () => Date;
  /** A token unique to each evaluation run: the owner of the execution claims it takes. */
  readonly ownerToken?: () => string;
}

/** The enforcer of SQL workgroups: disable-now stops the workgroup's queries. */
export interface BudgetEnforcementDependencies
  extends Omit<WorkgroupEnforcementDependencies, 'workgroups' | 'runningWork'> {
  readonly workgroups: WorkgroupGateway;
}

/** The workgroups one evaluation looks at, and the usage recorded that brought them. */
export interface WorkgroupsToEvaluate {
  /** Workgroups whose budgets are evaluated. */
  readonly touched: ReadonlySet<string>;
  /** Those whose usage changed now: their BudgetUsedPercent is published. */
  readonly changed: ReadonlySet<string>;
  /** The query usages recorded, looked at for throttle bypasses. */
  readonly usages: readonly QueryUsage[];
}

/** Evaluates the budgets of the given workgroups; returns the workgroups not all settled, with why. */
export type EvaluateWorkgroupBudgets = (
  workgroups: WorkgroupsToEvaluate,
) => Promise<Map<string, string>>;

/**
 * The enforcer as the query recording path calls it: the workgroups of the queries recorded now
 * and earlier in the batch. See {@link createWorkgroupBudgetEnforcer}.
 */
export function createBudgetEnforcer(deps: BudgetEnforcementDependencies): AfterRecording {
  const evaluate = createWorkgroupBudgetEnforcer({
    ...deps,
    runningWork: queryStopper(deps.workgroups),
  });
  return (recordedNow, recordedEarlier) =>
    evaluate({
      touched: new Set([...recordedNow, ...recordedEarlier].map((usage) => usage.workgroup)),
      changed: new Set(recordedNow.map((usage) => usage.workgroup)),
      usages: [...recordedNow, ...recordedEarlier],
    });
}

/**
 * Evaluates the budgets of the workgroups a batch touched against their current period's usage
 * and applies every newly crossed threshold in ascending order, each at most once per period.
 * The actions of a workgroup and period are carried out by one owner at a time, under an
 * execution claim with a lease. A workgroup whose crossed thresholds are not all settled after
 * this run — its claim held by another owner, or an action failed — is returned, so its records
 * are redelivered and the evaluation runs again: no crossed threshold is left silently.
 */
export function createWorkgroupBudgetEnforcer(
  deps: WorkgroupEnforcementDependencies,
): EvaluateWorkgroupBudgets {
  const now = deps.now ?? (() => new Date());
  const ownerToken = deps.ownerToken ?? (() => randomUUID());
  const { logger } = deps;
  const keeper = createEnforcementKeeper({
    enforcement: deps.enforcement,
    workgroups: deps.workgroups,
    alerts: deps.alerts,
    logger,
    now,
    carryOut: (action, budget, key, owner) => carryOut(action, budget, key, owner),
  });
  const restoreEnded = createRestoreWorkgroups({
    enforcement: deps.enforcement,
    workgroups: deps.workgroups,
    alerts: deps.alerts,
    logger,
    now,
  });
  /** Periods whose workgroup is known to carry nothing over from an ended period. */
  const startedClean = new Set<string>();
  /**
   * A new period starts clean whatever restore's schedule: before the period's first change to a
   * workgroup, what the enforcer set in an ended period is given back (restore's own rules), so
   * the new snapshot is the workgroup's own settings, not yesterday's throttle or disable.
   */
  async function startClean(key: EnforcementKey): Promise<void> {
    const id = counterId(key);
    if (startedClean.has(id)) return;
    const failed = (await restoreEnded({ workgroup: key.workgroup })).filter(
      (result) => result.outcome === 'failed',
    );
    if (failed.length > 0) {
      throw new Error(
        `could not restore the ended period of ${key.workgroup} first: ${failed.map((result) => result.detail).join('; ')}`,
      );
    }
    startedClean.add(id);
  }
  /**
   * Thresholds known to be settled, by enforcement key. A settled action record is never removed
   * (only an abandoned claim is), so once seen it needs no reading again: without this, every
   * batch after a budget's first threshold read the action records of its workgroup again.
   */
  const knownSettled = new Map<string, Set<string>>();
  // By budget version too: setting a budget again may release actions of its period.
  const settledOf = (key: EnforcementKey, budget: Budget): Set<string> => {
    const id = `${counterId(key)}#${budget.updatedAt}`;
    let settled = knownSettled.get(id);
    if (settled === undefined) {
      settled = new Set();
      knownSettled.set(id, settled);
    }
    return settled;
  };

  const { runningWork } = deps;

  return async function enforceBudgets({ touched, changed, usages }) {
    const failures = new Map<string, string>();
    let budgets: readonly Budget[];
    try {
      budgets = (await deps.budgets()).filter((budget) => touched.has(budget.workgroup));
    } catch (error) {
      // Without budgets nothing can be evaluated: have every touched workgroup's records redelivered.
      for (const workgroup of touched)
        failures.set(workgroup, `budgets unreadable: ${describeError(error)}`);
      return failures;
    }
    if (budgets.length === 0) return failures;

    const at = now();
    const keyOf = (budget: Budget): EnforcementKey => ({
      workgroup: budget.workgroup,
      period: budget.period,
      periodKey: periodKeyFor(budget.period, at),
    });
    let totals: Awaited<ReturnType<UsageCounterReader['totalsFor']>>;
    try {
      totals = await deps.counters.totalsFor(budgets.map(keyOf));
    } catch (error) {
      for (const budget of budgets)
        failures.set(budget.workgroup, `usage unreadable: ${describeError(error)}`);
      return failures;
    }

    const owner = ownerToken();
    const usagesOf = (workgroup: string) => usages.filter((usage) => usage.workgroup === workgroup);
    const points: MetricPoint[] = [];
    const entries: OutboxEntry[] = [];
    await mapWithConcurrency(budgets, PARALLEL_WORKGROUPS, async (budget) => {
      const key = keyOf(budget);
      const periodTotals = totals.get(counterId(key)) ?? ZERO_TOTALS;
      const usage = budgetUsageOf(budget, periodTotals);
      if (changed.has(budget.workgroup)) {
        points.push({
          name: 'BudgetUsedPercent',
          workgroup: budget.workgroup,
          unit: 'Percent',
          timestamp: at,
          value: { kind: 'value', value: usage.usedPercent },
        });
      }
      const kept = {
        budget,
        key,
        usedPercent: usage.usedPercent,
        usage: usageFiguresOf(budget, usage),
        at,
        owner,
      };
      try {
        await keeper.releaseOnChange(kept);
        if (crossesAnyThreshold(budget, usage))
          await enforceBudget(budget, key, periodTotals, at, owner);
        await keeper.countBypasses(kept, usagesOf(budget.workgroup), entries);
        await keeper.keepActionsInForce(kept);
      } catch (error) {
        failures.set(budget.workgroup, describeError(error));
        logger.error('Budget enforcement failed; the batch will be redelivered', {
          workgroup: budget.workgroup,
          error: describeError(error),
        });
      }
    });
    deps.outbox.add(entries);
    await publishOrLog(deps.metrics, points, logger);
    return failures;
  };

  async function enforceBudget(
    budget: Budget,
    key: EnforcementKey,
    periodTotals: UsageTotals,
    at: Date,
    owner: string,
  ) {
    const settled = settledOf(key, budget);
    // A paused budget still notifies; its actions stay unclaimed, to be taken once it resumes.
    const paused = isPaused(budget, at);
    const toApply = (crossed: readonly Threshold[]) =>
      paused
        ? crossed.filter((threshold) => effectiveAction(budget, threshold) === 'notify')
        : crossed;
    const unsettled = async () => {
      for (const record of await deps.enforcement.actions(key)) {
        if (record.status !== 'claimed') settled.add(record.thresholdId);
      }
      const evaluation = evaluateBudget(budget, periodTotals, settled);
      return { usedPercent: evaluation.usedPercent, crossed: toApply(evaluation.crossed) };
    };
    if (toApply(evaluateBudget(budget, periodTotals, settled).crossed).length === 0) return;
    if ((await unsettled()).crossed.length === 0) return;
    if (!(await deps.enforcement.acquire(key, owner, at))) {
      throw new Error(
        'another invocation holds the execution claim of this workgroup and period; redelivered to check its actions were applied',
      );
    }
    try {
      // Read again under the claim: the previous owner may have settled some since.
      const evaluation = await unsettled();
      const usage = usageFiguresOf(budget, budgetUsageOf(budget, periodTotals));
      for (const threshold of evaluation.crossed) {
        await applyThreshold(budget, key, threshold, evaluation.usedPercent, usage, owner);
      }
    } finally {
      await deps.enforcement.releaseExecution(key, owner).catch((error: unknown) =>
        logger.error('Could not release the execution claim; it expires with its lease', {
          workgroup: key.workgroup,
          error: describeError(error),
        }),
      );
    }
  }

  async function applyThreshold(
    budget: Budget,
    key: EnforcementKey,
    threshold: Threshold,
    usedPercent: number,
    usage: BudgetUsageFigures,
    owner: string,
  ) {
    const id = thresholdId(threshold);
    const action = effectiveAction(budget, threshold);
    let outcome: ActionOutcome;
    try {
      outcome = await carryOut(action, budget, key, owner);
    } catch (error) {
      await deps.alerts.publish({
        kind: 'budget-action-failed',
        ...key,
        action,
        ...stopsOf(runningWork),
        thresholdPercent: threshold.percent,
        usedPercent,
        usage,
        error: describeError(error),
        at: now().toISOString(),
      });
      throw error;
    }
    await deps.enforcement.complete(
      key,
      { thresholdId: id, action, status: outcome.status, usedPercent, detail: outcome.detail },
      now(),
    );
    settledOf(key, budget).add(id);
    await deps.alerts.publish({
      kind: 'budget-action',
      workgroup: budget.workgroup,
      period: key.period,
      periodKey: key.periodKey,
      action,
      thresholdPercent: threshold.percent,
      usedPercent,
      usage,
      throttleMaxDpu: budget.throttleMaxDpu,
      throttleBytesScannedCutoff: budget.throttleBytesScannedCutoff,
      throttleMaxConcurrentDpus: budget.throttleMaxConcurrentDpus,
      ...stopsOf(runningWork),
      dryRun: budget.dryRun,
      outcome: outcome.status,
      detail: outcome.detail,
      at: now().toISOString(),
    });
  }

  async function carryOut(
    action: ThresholdAction,
    budget: Budget,
    key: EnforcementKey,
    owner: string,
  ): Promise<ActionOutcome> {
    if (action === 'notify') return { status: 'applied', detail: 'notified' };
    if (budget.dryRun)
      return { status: 'dry-run', detail: `would ${describeIntent(action, budget, runningWork)}` };

    await startClean(key);
    const current = await deps.workgroups.getSettings(budget.workgroup);
    const change: WorkgroupChange =
      action === 'throttle' ? throttleChange(current, budget) : disableChange(current);
    let detail =
      change.kind === 'none' ? change.reason : describeIntent(action, budget, runningWork);
    if (change.kind === 'update') {
      const periodEnd = periodBounds(key.period, key.periodKey).end;
      await deps.enforcement.saveSnapshot(key, current, periodEnd);
      // Recorded before the call, field by field (what an earlier action set stays): should the
      // call succeed and the invocation die, restore still knows what the product set.
      await deps.enforcement.recordApplied(key, appliedFieldsOf(current, change.resulting), now());
      await deps.workgroups.apply(budget.workgroup, change);
    }
    if (action === 'disable-now') detail += `; ${await runningWork.stop(key, owner)}`;
    return { status: change.kind === 'none' ? 'no-change' : 'applied', detail };
  }
}

/** Whether usage reached the lowest threshold: below it, no claim needs reading. */
function crossesAnyThreshold(budget: Budget, usage: BudgetUsage): boolean {
  const lowest = budget.thresholds[0];
  return lowest !== undefined && usage.usedPercent >= lowest.percent;
}

/** The alerts' `stops`: set for sessions only, so SQL alerts read as before. */
const stopsOf = (runningWork: RunningWorkStopper) =>
  runningWork.stops === 'sessions' ? { stops: 'sessions' as const } : {};

/** Disable-now on a SQL workgroup: its queued and running queries are stopped. */
function queryStopper(workgroups: WorkgroupGateway): RunningWorkStopper {
  return {
    stops: 'queries',
    intent: 'stop its running queries',
    async stop(key) {
      const { stopped, failed } = await workgroups.stopActiveQueries(key.workgroup);
      let detail = `stopped ${stopped.length} running or queued queries`;
      if (failed.length > 0) detail += `, could not stop ${failed.length}: ${failed.join(', ')}`;
      return detail;
    },
  };
}

function describeIntent(
  action: ThresholdAction,
  budget: Budget,
  runningWork: RunningWorkStopper,
): string {
  switch (action) {
    case 'notify':
      return 'notify';
    case 'throttle':
      if (budget.throttleMaxDpu !== undefined)
        return `throttle max-dpu-count to ${budget.throttleMaxDpu}`;
      if (budget.throttleBytesScannedCutoff !== undefined)
        return `throttle BytesScannedCutoffPerQuery to ${formatBytes(budget.throttleBytesScannedCutoff)}`;
      return `throttle MaxConcurrentDpus of new sessions to ${budget.throttleMaxConcurrentDpus ?? 0}`;
    case 'disable':
      return 'disable the workgroup';
    case 'disable-now':
      return `disable the workgroup and ${runningWork.intent}`;
  }
}
