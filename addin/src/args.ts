// Excel arguments as the engine wants them. Omitted optional arguments arrive as null; empty cells
// as null or ""; numbers as JS numbers; dates typed in a cell as Excel serial numbers (in the
// workbook's date system, 1900 or 1904). Nothing is guessed: an empty required value is an error,
// never a zero.
import { YibaoError } from '../../engine';
import { defaultDate, uses1904 } from './workbook';

export type Cell = string | number | boolean | null | undefined;

export function isEmpty(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === 'string' && v.trim() === '');
}

/** A required amount: a number, or text the engine parses (spec section 1 "Money"). */
export function amountArg(v: unknown, field: string): number | string {
  if (isEmpty(v)) throw new YibaoError(`${field} 为空`, `${field} is empty`, 'amount');
  if (typeof v === 'number' || typeof v === 'string') return v;
  throw new YibaoError(`${field} 须为金额，不能是 ${String(v)}`, `${field} must be an amount, not ${String(v)}`, 'amount');
}

/** An optional amount: null when omitted or the cell is empty. */
export function optionalAmountArg(v: unknown, field: string): number | string | null {
  return isEmpty(v) ? null : amountArg(v, field);
}

/** City or category as typed: text, or a number (city code 371300, MAMS class 2). */
export function nameArg(v: unknown): string | number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return v;
  return '';
}

const EPOCH_1900_MS = Date.UTC(1899, 11, 30);
const EPOCH_1904_MS = Date.UTC(1904, 0, 1);
const DAY_MS = 86_400_000;
const MAX_SERIAL = { 1900: 2958465, 1904: 2957003 }; // 9999-12-31 in each system

/**
 * An Excel date serial as YYYY-MM-DD; the time of day, if any, is dropped. The 1900 system counts
 * 1900-01-01 as 1 (with Lotus's phantom 1900-02-29 as 60); the 1904 system counts 1904-01-01 as 0.
 */
export function serialToIso(serial: number, is1904 = uses1904()): string {
  const n = Math.floor(serial);
  const min = is1904 ? 0 : 1;
  if (!Number.isFinite(serial) || n < min || n > MAX_SERIAL[is1904 ? 1904 : 1900]) {
    throw new YibaoError(`日期序列号 ${serial} 无效`, `date serial number ${serial} is invalid`, 'date');
  }
  if (is1904) return new Date(EPOCH_1904_MS + n * DAY_MS).toISOString().slice(0, 10);
  if (n === 60) throw new YibaoError('日期序列号 60（1900-02-29）不存在', 'date serial 60 (1900-02-29) does not exist', 'date');
  // Serials 1–59 are 1900-01-01 … 1900-02-28; Excel's phantom 1900-02-29 shifts later ones by one.
  const days = n < 60 ? n + 1 : n;
  return new Date(EPOCH_1900_MS + days * DAY_MS).toISOString().slice(0, 10);
}

const SEPARATED = /^(\d{4})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})$/;
const CHINESE = /^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]$/;

/**
 * Date text as officers type it: 2022-06-01, 2022/06/01, 2022/6/1, 2022.6.1, 2022年6月1日 →
 * 2022-06-01. Anything else is passed on as typed, for the engine to refuse with its message.
 */
export function dateText(text: string): string {
  const t = text.trim();
  const m = SEPARATED.exec(t);
  const c = m ? [m[1], m[3], m[4]] : CHINESE.exec(t)?.slice(1, 4);
  return c ? `${c[0]}-${c[1].padStart(2, '0')}-${c[2].padStart(2, '0')}` : t;
}

/** A date argument; omitted, 31 December of the workbook's year (workbook.ts says why). */
export function dateArg(v: unknown): string {
  if (isEmpty(v)) return defaultDate();
  if (typeof v === 'number') return serialToIso(v);
  if (typeof v === 'string') return dateText(v);
  throw new YibaoError(`日期须为日期文本（如 2022-06-01、2022/6/1、2022年6月1日）或 Excel 日期，不能是 ${String(v)}`, `a date must be date text (2022-06-01, 2022/6/1, 2022年6月1日) or an Excel date, not ${String(v)}`, 'date');
}

/** A year as a whole number (2022 or "2022"). */
export function yearArg(v: unknown): number {
  if (isEmpty(v)) throw new YibaoError('年度为空', 'year is empty', 'year');
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d{4}\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n)) throw new YibaoError(`年度“${String(v)}”须为四位整数，如 2022`, `year "${String(v)}" must be a four-digit whole number such as 2022`, 'year');
  return n;
}

/** One cell of a claims range as the text a CSV cell would hold. */
export function cellText(v: unknown, column: string): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'number') {
    if (column === 'date' || column === 'setl_time') return dateCellText(v);
    return numberText(v);
  }
  return String(v);
}

/**
 * A number in a date column: the date of an Excel date serial. A number that is no date serial (such
 * as 20230301 typed as a number) stays its digits, which the engine rejects as an invalid date for
 * that row alone: one bad cell must not fail the whole range.
 */
function dateCellText(v: number): string {
  try {
    return serialToIso(v);
  } catch (e) {
    if (e instanceof YibaoError) return numberText(v);
    throw e;
  }
}

/** A number as plain decimal text (no exponent), e.g. 1e-7 → "0.0000001". */
export function numberText(v: number): string {
  const s = String(v);
  if (!/e/i.test(s)) return s;
  if (!Number.isFinite(v)) return s;
  // Exponent form appears only for tiny or huge numbers; toFixed(20) is exact enough for both.
  return Math.abs(v) < 1 ? v.toFixed(20).replace(/0+$/, '') : BigInt(Math.round(v)).toString();
}
