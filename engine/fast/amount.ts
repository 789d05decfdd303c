// Amounts as integer fen, read straight from bytes. Accepts exactly what engine/money.ts parseAmount
// accepts (digits with at most one point, no sign, separator or exponent, at most 100,000,000) and
// rounds the same way (half-up to the fen). Anything it does not accept returns -1, and the caller
// asks parseAmount for the reason, so the messages are the engine's own.
//
// Bound: the result is at most 10,000,000,000 fen (1e10 < 2^53), an exact JS integer.

export const MAX_FEN = 10_000_000_000;

const D0 = 48, D9 = 57, DOT = 46;

function isAsciiSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * Parse bytes[start, end) as an amount in fen, or -1 if parseAmount would reject it or the cell holds
 * anything but ASCII (leading/trailing ASCII whitespace is trimmed as String.prototype.trim does;
 * non-ASCII whitespace is left to the caller's string path).
 */
export function parseFenBytes(b: Uint8Array, start: number, end: number): number {
  while (start < end && isAsciiSpace(b[start])) start++;
  while (end > start && isAsciiSpace(b[end - 1])) end--;
  if (start === end) return -1;
  let i = start;
  // integer part: skip leading zeros, keep at most 9 significant digits (100,000,000 has 9)
  while (i < end && b[i] === D0) i++;
  let int = 0;
  let sig = 0;
  let intDigits = i > start ? 1 : 0; // leading zeros count as digits for the grammar
  while (i < end) {
    const c = b[i];
    if (c < D0 || c > D9) break;
    if (++sig > 9) return -1; // > 999,999,999: over the limit (or rejected anyway)
    int = int * 10 + (c - D0);
    intDigits++;
    i++;
  }
  let frac = 0; // first two decimals as fen
  let roundUp = false;
  let fracNonZero = false;
  let fracDigits = 0;
  if (i < end) {
    if (b[i] !== DOT) return -1;
    i++;
    while (i < end) {
      const c = b[i];
      if (c < D0 || c > D9) return -1;
      const d = c - D0;
      if (fracDigits < 2) frac = frac * 10 + d;
      else if (fracDigits === 2) roundUp = d >= 5;
      if (d !== 0) fracNonZero = true;
      fracDigits++;
      i++;
    }
    if (intDigits === 0 && fracDigits === 0) return -1; // "."
    if (fracDigits === 1) frac *= 10;
  } else if (intDigits === 0) {
    return -1;
  }
  if (int > 100_000_000 || (int === 100_000_000 && fracNonZero)) return -1;
  return int * 100 + frac + (roundUp ? 1 : 0);
}

const enc = new TextEncoder();

/** The same for a string (for tests and the string paths); non-ASCII text returns -1. */
export function parseFen(text: string): number {
  for (let k = 0; k < text.length; k++) if (text.charCodeAt(k) > 127) return -1;
  return parseFenBytes(enc.encode(text), 0, text.length);
}

/** Fen as the engine prints money: "1234.50". */
export function fenText(f: number): string {
  const s = String(f);
  if (f < 10) return `0.0${s}`;
  if (f < 100) return `0.${s}`;
  return `${s.slice(0, -2)}.${s.slice(-2)}`;
}
