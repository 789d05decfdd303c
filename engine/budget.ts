// The enrolment-subsidy budget (资助参保预算, issues 7 and 14): persons of a roster and what the
// medical-assistance fund, county finance and the persons themselves pay of a year's individual
// contribution, by city, county, category and fund, under the basis and any what-if scenarios,
// with the contribution standard, dates and parameter statuses it used.
//
// Counting (engine/budget/count.ts) is streamed; pricing multiplies each group's persons by the
// per-person split of engine/subsidy.ts, exact decimals.
//
// The basis: the policy as published (a year past the last standard held carries it forward, said in
// the assumptions), or, for a year before any standard held, the first scenario that sets
// contribution.individual (or contribution.individual@YYYY) (named in the output as the basis;
// the other scenarios are compared against it). Without either the budget stops before reading.
import type DecimalBase from 'decimal.js';
import { YibaoError, echo } from './errors';
import { Decimal, ZERO } from './money';
import { readCsv, type CsvRecord } from './csv';
import { parseDate } from './claims';
import { subsidyFor } from './subsidy';
import { checkPolicy, type Violation } from './floors';
import { contributionFor } from './policy/resolve';
import { overrideFor } from './policy/yearly';
import type { Book } from './policy/load';
import type { Scenario } from './scenario';
import type { Message } from './errors';
import type { CategoryId, CityId, ParamEntry, Rejection, Status } from './types';
import { RosterCounter, type Count, type DuplicateReport, type Group } from './budget/count';

export type { DuplicateReport, Group, Count } from './budget/count';

export interface BudgetOptions {
  year: number;
  /** The date whose roster counts (YYYY-MM-DD); default `${year}-01-01`. */
  date?: string;
  scenarios?: Scenario[];
  /** The number of rows expected, to size the table of persons (it grows if the guess is low). */
  sizeHint?: number;
  /** How many duplicate rows to describe one by one (all are counted); default 1000, Infinity: all. */
  maxDuplicateReports?: number;
}

export const DEFAULT_DUPLICATE_REPORTS = 1000;

export interface FundAmounts { persons: number; assistance_fund: DecimalBase; county_finance: DecimalBase; individual: DecimalBase }

export interface BudgetRow extends FundAmounts {
  city: CityId;
  county: string;
  category: CategoryId;
  /** Per person: the contribution standard and its split, the rules' date and the parameters used. */
  per_person: { contribution: DecimalBase; subsidy: DecimalBase; assistance_fund: DecimalBase; county_finance: DecimalBase; individual: DecimalBase; note?: Message; reading?: Message; date: string; params: ParamEntry[] };
}

/**
 * A value a budget used: the contribution standard or a subsidy parameter of a city, with its status;
 * `carried` when it is an earlier year's value carried forward (spec 10.3), `scenario` when set by one.
 */
export interface Assumption { city: CityId; name: string; value: string; status: Status; source: string; note?: string; carried?: Message; scenario?: string }

export interface BudgetScenario {
  name: string;
  city?: string;
  rows: BudgetRow[];
  totals: FundAmounts;
  /** scenario − basis, row by row (same order as the basis rows) and in total. */
  diff: FundAmounts[];
  totalsDiff: FundAmounts;
  violations: Violation[];
  assumptions: Assumption[];
}

export interface BudgetOutcome {
  year: number;
  /** The roster date: entries in force on it are counted. */
  date: string;
  /** The date the subsidy rules were read on (undefined when nobody was counted). */
  rulesDate?: string;
  /** The scenario the budget's own figures are computed under (see the top of this file). */
  basis?: string;
  read: number;
  persons: number;
  duplicateRows: number;
  notInForce: number;
  rejections: Rejection[];
  duplicates: DuplicateReport[];
  /** How many duplicate rows are described at most (duplicates.length < duplicateRows: the list is cut). */
  maxDuplicateReports: number;
  rows: BudgetRow[];
  totals: FundAmounts;
  /** The contribution standard and subsidy parameters of the basis, by city, with their statuses. */
  assumptions: Assumption[];
  /** Floors and ceilings the basis breaks for the cities budgeted. */
  violations: Violation[];
  scenarios: BudgetScenario[];
}

// ---------------------------------------------------------------------------------------------

export function emptyAmounts(): FundAmounts {
  return { persons: 0, assistance_fund: ZERO, county_finance: ZERO, individual: ZERO };
}

export function totalOf(rows: FundAmounts[]): FundAmounts {
  return rows.reduce((t, r) => ({
    persons: t.persons + r.persons, assistance_fund: t.assistance_fund.plus(r.assistance_fund), county_finance: t.county_finance.plus(r.county_finance), individual: t.individual.plus(r.individual),
  }), emptyAmounts());
}

export function minus(a: FundAmounts, b: FundAmounts): FundAmounts {
  return { persons: a.persons - b.persons, assistance_fund: a.assistance_fund.minus(b.assistance_fund), county_finance: a.county_finance.minus(b.county_finance), individual: a.individual.minus(b.individual) };
}

export function checkYear(year: number): void {
  if (!Number.isInteger(year) || year < 2000 || year > 2100) throw new YibaoError(`年度 ${year} 无效`, `year ${year} is invalid`, 'usage');
}

/**
 * The scenario a year's budget is computed under: undefined when the policy holds the year's
 * contribution standard; else the first scenario that sets contribution.individual; else the
 * policy's own message (no standard for the year: set one in a scenario).
 */
export function budgetBasis(book: Book, year: number, scenarios: Scenario[]): Scenario | undefined {
  try {
    contributionFor(book, year);
    return undefined;
  } catch (e) {
    if (!(e instanceof YibaoError) || e.code !== 'year') throw e;
    const s = scenarios.find((x) => overrideFor(x.overrides, 'contribution.individual', year) !== undefined);
    if (!s) throw e;
    return s;
  }
}

/** Each group's persons priced by the per-person split of the year under a scenario (or the policy). */
export function priceGroups(book: Book, year: number, groups: Group[], scenario?: Scenario): BudgetRow[] {
  return groups.map((g) => {
    const split = subsidyFor(book, book.cities.get(g.city)!, g.category, year, scenario);
    const n = new Decimal(g.persons);
    return {
      city: g.city, county: g.county, category: g.category, persons: g.persons,
      assistance_fund: split.assistance_fund.times(n), county_finance: split.county_finance.times(n), individual: split.individual.times(n),
      per_person: { contribution: split.contribution, subsidy: split.subsidy, assistance_fund: split.assistance_fund, county_finance: split.county_finance, individual: split.individual, note: split.note, reading: split.reading, date: split.date, params: split.params },
    };
  });
}

/** The values the rows used, one per city and parameter name, contribution first, in the rows' order. */
export function assumptionsOf(rows: BudgetRow[]): Assumption[] {
  const seen = new Map<string, Assumption>();
  for (const r of rows) {
    for (const p of r.per_person.params) {
      const key = `${r.city}\u0000${p.name}`;
      if (seen.has(key)) continue;
      seen.set(key, { city: r.city, name: p.name, value: String(p.value), status: p.status, source: p.source, ...(p.note ? { note: p.note } : {}), ...(p.carried ? { carried: p.carried } : {}), ...(p.scenario ? { scenario: p.scenario } : {}) });
    }
  }
  return [...seen.values()].sort((a, b) => (a.city !== b.city ? (a.city < b.city ? -1 : 1) : a.name === 'contribution.individual' ? -1 : b.name === 'contribution.individual' ? 1 : 0));
}

/** What a city's rules say of a category's subsidy: no subsidy, lapsed with the transition, read later than 1 January. */
export interface BudgetNote { city: CityId; category: CategoryId; zh: string; en: string }


/** The budget of counted groups: the basis's rows and each other scenario's rows and differences. */
export function budgetOf(book: Book, year: number, count: Count, scenarios: Scenario[], basis: Scenario | undefined, maxDuplicateReports: number): BudgetOutcome {
  const rows = priceGroups(book, year, count.groups, basis);
  const totals = totalOf(rows);
  const cities = [...new Set(count.groups.map((g) => g.city))].map((c) => book.cities.get(c)!);
  const checks = (scenario?: Scenario) => cities.flatMap((c) => checkPolicy(book, c, `${year}-12-31`, scenario));
  const compared = scenarios.filter((s) => s !== basis).map((s): BudgetScenario => {
    const srows = priceGroups(book, year, count.groups, s);
    const stotals = totalOf(srows);
    return { name: s.name, city: s.city, rows: srows, totals: stotals, diff: srows.map((r, i) => minus(r, rows[i])), totalsDiff: minus(stotals, totals), violations: checks(s), assumptions: assumptionsOf(srows) };
  });
  return {
    year, date: count.date, rulesDate: rows[0]?.per_person.date, basis: basis?.name, read: count.read, persons: totals.persons, duplicateRows: count.duplicateRows,
    notInForce: count.notInForce, rejections: count.rejections, duplicates: count.duplicates, maxDuplicateReports, rows, totals,
    assumptions: assumptionsOf(rows), violations: checks(basis), scenarios: compared,
  };
}

/**
 * What a budget is computed under, checked before any row is read (the year, the date, a contribution
 * standard for the basis and each scenario), and how its count becomes the budget.
 */
export interface BudgetPlan {
  year: number;
  date: string;
  basis: Scenario | undefined;
  maxDuplicateReports: number;
  /** The counter of a roster (or of a partition of it: see mergeCounts) with this header. */
  counter(header: string[], sizeHint?: number): RosterCounter;
  finish(count: Count): BudgetOutcome;
}

export function budgetPlan(book: Book, opts: BudgetOptions): BudgetPlan {
  const year = opts.year;
  checkYear(year);
  const date = opts.date ? parseDate(opts.date) : `${year}-01-01`;
  const scenarios = opts.scenarios ?? [];
  // No contribution standard for the year stops the budget before reading (nothing could be computed).
  const basis = budgetBasis(book, year, scenarios);
  for (const s of scenarios) contributionFor(book, year, s);
  const max = opts.maxDuplicateReports ?? DEFAULT_DUPLICATE_REPORTS;
  return {
    year, date, basis, maxDuplicateReports: max,
    counter: (header, sizeHint) => new RosterCounter(book, header, date, year, basis, max, sizeHint),
    finish: (c) => budgetOf(book, year, c, scenarios, basis, max),
  };
}

interface Prepared { counter: RosterCounter; finish: (c: Count) => BudgetOutcome }

/** The plan's checks, then the counter of the roster (its header checked). */
function prepare(book: Book, header: string[], opts: BudgetOptions): Prepared {
  const plan = budgetPlan(book, opts);
  return { counter: plan.counter(header, opts.sizeHint), finish: plan.finish };
}

/** Budget from a roster's header and records (CSV records or any source of cells), streamed. */
export function budgetRecords(book: Book, header: string[], records: Iterable<CsvRecord>, opts: BudgetOptions): BudgetOutcome {
  const p = prepare(book, header, opts);
  for (const rec of records) p.counter.add(rec);
  return p.finish(p.counter.finish());
}

/** budgetRecords over records that arrive asynchronously (a file or a request body, read in chunks). */
export async function budgetRecordsAsync(book: Book, header: string[], records: AsyncIterable<CsvRecord>, opts: BudgetOptions): Promise<BudgetOutcome> {
  const p = prepare(book, header, opts);
  for await (const rec of records) p.counter.add(rec);
  return p.finish(p.counter.finish());
}

/** Budget from a roster's records, the header first (readCsvStream over a file, a body, a blob): bounded memory. */
export async function budgetStream(book: Book, records: AsyncIterable<CsvRecord>, opts: BudgetOptions): Promise<BudgetOutcome> {
  const it = records[Symbol.asyncIterator]();
  const head = await it.next();
  if (head.done) throw new YibaoError('花名册为空', 'the roster is empty', 'fatal');
  return budgetRecordsAsync(book, head.value.cells, { [Symbol.asyncIterator]: () => it }, opts);
}

/** Budget from roster CSV text. */
export function budgetRoster(book: Book, text: string, opts: BudgetOptions): BudgetOutcome {
  const records = readCsv(text);
  const first = records.next();
  if (first.done) throw new YibaoError('花名册为空', 'the roster is empty', 'fatal');
  return budgetRecords(book, first.value.cells, { [Symbol.iterator]: () => records }, { sizeHint: Math.ceil(text.length / 40), ...opts });
}

/** The `--duplicates` / `?duplicates=` option: `all` or a whole number of duplicate rows to list. */
export function duplicatesOption(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim().toLowerCase();
  if (t === 'all' || t === '全部') return Infinity;
  if (/^\d{1,9}$/.test(t)) return Number(t);
  throw new YibaoError(`duplicates 须为 all 或非负整数，而不是“${echo(text)}”`, `duplicates must be all or a whole number, not "${echo(text)}"`, 'usage');
}
