import type { AlertPublisher } from '../alerts/alert-publisher.js';
import {
  WorkgroupNotFoundError,
  type WorkgroupSettingsGateway,
} from '../athena/workgroup-gateway.js';
import type { Log } from '../log.js';
import type {
  EnforcementKey,
  EnforcementState,
  EnforcementStore,
} from '../store/enforcement-store.js';
import { subjectPeriodOf } from './budget-subject.js';
import { type PeriodRestoreResult, restoreEndedPeriods } from './restore-ended-periods.js';
import { restoreChange } from './workgroup-settings.js';

export interface RestoreWorkgroupsDependencies {
  readonly enforcement: EnforcementStore;
  readonly workgroups: WorkgroupSettingsGateway;
  readonly alerts: AlertPublisher;
  readonly logger: Log;
  readonly now?: () => Date;
}

/** What restore did for one workgroup and period. */
export interface RestoreResult
  extends EnforcementKey,
    PeriodRestoreResult<'restored' | 'nothing-to-restore'> {
  /** Fields left alone because an operator changed them after the enforcer. */
  readonly conflicts: readonly string[];
}

/**
 * Gives back what budget enforcement changed once its period has ended: for each active
 * enforcement state of an ended period, restores the snapshot on the fields the workgroup still
 * has as the enforcer left them. An operator's later change wins and is reported. Idempotent: a
 * restored state is not looked at again.
 */
export function createRestoreWorkgroups(deps: RestoreWorkgroupsDependencies) {
  const now = deps.now ?? (() => new Date());

  return async function restoreWorkgroups(
    options: { readonly workgroup?: string } = {},
  ): Promise<RestoreResult[]> {
    const at = now();
    return restoreEndedPeriods({
      subject: 'workgroup',
      states: await deps.enforcement.activeStates(),
      at,
      name: options.workgroup,
      restoreOne,
      failed: (key, detail) => ({ ...key, outcome: 'failed', conflicts: [], detail }),
      logger: deps.logger,
      message: 'Restore',
    });
  };

  async function restoreOne(state: EnforcementState): Promise<RestoreResult> {
    const key = subjectPeriodOf('workgroup', state);
    if (state.snapshot === undefined || state.productSettings === undefined) {
      await deps.enforcement.markRestored(key, [], now());
      return {
        ...key,
        outcome: 'nothing-to-restore',
        conflicts: [],
        detail: 'the enforcer changed nothing',
      };
    }
    let current: Awaited<ReturnType<WorkgroupSettingsGateway['getSettings']>>;
    try {
      current = await deps.workgroups.getSettings(state.workgroup);
    } catch (error) {
      if (!(error instanceof WorkgroupNotFoundError)) throw error;
      const conflicts = ['the workgroup no longer exists'];
      await deps.enforcement.markRestored(key, conflicts, now());
      return { ...key, outcome: 'nothing-to-restore', conflicts, detail: error.message };
    }
    const change = restoreChange(state.snapshot, state.productSettings, current);
    if (change.kind === 'update') await deps.workgroups.apply(state.workgroup, change);
    await deps.enforcement.markRestored(key, change.conflicts, now());
    const detail =
      change.kind === 'update' ? 'restored the settings from before the period' : change.reason;
    await deps.alerts.publish({
      kind: 'restore',
      ...key,
      restored: change.kind === 'update',
      conflicts: change.conflicts,
      detail,
      at: now().toISOString(),
    });
    return {
      ...key,
      outcome: change.kind === 'update' ? 'restored' : 'nothing-to-restore',
      conflicts: change.conflicts,
      detail,
    };
  }
}

export type RestoreWorkgroups = ReturnType<typeof createRestoreWorkgroups>;
