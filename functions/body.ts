// Request bodies read as a stream: bytes are counted against the size limit as they arrive (413 as
// soon as it is passed, or at once from Content-Length), CSV goes through engine/csv.ts readCsvStream and
// NDJSON line by line, and what is kept is one compact row per claim, never the body's text. (The
// bulk path of POST /api/settle keeps a CSV body's bytes instead, until BulkLedger has taken all of
// them: see functions/handlers/settle.ts.)
import { isUtf8 } from 'node:buffer';
import type { HttpRequest } from '@azure/functions';
import {
  tableLedgerRows, ndjsonRow, TextLines, YibaoError, readCsvStream, type LedgerRow, type Convention, type LedgerHeaderOptions,
  type CsvRecord,
} from '../engine';
import { HttpProblem } from './problem';

export type LedgerFormat = 'csv' | 'ndjson';

const CSV_TYPES = ['text/csv', 'text/plain', 'application/csv', 'application/octet-stream', 'application/x-www-form-urlencoded'];
const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines', 'application/jsonlines'];

/** The ledger's format from Content-Type (none: CSV). Anything else is a 415 naming what is accepted. */
export function ledgerFormat(request: HttpRequest): LedgerFormat {
  const raw = request.headers.get('content-type');
  const type = (raw ?? '').split(';')[0].trim().toLowerCase();
  if (type === '' || CSV_TYPES.includes(type)) return 'csv';
  if (NDJSON_TYPES.includes(type)) return 'ndjson';
  throw new HttpProblem(415, `不支持的内容类型“${type.slice(0, 60)}”：台账须为 CSV（text/csv）或 NDJSON（application/x-ndjson）`, `unsupported Content-Type "${type.slice(0, 60)}": send the ledger as CSV (text/csv) or NDJSON (application/x-ndjson)`, 'content_type');
}

export function tooLarge(limit: number): HttpProblem {
  const mb = (limit / 1024 / 1024).toFixed(limit % (1024 * 1024) === 0 ? 0 : 1);
  return new HttpProblem(413, `请求体超过上限 ${mb} MB（应用设置 YIBAO_MAX_BODY_BYTES）；更大的台账请用 POST /api/jobs，更大的花名册请用 POST /api/jobs?kind=budget&year=…`, `the body exceeds the limit of ${mb} MB (app setting YIBAO_MAX_BODY_BYTES); send larger ledgers to POST /api/jobs, larger rosters to POST /api/jobs?kind=budget&year=…`, 'too_large');
}

/** The body's bytes as they arrive, refused with 413 past `limit` (checked on Content-Length first). */
export async function* bodyChunks(request: HttpRequest, limit: number, over: (limit: number) => HttpProblem = tooLarge): AsyncGenerator<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw over(limit);
  const body = request.body as ReadableStream<Uint8Array> | null;
  if (!body) return;
  let seen = 0;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      seen += value.byteLength;
      if (seen > limit) throw over(limit);
      yield value;
    }
  } finally {
    // Stop reading (a refused body is not read to its end).
    reader.cancel().catch(() => undefined);
  }
}

/** What is being read, for the message of notUtf8. */
export interface Source { zh: string; en: string }
const BODY: Source = { zh: '请求体', en: 'the body' };

/** Bytes that are not UTF-8 (a GBK export, as Excel saves CSV in China) stop the read, as on the command line. */
export function notUtf8(what: Source = BODY): YibaoError {
  return new YibaoError(`${what.zh}不是 UTF-8 编码（可能是 GBK）：请另存为“CSV UTF-8”后重试`, `${what.en} is not UTF-8 (GBK?): save it as "CSV UTF-8" and try again`, 'fatal');
}

/**
 * The text of a byte stream, decoded as strict UTF-8 (a character split across chunks is joined):
 * bytes that are not UTF-8 are refused (notUtf8, answered 422), never replaced by U+FFFD, which
 * would turn different names and ids into the same garbled text. `keepBom` leaves a leading BOM in
 * the text for readCsv, which drops it itself.
 */
export async function* utf8Text(chunks: AsyncIterable<Uint8Array>, keepBom: boolean, what: Source = BODY): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: keepBom });
  const decode = (c?: Uint8Array): string => {
    try {
      return c ? decoder.decode(c, { stream: true }) : decoder.decode();
    } catch {
      throw notUtf8(what);
    }
  };
  for await (const c of chunks) {
    const s = decode(c);
    if (s) yield s;
  }
  const tail = decode();
  if (tail) yield tail;
}

/**
 * The same bytes, checked to be UTF-8 as they pass (for input stored or settled as it arrives): the
 * same errors, at the same chunk, as decoding them with utf8Text. A chunk that is whole UTF-8 by itself
 * is checked by node:buffer isUtf8, without making text; the decoder takes a chunk that is not (an
 * error, or a character cut between chunks) and those after it while it may hold part of a character.
 */
export async function* utf8Checked(chunks: AsyncIterable<Uint8Array>, what: Source = BODY): AsyncGenerator<Uint8Array> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let pending = false; // the decoder may hold the start of a character
  const check = (c?: Uint8Array): void => {
    try {
      if (c) decoder.decode(c, { stream: true });
      else decoder.decode();
    } catch {
      throw notUtf8(what);
    }
  };
  for await (const c of chunks) {
    if (pending || !isUtf8(c)) {
      check(c);
      if (c.length) pending = c[c.length - 1] >= 0x80; // after an ASCII byte nothing can be pending
    }
    yield c;
  }
  if (pending) check();
}

export interface ReadLedger { rows: LedgerRow[]; convention: Convention; bytes: number }

/** 400 for a body without even a header. */
export const EMPTY = () => new HttpProblem(400, '请求体为空：请发送台账（CSV 表头须含 claim_id,person_id,category,city,date,kind,total,compliant）', 'the body is empty: send a ledger (the CSV header needs claim_id,person_id,category,city,date,kind,total,compliant)', 'empty');

/**
 * The ledger of a request as compact rows. CSV rows go through tableLedgerRows exactly as the command
 * line's (header checks, the national platform's names, cell counts), one record at a time.
 */
export async function readLedger(request: HttpRequest, limit: number, opts: LedgerHeaderOptions = {}): Promise<ReadLedger> {
  return readLedgerChunks(ledgerFormat(request), bodyChunks(request, limit), opts);
}

/** readLedger on a body's bytes as they arrive (already counted against the limit). */
export async function readLedgerChunks(format: LedgerFormat, chunks: AsyncIterable<Uint8Array>, opts: LedgerHeaderOptions = {}): Promise<ReadLedger> {
  let bytes = 0;
  const counted = async function* () {
    for await (const c of chunks) {
      bytes += c.byteLength;
      yield c;
    }
  };
  const rows: LedgerRow[] = [];
  if (format === 'ndjson') {
    for await (const row of ndjsonRows(utf8Text(counted(), false))) rows.push(row);
    if (rows.length === 0) throw EMPTY();
    return { rows, convention: 'spec', bytes };
  }
  const records = readCsvStream(utf8Text(counted(), true));
  const convention = await pipeCsvRows(records, opts, (row) => { rows.push(row); });
  if (convention === undefined) throw EMPTY();
  return { rows, convention, bytes };
}

/**
 * The first record of a CSV body (its header: cells as readCsv reads them), reading only as far as
 * it ends; every chunk read is added to `held`, and `src` is left open for the rest. Undefined for a
 * body without a record.
 */
export async function firstRecord(src: AsyncIterator<Uint8Array>, held: Uint8Array[]): Promise<string[] | undefined> {
  const view = async function* () {
    for (;;) {
      const n = await src.next();
      if (n.done) return;
      held.push(n.value);
      yield n.value;
    }
  };
  for await (const r of readCsvStream(view())) return r.cells;
  return undefined;
}

/** The chunks already read, then the rest of `src` (closed when the reader stops). */
export async function* replay(held: Uint8Array[], src: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    while (held.length) yield held.shift()!;
    for (;;) {
      const n = await src.next();
      if (n.done) return;
      yield n.value;
    }
  } finally {
    await src.return?.();
  }
}

/**
 * Feed CSV records through tableLedgerRows one at a time. The engine's row pipeline is synchronous
 * and stateful (the national platform's certno checks run across rows), so it is created once and
 * pulled exactly one row per record pushed: it yields one row per record and never asks ahead.
 * Returns the convention, or undefined for an input without even a header.
 */
export async function pipeCsvRows(records: AsyncIterable<CsvRecord>, opts: LedgerHeaderOptions, sink: (row: LedgerRow) => void | Promise<void>): Promise<Convention | undefined> {
  const it = records[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return undefined;
  const queue: CsvRecord[] = [];
  const source: Iterable<CsvRecord> = {
    [Symbol.iterator]: () => ({
      next: (): IteratorResult<CsvRecord> => {
        const r = queue.shift();
        if (!r) throw new Error('internal: the ledger pipeline read ahead of its input');
        return { value: r, done: false };
      },
    }),
  };
  const read = tableLedgerRows(first.value.cells, source, opts);
  const out = read.rows[Symbol.iterator]();
  for (;;) {
    const r = await it.next();
    if (r.done) break;
    queue.push(r.value);
    const row = out.next();
    if (row.done) throw new Error('internal: the ledger pipeline ended early');
    await sink(row.value);
  }
  return read.convention;
}

/**
 * NDJSON claims: one JSON object per line with the spec's column names; values are text or numbers.
 * A line that is not such an object is a rejected row with its line number; keys that could reach a
 * prototype are refused (parseJsonData).
 */
export async function* ndjsonRows(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<LedgerRow> {
  const lines = new TextLines(); // the engine's one splitter of NDJSON lines
  const rows = (ls: { line: number; text: string }[]) => ls.map((l) => ndjsonRow(l.text, l.line)).filter((r): r is LedgerRow => r !== null);
  for await (const c of chunks) yield* rows(lines.push(c));
  yield* rows(lines.end());
}
