// Money as the API carries it: JSON numbers with at most two decimals. Sums are done in integer cents
// so that 0.1 + 0.2 never shows up on a receipt, with the services' own rounding rule (@shop/platform/money,
// a pure module the browser bundle takes as it is). What is the browser's alone: formatting and parsing.
import { fromMinor } from '@shop/platform/money';

export { fromMinor, toMinor } from '@shop/platform/money';

const formatters = new Map<string, Intl.NumberFormat>();

/** A price for people: `$12.90`, `12,90 €` (the browser's locale), or `12.90 XYZ` for an unknown code. */
export function formatMoney(amount: number, currency: string, locale?: string): string {
  const key = `${locale ?? ''}|${currency}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    try {
      formatter = new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: 2 });
    } catch {
      return `${amount.toFixed(2)} ${currency}`;
    }
    formatters.set(key, formatter);
  }
  return formatter.format(amount);
}

export const formatMinor = (minor: number, currency: string, locale?: string): string =>
  formatMoney(fromMinor(minor), currency, locale);

/** A price typed by an admin: `12`, `12.5`, `12.50`, `1 299,00` is refused (one decimal point only). */
export function parsePrice(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^\d{1,8}(\.\d{1,2})?$/.test(trimmed)) return undefined;
  return Number(trimmed);
}
