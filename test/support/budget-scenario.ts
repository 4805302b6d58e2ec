import type { Context, ScheduledEvent } from 'aws-lambda';
import { afterEach, beforeEach, vi } from 'vitest';
import { type Budget, parseBudget } from '../../lib/budgets/budget.js';
import type { RestoreResult } from '../../lib/budgets/restore-workgroups.js';
import { DynamoDbBudgetStore } from '../../lib/store/dynamodb-budget-store.js';
import { DynamoDbEnforcementStore } from '../../lib/store/dynamodb-enforcement-store.js';
import type {
  AthenaStandIn,
  SimulatedAthenaAccount,
} from '../../local/stand-ins/athena-stand-in.js';
import { aQueryExecution } from './factories.js';
import { eventsFor, type IngestHarness } from './ingest-harness.js';
import type { TestTable } from './test-table.js';

/**
 * Adds a capacity-reservation workgroup with DPU bounds 4..64, as an operator would have set it,
 * and the given other classifications after the engine's.
 */
export function addCapacityWorkgroup(
  account: SimulatedAthenaAccount,
  name: string,
  otherClassifications: readonly { Name: string; Properties: Record<string, string> }[] = [],
): void {
  account.addWorkGroup({
    Name: name,
    Configuration: {
      EngineConfiguration: {
        Classifications: [
          {
            Name: 'athena-query-engine-properties',
            Properties: { 'max-dpu-count': '64', 'min-dpu-count': '4' },
          },
          ...otherClassifications,
        ],
      },
    },
  });
}

/** A 10 DPU-hour daily budget: notify at 50 %, throttle to 8 DPUs at 80 %, disable at 100 %. */
export function scenarioBudget(
  workgroup: string,
  updatedAt: string,
  overrides: Record<string, unknown> = {},
): Budget {
  const parsed = parseBudget({
    workgroup,
    period: 'day',
    limitDpuHours: 10,
    throttleMaxDpu: 8,
    thresholds: [
      { percent: 50, action: 'notify' },
      { percent: 80, action: 'throttle' },
      { percent: 100, action: 'disable' },
    ],
    dryRun: false,
    protected: false,
    updatedAt,
    ...overrides,
  });
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.budget;
}

export type RestoreHandler = (event: ScheduledEvent, context: Context) => Promise<RestoreResult[]>;

/** The real restore handler, importing it with the environment as it is now. */
export async function importRestoreHandler(): Promise<RestoreHandler> {
  const module = (await import('../../functions/restore.js')) as unknown as {
    handler: RestoreHandler;
  };
  return module.handler;
}

/** The budget store and the enforcement store over a test table. */
export function budgetStoresOf(table: TestTable): {
  budgets: DynamoDbBudgetStore;
  enforcement: DynamoDbEnforcementStore;
} {
  return {
    budgets: new DynamoDbBudgetStore(table.documents, table.name),
    enforcement: new DynamoDbEnforcementStore(table.documents, table.name),
  };
}

/**
 * Runs each test of the file with the clock's date at `now` (timers stay real), and clears the
 * faults injected into the Athena stand-in after each.
 */
export function runEachTestAt(now: Date, athena: () => AthenaStandIn): void {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(now);
  });
  afterEach(() => {
    vi.useRealTimers();
    athena().faults = {};
  });
}

/**
 * Queries of exactly one DPU-hour each (8 DPUs for 7.5 minutes), finished on the scenario's day
 * (at 11:00 unless `completedAt` says otherwise), put into the harness's Athena: their events.
 */
export function oneDpuHourQueries(
  harness: Pick<IngestHarness, 'addExecutions'>,
  workgroup: string,
  count: number,
  completedAt = new Date('2026-11-25T11:00:00Z'),
) {
  const executions = Array.from({ length: count }, () =>
    aQueryExecution({ workgroup, dpuCount: 8, engineMs: 450_000, completedAt }),
  );
  harness.addExecutions(executions);
  return eventsFor(executions);
}

/** The UpdateWorkGroup calls on a workgroup that Athena accepted. */
export const successfulUpdatesOf = (account: SimulatedAthenaAccount, workgroup: string) =>
  account.updateWorkGroupCalls.filter((call) => call.input.WorkGroup === workgroup && !call.error);

/** The enforcement key of a workgroup's day budget on the scenario's day, 2026-11-25. */
export const scenarioDayKey = (workgroup: string) => ({
  workgroup,
  period: 'day' as const,
  periodKey: '2026-11-25',
});
