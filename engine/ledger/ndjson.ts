// NDJSON claims (one JSON object per line, the spec's column names; values text or numbers) as
// records of the columnar ledger: each object becomes a CSV record under the spec's columns, read
// by the same intake as a CSV file's, with the NDJSON line's number; a line that is not such an
// object is a rejected row. ndjsonRow is the one reading of a line, for the row path too.
import { YibaoError } from '../errors';
import { normalizeName } from '../catalog';
import { parseJsonData } from '../scenario';
import type { LedgerRow } from '../claims';
import { specHeader, specRecord } from './records';

/**
 * One NDJSON line: its fields keyed by normalized name, or why it cannot be read (keys that could
 * reach a prototype are refused: parseJsonData). Null for a blank line (not a row).
 */
export function ndjsonRow(text: string, line: number): LedgerRow | null {
  if (text.trim() === '') return null;
  let data: unknown;
  try {
    data = parseJsonData(text, { zh: `第 ${line} 行`, en: `line ${line}` });
  } catch (e) {
    if (!(e instanceof YibaoError)) throw e;
    return { line, error: new YibaoError('该行不是有效的 JSON（或含有不允许的键）', 'the line is not valid JSON (or has a forbidden key)', 'json') };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { line, error: new YibaoError('该行须为 JSON 对象 {"claim_id": …}', 'the line must be a JSON object {"claim_id": …}', 'json') };
  }
  const fields: Record<string, string> = Object.create(null);
  let bad: string | undefined;
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
    const key = normalizeName(k).toLowerCase();
    if (v === null || v === undefined) fields[key] = '';
    else if (typeof v === 'string') fields[key] = v;
    else if (typeof v === 'number' && Number.isFinite(v)) fields[key] = String(v);
    else bad ??= key;
  }
  if (bad !== undefined) {
    const claim = fields.claim_id;
    return { line, fields: claim !== undefined ? { claim_id: claim } : undefined, error: new YibaoError(`字段 ${bad.slice(0, 40)} 须为文本或数字`, `field ${bad.slice(0, 40)} must be text or a number`, 'json') };
  }
  return { line, fields };
}

/**
 * A UTF-8 text's lines (LF or CRLF), numbered from 1, from bytes in pieces of any size: the one
 * splitter of NDJSON bodies and blobs. push() returns the lines a piece completed, end() the last.
 */
export class TextLines {
  private readonly decoder = new TextDecoder('utf-8');
  private buf = '';
  private line = 0;

  push(piece: Uint8Array | string): { line: number; text: string }[] {
    this.buf += typeof piece === 'string' ? piece : this.decoder.decode(piece, { stream: true });
    return this.take(false);
  }

  end(): { line: number; text: string }[] {
    this.buf += this.decoder.decode();
    return this.take(true);
  }

  private take(final: boolean): { line: number; text: string }[] {
    const out: { line: number; text: string }[] = [];
    const buf = this.buf;
    let from = 0;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n', from)) {
      out.push({ line: ++this.line, text: buf.slice(from, nl > from && buf.charCodeAt(nl - 1) === 13 ? nl - 1 : nl) });
      from = nl + 1;
    }
    this.buf = buf.slice(from);
    if (final && this.buf.length) {
      out.push({ line: ++this.line, text: this.buf.endsWith('\r') ? this.buf.slice(0, -1) : this.buf });
      this.buf = '';
    }
    return out;
  }
}

/** Where NdjsonFeed puts what it reads: BulkLedger's CSV intake. */
export interface NdjsonSink {
  /** CSV bytes (the spec's header). */
  csv(bytes: Uint8Array): void;
  /** One CSV record read as if it stood on `line`. */
  record(bytes: Uint8Array, line: number): void;
  /** A line that is not a claim object: rejected, counted as read. */
  reject(line: number, claimId: string | undefined, error: YibaoError): void;
}

/**
 * An NDJSON body's bytes as CSV records of the spec's columns and a last column county (the totals
 * by county read it, as a CSV ledger's county column; summarize reads an NDJSON row's county field),
 * for BulkLedger with `body: 'ndjson'`. A field absent from an object is an empty cell: validateClaim
 * reads both alike, and an empty county is an unknown one. The header goes in before the first row,
 * so that a body without one ends as an empty ledger.
 */
export class NdjsonFeed {
  private started = false;
  private readonly lines = new TextLines();
  constructor(private readonly sink: NdjsonSink) {}

  push(piece: Uint8Array): void {
    for (const l of this.lines.push(piece)) this.line(l.text, l.line);
  }

  end(): void {
    for (const l of this.lines.end()) this.line(l.text, l.line);
  }

  private line(text: string, line: number): void {
    const row = ndjsonRow(text, line);
    if (row === null) return;
    if (!this.started) {
      this.started = true;
      this.sink.csv(specHeader(true));
    }
    if (row.error) this.sink.reject(line, row.fields?.claim_id?.trim() || undefined, row.error);
    else this.sink.record(specRecord(row.fields!, row.fields!.county ?? ''), line);
  }
}
