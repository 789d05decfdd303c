// settle --roster (issue 7): the category in force on each claim's date, from a roster
// (engine/roster.ts RosterIndex).
import { resolveCategory, resolveCity } from './catalog';
import { isIsoDate, type Book, type CityDef } from './policy/load';
import type { RosterIndex, RosterEntry } from './roster';
import type { Message } from './errors';
import type { CategoryId, CityId } from './types';


export interface CategoryDifference { line: number; claim_id: string; ledger: string; roster: CategoryId; reason: Message }

/**
 * The roster's word on one ledger row among the person's entries (its city resolved, its date a valid
 * YYYY-MM-DD, its person id trimmed and not empty): undefined when the person is not on the roster
 * (no entries: the row keeps its category); else the category in force on the date (the most
 * favourable entry), `ordinary` when no entry is in force then.
 */
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

/** The roster's word on one row: the category in force, the person's entries, and the row's city and date as read. */
export interface RosterWord { category: CategoryId; entry?: RosterEntry; entries: RosterEntry[]; city: CityDef; date: string; difference?: CategoryDifference }

/**
 * The roster's word on one readable row's fields (keyed by the spec's columns), as rosterCategories
 * reads each row: null when the row says too little (its city not resolved, its date not YYYY-MM-DD,
 * its person id empty); undefined when the person is not on the roster (the row keeps its category);
 * else the category in force, with the difference when it is not the ledger's own.
 */
export function rosterOfRow(book: Book, roster: RosterIndex, f: Record<string, string | undefined>, line: number): RosterWord | null | undefined {
  let city: CityDef;
  try { city = resolveCity(book, f.city ?? ''); } catch { return null; }
  const date = (f.date ?? '').trim();
  const person = (f.person_id ?? '').trim();
  if (!isIsoDate(date) || person === '') return null;
  const entries = roster.entriesOf(person);
  const verdict = rosterVerdictIn(roster, entries, city.id, date);
  if (!verdict) return undefined;
  let own: CategoryId | undefined;
  try { own = resolveCategory(book, city, f.category ?? ''); } catch { own = undefined; }
  const difference = own !== verdict.category ? categoryDifference(line, (f.claim_id ?? '').trim(), (f.category ?? '').trim(), verdict, date) : undefined;
  return { ...verdict, entries: entries!, city, date, difference };
}

/**
 * Ledger rows with the category replaced by the one in force on the claim's date: the roster's
 * (most favourable if several are in force); `ordinary` for a person on the roster with no entry in
 * force then (added later, benefits not yet started, or exited). A person not on the roster keeps the
 * ledger's category and is counted in notOnRoster. Rows the ledger will reject anyway pass unchanged.
 * (The columnar ledger, engine/ledger/overlay.ts, does the same row by row on bytes, and through
 * rosterOfRow on a row a header plan mapped.)
 */
export function rosterCategories<R extends { line: number; fields?: Record<string, string>; error?: unknown }>(book: Book, rows: Iterable<R>, roster: RosterIndex): { rows: Iterable<R>; differences: CategoryDifference[]; notOnRoster: { count: number } } {
  const differences: CategoryDifference[] = [];
  const notOnRoster = { count: 0 };
  function* pass(): Generator<R> {
    for (const row of rows) {
      const f = row.fields;
      if (row.error || !f) { yield row; continue; }
      const word = rosterOfRow(book, roster, f, row.line);
      if (word === undefined) notOnRoster.count++;
      if (!word) { yield row; continue; }
      if (word.difference) differences.push(word.difference);
      yield { ...row, fields: { ...f, category: word.category } };
    }
  }
  return { rows: pass(), differences, notOnRoster };
}
