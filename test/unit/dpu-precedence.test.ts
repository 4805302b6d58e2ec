import type { EngineConfiguration, WorkGroup } from '@aws-sdk/client-athena';
import { describe, expect, it } from 'vitest';
import { applyLimits } from '../../local/simulation/query-plan.js';
import { generateSimulatedDay } from '../../local/simulation/simulated-day.js';
import { effectiveMaxDpuCount } from '../../local/stand-ins/athena-stand-in.js';

const engine = (maxDpu: string): EngineConfiguration => ({
  Classifications: [
    { Name: 'athena-query-engine-properties', Properties: { 'max-dpu-count': maxDpu } },
  ],
});

const workgroup = (maxDpu: string, enforce: boolean): WorkGroup => ({
  Name: 'etl-nightly',
  Configuration: { EngineConfiguration: engine(maxDpu), EnforceWorkGroupConfiguration: enforce },
});

describe("the Athena stand-in's DPU precedence", () => {
  it("lets a query's own max-dpu-count win over a workgroup that does not enforce", () => {
    expect(effectiveMaxDpuCount(workgroup('8', false), engine('64'))).toBe(64);
  });

  it('holds every query to the workgroup that enforces its configuration', () => {
    expect(effectiveMaxDpuCount(workgroup('8', true), engine('64'))).toBe(8);
  });

  it("applies the workgroup's ceiling to a query without settings of its own", () => {
    expect(effectiveMaxDpuCount(workgroup('8', false), undefined)).toBe(8);
    expect(effectiveMaxDpuCount({ Name: 'primary' }, undefined)).toBeUndefined();
  });
});

describe('the simulated client with its own max-dpu-count', () => {
  const day = generateSimulatedDay({ queries: 600, workgroups: 4, seed: 42, day: '2026-11-25' });
  const own = day.queries.filter((query) => query.plan.engineConfiguration !== undefined);
  const big = own.find((query) => (query.plan.dpuCount ?? 0) > 8);

  it('runs on one capacity workgroup only, for data queries', () => {
    expect(own.length).toBeGreaterThan(0);
    expect(new Set(own.map((query) => query.workgroup))).toEqual(new Set(['etl-nightly']));
    expect(own.every((query) => query.plan.statementType === 'DML')).toBe(true);
  });

  it('exceeds a throttled ceiling unless the workgroup enforces its configuration', () => {
    if (big === undefined) throw new Error('expected a query of the client above 8 DPUs');
    const dayEnd = day.end.getTime();

    expect(applyLimits(big.plan, workgroup('8', false), dayEnd).dpuCount).toBe(big.plan.dpuCount);
    expect(applyLimits(big.plan, workgroup('8', true), dayEnd).dpuCount).toBe(8);
  });
});
