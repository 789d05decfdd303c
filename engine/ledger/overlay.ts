// The roster laid over the ledger (--roster: engine/roster.ts rosterCategories, record by record on
// bytes; under a header plan on the fields it mapped), and the county of a record for group sums by
// county. A splitter writes the roster's category (and the county) into the records it hands the
// partitions, so that they need no roster.
import { resolveCategory, resolveCity } from '../catalog';
import { isIsoDate } from '../policy/load';
import { UNKNOWN_KEY } from '../summary';
import { rosterVerdictIn, rosterOfRow, categoryDifference, type CategoryDifference } from '../roster-claims';
import type { RosterIndex, RosterEntry } from '../roster';
import type { Book } from '../policy/load';
import type { CategoryId } from '../types';
import { ByteCache } from './columns';
import { hashBytes } from './interners';
import { F_CAT, F_CITY, F_DATE, F_ID, F_PERSON, resolve, type LedgerHeader } from './fields';
import { Byte, type CsvScanner } from './scan';
import { specRecord } from './records';
import type { RuleSets } from './settle';

export interface BulkRoster {
  index: RosterIndex;
  /** Each record settled under another category than the ledger's, in input order (none: not reported, e.g. a what-if run). */
  onDifference?: (d: CategoryDifference) => void;
}

const COMMA_BYTES = new Uint8Array([Byte.COMMA]);
export const COUNTY_HEADING = new TextEncoder().encode('county');

function concatBytes(pieces: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of pieces) n += p.length;
  const out = new Uint8Array(n);
  n = 0;
  for (const p of pieces) {
    out.set(p, n);
    n += p.length;
  }
  return out;
}

/** A roster's persons by the UTF-8 bytes of their ids: each one's entries, found without decoding a cell. */
class RosterPersons {
  private readonly keys: Uint8Array;
  private readonly off: Int32Array;
  private readonly lists: RosterEntry[][] = [];
  private readonly table: Int32Array;

  constructor(index: RosterIndex) {
    const enc = new TextEncoder();
    const ids: Uint8Array[] = [];
    let bytes = 0;
    for (const [id, list] of index.persons()) {
      const b = enc.encode(id);
      ids.push(b);
      this.lists.push(list);
      bytes += b.length;
    }
    this.keys = new Uint8Array(bytes);
    this.off = new Int32Array(ids.length + 1);
    let size = 1 << 10;
    while (size < ids.length * 2) size *= 2;
    this.table = new Int32Array(size).fill(-1);
    const mask = size - 1;
    let p = 0;
    ids.forEach((b, k) => {
      this.keys.set(b, p);
      this.off[k] = p;
      p += b.length;
      this.off[k + 1] = p;
      let slot = hashBytes(b, 0, b.length, 7) & mask;
      while (this.table[slot] >= 0) slot = (slot + 1) & mask;
      this.table[slot] = k;
    });
  }

  /** The entries of the person whose id is b[s, e), or undefined when the person is not on the roster. */
  find(b: Uint8Array, s: number, e: number): RosterEntry[] | undefined {
    const mask = this.table.length - 1;
    const keys = this.keys;
    for (let slot = hashBytes(b, s, e, 7) & mask; ; slot = (slot + 1) & mask) {
      const k = this.table[slot];
      if (k < 0) return undefined;
      const ks = this.off[k], ke = this.off[k + 1];
      if (ke - ks !== e - s) continue;
      let i = 0;
      while (i < e - s && keys[ks + i] === b[s + i]) i++;
      if (i === e - s) return this.lists[k];
    }
  }
}

const rosterPersonsOf = new WeakMap<RosterIndex, RosterPersons>();

function rosterPersons(index: RosterIndex): RosterPersons {
  let p = rosterPersonsOf.get(index);
  if (!p) rosterPersonsOf.set(index, (p = new RosterPersons(index)));
  return p;
}

/** What the roster and the county column say of the scanner's current record. */
export class RosterOverlay {
  /** Readable records whose person is not on the roster (they keep the ledger's category). */
  notOnRoster = 0;
  /** The current record's category by the roster (null: the ledger's own), and its county's number. */
  recCat: CategoryId | null = null;
  recCounty = 0;
  header!: LedgerHeader;
  readonly countyNames: string[] = [];
  private recVerdict: { category: CategoryId; entry?: RosterEntry } | undefined;
  private recCityIdx = -1;
  private recEntries: RosterEntry[] = [];
  private readonly encoder = new TextEncoder();
  private readonly rCity = new ByteCache<number>();
  private readonly rDate = new ByteCache<string | null>();
  private readonly rCat = new ByteCache<number>();
  private readonly idBytes = new Map<string, Uint8Array>();
  private readonly countyCache = new ByteCache<number>(); // the county cell as it is → county number (−1: empty)
  private readonly countyIds = new Map<string, number>();
  private readonly countyCells: Uint8Array[] = [];

  /**
   * appendCounty: a splitter's records get their county as a last cell. mapped: under a header plan,
   * the current record's fields as the plan mapped them (intake.ts mapRecord), keyed by the spec's names.
   */
  constructor(private readonly book: Book, private readonly sc: CsvScanner, private readonly names: RuleSets, private readonly roster: BulkRoster | undefined, private readonly appendCounty: boolean, private readonly mapped: () => Record<string, string>) {}

  /**
   * The roster's word on the current record, as engine/roster.ts rosterCategories reads the row: its
   * city resolved, its date a valid YYYY-MM-DD, its person id not empty, else nothing; a person not
   * on the roster counts in notOnRoster. Sets recCat (the category to settle under, or null).
   */
  rosterRecord(b: Uint8Array, line: number): void {
    this.recCat = null;
    this.recVerdict = undefined;
    this.recCityIdx = -1;
    const roster = this.roster!;
    // under a header plan the record's fields are the mapped ones (its own cells are the export's)
    if (this.header.plan !== null) return this.rosterMapped(roster, line);
    const sc = this.sc, col = this.header.col;
    const kc = col[F_CITY];
    let cityIdx = this.rCity.get(b, sc.cs[kc], sc.ce[kc], 0);
    if (cityIdx === undefined) {
      cityIdx = resolve(() => this.names.cityIndex(resolveCity(this.book, sc.cellText(b, kc))));
      this.rCity.put(b, sc.cs[kc], sc.ce[kc], 0, cityIdx);
    }
    if (cityIdx < 0) return;
    const kd = col[F_DATE];
    let date = this.rDate.get(b, sc.cs[kd], sc.ce[kd], 0);
    if (date === undefined) {
      const t = sc.cellText(b, kd).trim();
      date = isIsoDate(t) ? t : null;
      this.rDate.put(b, sc.cs[kd], sc.ce[kd], 0, date);
    }
    if (date === null) return;
    // the person's entries, found by the bytes of the trimmed id (no string per row)
    sc.trimmed(b, col[F_PERSON]);
    if (sc.te === sc.ts) return;
    const entries = rosterPersons(roster.index).find(sc.tb, sc.ts, sc.te);
    if (!entries) {
      this.notOnRoster++;
      return;
    }
    const city = this.names.cities[cityIdx];
    const verdict = rosterVerdictIn(roster.index, entries, city.id, date)!;
    this.recCityIdx = cityIdx;
    this.recEntries = entries;
    this.recVerdict = verdict;
    this.recCat = verdict.category;
    if (!roster.onDifference) return;
    const k = col[F_CAT];
    let own = this.rCat.get(b, sc.cs[k], sc.ce[k], cityIdx);
    if (own === undefined) {
      own = resolve(() => this.names.categoryIndex(resolveCategory(this.book, city, sc.cellText(b, k))));
      this.rCat.put(b, sc.cs[k], sc.ce[k], cityIdx, own);
    }
    if (own < 0 || this.names.categories[own] !== verdict.category) {
      roster.onDifference(categoryDifference(line, sc.cellText(b, col[F_ID]).trim(), sc.cellText(b, k).trim(), verdict, date));
    }
  }

  /** rosterRecord on the fields a header plan mapped: rosterCategories's own reading of a row (rosterOfRow). */
  private rosterMapped(roster: BulkRoster, line: number): void {
    const word = rosterOfRow(this.book, roster.index, this.mapped(), line);
    if (word === undefined) this.notOnRoster++;
    if (!word) return;
    this.recCityIdx = this.names.cityIndex(word.city);
    this.recEntries = word.entries;
    this.recVerdict = word;
    this.recCat = word.category;
    if (word.difference) roster.onDifference?.(word.difference);
  }

  /**
   * The current record's county number, as engine/summary.ts keyOf finds it: the county cell
   * (trimmed) if not empty, else the roster's county for the person, city and date, else UNKNOWN_KEY.
   */
  countyOfRecord(b: Uint8Array): number {
    const k = this.header.countyCol;
    const sc = this.sc;
    if (k >= 0) {
      let c = this.countyCache.get(b, sc.cs[k], sc.ce[k], 0);
      if (c === undefined) {
        const t = sc.cellText(b, k).trim();
        c = t === '' ? -1 : this.countyNumber(t);
        this.countyCache.put(b, sc.cs[k], sc.ce[k], 0, c);
      }
      if (c >= 0) return c;
    }
    const v = this.recVerdict;
    if (v) return this.countyNumber(this.roster!.index.countyIn(this.recEntries, this.names.cities[this.recCityIdx].id, v.entry) || UNKNOWN_KEY);
    return this.countyNumber(UNKNOWN_KEY);
  }

  private countyNumber(name: string): number {
    let k = this.countyIds.get(name);
    if (k === undefined) {
      k = this.countyNames.push(name) - 1;
      this.countyIds.set(name, k);
    }
    return k;
  }

  /** A record as a splitter hands it on under --roster: the roster's category in its cell, the county appended. */
  rewritten(b: Uint8Array, start: number, end: number): Uint8Array {
    if (this.recCat === null && !this.appendCounty) return b.subarray(start, end);
    const sc = this.sc;
    const k = this.header.col[F_CAT];
    const tail = sc.ce[sc.ncells - 1]; // the record's line break (if any) follows its last cell
    const pieces: Uint8Array[] = [];
    let p = start;
    if (this.recCat !== null) {
      pieces.push(b.subarray(p, sc.cs[k]), this.bytesOf(this.recCat));
      p = sc.ce[k];
    }
    pieces.push(b.subarray(p, tail));
    if (this.appendCounty) pieces.push(COMMA_BYTES, this.countyCell(this.countyOfRecord(b)));
    pieces.push(b.subarray(tail, end));
    return concatBytes(pieces);
  }

  /**
   * A record a header plan mapped, as a splitter hands it on: under the spec's names (records.ts), the
   * roster's category in it, and the county (the row's county cell, or with appendCounty the county as
   * countyOfRecord finds it) as a last cell.
   */
  mappedRecord(b: Uint8Array): Uint8Array {
    const fields = this.mapped();
    if (this.recCat !== null) fields.category = this.recCat;
    const k = this.header.countyCol;
    const county = this.appendCounty ? this.countyNames[this.countyOfRecord(b)] : k >= 0 ? this.sc.cellText(b, k) : undefined;
    return specRecord(fields, county);
  }

  /** The header as a splitter hands it on: with a last cell county when the records get one. */
  headerBytes(b: Uint8Array, start: number, end: number): Uint8Array {
    if (!this.appendCounty) return b.subarray(start, end);
    const tail = this.sc.ce[this.sc.ncells - 1];
    return concatBytes([b.subarray(start, tail), COMMA_BYTES, COUNTY_HEADING, b.subarray(tail, end)]);
  }

  /** A county as a CSV cell (quoted where it must be). */
  private countyCell(k: number): Uint8Array {
    let c = this.countyCells[k];
    if (!c) {
      const name = this.countyNames[k];
      c = this.countyCells[k] = this.encoder.encode(/[",\r\n]/.test(name) ? `"${name.replace(/"/g, '""')}"` : name);
    }
    return c;
  }

  /** A category id's UTF-8 bytes (one copy each). */
  bytesOf(text: string): Uint8Array {
    let b = this.idBytes.get(text);
    if (!b) this.idBytes.set(text, (b = this.encoder.encode(text)));
    return b;
  }
}
