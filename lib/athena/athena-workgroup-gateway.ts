import {
  type AthenaClient,
  BatchGetQueryExecutionCommand,
  GetWorkGroupCommand,
  ListQueryExecutionsCommand,
  StopQueryExecutionCommand,
  UpdateWorkGroupCommand,
  type WorkGroupConfigurationUpdates,
} from '@aws-sdk/client-athena';
import { mapWithConcurrency } from '../async/map-with-concurrency.js';
import type { WorkgroupSettings, WorkgroupUpdate } from '../budgets/workgroup-settings.js';
import { type WorkgroupGateway, WorkgroupNotFoundError } from './workgroup-gateway.js';

/** Workgroups are looked at this many executions deep for queries still running. */
const MAX_EXECUTIONS_SCANNED_FOR_ACTIVE = 200;
const PARALLEL_STOPS = 5;

/** The workgroup gateway over Athena's GetWorkGroup, UpdateWorkGroup and query APIs. */
export class AthenaWorkgroupGateway implements WorkgroupGateway {
  constructor(private readonly athena: AthenaClient) {}

  async getSettings(workgroup: string): Promise<WorkgroupSettings> {
    try {
      const output = await this.athena.send(new GetWorkGroupCommand({ WorkGroup: workgroup }));
      const configuration = output.WorkGroup?.Configuration;
      return {
        state: output.WorkGroup?.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
        classifications: configuration?.EngineConfiguration?.Classifications?.map(
          (classification) => ({
            name: classification.Name ?? '',
            properties: { ...(classification.Properties ?? {}) },
          }),
        ),
        bytesScannedCutoffPerQuery: configuration?.BytesScannedCutoffPerQuery,
      };
    } catch (error) {
      if (
        error instanceof Error &&
        error.name === 'InvalidRequestException' &&
        /not (found|exist)/i.test(error.message)
      ) {
        throw new WorkgroupNotFoundError(workgroup);
      }
      throw error;
    }
  }

  async apply(workgroup: string, update: WorkgroupUpdate): Promise<void> {
    const configurationUpdates: WorkGroupConfigurationUpdates = {};
    if (update.classifications !== undefined) {
      configurationUpdates.EngineConfiguration = {
        Classifications: update.classifications.map((classification) => ({
          Name: classification.name,
          Properties: { ...classification.properties },
        })),
      };
    }
    if (update.bytesScannedCutoffPerQuery !== undefined) {
      configurationUpdates.BytesScannedCutoffPerQuery = update.bytesScannedCutoffPerQuery;
    }
    if (update.removeBytesScannedCutoff)
      configurationUpdates.RemoveBytesScannedCutoffPerQuery = true;
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

  async stopActiveQueries(workgroup: string): Promise<{ stopped: string[]; failed: string[] }> {
    const active: string[] = [];
    let nextToken: string | undefined;
    let scanned = 0;
    do {
      const page = await this.athena.send(
        new ListQueryExecutionsCommand({
          WorkGroup: workgroup,
          MaxResults: 50,
          NextToken: nextToken,
        }),
      );
      const ids = page.QueryExecutionIds ?? [];
      scanned += ids.length;
      if (ids.length > 0) {
        const batch = await this.athena.send(
          new BatchGetQueryExecutionCommand({ QueryExecutionIds: ids }),
        );
        for (const execution of batch.QueryExecutions ?? []) {
          const state = execution.Status?.State;
          if ((state === 'QUEUED' || state === 'RUNNING') && execution.QueryExecutionId) {
            active.push(execution.QueryExecutionId);
          }
        }
      }
      nextToken = page.NextToken;
    } while (nextToken && scanned < MAX_EXECUTIONS_SCANNED_FOR_ACTIVE);
    const stopped: string[] = [];
    const failed: string[] = [];
    await mapWithConcurrency(active, PARALLEL_STOPS, async (queryExecutionId) => {
      try {
        await this.athena.send(
          new StopQueryExecutionCommand({ QueryExecutionId: queryExecutionId }),
        );
        stopped.push(queryExecutionId);
      } catch {
        failed.push(queryExecutionId);
      }
    });
    return { stopped, failed };
  }
}
