import { randomUUID } from 'node:crypto';
import type { AlertPublisher } from '../alerts/alert-publisher.js';
import type { ReservationScaledAlert } from '../alerts/budget-alert.js';
import type { CapacityReservationGateway } from '../athena/capacity-reservation-gateway.js';
import type { ReservationCounter } from '../capacity/billed-cost.js';
import { describeError } from '../errors/describe-error.js';
import type { Log } from '../log.js';
import type { ReservationEnforcementStore, ReservationPeriod } from '../store/enforcement-store.js';
import { periodBounds } from '../usage/period-keys.js';
import { effectiveAction, thresholdId } from './budget.js';
import type { BudgetUsageFigures } from './budget-status.js';
import { usageFiguresOf } from './budget-status.js';
import { subjectPeriodAt } from './budget-subject.js';
import {
  crossedReservationThresholds,
  type ReservationBudget,
  type ReservationThreshold,
  reservationBudgetUsageOf,
} from './reservation-budget.js';
import type { ReservationBudgetReads } from './reservation-budget-status.js';
import type { ReservationRestoreResult } from './restore-reservations.js';
import { type ReservationTarget, scaleDownDecision } from './scale-reservation.js';

/** A reservation the capacity run just counted, and the target the run before it saw. */
export interface ReservationSighting {
  readonly reservation: string;
  /** `TargetDpus` as the capacity function's previous run saw it; undefined on a first sight. */
  readonly lastSeenTargetDpus: number | undefined;
}

export interface ReservationBudgetEnforcementDependencies extends ReservationBudgetReads {
  readonly enforcement: ReservationEnforcementStore;
  readonly reservations: CapacityReservationGateway;
  /** Gives back what ended periods of the reservation scaled down (restore's own rules). */
  readonly restoreEnded: (options: {
    readonly reservation: string;
  }) => Promise<readonly ReservationRestoreResult[]>;
  readonly alerts: AlertPublisher;
  readonly logger: Log;
  readonly now?: () => Date;
  /** A token unique to each run: the owner of the execution claims it takes. */
  readonly ownerToken?: () => string;
}

/** What became of one threshold this run. */
export interface ReservationThresholdOutcome {
  readonly thresholdId: string;
  readonly action: ReservationThreshold['action'];
  readonly status: 'applied' | 'dry-run' | 'no-change';
  readonly detail: string;
}

/** One reservation budget's evaluation in one run. */
export interface ReservationBudgetRun extends ReservationPeriod {
  readonly usedPercent: number;
  readonly settled: readonly ReservationThresholdOutcome[];
  /** Another run holds the period's claim: it carries out the actions, or the next run does. */
  readonly claimHeld: boolean;
  readonly error?: string;
}

export type EnforceReservationBudgets = (
  seen: readonly ReservationSighting[],
) => Promise<ReservationBudgetRun[]>;

/**
 * Evaluates the budgets of the reservations a capacity run counted, against the counters that
 * run committed, and applies each newly crossed threshold once per period, in ascending order,
 * under the period's execution claim. A scale-down snapshots `TargetDpus`, records the target it
 * sets, then requests it; it never raises, and is skipped (and said so) when the target moved
 * under the product since the previous run, unless the budget overrides. A threshold whose action
 * failed stays unsettled: the next run (5 minutes) tries again.
 */
export function createReservationBudgetEnforcer(
  deps: ReservationBudgetEnforcementDependencies,
): EnforceReservationBudgets {
  const now = deps.now ?? (() => new Date());
  const ownerToken = deps.ownerToken ?? (() => randomUUID());

  return async function enforceReservationBudgets(seen) {
    if (seen.length === 0) return [];
    const { budgets, invalid } = await deps.budgets();
    for (const { reservation, reason } of invalid) {
      deps.logger.error('Stored reservation budget is invalid and is not enforced', {
        reservation,
        reason,
      });
    }
    const sightings = new Map(seen.map((sighting) => [sighting.reservation, sighting]));
    const mine = budgets.filter((budget) => sightings.has(budget.reservation));
    if (mine.length === 0) return [];
    const at = now();
    const owner = ownerToken();
    const counters = new Map<string, readonly ReservationCounter[]>();
    const runs: ReservationBudgetRun[] = [];
    for (const budget of mine) {
      const key = subjectPeriodAt('reservation', budget, at);
      let usedPercent = 0;
      try {
        const periodId = `${key.period}#${key.periodKey}`;
        let periodCounters = counters.get(periodId);
        if (periodCounters === undefined) {
          periodCounters = await deps.counters(key.period, [key.periodKey]);
          counters.set(periodId, periodCounters);
        }
        const counter = periodCounters.find((entry) => entry.reservation === budget.reservation);
        const usage = reservationBudgetUsageOf(budget, counter);
        usedPercent = usage.usedPercent;
        const outcome = await enforceOne(budget, key, usage.usedPercent, {
          figures: usageFiguresOf(budget, usage),
          lastSeenTargetDpus: sightings.get(budget.reservation)?.lastSeenTargetDpus,
          owner,
        });
        runs.push({ ...key, usedPercent, ...outcome });
      } catch (error) {
        deps.logger.error('Reservation budget enforcement failed; the next run tries again', {
          reservation: budget.reservation,
          error: describeError(error),
        });
        runs.push({
          ...key,
          usedPercent,
          settled: [],
          claimHeld: false,
          error: describeError(error),
        });
      }
    }
    return runs;
  };

  async function enforceOne(
    budget: ReservationBudget,
    key: ReservationPeriod,
    usedPercent: number,
    context: {
      readonly figures: BudgetUsageFigures;
      readonly lastSeenTargetDpus: number | undefined;
      readonly owner: string;
    },
  ): Promise<Pick<ReservationBudgetRun, 'settled' | 'claimHeld'>> {
    const none = { settled: [], claimHeld: false };
    if (crossedReservationThresholds(budget, usedPercent, new Set()).length === 0) return none;
    const settledIds = async () =>
      new Set(
        (await deps.enforcement.actions(key))
          .filter((record) => record.status !== 'claimed')
          .map((record) => record.thresholdId),
      );
    if (crossedReservationThresholds(budget, usedPercent, await settledIds()).length === 0) {
      return none;
    }
    if (!(await deps.enforcement.acquire(key, context.owner, now()))) {
      deps.logger.info('Another run holds the claim of this reservation budget period', {
        ...key,
      });
      return { settled: [], claimHeld: true };
    }
    const settled: ReservationThresholdOutcome[] = [];
    try {
      // Read again under the claim: the previous owner may have settled some since.
      const crossed = crossedReservationThresholds(budget, usedPercent, await settledIds());
      for (const threshold of crossed) {
        settled.push(await applyThreshold(budget, key, threshold, usedPercent, context));
      }
    } finally {
      await deps.enforcement.releaseExecution(key, context.owner).catch((error: unknown) =>
        deps.logger.error('Could not release the execution claim; it expires with its lease', {
          reservation: key.reservation,
          error: describeError(error),
        }),
      );
    }
    return { settled, claimHeld: false };
  }

  async function applyThreshold(
    budget: ReservationBudget,
    key: ReservationPeriod,
    threshold: ReservationThreshold,
    usedPercent: number,
    context: {
      readonly figures: BudgetUsageFigures;
      readonly lastSeenTargetDpus: number | undefined;
    },
  ): Promise<ReservationThresholdOutcome> {
    const id = thresholdId(threshold);
    const action = effectiveAction(budget, threshold);
    const common = {
      ...key,
      thresholdPercent: threshold.percent,
      usedPercent,
      usage: context.figures,
    };
    let outcome: ReservationThresholdOutcome;
    let scaled: ReservationScaledAlert | undefined;
    try {
      if (action === 'notify') {
        outcome = {
          thresholdId: id,
          action,
          status: 'applied',
          detail:
            budget.protected && threshold.action !== 'notify'
              ? 'notified (the budget is protected: it never changes the reservation)'
              : 'notified',
        };
      } else {
        ({ outcome, alert: scaled } = await scaleDown(
          budget,
          key,
          id,
          context.lastSeenTargetDpus,
          common,
        ));
      }
    } catch (error) {
      await deps.alerts.publish({
        kind: 'reservation-budget',
        ...common,
        action,
        outcome: 'failed',
        detail: describeError(error),
        at: now().toISOString(),
      });
      throw error;
    }
    // The outcome names its threshold and the action taken: the record is it, at this usage.
    await deps.enforcement.complete(key, { ...outcome, usedPercent }, now());
    if (scaled !== undefined) {
      await deps.alerts.publish(scaled);
    } else {
      await deps.alerts.publish({
        kind: 'reservation-budget',
        ...common,
        action,
        outcome: 'notified',
        detail: outcome.detail,
        at: now().toISOString(),
      });
    }
    return outcome;
  }

  /**
   * When an ended period's scale-down still holds (the target is what it set) and this period
   * is over its scale-down threshold too, the scale-down is carried over rather than given back
   * and requested again (two allocation changes for nothing): this period takes the ended one's
   * snapshot, so its restore gives back the target from before either. Undefined when there is
   * nothing to carry over.
   */
  async function carryOver(
    key: ReservationPeriod,
    current: ReservationTarget,
    scaleDownDpus: number,
  ): Promise<string | undefined> {
    if (current.targetDpus > scaleDownDpus) return undefined;
    const at = now().getTime();
    const held = (await deps.enforcement.activeStates())
      .filter(
        (state) =>
          state.reservation === key.reservation &&
          Date.parse(state.periodEnd) <= at &&
          state.productTargetDpus === current.targetDpus,
      )
      .sort((a, b) => b.periodEnd.localeCompare(a.periodEnd))[0];
    if (held === undefined) return undefined;
    const periodEnd = periodBounds(key.period, key.periodKey).end;
    const snapshot = await deps.enforcement.saveSnapshot(key, held.snapshotTargetDpus, periodEnd);
    await deps.enforcement.recordApplied(key, current.targetDpus, now());
    const from = `${held.period} ${held.periodKey}`;
    await deps.enforcement.markRestored(
      held,
      [`carried into ${key.period} ${key.periodKey}: over its budget too, the scale-down stays`],
      now(),
    );
    return `kept the scale-down of ${from} (TargetDpus ${current.targetDpus}); TargetDpus ${snapshot} is given back when this period ends`;
  }

  async function scaleDown(
    budget: ReservationBudget,
    key: ReservationPeriod,
    thresholdId: string,
    lastSeenTargetDpus: number | undefined,
    common: {
      readonly thresholdPercent: number;
      readonly usedPercent: number;
      readonly usage: BudgetUsageFigures;
    },
  ): Promise<{ outcome: ReservationThresholdOutcome; alert: ReservationScaledAlert }> {
    const scaleDownDpus = budget.scaleDownDpus;
    // parseReservationBudget requires it with a scale-down threshold; this guards hand-made ones.
    if (scaleDownDpus === undefined) throw new Error('the budget sets no scaleDownDpus');
    let current = await deps.reservations.target(key.reservation);
    if (!budget.dryRun) {
      const carried = await carryOver(key, current, scaleDownDpus);
      if (carried !== undefined) {
        return {
          outcome: { thresholdId, action: 'scale-down', status: 'no-change', detail: carried },
          alert: {
            kind: 'reservation-scaled',
            ...key,
            ...common,
            direction: 'down',
            outcome: 'no-change',
            fromDpus: current.targetDpus,
            toDpus: current.targetDpus,
            detail: carried,
            at: now().toISOString(),
          },
        };
      }
      // A new period starts from the reservation's own target, not the last period's
      // scale-down: what an ended period changed is given back first (restore's own rules).
      const restored = await deps.restoreEnded({ reservation: key.reservation });
      const failed = restored.filter((result) => result.outcome === 'failed');
      if (failed.length > 0) {
        throw new Error(
          `could not restore the ended period of ${key.reservation} first: ${failed.map((result) => result.detail).join('; ')}`,
        );
      }
      if (restored.some((result) => result.outcome === 'restored')) {
        current = await deps.reservations.target(key.reservation);
      }
    }
    const decision = scaleDownDecision({
      current,
      lastSeenTargetDpus,
      scaleDownDpus,
      overrideAutoscaler: budget.overrideAutoscaler === true,
    });
    const alert = (
      outcome: ReservationScaledAlert['outcome'],
      detail: string,
      toDpus?: number,
    ): ReservationScaledAlert => ({
      kind: 'reservation-scaled',
      ...key,
      ...common,
      direction: 'down',
      outcome,
      fromDpus: current.targetDpus,
      toDpus,
      detail,
      at: now().toISOString(),
    });
    const base = { thresholdId, action: 'scale-down' as const };
    if (budget.dryRun) {
      const detail =
        decision.kind === 'update'
          ? `would request TargetDpus ${decision.toDpus} (now ${decision.fromDpus})`
          : `would not scale down: ${decision.reason}`;
      return {
        outcome: { ...base, status: 'dry-run', detail },
        alert: alert('dry-run', detail, decision.kind === 'update' ? decision.toDpus : undefined),
      };
    }
    if (decision.kind !== 'update') {
      // Settled for the period either way: a skip is reported once, not every 5 minutes.
      const detail = decision.kind === 'skip' ? `skipped: ${decision.reason}` : decision.reason;
      return {
        outcome: { ...base, status: 'no-change', detail },
        alert: alert(decision.kind === 'skip' ? 'skipped' : 'no-change', detail),
      };
    }
    const periodEnd = periodBounds(key.period, key.periodKey).end;
    await deps.enforcement.saveSnapshot(key, decision.fromDpus, periodEnd);
    // Recorded before the request: should it succeed and the run die, restore still knows.
    await deps.enforcement.recordApplied(key, decision.toDpus, now());
    await deps.reservations.setTargetDpus(key.reservation, decision.toDpus);
    const detail = `requested TargetDpus ${decision.toDpus} (was ${decision.fromDpus}); Athena allocates within up to 30 minutes, not guaranteed`;
    return {
      outcome: { ...base, status: 'applied', detail },
      alert: alert('applied', detail, decision.toDpus),
    };
  }
}
