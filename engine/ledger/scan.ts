// Bytes → records: engine/csv.ts readCsv on bytes, fed in chunks of any size, with the same line
// numbers, BOMs, quotes, CRLF and blank lines. No string per cell: each record is handed on as the
// bytes it lies in and, per cell, where it starts and ends and whether it is quoted; a cell's text is
// decoded only when someone asks for it (cellText).

/** The bytes that shape a CSV record (a const enum: each use is compiled to its number, where an
 * exported const would be a property load from this module's exports, in loops over every byte). */
export const enum Byte { COMMA = 44, LF = 10, CR = 13, QUOTE = 34 }

export function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** True when bytes[s, e) are printable ASCII with no quote (the common cell). */
export function plain(b: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c >= 0x80 || c === Byte.QUOTE) return false;
  }
  return true;
}

/** True when bytes[s, e) are ASCII. */
function ascii(b: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (b[i] >= 0x80) return false;
  return true;
}

/** Called for each record: its bytes lie in b[start, end) (line break included), its cells in the scanner. */
export type RecordSink = (b: Uint8Array, line: number, start: number, end: number) => void;

/** Called after each chunk with the buffer scanned and how many of its bytes the records handed on used. */
export type ScannedSink = (b: Uint8Array, used: number) => void;

export class CsvScanner {
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  private readonly encoder = new TextEncoder();
  /** Bytes of an unfinished record, held in work[0, held) until the next chunk. */
  private work = new Uint8Array(0);
  private held = 0;
  private rescanAt = 0;
  private line = 1;
  private started = false;
  /** The current record: per cell its start, end and whether it is quoted; whether a quote is unterminated. */
  cs = new Int32Array(64);
  ce = new Int32Array(64);
  cq = new Uint8Array(64);
  ncells = 0;
  recError = false;

  /**
   * boms: how many leading BOMs to drop. A file's bytes as the decimal path reads them lose one to the
   * TextDecoder and one to readCsv (2); text handed to readCsv loses one (1).
   */
  constructor(private readonly onRecord: RecordSink, private readonly onScanned?: ScannedSink, private readonly boms = 2) {}

  /** Scan the next bytes of the file: every complete record goes to onRecord, the rest waits for more. */
  push(chunk: Uint8Array): void {
    // a plain view: the caller may hand a Node Buffer it reuses, whose slice() would not copy
    if (!(Object.getPrototypeOf(chunk) === Uint8Array.prototype)) chunk = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.held === 0) {
      this.scanned(chunk, this.scan(chunk, false));
      return;
    }
    // one buffer reused for every chunk: a new one each time leaves the allocator's heap fragmented
    const need = this.held + chunk.length;
    if (this.work.length < need) {
      const w = new Uint8Array(Math.max(need, 2 * this.work.length));
      w.set(this.work.subarray(0, this.held));
      this.work = w;
    }
    this.work.set(chunk, this.held);
    this.held = need;
    // an unfinished record is scanned again from its start: only once the bytes held have doubled,
    // so that a record of many chunks (a long quoted cell, an unterminated quote) costs a few passes, not one per chunk
    if (need < this.rescanAt) return;
    const buf = this.work.subarray(0, need);
    this.scanned(buf, this.scan(buf, false));
  }

  /** The input is complete: the last record, ended or not. */
  finish(): void {
    const buf = this.work.subarray(0, this.held);
    this.scanned(buf, this.scan(buf, true));
    this.held = 0;
  }

  /** b[0, used) was handed on: keep the rest (a copy: the caller may reuse its buffer) for the next chunk. */
  private scanned(b: Uint8Array, used: number): void {
    this.onScanned?.(b, used);
    const rest = b.length - used;
    if (b.buffer === this.work.buffer) this.work.copyWithin(0, used, b.length);
    else {
      if (rest > this.work.length) this.work = new Uint8Array(Math.max(rest, 2 * this.work.length));
      this.work.set(b.subarray(used), 0);
    }
    this.held = rest;
    this.rescanAt = 2 * rest;
  }

  /** Scan complete records; returns how many bytes were consumed. */
  private scan(b: Uint8Array, final: boolean): number {
    const n = b.length;
    let i = 0;
    if (!this.started) {
      if (n < 3 * this.boms && !final) return 0;
      this.started = true;
      for (let k = 0; k < this.boms; k++) if (b[i] === 0xef && b[i + 1] === 0xbb && b[i + 2] === 0xbf) i += 3;
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
        if (i < n && b[i] === Byte.QUOTE) {
          quoted = 1;
          i++;
          let closed = false;
          while (i < n) {
            const c = b[i];
            if (c === Byte.QUOTE) {
              if (i + 1 >= n && !final) { complete = false; break; }
              if (i + 1 < n && b[i + 1] === Byte.QUOTE) { i += 2; continue; }
              i++;
              closed = true;
              break;
            }
            if (c === Byte.LF) this.line++;
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
          if (c === Byte.COMMA || c === Byte.LF || c === Byte.CR) break;
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
        if (c === Byte.COMMA) { i++; continue; }
        if (c === Byte.CR) {
          if (i + 1 >= n && !final) { complete = false; break; }
          i++;
        }
        if (i < n && b[i] === Byte.LF) i++;
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
      this.onRecord(b, recLine, recStart, i);
    }
    return n;
  }

  /** Room for at least n cells in the current record. */
  ensureCells(n: number): void {
    while (n > this.cs.length) this.growCells();
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
  cellText(b: Uint8Array, k: number): string {
    const s = this.cs[k], e = this.ce[k];
    if (!this.cq[k]) return this.decoder.decode(b.subarray(s, e));
    // quoted: "" is a quote up to the closing quote; what follows it is kept as it is, as spreadsheets do
    // (a quote is one byte of UTF-8, so cutting the bytes at one never cuts a character)
    const cell = b.subarray(0, e);
    let out = '';
    let from = s + 1;
    for (;;) {
      const q = cell.indexOf(Byte.QUOTE, from);
      if (q < 0) return out + this.decoder.decode(cell.subarray(from)); // unterminated
      if (q + 1 < e && cell[q + 1] === Byte.QUOTE) {
        out += this.decoder.decode(cell.subarray(from, q + 1));
        from = q + 2;
        continue;
      }
      return out + this.decoder.decode(cell.subarray(from, q)) + this.decoder.decode(cell.subarray(q + 1));
    }
  }

  /** The current record's cells as readCsv gives them. */
  cells(b: Uint8Array): string[] {
    const n = this.ncells;
    const out = new Array<string>(n);
    const s = this.cs[0], e = this.ce[n - 1];
    if (ascii(b, s, e)) {
      // one string for the record, cut at the cells (a byte is a character): one decode, not one a cell
      const text = this.decoder.decode(b.subarray(s, e));
      for (let k = 0; k < n; k++) out[k] = this.cq[k] ? this.cellText(b, k) : text.slice(this.cs[k] - s, this.ce[k] - s);
      return out;
    }
    for (let k = 0; k < n; k++) out[k] = this.cellText(b, k);
    return out;
  }

  /** b[s, e) as text. */
  decode(b: Uint8Array, s: number, e: number): string {
    return this.decoder.decode(b.subarray(s, e));
  }

  /** Cell k of the current record trimmed of ASCII spaces, in fs/fe; false when it is quoted. k < 0 (no such column): empty. */
  fs = 0;
  fe = 0;
  field(b: Uint8Array, k: number): boolean {
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

  /** Cell k as validateClaim reads it (trimmed text), as UTF-8 in tb[ts, te): a view of b where it can be. */
  tb: Uint8Array = new Uint8Array(0);
  ts = 0;
  te = 0;
  trimmed(b: Uint8Array, k: number): void {
    let s = this.cs[k], e = this.ce[k];
    if (this.cq[k] || !plain(b, s, e)) {
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
}

/** A record as readCsv gives it: the line it starts on, its cells, and 'unterminated quote' if so. */
export interface CsvRecord { line: number; cells: string[]; error?: string }

/**
 * Records as readCsv gives them, from UTF-8 bytes in chunks of any size: engine/csv.ts readCsv and
 * readCsvStream are this reader. One leading BOM is dropped.
 */
export class CsvRecordReader {
  private out: CsvRecord[] = [];
  private readonly sc: CsvScanner = new CsvScanner((b, line) => {
    this.out.push({ line, cells: this.sc.cells(b), error: this.sc.recError ? 'unterminated quote' : undefined });
  }, undefined, 1);

  /** The records this chunk completes. */
  push(chunk: Uint8Array): CsvRecord[] {
    this.sc.push(chunk);
    return this.take();
  }

  /** The input is complete: the records left. */
  finish(): CsvRecord[] {
    this.sc.finish();
    return this.take();
  }

  private take(): CsvRecord[] {
    const r = this.out;
    this.out = [];
    return r;
  }
}
