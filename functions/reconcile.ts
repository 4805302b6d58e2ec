import type { Context, ScheduledEvent } from 'aws-lambda';
import { loadConfig } from '../lib/config.js';
import { logger } from '../lib/logger.js';
import { loadReconcileConfig } from '../lib/reconcile/reconcile-config.js';
import type { ReconcileResult } from '../lib/reconcile/reconcile-workgroups.js';
import { wireReconcileFunction } from '../lib/wiring/wire-reconcile-function.js';

const reconcileConfig = loadReconcileConfig();
const reconcileWorkgroups = wireReconcileFunction(loadConfig(), reconcileConfig, logger);

/**
 * Runs on a schedule: records the finished queries Athena lists that the event path missed,
 * within a time budget below the function's timeout (what is left continues next run). Throws
 * when queries could not be recorded or a workgroup could not be read, after saving progress,
 * so the function's Errors alarm tells an operator.
 */
export const handler = async (
  _event: ScheduledEvent,
  context: Context,
): Promise<ReconcileResult> => {
  logger.addContext(context);
  const deadline = Date.now() + context.getRemainingTimeInMillis() - reconcileConfig.reserveMs;
  const result = await reconcileWorkgroups({ deadline });
  if (result.failed > 0) {
    const failed = result.workgroups
      .filter((workgroup) => workgroup.failed > 0 || workgroup.error !== undefined)
      .map((workgroup) => workgroup.workgroup);
    throw new Error(
      `Reconcile left ${result.failed} queries or workgroups unhandled (${failed.join(', ')}); the next run retries`,
    );
  }
  return result;
};
