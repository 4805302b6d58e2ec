import type { Context, ScheduledEvent } from 'aws-lambda';
import type { RestoreResult } from '../lib/budgets/restore-workgroups.js';
import { loadConfig } from '../lib/config.js';
import { logger } from '../lib/logger.js';
import { wireRestoreFunction } from '../lib/wiring/wire-restore-function.js';

const restore = wireRestoreFunction(loadConfig(), logger);

/**
 * Runs hourly: gives back the workgroup settings budget enforcement changed in periods that have
 * ended, and the capacity reservation targets reservation budgets scaled down. Throws when a
 * restore failed, so the function's Errors alarm tells an operator. Returns the workgroups'
 * results; the reservations' are logged.
 */
export const handler = async (
  _event: ScheduledEvent,
  context: Context,
): Promise<RestoreResult[]> => {
  logger.addContext(context);
  const results = await restore.workgroups();
  const reservations = await restore.reservations();
  const failed = [
    ...results.filter((result) => result.outcome === 'failed').map((result) => result.workgroup),
    ...reservations
      .filter((result) => result.outcome === 'failed')
      .map((result) => `reservation ${result.reservation}`),
  ];
  logger.info('Restore finished', {
    looked: results.length,
    reservationsLooked: reservations.length,
    failed: failed.length,
  });
  if (failed.length > 0) {
    throw new Error(`Restore failed for ${failed.join(', ')}`);
  }
  return results;
};
