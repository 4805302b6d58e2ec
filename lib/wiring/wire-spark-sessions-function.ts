import type { AthenaClient } from '@aws-sdk/client-athena';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AthenaSparkSessions } from '../athena/athena-spark-sessions.js';
import {
  createAthenaClient,
  createCloudWatchClient,
  createDocumentClient,
  createSnsClient,
} from '../aws/clients.js';
import type { AfterSparkUsage } from '../budgets/enforce-spark-budgets.js';
import type { Config } from '../config.js';
import type { Log } from '../log.js';
import { CloudWatchMetricsPublisher } from '../metrics/cloudwatch-metrics-publisher.js';
import { createCloudWatchSparkSessionMetrics } from '../metrics/cloudwatch-spark-session-metrics.js';
import {
  createRecordSparkSessions,
  type RecordSparkSessions,
} from '../spark/record-spark-sessions.js';
import type { SparkConfig } from '../spark/spark-config.js';
import { DynamoDbSessionStore } from '../store/dynamodb-session-store.js';
import { wireSparkBudgetEnforcer } from './wire-spark-budget-enforcer.js';

export interface SparkSessionsWiring {
  readonly config: Config;
  readonly sparkConfig: SparkConfig;
  readonly athena: AthenaClient;
  readonly cloudWatch: CloudWatchClient;
  readonly documents: DynamoDBDocumentClient;
  readonly logger: Log;
  readonly clock?: () => Date;
  /** The budgets of Spark workgroups, evaluated once a sweep has recorded its deltas. */
  readonly afterSparkUsage?: AfterSparkUsage;
}

/** The Spark sweep over the given clients (the spark-sessions function, tests, local mode). */
export function wireRecordSparkSessions(wiring: SparkSessionsWiring): RecordSparkSessions {
  return createRecordSparkSessions({
    sessions: new AthenaSparkSessions(wiring.athena),
    store: new DynamoDbSessionStore(wiring.documents, wiring.config.tableName),
    metrics: createCloudWatchSparkSessionMetrics(wiring.cloudWatch, wiring.config.metricsNamespace),
    pricePerSparkDpuHourUsd: wiring.sparkConfig.pricePerSparkDpuHourUsd,
    logger: wiring.logger,
    ...(wiring.clock === undefined ? {} : { clock: wiring.clock }),
    ...(wiring.afterSparkUsage === undefined ? {} : { afterSparkUsage: wiring.afterSparkUsage }),
  });
}

/** The scheduled spark-sessions function's use case over its own AWS clients. */
export function wireSparkSessionsFunction(
  config: Config,
  sparkConfig: SparkConfig,
  logger: Log,
): RecordSparkSessions {
  const athena = createAthenaClient();
  const cloudWatch = createCloudWatchClient();
  const documents = createDocumentClient();
  return wireRecordSparkSessions({
    config,
    sparkConfig,
    athena,
    cloudWatch,
    documents,
    logger,
    afterSparkUsage: wireSparkBudgetEnforcer({
      config,
      athena,
      documents,
      createSnsClient,
      metrics: new CloudWatchMetricsPublisher(cloudWatch, config.metricsNamespace),
      logger,
    }),
  });
}
