import { randomUUID } from 'node:crypto';
import type { SparkSessions, SparkSessionTerminator } from '../athena/spark-sessions.js';
import { describeError } from '../errors/describe-error.js';
import type { EnforcementKey } from '../store/enforcement-store.js';
import type { SessionTerminationStore } from '../store/session-termination-store.js';
import { counterId } from '../store/usage-counter-reader.js';
import { periodKeyFor } from '../usage/period-keys.js';
import { ZERO_TOTALS } from '../usage/usage-totals.js';
import type { Budget } from './budget.js';
import { budgetUsageOf } from './budget-usage.js';
import {
  createWorkgroupBudgetEnforcer,
  type WorkgroupEnforcementDependencies,
} from './enforce-budgets.js';
import { actionsInForce } from './enforcement-holds.js';
import {
  createSparkSessionTerminator,
  describeTerminationPass,
} from './terminate-spark-sessions.js';

/**
 * What the Spark session sweep calls once a run has recorded its DPU deltas, with the Spark
 * workgroups it swept; answers the workgroups whose budget actions are not all settled, with why
 * (the next sweep evaluates them again).
 */
export type AfterSparkUsage = (
  workgroups: readonly string[],
) => Promise<ReadonlyMap<string, string>>;

export interface SparkBudgetEnforcementDependencies
  extends Omit<WorkgroupEnforcementDependencies, 'runningWork' | 'outbox'> {
  /** ListSessions: the workgroup's active sessions. */
  readonly sessions: Pick<SparkSessions, 'listActiveSessionIds'>;
  readonly terminator: SparkSessionTerminator;
  readonly terminations: SessionTerminationStore;
}

/**
 * Budgets of Spark workgroups, evaluated after each session sweep with the same rules, records,
 * claims, snapshots and alerts as SQL workgroups' (createWorkgroupBudgetEnforcer): `notify`;
 * `throttle` lowers the workgroup's MaxConcurrentDpus (what new sessions that ask for none
 * take); `disable`; `disable-now` disables, then terminates every active session once. While a
 * disable-now is in force, each sweep also terminates the sessions started since (a workgroup
 * re-enabled by hand, or a StartSession a disabled workgroup let through): Athena does not
 * document that disabling a workgroup stops or refuses sessions.
 */
export function createSparkBudgetEnforcer(
  deps: SparkBudgetEnforcementDependencies,
): AfterSparkUsage {
  const now = deps.now ?? (() => new Date());
  const ownerToken = deps.ownerToken ?? (() => randomUUID());
  const terminator = createSparkSessionTerminator({
    sessions: deps.sessions,
    terminator: deps.terminator,
    terminations: deps.terminations,
    logger: deps.logger,
    now,
  });
  const evaluate = createWorkgroupBudgetEnforcer({
    ...deps,
    runningWork: terminator,
    // Bypasses are queries above a DPU throttle: a Spark workgroup has none to count.
    outbox: { add: () => {} },
  });

  /** Terminates the sessions of a workgroup whose disable-now is in force this period. */
  async function keepSessionsTerminated(budget: Budget): Promise<void> {
    if (!budget.thresholds.some((threshold) => threshold.action === 'disable-now')) return;
    const at = now();
    const key: EnforcementKey = {
      workgroup: budget.workgroup,
      period: budget.period,
      periodKey: periodKeyFor(budget.period, at),
    };
    const records = await deps.enforcement.actions(key);
    if (!records.some((record) => record.action === 'disable-now')) return;
    const totals = (await deps.counters.totalsFor([key])).get(counterId(key)) ?? ZERO_TOTALS;
    const inForce = actionsInForce(budget, records, budgetUsageOf(budget, totals).usedPercent, at);
    if (!inForce.some((record) => record.action === 'disable-now')) return;
    const pass = await terminator.terminateActive(key, ownerToken());
    if (pass.terminated.length > 0 || pass.failed.length > 0) {
      deps.logger.warn('Terminated sessions started while a disable-now was in force', {
        workgroup: budget.workgroup,
        detail: describeTerminationPass(pass),
        failed: pass.failed,
      });
    }
    if (pass.failed.length > 0) {
      throw new Error(`could not terminate ${pass.failed.join(', ')}`);
    }
  }

  return async function afterSparkUsage(workgroups) {
    const swept = new Set(workgroups);
    const failures = await evaluate({ touched: swept, changed: swept, usages: [] });
    let budgets: readonly Budget[];
    try {
      budgets = (await deps.budgets()).filter((budget) => swept.has(budget.workgroup));
    } catch {
      return failures; // The evaluation above named them already.
    }
    for (const budget of budgets) {
      if (failures.has(budget.workgroup)) continue;
      try {
        await keepSessionsTerminated(budget);
      } catch (error) {
        failures.set(budget.workgroup, describeError(error));
        deps.logger.error('Could not keep the sessions of a disabled Spark workgroup terminated', {
          workgroup: budget.workgroup,
          error: describeError(error),
        });
      }
    }
    return failures;
  };
}
