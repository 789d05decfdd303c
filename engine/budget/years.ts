// Multi-year budgets (issue 14): `yibao budget roster.csv --years 2026-2030`. The roster is counted
// once, on 1 January of the first year (or the date given): who is counted and in which category
// follows engine/budget/count.ts. Each year of the range is then priced under that year's rules and
// contribution standard (a year past the last standard held carries it, said in the assumptions),
// for the basis and each scenario, with the scenario − basis difference per year.
//
// A scenario's growth settings (engine/growth.ts) apply to the years after the first:
// - growth.contribution[Y]: the standard of Y is the scenario's standard of Y − 1 × (1 + rate),
//   rounded to the fen (half up); a `contribution.individual@Y` of the same scenario is refused
//   with it (engine/scenario.ts). Later years the policy only carries forward carry the grown one.
// - growth.persons.<category>[Y]: the persons of the category in each (city, county) are the first
//   year's × the product of (1 + rate) over the years up to Y, rounded once to a whole person
//   (half up), so that rounding does not compound.
// The basis has no growth: it is the roster as it is, under the policy.
import type DecimalBase from 'decimal.js';
import { YibaoError } from '../errors';
import { Decimal, round2 } from '../money';
import { parseDate } from '../claims';
import { contributionFor } from '../policy/resolve';
import { checkPolicy, type Violation } from '../floors';
import { growthYears } from '../growth';
import type { CsvRecord } from '../csv';
import type { Book } from '../policy/load';
import type { Scenario } from '../scenario';
import type { ParamValue } from '../types';
import { RosterCounter, type Count, type Group } from './count';
import { fundRun, claimsFactor, type FundRun } from './fund';
import type { ChunkSource, RunRequest } from '../run';
import {
  budgetBasis, priceGroups, totalOf, minus, assumptionsOf, checkYear, DEFAULT_DUPLICATE_REPORTS,
  type Assumption, type BudgetRow, type BudgetScenario, type FundAmounts,
} from '../budget';

export interface YearsOptions {
  from: number;
  to: number;
  /** The date whose roster counts; default `${from}-01-01`. */
  date?: string;
  scenarios?: Scenario[];
  sizeHint?: number;
  maxDuplicateReports?: number;
  /** Last year's claims ledger, re-settled for each year beside the subsidies (engine/budget/fund.ts). */
  claims?: { source: ChunkSource; run?: Pick<RunRequest, 'storage' | 'limits' | 'bytes'> };
}

/** A year's re-settled ledger: under the basis and each scenario (in the order of `scenarios`). */
export interface YearFund { basis: FundRun; scenarios: FundRun[] }

/** A scenario's budget of one year of several: a one-year budget's scenario, with the year's growth rates. */
export interface YearScenario extends BudgetScenario {
  /** The growth rates of this year (as decimals), when the scenario sets any. */
  growth: { contribution?: string; persons: Record<string, string> };
}

export interface YearBudget {
  year: number;
  rulesDate?: string;
  basis?: string;
  rows: BudgetRow[];
  totals: FundAmounts;
  assumptions: Assumption[];
  violations: Violation[];
  scenarios: YearScenario[];
  fund?: YearFund;
}

export interface YearsOutcome extends Omit<Count, 'groups'> {
  from: number;
  to: number;
  persons: number;
  maxDuplicateReports: number;
  years: YearBudget[];
}

/** "2026-2030" (or one year) to the first and last year; at most 30 years. */
export function yearsOption(text: string): { from: number; to: number } {
  const m = /^\s*(\d{4})\s*(?:[-–~至]\s*(\d{4}))?\s*$/.exec(text);
  const from = m ? Number(m[1]) : NaN, to = m ? Number(m[2] ?? m[1]) : NaN;
  if (!m || to < from || to - from >= 30) {
    throw new YibaoError(`年度范围“${text.slice(0, 20)}”无效，须如 2026-2030（至多 30 年）`, `years "${text.slice(0, 20)}" is invalid: give a range like 2026-2030 (at most 30 years)`, 'usage');
  }
  checkYear(from);
  checkYear(to);
  return { from, to };
}

/**
 * The scenario for one year: its growth.contribution turned into contribution.individual@Y, year by
 * year. After a grown year, a year the policy only carries forward carries the scenario's grown
 * standard instead (the growth is not undone by the pack's older value).
 */
function grownScenario(book: Book, s: Scenario, from: number, year: number): Scenario {
  const g = s.growth?.contribution;
  if (!g || g.size === 0) return s;
  const overrides = new Map<string, ParamValue>(s.overrides);
  let standard: DecimalBase | undefined;
  let grown = false;
  for (let y = from; y <= year; y++) {
    const rate = y > from ? g.get(y) : undefined;
    if (rate !== undefined && standard !== undefined) {
      standard = round2(standard.times(rate.plus(1)));
      overrides.set(`contribution.individual@${y}`, standard);
      grown = true;
      continue;
    }
    const own = contributionFor(book, y, { ...s, overrides });
    if (grown && own.carried && standard !== undefined) overrides.set(`contribution.individual@${y}`, standard);
    else standard = own.value as DecimalBase;
  }
  return { ...s, overrides };
}

/** The first year's groups with a scenario's growth.persons applied up to a year. */
function grownGroups(groups: Group[], s: Scenario, from: number, year: number): Group[] {
  const p = s.growth?.persons;
  if (!p || p.size === 0) return groups;
  return groups.map((g) => {
    const rates = p.get(g.category);
    if (!rates) return g;
    let f = new Decimal(1);
    for (let y = from + 1; y <= year; y++) f = f.times(rates.get(y)?.plus(1) ?? 1);
    return { ...g, persons: new Decimal(g.persons).times(f).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber() };
  });
}

function yearGrowth(s: Scenario, year: number): YearScenario['growth'] {
  const persons: Record<string, string> = {};
  for (const [c, m] of s.growth?.persons ?? []) if (m.has(year)) persons[c] = m.get(year)!.toString();
  const c = s.growth?.contribution.get(year);
  return { ...(c ? { contribution: c.toString() } : {}), persons };
}

/** Each year's ledger re-settled under the basis and each scenario, with their growth.claims factors. */
export async function addFunds(book: Book, o: YearsOutcome, opts: YearsOptions, bases: Map<number, Scenario | undefined>): Promise<YearsOutcome> {
  const c = opts.claims;
  if (!c) return o;
  for (const y of o.years) {
    const basis = bases.get(y.year);
    const run = (s: Scenario | undefined, growthOf: Scenario | undefined) => fundRun(book, c.source, y.year, claimsFactor(growthOf, opts.from, y.year), s, c.run);
    const scenarios: FundRun[] = [];
    for (const s of (opts.scenarios ?? []).filter((x) => x !== basis)) scenarios.push(await run(grownScenario(book, s, opts.from, y.year), s));
    y.fund = { basis: await run(basis, undefined), scenarios };
  }
  return o;
}

/** Each year of the range from the counted groups (the count of the first year's roster). */
export function yearsOf(book: Book, count: Count, opts: YearsOptions, bases: Map<number, Scenario | undefined>): YearsOutcome {
  const scenarios = opts.scenarios ?? [];
  const cities = [...new Set(count.groups.map((g) => g.city))].map((c) => book.cities.get(c)!);
  const checks = (year: number, s?: Scenario) => cities.flatMap((c) => checkPolicy(book, c, `${year}-12-31`, s));
  const years: YearBudget[] = [];
  for (let year = opts.from; year <= opts.to; year++) {
    const basis = bases.get(year);
    const rows = priceGroups(book, year, count.groups, basis);
    const totals = totalOf(rows);
    const compared = scenarios.filter((s) => s !== basis).map((s0): YearScenario => {
      const s = grownScenario(book, s0, opts.from, year);
      const srows = priceGroups(book, year, grownGroups(count.groups, s0, opts.from, year), s);
      const stotals = totalOf(srows);
      return {
        name: s0.name, city: s0.city, rows: srows, totals: stotals, diff: srows.map((r, i) => minus(r, rows[i])), totalsDiff: minus(stotals, totals),
        assumptions: assumptionsOf(srows), growth: yearGrowth(s0, year), violations: checks(year, s).filter((v) => v.scenario),
      };
    });
    years.push({ year, rulesDate: rows[0]?.per_person.date, basis: basis?.name, rows, totals, assumptions: assumptionsOf(rows), violations: checks(year, basis), scenarios: compared });
  }
  const { groups: _groups, ...account } = count;
  return { ...account, from: opts.from, to: opts.to, persons: count.groups.reduce((n, g) => n + g.persons, 0), maxDuplicateReports: opts.maxDuplicateReports ?? DEFAULT_DUPLICATE_REPORTS, years };
}

/** A multi-year budget from a roster's records, the header first, streamed (one pass). */
export async function budgetYears(book: Book, records: AsyncIterable<CsvRecord>, opts: YearsOptions): Promise<YearsOutcome> {
  checkYear(opts.from);
  checkYear(opts.to);
  const scenarios = opts.scenarios ?? [];
  // Everything a year needs is checked before reading: a contribution standard for the basis and
  // for each scenario in every year, and growth only for the years after the first.
  const bases = new Map<number, Scenario | undefined>();
  for (let y = opts.from; y <= opts.to; y++) {
    bases.set(y, budgetBasis(book, y, scenarios));
    for (const s of scenarios) contributionFor(book, y, grownScenario(book, s, opts.from, y));
  }
  for (const s of scenarios) {
    const early = s.growth ? growthYears(s.growth).filter((y) => y <= opts.from) : [];
    if (early.length) {
      throw new YibaoError(`情景 ${s.name} 的 growth 设定了 ${early.join('、')} 年：增长只用于花名册年度 ${opts.from} 之后的年度`, `scenario ${s.name} sets growth for ${early.join(', ')}: growth applies only to the years after the roster's, ${opts.from}`, 'scenario');
    }
  }
  const it = records[Symbol.asyncIterator]();
  const head = await it.next();
  if (head.done) throw new YibaoError('花名册为空', 'the roster is empty', 'fatal');
  const date = opts.date ? parseDate(opts.date) : `${opts.from}-01-01`;
  const max = opts.maxDuplicateReports ?? DEFAULT_DUPLICATE_REPORTS;
  const counter = new RosterCounter(book, head.value.cells, date, opts.from, bases.get(opts.from), max, opts.sizeHint);
  for (let r = await it.next(); !r.done; r = await it.next()) counter.add(r.value);
  return addFunds(book, yearsOf(book, counter.finish(), opts, bases), opts, bases);
}
