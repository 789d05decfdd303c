// The bulk path in bounded memory: a ledger too large to hold is cut into partitions by person, each
// settled alone, and the results merged back into input order. Memory then follows the partition, not
// the ledger, whatever the order of its rows.
//
//   split   one pass over the CSV (BulkLedger role 'splitter'): each readable record's bytes go to
//           the partition of its person (all of a person's claims in one partition: deductibles and
//           caps run per person and year), its input line beside it; its claim_id goes to the
//           partition of the id. Unreadable records are rejected there and then.
//   dedupe  each id partition alone (duplicateLines): the lines whose claim_id came earlier in the
//           whole ledger; the first row stands, as in settleLedger.
//   settle  each person partition alone (a BulkLedger given the lines and the duplicates); its rows
//           come out framed by their input line (BulkLedger.writeFramed).
//   merge   the framed rows of every partition, merged by line (mergeResultsByLine), and the partitions'
//           totals, rejections and findings added up (mergeOutcomes).
//
// The merged output is byte for byte what one BulkLedger over the whole file writes (tested). Pure:
// the shells (cli/partition.ts, the Functions app's jobs) own the files or blobs.
import { mergeMonthly, type MonthlyWarning } from '../ledger/monthly';
import { mergeClaimWarnings, type ClaimWarningAt } from '../ledger/warnings';
import { Decimal } from '../money';
import { csvLine } from '../csv';
import { RESULT_COLUMNS } from '../output';
import { policyViolationsOf, type LedgerOutcome } from '../ledger';
import { TOTAL_FIELDS, groupsFromSums, type GroupKey, type GroupSum, type LedgerGroups } from '../summary';
import type { Book } from '../policy/load';
import type { Scenario } from '../scenario';
import type { Violation } from '../floors';
import type { Rejection } from '../types';
import { ByteInterner } from '../ledger/interners';

export type PartStream = 'rows' | 'lines' | 'ids';

/** What a partition reports for mergeOutcomes: plain data, so it can cross threads and activities. */
export interface PartSummary {
  settled: number;
  warnings: number;
  /** The eight totals (TOTAL_FIELDS order) in yuan, exact. */
  totals: string[];
  rejections: Rejection[];
  findings: number;
  firstFinding: Violation | undefined;
  /** The first input line of the person-year that gave firstFinding (−1: none). */
  firstFindingLine: number;
  /** The cities and years settled, with the first line of each. */
  years: { city: string; year: string; line: number }[];
  decimalGroups: number;
  /** Claims with at least one finding (findings counts the findings). Absent: not counted. */
  findingClaims?: number;
  /** Sums per group when the partition was asked for them (BulkOptions.groups): see mergeGroups. */
  groups?: GroupSum[];
  /** The partition's monthly warning list (spec 10.6; each person is in one partition). */
  monthly?: MonthlyWarning[];
  /** The partition's claims with a warning, with their input lines (when asked: BulkOptions.claimWarnings). */
  claimWarnings?: ClaimWarningAt[];
  /** The same partition settled under each what-if scenario of the run (yibao settle --compare), in order. */
  whatIf?: PartSummary[];
}

const LF = 10, CR = 13;

/** A growable byte buffer. */
class Bytes {
  buf: Uint8Array;
  n = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(size);
  }
  room(extra: number): void {
    if (this.n + extra <= this.buf.length) return;
    const b = new Uint8Array(Math.max(this.buf.length * 2, this.n + extra));
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
  }
  add(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.buf.set(bytes, this.n);
    this.n += bytes.length;
  }
  i32(x: number): void {
    this.room(4);
    const b = this.buf, n = this.n;
    b[n] = x & 0xff;
    b[n + 1] = (x >>> 8) & 0xff;
    b[n + 2] = (x >>> 16) & 0xff;
    b[n + 3] = (x >>> 24) & 0xff;
    this.n += 4;
  }
}

/**
 * Where a splitter's bytes go: per partition a CSV (the header, then the records as they were in the
 * input), the input line of each record (int32 little-endian) and the claim ids ([line, length, bytes]).
 * Bytes are handed to `sink` in pieces of about `pieceBytes`, each only valid during the call.
 */
export class PartWriter {
  private headerBytes: Uint8Array | null = null;
  private readonly rows: Bytes[] = [];
  private readonly lines: Bytes[] = [];
  private readonly ids: Bytes[] = [];
  private readonly started: boolean[];
  /** Records written to each partition. */
  readonly counts: number[];

  constructor(readonly parts: number, private readonly sink: (stream: PartStream, part: number, bytes: Uint8Array) => void, private readonly pieceBytes = 1 << 16) {
    for (let k = 0; k < parts; k++) {
      this.rows.push(new Bytes(pieceBytes + 1024));
      this.lines.push(new Bytes(4096));
      this.ids.push(new Bytes(pieceBytes + 1024));
    }
    this.started = new Array<boolean>(parts).fill(false);
    this.counts = new Array<number>(parts).fill(0);
  }

  header(bytes: Uint8Array): void {
    this.headerBytes = terminated(bytes);
  }

  row(hash: number, bytes: Uint8Array, line: number): void {
    const k = hash % this.parts;
    const r = this.rows[k];
    if (!this.started[k]) {
      this.started[k] = true;
      r.add(this.headerBytes!);
    }
    r.add(bytes);
    // the last record of a file may have no line break: the partition's next record must not run on
    const last = bytes[bytes.length - 1];
    if (last !== LF && last !== CR) r.add(LINE_BREAK);
    this.lines[k].i32(line);
    this.counts[k]++;
    if (r.n >= this.pieceBytes) this.flush('rows', k, r);
    if (this.lines[k].n >= this.pieceBytes >> 2) this.flush('lines', k, this.lines[k]);
  }

  id(hash: number, bytes: Uint8Array, line: number): void {
    const k = hash % this.parts;
    const b = this.ids[k];
    b.i32(line);
    b.i32(bytes.length);
    b.add(bytes);
    if (b.n >= this.pieceBytes) this.flush('ids', k, b);
  }

  end(): void {
    for (let k = 0; k < this.parts; k++) {
      this.flush('rows', k, this.rows[k]);
      this.flush('lines', k, this.lines[k]);
      this.flush('ids', k, this.ids[k]);
    }
  }

  private flush(stream: PartStream, k: number, b: Bytes): void {
    if (b.n === 0) return;
    this.sink(stream, k, b.buf.subarray(0, b.n));
    b.n = 0;
  }
}

const LINE_BREAK = new Uint8Array([LF]);

function terminated(bytes: Uint8Array): Uint8Array {
  const last = bytes[bytes.length - 1];
  if (last === LF || last === CR) return Uint8Array.prototype.slice.call(bytes);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  out[bytes.length] = LF;
  return out;
}

/** A partition's lines file (int32 little-endian) as an array. */
export function linesOf(bytes: Uint8Array): Int32Array {
  const out = new Int32Array(bytes.length >> 2);
  new Uint8Array(out.buffer).set(bytes.subarray(0, out.length * 4)); // every platform Node runs on is little-endian
  return out;
}

/** The lines of one id partition whose claim_id came earlier (ids are in input order within a partition). */
export function duplicateLines(ids: Uint8Array): number[] {
  const view = new DataView(ids.buffer, ids.byteOffset, ids.byteLength);
  const seen = new ByteInterner(ids.length / 24);
  const out: number[] = [];
  for (let p = 0; p < ids.length; ) {
    const line = view.getInt32(p, true);
    const len = view.getInt32(p + 4, true);
    p += 8;
    seen.intern(ids, p, p + len);
    if (!seen.lastWasNew) out.push(line);
    p += len;
  }
  return out;
}

/** The duplicates of every id partition, sorted (what a partition's BulkLedger takes). */
export function sortedLines(lists: number[][]): Int32Array {
  const out = Int32Array.from(lists.flat());
  return out.sort();
}

/** A source of bytes in chunks (null: the end): a file read, a blob's download. */
/** The next chunk of a stream each call (null at its end): a part or a blob read in ranges. */
export type ChunkReader = () => Uint8Array | null | Promise<Uint8Array | null>;

/** One partition's framed results, read a row at a time. */
class Cursor {
  buf = new Uint8Array(0);
  private whole = new Uint8Array(0);
  private spare = new Uint8Array(0);
  pos = 0;
  line = 0;
  len = 0;
  constructor(private readonly next: ChunkReader) {}
  has(n: number): boolean {
    return this.buf.length - this.pos >= n;
  }
  /** Read on until n bytes are at pos; false at the end of the source. */
  async fill(n: number): Promise<boolean> {
    while (!this.has(n)) {
      const chunk = await this.next();
      if (chunk === null) return false;
      // two buffers in turn (fresh ones each time would leave the allocator's heap fragmented)
      const rest = this.buf.subarray(this.pos);
      const need = rest.length + chunk.length;
      if (this.spare.length < need) this.spare = new Uint8Array(Math.max(need, 2 * this.spare.length));
      const b = this.spare;
      b.set(rest);
      b.set(chunk, rest.length);
      this.spare = this.whole;
      this.whole = b;
      this.buf = b.subarray(0, need);
      this.pos = 0;
    }
    return true;
  }
  /** The next row's frame from what is buffered; false when more must be read first (head). */
  frame(): boolean {
    if (!this.has(8)) return false;
    const b = this.buf, p = this.pos;
    this.line = b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24);
    this.len = b[p + 4] | (b[p + 5] << 8) | (b[p + 6] << 16) | (b[p + 7] << 24);
    return this.has(8 + this.len);
  }
  /** The next row's frame, reading on as needed; false when the partition is done. */
  async head(): Promise<boolean> {
    if (this.frame()) return true;
    if (!(await this.fill(8))) {
      if (this.has(1)) throw new Error('partition results end inside a frame');
      return false;
    }
    if (!this.frame() && !(await this.fill(8 + this.len))) throw new Error('partition results end inside a row');
    return true;
  }
}

/**
 * The results CSV from the partitions' framed rows, in input order (a k-way merge by line), handed to
 * `sink` in pieces of about `pieceBytes`, under `header` (NHSA_RESULT_COLUMNS for partitions written
 * with BulkOptions.format 'nhsa'). Returns the number of rows.
 */
export async function mergeResultsByLine(sources: ChunkReader[], sink: (bytes: Uint8Array) => void | Promise<void>, pieceBytes = 1 << 20, header: readonly string[] = RESULT_COLUMNS): Promise<number> {
  const out = new Bytes(pieceBytes + 65536);
  out.add(new TextEncoder().encode(csvLine([...header])));
  // a binary min-heap of cursors by their next line
  const heap: Cursor[] = [];
  for (const s of sources) {
    const c = new Cursor(s);
    if (await c.head()) heap.push(c);
  }
  const down = (i: number) => {
    const n = heap.length;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < n && heap[l].line < heap[m].line) m = l;
      if (r < n && heap[r].line < heap[m].line) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
  let rows = 0;
  let last = -1;
  while (heap.length) {
    const c = heap[0];
    if (c.line <= last) throw new Error(`partition results out of order at line ${c.line}`);
    last = c.line;
    out.add(c.buf.subarray(c.pos + 8, c.pos + 8 + c.len));
    c.pos += 8 + c.len;
    rows++;
    if (out.n >= pieceBytes) {
      await sink(out.buf.subarray(0, out.n));
      out.n = 0;
    }
    // a whole next row is mostly buffered already: await (a turn of the event loop) only to read on
    if (!(c.frame() || (await c.head()))) {
      heap[0] = heap[heap.length - 1];
      heap.pop();
    }
    down(0);
  }
  if (out.n) await sink(out.buf.subarray(0, out.n));
  return rows;
}

/**
 * What one BulkLedger over the whole ledger would report (BulkLedger.outcome), from the splitter's
 * count and rejections and the partitions' summaries.
 */
export function mergeOutcomes(book: Book, scenario: Scenario | undefined, read: number, splitRejections: Rejection[], parts: PartSummary[]): LedgerOutcome {
  // stable: one record is in one place, so lines never tie across lists
  const rejections = splitRejections.concat(...parts.map((p) => p.rejections)).sort((a, b) => a.line - b.line);
  const sums = TOTAL_FIELDS.map(() => new Decimal(0));
  let settled = 0, warnings = 0, findings = 0;
  let first: PartSummary | undefined;
  for (const p of parts) {
    settled += p.settled;
    warnings += p.warnings;
    findings += p.findings;
    p.totals.forEach((t, i) => (sums[i] = sums[i].plus(t)));
    if (p.firstFinding && (!first || p.firstFindingLine < first.firstFindingLine)) first = p;
  }
  const totals = Object.fromEntries(TOTAL_FIELDS.map((f, i) => [f, sums[i]])) as unknown as LedgerOutcome['summary']['totals'];
  const years = parts.flatMap((p) => p.years).sort((a, b) => a.line - b.line);
  const claimFindings = new Map<string, Violation[]>();
  // as BulkLedger.outcome: one entry, as many items as findings, all the first (summaryText reads no more)
  if (findings) claimFindings.set('', new Array<Violation>(findings).fill(first!.firstFinding!));
  return {
    results: [],
    rejections,
    summary: { read, settled, rejected: rejections.length, warnings, totals },
    policyViolations: policyViolationsOf(book, years, scenario),
    claimFindings,
    // known when every partition counted them (a summary from elsewhere may not)
    findingClaims: parts.every((p) => p.findingClaims !== undefined) ? mergeFindingClaims(parts) : undefined,
    monthlyWarnings: parts.every((p) => p.monthly !== undefined) ? mergeMonthly(parts.map((p) => p.monthly!)) : undefined,
    claimWarnings: parts.every((p) => p.claimWarnings !== undefined) ? mergeClaimWarnings(parts.map((p) => p.claimWarnings!)) : undefined,
  };
}

/**
 * Group sums added up as the partitions finish, so that memory holds the groups once, not once per
 * partition. Sums are exact (integer fen).
 */
export class GroupMerger {
  private readonly byKey = new Map<string, { key: string[]; claims: number; warnings: number; fen: bigint[] }>();
  constructor(readonly groups: GroupKey[]) {}

  add(sums: GroupSum[]): void {
    for (const s of sums) {
      const id = s.key.join('\u0000');
      let g = this.byKey.get(id);
      if (!g) this.byKey.set(id, (g = { key: s.key, claims: 0, warnings: 0, fen: TOTAL_FIELDS.map(() => 0n) }));
      g.claims += s.claims;
      g.warnings += s.warnings;
      s.totals.forEach((t, i) => (g!.fen[i] += fenOf(t)));
    }
  }

  /** What summarize gives for the whole ledger. */
  result(): LedgerGroups {
    const yuan = (f: bigint) => (f < 0n ? `-${yuanOf(-f)}` : yuanOf(f));
    return groupsFromSums(this.groups, [...this.byKey.values()].map((g) => ({ key: g.key, claims: g.claims, warnings: g.warnings, totals: g.fen.map(yuan) })));
  }
}

function yuanOf(f: bigint): string {
  return `${f / 100n}.${String(f % 100n).padStart(2, '0')}`;
}

/** An exact amount in yuan (as BulkLedger writes group sums: "1234.50") in fen. */
function fenOf(t: string): bigint {
  if (/^\d+\.\d\d$/.test(t)) return BigInt(t.replace('.', ''));
  const fen = new Decimal(t).times(100); // any other exact form, should one come
  if (!fen.isInteger()) throw new Error(`group sum ${t} is not whole fen`);
  return BigInt(fen.toFixed(0));
}

/** The totals per group of the whole ledger from the partitions' sums (each was settled with BulkOptions.groups). */
export function mergeGroups(groups: GroupKey[], parts: PartSummary[]): LedgerGroups {
  const m = new GroupMerger(groups);
  for (const p of parts) {
    if (!p.groups) throw new Error('mergeGroups: a partition without group sums');
    m.add(p.groups);
  }
  return m.result();
}

/** Claims with at least one finding in the whole ledger (settleLedger's claimFindings.size). */
export function mergeFindingClaims(parts: PartSummary[]): number {
  return parts.reduce((n, p) => {
    if (p.findingClaims === undefined) throw new Error('mergeFindingClaims: a partition without the count');
    return n + p.findingClaims;
  }, 0);
}
