/**
 * The budgets local mode and the bench put on the simulated workgroups, as the input
 * `parseBudget` takes: a capacity workgroup is notified, throttled to 8 DPUs and then disabled;
 * an on-demand one is notified and then gets a scan cutoff. Only the limits differ per caller.
 */

/** A day budget in DPU-hours: notify at 50 %, throttle to 8 DPUs at 80 %, disable at 100 %. */
export function capacityDayBudget(workgroup: string, limitDpuHours: number, updatedAt: string) {
  return {
    workgroup,
    period: 'day',
    limitDpuHours,
    thresholds: [
      { percent: 50, action: 'notify' },
      { percent: 80, action: 'throttle' },
      { percent: 100, action: 'disable' },
    ],
    throttleMaxDpu: 8,
    updatedAt,
  };
}

/** A day budget in USD: notify at 50 %, cap each query's scan at 10 GiB at 90 %. */
export function onDemandDayBudget(workgroup: string, limitUsd: number, updatedAt: string) {
  return {
    workgroup,
    period: 'day',
    // On-demand queries use no DPU-hours: a USD limit alone.
    limitUsd,
    thresholds: [
      { percent: 50, action: 'notify' },
      { percent: 90, action: 'throttle' },
    ],
    throttleBytesScannedCutoff: 10 * 1024 ** 3,
    updatedAt,
  };
}

/**
 * A day budget in USD on one attribution value (`tag:team` = `finance`), over every workgroup:
 * notify at 50 %, 100 % and 200 %. Notify only, as every attribution budget.
 */
export function attributionDayBudget(
  key: string,
  value: string,
  limitUsd: number,
  updatedAt: string,
) {
  return {
    key,
    value,
    period: 'day',
    limitUsd,
    thresholds: [50, 100, 200].map((percent) => ({ percent, action: 'notify' })),
    updatedAt,
  };
}
