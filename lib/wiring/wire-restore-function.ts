import { createAlertPublisher } from '../alerts/sns-alert-publisher.js';
import { AthenaWorkgroupSettingsGateway } from '../athena/athena-workgroup-settings-gateway.js';
import { createAthenaClient, createDocumentClient, createSnsClient } from '../aws/clients.js';
import { createRestoreWorkgroups, type RestoreWorkgroups } from '../budgets/restore-workgroups.js';
import type { Config } from '../config.js';
import type { Log } from '../log.js';
import { DynamoDbEnforcementStore } from '../store/dynamodb-enforcement-store.js';

/** The hourly restore function's use case over its own AWS clients. */
export function wireRestoreFunction(config: Config, logger: Log): RestoreWorkgroups {
  return createRestoreWorkgroups({
    enforcement: new DynamoDbEnforcementStore(createDocumentClient(), config.tableName),
    workgroups: new AthenaWorkgroupSettingsGateway(createAthenaClient()),
    alerts: createAlertPublisher(logger, config.alertsTopicArn, createSnsClient),
    logger,
  });
}
