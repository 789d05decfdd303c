// The enrolment-subsidy budget (资助参保预算, issue 7): persons of a roster and what the
// medical-assistance fund, county finance and the persons themselves pay of a year's individual
// contribution, by city, county, category and fund, under the baseline and any what-if scenarios.
//
// Streamed: rows are checked and counted one at a time into (city, county, category) groups and a
// compact table of person ids (typed arrays, no object per person), so ten million persons fit in a
// few seconds. Amounts are persons × the per-person split of engine/subsidy.ts, exact decimals.
//
// Who is counted: the roster's entries whose benefits are in force on the budget date (default
// 1 January of the year; see engine/roster.ts benefitWindow). A person with several entries in force
// (listed twice, or in two categories or cities) is counted once, in the most favourable one: the
// largest subsidy under the baseline policy of that year, ties broken by CATEGORY_ORDER, then by the
// earlier line. Every other row of theirs is reported as a duplicate. Rows read = persons counted +
// duplicate rows + rows not in force on the date + rejected rows.
import type DecimalBase from 'decimal.js';
import { YibaoError } from './errors';
import { Decimal, ZERO, fmt } from './money';
import { readCsv, csvLine, type CsvRecord } from './csv';
import { parseDate } from './claims';
import { subsidyFor } from './subsidy';
import { checkPolicy, type Violation } from './floors';
import { contributionFor } from './policy/resolve';
import { RosterReader, rosterHeader, inForce, Favour, CATEGORY_ORDER } from './roster';
import { UNKNOWN_KEY } from './summary';
import type { Book } from './policy/load';
import type { Scenario } from './scenario';
import type { Message } from './errors';
import type { CategoryId, CityId, Rejection } from './types';

export interface BudgetOptions {
  year: number;
  /** The date whose roster counts (YYYY-MM-DD); default `${year}-01-01`. */
  date?: string;
  scenarios?: Scenario[];
  /** The number of rows expected, to size the table of persons (it grows if the guess is low). */
  sizeHint?: number;
  /** How many duplicate rows to describe one by one (all are counted); default 1000. */
  maxDuplicateReports?: number;
}

export interface FundAmounts { persons: number; assistance_fund: DecimalBase; county_finance: DecimalBase; individual: DecimalBase }

export interface BudgetRow extends FundAmounts {
  city: CityId;
  county: string;
  category: CategoryId;
  /** Per person: the contribution standard and its split. */
  per_person: { contribution: DecimalBase; subsidy: DecimalBase; assistance_fund: DecimalBase; county_finance: DecimalBase; individual: DecimalBase; note?: Message };
}

export interface DuplicateReport {
  /** The row counted and the row not counted (line numbers of the roster file; no person id). */
  kept_line: number;
  dropped_line: number;
  kept: { city: CityId; category: CategoryId };
  dropped: { city: CityId; category: CategoryId };
}

export interface BudgetScenario {
  name: string;
  city?: string;
  rows: BudgetRow[];
  totals: FundAmounts;
  /** scenario − baseline, row by row (same order as the baseline rows) and in total. */
  diff: FundAmounts[];
  totalsDiff: FundAmounts;
  violations: Violation[];
}

export interface BudgetOutcome {
  year: number;
  date: string;
  read: number;
  persons: number;
  duplicateRows: number;
  notInForce: number;
  rejections: Rejection[];
  duplicates: DuplicateReport[];
  rows: BudgetRow[];
  totals: FundAmounts;
  /** Floors and ceilings the baseline policy breaks for the cities budgeted. */
  violations: Violation[];
  scenarios: BudgetScenario[];
}

// ---------------------------------------------------------------------------------------------
// A set of person ids with a value per person, on typed arrays: the ids' characters in one arena,
// open addressing on two 32-bit hashes, exact comparison of the characters on a hash match.

class PersonTable {
  private slots: Int32Array;
  /** The second hash beside each slot, so that a probe rarely leaves the slot array. */
  private slotHash: Int32Array;
  private mask: number;
  private arena: Uint16Array;
  private used = 0;
  private off: Int32Array;
  private len: Int32Array;
  private ha: Int32Array;
  private hb: Int32Array;
  group: Int32Array;
  line: Int32Array;
  size = 0;

  /** sizeHint: the number of persons expected (a guess is fine: the table grows). */
  constructor(sizeHint = 16384) {
    const n = Math.max(1024, Math.min(sizeHint, 1 << 27));
    let cap = 1 << 11;
    while (cap < n * 2) cap *= 2;
    this.slots = new Int32Array(cap).fill(-1);
    this.slotHash = new Int32Array(cap);
    this.mask = cap - 1;
    this.arena = new Uint16Array(n * 12);
    this.off = new Int32Array(n);
    this.len = new Int32Array(n);
    this.ha = new Int32Array(n);
    this.hb = new Int32Array(n);
    this.group = new Int32Array(n);
    this.line = new Int32Array(n);
  }

  /** The entry of an id, or -1 after inserting it (its group and line must then be set by the caller). */
  findOrInsert(id: string): number {
    const L = id.length;
    let a = 0x811c9dc5 | 0, b = 5381;
    for (let j = 0; j < L; j++) {
      const c = id.charCodeAt(j);
      a = Math.imul(a ^ c, 16777619);
      b = (Math.imul(b, 33) + c) | 0;
    }
    let p = a & this.mask;
    for (;;) {
      const s = this.slots[p];
      if (s < 0) break;
      if (this.slotHash[p] === b && this.len[s] === L) {
        const o = this.off[s];
        let eq = true;
        for (let j = 0; j < L; j++) if (this.arena[o + j] !== id.charCodeAt(j)) { eq = false; break; }
        if (eq) return s;
      }
      p = (p + 1) & this.mask;
    }
    const n = this.size++;
    if (n >= this.off.length) this.growEntries();
    if (this.used + L > this.arena.length) {
      let cap = this.arena.length * 2;
      while (cap < this.used + L) cap *= 2;
      const na = new Uint16Array(cap);
      na.set(this.arena);
      this.arena = na;
    }
    for (let j = 0; j < L; j++) this.arena[this.used + j] = id.charCodeAt(j);
    this.off[n] = this.used;
    this.len[n] = L;
    this.used += L;
    this.ha[n] = a;
    this.hb[n] = b;
    this.slots[p] = n;
    this.slotHash[p] = b;
    if (this.size * 2 > this.slots.length) this.rehash();
    return -1;
  }

  /** The entry just inserted. */
  get last(): number {
    return this.size - 1;
  }

  private growEntries() {
    const cap = this.off.length * 2;
    const g = <T extends Int32Array>(x: T) => { const y = new Int32Array(cap); y.set(x); return y; };
    this.off = g(this.off); this.len = g(this.len); this.ha = g(this.ha); this.hb = g(this.hb); this.group = g(this.group); this.line = g(this.line);
  }

  private rehash() {
    const cap = this.slots.length * 2;
    this.slots = new Int32Array(cap).fill(-1);
    this.slotHash = new Int32Array(cap);
    this.mask = cap - 1;
    for (let n = 0; n < this.size; n++) {
      let p = this.ha[n] & this.mask;
      while (this.slots[p] >= 0) p = (p + 1) & this.mask;
      this.slots[p] = n;
      this.slotHash[p] = this.hb[n];
    }
  }
}

// ---------------------------------------------------------------------------------------------

function emptyAmounts(): FundAmounts {
  return { persons: 0, assistance_fund: ZERO, county_finance: ZERO, individual: ZERO };
}

/** Budget from a roster's header and records (CSV records or any source of cells), streamed. */
export function budgetRecords(book: Book, header: string[], records: Iterable<CsvRecord>, opts: BudgetOptions): BudgetOutcome {
  const year = opts.year;
  if (!Number.isInteger(year) || year < 2000 || year > 2100) throw new YibaoError(`年度 ${year} 无效`, `year ${year} is invalid`, 'usage');
  const date = opts.date ? parseDate(opts.date) : `${year}-01-01`;
  // No contribution standard for the year stops the budget before reading (nothing could be computed).
  contributionFor(book, year);
  for (const s of opts.scenarios ?? []) contributionFor(book, year, s);
  const reader = new RosterReader(book, rosterHeader(header));
  const favour = new Favour(book, year);
  const maxReports = opts.maxDuplicateReports ?? 1000;

  const groupIx = new Map<CityId, Map<string, Map<CategoryId, number>>>();
  const gCity: CityId[] = [], gCounty: string[] = [], gCat: CategoryId[] = [];
  const counts: number[] = [];
  const people = new PersonTable(opts.sizeHint);
  const rejections: Rejection[] = [];
  const duplicates: DuplicateReport[] = [];
  let read = 0, notInForce = 0, duplicateRows = 0;

  for (const rec of records) {
    read++;
    let e;
    try {
      e = reader.entry(rec);
    } catch (err) {
      if (!(err instanceof YibaoError)) throw err;
      rejections.push({ line: rec.line, reason: err.reason });
      continue;
    }
    if (!inForce(e, date)) { notInForce++; continue; }
    const county = e.county || UNKNOWN_KEY;
    let byCounty = groupIx.get(e.city);
    if (!byCounty) groupIx.set(e.city, (byCounty = new Map()));
    let byCat = byCounty.get(county);
    if (!byCat) byCounty.set(county, (byCat = new Map()));
    let g = byCat.get(e.category);
    if (g === undefined) {
      g = counts.length;
      byCat.set(e.category, g);
      gCity.push(e.city); gCounty.push(county); gCat.push(e.category); counts.push(0);
    }
    const s = people.findOrInsert(e.person_id);
    if (s < 0) {
      const n = people.last;
      people.group[n] = g;
      people.line[n] = e.line;
      counts[g]++;
      continue;
    }
    duplicateRows++;
    const old = people.group[s];
    const oldLine = people.line[s];
    const takeNew = favour.better({ city: e.city, category: e.category }, { city: gCity[old], category: gCat[old] });
    if (takeNew) {
      counts[old]--;
      counts[g]++;
      people.group[s] = g;
      people.line[s] = e.line;
    }
    if (duplicates.length < maxReports) {
      const newer = { city: e.city, category: e.category }, older = { city: gCity[old], category: gCat[old] };
      duplicates.push(takeNew
        ? { kept_line: e.line, dropped_line: oldLine, kept: newer, dropped: older }
        : { kept_line: oldLine, dropped_line: e.line, kept: older, dropped: newer });
    }
  }

  const order = counts.map((_, i) => i).filter((i) => counts[i] > 0).sort((x, y) =>
    gCity[x] !== gCity[y] ? (gCity[x] < gCity[y] ? -1 : 1)
      : gCounty[x] !== gCounty[y] ? (gCounty[x] < gCounty[y] ? -1 : 1)
        : CATEGORY_ORDER.indexOf(gCat[x]) - CATEGORY_ORDER.indexOf(gCat[y]));

  const rowsUnder = (scenario?: Scenario): BudgetRow[] => order.map((i) => {
    const split = subsidyFor(book, book.cities.get(gCity[i])!, gCat[i], year, scenario);
    const n = new Decimal(counts[i]);
    return {
      city: gCity[i], county: gCounty[i], category: gCat[i], persons: counts[i],
      assistance_fund: split.assistance_fund.times(n), county_finance: split.county_finance.times(n), individual: split.individual.times(n),
      per_person: { contribution: split.contribution, subsidy: split.subsidy, assistance_fund: split.assistance_fund, county_finance: split.county_finance, individual: split.individual, note: split.note },
    };
  });
  const total = (rows: FundAmounts[]): FundAmounts => rows.reduce((t, r) => ({
    persons: t.persons + r.persons, assistance_fund: t.assistance_fund.plus(r.assistance_fund), county_finance: t.county_finance.plus(r.county_finance), individual: t.individual.plus(r.individual),
  }), emptyAmounts());
  const minus = (a: FundAmounts, b: FundAmounts): FundAmounts => ({ persons: a.persons - b.persons, assistance_fund: a.assistance_fund.minus(b.assistance_fund), county_finance: a.county_finance.minus(b.county_finance), individual: a.individual.minus(b.individual) });
  const cities = [...new Set(order.map((i) => gCity[i]))].map((c) => book.cities.get(c)!);
  const checks = (scenario?: Scenario) => cities.flatMap((c) => checkPolicy(book, c, `${year}-12-31`, scenario));

  const rows = rowsUnder();
  const totals = total(rows);
  const scenarios = (opts.scenarios ?? []).map((s): BudgetScenario => {
    const srows = rowsUnder(s);
    const stotals = total(srows);
    return { name: s.name, city: s.city, rows: srows, totals: stotals, diff: srows.map((r, i) => minus(r, rows[i])), totalsDiff: minus(stotals, totals), violations: checks(s) };
  });
  return { year, date, read, persons: totals.persons, duplicateRows, notInForce, rejections, duplicates, rows, totals, violations: checks(), scenarios };
}

/** Budget from roster CSV text. */
export function budgetRoster(book: Book, text: string, opts: BudgetOptions): BudgetOutcome {
  const records = readCsv(text);
  const first = records.next();
  if (first.done) throw new YibaoError('花名册为空', 'the roster is empty', 'fatal');
  return budgetRecords(book, first.value.cells, { [Symbol.iterator]: () => records }, { sizeHint: Math.ceil(text.length / 40), ...opts });
}

// ---------------------------------------------------------------------------------------------
// Outputs

/** Exactly {"year", "totals": {persons, assistance_fund, county_finance, individual}, "rows": [...]}, amounts as two-decimal strings. */
export function budgetJson(o: BudgetOutcome) {
  return {
    year: o.year,
    totals: { persons: o.totals.persons, assistance_fund: fmt(o.totals.assistance_fund), county_finance: fmt(o.totals.county_finance), individual: fmt(o.totals.individual) },
    rows: o.rows.map((r) => ({ city: r.city, county: r.county, category: r.category, persons: r.persons, assistance_fund: fmt(r.assistance_fund), county_finance: fmt(r.county_finance), individual: fmt(r.individual) })),
  };
}

function amountsJson(a: FundAmounts) {
  return { persons: a.persons, assistance_fund: fmt(a.assistance_fund), county_finance: fmt(a.county_finance), individual: fmt(a.individual) };
}

/** budgetJson plus, when there are scenarios, "scenarios": each one's totals, rows, differences and flags. */
export function budgetScenariosJson(o: BudgetOutcome) {
  const base = budgetJson(o);
  if (o.scenarios.length === 0) return base;
  return {
    ...base,
    scenarios: o.scenarios.map((s) => ({
      name: s.name,
      city: s.city ?? null,
      totals: amountsJson(s.totals),
      totals_diff: amountsJson(s.totalsDiff),
      rows: s.rows.map((r, i) => ({ city: r.city, county: r.county, category: r.category, ...amountsJson(r), diff: amountsJson(s.diff[i]) })),
      violations: s.violations,
    })),
  };
}

const FUNDS = ['assistance_fund', 'county_finance', 'individual'] as const;

/**
 * The budget as a table (header first, grand total last): the baseline's persons and funds, then for
 * each scenario its three funds and their differences from the baseline — a what-if sheet.
 */
export function budgetTable(o: BudgetOutcome): string[][] {
  const header = ['city', 'county', 'category', 'persons', ...FUNDS, ...o.scenarios.flatMap((s) => FUNDS.flatMap((f) => [`${s.name}: ${f}`, `${s.name}: ${f} diff`]))];
  const cells = (r: FundAmounts, i: number | null) => [
    String(r.persons), ...FUNDS.map((f) => fmt(r[f])),
    ...o.scenarios.flatMap((s) => FUNDS.flatMap((f) => {
      const sr = i === null ? s.totals : s.rows[i];
      const d = i === null ? s.totalsDiff : s.diff[i];
      return [fmt(sr[f]), fmt(d[f])];
    })),
  ];
  return [header, ...o.rows.map((r, i) => [r.city, r.county, r.category, ...cells(r, i)]), ['合计 total', '', '', ...cells(o.totals, null)]];
}

export function budgetCsv(o: BudgetOutcome): string {
  return budgetTable(o).map(csvLine).join('');
}
