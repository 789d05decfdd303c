// Checks of a policy (a pack, or a pack under a what-if scenario) against the national and
// provincial floors and ceilings of spec section 8. A broken rule never stops a computation:
// it is reported beside the result, with the rule and its source.
import type DecimalBase from 'decimal.js';
import { YibaoError } from './errors';
import { Decimal } from './money';
import type { Book, CityDef, FloorRule } from './policy/load';
import { contributionFor, paramsAt, type Params } from './policy/resolve';
import { splitYearKey } from './policy/yearly';
import { lapsedIn } from './policy/transition';
import { subsidyFor } from './subsidy';
import type { Scenario } from './scenario';
import type { CategoryId, ClaimResult } from './types';

export interface Violation {
  rule: string;
  source: string;
  zh: string;
  en: string;
  /** The check with the category filled in, and the values it compared. */
  check: string;
  left: string;
  right: string;
  city: string;
  category?: CategoryId;
  /** True when a scenario's override is involved (the pack alone would not break it). */
  scenario?: string;
}

/** A parameter (or a subsidy) the city does not give the category at all. */
const MISSING = Symbol('missing');
type Operand = DecimalBase | null | undefined | typeof MISSING; // undefined: not applicable here

function appliesTo(rule: FloorRule, city: CityDef): boolean {
  if (rule.scope === 'national') return true;
  const [kind, id] = rule.scope.split(':');
  return kind === 'province' ? city.province === id : city.id === id;
}

const OPS = ['>=', '<=', '==', '<', '>'] as const;
type Op = (typeof OPS)[number];

function splitCheck(check: string): [string, Op, string] {
  for (const op of OPS) {
    const i = check.indexOf(` ${op} `);
    if (i >= 0) return [check.slice(0, i).trim(), op, check.slice(i + op.length + 2).trim()];
  }
  throw new YibaoError(`底线规则无法解析：${check}`, `cannot parse floor rule: ${check}`, 'policy');
}

function compare(l: DecimalBase | null, op: Op, r: DecimalBase | null): boolean {
  // null is "none" (no cap): it only equals none, and is larger than any amount.
  if (l === null || r === null) {
    if (op === '==') return l === r;
    const lv = l === null ? Infinity : 0;
    const rv = r === null ? Infinity : 0;
    if (l === null && r === null) return op === '>=' || op === '<=';
    return op === '>=' || op === '>' ? lv > rv : lv < rv;
  }
  switch (op) {
    case '>=': return l.gte(r);
    case '<=': return l.lte(r);
    case '==': return l.eq(r);
    case '<': return l.lt(r);
    case '>': return l.gt(r);
  }
}

interface Ctx { book: Book; city: CityDef; params: Params; year: number; scenario?: Scenario; claim?: ClaimResult }

function term(t: string, ctx: Ctx): Operand {
  try {
    return termOrThrow(t, ctx);
  } catch (e) {
    // A year without a contribution standard makes subsidy rules not applicable, not an error.
    if (e instanceof YibaoError && e.code === 'year') return undefined;
    throw e;
  }
}

function termOrThrow(t: string, ctx: Ctx): Operand {
  if (/^\d+(\.\d+)?$/.test(t)) return new Decimal(t);
  if (t === 'none') return null;
  if (t === 'contribution') return contributionFor(ctx.book, ctx.year, ctx.scenario, ctx.city.id).value as DecimalBase;
  if (t.startsWith('subsidy:')) {
    const cat = t.slice('subsidy:'.length) as CategoryId;
    if (!ctx.city.categories.includes(cat)) return undefined;
    const s = subsidyFor(ctx.book, ctx.city, cat, ctx.year, ctx.scenario);
    if (s.lapsed) return undefined; // a transitional subsidy after the transition: its floor lapsed with it
    return s.note ? MISSING : s.subsidy;
  }
  if (ctx.claim) {
    const v = (ctx.claim as unknown as Record<string, unknown>)[t];
    if (v instanceof Decimal) return v;
  }
  const e = ctx.params.get(t);
  if (!e) return lapsedIn(ctx.params).has(t) ? undefined : MISSING;
  return e.value as DecimalBase | null;
}

function evaluate(expr: string, ctx: Ctx): Operand {
  let acc: Operand = new Decimal(1);
  for (const part of expr.split('*').map((s) => s.trim())) {
    const v = term(part, ctx);
    if (v === undefined || v === MISSING) return v;
    if (v === null) return expr.includes('*') ? undefined : null;
    acc = (acc as DecimalBase).times(v);
  }
  return acc;
}

function touches(expr: string, scenario?: Scenario): boolean {
  if (!scenario) return false;
  return [...scenario.overrides.keys()].map((k) => splitYearKey(k).name).some((k) => expr.includes(k) || (expr.includes('subsidy:') && k.startsWith('subsidy.')) || (expr.includes('contribution') && k === 'contribution.individual'));
}

function run(rule: FloorRule, ctx: Ctx): Violation[] {
  const out: Violation[] = [];
  const cats: (CategoryId | undefined)[] = rule.for ?? [undefined];
  for (const c of cats) {
    if (c && !ctx.city.categories.includes(c)) continue;
    if (c && rule.unless?.[ctx.city.id]?.includes(c)) continue; // the pack's rule for it stands (unless_note)
    const check = c ? rule.check.replace(/\{c\}/g, c) : rule.check;
    const [le, op, re] = splitCheck(check);
    const l = evaluate(le, ctx);
    const r = evaluate(re, ctx);
    if (l === undefined || r === undefined) continue; // not applicable to this city or category
    // A floor for a category the city accepts but gives nothing at all is broken, not "not
    // applicable" (spec 10.1); a ceiling is met by nothing, and a rule naming no category by a
    // parameter the city does not have is not applicable.
    const broken = l === MISSING ? c !== undefined && (op === '>=' || op === '>') && r !== MISSING : r !== MISSING && !compare(l, op, r);
    if (r === MISSING && l !== MISSING) continue;
    if (broken) {
      out.push({
        rule: rule.id,
        source: rule.source,
        zh: rule.zh,
        en: rule.en,
        check,
        left: l === MISSING ? 'missing 未设定' : l === null ? 'none' : l.toFixed(),
        right: r === null ? 'none' : (r as DecimalBase).toFixed(),
        city: ctx.city.id,
        category: c,
        scenario: touches(check, ctx.scenario) ? ctx.scenario!.name : undefined,
      });
    }
  }
  return out;
}

/** Every floor or ceiling the city's policy breaks on a date (under a scenario, if given). */
export function checkPolicy(book: Book, city: CityDef, date: string, scenario?: Scenario): Violation[] {
  const params = paramsAt(book, city, date, scenario);
  const ctx: Ctx = { book, city, params, year: Number(date.slice(0, 4)), scenario };
  return book.floors.filter((r) => r.on === 'policy' && appliesTo(r, city)).flatMap((r) => run(r, ctx));
}

/** The claim-level rules (Shandong's "no zero out-of-pocket"): reported, never enforced. */
export function checkClaim(book: Book, city: CityDef, params: Params, result: ClaimResult): Violation[] {
  const rules = book.floors.filter((r) => r.on === 'claim' && appliesTo(r, city));
  if (rules.length === 0) return [];
  const ctx: Ctx = { book, city, params, year: Number(result.date.slice(0, 4)), claim: result };
  return rules.flatMap((r) => run(r, ctx));
}
