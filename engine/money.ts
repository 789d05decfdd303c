// Exact money. Every amount is a decimal.js value; nothing in a money path touches binary floating point.
import DecimalBase from 'decimal.js';
import { YibaoError } from './errors';

/** Our own Decimal constructor, so that no caller's global settings can change how we round. */
export const Decimal = DecimalBase.clone({ precision: 40, rounding: DecimalBase.ROUND_HALF_UP });
export type Decimal = DecimalBase;

export const ZERO = new Decimal(0);
export const MAX_AMOUNT = new Decimal(100_000_000);

/** Round half-up to the fen (spec section 1, Money). */
export function round2(x: DecimalBase): DecimalBase {
  return x.toDecimalPlaces(2, DecimalBase.ROUND_HALF_UP);
}

// Digits with at most one point; no sign, exponent or thousands separator (spec section 1).
const PLAIN_DECIMAL = /^(\d+(\.\d*)?|\.\d+)$/;

/**
 * Parse an amount as the spec defines it, or say in both languages why not.
 * Returns the amount rounded half-up to the fen.
 */
export function parseAmount(text: string, field: string): DecimalBase {
  const s = text.trim();
  if (s === '') throw new YibaoError(`${field} 为空`, `${field} is empty`);
  if (!PLAIN_DECIMAL.test(s)) {
    throw new YibaoError(
      `${field} 不是有效金额（只接受数字和一个小数点，不带符号、千分位或指数）`,
      `${field} is not a plain amount (digits and at most one point; no sign, separator or exponent)`,
    );
  }
  const d = new Decimal(s);
  if (d.gt(MAX_AMOUNT)) {
    throw new YibaoError(`${field} 超过上限 100,000,000`, `${field} exceeds 100,000,000`);
  }
  return round2(d);
}

/**
 * An amount handed over as a JS number (Excel cells, JSON bodies). The number's shortest round-trip
 * text is what the user typed for any amount of up to 15 significant digits, so we parse that text.
 */
export function amountFrom(value: number | string, field: string): DecimalBase {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new YibaoError(`${field} 不是有效数字`, `${field} is not a finite number`);
    if (value < 0) throw new YibaoError(`${field} 不能为负数`, `${field} must not be negative`);
    return parseAmount(numberText(value), field);
  }
  return parseAmount(value, field);
}

/** Text of a JS number without exponent notation, e.g. 1e-7 → "0.0000001". */
export function numberText(value: number): string {
  const s = String(value);
  if (!/e/i.test(s)) return s;
  return new Decimal(s).toFixed();
}

/** Two decimals, as in every output column. */
export function fmt(x: DecimalBase): string {
  return x.toFixed(2);
}

/** Grouped for people to read: 12,345.60 */
export function fmtGrouped(x: DecimalBase): string {
  const [int, frac] = x.toFixed(2).split('.');
  return `${int.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${frac}`;
}

export function sum(xs: Iterable<DecimalBase>): DecimalBase {
  let s: DecimalBase = ZERO;
  for (const x of xs) s = s.plus(x);
  return s;
}

export function minD(a: DecimalBase, b: DecimalBase): DecimalBase {
  return a.lt(b) ? a : b;
}

export function maxD(a: DecimalBase, b: DecimalBase): DecimalBase {
  return a.gt(b) ? a : b;
}
