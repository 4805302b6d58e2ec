import type { AthenaClient } from '@aws-sdk/client-athena';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AthenaSparkSessions } from '../athena/athena-spark-sessions.js';
import {
  createAthenaClient,
  createCloudWatchClient,
  createDocumentClient,
} from '../aws/clients.js';
import type { Config } from '../config.js';
import type { Log } from '../log.js';
import { CloudWatchSparkSessionMetrics } from '../metrics/cloudwatch-spark-session-metrics.js';
import {
  createRecordSparkSessions,
  type RecordSparkSessions,
  type RecordSparkSessionsDependencies,
} from '../spark/record-spark-sessions.js';
import type { SparkConfig } from '../spark/spark-config.js';
import { DynamoDbSessionStore } from '../store/dynamodb-session-store.js';

export interface SparkSessionsWiring {
  readonly config: Config;
  readonly sparkConfig: SparkConfig;
  readonly athena: AthenaClient;
  readonly cloudWatch: CloudWatchClient;
  readonly documents: DynamoDBDocumentClient;
  readonly logger: Log;
  readonly clock?: () => Date;
  /** What runs once per sweep after its commits (Spark budgets). */
  readonly afterSparkUsage?: RecordSparkSessionsDependencies['afterSparkUsage'];
}

/** The Spark sweep over the given clients (the spark-sessions function, tests, local mode). */
export function wireRecordSparkSessions(wiring: SparkSessionsWiring): RecordSparkSessions {
  return createRecordSparkSessions({
    sessions: new AthenaSparkSessions(wiring.athena),
    store: new DynamoDbSessionStore(wiring.documents, wiring.config.tableName),
    metrics: new CloudWatchSparkSessionMetrics(wiring.cloudWatch, wiring.config.metricsNamespace),
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
  return wireRecordSparkSessions({
    config,
    sparkConfig,
    athena: createAthenaClient(),
    cloudWatch: createCloudWatchClient(),
    documents: createDocumentClient(),
    logger,
  });
}
