import type { WorkgroupSettings, WorkgroupUpdate } from '../budgets/workgroup-settings.js';

/**
 * Reads and changes the workgroup settings the enforcer manages. Restore needs no more than this,
 * so its bundle, and its role, hold no query calls.
 */
export interface WorkgroupSettingsGateway {
  /** The workgroup's current settings; throws WorkgroupNotFoundError when it does not exist. */
  getSettings(workgroup: string): Promise<WorkgroupSettings>;
  apply(workgroup: string, update: WorkgroupUpdate): Promise<void>;
}

/** The settings the enforcer manages, and stopping a workgroup's queries. */
export interface WorkgroupGateway extends WorkgroupSettingsGateway {
  /** Stops the workgroup's queued and running queries; returns the ids stopped and those that failed. */
  stopActiveQueries(workgroup: string): Promise<{ stopped: string[]; failed: string[] }>;
}

export class WorkgroupNotFoundError extends Error {
  constructor(readonly workgroup: string) {
    super(`Athena workgroup ${workgroup} does not exist`);
    this.name = 'WorkgroupNotFoundError';
  }
}
