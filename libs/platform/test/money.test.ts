import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decimalToMinor,
  fromMinor,
  hasAtMostTwoDecimals,
  MAX_AMOUNT,
  minorToDecimal,
  toMinor,
} from '../src/money.ts';

const MAX_MINOR = toMinor(MAX_AMOUNT);

describe('money in minor units', () => {
  it.each([
    [0, 0, '0.00'],
    [0.01, 1, '0.01'],
    [0.07, 7, '0.07'],
    [0.1, 10, '0.10'],
    [0.29, 29, '0.29'],
    [1.1, 110, '1.10'],
    [1.13, 113, '1.13'],
    [19.99, 1999, '19.99'],
    [1234.5, 123450, '1234.50'],
    [8652677.86, 865267786, '8652677.86'],
    [99_999_999.99, 9_999_999_999, '99999999.99'],
    [-0.05, -5, '-0.05'],
    [-2.5, -250, '-2.50'],
    [-99_999_999.99, -9_999_999_999, '-99999999.99'],
  ])('When %d is converted, then it is %d cents, written %s and read back exactly', (amount, minor, text) => {
    expect(hasAtMostTwoDecimals(amount)).toBe(true);
    expect(toMinor(amount)).toBe(minor);
    expect(minorToDecimal(minor)).toBe(text);
    expect(decimalToMinor(text)).toBe(minor);
    expect(decimalToMinor(amount)).toBe(minor);
    expect(fromMinor(minor)).toBe(amount);
  });

  it('When an amount with two decimals goes to cents and back, then it is the same number, for every such amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: -MAX_MINOR, max: MAX_MINOR }), (minor) => {
        const amount = fromMinor(minor);
        expect(amount).toBe(Number((minor / 100).toFixed(2)));
        expect(hasAtMostTwoDecimals(amount)).toBe(true);
        expect(toMinor(amount)).toBe(minor);
        expect(decimalToMinor(minorToDecimal(minor))).toBe(minor);
        expect(Number(minorToDecimal(minor))).toBe(amount);
      }),
      { numRuns: 5_000 },
    );
  });

  it('When cents are past DECIMAL(10,2) but within safe integers, then the text stays exact', () => {
    const big = Number.MAX_SAFE_INTEGER;
    expect(minorToDecimal(big)).toBe('90071992547409.91');
    expect(decimalToMinor('90071992547409.91')).toBe(big);
    expect(minorToDecimal(-big)).toBe('-90071992547409.91');
    expect(decimalToMinor('-90071992547409.91')).toBe(-big);
  });

  it.each([
    [0.125, 13],
    [-0.125, -13],
    [0.375, 38],
    [-0.375, -38],
    [2.5 / 100, 3],
    [-2.5 / 100, -3],
  ])('When %d falls on a half cent, then it rounds away from zero to %d', (amount, minor) => {
    expect(toMinor(amount)).toBe(minor);
    expect(hasAtMostTwoDecimals(amount)).toBe(false);
  });

  it('When an amount is near a cent in binary only, then the binary noise is what rounding removes', () => {
    expect(1.13 * 100).not.toBe(113);
    expect(toMinor(1.13)).toBe(113);
    expect(toMinor(0.1 + 0.2)).toBe(30);
    expect(toMinor(1.005)).toBe(100);
    expect(toMinor(-1.005)).toBe(-100);
  });

  it('When zero has a sign, then it is plain zero', () => {
    expect(Object.is(toMinor(-0), 0)).toBe(true);
    expect(Object.is(toMinor(-0.001), 0)).toBe(true);
    expect(Object.is(decimalToMinor('-0.00'), 0)).toBe(true);
    expect(minorToDecimal(-0)).toBe('0.00');
  });

  it.each([1.234, 0.001, 1.005, 29.999, 99_999_999.999, 0.1 + 0.2, Number.NaN, Number.POSITIVE_INFINITY])(
    'When %d has more than two decimals or is not finite, then it is refused',
    (amount) => {
      expect(hasAtMostTwoDecimals(amount)).toBe(false);
    },
  );

  it('When a store returns a decimal in another form, then the cents are the same', () => {
    expect(
      ['12.5', '12.50', '12.500', '12.', '7', ' 0.10 ', '-2.5', '0012.30', '12.340'].map(decimalToMinor),
    ).toEqual([1250, 1250, 1250, 1200, 700, 10, -250, 1230, 1234]);
    expect(decimalToMinor(12.5)).toBe(1250);
  });

  it.each(['1e3', '12.345', '', '-', '.5', '1,50', 'NaN', '12.3.4', '+1.00'])(
    'When %j is read as money, then it is refused, not rounded',
    (text) => {
      expect(() => decimalToMinor(text)).toThrow(TypeError);
    },
  );
});
