// A Plan run on decimal.js: one claim through the chain of payers (spec section 2), each tier taking
// from what the one before left, on the person's year-to-date bases, recording for each tier the
// step an explanation shows (engine/explain.ts). The exact reference the integer executor (fen.ts)
// is proven equal to, and the path for rules or bases fen.ts cannot hold.
import type DecimalBase from 'decimal.js';
import { Decimal, ZERO, round2, minD, maxD } from '../money';
import { CATEGORY_CHANGED, LEVEL_CODES, ACCOUNTS, KIND_CODES, unhandled, type Plan, type Step } from './plan';
import type { BandedRule, LinearRule } from '../policy/resolve';
import type { Message } from '../errors';
import type { Claim, ClaimResult, ParamEntry, TierStep, Tier } from '../types';

// ---------------------------------------------------------------------------------------------
// The tier functions, pure functions of a person's year-to-date base.

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

// ---------------------------------------------------------------------------------------------
// The executor.

export interface Account { base: DecimalBase; paid: DecimalBase }

/** A person's running totals for one calendar year: one account per ACCOUNT_*, and the categories seen. */
export interface YearState { accounts: Account[]; categories: Set<string> }

export function newYearState(): YearState {
  const accounts: Account[] = [];
  for (let i = 0; i < ACCOUNTS; i++) accounts.push({ base: ZERO, paid: ZERO });
  return { accounts, categories: new Set() };
}

/**
 * One tier's increment on its account, the account moved on; `shown` is what the explanation shows of
 * the rule's shape (a rate, or the bands the base crossed), given the base after the claim.
 */
function accountStep(tier: Tier, F: TierFunction, deductible: DecimalBase, cap: DecimalBase | null, account: Account, x: DecimalBase, params: ParamEntry[], shown: (after: DecimalBase) => Pick<TierStep, 'rate' | 'bands'>, note?: Message): TierStep {
  const inc = increment(F, account.base, x, account.paid, cap);
  const step: TierStep = {
    tier,
    base_before: account.base,
    base_after: inc.after,
    deductible,
    ...shown(inc.after),
    cap,
    cap_reached: inc.capReached,
    paid: inc.pay,
    paid_ytd: account.paid.plus(inc.pay),
    params,
    ...(note ? { note } : {}),
  };
  account.base = inc.after;
  account.paid = step.paid_ytd;
  return step;
}

function linearStep(tier: Tier, rule: LinearRule, account: Account, x: DecimalBase, params: ParamEntry[]): TierStep {
  return accountStep(tier, linearF(rule), rule.deductible, rule.cap, account, x, params, () => ({ rate: rule.rate }));
}

function bandedStep(tier: Tier, rule: BandedRule, account: Account, x: DecimalBase, params: ParamEntry[], note: Message | undefined): TierStep {
  const before = account.base;
  return accountStep(tier, bandedF(rule), rule.deductible, rule.cap, account, x, params, (after) => ({ bands: bandShares(rule, before, after) }), note);
}

/**
 * One step of a plan on its account with input x (what the tiers before it left), the account moved
 * on; `claim` gives basic_paid and the hospital level the basic step needs.
 */
export function runStep(plan: Plan, s: Step, account: Account, x: DecimalBase, claim: Pick<Claim, 'basic_paid' | 'hospital_level'>): TierStep {
  switch (s.kind) {
    case 'basic': {
      if (claim.basic_paid !== undefined) {
        account.paid = account.paid.plus(claim.basic_paid);
        return { tier: s.tier, base_before: account.base, base_after: account.base, cap_reached: false, paid: claim.basic_paid, paid_ytd: account.paid, given: true, params: [] };
      }
      const level = LEVEL_CODES.indexOf(claim.hospital_level);
      return linearStep(s.tier, s.byLevel[level] ?? plan.rules.basic(claim.hospital_level), account, x, s.citeByLevel[level]);
    }
    case 'linear':
      return linearStep(s.tier, s.rule, account, x, s.params);
    case 'banded':
      return bandedStep(s.tier, s.rule, account, x, s.params, s.note);
    case 'none':
      return { tier: s.tier, base_before: account.base, base_after: account.base, cap_reached: false, paid: ZERO, paid_ytd: account.paid, params: s.params, note: s.note };
    default:
      return unhandled(s);
  }
}

/**
 * Settle one valid claim on its category's plan. `state` is the person's state for the claim's
 * calendar year and is updated in place; claims must arrive in date order (ties in input order).
 */
export function settleClaim(claim: Claim, plan: Plan, state: YearState): ClaimResult {
  const chain = plan.chains[KIND_CODES.indexOf(claim.kind)];
  if (!chain) throw new Error(`plan: no chain for ${claim.kind} (validateClaim refuses such claims)`);
  const notes: Message[] = [];
  if (state.categories.size > 0 && !state.categories.has(claim.category)) notes.push(CATEGORY_CHANGED);
  state.categories.add(claim.category);
  notes.push(...chain.notes);

  const paid: DecimalBase[] = [ZERO, ZERO, ZERO, ZERO];
  const steps: TierStep[] = [];
  let x = claim.compliant; // what the tiers so far left: each tier's input
  for (const [i, s] of chain.steps.entries()) {
    const step = runStep(plan, s, state.accounts[s.account], x, claim);
    steps.push(step);
    paid[i] = step.paid;
    x = x.minus(step.paid);
  }

  const [basic, critical, assistance, reassist] = paid;
  const oop_compliant = claim.compliant.minus(basic).minus(critical).minus(assistance).minus(reassist);
  const oop_total = claim.total.minus(basic).minus(critical).minus(assistance).minus(reassist);
  const warning = plan.warning === null ? null : oop_total.gt(plan.warning.threshold);
  return { claim_id: claim.claim_id, basic, critical, assistance, reassist, oop_compliant, oop_total, warning, steps, notes, city: claim.city, category: claim.category, date: claim.date, kind: claim.kind };
}
