// Bytes → records: engine/csv.ts readCsv on bytes, fed in chunks of any size, with the same line
// numbers, BOMs, quotes, CRLF and blank lines. No string per cell: each record is handed on as the
// bytes it lies in and, per cell, where it starts and ends and whether it is quoted; a cell's text is
// decoded only when someone asks for it (cellText).

export const COMMA = 44, LF = 10, CR = 13, QUOTE = 34;

export function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** True when bytes[s, e) are printable ASCII with no quote (the common cell). */
export function plain(b: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c >= 0x80 || c === QUOTE) return false;
  }
  return true;
}

/** Called for each record: its bytes lie in b[start, end) (line break included), its cells in the scanner. */
export type RecordSink = (b: Uint8Array, line: number, start: number, end: number) => void;

/** Called after each chunk with the buffer scanned and how many of its bytes the records handed on used. */
export type ScannedSink = (b: Uint8Array, used: number) => void;

export class CsvScanner {
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  private readonly encoder = new TextEncoder();
  private carry: Uint8Array = new Uint8Array(0);
  private work = new Uint8Array(0);
  private line = 1;
  private started = false;
  /** The current record: per cell its start, end and whether it is quoted; whether a quote is unterminated. */
  cs = new Int32Array(64);
  ce = new Int32Array(64);
  cq = new Uint8Array(64);
  ncells = 0;
  recError = false;

  constructor(private readonly onRecord: RecordSink, private readonly onScanned?: ScannedSink) {}

  /** Scan the next bytes of the file: every complete record goes to onRecord, the rest waits for more. */
  push(chunk: Uint8Array): void {
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
    this.onScanned?.(buf, used);
    // a copy: the caller may reuse its buffer (and Buffer#slice would not copy)
    this.carry = Uint8Array.prototype.slice.call(buf, used);
  }

  /** The input is complete: the last record, ended or not. */
  finish(): void {
    this.scan(this.carry, true);
    this.onScanned?.(this.carry, this.carry.length);
    this.carry = new Uint8Array(0);
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

  /** The current record's cells as readCsv gives them. */
  cells(b: Uint8Array): string[] {
    const out: string[] = [];
    for (let k = 0; k < this.ncells; k++) out.push(this.cellText(b, k));
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
