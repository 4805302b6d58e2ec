import { dpuHoursFromMillis, usdFromNano } from '../usage/pricing.js';
import { UNKNOWN_PRINCIPAL } from '../usage/query-principal.js';
import type { QueryUsage } from '../usage/query-usage.js';
import type { MetricPoint } from './usage-metrics.js';

/**
 * What queries add to (or a move takes from) one principal's metrics: `DpuHours` and `CostUsd`
 * with the one dimension `Principal`, the value as counted (`(other)` past the cap, `unknown`
 * until CloudTrail names the caller). Kept in the metrics outbox like the usage deltas.
 */
export interface PrincipalDelta {
  readonly principal: string;
  readonly dpuMillis: number;
  readonly costNanoUsd: number;
}

/** The principal deltas of recorded queries, by the principal each is counted under. */
export function principalDeltasOf(
  usages: readonly QueryUsage[],
  countedPrincipal: (usage: QueryUsage) => string | undefined,
): PrincipalDelta[] {
  const sums = new Map<string, { dpuMillis: number; costNanoUsd: number }>();
  for (const usage of usages) {
    const principal = countedPrincipal(usage);
    if (principal === undefined) continue;
    const sum = sums.get(principal) ?? { dpuMillis: 0, costNanoUsd: 0 };
    sum.dpuMillis += usage.dpuMillis;
    sum.costNanoUsd += usage.costNanoUsd;
    sums.set(principal, sum);
  }
  return [...sums].map(([principal, sum]) => ({ principal, ...sum }));
}

/** Queries' usage moving from `unknown` to the principals they are now counted under. */
export function movedFromUnknown(
  usages: readonly QueryUsage[],
  countedPrincipal: (usage: QueryUsage) => string,
): PrincipalDelta[] {
  const into = principalDeltasOf(usages, countedPrincipal);
  const sum = (field: 'dpuMillis' | 'costNanoUsd') =>
    -into.reduce((total, delta) => total + delta[field], 0);
  return [
    { principal: UNKNOWN_PRINCIPAL, dpuMillis: sum('dpuMillis'), costNanoUsd: sum('costNanoUsd') },
    ...into,
  ];
}

/** A principal delta as its two metric points. */
export function principalMetricsOfDelta(delta: PrincipalDelta, timestamp: Date): MetricPoint[] {
  const point = (name: string, value: number): MetricPoint => ({
    name,
    workgroup: '',
    principal: delta.principal,
    unit: 'None',
    timestamp,
    value: { kind: 'value', value },
  });
  return [
    point('DpuHours', dpuHoursFromMillis(delta.dpuMillis)),
    point('CostUsd', usdFromNano(delta.costNanoUsd)),
  ];
}
