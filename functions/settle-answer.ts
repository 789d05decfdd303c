// The answer of POST /api/settle on the bulk path (engine/ledger/bulk.ts BulkLedger), written as the
// ordinary path (readLedger + settleLedger, functions/handlers/settle.ts) writes it, byte for byte:
// CSV — the results table, then one blank line and the rejected rows; NDJSON — one result line per
// claim, one rejected line per rejected row, the summary line. Used on the request's thread and in
// the worker thread (functions/settle-worker.ts), so nothing here may need @azure/functions.
import {
  csvLine, readCsv, summaryText, totalsJson, REJECTED_COLUMNS, BulkLedger, BulkUnsupported,
  type Book, type LedgerInput, type LedgerOutcome, type Scenario,
} from '../engine';

export type BulkAnswer = 'csv' | 'ndjson';

export function rejectionsJson(o: LedgerOutcome) {
  return o.rejections.map((r) => ({ line: r.line, claim_id: r.claim_id ?? null, reason_zh: r.reason.zh, reason_en: r.reason.en }));
}

/** The last line of an NDJSON answer. */
export function summaryLine(o: LedgerOutcome): string {
  const s = o.summary;
  return JSON.stringify({ type: 'summary', read: s.read, settled: s.settled, rejected: s.rejected, warnings: s.warnings, totals: totalsJson(s.totals), text: summaryText(o) }) + '\n';
}

/** After the results of a CSV answer: one blank line and the rejected rows (the command line's <out>.rejected.csv). */
export function* rejectedCsvLines(o: LedgerOutcome): Generator<string> {
  if (!o.rejections.length) return;
  yield '\n';
  yield csvLine([...REJECTED_COLUMNS]);
  for (const r of o.rejections) yield csvLine([String(r.line), r.claim_id ?? '', r.reason.zh, r.reason.en]);
}

export function* rejectedNdjsonLines(o: LedgerOutcome): Generator<string> {
  for (const r of rejectionsJson(o)) yield JSON.stringify({ type: 'rejected', ...r }) + '\n';
}

/**
 * A body on the bulk path. The bytes pushed are kept (not copied) until end() says the bulk path
 * could take the ledger: until then BulkLedger may still hand the run back (BulkUnsupported: the
 * national platform's column names, a claim_id or person_id over 4,096 bytes, …), and the ordinary
 * path must then read the body again from its first byte.
 *
 * For an NDJSON answer the result cells are read back from BulkLedger's CSV, where csvCell has put
 * an apostrophe before a cell starting with = + - @ (not before a digit). Taken off again, that is
 * exact unless a claim_id itself starts with such an apostrophe; the bytes ' followed by = + - @
 * anywhere in the body therefore hand an NDJSON answer to the ordinary path too.
 */
export class BulkRun {
  private ledger: BulkLedger | null;
  private held: Uint8Array[] = [];
  heldBytes = 0;
  /** Why the bulk path cannot take this body (then the ordinary path must), or null. */
  unsupported: string | null = null;
  private quoteAtEnd = false;
  private apostrophe = false;

  constructor(book: Book, scenario: Scenario | undefined, rowsHint: number, private readonly answer: BulkAnswer, input: LedgerInput = {}) {
    this.ledger = new BulkLedger(book, { scenario, rowsHint, ...input });
  }

  /** The next bytes of the body (kept as they are: the caller must not reuse the buffer). */
  push(chunk: Uint8Array): void {
    this.held.push(chunk);
    this.heldBytes += chunk.byteLength;
    if (this.answer === 'ndjson' && !this.apostrophe) this.scanApostrophe(chunk);
    if (!this.ledger) return;
    try {
      this.ledger.push(chunk);
    } catch (e) {
      if (!(e instanceof BulkUnsupported)) throw e;
      this.giveUp(e.message);
    }
  }

  /** The body is complete: true when the bulk path settled it (held bytes are let go), false when the ordinary path must. */
  end(): boolean {
    if (this.ledger && this.apostrophe) this.giveUp('an apostrophe before = + - @ (NDJSON answer)');
    if (!this.ledger) return false;
    try {
      this.ledger.end();
    } catch (e) {
      if (!(e instanceof BulkUnsupported)) throw e;
      this.giveUp(e.message);
      return false;
    }
    this.held = [];
    return true;
  }

  /** The settled ledger (after end() returned true). */
  settled(): BulkLedger {
    if (!this.ledger || this.held.length) throw new Error('BulkRun: not settled');
    return this.ledger;
  }

  /** The body's bytes so far, for the ordinary path (after the bulk path gave up). */
  takeHeld(): Uint8Array[] {
    const h = this.held;
    this.held = [];
    this.heldBytes = 0;
    return h;
  }

  private giveUp(reason: string): void {
    this.unsupported = reason;
    this.ledger = null; // its columns can go
  }

  private scanApostrophe(c: Uint8Array): void {
    const is = (b: number) => b === 61 || b === 43 || b === 45 || b === 64; // = + - @
    if (this.quoteAtEnd && c.length && is(c[0])) this.apostrophe = true;
    for (let i = c.indexOf(39); i >= 0 && !this.apostrophe; i = c.indexOf(39, i + 1)) {
      if (i + 1 < c.length && is(c[i + 1])) this.apostrophe = true;
    }
    if (c.length) this.quoteAtEnd = c[c.length - 1] === 39;
  }
}

/** csvCell's apostrophe taken off again (see BulkRun). */
function uncell(c: string): string {
  return c.charCodeAt(0) === 39 && /^'[=+\-@]/.test(c) && !/^'-?\d/.test(c) ? c.slice(1) : c;
}

/**
 * The results CSV of BulkLedger (header first: the spec's names or the platform's) as the NDJSON
 * result lines of the ordinary path, keyed by that header. The CSV arrives in pieces cut anywhere;
 * only complete records are turned, the rest waits for the next.
 */
export class ResultsToNdjson {
  private readonly decoder = new TextDecoder('utf-8');
  private carry = '';
  private columns: string[] | null = null;

  push(bytes: Uint8Array): string {
    return this.turn(this.carry + this.decoder.decode(bytes, { stream: true }), false);
  }

  end(): string {
    return this.turn(this.carry + this.decoder.decode(), true);
  }

  private turn(text: string, final: boolean): string {
    let out = '';
    let from = 0;
    const quotes = text.indexOf('"') >= 0;
    while (from < text.length) {
      // the record ends at a line break outside quotes (a quoted claim_id may hold one)
      let end = -1;
      let quoted = false;
      if (!quotes) end = text.indexOf('\n', from);
      else {
        let inside = false;
        for (let i = from; i < text.length; i++) {
          const c = text.charCodeAt(i);
          if (c === 34) { inside = !inside; quoted = true; }
          else if (c === 10 && !inside) { end = i; break; }
        }
      }
      if (end < 0) {
        if (!final) break;
        end = text.length;
      }
      const record = text.slice(from, end);
      from = end + 1;
      if (record === '') continue;
      const cells = quoted ? readCsv(record).next().value!.cells : record.split(',');
      if (this.columns === null) this.columns = cells;
      else out += this.line(cells);
    }
    this.carry = from < text.length ? text.slice(from) : '';
    return out;
  }

  private line(cells: string[]): string {
    const obj: Record<string, string> = { type: 'result' };
    this.columns!.forEach((c, i) => (obj[c] = uncell(cells[i])));
    return JSON.stringify(obj) + '\n';
  }
}

/**
 * The whole answer of a settled bulk run in pieces of bytes, each valid only during the call to
 * `sink` (copy it or send it at once).
 */
export function writeBulkAnswer(ledger: BulkLedger, outcome: LedgerOutcome, answer: BulkAnswer, sink: (bytes: Uint8Array) => void, pieceBytes = 256 * 1024): void {
  const enc = new TextEncoder();
  let text = '';
  const put = (s: string, force = false) => {
    text += s;
    if (text.length >= pieceBytes || (force && text)) {
      sink(enc.encode(text));
      text = '';
    }
  };
  if (answer === 'csv') {
    ledger.writeResults(sink, pieceBytes);
    for (const l of rejectedCsvLines(outcome)) put(l);
  } else {
    const turn = new ResultsToNdjson();
    ledger.writeResults((bytes) => put(turn.push(bytes)), pieceBytes / 4); // a line of NDJSON is about 3 of CSV
    put(turn.end());
    for (const l of rejectedNdjsonLines(outcome)) put(l);
    put(summaryLine(outcome));
  }
  put('', true);
}
