import type { Pricing } from '../config.js';

/**
 * Athena bills on-demand scans "per TB of data scanned", "rounded up to the nearest megabyte, with
 * a 10 MB minimum per query" (aws.amazon.com/athena/pricing). AWS bills data in binary units, so
 * a billing MB is 2^20 bytes (a MiB) and a TB 2^40 bytes (a TiB); outputs label them MiB and TiB.
 */
export const BYTES_PER_MB = 1024 ** 2;
export const BYTES_PER_TB = 1024 ** 4;
/** On-demand queries pay for at least 10 MB. */
export const MINIMUM_BILLED_BYTES = 10 * BYTES_PER_MB;
export const MILLIS_PER_HOUR = 3_600_000;
/** Costs are kept in whole nano-dollars so sums are exact whatever the batching. */
export const NANO_USD_PER_USD = 1_000_000_000;

/** What decides how a query is priced. */
export interface BillableQuery {
  readonly state: 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
  readonly statementType: string;
  /** Peak DPUs, present only for queries that ran on a capacity reservation. */
  readonly dpuCount: number | null;
  readonly engineExecutionMs: number;
  readonly dataScannedBytes: number;
}

/**
 * DPU-milliseconds attributed to a query: its peak DPU count times its engine time. Kept as an
 * integer so counters add up exactly; DPU-hours are this divided by 3,600,000.
 */
export function dpuMillisOf(query: BillableQuery): number {
  if (query.dpuCount === null || query.dpuCount <= 0) return 0;
  return Math.round(query.dpuCount * query.engineExecutionMs);
}

/** Bytes an on-demand query is billed for: rounded up to the MB, 10 MB minimum, 0 when free. */
export function billedBytesOf(query: BillableQuery): number {
  if (query.state === 'FAILED' || query.statementType === 'DDL') return 0;
  // A cancelled query pays for what it scanned, which may be nothing.
  if (query.state === 'CANCELLED' && query.dataScannedBytes === 0) return 0;
  const roundedUp = Math.ceil(query.dataScannedBytes / BYTES_PER_MB) * BYTES_PER_MB;
  return Math.max(roundedUp, MINIMUM_BILLED_BYTES);
}

/**
 * Estimated cost in nano-dollars. Capacity-reservation queries (those with a DPU count) are
 * priced by peak-based DPU-hours; the others by bytes scanned at the on-demand rate.
 */
export function costNanoUsdOf(query: BillableQuery, pricing: Pricing): number {
  if (query.dpuCount !== null && query.dpuCount > 0) {
    return Math.round(
      (dpuMillisOf(query) * pricing.pricePerDpuHourUsd * NANO_USD_PER_USD) / MILLIS_PER_HOUR,
    );
  }
  return Math.round(
    (billedBytesOf(query) * pricing.pricePerTbScannedUsd * NANO_USD_PER_USD) / BYTES_PER_TB,
  );
}

export const dpuHoursFromMillis = (dpuMillis: number): number => dpuMillis / MILLIS_PER_HOUR;
export const usdFromNano = (nanoUsd: number): number => nanoUsd / NANO_USD_PER_USD;
