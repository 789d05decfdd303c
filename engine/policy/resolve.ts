// Which value a parameter has on a date, under a scenario, and the compiled rules a claim needs.
// As in OpenFisca, a parameter keeps its latest dated value until a newer one is dated.
import { YibaoError, type Message } from '../errors';
import { Decimal } from '../money';
import type DecimalBase from 'decimal.js';
import type { CategoryId } from '../types';
import type { Book, CityDef, Pack } from './load';
import type { ParamEntry, ParamValue, Segment } from '../types';
import type { Scenario } from '../scenario';
import { overrideFor, overriddenIn, valueForYear } from './yearly';
import { onDate, lapsedNote } from './transition';

export type Params = Map<string, ParamEntry>;

/** The versions of a city's pack in force on a date (oldest first); error if the date is too early. */
export function versionsAt(book: Book, city: CityDef, date: string): Pack[] {
  const all = book.packs.get(city.id)!;
  const inForce = all.filter((p) => p.effective <= date);
  if (inForce.length === 0) {
    throw new YibaoError(
      `日期 ${date} 早于${city.zh}政策施行日 ${all[0].effective}`,
      `date ${date} is before ${city.en}'s first policy version (${all[0].effective})`,
      'date',
    );
  }
  return inForce;
}

// Per book, then per scenario (two books of one process, as in tests of a changed pack, never share).
const cache = new WeakMap<Book, WeakMap<object, Map<string, Params>>>();
const NO_SCENARIO = {};

/**
 * Every parameter of a city on a date, with the scenario's overrides applied over the pack. Per-year
 * values (spec 10.3) take the date's year: its own value, or the latest earlier year's, marked.
 */
export function paramsAt(book: Book, city: CityDef, date: string, scenario?: Scenario): Params {
  const versions = versionsAt(book, city, date);
  const year = Number(date.slice(0, 4));
  const key = `${city.id}@${versions.length}@${year}`;
  let perBook = cache.get(book);
  if (!perBook) cache.set(book, (perBook = new WeakMap()));
  const perScenario = perBook.get(scenario ?? NO_SCENARIO) ?? new Map<string, Params>();
  perBook.set(scenario ?? NO_SCENARIO, perScenario);
  const hit = perScenario.get(key);
  if (hit) return onDate(hit, date);
  const params: Params = new Map();
  for (const v of versions) {
    for (const [name, e] of v.params) params.set(name, e);
    for (const [name, years] of v.yearly) {
      const e = valueForYear(years, year);
      if (e) params.set(name, e);
      else params.delete(name);
    }
  }
  if (scenario && (!scenario.city || scenario.city === city.id)) {
    for (const name of overriddenIn(scenario.overrides, year)) {
      if (book.yearly.has(name)) continue; // national per-year values: contributionFor
      params.set(name, overridden(params.get(name), name, overrideFor(scenario.overrides, name, year)!, scenario, date));
    }
  }
  perScenario.set(key, params);
  return onDate(params, date);
}

function overridden(base: ParamEntry | undefined, name: string, value: ParamValue, scenario: Scenario, effective: string): ParamEntry {
  return { name, value, status: base?.status ?? 'assumed', source: `情景 ${scenario.name} (scenario)`, effective, file: scenario.name, overrides: base, scenario: scenario.name };
}

/**
 * A national per-year value (the individual contribution standard) for a benefit year, under a
 * scenario: the scenario's value for that year or all years, else the year's own, else the latest
 * earlier year's, marked. A scenario for one city overrides it for that city only (no city given: any).
 */
export function yearlyFor(book: Book, name: string, year: number, scenario?: Scenario, city?: string): ParamEntry {
  const years = book.yearly.get(name)!;
  const base = valueForYear(years, year);
  const applies = scenario !== undefined && (scenario.city === undefined || city === undefined || scenario.city === city);
  const override = applies ? overrideFor(scenario.overrides, name, year) : undefined;
  if (override !== undefined) return overridden(base, name, override, scenario!, `${year}-01-01`);
  if (!base) {
    const held = [...years.keys()].sort().join('、');
    throw new YibaoError(`没有 ${year} 年或更早年度的 ${name}（已有：${held}）；可在情景中设定 ${name} 或 ${name}@${year}`, `no ${name} for ${year} or an earlier year (have: ${held}); set ${name} or ${name}@${year} in a scenario`, 'year');
  }
  return base;
}

/** The individual contribution standard 个人缴费标准 for a benefit year (spec sections 7 and 10.3). */
export function contributionFor(book: Book, year: number, scenario?: Scenario, city?: string): ParamEntry {
  return yearlyFor(book, 'contribution.individual', year, scenario, city);
}

// ---------------------------------------------------------------------------------------------
// Compiled rules: the parameters of one category, ready for the tier functions.

/** F(B) = min(cap, max(0, B − deductible) × rate): the shape of basic, assistance and re-assistance. */
export interface LinearRule { deductible: DecimalBase; rate: DecimalBase; cap: DecimalBase | null; params: string[] }

/** Bands of the cumulative base with their rates, the first starting at the deductible. */
export interface Band { from: DecimalBase; upTo: DecimalBase | null; rate: DecimalBase }
export interface BandedRule { deductible: DecimalBase; bands: Band[]; cap: DecimalBase | null; params: string[]; tilt: boolean }

export interface CategoryRules {
  category: CategoryId;
  basic: (level: string | undefined) => LinearRule;
  critical: BandedRule;
  specialDrug: LinearRule | null;
  assistance: LinearRule | null;
  /** The documents say this category's assistance is "to be formulated separately" (另行制定). */
  assistancePending: ParamEntry | null;
  reassist: LinearRule | null;
  /** Tiers whose transitional rule for this category lapsed with the transition period (spec 10.2). */
  lapsed: { assistance: Message | null; reassist: Message | null };
  warning: { threshold: DecimalBase; param: string } | null;
}

function get(params: Params, name: string): ParamEntry | undefined {
  return params.get(name);
}

function need(params: Params, name: string, city: CityDef): ParamValue {
  const e = params.get(name);
  if (!e) throw new YibaoError(`${city.zh}政策缺少参数 ${name}`, `${city.en}'s policy has no parameter ${name}`, 'policy');
  return e.value;
}

function dec(params: Params, name: string, city: CityDef): DecimalBase {
  return need(params, name, city) as DecimalBase;
}

function capOf(params: Params, name: string, city: CityDef): DecimalBase | null {
  return need(params, name, city) as DecimalBase | null;
}

/** A linear rule from `prefix.{deductible|threshold}`, `prefix.rate`, `prefix.cap`, or null if the prefix is absent. */
function linear(params: Params, prefix: string, floorName: 'deductible' | 'threshold', city: CityDef): LinearRule | null {
  const names = [`${prefix}.${floorName}`, `${prefix}.rate`, `${prefix}.cap`];
  const present = names.filter((n) => params.has(n));
  if (present.length === 0) return null;
  if (present.length < 3) {
    const missing = names.filter((n) => !params.has(n)).join(', ');
    throw new YibaoError(`${city.zh}：${prefix} 缺少 ${missing}（须同时给出起付线、比例和限额）`, `${city.en}: ${prefix} lacks ${missing} (deductible, rate and cap go together)`, 'policy');
  }
  return { deductible: dec(params, names[0], city), rate: dec(params, names[1], city), cap: capOf(params, names[2], city), params: names };
}

const rulesCache = new WeakMap<Params, Map<string, CategoryRules>>();

export function rulesFor(city: CityDef, params: Params, category: CategoryId): CategoryRules {
  let perCat = rulesCache.get(params);
  if (!perCat) rulesCache.set(params, (perCat = new Map()));
  const hit = perCat.get(category);
  if (hit) return hit;

  const basic = (level: string | undefined): LinearRule => {
    const pick = (field: string) => (level && params.has(`basic.${level}.${field}`) ? `basic.${level}.${field}` : `basic.${field}`);
    const names = [pick('deductible'), pick('rate'), pick('cap')];
    return { deductible: dec(params, names[0], city), rate: dec(params, names[1], city), cap: capOf(params, names[2], city), params: names };
  };

  const tiltCats = (get(params, 'critical.tilt.categories')?.value ?? []) as CategoryId[];
  const tilt = tiltCats.includes(category);
  const ordinaryDeductible = dec(params, 'critical.deductible', city);
  const segments = need(params, 'critical.segments', city) as Segment[];
  const critParams = ['critical.deductible', 'critical.segments', tilt ? 'critical.tilt.cap' : 'critical.cap'];
  let deductible = ordinaryDeductible;
  let bump = new Decimal(0);
  let cap = capOf(params, 'critical.cap', city);
  if (tilt) {
    const factor = dec(params, 'critical.tilt.deductibleFactor', city);
    bump = dec(params, 'critical.tilt.rateIncrease', city);
    deductible = ordinaryDeductible.times(factor);
    cap = capOf(params, 'critical.tilt.cap', city);
    critParams.push('critical.tilt.categories', 'critical.tilt.deductibleFactor', 'critical.tilt.rateIncrease');
  }
  // Band boundaries stay where they are for the tilt group; only the first band's start moves
  // with the deductible (spec section 2).
  const bands: Band[] = segments.map((s, i) => ({
    from: s.from === 'deductible' ? deductible : s.from,
    upTo: i + 1 < segments.length ? (segments[i + 1].from as DecimalBase) : null,
    rate: Decimal.min(1, s.rate.plus(bump)),
  }));

  const pending = get(params, `assistance.${category}.pending`);
  const rules: CategoryRules = {
    category,
    basic,
    critical: { deductible, bands, cap, params: critParams, tilt },
    specialDrug: linear(params, 'critical.specialDrug', 'deductible', city),
    assistance: linear(params, `assistance.${category}`, 'deductible', city),
    assistancePending: pending && pending.value === true ? pending : null,
    reassist: linear(params, `reassistance.${category}`, 'threshold', city),
    lapsed: { assistance: lapsedNote(params, `assistance.${category}`), reassist: lapsedNote(params, `reassistance.${category}`) },
    warning: warningRule(params, category),
  };
  perCat.set(category, rules);
  return rules;
}

function warningRule(params: Params, category: CategoryId): CategoryRules['warning'] {
  const low = params.get('warning.lowIncome');
  const lowCats = (params.get('warning.lowIncome.categories')?.value ?? []) as CategoryId[];
  if (low && lowCats.includes(category)) return { threshold: low.value as DecimalBase, param: 'warning.lowIncome' };
  const ord = params.get('warning.ordinary');
  if (ord) return { threshold: ord.value as DecimalBase, param: 'warning.ordinary' };
  return null;
}
