// The tier functions of spec section 2, as pure functions of a person's year-to-date base.
import type DecimalBase from 'decimal.js';
import { Decimal, ZERO, round2, minD, maxD } from './money';
import type { BandedRule, LinearRule } from './policy/resolve';

export type TierFunction = (base: DecimalBase) => DecimalBase;

/** F(B) = min(cap, max(0, B − deductible) × rate). */
export function linearF(rule: LinearRule): TierFunction {
  return (b) => {
    const f = maxD(ZERO, b.minus(rule.deductible)).times(rule.rate);
    return rule.cap === null ? f : minD(rule.cap, f);
  };
}

/** Fcrit(B) = min(cap, Σ max(0, min(B, upTo) − max(from, deductible)) × rate) over the bands. */
export function bandedF(rule: BandedRule): TierFunction {
  return (b) => {
    let f: DecimalBase = ZERO;
    for (const band of rule.bands) {
      const lo = maxD(band.from, rule.deductible);
      const hi = band.upTo === null ? b : minD(b, band.upTo);
      if (hi.gt(lo)) f = f.plus(hi.minus(lo).times(band.rate));
    }
    return rule.cap === null ? f : minD(rule.cap, f);
  };
}

export interface Increment { pay: DecimalBase; after: DecimalBase; capReached: boolean }

/**
 * One claim's share of a tier: pay = round2(F(B + x)) − round2(F(B)), so that a person's year total
 * is exactly round2(F(year base)) whatever the number of claims (spec section 1, Money).
 * `paidBefore` guards the yearly cap when the person's category, and so F, changed within the year.
 */
export function increment(F: TierFunction, before: DecimalBase, x: DecimalBase, paidBefore: DecimalBase, cap: DecimalBase | null): Increment {
  const after = before.plus(x);
  let pay = round2(F(after)).minus(round2(F(before)));
  if (pay.isNegative()) pay = new Decimal(0);
  let capReached = false;
  if (cap !== null) {
    const room = maxD(ZERO, cap.minus(paidBefore));
    if (pay.gte(room)) {
      pay = room;
      capReached = true;
    }
  }
  return { pay, after, capReached };
}

/** How much of the base between `before` and `after` fell in each band, for explanations. */
export function bandShares(rule: BandedRule, before: DecimalBase, after: DecimalBase) {
  return rule.bands
    .map((band) => {
      const lo = maxD(maxD(band.from, rule.deductible), before);
      const hi = band.upTo === null ? after : minD(after, band.upTo);
      return { from: maxD(band.from, rule.deductible), upTo: band.upTo, rate: band.rate, amount: hi.gt(lo) ? hi.minus(lo) : ZERO };
    })
    .filter((s) => s.amount.gt(0));
}
