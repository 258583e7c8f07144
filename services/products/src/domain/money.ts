/**
 * Money is held as an integer number of minor units (cents) everywhere inside the service; the API
 * speaks decimal numbers with at most two places and the database DECIMAL(10,2).
 */

/** The largest amount DECIMAL(10,2) holds: 99 999 999.99. */
export const MAX_AMOUNT = 99_999_999.99;
export const MAX_MINOR_UNITS = 9_999_999_999;

/**
 * True when a JSON number has no more than two decimal places (1.1 and 12.34 yes, 1.234 no). Exact: the
 * cents must round-trip, so 0.1 + 0.2 (0.30000000000000004) is refused rather than quietly taken as 0.30.
 */
export const hasAtMostTwoDecimals = (amount: number): boolean =>
  Number.isFinite(amount) && Math.round(amount * 100) / 100 === amount;

/** 12.34 → 1234. Only for amounts that passed `hasAtMostTwoDecimals`. */
export const minorUnitsOf = (amount: number): number => Math.round(amount * 100);

/** 1234 → 12.34, the number the API returns. */
export const amountOf = (minorUnits: number): number => Number((minorUnits / 100).toFixed(2));

/** 1234 → "12.34", the exact decimal text a DECIMAL(10,2) column is written with. */
export function decimalOf(minorUnits: number): string {
  const sign = minorUnits < 0 ? '-' : '';
  const digits = String(Math.abs(minorUnits)).padStart(3, '0');
  return `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * A DECIMAL value as a driver returns it ("12.30" from MySQL and PostgreSQL, 12.3 from SQLite) → 1230.
 * Parsed from the text, not through floating point, so large amounts stay exact.
 */
export function minorUnitsFromDecimal(value: string | number): number {
  if (typeof value === 'number') return Math.round(value * 100);
  const match = DECIMAL.exec(value.trim());
  if (!match) throw new TypeError(`not a decimal: ${value}`);
  const [, sign, whole = '0', fraction = ''] = match;
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, '0').slice(0, 2));
  return sign ? -cents : cents;
}
