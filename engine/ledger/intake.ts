// A record → a valid claim in the columns (table.ts), or a rejection with the engine's own reason.
// The fast checks read the cells' bytes, each name as typed resolved once (and cached); every record
// they do not pass (a quoted cell, an unknown name, a bad amount …) goes through the engine's own
// validateClaim, so the reasons are the engine's and a valid claim is read as the engine reads it.
import type DecimalBase from 'decimal.js';
import { YibaoError } from '../errors';
import { normalizeName, resolveCategory, resolveCity } from '../catalog';
import { parseKind, parseDate, validateClaim, type ValidClaim } from '../claims';
import { duplicateReason, unreadableReason } from '../ledger';
import type { MappedRow } from '../nhsa';
import { paramsAt } from '../policy/resolve';
import type { Book } from '../policy/load';
import type { Scenario } from '../scenario';
import type { HospitalLevel, Rejection } from '../types';
import { parseFenBytes } from '../fast/amount';
import { KIND_CODES, LEVEL_CODES } from '../chain/plan';
import { ByteCache } from './columns';
import { checkKey, MAX_KEY_BYTES } from './interners';
import { F_BASIC, F_CAT, F_CITY, F_COMPLIANT, F_DATE, F_ID, F_KIND, F_LEVEL, F_PERSON, F_TOTAL, resolve, type LedgerHeader } from './fields';
import { plain, type CsvScanner } from './scan';
import type { ClaimTable } from './table';
import type { RuleSets } from './settle';
import type { RosterOverlay } from './overlay';
import type { GroupSums } from './aggregate';

export interface IntakeOptions {
  scenario?: Scenario;
  /** Sums per group: each valid claim's slot. */
  groups: GroupSums | null;
  /** A partition: the sorted lines whose claim_id came earlier in the whole ledger. */
  duplicates?: Int32Array;
}

export class Intake {
  readonly rejections: Rejection[] = [];
  header!: LedgerHeader;
  private readonly encoder = new TextEncoder();
  private readonly scenario: Scenario | undefined;
  private readonly groups: GroupSums | null;
  private readonly duplicates: Int32Array | undefined;
  private readonly cityCache = new ByteCache<number>(); // −1: not a city
  private readonly catCache = new ByteCache<number>(); // key: city + \0 + bytes
  private readonly kindCache = new ByteCache<number>();
  private readonly levelCache = new ByteCache<number>();
  private readonly dateCache = new ByteCache<{ year: number; day: number; params: number } | null>();
  private readonly checkedYears: string[] = [];
  private readonly checkedLines: number[] = []; // the first line of each of checkedYears
  private readonly checkedKeys = new Set<number>(); // cityIdx × 10⁵ + year of each of checkedYears (no string a row)

  constructor(private readonly book: Book, private readonly sc: CsvScanner, private readonly table: ClaimTable, private readonly names: RuleSets, private readonly overlay: RosterOverlay, opts: IntakeOptions) {
    this.scenario = opts.scenario;
    this.groups = opts.groups;
    this.duplicates = opts.duplicates;
  }

  /** The trimmed claim_id's number (−1: empty), interned; isNew says whether it is a first occurrence. */
  isNew = false;
  claimNumber(b: Uint8Array): number {
    const sc = this.sc;
    sc.trimmed(b, this.header.col[F_ID]);
    if (sc.te === sc.ts) return -1;
    checkKey(sc.te - sc.ts, 'claim_id');
    const ids = this.table.ids;
    // a partition is told every repeated id's line (duplicates, found over the whole ledger), so it
    // only keeps its ids for the output and need not look them up
    const k = this.duplicates ? ids.append(sc.tb, sc.ts, sc.te) : ids.intern(sc.tb, sc.ts, sc.te);
    this.isNew = ids.lastWasNew;
    return k;
  }

  /** Whether the record on this line repeats an earlier claim_id (idk: its number from claimNumber). */
  isDuplicate(idk: number, line: number): boolean {
    return idk >= 0 && (!this.isNew || (this.duplicates !== undefined && isIn(this.duplicates, line)));
  }

  /** A record that cannot be read (an unterminated quote, or not as many cells as the header): the engine's own words. */
  unreadable(line: number, unterminated: boolean): void {
    const error = unreadableReason(this.sc.ncells, this.header.cells.length, unterminated)!;
    this.rejections.push({ line, claim_id: undefined, reason: error.reason });
  }

  /** The header plan's mapper for this pass (engine/nhsa.ts), made on the first record. */
  private mapRow: ((fields: Record<string, string>) => MappedRow) | null = null;
  /** The last record mapped (mapRecord), keyed by the spec's columns. */
  private mapped: MappedRow | null = null;

  /**
   * A readable record under a header plan, through the plan's mapper (med_type → kind, setl_time →
   * date, certno checks; the city and category columns), exactly as tableLedgerRows maps a row: every
   * readable record in input order, duplicates too. False when the mapper refuses it (rejectMapped).
   */
  mapRecord(b: Uint8Array): boolean {
    this.mapRow ??= this.header.plan!.mapper();
    const cells = this.sc.cells(b);
    const fields: Record<string, string> = Object.create(null);
    this.header.columns.forEach((c, i) => (fields[c] = cells[i]));
    this.mapped = this.mapRow(fields);
    return this.mapped.error === undefined;
  }

  /** The last record mapRecord mapped, keyed by the spec's columns. */
  mappedFields(): Record<string, string> {
    return this.mapped!.fields;
  }

  /** The record mapRecord refused: its reason, naming the claim as the row path does. */
  rejectMapped(line: number): void {
    const m = this.mapped!;
    this.rejections.push({ line, claim_id: m.fields.claim_id?.trim() || undefined, reason: m.error!.reason });
  }

  /** A repeated claim_id: the first row stands. */
  duplicate(b: Uint8Array, line: number): void {
    const claimId = this.sc.cellText(b, this.header.col[F_ID]).trim();
    this.rejections.push({ line, claim_id: claimId, reason: duplicateReason(claimId) });
  }

  /** A readable record, the seq-th read: into the table, or rejected. */
  claim(b: Uint8Array, seq: number, line: number, idk: number): void {
    // under a header plan the record was mapped already (mapRecord): validateClaim reads the mapped fields
    if (this.header.plan !== null || !this.fastRow(b, seq, line, idk)) this.slowRow(b, seq, line, idk);
  }

  /** The fast checks; false when the row needs the engine's validateClaim (it may still be valid). */
  private fastRow(b: Uint8Array, seq: number, line: number, idk: number): boolean {
    const sc = this.sc, col = this.header.col;
    if (idk < 0) return false;
    // person_id (plain ASCII, else the string path)
    if (!sc.field(b, col[F_PERSON]) || sc.fe === sc.fs || !plain(b, sc.fs, sc.fe) || sc.fe - sc.fs > MAX_KEY_BYTES) return false;
    const ps = sc.fs, pe = sc.fe;
    // city
    if (!sc.field(b, col[F_CITY])) return false;
    let cityIdx = this.cityCache.get(b, sc.fs, sc.fe, 0);
    if (cityIdx === undefined) {
      cityIdx = resolve(() => this.names.cityIndex(resolveCity(this.book, sc.decode(b, sc.fs, sc.fe))));
      this.cityCache.put(b, sc.fs, sc.fe, 0, cityIdx);
    }
    if (cityIdx < 0) return false;
    const city = this.names.cities[cityIdx];
    // category (under --roster: the roster's, read as if it were the cell)
    let catIdx: number | undefined;
    if (this.overlay.recCat === null) {
      if (!sc.field(b, col[F_CAT])) return false;
      catIdx = this.catCache.get(b, sc.fs, sc.fe, cityIdx);
      if (catIdx === undefined) {
        catIdx = resolve(() => this.names.categoryIndex(resolveCategory(this.book, city, sc.decode(b, sc.fs, sc.fe))));
        this.catCache.put(b, sc.fs, sc.fe, cityIdx, catIdx);
      }
    } else {
      const id = this.overlay.bytesOf(this.overlay.recCat);
      catIdx = this.catCache.get(id, 0, id.length, cityIdx);
      if (catIdx === undefined) {
        const text = this.overlay.recCat;
        catIdx = resolve(() => this.names.categoryIndex(resolveCategory(this.book, city, text)));
        this.catCache.put(id, 0, id.length, cityIdx, catIdx);
      }
    }
    if (catIdx < 0) return false;
    // date, and with it the parameters in force
    if (!sc.field(b, col[F_DATE])) return false;
    let date = this.dateCache.get(b, sc.fs, sc.fe, cityIdx);
    if (date === undefined) {
      try {
        const d = parseDate(sc.decode(b, sc.fs, sc.fe));
        date = { year: Number(d.slice(0, 4)), day: Number(d.slice(5, 7)) * 32 + Number(d.slice(8, 10)), params: this.names.paramsIndex(paramsAt(this.book, city, d, this.scenario)) };
      } catch (e) {
        if (!(e instanceof YibaoError)) throw e;
        date = null;
      }
      this.dateCache.put(b, sc.fs, sc.fe, cityIdx, date);
    }
    if (date === null) return false;
    // kind and level
    if (!sc.field(b, col[F_KIND])) return false;
    let kind = this.kindCache.get(b, sc.fs, sc.fe, 0);
    if (kind === undefined) {
      kind = resolve(() => KIND_CODES.indexOf(parseKind(sc.decode(b, sc.fs, sc.fe))));
      this.kindCache.put(b, sc.fs, sc.fe, 0, kind);
    }
    if (kind < 0) return false;
    if (!sc.field(b, col[F_LEVEL])) return false;
    let level = 0;
    if (sc.fe > sc.fs) {
      let l = this.levelCache.get(b, sc.fs, sc.fe, 0);
      if (l === undefined) {
        const text = normalizeName(sc.decode(b, sc.fs, sc.fe)).toLowerCase();
        l = text === '' ? 0 : -1;
        for (let k = 1; k < LEVEL_CODES.length; k++) if (text === LEVEL_CODES[k]) l = k;
        if (l < 0) {
          // the Chinese names go through the engine (via a one-row validation): cache what it says
          l = resolve(() => {
            const lv = this.levelOf(sc.decode(b, sc.fs, sc.fe));
            return lv === undefined ? 0 : LEVEL_CODES.indexOf(lv);
          });
        }
        this.levelCache.put(b, sc.fs, sc.fe, 0, l);
      }
      if (l < 0) return false;
      level = l;
    }
    // amounts
    if (!sc.field(b, col[F_TOTAL])) return false;
    const total = parseFenBytes(b, sc.fs, sc.fe);
    if (total < 0) return false;
    if (!sc.field(b, col[F_COMPLIANT])) return false;
    const compliant = parseFenBytes(b, sc.fs, sc.fe);
    if (compliant < 0 || compliant > total) return false;
    if (!sc.field(b, col[F_BASIC])) return false;
    let basic = -1;
    if (sc.fe > sc.fs) {
      basic = parseFenBytes(b, sc.fs, sc.fe);
      if (basic < 0 || basic > compliant) return false;
    }
    // rules
    const rule = this.names.ruleSet(date.params, catIdx, cityIdx);
    if (rule < 0) return false;
    if (!this.names.ruleSets[rule].plan.chains[kind]) return false; // validateClaim says why
    const personYear = this.table.personYears.intern(b, ps, pe, cityIdx * 10000 + date.year);
    this.addValid(line, idk, personYear, date.day, rule, kind | (level << 2), total, compliant, basic, cityIdx, date.year, kind);
    void seq;
    return true;
  }

  /** Hospital level as the engine reads it (claims.ts parseLevel is private: validate a probe row). */
  private levelOf(text: string): HospitalLevel | undefined {
    const city = this.names.cities[0] ?? [...this.book.cities.values()][0];
    const probe = validateClaim(this.book, { claim_id: 'x', person_id: 'x', city: city.id, category: 'ordinary', date: '2099-01-01', kind: 'inpatient', hospital_level: text, total: '0', compliant: '0' }, 0);
    return probe.claim.hospital_level;
  }

  /** The engine's validateClaim on the row's text: its reason, or the claim if valid after all. */
  private slowRow(b: Uint8Array, seq: number, line: number, idk: number): void {
    let fields: Record<string, string>;
    if (this.header.plan !== null) fields = this.mapped!.fields;
    else {
      const cells = this.sc.cells(b);
      fields = Object.create(null);
      this.header.columns.forEach((c, i) => (fields[c] = cells[i]));
    }
    if (this.overlay.recCat !== null) fields.category = this.overlay.recCat;
    const claimId = fields.claim_id?.trim() || undefined;
    let v: ValidClaim;
    try {
      v = validateClaim(this.book, fields, seq, this.scenario);
    } catch (e) {
      if (!(e instanceof YibaoError)) throw e;
      this.rejections.push({ line, claim_id: claimId, reason: e.reason });
      return;
    }
    const c = v.claim;
    const cityIdx = this.names.cityIndex(this.book.cities.get(c.city)!);
    const catIdx = this.names.categoryIndex(c.category);
    const rule = this.names.ruleSet(this.names.paramsIndex(v.params), catIdx, cityIdx);
    if (rule < 0 || this.names.ruleSets[rule].rules !== v.rules) throw new Error('bulk: rules differ from validateClaim');
    const person = this.encoder.encode(c.person_id);
    checkKey(person.length, 'person_id');
    const year = Number(c.date.slice(0, 4));
    const personYear = this.table.personYears.intern(person, 0, person.length, cityIdx * 10000 + year);
    const level = c.hospital_level === undefined ? 0 : LEVEL_CODES.indexOf(c.hospital_level);
    const fen = (d: DecimalBase) => Number(d.times(100).toFixed(0));
    this.addValid(line, idk, personYear, Number(c.date.slice(5, 7)) * 32 + Number(c.date.slice(8, 10)), rule, KIND_CODES.indexOf(c.kind) | (level << 2), fen(c.total), fen(c.compliant), c.basic_paid === undefined ? -1 : fen(c.basic_paid), cityIdx, year, KIND_CODES.indexOf(c.kind));
  }

  private addValid(line: number, idk: number, personYear: number, day: number, rule: number, kind: number, total: number, compliant: number, basic: number, cityIdx: number, year: number, kindCode: number): void {
    const v = this.table.add(line, idk, personYear, day, rule, kind, total, compliant, basic);
    if (this.groups) this.groups.put(v, this.names.ruleSets[rule], year, day >> 5, kindCode, this.overlay.recCounty, this.overlay.countyNames[this.overlay.recCounty]);
    const key = cityIdx * 100_000 + year;
    if (this.checkedYears.length < 10_000 && !this.checkedKeys.has(key)) {
      this.checkedKeys.add(key);
      this.checkedYears.push(`${cityIdx}:${year}`);
      this.checkedLines.push(line);
    }
  }

  /** The cities and years settled, in order of their first row. */
  settledYears(): { city: string; year: string; line: number }[] {
    return this.checkedYears.map((key, i) => {
      const [cityIdx, year] = key.split(':');
      return { city: this.names.cities[Number(cityIdx)].id, year, line: this.checkedLines[i] };
    });
  }
}

/** Whether the sorted array holds x (binary search). */
function isIn(sorted: Int32Array, x: number): boolean {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length && sorted[lo] === x;
}
