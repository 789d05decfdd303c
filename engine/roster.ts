// The roster of persons in the subsidised categories (issue 7): reading and checking it, resident ID
// numbers (GB 11643 check digit; never written out unmasked), the dates benefits start and end
// (Linyi's MAMS rule, spec section 5: eligibility.startsNextMonth), a month's additions, removals and
// category changes, and the category in force on a date.
//
// Roster CSV: person_id, id_number (optional), city, county (optional), category, included_on
// (optional), exited_on (optional). Other columns (benefits_from, benefits_to written by `roster
// apply`) are read past: benefit dates are always recomputed from included_on / exited_on.
import { YibaoError, echo } from './errors';
import { readCsv, csvLine, type CsvRecord } from './csv';
import { normalizeName, resolveCategory, resolveCity } from './catalog';
import { isIsoDate, type Book, type CityDef } from './policy/load';
import { paramsAt } from './policy/resolve';
import { subsidyFor } from './subsidy';
import type { Scenario } from './scenario';
import type { Message } from './errors';
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

export function rosterHeader(cells: string[]): RosterHeader {
  const cols = cells.map((c) => normalizeName(c).toLowerCase());
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

// ---------------------------------------------------------------------------------------------
// settle --roster: the category in force on each claim's date

export interface CategoryDifference { line: number; claim_id: string; ledger: string; roster: CategoryId; reason: Message }

/**
 * The roster's word on one ledger row (its city resolved, its date a valid YYYY-MM-DD, its person id
 * trimmed and not empty): undefined when the person is not on the roster (the row keeps its
 * category); else the category in force on the date (the most favourable entry), `ordinary` when no
 * entry is in force then.
 */
export function rosterVerdict(roster: RosterIndex, person: string, city: CityId, date: string): { category: CategoryId; entry?: RosterEntry } | undefined {
  return rosterVerdictIn(roster, roster.entriesOf(person), city, date);
}

/** rosterVerdict with the person's entries already looked up (undefined: not on the roster). */
export function rosterVerdictIn(roster: RosterIndex, entries: RosterEntry[] | undefined, city: CityId, date: string): { category: CategoryId; entry?: RosterEntry } | undefined {
  if (!entries) return undefined;
  const entry = roster.atIn(entries, city, date);
  return { category: entry ? entry.category : 'ordinary', entry };
}

/** A row settled under another category than the ledger's: `ledger` is the ledger's cell as typed (trimmed). */
export function categoryDifference(line: number, claimId: string, ledger: string, verdict: { category: CategoryId; entry?: RosterEntry }, date: string): CategoryDifference {
  const e = verdict.entry;
  const cat = verdict.category;
  return {
    line,
    claim_id: claimId,
    ledger,
    roster: cat,
    reason: e
      ? { zh: `花名册第 ${e.line} 行：${date} 时类别为 ${cat}`, en: `roster line ${e.line}: category ${cat} on ${date}` }
      : { zh: `花名册中该人员 ${date} 无有效待遇期，按普通居民结算`, en: `no roster entry in force on ${date}: settled as ordinary` },
  };
}

/**
 * Ledger rows with the category replaced by the one in force on the claim's date: the roster's
 * (most favourable if several are in force); `ordinary` for a person on the roster with no entry in
 * force then (added later, benefits not yet started, or exited). A person not on the roster keeps the
 * ledger's category and is counted in notOnRoster. Rows the ledger will reject anyway pass unchanged.
 * (The columnar ledger, engine/ledger/overlay.ts, does the same row by row on bytes.)
 */
export function rosterCategories<R extends { line: number; fields?: Record<string, string>; error?: unknown }>(book: Book, rows: Iterable<R>, roster: RosterIndex): { rows: Iterable<R>; differences: CategoryDifference[]; notOnRoster: { count: number } } {
  const differences: CategoryDifference[] = [];
  const notOnRoster = { count: 0 };
  function* pass(): Generator<R> {
    for (const row of rows) {
      const f = row.fields;
      if (row.error || !f) { yield row; continue; }
      let city: CityDef;
      try { city = resolveCity(book, f.city ?? ''); } catch { yield row; continue; }
      const date = (f.date ?? '').trim();
      const person = (f.person_id ?? '').trim();
      if (!isIsoDate(date) || person === '') { yield row; continue; }
      const verdict = rosterVerdict(roster, person, city.id, date);
      if (!verdict) { notOnRoster.count++; yield row; continue; }
      const cat = verdict.category;
      let own: CategoryId | undefined;
      try { own = resolveCategory(book, city, f.category ?? ''); } catch { own = undefined; }
      if (own !== cat) differences.push(categoryDifference(row.line, (f.claim_id ?? '').trim(), (f.category ?? '').trim(), verdict, date));
      const fields = { ...f, category: cat };
      yield { ...row, fields };
    }
  }
  return { rows: pass(), differences, notOnRoster };
}

// ---------------------------------------------------------------------------------------------
// roster apply: a month's changes

export const CHANGE_COLUMNS = ['person_id', 'action', 'date', 'city', 'county', 'category', 'id_number'] as const;
const ACTIONS: Record<string, 'add' | 'remove' | 'change'> = {
  add: 'add', 新增: 'add', 纳入: 'add',
  remove: 'remove', 退出: 'remove', 移除: 'remove',
  change: 'change', 变更: 'change', 类别变更: 'change',
};

export interface ApplyOutcome {
  entries: RosterEntry[];
  /** Rejections of the current roster (line numbers of that file) and of the changes file. */
  rosterRejections: Rejection[];
  changeRejections: Rejection[];
  read: { roster: number; changes: number };
  applied: { add: number; remove: number; change: number };
}

function isActive(e: RosterEntry, date: string): boolean {
  // On the roster on that date (inclusion dates, not benefit dates): included by then and not exited before.
  return (e.included_on === undefined || e.included_on <= date) && (e.exited_on === undefined || e.exited_on >= date);
}

/**
 * Apply a month's changes to a roster. add: a new entry from the date; remove: the active entries of
 * the person in that city end on the date; change: the active entry ends on the date and a new one
 * with the new category starts on it. Benefit windows follow benefitWindow. With `month`, a change
 * dated in another month is rejected. Changes are applied in date order (ties in file order).
 */
export function applyChanges(book: Book, current: RosterRead, changesText: string, month?: string): ApplyOutcome {
  const entries = current.entries.map((e) => ({ ...e }));
  const rejections: Rejection[] = [];
  const records = readCsv(changesText);
  const first = records.next();
  if (first.done) throw new YibaoError('变动文件为空', 'the changes file is empty', 'fatal');
  const cols = first.value.cells.map((c) => normalizeName(c).toLowerCase());
  const missing = ['person_id', 'action', 'date', 'city'].filter((c) => !cols.includes(c));
  if (missing.length) throw new YibaoError(`变动文件缺少必需的列：${missing.join(', ')}（表头：${CHANGE_COLUMNS.join(',')}）`, `the changes file lacks required columns: ${missing.join(', ')} (header: ${CHANGE_COLUMNS.join(',')})`, 'fatal');
  const at = (cells: string[], c: string) => (cols.indexOf(c) < 0 ? '' : cells[cols.indexOf(c)] ?? '').trim();
  const reader = new RosterReader(book, rosterHeader(['person_id', 'id_number', 'city', 'county', 'category', 'included_on', 'exited_on']));
  type Change = { line: number; action: 'add' | 'remove' | 'change'; date: string; person: string; cells: string[] };
  const changes: Change[] = [];
  let read = 0;
  for (const rec of records) {
    read++;
    try {
      if (rec.error) throw new YibaoError('引号未闭合，该行及其后内容无法读取', 'unterminated quote: the row cannot be read', 'csv');
      if (rec.cells.length !== cols.length) throw new YibaoError(`该行有 ${rec.cells.length} 个字段，表头有 ${cols.length} 个`, `the row has ${rec.cells.length} cells, the header ${cols.length}`, 'csv');
      const action = ACTIONS[normalizeName(at(rec.cells, 'action')).toLowerCase()];
      if (!action) throw new YibaoError(`变动类型“${echo(at(rec.cells, 'action'))}”无效；可选：add 新增、remove 退出、change 变更`, `action "${echo(at(rec.cells, 'action'))}" is invalid; valid: add, remove, change`, 'action');
      const date = at(rec.cells, 'date');
      if (!isIsoDate(date)) throw new YibaoError(`变动日期“${echo(date)}”无效，须为 YYYY-MM-DD`, `change date "${echo(date)}" is not a valid YYYY-MM-DD date`, 'date');
      if (month && date.slice(0, 7) !== month) throw new YibaoError(`变动日期 ${date} 不在 ${month} 月`, `change date ${date} is not in ${month}`, 'date');
      const person = at(rec.cells, 'person_id');
      if (person === '') throw new YibaoError('person_id 为空', 'person_id is empty', 'person_id');
      changes.push({ line: rec.line, action, date, person, cells: rec.cells });
    } catch (e) {
      if (!(e instanceof YibaoError)) throw e;
      rejections.push({ line: rec.line, reason: e.reason });
    }
  }
  changes.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.line - b.line));
  const applied = { add: 0, remove: 0, change: 0 };
  for (const c of changes) {
    try {
      const city = resolveCity(book, at(c.cells, 'city'));
      const active = entries.filter((e) => e.person_id === c.person && e.city === city.id && isActive(e, c.date));
      const newEntry = (category: string, county: string, id: string): RosterEntry =>
        reader.entry({ line: c.line, cells: [c.person, id, at(c.cells, 'city'), county, category, c.date, ''] });
      if (c.action === 'add') {
        if (active.length) throw new YibaoError(`该人员已在花名册中（第 ${active[0].line} 行），不能重复新增`, `the person is already on the roster (line ${active[0].line})`, 'action');
        entries.push(newEntry(at(c.cells, 'category'), at(c.cells, 'county'), at(c.cells, 'id_number')));
      } else {
        if (!active.length) throw new YibaoError(`花名册中没有该人员在 ${c.date} 的有效记录`, `no entry of the person is active on ${c.date}`, 'action');
        if (c.action === 'change') {
          const next = newEntry(at(c.cells, 'category'), at(c.cells, 'county') || active[0].county, active[0].id_masked);
          if (next.category === active[0].category) throw new YibaoError(`类别未变（${next.category}）`, `the category is unchanged (${next.category})`, 'action');
          for (const e of active) close(book, e, c.date);
          entries.push(next);
        } else {
          for (const e of active) close(book, e, c.date);
        }
      }
      applied[c.action]++;
    } catch (e) {
      if (!(e instanceof YibaoError)) throw e;
      rejections.push({ line: c.line, reason: e.reason });
    }
  }
  rejections.sort((a, b) => a.line - b.line);
  return { entries, rosterRejections: current.rejections, changeRejections: rejections, read: { roster: current.read, changes: read }, applied };
}

function close(book: Book, e: RosterEntry, date: string) {
  e.exited_on = date;
  const w = benefitWindow(book, book.cities.get(e.city)!, e.included_on, date);
  e.benefits_to = w.to;
}

/** The roster as CSV with ROSTER_OUT_COLUMNS; ID numbers masked. */
export function rosterCsv(entries: RosterEntry[]): string {
  return csvLine([...ROSTER_OUT_COLUMNS]) + entries.map((e) => csvLine([e.person_id, e.id_masked, e.city, e.county, e.category, e.included_on ?? '', e.exited_on ?? '', e.benefits_from ?? '', e.benefits_to ?? ''])).join('');
}
