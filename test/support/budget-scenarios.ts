import { randomUUID } from 'node:crypto';
import { parseBudget } from '../../lib/budgets/budget.js';
import type { BudgetStore } from '../../lib/store/budget-store.js';
import { aQueryExecution } from './factories.js';
import { eventsFor, type IngestHarness } from './ingest-harness.js';

/** Budget-enforcement scenarios against the ingest harness, shared by the enforcement suites. */
export function budgetScenarios(harness: IngestHarness, budgets: BudgetStore, now: () => Date) {
  /** A capacity-reservation workgroup with DPU bounds 4..64, as an operator would have set it. */
  function aCapacityWorkgroup(configuration: { enforce?: boolean } = {}): string {
    const name = `capacity-${randomUUID().slice(0, 8)}`;
    harness.athena.account.addWorkGroup({
      Name: name,
      Configuration: {
        EnforceWorkGroupConfiguration: configuration.enforce ?? false,
        EngineConfiguration: {
          Classifications: [
            {
              Name: 'athena-query-engine-properties',
              Properties: { 'max-dpu-count': '64', 'min-dpu-count': '4' },
            },
          ],
        },
      },
    });
    return name;
  }

  async function setBudget(input: Record<string, unknown>) {
    const parsed = parseBudget({
      period: 'day',
      updatedAt: now().toISOString(),
      ...input,
    });
    if (!parsed.ok) throw new Error(parsed.reason);
    await budgets.put(parsed.budget);
    return parsed.budget;
  }

  /** 10 DPU-hours a day: notify 50 %, throttle to 8 DPUs at 80 %, disable at 100 %. */
  const scenarioBudget = (workgroup: string, extra: Record<string, unknown> = {}) =>
    setBudget({
      workgroup,
      limitDpuHours: 10,
      throttleMaxDpu: 8,
      thresholds: [
        { percent: 50, action: 'notify' },
        { percent: 80, action: 'throttle' },
        { percent: 100, action: 'disable' },
      ],
      ...extra,
    });

  /** Queries of exactly one DPU-hour each (8 DPUs for 7.5 minutes), completed at `completedAt`. */
  function oneDpuHourQueries(workgroup: string, count: number, completedAt: Date) {
    const executions = Array.from({ length: count }, () =>
      aQueryExecution({ workgroup, dpuCount: 8, engineMs: 450_000, completedAt }),
    );
    harness.addExecutions(executions);
    return eventsFor(executions);
  }

  const updatesOf = (workgroup: string) =>
    harness.athena.account.updateWorkGroupCalls.filter(
      (call) => call.input.WorkGroup === workgroup && !call.error,
    );

  return { aCapacityWorkgroup, setBudget, scenarioBudget, oneDpuHourQueries, updatesOf };
}
