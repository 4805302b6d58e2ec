import type { AthenaClient } from '@aws-sdk/client-athena';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AthenaQueryExecutionSource } from '../athena/athena-query-execution-source.js';
import { AthenaQueryHistory } from '../athena/athena-query-history.js';
import type { Config } from '../config.js';
import type { Log } from '../log.js';
import type { MetricsPublisher } from '../metrics/metrics-publisher.js';
import type { ReconcileMetrics } from '../metrics/reconcile-metrics.js';
import {
  createReconcileWorkgroups,
  type ReconcileSettings,
  type ReconcileWorkgroups,
} from '../reconcile/reconcile-workgroups.js';
import { DynamoDbReconcileStateStore } from '../store/dynamodb-reconcile-state-store.js';
import { DynamoDbRecordedQueryIndex } from '../store/dynamodb-recorded-query-index.js';
import { wireRecording } from './wire-recording.js';

export interface ReconcileWiring {
  readonly config: Config;
  readonly athena: AthenaClient;
  readonly documents: DynamoDBDocumentClient;
  readonly createSnsClient: () => SNSClient;
  /** Usage metrics of what is recorded (QueryCount, DpuHours...). */
  readonly usageMetrics: MetricsPublisher;
  /** `ReconciledQueries`; absent for a backfill. */
  readonly reconcileMetrics?: ReconcileMetrics;
  /** Scheduled runs keep watermarks; a backfill does not. */
  readonly keepWatermarks: boolean;
  readonly settings?: Partial<ReconcileSettings>;
  readonly logger: Log;
}

/**
 * Wires reconciliation to AWS: the same recording path as ingest (records, counters, usage
 * metrics, budget enforcement) reading executions reconciliation already fetched.
 */
export function wireReconcileWorkgroups(wiring: ReconcileWiring): ReconcileWorkgroups {
  const { config, athena, documents, logger } = wiring;
  const recordQueriesFrom = wireRecording({
    config,
    athena,
    documents,
    createSnsClient: wiring.createSnsClient,
    metrics: wiring.usageMetrics,
    logger,
  });
  return createReconcileWorkgroups({
    history: new AthenaQueryHistory(athena),
    recorded: new DynamoDbRecordedQueryIndex(documents, config.tableName),
    executions: new AthenaQueryExecutionSource(athena),
    recordQueriesFrom,
    ...(wiring.keepWatermarks
      ? { state: new DynamoDbReconcileStateStore(documents, config.tableName) }
      : {}),
    ...(wiring.reconcileMetrics === undefined ? {} : { metrics: wiring.reconcileMetrics }),
    pricing: config.pricing,
    logger,
    ...(wiring.settings === undefined ? {} : { settings: wiring.settings }),
  });
}
