// File I/O for the bulk path (engine/bulk is pure): read a ledger file in chunks, check it is UTF-8 as
// cli/io.ts readText does, settle, and write the results and rejected rows as `yibao settle` does.
// The Functions app can do the same with a blob's chunks: new BulkLedger(book, { scenario }),
// push(chunk) …, end(), writeResults(sink), outcome() (see docs/performance.md).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { isUtf8 } from 'node:buffer';
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import { rejectedTable, toCsv, summaryText, bilingual, YibaoError, type Book, type LedgerOutcome, type Scenario } from '../engine';
import { BulkLedger, BulkUnsupported, type IdsExport, type RecordBatch } from '../engine/bulk/ledger';
import { writeAtomic, writeAll } from './io';
import { progressBar } from './progress';
import { partitionsFor, settlePartitioned } from './partition';

const CHUNK = 1 << 20;

function notUtf8(file: string): YibaoError {
  return new YibaoError(`文件 ${file} 不是 UTF-8 编码（可能是 GBK）：请另存为“CSV UTF-8”后重试`, `${file} is not UTF-8 (GBK?): save it as "CSV UTF-8" and try again`, 'fatal');
}

/** Batches the reader thread may have waiting for the main thread. */
export const MAX_IN_FLIGHT = 3;

function cannotRead(file: string, e: unknown): YibaoError {
  const code = (e as NodeJS.ErrnoException).code;
  return new YibaoError(`无法读取文件 ${file}（${code ?? (e as Error).message}）`, `cannot read ${file} (${code ?? (e as Error).message})`, 'fatal');
}

/** Rows to expect from a file's size (sizes hash tables once). */
function rowsHintOf(file: string): number {
  try {
    return Math.min(50_000_000, Math.round(fs.statSync(file).size / 80));
  } catch {
    return 0;
  }
}

/**
 * Read a file ('-': standard input) in chunks, checked as UTF-8 the way cli/io.ts readText checks it
 * (same messages) unless `utf8Checked` (a file this run wrote).
 */
export function readChunks(file: string, onChunk: (chunk: Uint8Array) => void, utf8Checked = false): void {
  for (const chunk of fileChunks(file, utf8Checked)) onChunk(chunk);
}

/** readChunks as a generator (each chunk valid until the next is asked for). */
export function* fileChunks(file: string, utf8Checked = false): Generator<Uint8Array> {
  let fd: number;
  try {
    fd = file === '-' ? 0 : fs.openSync(file, 'r');
  } catch (e) {
    throw cannotRead(file, e);
  }
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    let tail: Buffer = Buffer.alloc(0); // bytes after the last line break, not yet checked as UTF-8
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(fd, buf, 0, CHUNK, null);
      } catch (e) {
        // standard input may be a non-blocking pipe: wait for it
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
          continue;
        }
        throw cannotRead(file, e);
      }
      if (n === 0) break;
      const chunk = buf.subarray(0, n);
      if (utf8Checked) {
        yield chunk;
        continue;
      }
      // a line break is never inside a UTF-8 sequence: check up to the last one, carry the rest
      const cut = chunk.lastIndexOf(10) + 1;
      if (cut > 0) {
        const head = tail.length ? Buffer.concat([tail, chunk.subarray(0, cut)]) : chunk.subarray(0, cut);
        if (!isUtf8(head)) throw notUtf8(file);
        tail = Buffer.from(chunk.subarray(cut));
      } else {
        tail = Buffer.concat([tail, chunk]);
      }
      yield chunk;
    }
    if (tail.length && !isUtf8(tail)) throw notUtf8(file);
  } finally {
    if (fd !== 0) fs.closeSync(fd);
  }
}

/**
 * How many threads the bulk path uses: 2 (a reader thread beside the main one) when the machine has two
 * cores, the file is over 16 MB (below that, starting a thread costs more than it saves) and the
 * compiled worker exists. YIBAO_BULK_THREADS=1 or 2 chooses.
 */
export function bulkThreads(file: string): number {
  const env = process.env.YIBAO_BULK_THREADS;
  if (env === '1' || !fs.existsSync(WORKER)) return 1;
  if (env === '2') return 2;
  if (os.availableParallelism() < 2) return 1;
  try {
    return fs.statSync(file).size > 16 << 20 ? 2 : 1;
  } catch {
    return 1;
  }
}

const WORKER = path.join(__dirname, 'bulk-worker.js');

/** Read a ledger file into a BulkLedger and settle it; throws BulkUnsupported when the run needs settleLedger. */
export function settleFileBulk(book: Book, file: string, scenario?: Scenario, threads = bulkThreads(file)): BulkLedger {
  const rowsHint = rowsHintOf(file);
  if (threads < 2) {
    const ledger = new BulkLedger(book, { scenario, rowsHint });
    readChunks(file, (chunk) => ledger.push(chunk));
    ledger.end();
    return ledger;
  }
  // Two threads: the worker reads, scans and finds duplicates; this thread validates, settles and writes.
  const ledger = new BulkLedger(book, { scenario, rowsHint, role: 'settler' });
  const control = new Int32Array(new SharedArrayBuffer(12)); // [batches in flight, messages sent, heartbeat]
  const { port1, port2 } = new MessageChannel();
  // a small young generation: the reader allocates little that lives, and its RSS counts in the total
  const worker = new Worker(WORKER, { workerData: { file, rowsHint, port: port2, control }, transferList: [port2], resourceLimits: { maxYoungGenerationSizeMb: 4 } });
  try {
    let seen = 0;
    let beat = -1;
    let quietSince = Date.now();
    for (;;) {
      const m = receiveMessageOnPort(port1);
      if (!m) {
        Atomics.wait(control, 1, seen, 1000);
        seen = Atomics.load(control, 1);
        // a reader that died without a word (out of memory) must not leave this thread waiting for ever
        const b = Atomics.load(control, 2);
        if (b !== beat) { beat = b; quietSince = Date.now(); }
        else if (Date.now() - quietSince > 60_000) throw new Error('bulk reader thread stopped without an answer');
        continue;
      }
      const msg = m.message as { type: string; batch?: RecordBatch; ids?: IdsExport; message?: string; zh?: string; en?: string; code?: string };
      if (msg.type === 'batch') {
        ledger.consume(msg.batch!);
        Atomics.sub(control, 0, 1);
        Atomics.notify(control, 0);
      } else if (msg.type === 'end') {
        ledger.endWith(msg.ids!);
        return ledger;
      } else if (msg.type === 'unsupported') throw new BulkUnsupported(msg.message);
      else if (msg.type === 'error') throw new YibaoError(msg.zh!, msg.en!, msg.code);
      else throw new Error(`bulk reader thread: ${msg.message}`);
    }
  } finally {
    port1.close();
    void worker.terminate();
  }
}

/** Write a file the way writeAtomic does (a temporary name, renamed at the end) from pieces of bytes. */
async function writeAtomicBytes<T>(file: string, write: (sink: (bytes: Uint8Array) => void) => T | Promise<T>): Promise<T> {
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  let result: T;
  try {
    result = await write((bytes) => writeAll(fd, bytes));
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
  return result;
}

export interface BulkSettleCommand { input: string; out?: string; scenario?: Scenario }

/**
 * `yibao settle` on the bulk path: the same files, messages and exit status as cli/settle.ts runSettle
 * for a plain run (spec column names, no explanations). A ledger of more rows than one partition
 * holds (cli/partition.ts) is cut into partitions, so memory stays bounded. Returns null when the file
 * needs the ordinary path (then nothing has been written).
 */
export async function runSettleBulk(book: Book, cmd: BulkSettleCommand, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Promise<number | null> {
  const parts = partitionsFor(cmd.input);
  let outcome: LedgerOutcome;
  try {
    if (parts > 0) {
      const threads = os.availableParallelism() >= 2 && process.env.YIBAO_BULK_THREADS !== '1' ? 2 : 1;
      const read = progressBar(stderr, '读取 reading MB');
      const settle = progressBar(stderr, '结算 settling partitions');
      const progress = (phase: 'read' | 'settle', done: number, total: number) => {
        if (phase === 'read') read.update(Math.round(done / 2 ** 20), Math.round(total / 2 ** 20));
        else {
          read.done();
          settle.update(done, total);
        }
      };
      const write = (sink: (bytes: Uint8Array) => void) => settlePartitioned(book, cmd.input, cmd.scenario, parts, sink, { threads, progress });
      outcome = (await (cmd.out ? writeAtomicBytes(cmd.out, write) : write((bytes) => stdout.write(Buffer.from(bytes))))).outcome;
      settle.done();
    } else {
      const ledger = settleFileBulk(book, cmd.input, cmd.scenario);
      outcome = ledger.outcome();
      if (cmd.out) await writeAtomicBytes(cmd.out, (sink) => ledger.writeResults(sink));
      else ledger.writeResults((bytes) => stdout.write(Buffer.from(bytes)));
    }
  } catch (e) {
    if (e instanceof BulkUnsupported) return null;
    throw e;
  }
  if (cmd.out) {
    const rejectedFile = `${cmd.out}.rejected.csv`;
    if (outcome.rejections.length) writeAtomic(rejectedFile, toCsv(rejectedTable(outcome)));
    stderr.write(`结果已写入 results written to ${path.resolve(cmd.out)}${outcome.rejections.length ? `\n被拒绝的行 rejected rows: ${path.resolve(rejectedFile)}` : ''}\n`);
  } else {
    for (const r of outcome.rejections) stderr.write(`第 ${r.line} 行被拒绝 (line ${r.line} rejected): ${bilingual(r.reason)}\n`);
  }
  if (cmd.scenario) stderr.write(`情景 scenario: ${cmd.scenario.name}\n`);
  stderr.write(summaryText(outcome));
  return outcome.rejections.length ? 3 : 0;
}
