import type { Context, ScheduledEvent } from 'aws-lambda';
import type { RecordReservationUsageResult } from '../lib/capacity/record-reservation-usage.js';
import { loadConfig } from '../lib/config.js';
import { logger } from '../lib/logger.js';
import { wireCapacityFunction } from '../lib/wiring/wire-capacity-function.js';

const recordReservationUsage = wireCapacityFunction(loadConfig(), logger);

/**
 * Runs every 5 minutes: counts each capacity reservation's allocated (billed) and used
 * DPU-minutes since its watermark. Throws when a reservation could not be counted, after
 * counting the others, so the function's Errors alarm tells an operator; the next run retries
 * from the same watermark, losing nothing.
 */
export const handler = async (
  _event: ScheduledEvent,
  context: Context,
): Promise<RecordReservationUsageResult> => {
  logger.addContext(context);
  const result = await recordReservationUsage();
  if (result.failed > 0) {
    const failed = result.reservations.filter((run) => run.error !== undefined);
    throw new Error(
      `Capacity accounting failed for ${failed.map((run) => run.reservation).join(', ')}; the next run retries`,
    );
  }
  return result;
};
