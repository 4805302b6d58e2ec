import type { Context, ScheduledEvent } from 'aws-lambda';
import type { CapacityRunResult } from '../lib/capacity/capacity-run.js';
import { loadConfig } from '../lib/config.js';
import { logger } from '../lib/logger.js';
import { wireCapacityFunction } from '../lib/wiring/wire-capacity-function.js';

const runCapacity = wireCapacityFunction(loadConfig(), logger);

/**
 * Runs every 5 minutes: counts each capacity reservation's allocated (billed) and used
 * DPU-minutes since its watermark, then evaluates the reservation budgets against those counters
 * (notify, scale down). Throws when a reservation could not be counted or a budget's action
 * failed, after doing the others, so the function's Errors alarm tells an operator; the next run
 * retries from the same watermark and the same unsettled thresholds, losing nothing.
 */
export const handler = async (
  _event: ScheduledEvent,
  context: Context,
): Promise<CapacityRunResult> => {
  logger.addContext(context);
  const result = await runCapacity();
  const failed = [
    ...result.reservations.filter((run) => run.error !== undefined).map((run) => run.reservation),
    ...result.budgets
      .filter((run) => run.error !== undefined)
      .map((run) => `the ${run.period} budget of ${run.reservation}`),
  ];
  if (result.failed > 0 || result.failedBudgets > 0) {
    throw new Error(
      `Capacity run failed for ${failed.length > 0 ? failed.join(', ') : 'the reservation budgets'}; the next run retries`,
    );
  }
  return result;
};
