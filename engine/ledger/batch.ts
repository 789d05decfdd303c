// Records in batches, to cross threads: a reader thread scans the bytes (scan.ts) and finds repeated
// claim ids, the settling thread takes the records as if it had scanned them itself.
import type { ByteInterner } from './interners';
import type { CsvScanner } from './scan';

/**
 * Records as the reader hands them on: the bytes, and per record its line, status (0 readable,
 * 1 unterminated quote, 2 wrong number of cells, 3 duplicate claim_id), claim number, cell count,
 * first cell, where its bytes start and end, and the hash of its person (readable records, when the
 * reader is asked for it: which of two settling threads takes the record); per cell its start, end and
 * whether it is quoted.
 * The header comes as cells and as its bytes.
 */
export interface RecordBatch { header?: string[]; headerBytes?: Uint8Array; buf: Uint8Array; count: number; meta: Int32Array; cells: Int32Array; quoted: Uint8Array }
const META = 8;

/** What the reader hands the settler at the end: the claim ids (shared memory where there is any). */
export type IdsExport = ReturnType<ByteInterner['exportShared']>;

/** src[0, n) copied into the whole of old's buffer when it is large enough, else into a new array (a quarter to spare). */
function reuse<T extends Uint8Array | Int32Array>(old: T | undefined, src: T, n: number, make: (n: number) => T): T {
  let out = old ? (new (old.constructor as new (b: ArrayBufferLike) => T)(old.buffer)) : undefined;
  if (!out || out.length < n) out = make(n + (n >> 2));
  out = out.subarray(0, n) as T;
  out.set(src.subarray(0, n) as never);
  return out;
}

/** The records scanned from one chunk, gathered until the chunk is done (then flush). */
export class BatchWriter {
  private meta = new Int32Array(1024 * META);
  private cells = new Int32Array(1024 * 20);
  private quoted = new Uint8Array(1024 * 10);
  private count = 0;
  private cellCount = 0;
  private header: string[] | undefined;
  private headerBytes: Uint8Array | undefined;

  /**
   * onBatch: where batches go. spare: a batch the consumer has finished with (handed back across
   * threads), whose arrays the next batch reuses: fresh ones each time pile up as garbage outside the
   * heap until a collection.
   */
  constructor(private readonly onBatch: (batch: RecordBatch) => void, private readonly spare?: () => RecordBatch | undefined) {}

  setHeader(cells: string[], bytes: Uint8Array): void {
    this.header = cells;
    this.headerBytes = bytes;
  }

  /** The scanner's current record. */
  add(sc: CsvScanner, line: number, status: number, idk: number, start: number, end: number, personHash: number): void {
    const ncells = sc.ncells;
    if ((this.count + 1) * META > this.meta.length) {
      const m = new Int32Array(this.meta.length * 2);
      m.set(this.meta);
      this.meta = m;
    }
    while (this.cellCount + ncells > this.quoted.length) {
      const c = new Int32Array(this.cells.length * 2);
      c.set(this.cells);
      this.cells = c;
      const q = new Uint8Array(this.quoted.length * 2);
      q.set(this.quoted);
      this.quoted = q;
    }
    const m = this.count++ * META;
    this.meta[m] = line;
    this.meta[m + 1] = status;
    this.meta[m + 2] = idk;
    this.meta[m + 3] = ncells;
    this.meta[m + 4] = this.cellCount;
    this.meta[m + 5] = start;
    this.meta[m + 6] = end;
    this.meta[m + 7] = personHash;
    for (let k = 0; k < ncells; k++) {
      this.cells[2 * this.cellCount] = sc.cs[k];
      this.cells[2 * this.cellCount + 1] = sc.ce[k];
      this.quoted[this.cellCount++] = sc.cq[k];
    }
  }

  /** Records added since the last flush. */
  get size(): number {
    return this.count;
  }

  /** Record r's claim number and status, once known (a claim id looked up after the record was added). */
  setId(r: number, idk: number, status: number): void {
    this.meta[r * META + 2] = idk;
    this.meta[r * META + 1] = status;
  }

  /** Hand on the records scanned from b[0, used). */
  flush(b: Uint8Array, used: number): void {
    if (this.count === 0 && !this.header) return;
    const spare = this.spare?.();
    const batch: RecordBatch = {
      header: this.header,
      headerBytes: this.headerBytes,
      buf: reuse(spare?.buf, b, used, (n) => new Uint8Array(n)),
      count: this.count,
      meta: reuse(spare?.meta, this.meta, this.count * META, (n) => new Int32Array(n)),
      cells: reuse(spare?.cells, this.cells, this.cellCount * 2, (n) => new Int32Array(n)),
      quoted: reuse(spare?.quoted, this.quoted, this.cellCount, (n) => new Uint8Array(n)),
    };
    this.header = undefined;
    this.headerBytes = undefined;
    this.count = 0;
    this.cellCount = 0;
    this.onBatch(batch);
  }
}

/** Record r of a batch: its cells put into sc, as if sc had scanned it. */
export function loadRecord(sc: CsvScanner, batch: RecordBatch, r: number): void {
  const m = r * META;
  const n = batch.meta[m + 3];
  const base = batch.meta[m + 4];
  sc.ensureCells(n);
  for (let k = 0; k < n; k++) {
    sc.cs[k] = batch.cells[2 * (base + k)];
    sc.ce[k] = batch.cells[2 * (base + k) + 1];
    sc.cq[k] = batch.quoted[base + k];
  }
  sc.ncells = n;
  sc.recError = batch.meta[m + 1] === 1;
}

/** Record r's line, status, claim number (−1: none), and where its bytes start and end. */
export const recordLine = (batch: RecordBatch, r: number): number => batch.meta[r * META];
export const recordStatus = (batch: RecordBatch, r: number): number => batch.meta[r * META + 1];
export const recordId = (batch: RecordBatch, r: number): number => batch.meta[r * META + 2];
export const recordStart = (batch: RecordBatch, r: number): number => batch.meta[r * META + 5];
export const recordEnd = (batch: RecordBatch, r: number): number => batch.meta[r * META + 6];
/** Record r's person hash (hashBytes of the trimmed person_id, unsigned), when the reader computed it. */
export const recordPersonHash = (batch: RecordBatch, r: number): number => batch.meta[r * META + 7] >>> 0;
