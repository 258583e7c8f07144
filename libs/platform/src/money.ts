/**
 * Money inside both services is an integer number of minor units (cents); the API speaks JSON numbers
 * with at most two decimals, SQL stores DECIMAL(10,2) and DynamoDB a decimal number. Every currency the
 * shop sells in has two decimals.
 *
 * One rounding rule: an amount becomes the nearest whole number of minor units, halves away from zero
 * (1.005 → 100 only because 1.005 is really 1.00499999… in binary; -0.125 → -13, as 0.125 → 13). Amounts
 * the API accepts have at most two decimals, so rounding only ever removes binary noise (1.13 × 100 is
 * 112.99999999999999): a third decimal is refused by `hasAtMostTwoDecimals` before it could be rounded.
 */
export type Minor = number;

/** The largest amount a DECIMAL(10,2) column holds, and so the largest price or total the API takes. */
export const MAX_AMOUNT = 99_999_999.99;

/** True when a JSON number has at most two decimals, exactly: 0.1 + 0.2 (0.30000000000000004) is not. */
export const hasAtMostTwoDecimals = (amount: number): boolean =>
  Number.isFinite(amount) && toMinor(amount) / 100 === amount;

/** 12.34 → 1234; halves away from zero, never -0. */
export function toMinor(amount: number): Minor {
  const minor = Math.sign(amount) * Math.round(Math.abs(amount) * 100);
  return minor === 0 ? 0 : minor;
}

/** 1234 → 12.34, the number the API returns (the double nearest the decimal, as JSON prints it). */
export const fromMinor = (minor: Minor): number => minor / 100;

/** 1234 → "12.34", -5 → "-0.05": the exact decimal text a DECIMAL column or a DynamoDB number is written with. */
export function minorToDecimal(minor: Minor): string {
  const sign = minor < 0 ? '-' : '';
  const digits = String(Math.abs(minor)).padStart(3, '0');
  return `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d{0,2})0*)?$/;

/**
 * A decimal as a store returns it ("12.30" from MySQL and PostgreSQL, "12.3" from DynamoDB, 12.3 from
 * SQLite) → 1230. Text is parsed digit by digit, not through binary fractions, so large amounts stay
 * exact; text with a third non-zero decimal is not money and throws a TypeError.
 */
export function decimalToMinor(value: string | number): Minor {
  if (typeof value === 'number') return toMinor(value);
  const match = DECIMAL.exec(value.trim());
  if (!match) throw new TypeError(`not a money amount: ${value}`);
  const [, sign, units = '0', cents = ''] = match;
  const minor = Number(units) * 100 + Number(cents.padEnd(2, '0'));
  return sign && minor !== 0 ? -minor : minor;
}
