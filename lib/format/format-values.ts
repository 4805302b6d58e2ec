/**
 * How every output writes a figure: the CLI's tables, the HTML report, local mode and the bench
 * use these functions and no others, so the same bytes, dollars or DPU-hours read the same
 * wherever they are shown. Text rounds for people; JSON keeps exact values through the `json*`
 * functions.
 */

const grouped = (decimals: number) =>
  new Intl.NumberFormat('en-US', {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });

const INTEGER = grouped(0);
const ONE_DECIMAL = grouped(1);
const TWO_DECIMALS = grouped(2);
const THREE_DECIMALS = grouped(3);

export const formatCount = (value: number): string => INTEGER.format(value);

/** DPU-hours to the thousandth (3.6 DPU-seconds), everywhere. */
export const formatDpuHours = (value: number): string => THREE_DECIMALS.format(value);

/** Dollars to the cent, everywhere text shows money: `1,234.57`. */
export const formatUsd = (value: number): string => TWO_DECIMALS.format(value);

/** Dollars with their sign: `$1,234.57`. */
export const formatUsdWithSign = (value: number): string =>
  value < 0 ? `-$${formatUsd(-value)}` : `$${formatUsd(value)}`;

/** A percentage to the tenth: `108.2%`. */
export const formatPercent = (value: number): string => `${ONE_DECIMAL.format(value)}%`;

/** Binary units, labelled as such: Athena bills scans per MiB (see pricing.ts). */
const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'] as const;

/** Bytes in binary units to the tenth: `117.7 MiB`, `30.9 TiB`; under 1 KiB, `512 B`. */
export function formatBytes(value: number): string {
  let amount = value;
  let unit = 0;
  while (Math.abs(amount) >= 1024 && unit < BYTE_UNITS.length - 1) {
    amount /= 1024;
    unit++;
  }
  return unit === 0
    ? `${formatCount(value)} B`
    : `${ONE_DECIMAL.format(amount)} ${BYTE_UNITS[unit]}`;
}

/** Exact bytes with their readable size, for messages: `10485760 bytes (10.0 MiB)`. */
export const formatBytesExact = (value: number): string => `${value} bytes (${formatBytes(value)})`;

/** Milliseconds as `850 ms`, `12.3 s` or `4m 05s`. */
export function formatDurationMs(value: number): string {
  if (value < 1_000) return `${Math.round(value)} ms`;
  if (value < 60_000) return `${ONE_DECIMAL.format(value / 1_000)} s`;
  const totalSeconds = Math.round(value / 1_000);
  const hours = Math.floor(totalSeconds / 3_600);
  const minutes = Math.floor((totalSeconds % 3_600) / 60);
  const seconds = String(totalSeconds % 60).padStart(2, '0');
  return hours > 0 ? `${hours}h ${String(minutes).padStart(2, '0')}m` : `${minutes}m ${seconds}s`;
}

/** An ISO instant to the minute, without its zone: `2026-11-25 10:00`. */
export const formatMinute = (iso: string): string => iso.slice(0, 16).replace('T', ' ');

/** An ISO instant as `2026-11-25 10:00:00Z`. */
export const formatInstant = (iso: string): string => iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');

/** The units a budget limit can be set in. */
export type LimitUnit = 'dpuHours' | 'usd' | 'bytes';

/** A budget limit or usage with its unit: `39.00 USD`, `1,000.000 DPU-h`, `5.0 TiB`. */
export function formatQuantity(unit: LimitUnit, value: number): string {
  switch (unit) {
    case 'dpuHours':
      return `${formatDpuHours(value)} DPU-h`;
    case 'usd':
      return `${formatUsd(value)} USD`;
    case 'bytes':
      return formatBytes(value);
  }
}

const roundTo = (value: number, decimals: number): number => {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
};

/** Dollars in JSON and CSV: exact to the millionth, never `768.5141466666666`. */
export const jsonUsd = (value: number): number => roundTo(value, 6);

/** DPU-hours in JSON and CSV, to the millionth (3.6 DPU-milliseconds). */
export const jsonDpuHours = (value: number): number => roundTo(value, 6);

/** Percentages in JSON and CSV, to the hundredth. */
export const jsonPercent = (value: number): number => roundTo(value, 2);
