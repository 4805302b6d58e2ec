import { createAlertPublisher } from '../alerts/sns-alert-publisher.js';
import { AthenaWorkgroupSettingsGateway } from '../athena/athena-workgroup-settings-gateway.js';
import { createAthenaClient, createDocumentClient, createSnsClient } from '../aws/clients.js';
import type { RestoreReservations } from '../budgets/restore-reservations.js';
import { createRestoreWorkgroups, type RestoreWorkgroups } from '../budgets/restore-workgroups.js';
import type { Config } from '../config.js';
import type { Log } from '../log.js';
import { DynamoDbEnforcementStore } from '../store/dynamodb-enforcement-store.js';
import { wireRestoreReservations } from './wire-capacity-function.js';

/** The hourly restore function's use cases over its own AWS clients: workgroups, reservations. */
export function wireRestoreFunction(
  config: Config,
  logger: Log,
): { readonly workgroups: RestoreWorkgroups; readonly reservations: RestoreReservations } {
  const documents = createDocumentClient();
  const athena = createAthenaClient();
  const alerts = createAlertPublisher(logger, config.alertsTopicArn, createSnsClient);
  return {
    workgroups: createRestoreWorkgroups({
      enforcement: new DynamoDbEnforcementStore(documents, config.tableName),
      workgroups: new AthenaWorkgroupSettingsGateway(athena),
      alerts,
      logger,
    }),
    reservations: wireRestoreReservations({ config, athena, documents, alerts, logger }),
  };
}
