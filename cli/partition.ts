// The bulk path in bounded memory on one machine (engine/bulk/partition.ts): the partitions live in a
// temporary folder under the system's (TMPDIR), removed at the end whatever happens; partitions are
// settled on this thread and a worker where the machine has two cores.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { defaultBook, scenarioData, scenarioFrom, YibaoError, type Book, type LedgerOutcome, type Scenario } from '../engine';
import { BulkLedger, BulkUnsupported, type BulkRoster } from '../engine/ledger/bulk';
import { PartWriter, duplicateLines, linesOf, mergeOutcomes, mergeResults, sortedLines, GroupMerger, type PartStream, type PartSummary } from '../engine/bulk/partition';
import type { GroupKey, LedgerGroups } from '../engine/summary';
import { readChunks, fileChunks, readOnThread } from './bulk';
import { writeAll, runTempDir } from './io';

function envCount(name: string, fallback: number): number {
  const n = Number(process.env[name]);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/**
 * How many partitions a ledger file needs: 0 when it is settled in memory at once (up to
 * YIBAO_MEMORY_ROWS rows, 1,500,000 by default: below that it is faster, and takes at most about
 * 250 MB), else enough for about YIBAO_PART_ROWS rows each (250,000 by default: about 250 MB whatever
 * the ledger's size). Rows are estimated from the file's size (80 bytes a row).
 */
export function partitionsFor(file: string): number {
  let rows: number;
  try {
    rows = fs.statSync(file).size / 80;
  } catch {
    return 0; // the reader says why it cannot read the file
  }
  if (rows <= envCount('YIBAO_MEMORY_ROWS', 1_500_000)) return 0;
  // at most 1,024: the merge keeps a read buffer per partition
  return Math.min(1024, Math.ceil(rows / envCount('YIBAO_PART_ROWS', 250_000)));
}

const WORKER = path.join(__dirname, 'partition-worker.js');
const READER = path.join(__dirname, 'bulk-worker.js');

/** A turn of the event loop (signals, other threads' messages). */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

export const partFile = (dir: string, stream: PartStream | 'results', k: number) => path.join(dir, `${stream}-${k}`);

/**
 * What every partition of a folder is settled for besides its results (job.json, written before the
 * partitions are settled, read by each thread): totals per group, and what-if scenarios (--compare)
 * under which each partition is settled again (their summaries only).
 */
interface PartJob { groups?: GroupKey[]; whatIf?: { data: unknown; name: string }[] }

const jobFile = (dir: string) => path.join(dir, 'job.json');

function readJob(dir: string): PartJob {
  return fs.existsSync(jobFile(dir)) ? (JSON.parse(fs.readFileSync(jobFile(dir), 'utf8')) as PartJob) : {};
}

/**
 * Settle partition k of `dir`: its framed results to results-k; its rows and lines files are removed.
 * With a job.json, its summary carries the partition's group sums, and `whatIf` the summaries of the
 * partition settled again under each what-if scenario (one ledger in memory at a time).
 */
export function settlePart(book: Book, scenario: Scenario | undefined, dir: string, k: number, duplicates: Int32Array): PartSummary {
  const job = readJob(dir);
  const lines = linesOf(fs.readFileSync(partFile(dir, 'lines', k)));
  const settle = (sc: Scenario | undefined, write: boolean): PartSummary => {
    const ledger = new BulkLedger(book, { scenario: sc, lines, duplicates, rowsHint: lines.length, groups: job.groups });
    readChunks(partFile(dir, 'rows', k), (chunk) => ledger.push(chunk), true);
    ledger.end();
    if (write) {
      const fd = fs.openSync(partFile(dir, 'results', k), 'w');
      try {
        ledger.writeFramed((bytes) => writeAll(fd, bytes));
      } finally {
        fs.closeSync(fd);
      }
    }
    return ledger.partSummary();
  };
  const summary = settle(scenario, true);
  if (job.whatIf?.length) summary.whatIf = job.whatIf.map((w) => settle(scenarioFrom(book, w.data, w.name), false));
  fs.rmSync(partFile(dir, 'rows', k));
  fs.rmSync(partFile(dir, 'lines', k));
  return summary;
}

interface WorkerAnswer { k?: number; summary?: PartSummary; dupes?: number[][]; done?: true; unsupported?: string; zh?: string; en?: string; code?: string; crash?: string }

/** The repeated claim ids of these id partitions (their files are removed). */
export function dedupeParts(dir: string, parts: number[]): number[][] {
  return parts.map((k) => {
    const name = partFile(dir, 'ids', k);
    const lines = duplicateLines(fs.readFileSync(name));
    fs.rmSync(name);
    return lines;
  });
}

/**
 * The second thread (cli/partition-worker.ts) for the dedupe and settle steps: one extra V8 heap, not
 * two, beside this thread, which would be idle otherwise. (The split has the reader thread instead.)
 */
class SecondThread {
  private readonly worker: Worker;
  private readonly answers: WorkerAnswer[] = [];
  private wake: (() => void) | null = null;
  private failure: Error | null = null;

  constructor(dir: string, scenario: Scenario | undefined) {
    this.worker = new Worker(WORKER, { workerData: { dir, scenario: scenario ? scenarioData(scenario) : null, scenarioName: scenario?.name }, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
    const fail = (e: Error) => {
      this.failure ??= e;
      this.wake?.();
    };
    this.worker.on('message', (a: WorkerAnswer) => {
      if (a.unsupported !== undefined) fail(new BulkUnsupported(a.unsupported));
      else if (a.zh !== undefined) fail(new YibaoError(a.zh, a.en!, a.code));
      else if (a.crash !== undefined) fail(new Error(`partition thread: ${a.crash}`));
      else {
        this.answers.push(a);
        this.wake?.();
      }
    });
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`partition thread stopped (${code})`)));
  }

  send(ask: unknown): void {
    this.worker.postMessage(ask);
  }

  /** The answers so far (taken), or a throw if the thread failed. */
  take(): WorkerAnswer[] {
    if (this.failure) throw this.failure;
    return this.answers.splice(0);
  }

  /** Wait for the next answer (or failure). */
  async next(): Promise<void> {
    if (this.answers.length || this.failure) return;
    await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = null;
  }

  async stop(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

/** Find the repeated claim ids of every id partition, half of them on the second thread. */
async function dedupe(dir: string, parts: number[], second: SecondThread | null): Promise<Int32Array> {
  const theirs = second ? parts.filter((_, i) => i % 2 === 1) : [];
  if (second) second.send({ type: 'dedupe', parts: theirs });
  const lists = dedupeParts(dir, parts.filter((k) => !theirs.includes(k)));
  if (second) {
    let got: WorkerAnswer | undefined;
    while (!(got = second.take().find((a) => a.dupes))) await second.next();
    lists.push(...got.dupes!);
  }
  return sortedLines(lists);
}

/** Settle the partitions, on this thread and the second one from a shared counter; summaries in partition order. */
async function settleParts(book: Book, scenario: Scenario | undefined, dir: string, parts: number[], duplicates: Int32Array, second: SecondThread | null, onDone: (summary: PartSummary) => void): Promise<PartSummary[]> {
  const out = new Map<number, PartSummary>();
  const counter = new Int32Array(new SharedArrayBuffer(4));
  let done = false;
  const theirs = () => {
    for (const a of second!.take()) {
      if (a.done) done = true;
      else if (a.summary) {
        onDone(a.summary);
        out.set(a.k!, a.summary);
      }
    }
  };
  if (second) {
    const shared = new Int32Array(new SharedArrayBuffer(duplicates.byteLength));
    shared.set(duplicates);
    second.send({ type: 'settle', duplicates: shared, parts, counter });
  }
  try {
    for (let i = Atomics.add(counter, 0, 1); i < parts.length; i = Atomics.add(counter, 0, 1)) {
      const summary = settlePart(book, scenario, dir, parts[i], duplicates);
      onDone(summary);
      out.set(parts[i], summary);
      if (second) theirs();
      await turn(); // a Ctrl-C is heard between partitions
    }
    while (second && !done) {
      await second.next();
      theirs();
    }
  } catch (e) {
    Atomics.store(counter, 0, parts.length); // the other thread stops taking partitions too
    throw e;
  }
  return parts.map((k) => out.get(k)!);
}

/** One run over the whole ledger, from its partitions' summaries. */
export interface MergedRun {
  outcome: LedgerOutcome;
  /** Totals per group (opts.groups). */
  groups?: LedgerGroups;
}

export interface PartitionedRun extends MergedRun {
  /** Partitions the ledger was cut into. */
  parts: number;
  /** Under each of opts.whatIf, in order (no results written). */
  whatIf: MergedRun[];
  /** --roster: readable rows whose person is not on the roster. */
  notOnRoster: number;
}

export interface PartitionedOptions {
  threads?: number;
  progress?: (phase: 'read' | 'settle', done: number, total: number) => void;
  /** Totals per group (engine/summary.ts), for the run and each what-if run. */
  groups?: GroupKey[];
  /** --roster: applied while splitting (the partitions hold the roster's categories). */
  roster?: BulkRoster;
  /** --compare: each partition is settled again under each of these; only their summaries are kept. */
  whatIf?: Scenario[];
}

/**
 * Settle a ledger file in `parts` partitions; the results CSV goes to `sink` in input order. Throws
 * BulkUnsupported (before anything reached the sink) when the run needs settleLedger.
 */
export async function settlePartitioned(
  book: Book, file: string, scenario: Scenario | undefined, parts: number, sink: (bytes: Uint8Array) => void,
  opts: PartitionedOptions = {},
): Promise<PartitionedRun> {
  const temp = runTempDir('parts');
  const dir = temp.dir;
  let second: SecondThread | null = null;
  try {
    // split
    const fds = new Map<string, number>();
    const writer = new PartWriter(parts, (stream, k, bytes) => {
      const name = partFile(dir, stream, k);
      let fd = fds.get(name);
      if (fd === undefined) fds.set(name, (fd = fs.openSync(name, 'w')));
      writeAll(fd, bytes);
    });
    const splitter = new BulkLedger(book, { role: 'splitter', scenario, split: writer, roster: opts.roster, groups: opts.groups });
    const size = fs.statSync(file).size;
    let readBytes = 0;
    try {
      if ((opts.threads ?? 1) > 1 && !opts.roster && fs.existsSync(READER)) {
        // the reader thread scans records while this one splits them (a Ctrl-C is heard once it ends)
        readOnThread(file, 0, false, (batch) => {
          splitter.consume(batch);
          readBytes += batch.buf.length;
          opts.progress?.('read', readBytes, size);
        });
      } else {
        for (const chunk of fileChunks(file)) {
          splitter.push(chunk);
          readBytes += chunk.length;
          opts.progress?.('read', readBytes, size);
          if ((readBytes & ((64 << 20) - 1)) < chunk.length) await turn(); // a Ctrl-C is heard within ~64 MB
        }
      }
      splitter.end();
    } finally {
      for (const fd of fds.values()) fs.closeSync(fd);
    }
    // the second thread starts after the split (during it, the reader thread takes the other core)
    if ((opts.threads ?? 1) > 1 && book === defaultBook() && fs.existsSync(WORKER)) second = new SecondThread(dir, scenario);
    // dedupe: the id partitions one at a time, half of them on the second thread
    const duplicates = await dedupe(dir, [...Array(parts).keys()].filter((k) => fs.existsSync(partFile(dir, 'ids', k))), second);
    // settle
    if (opts.groups || opts.whatIf?.length) {
      const job: PartJob = { groups: opts.groups, whatIf: opts.whatIf?.map((w) => ({ data: scenarioData(w), name: w.name })) };
      fs.writeFileSync(jobFile(dir), JSON.stringify(job));
    }
    const nonEmpty = writer.counts.flatMap((n, k) => (n > 0 ? [k] : []));
    let done = 0;
    // group sums added up as partitions finish (held once, not once per partition)
    const mergers = opts.groups ? [scenario, ...(opts.whatIf ?? [])].map(() => new GroupMerger(opts.groups!)) : null;
    const settled = (p: PartSummary) => {
      if (mergers) {
        mergers[0].add(p.groups!);
        p.groups = undefined;
        p.whatIf?.forEach((w, i) => {
          mergers[i + 1].add(w.groups!);
          w.groups = undefined;
        });
      }
      opts.progress?.('settle', ++done, nonEmpty.length);
    };
    const summaries = await settleParts(book, scenario, dir, nonEmpty, duplicates, second, settled);
    // merge
    const resultFds: number[] = [];
    const sources = nonEmpty.map((k) => {
      const fd = fs.openSync(partFile(dir, 'results', k), 'r');
      resultFds.push(fd);
      const buf = Buffer.allocUnsafe(1 << 16); // small: one per partition, all open at once
      return () => {
        const n = fs.readSync(fd, buf, 0, buf.length, null);
        return n === 0 ? null : buf.subarray(0, n);
      };
    });
    try {
      await mergeResults(sources, sink);
    } finally {
      for (const fd of resultFds) fs.closeSync(fd);
    }
    const merged = (sc: Scenario | undefined, sums: PartSummary[], i: number): MergedRun => ({
      outcome: mergeOutcomes(book, sc, splitter.read, splitter.rejections, sums),
      groups: mergers?.[i].result(),
    });
    return {
      ...merged(scenario, summaries, 0),
      parts,
      whatIf: (opts.whatIf ?? []).map((w, i) => merged(w, summaries.map((p) => p.whatIf![i]), i + 1)),
      notOnRoster: splitter.notOnRoster,
    };
  } finally {
    await second?.stop();
    temp.remove();
  }
}
