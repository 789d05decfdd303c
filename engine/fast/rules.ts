// CategoryRules in integer form: amounts in fen and rates in units of 1/10,000, so the tier functions
// run on exact JS integers. A rule with a value that has no such form (a deductible, band edge, cap or
// threshold that is not whole fen, a rate with more than 4 decimals) is not compiled: compileRules says
// why, and the caller settles those claims on the decimal path. Nothing is approximated.
import type DecimalBase from 'decimal.js';
import type { BandedRule, CategoryRules, LinearRule } from '../policy/resolve';

/** Rate denominator: rates are integers over 10^4. */
export const RATE_ONE = 10_000;

/** F(B) = min(cap, max(0, B − d) × r / 10^4); cap −1: none. */
export interface FastLinear { d: number; r: number; cap: number }
/** Bands already clipped at the deductible: lo = max(from, deductible), hi = upTo (−1: open). */
export interface FastBanded { lo: Float64Array; hi: Float64Array; r: Float64Array; cap: number }

export interface FastRules {
  /** Basic rule by hospital level code (see LEVEL_CODES): 0 none given, 1 township … 4 province. */
  basic: FastLinear[];
  critical: FastBanded;
  specialDrug: FastLinear | null;
  assistance: FastLinear | null;
  assistancePending: boolean;
  reassist: FastLinear | null;
  /** Early-warning threshold in fen, −1 where the city has none. */
  warning: number;
}

export const LEVEL_CODES = [undefined, 'township', 'county', 'city', 'province'] as const;

class Unrepresentable extends Error {}

function fen(x: DecimalBase, what: string): number {
  const f = x.times(100);
  if (!f.isInteger() || f.isNegative() || f.gt(1e13)) throw new Unrepresentable(`${what} ${x.toFixed()} is not a whole number of fen`);
  return f.toNumber(); // an integer below 2^53: exact
}

function rate(x: DecimalBase, what: string): number {
  const r = x.times(RATE_ONE);
  if (!r.isInteger() || r.isNegative() || r.gt(RATE_ONE)) throw new Unrepresentable(`${what} ${x.toFixed()} has more than 4 decimals`);
  return r.toNumber();
}

function linear(rule: LinearRule, what: string): FastLinear {
  return { d: fen(rule.deductible, `${what} deductible`), r: rate(rule.rate, `${what} rate`), cap: rule.cap === null ? -1 : fen(rule.cap, `${what} cap`) };
}

function banded(rule: BandedRule): FastBanded {
  const d = fen(rule.deductible, 'critical deductible');
  const n = rule.bands.length;
  const out: FastBanded = { lo: new Float64Array(n), hi: new Float64Array(n), r: new Float64Array(n), cap: rule.cap === null ? -1 : fen(rule.cap, 'critical cap') };
  rule.bands.forEach((b, i) => {
    out.lo[i] = Math.max(fen(b.from, 'critical band edge'), d);
    out.hi[i] = b.upTo === null ? -1 : fen(b.upTo, 'critical band edge');
    out.r[i] = rate(b.rate, 'critical band rate');
  });
  return out;
}

/** The integer form of a category's rules, or why there is none (then use the decimal path). */
export function compileRules(rules: CategoryRules): { fast: FastRules } | { unsupported: string } {
  try {
    return {
      fast: {
        basic: LEVEL_CODES.map((l) => linear(rules.basic(l), `basic${l ? '.' + l : ''}`)),
        critical: banded(rules.critical),
        specialDrug: rules.specialDrug && linear(rules.specialDrug, 'critical.specialDrug'),
        assistance: rules.assistance && linear(rules.assistance, 'assistance'),
        assistancePending: !rules.assistance && rules.assistancePending !== null,
        reassist: rules.reassist && linear(rules.reassist, 'reassistance'),
        warning: rules.warning === null ? -1 : fen(rules.warning.threshold, 'warning threshold'),
      },
    };
  } catch (e) {
    if (e instanceof Unrepresentable) return { unsupported: e.message };
    throw e;
  }
}
