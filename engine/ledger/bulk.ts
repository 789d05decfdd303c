// The columnar ledger's front: a whole CSV ledger as bytes in (in chunks of any size), results out in
// input order, the same bytes as settleLedger + engine/output.ts write for the same file. It wires
// the steps, each in its own module: scan.ts (bytes → records), intake.ts (a record → a valid claim in
// table.ts's columns, or a rejection), overlay.ts (the roster's category, the county), settle.ts
// (person-years on integer fen, or decimals), findings.ts, aggregate.ts (totals, group sums) and
// write.ts (results CSV, framed rows).
//
// Pure: no file system, no threads. The shells hand it bytes (cli/bulk.ts reads files; the Functions
// app hands it a body's or a blob's chunks) and take the output bytes from a sink. One ledger takes
// one of four roles: 'both' reads and settles; across threads a 'reader' scans and finds repeated
// claim ids, handing records on in batches (batch.ts) to a 'settler'; a 'splitter' hands readable
// records to partitions (engine/bulk/partition.ts), each of which a 'both' ledger settles.
import { emptyInput, type YibaoError } from '../errors';
import { emptyTotals, policyViolationsOf, type LedgerOutcome, type Totals } from '../ledger';
import { TOTAL_FIELDS, groupsFromSums, type GroupKey, type GroupSum, type LedgerGroups } from '../summary';
import type { Violation } from '../floors';
import type { Book } from '../policy/load';
import type { Scenario } from '../scenario';
import type { Rejection } from '../types';
import type { PartWriter, PartSummary } from '../bulk/partition';
import { ByteInterner, TaggedInterner, checkKey, hashBytes } from './interners';
import { CsvScanner } from './scan';
import { BatchWriter, loadRecord, recordEnd, recordId, recordLine, recordPersonHash, recordStart, recordStatus, type IdsExport, type RecordBatch } from './batch';
import { F_ID, F_PERSON, readHeader, type LedgerHeader } from './fields';
import { ClaimTable } from './table';
import { PendingIds } from './pending-ids';
import { RosterOverlay, type BulkRoster } from './overlay';
import { Intake } from './intake';
import { RuleSets, Settler, type RuleSet } from './settle';
import { ClaimFindings } from './findings';
import { GroupSums, sumTotals } from './aggregate';
import { monthlyOfTable, type MonthlyWarning } from './monthly';
import { claimWarningsOfTable, type ClaimWarningAt } from './warnings';
import { writeRows } from './write';
import { BulkUnsupported } from './unsupported';
import { specHeader } from './records';
import { NdjsonFeed } from './ndjson';

export { BulkUnsupported };
export type { BulkRoster, IdsExport, RecordBatch };

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
  /** 'reader': hash each readable record's person into the batch, for settlers that take a share of the persons each (`share`). */
  personHash?: boolean;
  /**
   * 'settler': take only the records of persons whose hash is k modulo `of` (every record that cannot
   * be settled goes to k = 0), keeping their input lines: one of several settlers fed the same batches,
   * whose results and summaries merge as partitions' do (engine/run/partitioned.ts settleHalves).
   */
  share?: { k: number; of: number };
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
  /** List the claims with a warning (outcome.claimWarnings, partSummary's): the monthly run's early-warning list. */
  claimWarnings?: boolean;
  /**
   * --roster (engine/roster.ts rosterCategories, row by row): each readable record is settled under
   * the category the roster has in force on its date. A splitter writes that category into the
   * record it hands the partition (and, with groups by county, the county as a last column named
   * county), so that the partitions need no roster.
   */
  roster?: BulkRoster;
  /** One city for an export without a city column (--city): engine/nhsa.ts headerPlan. */
  city?: string;
  /** The column that holds the category, by its header text (--category-column). */
  categoryColumn?: string;
  /**
   * The results' column names (writeResults): the spec's (default), or the national platform's (--format
   * nhsa). A ledger under the platform's names needs it said, in every role (else BulkUnsupported: the
   * shells write such a ledger's results under the platform's names by default).
   */
  format?: 'spec' | 'nhsa';
  /**
   * The bytes pushed: a CSV ledger (default), or NDJSON claims (one JSON object per line under the
   * spec's names, ndjson.ts), read as CSV records numbered by their NDJSON line. Not for a 'reader'
   * (its batches carry CSV bytes as scanned).
   */
  body?: 'csv' | 'ndjson';
}

export class BulkLedger {
  /** Records read (the header and blank lines aside). */
  read = 0;
  private readonly role: 'both' | 'reader' | 'settler' | 'splitter';
  private readonly sc: CsvScanner;
  private readonly batches: BatchWriter | null;
  private readonly pendingIds: PendingIds | null;
  private header: LedgerHeader | null = null;
  private ended = false;
  private recIdx = 0;
  private readonly table: ClaimTable;
  private readonly names = new RuleSets();
  private readonly overlay: RosterOverlay;
  private readonly intake: Intake;
  private readonly findings: ClaimFindings;
  private readonly settler: Settler;
  private readonly groups: GroupSums | null;
  private readonly byCounty: boolean;
  private readonly appendCounty: boolean;
  private settled = false;
  private totals: Totals = emptyTotals();
  private warnings = 0;
  private slotSums: GroupSum[] | null = null;
  private readonly ndjson: NdjsonFeed | null;
  private monthly: MonthlyWarning[] = [];
  private claimWarnings: ClaimWarningAt[] | undefined;

  constructor(private readonly book: Book, private readonly opts: BulkOptions = {}) {
    const role = (this.role = opts.role ?? 'both');
    const ids = new ByteInterner(role === 'settler' || opts.duplicates ? 0 : opts.rowsHint ?? 0, role === 'reader');
    const personYears = new TaggedInterner(role === 'reader' ? 0 : (opts.rowsHint ?? 0) / 2);
    this.table = new ClaimTable(ids, personYears, opts.lines !== undefined || opts.share !== undefined);
    this.batches = role === 'reader' ? new BatchWriter(opts.onBatch!, opts.spare) : null;
    const batches = this.batches;
    // a reader looks its claim ids up at the end of each chunk, in bursts (pending-ids.ts)
    const pending = (this.pendingIds = role === 'reader' && opts.findDuplicates !== false ? new PendingIds(ids) : null);
    this.sc = new CsvScanner((b, line, start, end) => this.record(b, line, start, end), batches ? (b, used) => {
      pending?.resolve(b, batches);
      batches.flush(b, used);
    } : undefined);
    this.byCounty = opts.groups?.includes('county') ?? false;
    this.appendCounty = role === 'splitter' && opts.roster !== undefined && this.byCounty;
    this.groups = opts.groups && role !== 'splitter' && role !== 'reader' ? new GroupSums(opts.groups) : null;
    this.overlay = new RosterOverlay(book, this.sc, this.names, opts.roster, this.appendCounty, () => this.intake.mappedFields());
    this.intake = new Intake(book, this.sc, this.table, this.names, this.overlay, { scenario: opts.scenario, groups: this.groups, duplicates: opts.duplicates });
    this.findings = new ClaimFindings(book, this.table);
    this.settler = new Settler(book, this.table, this.names, this.findings);
    if (opts.body === 'ndjson' && role === 'reader') throw new Error('an NDJSON body has no reader role');
    this.ndjson = opts.body === 'ndjson'
      ? new NdjsonFeed({ csv: (b) => this.sc.push(b), record: (b, line) => this.pushRecord(b, line), reject: (line, id, e) => this.reject(line, id, e) })
      : null;
  }

  get rejections(): Rejection[] {
    return this.intake.rejections;
  }
  get ruleSets(): RuleSet[] {
    return this.names.ruleSets;
  }
  /** Why rule sets have no integer form (for reports). */
  get unsupportedReasons(): Set<string> {
    return this.names.unsupportedReasons;
  }
  /** Person-years settled on the decimal path and on integer fen (for reports). */
  get decimalGroups(): number {
    return this.settler.decimalGroups;
  }
  get fastGroups(): number {
    return this.settler.fastGroups;
  }
  /** Claims with at least one claim-level finding (settleLedger's claimFindings.size). */
  get findingClaims(): number {
    return this.findings.claims;
  }
  /** Readable records whose person is not on the roster (they keep the ledger's category). */
  get notOnRoster(): number {
    return this.overlay.notOnRoster;
  }

  /** Feed the next bytes of the file. */
  push(chunk: Uint8Array): void {
    if (this.ended) throw new Error('push after end');
    if (this.ndjson) this.ndjson.push(chunk);
    else this.sc.push(chunk);
  }

  /** The line number given for the record being pushed (pushRecord), or −1: the scanner's. */
  private lineOf = -1;

  /**
   * One whole record (ending in a line break) read as if it stood on `line` (ndjson.ts: an NDJSON
   * object as a CSV record, numbered by its NDJSON line).
   */
  private pushRecord(record: Uint8Array, line: number): void {
    this.lineOf = line;
    try {
      this.sc.push(record);
    } finally {
      this.lineOf = -1;
    }
  }

  /**
   * A row that never became a record (an NDJSON line that is not a claim object): rejected, counted as
   * read, here as a splitter keeps the rows it cannot read.
   */
  private reject(line: number, claimId: string | undefined, error: YibaoError): void {
    this.read++;
    this.intake.rejections.push({ line, claim_id: claimId, reason: error.reason });
  }

  /** The file is complete: read what is left and settle. */
  end(): void {
    if (this.ended) return;
    this.ndjson?.end();
    this.ended = true;
    if (this.role !== 'settler') this.sc.finish();
    if (this.header === null) throw emptyInput();
    this.table.ids.dropTable(); // no more lookups: the strings stay for the output
    if (this.role === 'reader') return;
    if (this.role === 'splitter') {
      this.opts.split!.end();
      return;
    }
    this.table.personYears.dropTable();
    this.settle();
  }

  /** Records from a reader (settler or splitter role; a splitter takes no roster this way). */
  consume(batch: RecordBatch): void {
    if (batch.header) {
      this.setHeader(batch.header);
      if (this.role === 'splitter') {
        if (this.appendCounty) throw new Error('consume: a splitter with a roster reads the file itself');
        this.opts.split!.header(this.header!.plan ? specHeader(this.header!.countyCol >= 0) : batch.headerBytes!);
      }
    }
    const b = batch.buf;
    const share = this.opts.share;
    for (let r = 0; r < batch.count; r++) {
      const status = recordStatus(batch, r);
      // the same mapper over the same readable records as the reader's (every settler maps them all): the same verdicts
      let loaded = false;
      if (this.header!.plan !== null && status !== 1 && status !== 2) {
        loadRecord(this.sc, batch, r);
        loaded = true;
        this.intake.mapRecord(b);
      }
      if (share && (status === 0 ? recordPersonHash(batch, r) % share.of : 0) !== share.k) continue; // another settler's
      if (!loaded) loadRecord(this.sc, batch, r);
      if (this.role === 'splitter' && status === 0) this.split(b, recordLine(batch, r), recordStart(batch, r), recordEnd(batch, r));
      else this.handle(b, recordLine(batch, r), status, recordId(batch, r));
    }
  }

  /** The claim ids the reader kept (reader role, after end()). */
  exportIds(): IdsExport {
    return this.table.ids.exportShared();
  }

  /** Take the reader's claim ids and settle (settler role, after the last batch). */
  endWith(ids: IdsExport): void {
    this.table.ids = ByteInterner.adopt(ids);
    this.end();
  }

  private setHeader(cells: string[]): void {
    const h = (this.header = readHeader(cells, { city: this.opts.city, categoryColumn: this.opts.categoryColumn }));
    if (h.plan !== null) {
      // An export's results are written under the platform's names unless the caller says otherwise:
      // only the caller knows its choice (--format), so it must give one.
      if (h.plan.convention === 'nhsa' && this.opts.format === undefined) throw new BulkUnsupported('the national platform\'s column names');
    }
    this.intake.header = h;
    this.overlay.header = h;
  }

  /** A record the scanner found (its cells in this.sc). */
  private record(b: Uint8Array, line: number, start: number, end: number): void {
    if (this.header === null) {
      this.setHeader(this.sc.cells(b));
      this.batches?.setHeader(this.header!.cells, Uint8Array.prototype.slice.call(b, start, end));
      this.opts.split?.header(this.header!.plan ? specHeader(this.header!.countyCol >= 0 || this.appendCounty) : this.overlay.headerBytes(b, start, end));
      return;
    }
    if (this.opts.lines) line = this.opts.lines[this.recIdx++];
    else if (this.lineOf >= 0) line = this.lineOf;
    let status = 0;
    let idk = -1;
    let person = 0;
    if (this.sc.recError) status = 1;
    else if (this.sc.ncells !== this.header.cells.length) status = 2;
    else if (this.header.plan !== null && !this.intake.mapRecord(b)) status = 4; // its claim_id is not taken
    else if (this.role === 'splitter') {
      this.split(b, line, start, end);
      return;
    } else if (this.pendingIds) idk = this.pendingIds.add(this.sc, b, this.header.col[F_ID], this.batches!.size);
    else if (this.opts.findDuplicates !== false) {
      idk = this.intake.claimNumber(b);
      if (this.intake.isDuplicate(idk, line)) status = 3;
    }
    if (status === 0 && this.opts.personHash) person = this.personHash(b);
    if (this.batches) this.batches.add(this.sc, line, status, idk, start, end, person);
    else this.handle(b, line, status, idk);
  }

  /** Splitter: a readable record to its person's partition, its claim id to the id's. */
  private split(b: Uint8Array, line: number, start: number, end: number): void {
    this.read++;
    const w = this.opts.split!;
    const sc = this.sc, col = this.header!.col;
    const hash = this.personHash(b);
    // the roster's category written into the record (and the county beside it): partitions need no roster
    if (this.opts.roster) this.overlay.rosterRecord(b, line);
    // under a header plan, the record as the plan maps it, under the spec's names: the partitions need no
    // plan (its certno checks look across persons, so they are made here, in one pass over the whole ledger)
    w.row(hash, this.header!.plan ? this.overlay.mappedRecord(b) : this.overlay.rewritten(b, start, end), line);
    sc.trimmed(b, col[F_ID]);
    checkKey(sc.te - sc.ts, 'claim_id');
    if (sc.te > sc.ts) w.id(hashBytes(sc.tb, sc.ts, sc.te, 1), sc.tb.subarray(sc.ts, sc.te), line);
  }

  /** The hash of the record's trimmed person_id cell: all of a person's records go to one partition, or one settler. */
  private personHash(b: Uint8Array): number {
    const sc = this.sc;
    sc.trimmed(b, this.header!.col[F_PERSON]);
    checkKey(sc.te - sc.ts, 'person_id');
    return hashBytes(sc.tb, sc.ts, sc.te, 0);
  }

  /**
   * Status: 0 readable, 1 unterminated quote, 2 wrong number of cells, 3 duplicate claim_id, 4 refused
   * by the header plan's mapper (intake.mapRecord, already called for this record).
   */
  private handle(b: Uint8Array, line: number, status: number, idk: number): void {
    const seq = this.read++;
    if (status === 1 || status === 2) {
      this.intake.unreadable(line, status === 1);
      return;
    }
    if (status === 4) {
      this.intake.rejectMapped(line);
      return;
    }
    if (this.opts.roster) this.overlay.rosterRecord(b, line);
    if (status === 3) {
      this.intake.duplicate(b, line);
      return;
    }
    if (this.byCounty) this.overlay.recCounty = this.overlay.countyOfRecord(b);
    this.intake.claim(b, seq, line, idk);
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.settler.settle();
    ({ totals: this.totals, warnings: this.warnings } = sumTotals(this.table));
    this.monthly = monthlyOfTable(this.table, this.names.ruleSets);
    if (this.opts.claimWarnings) this.claimWarnings = claimWarningsOfTable(this.table, this.names.ruleSets);
    if (this.groups) this.slotSums = this.groups.sum(this.table);
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

  /**
   * The results CSV (engine/output.ts resultsTable without explanations), in pieces handed to `sink`
   * (each piece is only valid during the call: copy it or write it at once).
   */
  writeResults(sink: (bytes: Uint8Array) => void, pieceBytes = 1 << 20): void {
    this.settle();
    writeRows(this.table, sink, pieceBytes, false, this.opts.format ?? 'spec');
  }

  /**
   * A partition's results for partition.ts mergeResultsByLine: no header, each row framed by its input line
   * and length (two little-endian int32) so that the partitions can be merged back into input order.
   */
  writeFramed(sink: (bytes: Uint8Array) => void, pieceBytes = 1 << 20): void {
    if (!this.table.vLine) throw new Error('writeFramed: not a partition');
    this.settle();
    writeRows(this.table, sink, pieceBytes, true, this.opts.format ?? 'spec');
  }

  /**
   * What settleLedger returns, less the result objects (`results` is empty: the results are in
   * writeResults). Enough for engine/output.ts summaryText and rejectedTable. claimFindings holds one
   * entry whose list has as many items as there were findings, all the first one (summaryText reads
   * only the count and the first).
   */
  outcome(): LedgerOutcome {
    this.settle();
    const policyViolations = policyViolationsOf(this.book, this.intake.settledYears(), this.opts.scenario);
    const claimFindings = new Map<string, Violation[]>();
    if (this.findings.count) claimFindings.set('', new Array<Violation>(this.findings.count).fill(this.findings.first!));
    return {
      results: [],
      rejections: this.rejections,
      summary: { read: this.read, settled: this.table.size, rejected: this.rejections.length, warnings: this.warnings, totals: this.totals },
      policyViolations,
      claimFindings,
      findingClaims: this.findings.claims,
      monthlyWarnings: this.monthly,
      claimWarnings: this.claimWarnings?.map((x) => x.warning),
    };
  }

  /** What a partition hands partition.ts mergeOutcomes (plain data: it may cross threads or activities). */
  partSummary(): PartSummary {
    this.settle();
    return {
      settled: this.table.size,
      warnings: this.warnings,
      totals: TOTAL_FIELDS.map((f) => this.totals[f].toFixed(2)),
      rejections: this.rejections,
      findings: this.findings.count,
      firstFinding: this.findings.first,
      firstFindingLine: this.findings.firstLine,
      years: this.intake.settledYears(),
      decimalGroups: this.settler.decimalGroups,
      findingClaims: this.findings.claims,
      groups: this.opts.groups ? this.groupSums() : undefined,
      monthly: this.monthly,
      claimWarnings: this.claimWarnings,
    };
  }

  /** Bytes held in columns (for the benchmark's report). */
  columnBytes(): number {
    return this.table.bytes() + (this.groups?.bytes() ?? 0);
  }
}

/** Settle a whole CSV given as chunks; the outcome (without result objects) and the results CSV bytes. */
export function settleBulk(book: Book, chunks: Iterable<Uint8Array>, opts: BulkOptions = {}): BulkLedger {
  const ledger = new BulkLedger(book, opts);
  for (const c of chunks) ledger.push(c);
  ledger.end();
  return ledger;
}
