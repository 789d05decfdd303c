// The bulk path: a whole CSV ledger as bytes in (in chunks of any size), columns in typed arrays
// (no object per row), each person's year ordered by a counting sort on the group and a sort by date
// inside it, settlement on integer fen (engine/chain/fen.ts), and results out in input order: the same bytes
// as settleLedger + engine/output.ts write for the same file.
//
// Pure: no file system, no threads. The shells hand it bytes (cli/bulk.ts reads files; the Functions
// app can hand it a blob's chunks) and take the output bytes from a sink.
//
// Every row the fast checks do not pass (a bad cell, a quoted cell, an unknown name …) goes through the
// engine's own validateClaim, so reasons are the engine's; every person-year whose rules have no
// integer form, or whose bases pass the integer bound, is settled by the decimal executor (engine/chain/decimal.ts).
import type DecimalBase from 'decimal.js';
import { YibaoError } from '../errors';
import { Decimal } from '../money';
import { normalizeName, resolveCategory, resolveCity } from '../catalog';
import { parseKind, parseDate, validateClaim, type ValidClaim } from '../claims';
import { headerPlan } from '../nhsa';
import { tableLedgerRows, emptyTotals, policyViolationsOf, type LedgerOutcome, type Totals } from '../ledger';
import { TOTAL_FIELDS, UNKNOWN_KEY, groupsFromSums, type GroupKey, type GroupSum, type LedgerGroups } from '../summary';
import { rosterVerdictIn, categoryDifference, type RosterIndex, type RosterEntry, type CategoryDifference } from '../roster';
import { isIsoDate } from '../policy/load';
import { paramsAt, rulesFor, type CategoryRules, type Params } from '../policy/resolve';
import { checkClaim, type Violation } from '../floors';
import { newYearState, settleClaim } from '../chain/decimal';
import { csvCell, csvLine } from '../csv';
import { RESULT_COLUMNS } from '../output';
import type { Book, CityDef } from '../policy/load';
import type { Scenario } from '../scenario';
import type { CategoryId, ClaimResult, HospitalLevel, Rejection } from '../types';
import { parseFenBytes } from '../fast/amount';
import { CATEGORY_CHANGED, KIND_CODES, LEVEL_CODES, planOf, type Plan } from '../chain/plan';
import { compileFen, settleFen, STATE_SIZE, type FenPlan } from '../chain/fen';
import { ByteInterner, I32, Money32, U16, U8, MAX_KEY_BYTES, hashBytes } from './columns';
import type { PartWriter, PartSummary } from './partition';

/** The bulk path cannot take this run (the platform's column names, an over-long key …): use settleLedger. */
export class BulkUnsupported extends Error {}

export interface BulkOptions {
  scenario?: Scenario;
  /** About how many rows to expect (e.g. file size / 80): sizes the hash tables once. */
  rowsHint?: number;
  /**
   * 'both' (default): one instance reads and settles. 'reader': scan records and find duplicates only,
   * handing batches to onBatch (e.g. in a worker thread); 'settler': take those batches (consume) and do the rest.
   */
  role?: 'both' | 'reader' | 'settler' | 'splitter';
  onBatch?: (batch: RecordBatch) => void;
  /**
   * 'reader': a batch the consumer has finished with (handed back across threads), whose arrays the
   * next batch reuses: fresh ones each time pile up as garbage outside the heap until a collection.
   */
  spare?: () => RecordBatch | undefined;
  /** 'reader': look for repeated claim ids (default); false when the batches go to a splitter, which leaves that to partition.ts. */
  findDuplicates?: boolean;
  /**
   * 'splitter' (engine/bulk/partition.ts): rows that can be read go to this writer by a hash of the
   * person, with their claim ids by a hash of the id; rows that cannot be read are rejected here.
   */
  split?: PartWriter;
  /**
   * A partition a splitter wrote: the input line of each record (records keep their input order),
   * and the sorted lines whose claim_id came earlier in the whole ledger (partition.ts duplicateLines).
   */
  lines?: Int32Array;
  duplicates?: Int32Array;
  /**
   * Totals per group (engine/summary.ts GroupKey) beside the ledger's own, in exact fen: groupSums() /
   * groupSummary(), what summarize gives for settleLedger's results. `county` is the row's county
   * cell (the last column named county), else the roster's (opts.roster), else UNKNOWN_KEY.
   */
  groups?: GroupKey[];
  /**
   * --roster (engine/roster.ts rosterCategories, row by row): each readable record is settled under
   * the category the roster has in force on its date. A splitter writes that category into the
   * record it hands the partition (and, with groups by county, the county as a last column named
   * county), so that the partitions need no roster.
   */
  roster?: BulkRoster;
}

export interface BulkRoster {
  index: RosterIndex;
  /** Each record settled under another category than the ledger's, in input order (none: not reported, e.g. a what-if run). */
  onDifference?: (d: CategoryDifference) => void;
}

const KIND_NAMES = KIND_CODES;

/**
 * Records as the reader hands them on: the bytes, and per record its line, status (0 readable,
 * 1 unterminated quote, 2 wrong number of cells, 3 duplicate claim_id), claim number, cell count,
 * first cell, and where its bytes start and end; per cell its start, end and whether it is quoted.
 * The header comes as cells and as its bytes.
 */
export interface RecordBatch { header?: string[]; headerBytes?: Uint8Array; buf: Uint8Array; count: number; meta: Int32Array; cells: Int32Array; quoted: Uint8Array }
const META = 7;

/** What the reader hands the settler at the end: the claim ids (shared memory where there is any). */
export type IdsExport = ReturnType<ByteInterner['exportShared']>;

const COMMA = 44, LF = 10, CR = 13, QUOTE = 34;
const COMMA_BYTES = new Uint8Array([COMMA]);
const COUNTY_HEADING = new TextEncoder().encode('county');

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
const FIELDS = ['claim_id', 'person_id', 'category', 'city', 'date', 'kind', 'hospital_level', 'total', 'compliant', 'basic_paid'] as const;
const F_ID = 0, F_PERSON = 1, F_CAT = 2, F_CITY = 3, F_DATE = 4, F_KIND = 5, F_LEVEL = 6, F_TOTAL = 7, F_COMPLIANT = 8, F_BASIC = 9;
const CACHE_LIMIT = 20_000;

/** One compiled rule set: a city's parameters on a date (under the scenario) for one category. */
interface RuleSet { city: CityDef; cityIdx: number; catIdx: number; params: Params; rules: CategoryRules; category: CategoryId; plan: Plan; fast: FenPlan | null }

/** A claim rule of floors.json in integer form: result field OP whole fen. */
interface FastClaimRule { field: number; op: string; fen: number; text: string; violation: Omit<Violation, 'left'> }

const RESULT_FIELDS = ['basic', 'critical', 'assistance', 'reassist', 'oop_compliant', 'oop_total'];

/** src[0, n) copied into the whole of old's buffer when it is large enough, else into a new array (a quarter to spare). */
function reuse<T extends Uint8Array | Int32Array>(old: T | undefined, src: T, n: number, make: (n: number) => T): T {
  let out = old ? (new (old.constructor as new (b: ArrayBufferLike) => T)(old.buffer)) : undefined;
  if (!out || out.length < n) out = make(n + (n >> 2));
  out = out.subarray(0, n) as T;
  out.set(src.subarray(0, n) as never);
  return out;
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

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** A cache from short byte strings (with a tag, e.g. the city) to values: names as typed → what they resolve to. */
class ByteCache<V> {
  private keys: Uint8Array[] = [];
  private tags: number[] = [];
  private vals: V[] = [];
  private table = new Int32Array(1 << 16).fill(-1);
  private slot = 0;
  /** The cached value, or undefined (then put() may follow for the same key). */
  get(b: Uint8Array, s: number, e: number, tag: number): V | undefined {
    let h = (0x811c9dc5 ^ Math.imul(tag, 0x9e3779b1)) >>> 0;
    for (let i = s; i < e; i++) h = Math.imul(h ^ b[i], 0x01000193);
    const mask = this.table.length - 1;
    let slot = h & mask;
    for (;;) {
      const k = this.table[slot];
      if (k < 0) break;
      const key = this.keys[k];
      if (this.tags[k] === tag && key.length === e - s) {
        let j = 0;
        while (j < key.length && key[j] === b[s + j]) j++;
        if (j === key.length) return this.vals[k];
      }
      slot = (slot + 1) & mask;
    }
    this.slot = slot;
    return undefined;
  }
  put(b: Uint8Array, s: number, e: number, tag: number, v: V): void {
    if (this.keys.length >= CACHE_LIMIT) return;
    this.table[this.slot] = this.keys.length;
    this.keys.push(Uint8Array.prototype.slice.call(b, s, e)); // a copy (Buffer#slice would be a view)
    this.tags.push(tag);
    this.vals.push(v);
  }
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

export class BulkLedger {
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  private readonly encoder = new TextEncoder();
  // --- reading
  private carry: Uint8Array = new Uint8Array(0);
  private work = new Uint8Array(0);
  private line = 1;
  private started = false;
  private header: string[] | null = null;
  private ncols = 0;
  private col = new Int32Array(FIELDS.length).fill(-1);
  private cs = new Int32Array(64); // cell starts of the current record
  private ce = new Int32Array(64); // cell ends
  private cq = new Uint8Array(64); // cell quoted
  private ncells = 0;
  private recError = false;
  private ended = false;
  private readonly role: 'both' | 'reader' | 'settler' | 'splitter';
  private recIdx = 0;
  private bMeta = new Int32Array(1024 * META);
  private bCells = new Int32Array(1024 * 20);
  private bQuoted = new Uint8Array(1024 * 10);
  private bCount = 0;
  private bCellCount = 0;
  private bHeader: string[] | undefined;
  private bHeaderBytes: Uint8Array | undefined;
  // --- rows
  read = 0;
  private ids: ByteInterner;
  private readonly groups: ByteInterner;
  private groupCity: number[] = [];
  /** Per valid row (v = 0, 1, 2 … in input order). */
  private nValid = 0;
  private readonly vId = new I32();
  private readonly vGroup = new I32();
  private readonly vDay = new U16();
  private readonly vRule = new U16();
  private readonly vKind = new U8(); // bits 0–1: kind code (KIND_NAMES); bits 2–4: level code
  private readonly vTotal = new Money32();
  private readonly vCompliant = new Money32();
  private readonly vBasic = new Money32(); // given basic_paid or −1; after settling: basic
  private readonly vCritical = new Money32();
  private readonly vAssist = new Money32();
  private readonly vReassist = new Money32();
  private readonly vWarn = new U8(); // 0 none, 1 "0", 2 "1"
  private readonly vNotes = new U16(); // index into notes
  private readonly vLine: I32 | null; // a partition's input lines (to merge partitions back into input order)
  private notes: string[] = [''];
  private notesIndex = new Map<string, number>([['', 0]]);
  readonly rejections: Rejection[] = [];
  // --- names and rules
  private readonly cities: CityDef[] = [];
  private readonly cityCache = new ByteCache<number>(); // −1: not a city
  private readonly catCache = new ByteCache<number>(); // key: city + \0 + bytes
  private readonly categories: CategoryId[] = [];
  private readonly kindCache = new ByteCache<number>();
  private readonly levelCache = new ByteCache<number>();
  private readonly dateCache = new ByteCache<{ year: number; day: number; params: number } | null>();
  private readonly paramsList: Params[] = [];
  private readonly ruleIndex = new Map<string, number>();
  readonly ruleSets: RuleSet[] = [];
  private readonly checkedYears: string[] = [];
  private readonly checkedLines: number[] = []; // the first line of each of checkedYears
  private readonly claimRules = new Map<number, FastClaimRule[] | null>(); // per city; null: use checkClaim
  /** Person-years settled on the decimal path, and why (for reports). */
  decimalGroups = 0;
  fastGroups = 0;
  unsupportedReasons = new Set<string>();
  private settled = false;
  private basics = new Float64Array(64);
  private totals: Totals = emptyTotals();
  private warnings = 0;
  private findingCount = 0;
  private firstFinding: Violation | undefined;
  private firstFindingLine = -1; // a partition: the first line of the person-year with the first finding
  /** Claims with at least one claim-level finding (settleLedger's claimFindings.size). */
  findingClaims = 0;
  // --- groups (opts.groups): a slot per distinct key, per valid row its slot
  private readonly groupMask: number; // bits: city 1, county 2, category 4, month 8, year 16, kind 32
  private readonly vSlot: I32 | null;
  private readonly slotOfBase = new Map<number, number>();
  private readonly baseIds = new Map<number, number>();
  private readonly slotKeys: string[][] = [];
  private slotSums: GroupSum[] | null = null;
  private countyCol = -1;
  private readonly countyCache = new ByteCache<number>(); // the county cell as it is → county number (−1: empty)
  private readonly countyIds = new Map<string, number>();
  private readonly countyNames: string[] = [];
  private readonly countyCells: Uint8Array[] = [];
  private recCounty = 0; // the current record's county number
  // --- roster (opts.roster): the current record's city, date, person and the roster's word on them
  /** Readable records whose person is not on the roster (they keep the ledger's category). */
  notOnRoster = 0;
  private readonly appendCounty: boolean;
  private readonly rCity = new ByteCache<number>();
  private readonly rDate = new ByteCache<string | null>();
  private readonly rCat = new ByteCache<number>();
  private readonly idBytes = new Map<string, Uint8Array>();
  private recCat: CategoryId | null = null;
  private recVerdict: { category: CategoryId; entry?: RosterEntry } | undefined;
  private recCityIdx = -1;
  private recEntries: RosterEntry[] = [];

  constructor(private readonly book: Book, private readonly opts: BulkOptions = {}) {
    this.role = opts.role ?? 'both';
    this.ids = new ByteInterner(false, this.role === 'settler' || opts.duplicates ? 0 : opts.rowsHint ?? 0, this.role === 'reader');
    this.groups = new ByteInterner(true, this.role === 'reader' ? 0 : (opts.rowsHint ?? 0) / 2);
    this.vLine = opts.lines ? new I32() : null;
    const keys = opts.groups ?? [];
    this.groupMask = (['city', 'county', 'category', 'month', 'year', 'kind'] as const).reduce((m, g, i) => (keys.includes(g) ? m | (1 << i) : m), 0);
    this.vSlot = opts.groups && this.role !== 'splitter' && this.role !== 'reader' ? new I32() : null;
    this.appendCounty = this.role === 'splitter' && opts.roster !== undefined && (this.groupMask & 2) !== 0;
  }

  // -------------------------------------------------------------------------------------------
  // CSV bytes → records (engine/csv.ts readCsv, on bytes)

  /** Feed the next bytes of the file. */
  push(chunk: Uint8Array): void {
    if (this.ended) throw new Error('push after end');
    // a plain view: the caller may hand a Node Buffer it reuses, whose slice() would not copy
    if (!(Object.getPrototypeOf(chunk) === Uint8Array.prototype)) chunk = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let buf: Uint8Array;
    if (this.carry.length === 0) buf = chunk;
    else {
      // one buffer reused for every chunk: a new one each time leaves the allocator's heap fragmented
      const need = this.carry.length + chunk.length;
      if (this.work.length < need) this.work = new Uint8Array(Math.max(need, 2 * this.work.length));
      buf = this.work.subarray(0, need);
      buf.set(this.carry, 0);
      buf.set(chunk, this.carry.length);
    }
    const used = this.scan(buf, false);
    if (this.role === 'reader') this.flush(buf, used);
    // a copy: the caller may reuse its buffer (and Buffer#slice would not copy)
    this.carry = Uint8Array.prototype.slice.call(buf, used);
  }

  /** The file is complete: read what is left and settle. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.role !== 'settler') {
      this.scan(this.carry, true);
      if (this.role === 'reader') this.flush(this.carry, this.carry.length);
      this.carry = new Uint8Array(0);
    }
    if (this.header === null) throw new YibaoError('输入文件为空', 'the input is empty', 'fatal');
    this.ids.dropTable(); // no more lookups: the strings stay for the output
    if (this.role === 'reader') return;
    if (this.role === 'splitter') {
      this.opts.split!.end();
      return;
    }
    this.groups.dropTable();
    this.settle();
  }

  /** Scan complete records; returns how many bytes were consumed. */
  private scan(b: Uint8Array, final: boolean): number {
    const n = b.length;
    let i = 0;
    if (!this.started) {
      // TextDecoder drops one BOM, readCsv another
      if (n < 6 && !final) return 0;
      this.started = true;
      for (let k = 0; k < 2; k++) if (b[i] === 0xef && b[i + 1] === 0xbb && b[i + 2] === 0xbf) i += 3;
    }
    while (i < n) {
      const recStart = i;
      const recLine = this.line;
      let ncells = 0;
      let error = false;
      let complete = true;
      for (;;) {
        if (ncells === this.cs.length) this.growCells();
        const cellStart = i;
        let quoted = 0;
        if (i < n && b[i] === QUOTE) {
          quoted = 1;
          i++;
          let closed = false;
          while (i < n) {
            const c = b[i];
            if (c === QUOTE) {
              if (i + 1 >= n && !final) { complete = false; break; }
              if (i + 1 < n && b[i + 1] === QUOTE) { i += 2; continue; }
              i++;
              closed = true;
              break;
            }
            if (c === LF) this.line++;
            i++;
          }
          if (!complete) break;
          if (!closed) {
            if (!final) { complete = false; break; }
            error = true;
          }
        }
        while (i < n) {
          const c = b[i];
          if (c === COMMA || c === LF || c === CR) break;
          i++;
        }
        this.cs[ncells] = cellStart;
        this.ce[ncells] = i;
        this.cq[ncells] = quoted;
        ncells++;
        if (i >= n) {
          if (!final) complete = false;
          break;
        }
        const c = b[i];
        if (c === COMMA) { i++; continue; }
        if (c === CR) {
          if (i + 1 >= n && !final) { complete = false; break; }
          i++;
        }
        if (i < n && b[i] === LF) i++;
        this.line++;
        break;
      }
      if (!complete) {
        this.line = recLine;
        return recStart;
      }
      if (ncells === 1 && !error && this.ce[0] - this.cs[0] === (this.cq[0] ? 2 : 0)) continue; // blank line (or a lone "")
      this.ncells = ncells;
      this.recError = error;
      this.record(b, recLine, recStart, i);
    }
    return n;
  }

  private growCells(): void {
    const grow = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const out = make(a.length * 2);
      out.set(a);
      return out;
    };
    this.cs = grow(this.cs, (n) => new Int32Array(n));
    this.ce = grow(this.ce, (n) => new Int32Array(n));
    this.cq = grow(this.cq, (n) => new Uint8Array(n));
  }

  /** The text of cell k as readCsv gives it. */
  private cellText(b: Uint8Array, k: number): string {
    const s = this.cs[k], e = this.ce[k];
    if (!this.cq[k]) return this.decoder.decode(b.subarray(s, e));
    const out: number[] = [];
    let i = s + 1;
    for (; i < e; i++) {
      if (b[i] === QUOTE) {
        if (i + 1 < e && b[i + 1] === QUOTE) { out.push(QUOTE); i++; continue; }
        i++;
        break;
      }
      out.push(b[i]);
    }
    for (; i < e; i++) out.push(b[i]);
    return this.decoder.decode(Uint8Array.from(out));
  }

  private cells(b: Uint8Array): string[] {
    const out: string[] = [];
    for (let k = 0; k < this.ncells; k++) out.push(this.cellText(b, k));
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // records → columns

  private record(b: Uint8Array, line: number, start: number, end: number): void {
    if (this.header === null) {
      this.readHeader(this.cells(b));
      this.bHeader = this.header!;
      if (this.role === 'reader') this.bHeaderBytes = Uint8Array.prototype.slice.call(b, start, end);
      this.opts.split?.header(this.appendCounty ? this.withLastCell(b, start, end, COUNTY_HEADING) : b.subarray(start, end));
      return;
    }
    if (this.opts.lines) line = this.opts.lines[this.recIdx++];
    let status = 0;
    let idk = -1;
    if (this.recError) status = 1;
    else if (this.ncells !== this.ncols) status = 2;
    else if (this.role === 'splitter') {
      this.split(b, line, start, end);
      return;
    } else if (this.opts.findDuplicates !== false) {
      idk = this.claimNumber(b);
      if (idk >= 0 && (!this.ids.lastWasNew || (this.opts.duplicates !== undefined && isIn(this.opts.duplicates, line)))) status = 3;
    }
    if (this.role === 'reader') this.toBatch(line, status, idk, start, end);
    else this.handle(b, line, status, idk);
  }

  private toBatch(line: number, status: number, idk: number, start: number, end: number): void {
    if ((this.bCount + 1) * META > this.bMeta.length) {
      const m = new Int32Array(this.bMeta.length * 2);
      m.set(this.bMeta);
      this.bMeta = m;
    }
    while (this.bCellCount + this.ncells > this.bQuoted.length) {
      const c = new Int32Array(this.bCells.length * 2);
      c.set(this.bCells);
      this.bCells = c;
      const q = new Uint8Array(this.bQuoted.length * 2);
      q.set(this.bQuoted);
      this.bQuoted = q;
    }
    const m = this.bCount++ * META;
    this.bMeta[m] = line;
    this.bMeta[m + 1] = status;
    this.bMeta[m + 2] = idk;
    this.bMeta[m + 3] = this.ncells;
    this.bMeta[m + 4] = this.bCellCount;
    this.bMeta[m + 5] = start;
    this.bMeta[m + 6] = end;
    for (let k = 0; k < this.ncells; k++) {
      this.bCells[2 * this.bCellCount] = this.cs[k];
      this.bCells[2 * this.bCellCount + 1] = this.ce[k];
      this.bQuoted[this.bCellCount++] = this.cq[k];
    }
  }

  /** Hand on the records scanned from b[0, used) (reader role). */
  private flush(b: Uint8Array, used: number): void {
    if (this.bCount === 0 && !this.bHeader) return;
    const spare = this.opts.spare?.();
    const batch: RecordBatch = {
      header: this.bHeader,
      headerBytes: this.bHeaderBytes,
      buf: reuse(spare?.buf, b, used, (n) => new Uint8Array(n)),
      count: this.bCount,
      meta: reuse(spare?.meta, this.bMeta, this.bCount * META, (n) => new Int32Array(n)),
      cells: reuse(spare?.cells, this.bCells, this.bCellCount * 2, (n) => new Int32Array(n)),
      quoted: reuse(spare?.quoted, this.bQuoted, this.bCellCount, (n) => new Uint8Array(n)),
    };
    this.bHeader = undefined;
    this.bHeaderBytes = undefined;
    this.bCount = 0;
    this.bCellCount = 0;
    this.opts.onBatch!(batch);
  }

  /** Records from a reader (settler or splitter role; a splitter takes no roster this way). */
  consume(batch: RecordBatch): void {
    if (batch.header) {
      this.readHeader(batch.header);
      if (this.role === 'splitter') {
        if (this.appendCounty) throw new Error('consume: a splitter with a roster reads the file itself');
        this.opts.split!.header(batch.headerBytes!);
      }
    }
    const b = batch.buf;
    for (let r = 0; r < batch.count; r++) {
      const m = r * META;
      const n = batch.meta[m + 3];
      const base = batch.meta[m + 4];
      while (n > this.cs.length) this.growCells();
      for (let k = 0; k < n; k++) {
        this.cs[k] = batch.cells[2 * (base + k)];
        this.ce[k] = batch.cells[2 * (base + k) + 1];
        this.cq[k] = batch.quoted[base + k];
      }
      this.ncells = n;
      const status = batch.meta[m + 1];
      this.recError = status === 1;
      if (this.role === 'splitter' && status === 0) this.split(b, batch.meta[m], batch.meta[m + 5], batch.meta[m + 6]);
      else this.handle(b, batch.meta[m], status, batch.meta[m + 2]);
    }
  }

  /** The claim ids the reader kept (reader role, after end()). */
  exportIds(): IdsExport {
    return this.ids.exportShared();
  }

  /** Take the reader's claim ids and settle (settler role, after the last batch). */
  endWith(ids: IdsExport): void {
    this.ids = ByteInterner.adopt(ids);
    this.end();
  }

  /** Field f's cell as validateClaim reads it (trimmed text), as UTF-8 in tb[ts, te): a view of b where it can be. */
  private tb: Uint8Array = new Uint8Array(0);
  private ts = 0;
  private te = 0;
  private trimmed(b: Uint8Array, f: number): void {
    const k = this.col[f];
    let s = this.cs[k], e = this.ce[k];
    if (this.cq[k] || !this.plain(b, s, e)) {
      this.tb = this.encoder.encode(this.cellText(b, k).trim());
      this.ts = 0;
      this.te = this.tb.length;
      return;
    }
    while (s < e && isSpace(b[s])) s++;
    while (e > s && isSpace(b[e - 1])) e--;
    this.tb = b;
    this.ts = s;
    this.te = e;
  }

  /** The trimmed claim_id's number (−1: empty); lastWasNew says whether it is a first occurrence. */
  private claimNumber(b: Uint8Array): number {
    this.trimmed(b, F_ID);
    if (this.te === this.ts) return -1;
    if (this.te - this.ts > MAX_KEY_BYTES) throw new BulkUnsupported('claim_id too long');
    // a partition is told every repeated id's line (duplicates, found over the whole ledger), so it
    // only keeps its ids for the output and need not look them up
    if (this.opts.duplicates) return this.ids.append(this.tb, this.ts, this.te);
    return this.ids.intern(this.tb, this.ts, this.te);
  }

  /** Splitter: a readable record to its person's partition, its claim id to the id's. */
  private split(b: Uint8Array, line: number, start: number, end: number): void {
    this.read++;
    const w = this.opts.split!;
    this.trimmed(b, F_PERSON);
    if (this.te - this.ts > MAX_KEY_BYTES) throw new BulkUnsupported('person_id too long');
    const hash = hashBytes(this.tb, this.ts, this.te, 0);
    if (this.opts.roster) {
      // the roster's category written into the record (and the county beside it): partitions need no roster
      this.rosterRecord(b, line);
      w.row(hash, this.rewritten(b, start, end), line);
    } else w.row(hash, b.subarray(start, end), line);
    this.trimmed(b, F_ID);
    if (this.te - this.ts > MAX_KEY_BYTES) throw new BulkUnsupported('claim_id too long');
    if (this.te > this.ts) w.id(hashBytes(this.tb, this.ts, this.te, 1), this.tb.subarray(this.ts, this.te), line);
  }

  private handle(b: Uint8Array, line: number, status: number, idk: number): void {
    const seq = this.read++;
    if (status === 1 || status === 2) {
      // the engine's own words for an unreadable row
      const rows = tableLedgerRows(this.header!, [{ line, cells: this.cells(b), error: status === 1 ? 'unterminated quote' : undefined }]).rows;
      for (const row of rows) this.rejections.push({ line, claim_id: undefined, reason: row.error!.reason });
      return;
    }
    if (this.opts.roster) this.rosterRecord(b, line);
    if (status === 3) {
      const claimId = this.cellText(b, this.col[F_ID]).trim();
      this.rejections.push({ line, claim_id: claimId, reason: { zh: `claim_id ${claimId} 重复，以首次出现的行为准`, en: `duplicate claim_id ${claimId}: the first row stands` } });
      return;
    }
    if (this.groupMask & 2) this.recCounty = this.countyOfRecord(b);
    if (!this.fastRow(b, seq, line, idk)) this.slowRow(b, seq, line, idk);
  }

  // -------------------------------------------------------------------------------------------
  // --roster and the county (opts.roster, opts.groups)

  /**
   * The roster's word on the current record, as engine/roster.ts rosterCategories reads the row: its
   * city resolved, its date a valid YYYY-MM-DD, its person id not empty, else nothing; a person not
   * on the roster counts in notOnRoster. Sets recCat (the category to settle under, or null).
   */
  private rosterRecord(b: Uint8Array, line: number): void {
    this.recCat = null;
    this.recVerdict = undefined;
    this.recCityIdx = -1;
    const roster = this.opts.roster!;
    const kc = this.col[F_CITY];
    let cityIdx = this.rCity.get(b, this.cs[kc], this.ce[kc], 0);
    if (cityIdx === undefined) {
      cityIdx = this.resolve(() => this.cityIndex(resolveCity(this.book, this.cellText(b, kc))));
      this.rCity.put(b, this.cs[kc], this.ce[kc], 0, cityIdx);
    }
    if (cityIdx < 0) return;
    const kd = this.col[F_DATE];
    let date = this.rDate.get(b, this.cs[kd], this.ce[kd], 0);
    if (date === undefined) {
      const t = this.cellText(b, kd).trim();
      date = isIsoDate(t) ? t : null;
      this.rDate.put(b, this.cs[kd], this.ce[kd], 0, date);
    }
    if (date === null) return;
    // the person's entries, found by the bytes of the trimmed id (no string per row)
    const kp = this.col[F_PERSON];
    let ps = this.cs[kp], pe = this.ce[kp];
    let pb = b;
    if (this.cq[kp] || !this.plain(b, ps, pe)) {
      pb = this.encoder.encode(this.cellText(b, kp).trim());
      ps = 0;
      pe = pb.length;
    } else {
      while (ps < pe && isSpace(b[ps])) ps++;
      while (pe > ps && isSpace(b[pe - 1])) pe--;
    }
    if (pe === ps) return;
    const entries = rosterPersons(roster.index).find(pb, ps, pe);
    if (!entries) {
      this.notOnRoster++;
      return;
    }
    const city = this.cities[cityIdx];
    const verdict = rosterVerdictIn(roster.index, entries, city.id, date)!;
    this.recCityIdx = cityIdx;
    this.recEntries = entries;
    this.recVerdict = verdict;
    this.recCat = verdict.category;
    if (!roster.onDifference) return;
    const k = this.col[F_CAT];
    let own = this.rCat.get(b, this.cs[k], this.ce[k], cityIdx);
    if (own === undefined) {
      own = this.resolve(() => this.categoryIndex(resolveCategory(this.book, city, this.cellText(b, k))));
      this.rCat.put(b, this.cs[k], this.ce[k], cityIdx, own);
    }
    if (own < 0 || this.categories[own] !== verdict.category) {
      roster.onDifference(categoryDifference(line, this.cellText(b, this.col[F_ID]).trim(), this.cellText(b, k).trim(), verdict, date));
    }
  }

  /**
   * The current record's county number, as engine/summary.ts keyOf finds it: the county cell
   * (trimmed) if not empty, else the roster's county for the person, city and date, else UNKNOWN_KEY.
   */
  private countyOfRecord(b: Uint8Array): number {
    const k = this.countyCol;
    if (k >= 0) {
      let c = this.countyCache.get(b, this.cs[k], this.ce[k], 0);
      if (c === undefined) {
        const t = this.cellText(b, k).trim();
        c = t === '' ? -1 : this.countyNumber(t);
        this.countyCache.put(b, this.cs[k], this.ce[k], 0, c);
      }
      if (c >= 0) return c;
    }
    const v = this.recVerdict;
    if (v) return this.countyNumber(this.opts.roster!.index.countyIn(this.recEntries, this.cities[this.recCityIdx].id, v.entry) || UNKNOWN_KEY);
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
  private rewritten(b: Uint8Array, start: number, end: number): Uint8Array {
    if (this.recCat === null && !this.appendCounty) return b.subarray(start, end);
    const k = this.col[F_CAT];
    const tail = this.ce[this.ncells - 1]; // the record's line break (if any) follows its last cell
    const pieces: Uint8Array[] = [];
    let p = start;
    if (this.recCat !== null) {
      pieces.push(b.subarray(p, this.cs[k]), this.bytesOf(this.recCat));
      p = this.ce[k];
    }
    pieces.push(b.subarray(p, tail));
    if (this.appendCounty) pieces.push(COMMA_BYTES, this.countyCell(this.countyOfRecord(b)));
    pieces.push(b.subarray(tail, end));
    return concatBytes(pieces);
  }

  /** The header or a record with one more cell (the header's county). */
  private withLastCell(b: Uint8Array, start: number, end: number, cell: Uint8Array): Uint8Array {
    const tail = this.ce[this.ncells - 1];
    return concatBytes([b.subarray(start, tail), COMMA_BYTES, cell, b.subarray(tail, end)]);
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

  private bytesOf(text: string): Uint8Array {
    let b = this.idBytes.get(text);
    if (!b) this.idBytes.set(text, (b = this.encoder.encode(text)));
    return b;
  }

  /** True when bytes[s, e) are printable ASCII with no quote (the common cell). */
  private plain(b: Uint8Array, s: number, e: number): boolean {
    for (let i = s; i < e; i++) {
      const c = b[i];
      if (c >= 0x80 || c === QUOTE) return false;
    }
    return true;
  }

  private readHeader(cells: string[]): void {
    const columns = cells.map((c) => normalizeName(c).toLowerCase());
    if (headerPlan(columns, {}) !== null) throw new BulkUnsupported('the national platform\'s column names');
    tableLedgerRows(cells, []); // the engine's errors for a header it cannot use
    this.header = cells;
    this.ncols = cells.length;
    FIELDS.forEach((f, k) => (this.col[k] = columns.lastIndexOf(f)));
    this.countyCol = columns.lastIndexOf('county');
  }

  /** Range of field f in the current record, trimmed of ASCII spaces; null when the cell is quoted or absent. */
  private fs = 0;
  private fe = 0;
  private field(b: Uint8Array, f: number): boolean {
    const k = this.col[f];
    if (k < 0) {
      this.fs = this.fe = 0;
      return true;
    }
    if (this.cq[k]) return false;
    let s = this.cs[k], e = this.ce[k];
    while (s < e && isSpace(b[s])) s++;
    while (e > s && isSpace(b[e - 1])) e--;
    this.fs = s;
    this.fe = e;
    return true;
  }

  /** The fast checks; false when the row needs the engine's validateClaim (it may still be valid). */
  private fastRow(b: Uint8Array, seq: number, line: number, idk: number): boolean {
    if (idk < 0) return false;
    // person_id (plain ASCII, else the string path)
    if (!this.field(b, F_PERSON) || this.fe === this.fs || !this.plain(b, this.fs, this.fe) || this.fe - this.fs > MAX_KEY_BYTES) return false;
    const ps = this.fs, pe = this.fe;
    // city
    if (!this.field(b, F_CITY)) return false;
    let cityIdx = this.cityCache.get(b, this.fs, this.fe, 0);
    if (cityIdx === undefined) {
      cityIdx = this.resolve(() => this.cityIndex(resolveCity(this.book, this.decoder.decode(b.subarray(this.fs, this.fe)))));
      this.cityCache.put(b, this.fs, this.fe, 0, cityIdx);
    }
    if (cityIdx < 0) return false;
    const city = this.cities[cityIdx];
    // category (under --roster: the roster's, read as if it were the cell)
    let catIdx: number | undefined;
    if (this.recCat === null) {
      if (!this.field(b, F_CAT)) return false;
      catIdx = this.catCache.get(b, this.fs, this.fe, cityIdx);
      if (catIdx === undefined) {
        catIdx = this.resolve(() => this.categoryIndex(resolveCategory(this.book, city, this.decoder.decode(b.subarray(this.fs, this.fe)))));
        this.catCache.put(b, this.fs, this.fe, cityIdx, catIdx);
      }
    } else {
      const id = this.bytesOf(this.recCat);
      catIdx = this.catCache.get(id, 0, id.length, cityIdx);
      if (catIdx === undefined) {
        const text = this.recCat;
        catIdx = this.resolve(() => this.categoryIndex(resolveCategory(this.book, city, text)));
        this.catCache.put(id, 0, id.length, cityIdx, catIdx);
      }
    }
    if (catIdx < 0) return false;
    // date, and with it the parameters in force
    if (!this.field(b, F_DATE)) return false;
    let date = this.dateCache.get(b, this.fs, this.fe, cityIdx);
    if (date === undefined) {
      try {
        const d = parseDate(this.decoder.decode(b.subarray(this.fs, this.fe)));
        date = { year: Number(d.slice(0, 4)), day: Number(d.slice(5, 7)) * 32 + Number(d.slice(8, 10)), params: this.paramsIndex(paramsAt(this.book, city, d, this.opts.scenario)) };
      } catch (e) {
        if (!(e instanceof YibaoError)) throw e;
        date = null;
      }
      this.dateCache.put(b, this.fs, this.fe, cityIdx, date);
    }
    if (date === null) return false;
    // kind and level
    if (!this.field(b, F_KIND)) return false;
    let kind = this.kindCache.get(b, this.fs, this.fe, 0);
    if (kind === undefined) {
      kind = this.resolve(() => KIND_NAMES.indexOf(parseKind(this.decoder.decode(b.subarray(this.fs, this.fe)))));
      this.kindCache.put(b, this.fs, this.fe, 0, kind);
    }
    if (kind < 0) return false;
    if (!this.field(b, F_LEVEL)) return false;
    let level = 0;
    if (this.fe > this.fs) {
      let l = this.levelCache.get(b, this.fs, this.fe, 0);
      if (l === undefined) {
        const text = normalizeName(this.decoder.decode(b.subarray(this.fs, this.fe))).toLowerCase();
        l = text === '' ? 0 : -1;
        for (let k = 1; k < LEVEL_CODES.length; k++) if (text === LEVEL_CODES[k]) l = k;
        if (l < 0) {
          // the Chinese names go through the engine (via a one-row validation): cache what it says
          l = this.resolve(() => {
            const lv = this.levelOf(this.decoder.decode(b.subarray(this.fs, this.fe)));
            return lv === undefined ? 0 : LEVEL_CODES.indexOf(lv);
          });
        }
        this.levelCache.put(b, this.fs, this.fe, 0, l);
      }
      if (l < 0) return false;
      level = l;
    }
    // amounts
    if (!this.field(b, F_TOTAL)) return false;
    const total = parseFenBytes(b, this.fs, this.fe);
    if (total < 0) return false;
    if (!this.field(b, F_COMPLIANT)) return false;
    const compliant = parseFenBytes(b, this.fs, this.fe);
    if (compliant < 0 || compliant > total) return false;
    if (!this.field(b, F_BASIC)) return false;
    let basic = -1;
    if (this.fe > this.fs) {
      basic = parseFenBytes(b, this.fs, this.fe);
      if (basic < 0 || basic > compliant) return false;
    }
    // rules
    const rule = this.ruleSet(date.params, catIdx, cityIdx);
    if (rule < 0) return false;
    if (!this.ruleSets[rule].plan.chains[kind]) return false;
    const group = this.groups.intern(b, ps, pe, cityIdx * 10000 + date.year);
    if (this.groups.lastWasNew) this.groupCity[group] = cityIdx;
    this.addValid(line, idk, group, date.day, rule, kind | (level << 2), total, compliant, basic, cityIdx, date.year, kind);
    void seq;
    return true;
  }

  /** Hospital level as the engine reads it (claims.ts parseLevel is private: validate a probe row). */
  private levelOf(text: string): HospitalLevel | undefined {
    const city = this.cities[0] ?? [...this.book.cities.values()][0];
    const probe = validateClaim(this.book, { claim_id: 'x', person_id: 'x', city: city.id, category: 'ordinary', date: '2099-01-01', kind: 'inpatient', hospital_level: text, total: '0', compliant: '0' }, 0);
    return probe.claim.hospital_level;
  }

  private resolve(f: () => number): number {
    try {
      return f();
    } catch (e) {
      if (e instanceof YibaoError) return -1;
      throw e;
    }
  }

  private cityIndex(city: CityDef): number {
    let k = this.cities.indexOf(city);
    if (k < 0) k = this.cities.push(city) - 1;
    return k;
  }

  private categoryIndex(cat: CategoryId): number {
    let k = this.categories.indexOf(cat);
    if (k < 0) k = this.categories.push(cat) - 1;
    return k;
  }

  private paramsIndex(p: Params): number {
    let k = this.paramsList.indexOf(p);
    if (k < 0) k = this.paramsList.push(p) - 1;
    return k;
  }

  /** Compiled rules for (parameters, category); −1 when the engine's rulesFor refuses. */
  private ruleSet(paramsIdx: number, catIdx: number, cityIdx: number): number {
    const key = `${paramsIdx}:${catIdx}`;
    let r = this.ruleIndex.get(key);
    if (r !== undefined) return r;
    const city = this.cities[cityIdx];
    const params = this.paramsList[paramsIdx];
    const category = this.categories[catIdx];
    try {
      const rules = rulesFor(city, params, category);
      const plan = planOf(rules, params);
      const c = compileFen(plan);
      if ('unsupported' in c) this.unsupportedReasons.add(c.unsupported);
      r = this.ruleSets.push({ city, cityIdx, catIdx, params, rules, category, plan, fast: 'fen' in c ? c.fen : null }) - 1;
      if (r > 0xfffe) throw new BulkUnsupported('too many rule sets');
    } catch (e) {
      if (!(e instanceof YibaoError)) throw e;
      r = -1;
    }
    this.ruleIndex.set(key, r);
    return r;
  }

  /** The engine's validateClaim on the row's text: its reason, or the claim if valid after all. */
  private slowRow(b: Uint8Array, seq: number, line: number, idk: number): void {
    const cells = this.cells(b);
    const fields: Record<string, string> = Object.create(null);
    this.header!.forEach((c, i) => (fields[normalizeName(c).toLowerCase()] = cells[i]));
    if (this.recCat !== null) fields.category = this.recCat;
    const claimId = fields.claim_id?.trim() || undefined;
    let v: ValidClaim;
    try {
      v = validateClaim(this.book, fields, seq, this.opts.scenario);
    } catch (e) {
      if (!(e instanceof YibaoError)) throw e;
      this.rejections.push({ line, claim_id: claimId, reason: e.reason });
      return;
    }
    const c = v.claim;
    const cityIdx = this.cityIndex(this.book.cities.get(c.city)!);
    const catIdx = this.categoryIndex(c.category);
    const rule = this.ruleSet(this.paramsIndex(v.params), catIdx, cityIdx);
    if (rule < 0 || this.ruleSets[rule].rules !== v.rules) throw new Error('bulk: rules differ from validateClaim');
    const person = this.encoder.encode(c.person_id);
    if (person.length > MAX_KEY_BYTES) throw new BulkUnsupported('person_id too long');
    const year = Number(c.date.slice(0, 4));
    const group = this.groups.intern(person, 0, person.length, cityIdx * 10000 + year);
    if (this.groups.lastWasNew) this.groupCity[group] = cityIdx;
    const level = c.hospital_level === undefined ? 0 : LEVEL_CODES.indexOf(c.hospital_level);
    const fen = (d: DecimalBase) => Number(d.times(100).toFixed(0));
    this.addValid(line, idk, group, Number(c.date.slice(5, 7)) * 32 + Number(c.date.slice(8, 10)), rule, KIND_NAMES.indexOf(c.kind) | (level << 2), fen(c.total), fen(c.compliant), c.basic_paid === undefined ? -1 : fen(c.basic_paid), cityIdx, year, KIND_NAMES.indexOf(c.kind));
  }

  private addValid(line: number, idk: number, group: number, day: number, rule: number, kind: number, total: number, compliant: number, basic: number, cityIdx: number, year: number, kindCode: number): void {
    const v = this.nValid++;
    if (this.vSlot) this.vSlot.set(v, this.slotOf(rule, year, day >> 5, kindCode));
    this.vLine?.set(v, line);
    this.vId.set(v, idk);
    this.vGroup.set(v, group);
    this.vDay.set(v, day);
    this.vRule.set(v, rule);
    this.vKind.set(v, kind);
    this.vTotal.set(v, total);
    this.vCompliant.set(v, compliant);
    this.vBasic.set(v, basic);
    const key = `${cityIdx}:${year}`;
    if (this.checkedYears.length < 10_000 && !this.checkedYears.includes(key)) {
      this.checkedYears.push(key);
      this.checkedLines.push(line);
    }
  }

  // -------------------------------------------------------------------------------------------
  // settle: counting sort by person-year, then by date (ties in input order) inside each

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    const G = this.groups.size;
    const V = this.nValid;
    const start = new Int32Array(G + 1);
    for (let v = 0; v < V; v++) start[this.vGroup.get(v) + 1]++;
    for (let g = 0; g < G; g++) start[g + 1] += start[g];
    const order = new Int32Array(V);
    const fill = start.slice(0, G);
    for (let v = 0; v < V; v++) order[fill[this.vGroup.get(v)]++] = v;
    const state = new Float64Array(STATE_SIZE);
    const out = new Float64Array(4);
    for (let g = 0; g < G; g++) {
      const s = start[g], e = start[g + 1];
      const first = order[s]; // the group's first row in input order (before the sort by day)
      // insertion sort by day (stable: input order among equal days)
      for (let i = s + 1; i < e; i++) {
        const v = order[i];
        const day = this.vDay.get(v);
        let j = i - 1;
        while (j >= s && this.vDay.get(order[j]) > day) {
          order[j + 1] = order[j];
          j--;
        }
        order[j + 1] = v;
      }
      let fast = true;
      for (let i = s; i < e; i++) if (this.ruleSets[this.vRule.get(order[i])].fast === null) fast = false;
      if (fast && this.settleGroupFast(order, s, e, state, out)) this.fastGroups++;
      else {
        this.settleGroupDecimal(order, s, e, g);
        this.decimalGroups++;
      }
      if (this.firstFinding !== undefined && this.firstFindingLine < 0 && this.vLine) this.firstFindingLine = this.vLine.get(first);
    }
    this.sumTotals();
    if (this.vSlot) this.sumGroups();
  }

  // -------------------------------------------------------------------------------------------
  // totals per group (opts.groups)

  /** The slot of a valid row's group key (a key may have more than one slot: groupsFromSums adds them up). */
  private slotOf(rule: number, year: number, month: number, kindCode: number): number {
    const m = this.groupMask;
    const rs = this.ruleSets[rule];
    // city < 2^10, category < 2^10, year < 2^14, month < 2^4, kind < 2^2: 40 bits
    const base = ((((m & 1 ? rs.cityIdx : 0) * 1024 + (m & 4 ? rs.catIdx : 0)) * 16384 + (m & 24 ? year : 0)) * 16 + (m & 8 ? month : 0)) * 4 + (m & 32 ? kindCode : 0);
    let key = base;
    if (m & 2) {
      let id = this.baseIds.get(base);
      if (id === undefined) this.baseIds.set(base, (id = this.baseIds.size));
      key = id * 2 ** 32 + this.recCounty;
    }
    let slot = this.slotOfBase.get(key);
    if (slot === undefined) {
      slot = this.slotKeys.length;
      if (slot >= 1 << 20) throw new BulkUnsupported('too many groups');
      const y = String(year).padStart(4, '0');
      const cells: Record<GroupKey, string> = { city: rs.city.id, county: this.countyNames[this.recCounty], category: rs.category, month: `${y}-${String(month).padStart(2, '0')}`, year: y, kind: KIND_NAMES[kindCode] };
      this.slotKeys.push(this.opts.groups!.map((g) => cells[g]));
      this.slotOfBase.set(key, slot);
    }
    return slot;
  }

  /** Fen sums per slot in exact integers (as sumTotals: each float sum flushed before 2^15 amounts). */
  private sumGroups(): void {
    const n = this.slotKeys.length;
    const acc = new Float64Array(n * 8);
    const pending = new Int32Array(n);
    const claims = new Float64Array(n);
    const warnings = new Float64Array(n);
    const sums = new Array<bigint>(n * 8).fill(0n);
    const flush = (s: number) => {
      for (let k = s * 8; k < s * 8 + 8; k++) {
        sums[k] += BigInt(acc[k]);
        acc[k] = 0;
      }
      pending[s] = 0;
    };
    for (let v = 0; v < this.nValid; v++) {
      const s = this.vSlot!.get(v);
      const total = this.vTotal.get(v), compliant = this.vCompliant.get(v);
      const b = this.vBasic.get(v), c = this.vCritical.get(v), a = this.vAssist.get(v), r = this.vReassist.get(v);
      const paid = b + c + a + r;
      const o = s * 8;
      acc[o] += total; acc[o + 1] += compliant; acc[o + 2] += b; acc[o + 3] += c; acc[o + 4] += a; acc[o + 5] += r; acc[o + 6] += compliant - paid; acc[o + 7] += total - paid;
      claims[s]++;
      if (this.vWarn.get(v) === 2) warnings[s]++;
      if (++pending[s] === 0x7fff) flush(s);
    }
    const yuan = (f: bigint) => `${f / 100n}.${String(f % 100n).padStart(2, '0')}`; // f ≥ 0
    this.slotSums = this.slotKeys.map((key, s) => {
      flush(s);
      return { key, claims: claims[s], warnings: warnings[s], totals: sums.slice(s * 8, s * 8 + 8).map(yuan) };
    });
  }

  /** Sums per group (opts.groups), plain data: what a partition hands on (groupsFromSums adds them up). */
  groupSums(): GroupSum[] {
    if (!this.opts.groups) throw new Error('groupSums: no groups asked for');
    this.settle();
    return this.slotSums!;
  }

  /** Totals per group: what engine/summary.ts summarize gives for settleLedger's outcome. */
  groupSummary(): LedgerGroups {
    return groupsFromSums(this.opts.groups!, this.groupSums());
  }

  private settleGroupFast(order: Int32Array, s: number, e: number, state: Float64Array, out: Float64Array): boolean {
    state.fill(0);
    if (this.basics.length < e - s) this.basics = new Float64Array(Math.max(e - s, this.basics.length * 2));
    const basics = this.basics;
    const findingCount = this.findingCount, firstFinding = this.firstFinding, findingClaims = this.findingClaims;
    let firstCat = -1;
    let otherCats: number[] | null = null;
    for (let i = s; i < e; i++) {
      const v = order[i];
      const rs = this.ruleSets[this.vRule.get(v)];
      const k = this.vKind.get(v);
      if (!settleFen(rs.fast!, k & 3, k >> 2, this.vCompliant.get(v), this.vBasic.get(v), state, out)) {
        // past the integer bound: put back the given basic_paid and settle this person-year in decimals
        for (let j = s; j < i; j++) this.vBasic.set(order[j], basics[j - s]);
        this.findingCount = findingCount;
        this.firstFinding = firstFinding;
        this.findingClaims = findingClaims;
        return false;
      }
      basics[i - s] = this.vBasic.get(v);
      // the category-changed note, as the decimal executor gives it
      const cat = rs.catIdx;
      let changed = false;
      if (firstCat < 0) firstCat = cat;
      else if (cat !== firstCat && !(otherCats?.includes(cat) ?? false)) {
        changed = true;
        (otherCats ??= []).push(cat);
      }
      const total = this.vTotal.get(v), compliant = this.vCompliant.get(v);
      this.vBasic.set(v, out[0]);
      this.vCritical.set(v, out[1]);
      this.vAssist.set(v, out[2]);
      this.vReassist.set(v, out[3]);
      const paid = out[0] + out[1] + out[2] + out[3];
      const w = rs.fast!.warning;
      this.vWarn.set(v, w < 0 ? 0 : total - paid > w ? 2 : 1);
      const planNotes = rs.plan.chains[k & 3]!.notes;
      let findings: string[] | null = null;
      if (compliant > 0) findings = this.findingsFast(rs, v, total, compliant);
      if (changed || planNotes.length || findings) {
        const parts: string[] = [];
        if (changed) parts.push(CATEGORY_CHANGED.zh);
        for (const n of planNotes) parts.push(n.zh);
        if (findings) parts.push(...findings);
        this.vNotes.set(v, this.noteIndex(parts.join('；')));
      } else this.vNotes.set(v, 0);
    }
    return true;
  }

  /** Claim-level findings (floors.json rules on: claim), in integer form where they have one. */
  private findingsFast(rs: RuleSet, v: number, total: number, compliant: number): string[] | null {
    let rules = this.claimRules.get(rs.cityIdx);
    if (rules === undefined) {
      rules = this.compileClaimRules(rs.city);
      this.claimRules.set(rs.cityIdx, rules);
    }
    if (rules === null) {
      const f = checkClaim(this.book, rs.city, rs.params, this.resultOf(v, rs, total, compliant));
      if (!f.length) return null;
      this.noteFindings(f);
      return f.map((x) => `${x.zh}〔${x.source}〕`);
    }
    if (rules.length === 0) return null;
    const basic = this.vBasic.get(v), crit = this.vCritical.get(v), as = this.vAssist.get(v), re = this.vReassist.get(v);
    const paid = basic + crit + as + re;
    let out: string[] | null = null;
    for (const r of rules) {
      const f = r.field;
      const x = f === 0 ? basic : f === 1 ? crit : f === 2 ? as : f === 3 ? re : f === 4 ? compliant - paid : total - paid;
      const ok = r.op === '>' ? x > r.fen : r.op === '>=' ? x >= r.fen : r.op === '<' ? x < r.fen : r.op === '<=' ? x <= r.fen : x === r.fen;
      if (!ok) {
        (out ??= []).push(r.text);
        if (!this.firstFinding) this.firstFinding = { ...r.violation, left: new Decimal(x).div(100).toFixed() };
        this.findingCount++;
      }
    }
    if (out) this.findingClaims++;
    return out;
  }

  private noteFindings(f: Violation[]): void {
    if (!this.firstFinding) this.firstFinding = f[0];
    this.findingCount += f.length;
    this.findingClaims++;
  }

  private compileClaimRules(city: CityDef): FastClaimRule[] | null {
    const out: FastClaimRule[] = [];
    for (const rule of this.book.floors) {
      if (rule.on !== 'claim') continue;
      const applies = rule.scope === 'national' || (rule.scope.startsWith('province:') ? city.province === rule.scope.slice(9) : city.id === rule.scope.slice(5));
      if (!applies) continue;
      const m = /^\s*([a-z_]+)\s+(>=|<=|==|<|>)\s+(\d+(\.\d{1,2})?)\s*$/.exec(rule.check);
      if (rule.for || !m || !RESULT_FIELDS.includes(m[1])) return null;
      const fen = Number(new Decimal(m[3]).times(100).toFixed(0));
      out.push({ field: RESULT_FIELDS.indexOf(m[1]), op: m[2], fen, text: `${rule.zh}〔${rule.source}〕`, violation: { rule: rule.id, source: rule.source, zh: rule.zh, en: rule.en, check: rule.check, right: new Decimal(m[3]).toFixed(), city: city.id } });
    }
    return out;
  }

  /** A ClaimResult with the amounts of row v (for checkClaim on rules without an integer form). */
  private resultOf(v: number, rs: RuleSet, total: number, compliant: number): ClaimResult {
    const d = (f: number) => new Decimal(f).div(100);
    const basic = this.vBasic.get(v), crit = this.vCritical.get(v), as = this.vAssist.get(v), re = this.vReassist.get(v);
    const paid = basic + crit + as + re;
    return { claim_id: '', basic: d(basic), critical: d(crit), assistance: d(as), reassist: d(re), oop_compliant: d(compliant - paid), oop_total: d(total - paid), warning: null, steps: [], notes: [], city: rs.city.id, category: rs.category, date: `${this.dayYear(v)}`, kind: (this.vKind.get(v) & 1) === 1 ? 'special_drug' : 'inpatient' };
  }

  private dayYear(v: number): string {
    const g = this.vGroup.get(v);
    const year = this.groups.tag!.get(g) % 10000;
    const day = this.vDay.get(v);
    return `${year}-${String(day >> 5).padStart(2, '0')}-${String(day & 31).padStart(2, '0')}`;
  }

  private settleGroupDecimal(order: Int32Array, s: number, e: number, g: number): void {
    void g;
    const state = newYearState();
    for (let i = s; i < e; i++) {
      const v = order[i];
      const rs = this.ruleSets[this.vRule.get(v)];
      const k = this.vKind.get(v);
      const d = (f: number) => new Decimal(f).div(100);
      const basicGiven = this.vBasic.get(v);
      const total = this.vTotal.get(v), compliant = this.vCompliant.get(v);
      const claim = {
        claim_id: '', person_id: '', category: rs.category, city: rs.city.id, date: this.dayYear(v), kind: KIND_NAMES[k & 3],
        hospital_level: LEVEL_CODES[k >> 2], total: d(total), compliant: d(compliant), basic_paid: basicGiven < 0 ? undefined : d(basicGiven), seq: v,
      };
      const r = settleClaim(claim, rs.plan, state);
      const fen = (x: DecimalBase) => Number(x.times(100).toFixed(0));
      this.vBasic.set(v, fen(r.basic));
      this.vCritical.set(v, fen(r.critical));
      this.vAssist.set(v, fen(r.assistance));
      this.vReassist.set(v, fen(r.reassist));
      this.vWarn.set(v, r.warning === null ? 0 : r.warning ? 2 : 1);
      const findings = claim.compliant.gt(0) ? checkClaim(this.book, rs.city, rs.params, r) : [];
      if (findings.length) this.noteFindings(findings);
      this.vNotes.set(v, this.noteIndex([...r.notes.map((n) => n.zh), ...findings.map((f) => `${f.zh}〔${f.source}〕`)].join('；')));
    }
  }

  private noteIndex(text: string): number {
    let k = this.notesIndex.get(text);
    if (k === undefined) {
      k = this.notes.length;
      if (k > 0xffff) throw new BulkUnsupported('too many distinct notes');
      this.notes.push(text);
      this.notesIndex.set(text, k);
    }
    return k;
  }

  private sumTotals(): void {
    // fen sums in exact integers: flushed to BigInt well before 2^53
    const sums = new Array<bigint>(8).fill(0n);
    const acc = new Float64Array(8);
    for (let v = 0; v < this.nValid; v++) {
      const total = this.vTotal.get(v), compliant = this.vCompliant.get(v);
      const b = this.vBasic.get(v), c = this.vCritical.get(v), a = this.vAssist.get(v), r = this.vReassist.get(v);
      const paid = b + c + a + r;
      acc[0] += total; acc[1] += compliant; acc[2] += b; acc[3] += c; acc[4] += a; acc[5] += r; acc[6] += compliant - paid; acc[7] += total - paid;
      if (this.vWarn.get(v) === 2) this.warnings++;
      if ((v & 0x7fff) === 0x7fff) this.flushSums(sums, acc);
    }
    this.flushSums(sums, acc);
    const d = (x: bigint) => new Decimal(x.toString()).div(100);
    this.totals = { total: d(sums[0]), compliant: d(sums[1]), basic: d(sums[2]), critical: d(sums[3]), assistance: d(sums[4]), reassist: d(sums[5]), oop_compliant: d(sums[6]), oop_total: d(sums[7]) };
  }

  private flushSums(sums: bigint[], acc: Float64Array): void {
    for (let k = 0; k < 8; k++) {
      sums[k] += BigInt(acc[k]);
      acc[k] = 0;
    }
  }

  // -------------------------------------------------------------------------------------------
  // output

  /**
   * The results CSV (engine/output.ts resultsTable without explanations), in pieces handed to `sink`
   * (each piece is only valid during the call: copy it or write it at once).
   */
  writeResults(sink: (bytes: Uint8Array) => void, pieceBytes = 1 << 20): void {
    this.emit(sink, pieceBytes, false);
  }

  /**
   * A partition's results for partition.ts mergeResults: no header, each row framed by its input line
   * and length (two little-endian int32) so that the partitions can be merged back into input order.
   */
  writeFramed(sink: (bytes: Uint8Array) => void, pieceBytes = 1 << 20): void {
    if (!this.vLine) throw new Error('writeFramed: not a partition');
    this.emit(sink, pieceBytes, true);
  }

  private emit(sink: (bytes: Uint8Array) => void, pieceBytes: number, framed: boolean): void {
    this.settle();
    // the slack above pieceBytes holds a whole row (a claim id is at most MAX_KEY_BYTES), so a framed
    // row is never cut between two pieces before its length is filled in
    const buf = new Uint8Array(pieceBytes + 65536);
    const frame = new DataView(buf.buffer);
    let p = 0;
    const enc = this.encoder;
    const put = (bytes: Uint8Array) => {
      if (p + bytes.length > buf.length) {
        sink(buf.subarray(0, p));
        p = 0;
        if (bytes.length > buf.length) { sink(bytes); return; }
      }
      buf.set(bytes, p);
      p += bytes.length;
    };
    if (!framed) put(enc.encode(csvLine([...RESULT_COLUMNS])));
    const notes = this.notes.map((n) => enc.encode(csvCell(n)));
    const digits = new Uint8Array(24);
    const money = (f: number) => {
      // f ≥ 0 integer fen → "yuan.ff"
      let n = 0;
      let x = f;
      do {
        digits[n++] = 48 + (x % 10);
        x = Math.floor(x / 10);
      } while (x > 0);
      while (n < 3) digits[n++] = 48;
      for (let k = n - 1; k >= 2; k--) buf[p++] = digits[k];
      buf[p++] = 46;
      buf[p++] = digits[1];
      buf[p++] = digits[0];
    };
    for (let v = 0; v < this.nValid; v++) {
      if (p > pieceBytes) {
        sink(buf.subarray(0, p));
        p = 0;
      }
      const rowStart = p;
      if (framed) p += 8;
      const id = this.ids.view(this.vId.get(v));
      if (this.needsQuoting(id)) put(enc.encode(csvCell(this.decoder.decode(id))));
      else put(id);
      const total = this.vTotal.get(v), compliant = this.vCompliant.get(v);
      const b = this.vBasic.get(v), c = this.vCritical.get(v), a = this.vAssist.get(v), r = this.vReassist.get(v);
      const paid = b + c + a + r;
      buf[p++] = COMMA; money(b);
      buf[p++] = COMMA; money(c);
      buf[p++] = COMMA; money(a);
      buf[p++] = COMMA; money(r);
      buf[p++] = COMMA; money(compliant - paid);
      buf[p++] = COMMA; money(total - paid);
      buf[p++] = COMMA;
      const w = this.vWarn.get(v);
      if (w) buf[p++] = w === 2 ? 49 : 48;
      buf[p++] = COMMA;
      const nk = this.vNotes.get(v);
      if (nk) put(notes[nk]);
      buf[p++] = LF;
      if (framed) {
        frame.setInt32(rowStart, this.vLine!.get(v), true);
        frame.setInt32(rowStart + 4, p - rowStart - 8, true);
      }
    }
    if (p) sink(buf.subarray(0, p));
  }

  /** csvCell would change these bytes (a quote, comma or line break; a leading = + - @ not before a digit). */
  private needsQuoting(id: Uint8Array): boolean {
    const c0 = id[0];
    if (c0 === 61 || c0 === 43 || c0 === 64) return true;
    if (c0 === 45 && !(id.length > 1 && id[1] >= 48 && id[1] <= 57)) return true;
    for (let i = 0; i < id.length; i++) {
      const c = id[i];
      if (c === QUOTE || c === COMMA || c === CR || c === LF) return true;
    }
    return false;
  }

  /**
   * What settleLedger returns, less the result objects (`results` is empty: the results are in
   * writeResults). Enough for engine/output.ts summaryText and rejectedTable. claimFindings holds one
   * entry whose list has as many items as there were findings, all the first one (summaryText reads
   * only the count and the first).
   */
  outcome(): LedgerOutcome {
    this.settle();
    const policyViolations = policyViolationsOf(this.book, this.settledYears(), this.opts.scenario);
    const claimFindings = new Map<string, Violation[]>();
    if (this.findingCount) claimFindings.set('', new Array<Violation>(this.findingCount).fill(this.firstFinding!));
    return {
      results: [],
      rejections: this.rejections,
      summary: { read: this.read, settled: this.nValid, rejected: this.rejections.length, warnings: this.warnings, totals: this.totals },
      policyViolations,
      claimFindings,
      findingClaims: this.findingClaims,
    };
  }

  /** The cities and years settled, in order of their first row. */
  private settledYears(): { city: string; year: string; line: number }[] {
    return this.checkedYears.map((key, i) => {
      const [cityIdx, year] = key.split(':');
      return { city: this.cities[Number(cityIdx)].id, year, line: this.checkedLines[i] };
    });
  }

  /** What a partition hands partition.ts mergeOutcomes (plain data: it may cross threads or activities). */
  partSummary(): PartSummary {
    this.settle();
    return {
      settled: this.nValid,
      warnings: this.warnings,
      totals: TOTAL_FIELDS.map((f) => this.totals[f].toFixed(2)),
      rejections: this.rejections,
      findings: this.findingCount,
      firstFinding: this.firstFinding,
      firstFindingLine: this.firstFindingLine,
      years: this.settledYears(),
      decimalGroups: this.decimalGroups,
      findingClaims: this.findingClaims,
      groups: this.opts.groups ? this.groupSums() : undefined,
    };
  }

  /** Bytes held in columns (for the benchmark's report). */
  columnBytes(): number {
    const cols = [this.vId, this.vGroup, this.vDay, this.vRule, this.vKind, this.vTotal, this.vCompliant, this.vBasic, this.vCritical, this.vAssist, this.vReassist, this.vWarn, this.vNotes];
    return cols.reduce((s, c) => s + c.bytes(), 0) + (this.vSlot?.bytes() ?? 0) + this.ids.bytes() + this.groups.bytes();
  }
}

/** Settle a whole CSV given as chunks; the outcome (without result objects) and the results CSV bytes. */
export function settleBulk(book: Book, chunks: Iterable<Uint8Array>, opts: BulkOptions = {}): BulkLedger {
  const ledger = new BulkLedger(book, opts);
  for (const c of chunks) ledger.push(c);
  ledger.end();
  return ledger;
}
