// `yibao settle` on the bulk path: the engine's run (engine/run runLedger: in memory or in partitions,
// the main run and each --compare run) given the file in chunks checked as UTF-8 as cli/io.ts readText
// checks it, a folder for the partitions (node/part-files.ts), a reader thread (cli/bulk-worker.ts) and
// a second one (cli/partition.ts), progress bars; the results and rejected rows written as
// cli/settle.ts writes them on the decimal path.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { isUtf8 } from 'node:buffer';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import {
  defaultBook, rejectedTable, toCsv, summaryText, monthlyWarningsTable, type LedgerOutcome, bilingual, readCsv, tableLedgerRows, YibaoError, BulkLedger,
  BulkUnsupported, PartWriter, runLedger, DEFAULT_LIMITS, type Book, type Scenario, type BulkRoster, type IdsExport,
  type RecordBatch, type BatchReader, type LedgerInput, type RunOutcome, type GroupKey, type Halves,
} from '../engine';
import { writeAtomic, runTempDir } from './io';
import { progressBar } from './progress';
import { FileParts, writeAll } from '../node/part-files';
import { SecondThread, partitionThreadAvailable } from './partition';
import { checkBudgetOptions, readRosterFile, printRosterRejections, printBudgetResults, RosterDifferences, type BudgetSettleOptions } from './settle-budget';

const CHUNK = 1 << 20;

function notUtf8(file: string): YibaoError {
  return new YibaoError(`文件 ${file} 不是 UTF-8 编码（可能是 GBK）：请另存为“CSV UTF-8”后重试`, `${file} is not UTF-8 (GBK?): save it as "CSV UTF-8" and try again`, 'fatal');
}

/**
 * Batches the reader thread may have on their way (each about 2.5 MB): waiting for the main thread, or
 * with two settling threads, for either of them (more, so that neither waits on the other's turn).
 */
export const maxInFlight = (forwarded: boolean) => (forwarded ? 6 : 3);

function cannotRead(file: string, e: unknown): YibaoError {
  const code = (e as NodeJS.ErrnoException).code;
  return new YibaoError(`无法读取文件 ${file}（${code ?? (e as Error).message}）`, `cannot read ${file} (${code ?? (e as Error).message})`, 'fatal');
}

/** A file's size (undefined: the reader says why it cannot read it). */
function sizeOf(file: string): number | undefined {
  try {
    return fs.statSync(file).size;
  } catch {
    return undefined;
  }
}

function envCount(name: string, fallback: number): number {
  const n = Number(process.env[name]);
  return Number.isInteger(n) && n > 0 ? n : fallback;
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

/**
 * A reader thread and a second settling thread (engine Halves) for a run in memory of `file`: the
 * second thread is the partitions' one (cli/partition.ts), working in the run's folder.
 */
function halvesOf(file: string, storage: FileParts, job: Parameters<SecondThread['half']>[0], rowsHint: number): Halves {
  const second = new SecondThread(storage.dir);
  const port = second.half(job, rowsHint);
  return {
    reader: (findDuplicates, hint, consume) => readOnThread(file, job.input ?? {}, hint, findDuplicates, consume, port),
    other: () => second.halfSummary(),
    stop: async () => {
      port.close();
      await second.stop();
    },
  };
}

/** The reader thread as the engine's run takes it. */
function readerOf(file: string, input: LedgerInput): BatchReader {
  return (findDuplicates, rowsHint, consume) => readOnThread(file, input, rowsHint, findDuplicates, consume);
}

/** A batch's arrays, to move across threads. */
export const transferOf = (b: RecordBatch) => [b.buf.buffer as ArrayBuffer, b.meta.buffer as ArrayBuffer, b.cells.buffer as ArrayBuffer, b.quoted.buffer as ArrayBuffer];

/**
 * Read a file on the reader thread (cli/bulk-worker.ts): it reads the header as `input` says (an
 * export's city and category column, the results' names), checks UTF-8, scans records and,
 * with `findDuplicates`, finds repeated claim ids; each batch of records is handed to `consume` on this
 * thread. Returns the claim ids the reader kept. Throws what the reader threw (BulkUnsupported,
 * YibaoError). This thread waits for batches without turning the event loop.
 *
 * With `forward` (a second settling thread's port, cli/partition-worker.ts): each readable record's
 * person is hashed by the reader, each batch goes on to the second thread once consumed here and comes
 * back from it to the reader; the claim ids go to it at the end.
 */
export function readOnThread(file: string, input: LedgerInput, rowsHint: number, findDuplicates: boolean, consume: (batch: RecordBatch) => void, forward?: MessagePort): IdsExport {
  const control = new Int32Array(new SharedArrayBuffer(12)); // [batches in flight, messages sent, heartbeat]
  const { port1, port2 } = new MessageChannel();
  // a small young generation: the reader allocates little that lives, and its RSS counts in the total
  // (2 MB rather than 4: the peak of an in-memory settle of 2,000,000 claims about 10 MB lower, no slower)
  const worker = new Worker(WORKER, { workerData: { file, input, rowsHint, findDuplicates, personHash: forward !== undefined, port: port2, control }, transferList: [port2], resourceLimits: { maxYoungGenerationSizeMb: 2 } });
  // back to the reader, whose next batch reuses its arrays
  const giveBack = (batch: RecordBatch) => {
    const spare = { buf: batch.buf, meta: batch.meta, cells: batch.cells, quoted: batch.quoted };
    port1.postMessage(spare, transferOf(batch));
    Atomics.sub(control, 0, 1);
    Atomics.notify(control, 0);
  };
  // the second thread wakes this one (control[1]) when it hands a batch back
  forward?.postMessage({ type: 'start', control });
  try {
    let seen = 0;
    let beat = -1;
    let quietSince = Date.now();
    for (;;) {
      if (forward) for (let r = receiveMessageOnPort(forward); r; r = receiveMessageOnPort(forward)) giveBack(r.message as RecordBatch);
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
        const batch = msg.batch!;
        consume(batch);
        if (forward) forward.postMessage({ type: 'batch', batch }, transferOf(batch));
        else giveBack(batch);
      } else if (msg.type === 'end') {
        forward?.postMessage({ type: 'end', ids: msg.ids });
        return msg.ids!;
      }
      else if (msg.type === 'unsupported') throw new BulkUnsupported(msg.message);
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

export interface BulkSettleCommand extends BudgetSettleOptions {
  input: string; out?: string; scenario?: Scenario;
  /** An export's city and category column; the results' names (default: the input's, as the decimal path). */
  city?: string; categoryColumn?: string; format?: 'spec' | 'nhsa';
}

/**
 * How the run reads the file's header and writes its results: the results under the input's names
 * unless --format says otherwise, so the header's convention is read first. A header the engine
 * refuses leaves the format open: the run then reports the header's error itself.
 */
function inputOf(cmd: BulkSettleCommand): LedgerInput {
  const input: LedgerInput = { city: cmd.city, categoryColumn: cmd.categoryColumn, format: cmd.format };
  if (input.format !== undefined) return input;
  const header = headerOf(cmd.input);
  if (header === undefined) return input;
  try {
    return { ...input, format: tableLedgerRows(header, [], input).convention };
  } catch (e) {
    if (e instanceof YibaoError) return input;
    throw e;
  }
}

/**
 * The file's first record (its header) as readCsv reads it, up to the first line break outside quotes
 * (a quoted cell may hold one; blank lines before it are skipped, as readCsv skips them); undefined
 * for a file without one, or whose first record is still open after 1 MB (the run then reads it, and
 * a platform export's is handed back to the decimal path: a header no one writes).
 */
function headerOf(file: string): string[] | undefined {
  const decoder = new TextDecoder();
  let text = '';
  let quotes = 0; // quote marks before `from`: a line break after an even number ends a record
  let from = 0;
  let start = 0; // where the record begins (after the blank lines read so far)
  const first = (end: number) => readCsv(text.slice(start, end)).next();
  for (const chunk of fileChunks(file)) {
    text += decoder.decode(chunk, { stream: true });
    for (let i = from; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 34) quotes++;
      else if (c === 10 && quotes % 2 === 0) {
        if (i === start || (i === start + 1 && text.charCodeAt(start) === 13)) { start = i + 1; continue; } // an empty line
        const h = first(i);
        if (!h.done) return h.value.error ? undefined : h.value.cells;
        start = i + 1; // a blank line
      }
    }
    text = text.slice(start); // the blank lines go
    start = 0;
    from = text.length;
    if (text.length > 1 << 20) return undefined;
  }
  const h = first((text += decoder.decode()).length);
  return h.done || h.value.error ? undefined : h.value.cells;
}

/** Counts of the bulk runs of this process, by kind (to see which path a run took, e.g. in tests). */
export const bulkRuns = { memory: 0, partitioned: 0, whatIf: 0 };

/**
 * The ledger file read as the bulk path reads it, settling nothing (an error in the options or the
 * roster is reported only after the ledger's own, as the decimal path reads the ledger first): throws
 * the ledger's error if it has one; false when the engine cannot partition it (BulkUnsupported: an id
 * over 4,096 bytes, say), which only the decimal path settles.
 */
function bulkCanRead(book: Book, file: string, input: LedgerInput): boolean {
  const splitter = new BulkLedger(book, { role: 'splitter', split: new PartWriter(1, () => undefined), ...input });
  try {
    for (const chunk of fileChunks(file)) splitter.push(chunk);
    splitter.end();
  } catch (e) {
    if (e instanceof BulkUnsupported) return false;
    throw e;
  }
  return true;
}

/**
 * `yibao settle` on the bulk path: the same files, messages and exit status as cli/settle.ts runSettle
 * on the decimal path (no explanations), every option but --explain: --format, --city,
 * --category-column, --summary, --compare and --roster (cli/settle-budget.ts), on a ledger under the
 * spec's or the national platform's names. A ledger of more rows than one partition holds
 * (cli/partition.ts) is cut into partitions, so memory stays bounded. Returns null for the one ledger
 * the engine cannot partition (BulkUnsupported: an id over 4,096 bytes, or past one of the engine's
 * other limits): then nothing has been written or printed, and the decimal path settles it.
 */
export async function runSettleBulk(book: Book, cmd: BulkSettleCommand, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Promise<number | null> {
  const input = inputOf(cmd);
  const budget = cmd.summary !== undefined || !!cmd.compare?.length || cmd.roster !== undefined;
  let groups: GroupKey[] | undefined;
  let roster: ReturnType<typeof readRosterFile> | undefined;
  if (budget) {
    try {
      groups = checkBudgetOptions(cmd);
      if (cmd.roster) roster = readRosterFile(book, cmd.roster);
    } catch (e) {
      if (e instanceof YibaoError && !bulkCanRead(book, cmd.input, input)) return null;
      throw e;
    }
  }
  const differences = roster ? new RosterDifferences(cmd.out ? `${cmd.out}.roster-differences.csv` : undefined) : undefined;
  const bulkRoster: BulkRoster | undefined = roster ? { index: roster.index, onDifference: (d) => differences!.add(d) } : undefined;
  const whatIfScenarios = cmd.compare ?? [];
  const bytes = sizeOf(cmd.input);
  const threads = os.availableParallelism() >= 2 && process.env.YIBAO_BULK_THREADS !== '1' ? 2 : 1;
  const read = progressBar(stderr, '读取 reading MB');
  const settle = progressBar(stderr, '结算 settling partitions');
  const request = (sink: (bytes: Uint8Array) => void) => runLedger(book, {
    source: () => fileChunks(cmd.input),
    bytes,
    scenario: cmd.scenario,
    input,
    whatIf: whatIfScenarios,
    groups,
    roster: bulkRoster,
    sink,
    limits: { memoryRows: envCount('YIBAO_MEMORY_ROWS', DEFAULT_LIMITS.memoryRows), partRows: envCount('YIBAO_PART_ROWS', DEFAULT_LIMITS.partRows) },
    storage: () => {
      const temp = runTempDir('parts');
      return new FileParts(temp.dir, temp.remove);
    },
    // in memory, a reader thread for files over 16 MB (bulkThreads); for the split, whenever there are two cores
    reader: (mode) => ((mode === 'memory' ? bulkThreads(cmd.input) : threads) > 1 && fs.existsSync(WORKER) ? readerOf(cmd.input, input) : undefined),
    helper: (storage) => (threads > 1 && book === defaultBook() && partitionThreadAvailable() ? new SecondThread((storage as FileParts).dir) : undefined),
    // in memory, for files over 16 MB: a second thread settles half of the persons while the file is read
    halves: (storage, job, rowsHint) => (bulkThreads(cmd.input) > 1 && fs.existsSync(WORKER) && book === defaultBook() && partitionThreadAvailable() ? halvesOf(cmd.input, storage as FileParts, job, rowsHint) : undefined),
    progress: (phase, done, total) => {
      if (phase === 'read') read.update(Math.round(done / 2 ** 20), Math.round(total / 2 ** 20));
      else {
        read.done();
        settle.update(done, total);
      }
    },
  });
  let run: RunOutcome;
  try {
    run = await (cmd.out ? writeAtomicBytes(cmd.out, request) : request((bytes) => stdout.write(Buffer.from(bytes))));
  } catch (e) {
    differences?.discard();
    if (e instanceof BulkUnsupported) return null;
    throw e;
  }
  if (run.parts > 0) {
    settle.done();
    bulkRuns.partitioned++;
  } else {
    bulkRuns.memory++;
    bulkRuns.whatIf += run.whatIf.length;
  }
  const main = run.main;
  const outcome = main.outcome;
  // the roster's rejected rows only now: the decimal path reads the ledger first
  if (roster) printRosterRejections(roster.rejections, stderr);
  if (cmd.out) {
    const rejectedFile = `${cmd.out}.rejected.csv`;
    if (outcome.rejections.length) writeAtomic(rejectedFile, toCsv(rejectedTable(outcome, input.format)));
    stderr.write(`结果已写入 results written to ${path.resolve(cmd.out)}${outcome.rejections.length ? `\n被拒绝的行 rejected rows: ${path.resolve(rejectedFile)}` : ''}\n`);
  } else {
    for (const r of outcome.rejections) stderr.write(`第 ${r.line} 行被拒绝 (line ${r.line} rejected): ${bilingual(r.reason)}\n`);
  }
  writeMonthlyWarnings(cmd.out, outcome, stderr);
  if (cmd.scenario) stderr.write(`情景 scenario: ${cmd.scenario.name}\n`);
  stderr.write(summaryText(outcome));
  if (budget) {
    printBudgetResults(cmd, {
      differences,
      notOnRoster: run.notOnRoster,
      summary: main.groups,
      comparison: run.comparison,
    }, stdout, stderr);
  }
  return outcome.rejections.length ? 3 : 0;
}

/**
 * The monthly warning list (spec 10.6), beside the results: `<out>.monthly-warnings.csv` with --out,
 * else on standard error. Nothing when the list is empty.
 */
export function writeMonthlyWarnings(out: string | undefined, outcome: LedgerOutcome, stderr: NodeJS.WritableStream): void {
  const list = outcome.monthlyWarnings ?? [];
  if (!list.length) return;
  if (out) {
    const file = `${out}.monthly-warnings.csv`;
    writeAtomic(file, toCsv(monthlyWarningsTable(outcome)));
    stderr.write(`按月预警名单 monthly warning list: ${path.resolve(file)}\n`);
  } else {
    for (const w of list) stderr.write(`按月预警 monthly warning: ${w.city} ${w.person_id} ${w.month} 个人负担 oop_total ${w.oop_total} > 预警线 line ${w.line}（${w.claims} 笔 claims）\n`);
  }
}
