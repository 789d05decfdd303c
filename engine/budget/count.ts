// Counting a roster's persons for a budget date: rows are checked and counted one at a time into
// (city, county, category) groups and a compact table of person ids (engine/budget/persons.ts), so
// that ten million persons take a few hundred megabytes and a few seconds.
//
// Who is counted: the roster's entries whose benefits are in force on the date (see
// engine/roster.ts benefitWindow). A person with several entries in force (listed twice, or in two
// categories or cities) is counted once, in the most favourable one: the largest subsidy under the
// basis of the budget (engine/roster.ts Favour), ties broken by CATEGORY_ORDER, then by the earlier
// line. Every other row of theirs is a duplicate. Rows read = persons + duplicate rows + rows not in
// force on the date + rejected rows.
import { YibaoError } from '../errors';
import type { CsvRecord } from '../csv';
import { RosterReader, rosterHeader, inForce, Favour, CATEGORY_ORDER } from '../roster';
import { UNKNOWN_KEY } from '../summary';
import type { Book } from '../policy/load';
import type { Scenario } from '../scenario';
import type { CategoryId, CityId, Rejection } from '../types';
import { PersonTable } from './persons';

export interface DuplicateReport {
  /** The row counted and the row not counted (line numbers of the roster file; no person id). */
  kept_line: number;
  dropped_line: number;
  kept: { city: CityId; category: CategoryId };
  dropped: { city: CityId; category: CategoryId };
}

/** Persons counted in one (city, county, category). */
export interface Group { city: CityId; county: string; category: CategoryId; persons: number }

export interface Count {
  date: string;
  read: number;
  notInForce: number;
  duplicateRows: number;
  rejections: Rejection[];
  /** The first duplicate rows, described (all are counted in duplicateRows). */
  duplicates: DuplicateReport[];
  /** Groups with at least one person, by city, county, then CATEGORY_ORDER. */
  groups: Group[];
}

export class RosterCounter {
  private reader: RosterReader;
  private favour: Favour;
  private groupIx = new Map<CityId, Map<string, Map<CategoryId, number>>>();
  private gCity: CityId[] = [];
  private gCounty: string[] = [];
  private gCat: CategoryId[] = [];
  private counts: number[] = [];
  private people: PersonTable;
  private rejections: Rejection[] = [];
  private duplicates: DuplicateReport[] = [];
  private read = 0;
  private notInForce = 0;
  private duplicateRows = 0;

  /** basis: the scenario under which "most favourable" is judged (undefined: the policy as published). */
  constructor(book: Book, header: string[], private readonly date: string, year: number, basis: Scenario | undefined, private readonly maxReports: number, sizeHint?: number) {
    this.reader = new RosterReader(book, rosterHeader(header));
    this.favour = new Favour(book, year, basis);
    this.people = new PersonTable(sizeHint);
  }

  add(rec: CsvRecord): void {
    this.read++;
    let e;
    try {
      e = this.reader.entry(rec);
    } catch (err) {
      if (!(err instanceof YibaoError)) throw err;
      this.rejections.push({ line: rec.line, reason: err.reason });
      return;
    }
    if (!inForce(e, this.date)) { this.notInForce++; return; }
    const county = e.county || UNKNOWN_KEY;
    let byCounty = this.groupIx.get(e.city);
    if (!byCounty) this.groupIx.set(e.city, (byCounty = new Map()));
    let byCat = byCounty.get(county);
    if (!byCat) byCounty.set(county, (byCat = new Map()));
    let g = byCat.get(e.category);
    if (g === undefined) {
      g = this.counts.length;
      byCat.set(e.category, g);
      this.gCity.push(e.city); this.gCounty.push(county); this.gCat.push(e.category); this.counts.push(0);
    }
    const people = this.people;
    const s = people.findOrInsert(e.person_id);
    if (s < 0) {
      const n = people.last;
      people.group[n] = g;
      people.line[n] = e.line;
      this.counts[g]++;
      return;
    }
    this.duplicateRows++;
    const old = people.group[s];
    const oldLine = people.line[s];
    const newer = { city: e.city, category: e.category }, older = { city: this.gCity[old], category: this.gCat[old] };
    const takeNew = this.favour.better(newer, older);
    if (takeNew) {
      this.counts[old]--;
      this.counts[g]++;
      people.group[s] = g;
      people.line[s] = e.line;
    }
    if (this.duplicates.length < this.maxReports) {
      this.duplicates.push(takeNew
        ? { kept_line: e.line, dropped_line: oldLine, kept: newer, dropped: older }
        : { kept_line: oldLine, dropped_line: e.line, kept: older, dropped: newer });
    }
  }

  finish(): Count {
    const { gCity, gCounty, gCat, counts } = this;
    const groups = counts.flatMap((persons, i) => (persons > 0 ? [{ city: gCity[i], county: gCounty[i], category: gCat[i], persons }] : []));
    return { date: this.date, read: this.read, notInForce: this.notInForce, duplicateRows: this.duplicateRows, rejections: this.rejections, duplicates: this.duplicates, groups: orderGroups(groups) };
  }
}

/** Groups by city, county, then CATEGORY_ORDER (the order of a budget's rows). */
function orderGroups(groups: Group[]): Group[] {
  return groups.sort((x, y) =>
    x.city !== y.city ? (x.city < y.city ? -1 : 1)
      : x.county !== y.county ? (x.county < y.county ? -1 : 1)
        : CATEGORY_ORDER.indexOf(x.category) - CATEGORY_ORDER.indexOf(y.category));
}

/** The line a duplicate report was made at: the later of its two rows (the one being read). */
const reportedAt = (d: DuplicateReport) => Math.max(d.kept_line, d.dropped_line);

/**
 * The counts of a roster's partitions as the count of the whole roster, when every person's rows are
 * in one partition, each read in input order (a job's partitions by a hash of the person): the sums
 * of the counts and of each group's persons, the rejected rows in line order, and the first
 * `maxReports` duplicate reports in the order the rows that made them were read (each partition kept
 * its own first `maxReports`, so the whole roster's first are among them).
 */
export function mergeCounts(date: string, parts: Count[], maxReports: number): Count {
  const groups = new Map<string, Group>();
  for (const p of parts) {
    for (const g of p.groups) {
      const id = `${g.city}\u0000${g.county}\u0000${g.category}`;
      const had = groups.get(id);
      if (had) had.persons += g.persons;
      else groups.set(id, { ...g });
    }
  }
  const sum = (f: (p: Count) => number) => parts.reduce((t, p) => t + f(p), 0);
  return {
    date,
    read: sum((p) => p.read),
    notInForce: sum((p) => p.notInForce),
    duplicateRows: sum((p) => p.duplicateRows),
    rejections: parts.flatMap((p) => p.rejections).sort((a, b) => a.line - b.line),
    duplicates: parts.flatMap((p) => p.duplicates).sort((a, b) => reportedAt(a) - reportedAt(b)).slice(0, maxReports),
    groups: orderGroups([...groups.values()]),
  };
}
