import {
  createAthenaClient,
  createCloudWatchClient,
  createDocumentClient,
  createSnsClient,
} from '../aws/clients.js';
import type { Config } from '../config.js';
import type { Log } from '../log.js';
import { CloudWatchMetricsPublisher } from '../metrics/cloudwatch-metrics-publisher.js';
import { CloudWatchReconcileMetrics } from '../metrics/cloudwatch-reconcile-metrics.js';
import type { ReconcileConfig } from '../reconcile/reconcile-config.js';
import type { ReconcileWorkgroups } from '../reconcile/reconcile-workgroups.js';
import { wireReconcileWorkgroups } from './wire-reconcile-workgroups.js';

/** The scheduled reconcile function's use case over its own AWS clients, keeping watermarks. */
export function wireReconcileFunction(
  config: Config,
  reconcileConfig: ReconcileConfig,
  logger: Log,
): ReconcileWorkgroups {
  const cloudWatch = createCloudWatchClient();
  return wireReconcileWorkgroups({
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
}
