/** How reports write numbers for people (table and HTML); JSON and CSV keep raw numbers. */

const grouped = (decimals: number) =>
  new Intl.NumberFormat('en-US', {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });

const INTEGER = grouped(0);
const ONE_DECIMAL = grouped(1);
const TWO_DECIMALS = grouped(2);
const THREE_DECIMALS = grouped(3);
const FOUR_DECIMALS = grouped(4);

export const formatCount = (value: number): string => INTEGER.format(value);

/** DPU-hours to the thousandth (3.6 DPU-seconds). */
export const formatDpuHours = (value: number): string => THREE_DECIMALS.format(value);

/** Dollars to the cent, or to the hundredth of a cent under a cent. */
export const formatUsd = (value: number): string =>
  Math.abs(value) >= 0.01 || value === 0 ? TWO_DECIMALS.format(value) : FOUR_DECIMALS.format(value);

/** Dollars to the hundredth of a cent, for columns whose decimal points line up. */
export const formatUsdColumn = (value: number): string => FOUR_DECIMALS.format(value);

export const formatUsdWithSign = (value: number): string => `$${formatUsd(value)}`;

export const formatPercent = (value: number): string => `${ONE_DECIMAL.format(value)}%`;

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'] as const;

/** Bytes in binary units, as Athena bills them: `117.7 MiB`. */
export function formatBytes(value: number): string {
  let amount = value;
  let unit = 0;
  while (Math.abs(amount) >= 1024 && unit < BYTE_UNITS.length - 1) {
    amount /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${ONE_DECIMAL.format(amount)} ${BYTE_UNITS[unit]}`;
}

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
