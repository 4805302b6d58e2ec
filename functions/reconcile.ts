import type { Context, ScheduledEvent } from 'aws-lambda';
import {
  createAthenaClient,
  createCloudWatchClient,
  createDocumentClient,
  createSnsClient,
} from '../lib/aws/clients.js';
import { loadConfig } from '../lib/config.js';
import { logger } from '../lib/logger.js';
import { CloudWatchMetricsPublisher } from '../lib/metrics/cloudwatch-metrics-publisher.js';
import { CloudWatchReconcileMetrics } from '../lib/metrics/cloudwatch-reconcile-metrics.js';
import { loadReconcileConfig } from '../lib/reconcile/reconcile-config.js';
import type { ReconcileResult } from '../lib/reconcile/reconcile-workgroups.js';
import { wireReconcileWorkgroups } from '../lib/wiring/wire-reconcile-workgroups.js';

const config = loadConfig();
const reconcileConfig = loadReconcileConfig();
const cloudWatch = createCloudWatchClient();

const reconcileWorkgroups = wireReconcileWorkgroups({
  config,
  athena: createAthenaClient(),
  documents: createDocumentClient(),
  createSnsClient,
  usageMetrics: new CloudWatchMetricsPublisher(cloudWatch, config.metricsNamespace),
  reconcileMetrics: new CloudWatchReconcileMetrics(cloudWatch, config.metricsNamespace),
  keepWatermarks: true,
  settings: reconcileConfig.settings,
  logger,
});

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
