// The roster of persons in the subsidised categories (issue 7): reading and checking it, resident ID
// numbers (GB 11643 check digit; never written out unmasked), the dates benefits start and end
// (Linyi's MAMS rule, spec section 5: eligibility.startsNextMonth), the most favourable category and
// the category in force on a date. A month's changes: engine/roster-apply.ts; settle --roster:
// engine/roster-claims.ts.
//
// Roster CSV: person_id, id_number (optional), city, county (optional), category, included_on
// (optional), exited_on (optional). Other columns (benefits_from, benefits_to written by `roster
// apply`) are read past: benefit dates are always recomputed from included_on / exited_on.
import { YibaoError, echo } from './errors';
import { readCsv, type CsvRecord } from './csv';
import { normalizeName, resolveCategory, resolveCity } from './catalog';
import { isIsoDate, type Book, type CityDef } from './policy/load';
import { paramsAt } from './policy/resolve';
import { subsidyFor } from './subsidy';
import type { Scenario } from './scenario';
import type { CategoryId, CityId, Rejection } from './types';

export const ROSTER_COLUMNS = ['person_id', 'id_number', 'city', 'county', 'category', 'included_on', 'exited_on'] as const;
export const ROSTER_REQUIRED = ['person_id', 'city', 'category'] as const;
/** What `roster apply` writes: the roster columns and the benefit window. */
export const ROSTER_OUT_COLUMNS = [...ROSTER_COLUMNS, 'benefits_from', 'benefits_to'] as const;

/**
 * The fixed order that breaks ties between categories of equal subsidy ("most favourable category"):
 * the spec's order of need (section 3), the monitored umbrella after its members, ordinary last.
 */
export const CATEGORY_ORDER: CategoryId[] = [
  'extremely_poor', 'dibao', 'relapsed', 'dibao_marginal', 'unstable_alleviated', 'marginal_at_risk', 'sudden_hardship',
  'expenditure_hardship', 'monitored', 'on_application', 'alleviated', 'ordinary',
];

// ---------------------------------------------------------------------------------------------
// Resident ID numbers (公民身份号码, GB 11643-1999)

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** The check digit of the first 17 digits (ISO 7064 MOD 11-2 as GB 11643 uses it). */
export function idCheckDigit(first17: string): string {
  let s = 0;
  for (let i = 0; i < 17; i++) s += (first17.charCodeAt(i) - 48) * WEIGHTS[i];
  return CHECK[s % 11];
}

/** First 6 and last 4 kept: 110105********123X. */
export function maskIdNumber(id: string): string {
  if (id.length <= 10) return '*'.repeat(id.length);
  return `${id.slice(0, 6)}${'*'.repeat(id.length - 10)}${id.slice(-4)}`;
}

const MASKED = /^\d{6}\*{8}\d{3}[\dX]$/;
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Check an ID number and return it masked (the only form the program keeps). Empty: ''. An ID number
 * already masked by this program (110105********123X) is accepted as it is: its check digit cannot be
 * verified. Messages never quote the number unmasked.
 */
export function checkIdNumber(text: string): string {
  const s = text.trim().toUpperCase();
  if (s === '') return '';
  if (MASKED.test(s)) return s;
  if (!/^\d{17}[\dX]$/.test(s)) {
    throw new YibaoError(`身份证号码“${maskIdNumber(echo(s))}”须为 18 位（17 位数字加校验位 0–9 或 X）`, `ID number "${maskIdNumber(echo(s))}" must have 18 characters (17 digits and a check character 0–9 or X)`, 'id_number');
  }
  const y = Number(s.slice(6, 10)), m = Number(s.slice(10, 12)), d = Number(s.slice(12, 14));
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const dim = m >= 1 && m <= 12 ? DAYS[m - 1] + (m === 2 && leap ? 1 : 0) : 0;
  if (y < 1900 || y > 2100 || d < 1 || d > dim) {
    throw new YibaoError(`身份证号码 ${maskIdNumber(s)} 中的出生日期无效`, `ID number ${maskIdNumber(s)} has an invalid date of birth`, 'id_number');
  }
  if (idCheckDigit(s) !== s[17]) {
    throw new YibaoError(`身份证号码 ${maskIdNumber(s)} 校验位错误（GB 11643）`, `ID number ${maskIdNumber(s)} fails the check digit (GB 11643)`, 'id_number');
  }
  return maskIdNumber(s);
}

// ---------------------------------------------------------------------------------------------
// Benefit windows (spec section 5, eligibility.startsNextMonth)

export function lastDayOfMonth(date: string): string {
  const y = Number(date.slice(0, 4)), m = Number(date.slice(5, 7));
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return `${date.slice(0, 8)}${String(DAYS[m - 1] + (m === 2 && leap ? 1 : 0)).padStart(2, '0')}`;
}

export function firstOfNextMonth(date: string): string {
  const y = Number(date.slice(0, 4)), m = Number(date.slice(5, 7));
  return m === 12 ? `${y + 1}-01-01` : `${date.slice(0, 5)}${String(m + 1).padStart(2, '0')}-01`;
}

const ruleCache = new WeakMap<Book, Map<string, boolean>>();

/** Whether the city's eligibility.startsNextMonth rule is in force on a date (false before the city's first policy). */
export function startsNextMonth(book: Book, city: CityDef, date: string): boolean {
  let m = ruleCache.get(book);
  if (!m) ruleCache.set(book, (m = new Map()));
  const key = `${city.id}@${date}`;
  let v = m.get(key);
  if (v === undefined) {
    try {
      v = paramsAt(book, city, date).get('eligibility.startsNextMonth')?.value === true;
    } catch (e) {
      if (!(e instanceof YibaoError) || e.code !== 'date') throw e;
      v = false;
    }
    m.set(key, v);
  }
  return v;
}

/**
 * The first and last day of benefits for an inclusion and an exit date. Where the city's rule is in
 * force on the change date (Linyi from 2022-04-01): from the 1st of the month after inclusion, to the
 * last day of the exit month. Elsewhere (and in Linyi before 2022-04-01) the documents state no
 * timing, so benefits run from the inclusion date and to the exit date itself, both inclusive.
 */
export function benefitWindow(book: Book, city: CityDef, included_on?: string, exited_on?: string): { from?: string; to?: string } {
  const from = included_on ? (startsNextMonth(book, city, included_on) ? firstOfNextMonth(included_on) : included_on) : undefined;
  const to = exited_on ? (startsNextMonth(book, city, exited_on) ? lastDayOfMonth(exited_on) : exited_on) : undefined;
  return { from, to };
}

// ---------------------------------------------------------------------------------------------
// Reading rows

export interface RosterEntry {
  line: number;
  person_id: string;
  /** Masked (first 6 and last 4) or ''. The unmasked number is never kept. */
  id_masked: string;
  city: CityId;
  /** '' when the roster gives none. */
  county: string;
  category: CategoryId;
  included_on?: string;
  exited_on?: string;
  /** First and last day of benefits (undefined: open). */
  benefits_from?: string;
  benefits_to?: string;
}

export function inForce(e: { benefits_from?: string; benefits_to?: string }, date: string): boolean {
  return (e.benefits_from === undefined || e.benefits_from <= date) && (e.benefits_to === undefined || date <= e.benefits_to);
}

/** Column positions of a roster header; throws if a required column is missing. */
export interface RosterHeader { index: Record<(typeof ROSTER_COLUMNS)[number], number>; width: number }

/**
 * Columns only a claims ledger has (engine/claims.ts, and the national platform's settlement id): a
 * ledger's header also has person_id, city and category, and would otherwise be read as a roster
 * with one "person" per claim.
 */
const LEDGER_ONLY = ['claim_id', 'setl_id'];
const LEDGER_PAIR = ['total', 'compliant'];

export function rosterHeader(cells: string[]): RosterHeader {
  const cols = cells.map((c) => normalizeName(c).toLowerCase());
  const ledger = cols.filter((c) => LEDGER_ONLY.includes(c));
  if (ledger.length || LEDGER_PAIR.every((c) => cols.includes(c))) {
    const named = ledger.length ? ledger : LEDGER_PAIR;
    throw new YibaoError(
      `这是结算台账（表头含 ${named.join(', ')}），不是花名册：花名册表头须为 person_id,city,category（可选 id_number,county,included_on,exited_on）；台账请用 yibao settle 或 --claims`,
      `this is a claims ledger (its header has ${named.join(', ')}), not a roster: a roster's header is person_id,city,category (optional id_number,county,included_on,exited_on); settle a ledger with yibao settle, or give it to a budget with --claims`,
      'fatal',
    );
  }
  const missing = ROSTER_REQUIRED.filter((c) => !cols.includes(c));
  if (missing.length) {
    throw new YibaoError(`花名册缺少必需的列：${missing.join(', ')}（表头须含 person_id,city,category，可选 id_number,county,included_on,exited_on）`, `the roster lacks required columns: ${missing.join(', ')} (the header needs person_id,city,category; optional id_number,county,included_on,exited_on)`, 'fatal');
  }
  const index = Object.fromEntries(ROSTER_COLUMNS.map((c) => [c, cols.indexOf(c)])) as RosterHeader['index'];
  return { index, width: cols.length };
}

/**
 * A validator with caches for what repeats across millions of rows (city and category names, dates,
 * benefit windows). Throws YibaoError with the reason; the caller adds the line number.
 */
export class RosterReader {
  private cities = new Map<string, CityDef | YibaoError>();
  private cats = new Map<CityDef, Map<string, CategoryId | YibaoError>>();
  private counties = new Map<string, string>();
  private open = new Map<CityDef, { from?: string; to?: string }>();
  private dates = new Map<string, boolean>();
  private windows = new Map<string, { from?: string; to?: string }>();
  constructor(readonly book: Book, readonly header: RosterHeader) {}

  private city(text: string): CityDef {
    let c = this.cities.get(text);
    if (c === undefined) {
      try { c = resolveCity(this.book, text); } catch (e) { if (!(e instanceof YibaoError)) throw e; c = e; }
      this.cities.set(text, c);
    }
    if (c instanceof YibaoError) throw c;
    return c;
  }

  private category(city: CityDef, text: string): CategoryId {
    let perCity = this.cats.get(city);
    if (!perCity) this.cats.set(city, (perCity = new Map()));
    let c = perCity.get(text);
    if (c === undefined) {
      try { c = resolveCategory(this.book, city, text); } catch (e) { if (!(e instanceof YibaoError)) throw e; c = e; }
      perCity.set(text, c);
    }
    if (c instanceof YibaoError) throw c;
    return c;
  }

  private date(text: string, field: string): string | undefined {
    const s = text.trim();
    if (s === '') return undefined;
    let ok = this.dates.get(s);
    if (ok === undefined) this.dates.set(s, (ok = isIsoDate(s)));
    if (!ok) throw new YibaoError(`${field}“${echo(s)}”无效，须为 YYYY-MM-DD 格式的有效日期`, `${field} "${echo(s)}" is not a valid YYYY-MM-DD date`, 'date');
    return s;
  }

  window(city: CityDef, included_on?: string, exited_on?: string): { from?: string; to?: string } {
    if (included_on === undefined && exited_on === undefined) {
      let o = this.open.get(city);
      if (!o) this.open.set(city, (o = {}));
      return o;
    }
    const key = `${city.id}\u0000${included_on ?? ''}\u0000${exited_on ?? ''}`;
    let w = this.windows.get(key);
    if (!w) this.windows.set(key, (w = benefitWindow(this.book, city, included_on, exited_on)));
    return w;
  }

  /** One record (cells in header order) to an entry. */
  entry(rec: CsvRecord): RosterEntry {
    if (rec.error) throw new YibaoError('引号未闭合，该行及其后内容无法读取', 'unterminated quote: the row cannot be read', 'csv');
    const cells = rec.cells;
    if (cells.length !== this.header.width) throw new YibaoError(`该行有 ${cells.length} 个字段，表头有 ${this.header.width} 个`, `the row has ${cells.length} cells, the header ${this.header.width}`, 'csv');
    const ix = this.header.index;
    const cell = (i: number) => (i < 0 ? '' : cells[i]);
    const person_id = cell(ix.person_id).trim();
    if (person_id === '') throw new YibaoError('person_id 为空', 'person_id is empty', 'person_id');
    const id_masked = checkIdNumber(cell(ix.id_number));
    const city = this.city(cell(ix.city));
    const category = this.category(city, cell(ix.category));
    const countyText = cell(ix.county);
    let county = this.counties.get(countyText);
    if (county === undefined) this.counties.set(countyText, (county = normalizeName(countyText)));
    const included_on = this.date(cell(ix.included_on), 'included_on 纳入日期');
    const exited_on = this.date(cell(ix.exited_on), 'exited_on 退出日期');
    if (included_on && exited_on && exited_on < included_on) {
      throw new YibaoError(`退出日期 ${exited_on} 早于纳入日期 ${included_on}`, `exited_on ${exited_on} is before included_on ${included_on}`, 'date');
    }
    const w = this.window(city, included_on, exited_on);
    return { line: rec.line, person_id, id_masked, city: city.id, county, category, included_on, exited_on, benefits_from: w.from, benefits_to: w.to };
  }
}

export interface RosterRead { entries: RosterEntry[]; rejections: Rejection[]; read: number }

/** A whole roster file: every row an entry or a rejection with its line number (read = entries + rejected). */
export function readRoster(book: Book, text: string): RosterRead {
  const records = readCsv(text);
  const first = records.next();
  if (first.done) throw new YibaoError('花名册为空', 'the roster is empty', 'fatal');
  const reader = new RosterReader(book, rosterHeader(first.value.cells));
  const entries: RosterEntry[] = [];
  const rejections: Rejection[] = [];
  let read = 0;
  for (const rec of records) {
    read++;
    try {
      entries.push(reader.entry(rec));
    } catch (e) {
      if (!(e instanceof YibaoError)) throw e;
      rejections.push({ line: rec.line, reason: e.reason });
    }
  }
  return { entries, rejections, read };
}

// ---------------------------------------------------------------------------------------------
// The most favourable category

/** A ranking of categories by subsidy in a year (baseline policy), ties by CATEGORY_ORDER. */
export class Favour {
  private cache = new Map<string, number>();
  constructor(readonly book: Book, readonly year: number, readonly scenario?: Scenario) {}
  /** Subsidy in fen (an integer), or -1 where the year has no contribution standard. */
  subsidyFen(city: CityId, category: CategoryId): number {
    const key = `${city}\u0000${category}`;
    let v = this.cache.get(key);
    if (v === undefined) {
      try {
        v = subsidyFor(this.book, this.book.cities.get(city)!, category, this.year, this.scenario).subsidy.times(100).toNumber();
      } catch (e) {
        if (!(e instanceof YibaoError)) throw e;
        v = -1;
      }
      this.cache.set(key, v);
    }
    return v;
  }
  /** True when a is more favourable than b (larger subsidy; on a tie the earlier category in CATEGORY_ORDER). */
  better(a: { city: CityId; category: CategoryId }, b: { city: CityId; category: CategoryId }): boolean {
    const sa = this.subsidyFen(a.city, a.category), sb = this.subsidyFen(b.city, b.category);
    if (sa !== sb) return sa > sb;
    return CATEGORY_ORDER.indexOf(a.category) < CATEGORY_ORDER.indexOf(b.category);
  }
}

/** Look-ups by person: the entry in force on a date (the most favourable if several), and the county. */
export class RosterIndex {
  private byPerson = new Map<string, RosterEntry[]>();
  private favour = new Map<number, Favour>();
  constructor(readonly book: Book, entries: RosterEntry[]) {
    for (const e of entries) {
      const list = this.byPerson.get(e.person_id);
      if (list) list.push(e);
      else this.byPerson.set(e.person_id, [e]);
    }
  }
  has(personId: string): boolean {
    return this.byPerson.has(personId);
  }
  /** A person's entries (never empty), or undefined when the person is not on the roster. */
  entriesOf(personId: string): RosterEntry[] | undefined {
    return this.byPerson.get(personId);
  }
  /** Every person's entries (a person's list is never empty). */
  persons(): IterableIterator<[string, RosterEntry[]]> {
    return this.byPerson.entries();
  }
  /** The entry in force for a person in a city on a date; undefined if none. */
  at(personId: string, city: CityId, date: string): RosterEntry | undefined {
    return this.atIn(this.byPerson.get(personId), city, date);
  }
  /** at() among one person's entries (from persons()). */
  atIn(entries: RosterEntry[] | undefined, city: CityId, date: string): RosterEntry | undefined {
    const year = Number(date.slice(0, 4));
    let f = this.favour.get(year);
    if (!f) this.favour.set(year, (f = new Favour(this.book, year)));
    let best: RosterEntry | undefined;
    for (const e of entries ?? []) {
      if (e.city !== city || !inForce(e, date)) continue;
      if (!best || f.better(e, best)) best = e;
    }
    return best;
  }
  /** The county of a person in a city: from the entry in force on the date, else any entry of theirs in the city. */
  countyOf(personId: string, city: CityId, date: string): string | undefined {
    const entries = this.byPerson.get(personId);
    return this.countyIn(entries, city, this.atIn(entries, city, date));
  }
  /** countyOf() among one person's entries, given the one in force (atIn). */
  countyIn(entries: RosterEntry[] | undefined, city: CityId, inForce: RosterEntry | undefined): string | undefined {
    if (inForce?.county) return inForce.county;
    return (entries ?? []).find((x) => x.city === city && x.county)?.county;
  }
}

