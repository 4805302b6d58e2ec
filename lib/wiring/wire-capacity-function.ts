import type { AthenaClient } from '@aws-sdk/client-athena';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AthenaCapacityReservations } from '../athena/athena-capacity-reservations.js';
import {
  createAthenaClient,
  createCloudWatchClient,
  createDocumentClient,
} from '../aws/clients.js';
import {
  type CapacitySettings,
  createRecordReservationUsage,
  type RecordReservationUsage,
} from '../capacity/record-reservation-usage.js';
import type { Config } from '../config.js';
import type { Log } from '../log.js';
import { CloudWatchReservationDpuMetrics } from '../metrics/cloudwatch-reservation-dpu-metrics.js';
import { CloudWatchReservationMetrics } from '../metrics/cloudwatch-reservation-metrics.js';
import { DynamoDbReservationUsageStore } from '../store/dynamodb-reservation-usage-store.js';
import { DynamoDbUsageCounterReader } from '../store/dynamodb-usage-counter-reader.js';

export interface CapacityWiring {
  readonly config: Config;
  readonly athena: AthenaClient;
  readonly cloudWatch: CloudWatchClient;
  readonly documents: DynamoDBDocumentClient;
  readonly logger: Log;
  readonly clock?: () => Date;
  readonly settings?: Partial<CapacitySettings>;
}

/** Reservation accounting over the given clients (the capacity function, tests, local mode). */
export function wireRecordReservationUsage(wiring: CapacityWiring): RecordReservationUsage {
  const { config, documents } = wiring;
  return createRecordReservationUsage({
    reservations: new AthenaCapacityReservations(wiring.athena),
    metrics: new CloudWatchReservationDpuMetrics(wiring.cloudWatch),
    store: new DynamoDbReservationUsageStore(documents, config.tableName),
    counters: new DynamoDbUsageCounterReader(documents, config.tableName),
    reservationMetrics: new CloudWatchReservationMetrics(
      wiring.cloudWatch,
      config.metricsNamespace,
    ),
    pricing: config.pricing,
    logger: wiring.logger,
    ...(wiring.clock === undefined ? {} : { clock: wiring.clock }),
    ...(wiring.settings === undefined ? {} : { settings: wiring.settings }),
  });
}

/** The scheduled capacity function's use case over its own AWS clients. */
export function wireCapacityFunction(config: Config, logger: Log): RecordReservationUsage {
  return wireRecordReservationUsage({
    config,
    athena: createAthenaClient(),
    cloudWatch: createCloudWatchClient(),
    documents: createDocumentClient(),
    logger,
  });
}
