// One claim through the chain of payers on integer fen (the same steps as engine/settle.ts settleClaim).
//
// Exactness: amounts are whole fen and rates integers over 10^4, so F(B) × 10^4 is an integer
// num = Σ (hi − lo) × r. Every base is kept at or below BASE_LIMIT fen, so num ≤ 9·10^15 < 2^53 and
// every product and sum is an exact JS integer. round2(F) = floor((num + 5000) / 10^4), corrected to
// the exact integer quotient. A base above BASE_LIMIT makes settleFast return false: the caller then
// settles that person's year on the decimal path.
import { RATE_ONE, type FastBanded, type FastLinear, type FastRules } from './rules';

/** Largest cumulative base (fen) the integer path takes: 9·10^11 fen = 9 billion yuan. */
export const BASE_LIMIT = 900_000_000_000;

// State layout (one Float64Array per person and year): base and paid of each track.
export const S_BASIC = 0, S_CRIT = 2, S_DRUG = 4, S_ASSIST = 6, S_REASSIST = 8, STATE_SIZE = 10;

/** Half-up division by 10^4 of a non-negative integer below 2^53, exact. */
function roundNum(num: number): number {
  const a = num + 5000;
  let q = Math.floor(a / RATE_ONE);
  if (q * RATE_ONE > a) q--;
  else if ((q + 1) * RATE_ONE <= a) q++;
  return q;
}

function linearF(rule: FastLinear, b: number): number {
  const over = b - rule.d;
  if (over <= 0) return 0;
  const num = over * rule.r;
  if (rule.cap >= 0 && num >= rule.cap * RATE_ONE) return rule.cap;
  return roundNum(num);
}

function bandedF(rule: FastBanded, b: number): number {
  let num = 0;
  const n = rule.lo.length;
  for (let i = 0; i < n; i++) {
    const lo = rule.lo[i];
    const upTo = rule.hi[i];
    const hi = upTo < 0 || b < upTo ? b : upTo;
    if (hi > lo) num += (hi - lo) * rule.r[i];
  }
  if (rule.cap >= 0 && num >= rule.cap * RATE_ONE) return rule.cap;
  return roundNum(num);
}

/** pay = round2(F(after)) − round2(F(before)), at least 0, at most cap − paid (engine/tiers.ts increment). */
function clampPay(pay: number, paid: number, cap: number): number {
  if (pay < 0) pay = 0;
  if (cap >= 0) {
    const room = cap - paid > 0 ? cap - paid : 0;
    if (pay >= room) pay = room;
  }
  return pay;
}

function linearStep(rule: FastLinear, s: Float64Array, at: number, x: number): number {
  const before = s[at];
  const after = before + x;
  const pay = clampPay(linearF(rule, after) - linearF(rule, before), s[at + 1], rule.cap);
  s[at] = after;
  s[at + 1] += pay;
  return pay;
}

/** Results of one claim, fen: [basic, critical, assistance, reassist]. */
export type FastOut = Float64Array;

/**
 * Settle one claim (kind: 0 inpatient/chronic outpatient, 1 special drug; basicPaid −1 when not
 * given) on the person's year state, in place. Returns false, leaving `out` and the state
 * meaningless, when a base would pass BASE_LIMIT.
 */
export function settleFast(rules: FastRules, level: number, drug: boolean, compliant: number, basicPaid: number, s: Float64Array, out: FastOut): boolean {
  let basic: number;
  if (basicPaid >= 0) {
    basic = basicPaid;
    if (s[S_BASIC + 1] + basic > BASE_LIMIT) return false;
    s[S_BASIC + 1] += basic;
  } else {
    if (s[S_BASIC] + compliant > BASE_LIMIT) return false;
    basic = linearStep(rules.basic[level], s, S_BASIC, compliant);
  }
  const oop1 = compliant - basic;
  let critical: number;
  if (drug) {
    if (s[S_DRUG] + oop1 > BASE_LIMIT) return false;
    critical = linearStep(rules.specialDrug!, s, S_DRUG, oop1);
  } else {
    const rule = rules.critical;
    const before = s[S_CRIT];
    const after = before + oop1;
    if (after > BASE_LIMIT) return false;
    critical = clampPay(bandedF(rule, after) - bandedF(rule, before), s[S_CRIT + 1], rule.cap);
    s[S_CRIT] = after;
    s[S_CRIT + 1] += critical;
  }
  const oop2 = oop1 - critical;
  let assistance = 0;
  let reassist = 0;
  if (!drug) {
    if (rules.assistance) {
      if (s[S_ASSIST] + oop2 > BASE_LIMIT) return false;
      assistance = linearStep(rules.assistance, s, S_ASSIST, oop2);
    }
    const oop3 = oop2 - assistance;
    if (rules.reassist) {
      if (s[S_REASSIST] + oop3 > BASE_LIMIT) return false;
      reassist = linearStep(rules.reassist, s, S_REASSIST, oop3);
    }
  }
  out[0] = basic;
  out[1] = critical;
  out[2] = assistance;
  out[3] = reassist;
  return true;
}
