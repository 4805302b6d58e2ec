import type { AlertPublisher } from '../alerts/alert-publisher.js';
import { describeError } from '../errors/describe-error.js';
import type { Log } from '../log.js';
import { BUDGET_USED_PERCENT_METRIC } from '../metrics/budget-alarms.js';
import { type MetricsPublisher, publishOrLog } from '../metrics/metrics-publisher.js';
import type { MetricPoint } from '../metrics/usage-metrics.js';
import {
  type AttributionCounterReader,
  attributionPeriodId,
} from '../store/attribution-counter-reader.js';
import type { AttributionNotifications } from '../store/enforcement-store.js';
import type { Period } from '../usage/period-keys.js';
import { countedAttributions } from '../usage/query-attribution.js';
import type { QueryUsage } from '../usage/query-usage.js';
import { type UsageTotals, ZERO_TOTALS } from '../usage/usage-totals.js';
import {
  type AttributionBudget,
  type AttributionPeriod,
  attributionBudgetUsageOf,
  attributionLabel,
  attributionOfLabel,
  attributionThresholdId,
  crossedAttributionThresholds,
} from './attribution-budget.js';
import { usageFiguresOf } from './budget-status.js';
import { type SubjectPeriod, subjectPeriodAt } from './budget-subject.js';
import type { BudgetUsage } from './budget-usage.js';

/** An attribution value a batch counted usage under, and in which workgroup. */
export interface TouchedAttribution {
  readonly key: string;
  readonly value: string;
  readonly workgroup: string;
  /** Whether the usage is new in this batch (its BudgetUsedPercent is published). */
  readonly changed: boolean;
}

export interface AttributionBudgetNotifierDependencies {
  /** The current attribution budgets (cached by the caller: they change rarely). */
  readonly budgets: () => Promise<readonly AttributionBudget[]>;
  readonly counters: AttributionCounterReader;
  /** The workgroups with usage in a period (cached by the caller, see cachedWorkgroupsWithUsage). */
  readonly workgroupsWithUsage: (period: Period, periodKey: string) => Promise<readonly string[]>;
  /** Where each notification is recorded once per threshold and period: the action records. */
  readonly notifications: Pick<AttributionNotifications, 'recordOnce'>;
  readonly alerts: AlertPublisher;
  readonly metrics: MetricsPublisher;
  readonly logger: Log;
  readonly now?: () => Date;
}

/** Evaluates the budgets of the values touched; returns the workgroups whose records must come again, with why. */
export type NotifyAttributionBudgets = (
  touched: readonly TouchedAttribution[],
) => Promise<Map<string, string>>;

/**
 * The attribution values a batch's recorded queries count usage under (as recorded: a principal
 * is `unknown` until CloudTrail names it), by workgroup; those recorded now are `changed`.
 */
export function touchedAttributionsOf(
  recordedNow: readonly QueryUsage[],
  recordedEarlier: readonly QueryUsage[],
): TouchedAttribution[] {
  const touched = new Map<string, TouchedAttribution>();
  const add = (usages: readonly QueryUsage[], changed: boolean) => {
    for (const usage of usages)
      for (const { key, value } of countedAttributions(usage.attribution)) {
        const id = `${key}\u0000${value}\u0000${usage.workgroup}`;
        if (!touched.get(id)?.changed)
          touched.set(id, { key, value, workgroup: usage.workgroup, changed });
      }
  };
  add(recordedEarlier, false);
  add(recordedNow, true);
  return [...touched.values()];
}

/** The action-record key of an attribution budget's period. */
export const attributionEnforcementKey = (
  period: AttributionPeriod,
): SubjectPeriod<'attribution'> => ({
  attribution: period.attribution,
  period: period.period,
  periodKey: period.periodKey,
});

/**
 * Notify-only budgets on attribution values, after a batch is recorded: for each value the
 * batch touched that has a budget, reads its period's counters in every workgroup with usage in
 * the period (one consistent BatchGetItem for all of them; none when no touched value has a
 * budget), publishes its BudgetUsedPercent, and notifies each newly crossed threshold once per
 * period: a conditional put of the threshold's action record decides which of several
 * instances or redeliveries sends the alert. A value whose usage could not be read is returned
 * (by the workgroups it was touched in), so its records are redelivered and it is evaluated again.
 */
export function createAttributionBudgetNotifier(
  deps: AttributionBudgetNotifierDependencies,
): NotifyAttributionBudgets {
  const now = deps.now ?? (() => new Date());
  const { logger } = deps;
  /** Thresholds known notified, by period and budget version: their record needs no new put. */
  const knownNotified = new Set<string>();

  return async function notifyAttributionBudgets(touched) {
    const failures = new Map<string, string>();
    if (touched.length === 0) return failures;
    const byLabel = new Map<string, TouchedAttribution[]>();
    for (const entry of touched) {
      const label = attributionLabel(entry);
      byLabel.set(label, [...(byLabel.get(label) ?? []), entry]);
    }
    const failAll = (labels: Iterable<string>, reason: string) => {
      for (const label of labels)
        for (const entry of byLabel.get(label) ?? []) failures.set(entry.workgroup, reason);
    };
    let budgets: AttributionBudget[];
    try {
      budgets = (await deps.budgets()).filter((budget) => byLabel.has(attributionLabel(budget)));
    } catch (error) {
      failAll(byLabel.keys(), `attribution budgets unreadable: ${describeError(error)}`);
      return failures;
    }
    if (budgets.length === 0) return failures;

    const at = now();
    let measured: MeasuredAttributionBudget[];
    try {
      measured = await measureAttributionBudgets(budgets, at, deps, (budget) =>
        // The batch's own workgroups, whatever the (cached, eventually consistent) list says.
        (byLabel.get(attributionLabel(budget)) ?? []).map((entry) => entry.workgroup),
      );
    } catch (error) {
      failAll(
        budgets.map(attributionLabel),
        `attribution usage unreadable: ${describeError(error)}`,
      );
      return failures;
    }

    const points: MetricPoint[] = [];
    for (const { budget, period, usage } of measured) {
      const label = attributionLabel(budget);
      if ((byLabel.get(label) ?? []).some((entry) => entry.changed)) {
        points.push({
          name: BUDGET_USED_PERCENT_METRIC,
          workgroup: '',
          attribution: label,
          unit: 'Percent',
          timestamp: at,
          value: { kind: 'value', value: usage.usedPercent },
        });
      }
      const notifiedId = (id: string) => `${attributionPeriodId(period)}#${budget.updatedAt}#${id}`;
      const notified = new Set(
        budget.thresholds
          .map(attributionThresholdId)
          .filter((id) => knownNotified.has(notifiedId(id))),
      );
      try {
        for (const threshold of crossedAttributionThresholds(budget, usage.usedPercent, notified)) {
          const id = attributionThresholdId(threshold);
          const detail = `notified at ${usage.usedPercent}% of the ${budget.period} budget of ${label}`;
          const first = await deps.notifications.recordOnce(
            attributionEnforcementKey(period),
            {
              thresholdId: id,
              action: 'notify',
              status: 'applied',
              usedPercent: usage.usedPercent,
              detail,
            },
            at,
          );
          knownNotified.add(notifiedId(id));
          if (!first) continue;
          await deps.alerts.publish({
            kind: 'attribution-budget',
            ...period,
            at: at.toISOString(),
            thresholdPercent: threshold.percent,
            usedPercent: usage.usedPercent,
            usage: usageFiguresOf(budget, usage),
          });
        }
      } catch (error) {
        failAll([label], `attribution budget ${label}: ${describeError(error)}`);
        logger.error('Attribution budget notification failed; the batch will be redelivered', {
          attribution: label,
          error: describeError(error),
        });
      }
    }
    await publishOrLog(deps.metrics, points, logger);
    return failures;
  };
}

/** A budget, its current period, and its value's usage summed over `workgroups`. */
export interface MeasuredAttributionBudget {
  readonly budget: AttributionBudget;
  readonly period: AttributionPeriod;
  readonly usage: BudgetUsage;
  readonly workgroups: readonly string[];
}

/**
 * Measures each budget's value in its period holding `at`, summed over the workgroups with
 * usage in the period (and `ownWorkgroups`): one read of the period's workgroups per distinct
 * period, one BatchGetItem for every counter. The evaluation after each batch and `status`
 * measure with this, so they show one figure.
 */
export async function measureAttributionBudgets(
  budgets: readonly AttributionBudget[],
  at: Date,
  sources: AttributionUsageSources,
  ownWorkgroups: (budget: AttributionBudget) => readonly string[] = () => [],
): Promise<MeasuredAttributionBudget[]> {
  const read = await readAttributionUsage(
    budgets.map((budget) => subjectPeriodAt('attribution', budget, at)),
    sources,
    (attribution) => {
      const budget = budgets.find((candidate) => candidate.attribution === attribution);
      return budget === undefined ? [] : ownWorkgroups(budget);
    },
  );
  return budgets.flatMap((budget, index) => {
    const entry = read[index];
    if (entry === undefined) return [];
    const usage = attributionBudgetUsageOf(budget, entry.totals);
    return [{ budget, period: entry.period, usage, workgroups: entry.workgroups }];
  });
}

/** Where an attribution value's usage is read: its counters, and the period's workgroups. */
export interface AttributionUsageSources {
  readonly counters: Pick<AttributionCounterReader, 'totalsFor'>;
  readonly workgroupsWithUsage: (period: Period, periodKey: string) => Promise<readonly string[]>;
}

/**
 * Each period's usage of its value summed over the workgroups with usage in the period (and
 * `ownWorkgroups`): one read of the period's workgroups per distinct period, one BatchGetItem for
 * every counter, in the order of `periods`.
 */
export async function readAttributionUsage(
  periods: readonly SubjectPeriod<'attribution'>[],
  sources: AttributionUsageSources,
  ownWorkgroups: (attribution: string) => readonly string[] = () => [],
): Promise<
  {
    readonly period: AttributionPeriod;
    readonly totals: UsageTotals;
    readonly workgroups: readonly string[];
  }[]
> {
  const listed = new Map<string, Promise<readonly string[]>>();
  const reads = await Promise.all(
    periods.map(async (key) => {
      const period: AttributionPeriod = { ...key, ...attributionOfLabel(key.attribution) };
      const id = `${period.period}#${period.periodKey}`;
      let workgroups = listed.get(id);
      if (workgroups === undefined) {
        workgroups = sources.workgroupsWithUsage(period.period, period.periodKey);
        listed.set(id, workgroups);
      }
      return {
        period,
        workgroups: [...new Set([...(await workgroups), ...ownWorkgroups(key.attribution)])],
      };
    }),
  );
  const totals = await sources.counters.totalsFor(
    reads.map(({ period, workgroups }) => ({ ...period, workgroups })),
  );
  return reads.map((read) => ({
    ...read,
    totals: totals.get(attributionPeriodId(read.period)) ?? ZERO_TOTALS,
  }));
}

/**
 * The workgroups with usage in a period, read at most once per `ttlMs` per Lambda instance and
 * period: the evaluation adds the batch's own workgroups, so what a stale list can miss is
 * another instance's workgroup whose first usage of the period came within `ttlMs`.
 */
export function cachedWorkgroupsWithUsage(
  counters: Pick<AttributionCounterReader, 'workgroupsWithUsage'>,
  ttlMs = 30_000,
  now: () => number = Date.now,
): (period: Period, periodKey: string) => Promise<readonly string[]> {
  const cache = new Map<
    string,
    { readonly workgroups: readonly string[]; readonly until: number }
  >();
  return async (period, periodKey) => {
    const id = `${period}#${periodKey}`;
    const cached = cache.get(id);
    if (cached !== undefined && now() < cached.until) return cached.workgroups;
    const workgroups = await counters.workgroupsWithUsage(period, periodKey);
    // Only current periods are asked for: older entries are dropped as periods turn.
    for (const [other, entry] of cache) if (entry.until <= now()) cache.delete(other);
    cache.set(id, { workgroups, until: now() + ttlMs });
    return workgroups;
  };
}
