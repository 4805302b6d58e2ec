/**
 * Byte amounts as people type them. Decimal units mean powers of 1000 and binary units powers of
 * 1024, as the SI and IEC define them: `5TB` is 5,000,000,000,000 bytes, `5TiB` is
 * 5,497,558,138,880. Athena's "TB" of billing is 2^40 bytes (see pricing.ts): a limit in TiB is
 * in the unit the bill counts.
 */
const UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  tb: 1000 ** 4,
  pb: 1000 ** 5,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
  pib: 1024 ** 5,
};

const BYTES = /^(\d+(?:\.\d+)?)\s*([kmgtp]i?b|b)?$/i;

/** The units {@link parseBytes} accepts, for messages. */
export const BYTE_UNIT_NAMES =
  'B, KB, MB, GB, TB, PB (powers of 1000) or KiB, MiB, GiB, TiB, PiB (powers of 1024)';

/**
 * Whole bytes from `10737418240`, `10GiB`, `1.5 TB` or `5TiB`; undefined when the text is not an
 * amount of bytes or does not come to a whole number of them.
 */
export function parseBytes(value: string): number | undefined {
  const match = BYTES.exec(value.trim());
  if (match === null) return undefined;
  const [, amount = '', unit = 'b'] = match;
  const scale = UNITS[unit.toLowerCase()];
  if (scale === undefined) return undefined;
  const bytes = Number(amount) * scale;
  const whole = Math.round(bytes);
  // 1.5 TiB is whole; 1.0001 KiB is not (a fraction of a byte is a typo, not a limit). The
  // tolerance only absorbs float noise such as 1.1 x 1000 = 1100.0000000000002.
  if (Math.abs(bytes - whole) > Math.max(1e-6, bytes * 1e-12)) return undefined;
  return Number.isSafeInteger(whole) ? whole : undefined;
}
