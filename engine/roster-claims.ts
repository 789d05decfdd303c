// settle --roster (issue 7): the category in force on each claim's date, from a roster
// (engine/roster.ts RosterIndex).
import { resolveCategory, resolveCity } from './catalog';
import { isIsoDate, type Book, type CityDef } from './policy/load';
import type { RosterIndex, RosterEntry } from './roster';
import type { Message } from './errors';
import type { CategoryId, CityId } from './types';


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

