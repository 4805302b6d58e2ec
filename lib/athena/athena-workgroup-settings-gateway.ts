import {
  type AthenaClient,
  GetWorkGroupCommand,
  UpdateWorkGroupCommand,
  type WorkGroupConfigurationUpdates,
} from '@aws-sdk/client-athena';
import type { WorkgroupSettings, WorkgroupUpdate } from '../budgets/workgroup-settings.js';
import { isSparkEngineVersion } from '../spark/spark-workgroups.js';
import { isAthenaNotFound } from './athena-not-found.js';
import { WorkgroupNotFoundError, type WorkgroupSettingsGateway } from './workgroup-gateway.js';

/**
 * The settings gateway over Athena's GetWorkGroup and UpdateWorkGroup: all restore needs, so its
 * bundle holds no query calls (the query stopping is in athena-workgroup-gateway.ts).
 */
export class AthenaWorkgroupSettingsGateway implements WorkgroupSettingsGateway {
  constructor(protected readonly athena: AthenaClient) {}

  async getSettings(workgroup: string): Promise<WorkgroupSettings> {
    return (await this.describe(workgroup)).settings;
  }

  /** The settings and whether the workgroup runs Apache Spark, from one GetWorkGroup. */
  async describe(workgroup: string): Promise<{ settings: WorkgroupSettings; spark: boolean }> {
    try {
      const output = await this.athena.send(new GetWorkGroupCommand({ WorkGroup: workgroup }));
      const configuration = output.WorkGroup?.Configuration;
      const engineVersion =
        configuration?.EngineVersion?.EffectiveEngineVersion ??
        configuration?.EngineVersion?.SelectedEngineVersion;
      const settings: WorkgroupSettings = {
        state: output.WorkGroup?.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
        classifications: configuration?.EngineConfiguration?.Classifications?.map(
          (classification) => ({
            name: classification.Name ?? '',
            properties: { ...(classification.Properties ?? {}) },
          }),
        ),
        bytesScannedCutoffPerQuery: configuration?.BytesScannedCutoffPerQuery,
        enforceWorkgroupConfiguration: configuration?.EnforceWorkGroupConfiguration === true,
        maxConcurrentDpus: configuration?.EngineConfiguration?.MaxConcurrentDpus,
      };
      return { settings, spark: isSparkEngineVersion(engineVersion) };
    } catch (error) {
      throw isAthenaNotFound(error) ? new WorkgroupNotFoundError(workgroup) : error;
    }
  }

  async apply(workgroup: string, update: WorkgroupUpdate): Promise<void> {
    const configurationUpdates: WorkGroupConfigurationUpdates = {};
    // EngineConfiguration replaces the fields it gives: a Spark throttle sends MaxConcurrentDpus
    // alone, a DPU throttle the whole Classifications list; the others stay as they are.
    if (update.classifications !== undefined || update.maxConcurrentDpus !== undefined) {
      configurationUpdates.EngineConfiguration = {
        ...(update.classifications === undefined
          ? {}
          : {
              Classifications: update.classifications.map((classification) => ({
                Name: classification.name,
                Properties: { ...classification.properties },
              })),
            }),
        ...(update.maxConcurrentDpus === undefined
          ? {}
          : { MaxConcurrentDpus: update.maxConcurrentDpus }),
      };
    }
    if (update.bytesScannedCutoffPerQuery !== undefined) {
      configurationUpdates.BytesScannedCutoffPerQuery = update.bytesScannedCutoffPerQuery;
    }
    if (update.removeBytesScannedCutoff)
      configurationUpdates.RemoveBytesScannedCutoffPerQuery = true;
    if (update.enforceWorkgroupConfiguration !== undefined) {
      configurationUpdates.EnforceWorkGroupConfiguration = update.enforceWorkgroupConfiguration;
    }
    await this.athena.send(
      new UpdateWorkGroupCommand({
        WorkGroup: workgroup,
        ...(update.state === undefined ? {} : { State: update.state }),
        ...(Object.keys(configurationUpdates).length === 0
          ? {}
          : { ConfigurationUpdates: configurationUpdates }),
      }),
    );
  }
}
