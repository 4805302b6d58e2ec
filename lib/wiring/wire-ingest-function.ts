import { AthenaQueryExecutionSource } from '../athena/athena-query-execution-source.js';
import {
  createAthenaClient,
  createCloudWatchClient,
  createDocumentClient,
  createSnsClient,
} from '../aws/clients.js';
import type { Config } from '../config.js';
import { createRecordQueryEvents, type RecordQueryEvents } from '../ingest/record-query-events.js';
import type { Log } from '../log.js';
import { CloudWatchMetricsPublisher } from '../metrics/cloudwatch-metrics-publisher.js';
import { DynamoDbQueryCallerStore } from '../store/dynamodb-query-caller-store.js';
import { WaitingCallers } from '../store/waiting-callers.js';
import { wireAttributionBudgetNotifiers } from './wire-budget-stores.js';
import { wireRecording } from './wire-recording.js';

/**
 * The ingest function's use case over its own AWS clients: events in, executions read with
 * BatchGetQueryExecution, then the one recording path.
 */
export function wireIngestFunction(config: Config, logger: Log): RecordQueryEvents {
  const athena = createAthenaClient();
  const documents = createDocumentClient();
  const wiring = {
    config,
    athena,
    documents,
    createSnsClient,
    metrics: new CloudWatchMetricsPublisher(createCloudWatchClient(), config.metricsNamespace),
    logger,
  };
  const attributionBudgets = wireAttributionBudgetNotifiers(wiring);
  // Callers the joins leave waiting, replaced by this instance's recordings without a retry.
  const waitingCallers = config.attributePrincipals ? new WaitingCallers() : undefined;
  const recordQueries = wireRecording(wiring, {
    attributionBudgets,
    ...(waitingCallers === undefined ? {} : { waitingCallers }),
  })(new AthenaQueryExecutionSource(athena));
  const callers = config.attributePrincipals
    ? new DynamoDbQueryCallerStore(documents, {
        tableName: config.tableName,
        ...(waitingCallers === undefined ? {} : { waitingCallers }),
        ...(config.attributionValuesPerDay === undefined
          ? {}
          : { attributionValuesPerDay: config.attributionValuesPerDay }),
      })
    : undefined;
  // After a move the batch's metrics are already out: its BudgetUsedPercent goes in a call of
  // its own, made only when a moved principal has a budget.
  return createRecordQueryEvents({
    recordQueries,
    callers,
    notifyAttributionBudgets: callers && attributionBudgets(wiring.metrics),
    logger,
  });
}
