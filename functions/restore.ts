import type { Context, ScheduledEvent } from 'aws-lambda';
import type { RestoreResult } from '../lib/budgets/restore-workgroups.js';
import { loadConfig } from '../lib/config.js';
import { logger } from '../lib/logger.js';
import { wireRestoreFunction } from '../lib/wiring/wire-restore-function.js';

const restoreWorkgroups = wireRestoreFunction(loadConfig(), logger);

/**
 * Runs hourly: gives back the workgroup settings budget enforcement changed in periods that have
 * ended. Throws when a restore failed, so the function's Errors alarm tells an operator.
 */
export const handler = async (
  _event: ScheduledEvent,
  context: Context,
): Promise<RestoreResult[]> => {
  logger.addContext(context);
  const results = await restoreWorkgroups();
  const failed = results.filter((result) => result.outcome === 'failed');
  logger.info('Restore finished', { looked: results.length, failed: failed.length });
  if (failed.length > 0) {
    throw new Error(`Restore failed for ${failed.map((result) => result.workgroup).join(', ')}`);
  }
  return results;
};
