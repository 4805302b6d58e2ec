import { type Budget, parseBudget } from '../../lib/budgets/budget.js';
import type { SimulatedAthenaAccount } from '../../local/stand-ins/athena-stand-in.js';

/** Adds a capacity-reservation workgroup with DPU bounds 4..64, as an operator would have set it. */
export function addCapacityWorkgroup(account: SimulatedAthenaAccount, name: string): void {
  account.addWorkGroup({
    Name: name,
    Configuration: {
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
}

/** A 10 DPU-hour daily budget: notify at 50 %, throttle to 8 DPUs at 80 %, disable at 100 %. */
export function scenarioBudget(workgroup: string, updatedAt: string): Budget {
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
  });
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.budget;
}
