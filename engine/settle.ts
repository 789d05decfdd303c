// One claim through the chain of payers (spec section 2): basic → critical → assistance →
// re-assistance, each taking from what the one before left, on the person's year-to-date bases.
import type DecimalBase from 'decimal.js';
import { ZERO } from './money';
import { bandedF, bandShares, increment, linearF } from './tiers';
import type { CategoryRules, LinearRule, Params } from './policy/resolve';
import type { Message } from './errors';
import type { Claim, ClaimResult, ParamEntry, TierStep, Tier } from './types';

interface Track { base: DecimalBase; paid: DecimalBase }

/** A person's running totals for one calendar year. */
export interface YearState {
  basic: Track;
  critical: Track;
  specialDrug: Track;
  assistance: Track;
  reassist: Track;
  categories: Set<string>;
}

export function newYearState(): YearState {
  const t = (): Track => ({ base: ZERO, paid: ZERO });
  return { basic: t(), critical: t(), specialDrug: t(), assistance: t(), reassist: t(), categories: new Set() };
}

function cite(params: Params, names: string[]): ParamEntry[] {
  return names.map((n) => params.get(n)).filter((e): e is ParamEntry => e !== undefined);
}

function linearStep(tier: Tier, rule: LinearRule, track: Track, x: DecimalBase, params: Params): TierStep {
  const inc = increment(linearF(rule), track.base, x, track.paid, rule.cap);
  const step: TierStep = {
    tier,
    base_before: track.base,
    base_after: inc.after,
    deductible: rule.deductible,
    rate: rule.rate,
    cap: rule.cap,
    cap_reached: inc.capReached,
    paid: inc.pay,
    paid_ytd: track.paid.plus(inc.pay),
    params: cite(params, rule.params),
  };
  track.base = inc.after;
  track.paid = step.paid_ytd;
  return step;
}

function nothing(tier: Tier, track: Track, note: Message, params: ParamEntry[] = []): TierStep {
  return { tier, base_before: track.base, base_after: track.base, cap_reached: false, paid: ZERO, paid_ytd: track.paid, params, note };
}

/**
 * Settle one valid claim. `state` is the person's state for the claim's calendar year and is
 * updated in place; claims must arrive in date order (ties in input order).
 */
export function settleClaim(claim: Claim, rules: CategoryRules, params: Params, state: YearState): ClaimResult {
  const steps: TierStep[] = [];
  const notes: Message[] = [];
  if (state.categories.size > 0 && !state.categories.has(claim.category)) {
    notes.push({ zh: '本年度内此人类别有变化：累计基数连续计算，本次按新类别的参数支付', en: "the person's category changed this year: bases run on, this claim is paid under the new category" });
  }
  state.categories.add(claim.category);

  // Basic medical insurance 基本医保
  let basic: DecimalBase;
  if (claim.basic_paid !== undefined) {
    basic = claim.basic_paid;
    state.basic.paid = state.basic.paid.plus(basic);
    steps.push({ tier: 'basic', base_before: state.basic.base, base_after: state.basic.base, cap_reached: false, paid: basic, paid_ytd: state.basic.paid, given: true, params: [] });
  } else {
    const step = linearStep('basic', rules.basic(claim.hospital_level), state.basic, claim.compliant, params);
    basic = step.paid;
    steps.push(step);
  }
  const oop1 = claim.compliant.minus(basic);

  // Critical-illness insurance 大病保险 (special drugs on their own track)
  let critical: DecimalBase;
  if (claim.kind === 'special_drug') {
    const step = linearStep('critical', rules.specialDrug!, state.specialDrug, oop1, params);
    critical = step.paid;
    steps.push(step);
  } else {
    const rule = rules.critical;
    const track = state.critical;
    const inc = increment(bandedF(rule), track.base, oop1, track.paid, rule.cap);
    steps.push({
      tier: 'critical',
      base_before: track.base,
      base_after: inc.after,
      deductible: rule.deductible,
      bands: bandShares(rule, track.base, inc.after),
      cap: rule.cap,
      cap_reached: inc.capReached,
      paid: inc.pay,
      paid_ytd: track.paid.plus(inc.pay),
      params: cite(params, rule.params),
      note: rule.tilt ? { zh: '倾斜支付：起付线降低、各段比例提高、不设封顶线', en: 'tilt payment: lower deductible, higher rates, no cap' } : undefined,
    });
    track.base = inc.after;
    track.paid = track.paid.plus(inc.pay);
    critical = inc.pay;
  }
  const oop2 = oop1.minus(critical);

  // Medical assistance 医疗救助 and re-assistance 倾斜救助/再救助: hospital stays and chronic outpatient only.
  let assistance: DecimalBase = ZERO;
  let reassist: DecimalBase = ZERO;
  if (claim.kind === 'special_drug') {
    const why = { zh: '大病特药费用只走大病保险特药通道，不计入医疗救助', en: 'special-drug claims take only the critical-illness drug track' };
    steps.push(nothing('assistance', state.assistance, why), nothing('reassist', state.reassist, why));
  } else {
    if (rules.assistance) {
      const step = linearStep('assistance', rules.assistance, state.assistance, oop2, params);
      assistance = step.paid;
      steps.push(step);
    } else if (rules.assistancePending) {
      const note = { zh: `此类别医疗救助政策“另行制定”，暂按0计算（${rules.assistancePending.source}）`, en: `assistance for this category is "to be formulated separately": 0 for now (${rules.assistancePending.source})` };
      notes.push(note);
      steps.push(nothing('assistance', state.assistance, note, [rules.assistancePending]));
    } else {
      steps.push(nothing('assistance', state.assistance, { zh: '此类别不享受医疗救助', en: 'this category receives no medical assistance' }));
    }
    const oop3 = oop2.minus(assistance);
    if (rules.reassist) {
      const step = linearStep('reassist', rules.reassist, state.reassist, oop3, params);
      reassist = step.paid;
      steps.push(step);
    } else {
      steps.push(nothing('reassist', state.reassist, { zh: '此类别不享受倾斜救助/再救助', en: 'this category receives no re-assistance' }));
    }
  }

  const oop_compliant = oop2.minus(assistance).minus(reassist);
  const oop_total = claim.total.minus(basic).minus(critical).minus(assistance).minus(reassist);
  const warning = rules.warning === null ? null : oop_total.gt(rules.warning.threshold);
  return { claim_id: claim.claim_id, basic, critical, assistance, reassist, oop_compliant, oop_total, warning, steps, notes, city: claim.city, category: claim.category, date: claim.date, kind: claim.kind };
}
