/**
 * Money is held as integer minor units (cents) inside the service and crosses the wire as a number with
 * at most two decimals. Every currency the shop sells in has two decimals (like the products service's
 * DECIMAL(10,2) prices).
 */
export type Minor = number;

/** True when `value` is a JSON number with at most two decimals (exact: the cents round-trip). */
export const hasAtMostTwoDecimals = (value: number): boolean =>
  Number.isFinite(value) && Math.round(value * 100) / 100 === value;

export const toMinor = (value: number): Minor => Math.round(value * 100);

export const fromMinor = (minor: Minor): number => minor / 100;

/** `9997` → `"99.97"`: for stores that keep a decimal string (DynamoDB numbers, SQL DECIMAL). */
export function minorToDecimal(minor: Minor): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** `"99.97"`, `"99.9"`, `"99"` or 99.97 → 9997, without a detour through binary fractions for strings. */
export function decimalToMinor(value: string | number): Minor {
  if (typeof value === 'number') return toMinor(value);
  const match = /^(-?)(\d+)(?:\.(\d{0,2})0*)?$/.exec(value.trim());
  if (!match) throw new Error(`not a money amount: ${value}`);
  const [, sign, units, cents = ''] = match;
  const minor = Number(units) * 100 + Number(cents.padEnd(2, '0'));
  return sign ? -minor : minor;
}
