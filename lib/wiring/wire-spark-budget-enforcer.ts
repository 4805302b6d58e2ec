import { AthenaSessionTerminator } from '../athena/athena-session-terminator.js';
import { AthenaSparkSessions } from '../athena/athena-spark-sessions.js';
import { AthenaWorkgroupSettingsGateway } from '../athena/athena-workgroup-settings-gateway.js';
import {
  type AfterSparkUsage,
  createSparkBudgetEnforcer,
} from '../budgets/enforce-spark-budgets.js';
import { DynamoDbSessionTerminationStore } from '../store/dynamodb-session-termination-store.js';
import { budgetStoresAndAlerts, type RecordingWiring } from './wire-budget-stores.js';

/**
 * Wires the budgets of Spark workgroups to AWS, for the session sweep to call once a run has
 * recorded its deltas: GetWorkGroup/UpdateWorkGroup for the throttle and disable,
 * ListSessions/TerminateSession for disable-now, the budget, enforcement and termination items.
 * `metrics` receives BudgetUsedPercent of the Spark workgroups.
 */
export function wireSparkBudgetEnforcer(
  wiring: RecordingWiring & { readonly clock?: () => Date },
): AfterSparkUsage {
  return createSparkBudgetEnforcer({
    ...budgetStoresAndAlerts(wiring),
    workgroups: new AthenaWorkgroupSettingsGateway(wiring.athena),
    sessions: new AthenaSparkSessions(wiring.athena),
    terminator: new AthenaSessionTerminator(wiring.athena),
    terminations: new DynamoDbSessionTerminationStore(wiring.documents, wiring.config.tableName),
    metrics: wiring.metrics,
    ...(wiring.clock === undefined ? {} : { now: wiring.clock }),
  });
}
