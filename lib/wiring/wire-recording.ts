import { AthenaWorkgroupGateway } from '../athena/athena-workgroup-gateway.js';
import type { QueryExecutionSource } from '../athena/query-execution-source.js';
import { createBudgetEnforcer } from '../budgets/enforce-budgets.js';
import { touchedAttributionsOf } from '../budgets/notify-attribution-budgets.js';
import {
  type AfterRecording,
  createRecordQueries,
  type RecordQueries,
} from '../ingest/record-queries.js';
import { HeldOutboxEntries } from '../metrics/metrics-outbox.js';
import { HeldMetrics, withHeldMetrics } from '../metrics/metrics-publisher.js';
import { DynamoDbOutboxMarker } from '../store/dynamodb-metrics-outbox.js';
import { DynamoDbQueryRecordStore } from '../store/dynamodb-query-record-store.js';
import type { WaitingCallers } from '../store/waiting-callers.js';
import {
  type AttributionBudgetNotifiers,
  budgetStoresAndAlerts,
  type RecordingWiring,
  wireAttributionBudgetNotifiers,
} from './wire-budget-stores.js';

/**
 * Wires the one recording path to AWS: exactly-once records and counters, usage metrics and
 * budget enforcement, reading executions from the given source. Ingest reads them with
 * BatchGetQueryExecution; reconciliation hands over the ones it already fetched.
 */
export function wireRecording(
  wiring: RecordingWiring,
  options: {
    /** The ingest function's callers seen waiting (see DynamoDbQueryCallerStore). */
    readonly waitingCallers?: WaitingCallers;
    /** Shared with the ingest function's CloudTrail path; its own otherwise. */
    readonly attributionBudgets?: AttributionBudgetNotifiers;
  } = {},
): (source: QueryExecutionSource) => RecordQueries {
  const { config, athena, documents, logger } = wiring;
  const store = new DynamoDbQueryRecordStore(documents, {
    ...options,
    tableName: config.tableName,
    queryRecordTtlDays: config.queryRecordTtlDays,
    ...(config.attributionValuesPerDay === undefined
      ? {}
      : { attributionValuesPerDay: config.attributionValuesPerDay }),
    attributePrincipals: config.attributePrincipals === true,
  });
  const outbox = new DynamoDbOutboxMarker(documents, config.tableName);
  // BudgetUsedPercent waits for the usage metrics of the same batch: one PutMetricData for both.
  const budgetMetrics = new HeldMetrics();
  const metrics = withHeldMetrics(wiring.metrics, budgetMetrics);
  // And the outbox entries of the bypasses it counts go with the batch's own.
  const heldOutbox = new HeldOutboxEntries();
  const stores = budgetStoresAndAlerts(wiring);
  const enforceWorkgroupBudgets = createBudgetEnforcer({
    ...stores,
    workgroups: new AthenaWorkgroupGateway(athena),
    metrics: budgetMetrics,
    outbox: heldOutbox,
  });
  const notifyAttributionBudgets = (
    options.attributionBudgets ?? wireAttributionBudgetNotifiers(wiring)
  )(budgetMetrics);
  // Workgroup budgets first (they may act), then the notify-only attribution budgets.
  const afterRecording: AfterRecording = async (recordedNow, recordedEarlier) => {
    const failures = new Map(await enforceWorkgroupBudgets(recordedNow, recordedEarlier));
    const notified = await notifyAttributionBudgets(
      touchedAttributionsOf(recordedNow, recordedEarlier),
    );
    for (const [workgroup, reason] of notified)
      if (!failures.has(workgroup)) failures.set(workgroup, reason);
    return failures;
  };
  return (source) =>
    createRecordQueries({
      executions: source,
      store,
      metrics,
      outbox,
      heldOutbox,
      pricing: config.pricing,
      redactedSqlChars: config.redactedSqlChars,
      logger,
      afterRecording,
    });
}
