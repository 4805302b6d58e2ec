import {
  BatchGetQueryExecutionCommand,
  ListQueryExecutionsCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { mapWithConcurrency } from '../async/map-with-concurrency.js';
import { tokenPages } from '../async/token-pages.js';
import { AthenaWorkgroupSettingsGateway } from './athena-workgroup-settings-gateway.js';
import type { WorkgroupGateway } from './workgroup-gateway.js';

/** Workgroups are looked at this many executions deep for queries still running. */
const MAX_EXECUTIONS_SCANNED_FOR_ACTIVE = 200;
const PARALLEL_STOPS = 5;

/** The workgroup gateway over Athena's GetWorkGroup, UpdateWorkGroup and query APIs. */
export class AthenaWorkgroupGateway
  extends AthenaWorkgroupSettingsGateway
  implements WorkgroupGateway
{
  async stopActiveQueries(workgroup: string): Promise<{ stopped: string[]; failed: string[] }> {
    const active: string[] = [];
    let scanned = 0;
    const pages = tokenPages((nextToken) =>
      this.athena.send(
        new ListQueryExecutionsCommand({
          WorkGroup: workgroup,
          MaxResults: 50,
          NextToken: nextToken,
        }),
      ),
    );
    for await (const page of pages) {
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
      if (scanned >= MAX_EXECUTIONS_SCANNED_FOR_ACTIVE) break;
    }
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
