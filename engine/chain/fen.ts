// A Plan run on integer fen: the bulk path's executor (the same steps as decimal.ts, no explanation).
//
// Integer form: amounts in fen and rates in units of 1/10,000, so the tier functions run on exact JS
// integers. A plan with a value that has no such form (a deductible, band edge, cap or threshold that
// is not whole fen, a rate with more than 4 decimals) is not compiled: fenPlan says why, and the
// caller settles those claims on the decimal path. Nothing is approximated.
//
// Exactness: F(B) × 10^4 is an integer num = Σ (hi − lo) × r. Every base is kept at or below
// BASE_LIMIT fen, so num ≤ 9·10^15 < 2^53 and every product and sum is an exact JS integer.
// round2(F) = floor((num + 5000) / 10^4), corrected to the exact integer quotient. A base above
// BASE_LIMIT makes settleFen return false: the caller then settles that person's year in decimals.
//
// Speed: a claim allocates nothing; the person's year state is one Float64Array, results go to `out`.
import type DecimalBase from 'decimal.js';
import { YibaoError } from '../errors';
import type { BandedRule, CategoryRules, LinearRule } from '../policy/resolve';
import { TIERS, ACCOUNTS, KIND_CODES, LEVEL_CODES, unhandled, type Plan, type Step } from './plan';

/** Rate denominator: rates are integers over 10^4. */
export const RATE_ONE = 10_000;

/** Largest cumulative base (fen) the integer path takes: 9·10^11 fen = 9 billion yuan. */
export const BASE_LIMIT = 900_000_000_000;

/** State layout: base and paid of each account (ACCOUNT_* × 2). */
export const STATE_SIZE = ACCOUNTS * 2;

/** F(B) = min(cap, max(0, B − d) × r / 10^4); cap −1: none. */
export interface FenLinear { d: number; r: number; cap: number }
/** Bands already clipped at the deductible: lo = max(from, deductible), hi = upTo (−1: open). */
export interface FenBanded { lo: Float64Array; hi: Float64Array; r: Float64Array; cap: number }

/** One step in integer form; one shape for every kind, so the executor's loop stays monomorphic. */
export interface FenStep {
  kind: Step['kind'];
  /** Index in `out` (the tier) and in the state (account × 2). */
  at: number;
  slot: number;
  linear: FenLinear | null;
  byLevel: FenLinear[] | null;
  banded: FenBanded | null;
}

export interface FenPlan {
  /** Steps by kind code (KIND_CODES); null where the plan has no chain for the kind. */
  chains: (FenStep[] | null)[];
  /** Early-warning threshold in fen, −1 where the city has none. */
  warning: number;
}

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

function linear(rule: LinearRule, what: string): FenLinear {
  return { d: fen(rule.deductible, `${what} deductible`), r: rate(rule.rate, `${what} rate`), cap: rule.cap === null ? -1 : fen(rule.cap, `${what} cap`) };
}

function banded(rule: BandedRule): FenBanded {
  const d = fen(rule.deductible, 'critical deductible');
  const n = rule.bands.length;
  const out: FenBanded = { lo: new Float64Array(n), hi: new Float64Array(n), r: new Float64Array(n), cap: rule.cap === null ? -1 : fen(rule.cap, 'critical cap') };
  rule.bands.forEach((b, i) => {
    out.lo[i] = Math.max(fen(b.from, 'critical band edge'), d);
    out.hi[i] = b.upTo === null ? -1 : fen(b.upTo, 'critical band edge');
    out.r[i] = rate(b.rate, 'critical band rate');
  });
  return out;
}

/** A rule's name in the reasons compileFen gives (the parameter prefix an officer knows). */
function nameOf(step: Step): string {
  if (step.tier === 'critical') return 'critical.specialDrug';
  return step.tier === 'reassist' ? 'reassistance' : step.tier;
}

/** A level whose basic rule the pack lacks: rules.basic's own reason (those claims go to the decimal path, which gives it). */
function missingBasic(rules: CategoryRules, level: number): never {
  try {
    rules.basic(LEVEL_CODES[level]);
  } catch (e) {
    if (e instanceof YibaoError) throw new Unrepresentable(e.en);
    throw e;
  }
  throw new Error('plan: a basic rule compiled as missing');
}

function fenStep(step: Step, rules: CategoryRules): FenStep {
  const s: FenStep = { kind: step.kind, at: TIERS.indexOf(step.tier), slot: step.account * 2, linear: null, byLevel: null, banded: null };
  switch (step.kind) {
    case 'basic':
      s.byLevel = step.byLevel.map((r, l) => (r ? linear(r, `basic${LEVEL_CODES[l] ? '.' + LEVEL_CODES[l] : ''}`) : missingBasic(rules, l)));
      return s;
    case 'linear':
      s.linear = linear(step.rule, nameOf(step));
      return s;
    case 'banded':
      s.banded = banded(step.rule);
      return s;
    case 'none':
      return s;
    default:
      return unhandled(step);
  }
}

const compiled = new WeakMap<Plan, { fen: FenPlan } | { unsupported: string }>();

/** The integer form of a plan, or why there is none (then use the decimal path). */
export function compileFen(plan: Plan): { fen: FenPlan } | { unsupported: string } {
  let c = compiled.get(plan);
  if (c) return c;
  try {
    const steps = new Map(plan.steps.map((s) => [s, fenStep(s, plan.rules)]));
    const w = plan.warning;
    c = { fen: { chains: KIND_CODES.map((_, k) => plan.chains[k]?.steps.map((s) => steps.get(s)!) ?? null), warning: w === null ? -1 : fen(w.threshold, 'warning threshold') } };
  } catch (e) {
    if (!(e instanceof Unrepresentable)) throw e;
    c = { unsupported: e.message };
  }
  compiled.set(plan, c);
  return c;
}

/** Half-up division by 10^4 of a non-negative integer below 2^53, exact. */
function roundNum(num: number): number {
  const a = num + 5000;
  let q = Math.floor(a / RATE_ONE);
  if (q * RATE_ONE > a) q--;
  else if ((q + 1) * RATE_ONE <= a) q++;
  return q;
}

function linearF(rule: FenLinear, b: number): number {
  const over = b - rule.d;
  if (over <= 0) return 0;
  const num = over * rule.r;
  if (rule.cap >= 0 && num >= rule.cap * RATE_ONE) return rule.cap;
  return roundNum(num);
}

function bandedF(rule: FenBanded, b: number): number {
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

/** pay = round2(F(after)) − round2(F(before)), at least 0, at most cap − paid (decimal.ts increment). */
function clampPay(pay: number, paid: number, cap: number): number {
  if (pay < 0) pay = 0;
  if (cap >= 0) {
    const room = cap - paid > 0 ? cap - paid : 0;
    if (pay >= room) pay = room;
  }
  return pay;
}

function linearPay(rule: FenLinear, s: Float64Array, at: number, x: number): number {
  const before = s[at];
  const after = before + x;
  const pay = clampPay(linearF(rule, after) - linearF(rule, before), s[at + 1], rule.cap);
  s[at] = after;
  s[at + 1] += pay;
  return pay;
}

/** Results of one claim, fen, by tier: [basic, critical, assistance, reassist]. */
export type FenOut = Float64Array;

/**
 * Settle one claim of kind code `kind` (KIND_CODES; the plan must have its chain) at hospital level
 * code `level`, basicPaid −1 when not given, on the person's year state, in place. Returns false,
 * leaving `out` and the state meaningless, when a base would pass BASE_LIMIT.
 */
export function settleFen(plan: FenPlan, kind: number, level: number, compliant: number, basicPaid: number, s: Float64Array, out: FenOut): boolean {
  const steps = plan.chains[kind]!;
  let x = compliant; // what the tiers so far left: each tier's input
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    const at = step.slot;
    let pay: number;
    switch (step.kind) {
      case 'basic':
        if (basicPaid >= 0) {
          pay = basicPaid;
          if (s[at + 1] + pay > BASE_LIMIT) return false;
          s[at + 1] += pay;
        } else {
          if (s[at] + x > BASE_LIMIT) return false;
          pay = linearPay(step.byLevel![level], s, at, x);
        }
        break;
      case 'linear':
        if (s[at] + x > BASE_LIMIT) return false;
        pay = linearPay(step.linear!, s, at, x);
        break;
      case 'banded': {
        const rule = step.banded!;
        const before = s[at];
        const after = before + x;
        if (after > BASE_LIMIT) return false;
        pay = clampPay(bandedF(rule, after) - bandedF(rule, before), s[at + 1], rule.cap);
        s[at] = after;
        s[at + 1] += pay;
        break;
      }
      case 'none':
        pay = 0;
        break;
      default:
        return unhandled(step.kind);
    }
    out[step.at] = pay;
    x -= pay;
  }
  return true;
}
