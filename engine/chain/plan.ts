// The chain of payers (spec section 2) compiled once per category's rules into a Plan: the tiers in
// order (basic → critical → assistance → re-assistance), each with its shape, its track, the claim
// kinds it applies to, the parameters it cites and its notes. Two executors run the same Plan:
// fen.ts on integer fen (the bulk path) and decimal.ts on decimal.js (with the explanation steps).
// Every rule of the chain and every note text lives here once; the executors only do arithmetic.
import { YibaoError, type Message } from '../errors';
import type { CategoryRules, LinearRule, BandedRule, Params } from '../policy/resolve';
import type { CategoryId, ClaimKind, ParamEntry, Tier } from '../types';
import { forCategory } from '../policy/yearly';

/** Claim kinds by code, the code the integer executor and the columnar ledger store. */
export const KIND_CODES: readonly ClaimKind[] = ['inpatient', 'special_drug', 'chronic_outpatient'];
/** Hospital levels by code: 0 none given, 1 township … 4 province (a claim's level picks its basic rule). */
export const LEVEL_CODES = [undefined, 'township', 'county', 'city', 'province'] as const;
/** Tiers in the order money flows: each takes from what the one before left. */
export const TIERS: readonly Tier[] = ['basic', 'critical', 'assistance', 'reassist'];

/**
 * A person's year-to-date accounts (a base and a paid amount each). Special drugs have an account of
 * their own in critical insurance (spec section 2: Fdrug on the year's special-drug base).
 */
export const ACCOUNT_BASIC = 0, ACCOUNT_CRITICAL = 1, ACCOUNT_DRUG = 2, ACCOUNT_ASSISTANCE = 3, ACCOUNT_REASSIST = 4, ACCOUNTS = 5;

const ORDINARY_KINDS: readonly ClaimKind[] = ['inpatient', 'chronic_outpatient'];
const DRUG_KINDS: readonly ClaimKind[] = ['special_drug'];

// Notes: the one place their words are written.
export const CATEGORY_CHANGED: Message = { zh: '本年度内此人类别有变化：累计基数连续计算，本次按新类别的参数支付', en: "the person's category changed this year: bases run on, this claim is paid under the new category" };
const TILT: Message = { zh: '倾斜支付：起付线降低、各段比例提高、不设封顶线', en: 'tilt payment: lower deductible, higher rates, no cap' };
const DRUG_ONLY: Message = { zh: '大病特药费用只走大病保险特药通道，不计入医疗救助', en: 'special-drug claims take only the critical-illness drug track' };
const NO_ASSISTANCE: Message = { zh: '此类别不享受医疗救助', en: 'this category receives no medical assistance' };
const NO_REASSIST: Message = { zh: '此类别不享受倾斜救助/再救助', en: 'this category receives no re-assistance' };
const pendingNote = (source: string): Message => ({ zh: `此类别医疗救助政策“另行制定”，暂按0计算（${source}）`, en: `assistance for this category is "to be formulated separately": 0 for now (${source})` });

interface StepBase {
  tier: Tier;
  /** The person's year-to-date account the step reads and moves (ACCOUNT_*). */
  account: number;
  /** 'special_drug': the critical-illness drug track and what special-drug claims get after it. */
  track: 'ordinary' | 'special_drug';
  kinds: readonly ClaimKind[];
  /** The parameters the step cites, by name and as entries (for explanations). */
  cite: string[];
  params: ParamEntry[];
}

/**
 * F(B) = min(cap, max(0, B − deductible) × rate), the rule picked by hospital level (null: the pack
 * lacks that level's parameters, and rules.basic says so when a claim needs it); the input's
 * basic_paid stands in when given.
 */
export interface BasicStep extends StepBase { kind: 'basic'; byLevel: (LinearRule | null)[]; citeByLevel: ParamEntry[][] }
/** F(B) = min(cap, max(0, B − deductible) × rate). */
export interface LinearStep extends StepBase { kind: 'linear'; rule: LinearRule }
/** Fcrit: bands of the base, each with its rate, then the cap. */
export interface BandedStep extends StepBase { kind: 'banded'; rule: BandedRule; note?: Message }
/** The tier pays nothing to these kinds, and says why; `claimNote`: the claim's notes carry it too. */
export interface NoneStep extends StepBase { kind: 'none'; note: Message; claimNote: boolean }

export type Step = BasicStep | LinearStep | BandedStep | NoneStep;

/** The steps one claim kind takes, one per tier in order, and the notes they put on the claim. */
export interface Chain { kind: ClaimKind; steps: Step[]; notes: Message[] }

export interface Plan {
  rules: CategoryRules;
  /** Every step, tiers in order. */
  steps: Step[];
  /** By kind code (KIND_CODES): null where the category's rules have no chain for that kind (no drug track). */
  chains: (Chain | null)[];
  /** The early-warning threshold on a claim's total out-of-pocket, or null where the city publishes none. */
  warning: CategoryRules['warning'];
}

// The fields of CategoryRules this compiler reads. A field it does not know would be a rule both
// executors silently ignore: refuse it until it is compiled here (and so run by both).
const KNOWN_RULE_FIELDS = ['category', 'basic', 'critical', 'specialDrug', 'assistance', 'assistancePending', 'reassist', 'lapsed', 'warning'];
const KNOWN_LINEAR_FIELDS = ['deductible', 'rate', 'cap', 'params'];
const KNOWN_BANDED_FIELDS = ['deductible', 'bands', 'cap', 'params', 'tilt'];

function knownFields(o: object, known: string[], where: string): void {
  for (const field of Object.keys(o)) {
    if (!known.includes(field)) {
      throw new Error(`赔付链编译器不认识规则字段 ${where}${field}：须先在 engine/chain/plan.ts 中编译它，两种执行器才会执行 (the plan compiler does not know the rule field ${where}${field}: compile it in engine/chain/plan.ts so that both executors run it)`);
    }
  }
}

function cite(params: Params, names: string[], category: CategoryId): ParamEntry[] {
  return names.map((n) => params.get(n)).filter((e): e is ParamEntry => e !== undefined).map((e) => forCategory(e, category));
}

/** Compile a category's rules (with the parameters they came from, for citations) into its Plan. */
export function compilePlan(rules: CategoryRules, params: Params): Plan {
  knownFields(rules, KNOWN_RULE_FIELDS, '');
  knownFields(rules.critical, KNOWN_BANDED_FIELDS, 'critical.');
  const linear = (where: string, rule: LinearRule | null) => rule && knownFields(rule, KNOWN_LINEAR_FIELDS, `${where}.`);
  linear('specialDrug', rules.specialDrug);
  linear('assistance', rules.assistance);
  linear('reassist', rules.reassist);

  const steps: Step[] = [];
  const none = (tier: Tier, account: number, track: StepBase['track'], kinds: readonly ClaimKind[], note: Message, entries: ParamEntry[] = [], claimNote = false): NoneStep =>
    ({ kind: 'none', tier, account, track, kinds, cite: entries.map((e) => e.name), params: entries, note, claimNote });

  // Basic medical insurance 基本医保: every kind.
  const byLevel = LEVEL_CODES.map((l) => {
    try {
      return rules.basic(l);
    } catch (e) {
      if (e instanceof YibaoError) return null;
      throw e;
    }
  });
  byLevel.forEach((r, i) => linear(`basic(${LEVEL_CODES[i] ?? ''})`, r));
  steps.push({ kind: 'basic', tier: 'basic', account: ACCOUNT_BASIC, track: 'ordinary', kinds: KIND_CODES, cite: [], params: [], byLevel, citeByLevel: byLevel.map((r) => (r ? cite(params, r.params, rules.category) : [])) });

  // Critical-illness insurance 大病保险: bands for stays and chronic outpatient (tilted for the tilt
  // group), the special-drug track for special drugs.
  const crit = rules.critical;
  steps.push({ kind: 'banded', tier: 'critical', account: ACCOUNT_CRITICAL, track: 'ordinary', kinds: ORDINARY_KINDS, cite: crit.params, params: cite(params, crit.params, rules.category), rule: crit, note: crit.tilt ? TILT : undefined });
  if (rules.specialDrug) {
    const r = rules.specialDrug;
    steps.push({ kind: 'linear', tier: 'critical', account: ACCOUNT_DRUG, track: 'special_drug', kinds: DRUG_KINDS, cite: r.params, params: cite(params, r.params, rules.category), rule: r });
  }

  // Medical assistance 医疗救助 and re-assistance 倾斜救助/再救助: stays and chronic outpatient only;
  // a special drug's out-of-pocket is not in their bases (spec section 2, Interpretation).
  if (rules.assistance) {
    const r = rules.assistance;
    steps.push({ kind: 'linear', tier: 'assistance', account: ACCOUNT_ASSISTANCE, track: 'ordinary', kinds: ORDINARY_KINDS, cite: r.params, params: cite(params, r.params, rules.category), rule: r });
  } else if (rules.lapsed.assistance) {
    // a transitional rule after transition.end (spec 10.2): the tier pays 0, and the claim says why
    steps.push(none('assistance', ACCOUNT_ASSISTANCE, 'ordinary', ORDINARY_KINDS, rules.lapsed.assistance, cite(params, ['transition.end'], rules.category), true));
  } else if (rules.assistancePending) {
    steps.push(none('assistance', ACCOUNT_ASSISTANCE, 'ordinary', ORDINARY_KINDS, pendingNote(rules.assistancePending.source), [rules.assistancePending], true));
  } else {
    steps.push(none('assistance', ACCOUNT_ASSISTANCE, 'ordinary', ORDINARY_KINDS, NO_ASSISTANCE));
  }
  steps.push(none('assistance', ACCOUNT_ASSISTANCE, 'special_drug', DRUG_KINDS, DRUG_ONLY));
  if (rules.reassist) {
    const r = rules.reassist;
    steps.push({ kind: 'linear', tier: 'reassist', account: ACCOUNT_REASSIST, track: 'ordinary', kinds: ORDINARY_KINDS, cite: r.params, params: cite(params, r.params, rules.category), rule: r });
  } else if (rules.lapsed.reassist) {
    steps.push(none('reassist', ACCOUNT_REASSIST, 'ordinary', ORDINARY_KINDS, rules.lapsed.reassist, cite(params, ['transition.end'], rules.category), !rules.lapsed.assistance));
  } else {
    steps.push(none('reassist', ACCOUNT_REASSIST, 'ordinary', ORDINARY_KINDS, NO_REASSIST));
  }
  steps.push(none('reassist', ACCOUNT_REASSIST, 'special_drug', DRUG_KINDS, DRUG_ONLY));

  return { rules, steps, chains: KIND_CODES.map((k) => chainOf(steps, k)), warning: rules.warning };
}

/** The steps a kind takes: exactly one per tier, in order; null if a tier has none for it. */
function chainOf(steps: Step[], kind: ClaimKind): Chain | null {
  const mine = steps.filter((s) => s.kinds.includes(kind));
  if (mine.length !== TIERS.length || mine.some((s, i) => s.tier !== TIERS[i])) {
    if (TIERS.every((t) => mine.some((s) => s.tier === t))) throw new Error(`plan: kind ${kind} has more than one step for a tier`);
    return null;
  }
  const notes = mine.filter((s): s is NoneStep => s.kind === 'none' && s.claimNote).map((s) => s.note);
  // A value carried forward from an earlier year (spec 10.3) is said on every claim that uses it.
  const carried = new Map<string, Message>();
  for (const s of mine) for (const e of [...s.params, ...(s.kind === 'basic' ? s.citeByLevel.flat() : [])]) if (e.carried) carried.set(e.carried.zh, e.carried);
  return { kind, steps: mine, notes: [...notes, ...carried.values()] };
}

const plans = new WeakMap<CategoryRules, Plan>();

/**
 * The Plan of rules from rulesFor (compiled once: rulesFor caches rules per parameters, so one rules
 * object always comes with the same parameters).
 */
export function planOf(rules: CategoryRules, params: Params): Plan {
  let p = plans.get(rules);
  if (!p) plans.set(rules, (p = compilePlan(rules, params)));
  return p;
}

/** For exhaustive switches over step kinds: a new kind fails to compile until every executor handles it. */
export function unhandled(step: never): never {
  throw new Error(`plan: unhandled step ${JSON.stringify(step)}`);
}
