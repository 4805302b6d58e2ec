import type { AthenaClient } from '@aws-sdk/client-athena';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AlertPublisher } from '../alerts/alert-publisher.js';
import { createAlertPublisher } from '../alerts/sns-alert-publisher.js';
import { AthenaCapacityReservationGateway } from '../athena/athena-capacity-reservation-gateway.js';
import { AthenaCapacityReservations } from '../athena/athena-capacity-reservations.js';
import {
  createAthenaClient,
  createCloudWatchClient,
  createDocumentClient,
  createSnsClient,
} from '../aws/clients.js';
import {
  createReservationBudgetEnforcer,
  type EnforceReservationBudgets,
} from '../budgets/enforce-reservation-budgets.js';
import {
  createRestoreReservations,
  type RestoreReservations,
} from '../budgets/restore-reservations.js';
import { type CapacityRun, createCapacityRun } from '../capacity/capacity-run.js';
import {
  type CapacitySettings,
  createRecordReservationUsage,
  type RecordReservationUsage,
} from '../capacity/record-reservation-usage.js';
import type { Config } from '../config.js';
import type { Log } from '../log.js';
import { CloudWatchReservationDpuMetrics } from '../metrics/cloudwatch-reservation-dpu-metrics.js';
import { createCloudWatchReservationMetrics } from '../metrics/cloudwatch-reservation-metrics.js';
import { DynamoDbReservationBudgetStore } from '../store/dynamodb-budget-store.js';
import { DynamoDbReservationEnforcementStore } from '../store/dynamodb-enforcement-store.js';
import { DynamoDbReservationCounterReader } from '../store/dynamodb-reservation-counter-reader.js';
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
    reservationMetrics: createCloudWatchReservationMetrics(
      wiring.cloudWatch,
      config.metricsNamespace,
    ),
    pricing: config.pricing,
    logger: wiring.logger,
    ...(wiring.clock === undefined ? {} : { clock: wiring.clock }),
    ...(wiring.settings === undefined ? {} : { settings: wiring.settings }),
  });
}

/** What reservation budgets act with: the table, Athena and the alerts. */
export interface ReservationBudgetWiring {
  readonly config: Config;
  readonly athena: AthenaClient;
  readonly documents: DynamoDBDocumentClient;
  readonly alerts: AlertPublisher;
  readonly logger: Log;
  readonly clock?: () => Date;
}

/** Restore of reservation targets over the given clients (the restore function, the enforcer). */
export function wireRestoreReservations(wiring: ReservationBudgetWiring): RestoreReservations {
  return createRestoreReservations({
    enforcement: new DynamoDbReservationEnforcementStore(wiring.documents, wiring.config.tableName),
    reservations: new AthenaCapacityReservationGateway(wiring.athena),
    alerts: wiring.alerts,
    logger: wiring.logger,
    ...(wiring.clock === undefined ? {} : { now: wiring.clock }),
  });
}

/** Reservation budget enforcement over the given clients (the capacity function, tests, local mode). */
export function wireReservationBudgets(wiring: ReservationBudgetWiring): EnforceReservationBudgets {
  const { config, documents } = wiring;
  const budgets = new DynamoDbReservationBudgetStore(documents, config.tableName);
  const reservationCounters = new DynamoDbReservationCounterReader(documents, config.tableName, 4);
  return createReservationBudgetEnforcer({
    budgets: () => budgets.list(),
    counters: (period, keys) => reservationCounters.read(period, keys),
    enforcement: new DynamoDbReservationEnforcementStore(documents, config.tableName),
    reservations: new AthenaCapacityReservationGateway(wiring.athena),
    restoreEnded: wireRestoreReservations(wiring),
    alerts: wiring.alerts,
    logger: wiring.logger,
    ...(wiring.clock === undefined ? {} : { now: wiring.clock }),
  });
}

/** Counting, then reservation budgets, over the given clients. */
export function wireCapacityRun(
  wiring: CapacityWiring & { readonly alerts: AlertPublisher },
): CapacityRun {
  return createCapacityRun(
    wireRecordReservationUsage(wiring),
    wireReservationBudgets(wiring),
    wiring.logger,
  );
}

/** The scheduled capacity function's use case over its own AWS clients. */
export function wireCapacityFunction(config: Config, logger: Log): CapacityRun {
  return wireCapacityRun({
    config,
    athena: createAthenaClient(),
    cloudWatch: createCloudWatchClient(),
    documents: createDocumentClient(),
    alerts: createAlertPublisher(logger, config.alertsTopicArn, createSnsClient),
    logger,
  });
}
