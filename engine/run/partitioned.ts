// The partition pipeline (engine/bulk/partition.ts says how each step works): split the ledger by
// person into parts, find the repeated claim ids part by part, settle each part alone (and again under
// each what-if scenario), merge the results back into input order. Memory follows the part, not the
// ledger. The parts live in a PartStorage; a shell with a second thread lends it as a PartHelper (the
// command line does), one with a reader thread lends a BatchReader for the split.
import { BulkLedger, type BulkOptions, type BulkRoster, type IdsExport, type RecordBatch } from '../ledger/bulk';
import { NHSA_RESULT_COLUMNS } from '../output';
import { PartWriter, duplicateLines, linesOf, mergeOutcomes, mergeResultsByLine, sortedLines, GroupMerger, type PartSummary } from '../bulk/partition';
import type { Book } from '../policy/load';
import type { Scenario } from '../scenario';
import type { LedgerOutcome } from '../ledger';
import type { Rejection } from '../types';
import type { GroupKey, LedgerGroups } from '../summary';
import { partName, partChunks, readPart, type PartStorage } from './storage';

/** Chunks of a ledger's bytes, read afresh by each call (a file, a spooled body, a blob). */
export type ChunkSource = () => Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

/**
 * Records read on another thread and handed over in batches (BulkLedger role 'reader'): each batch to
 * `consume`; returns the claim ids the reader kept (with findDuplicates).
 */
export type BatchReader = (findDuplicates: boolean, rowsHint: number, consume: (batch: RecordBatch) => void) => IdsExport;

/**
 * How the ledger's header is read and its results written: a city for an export without one, the
 * category's column, the results under the spec's or the platform's names (BulkOptions).
 */
export type LedgerInput = Pick<BulkOptions, 'city' | 'categoryColumn' | 'format' | 'body'>;

/** What every part is settled under: the run's scenario, totals per group, the what-if scenarios (summaries only), how the ledger is read. */
/** What the parts are settled for: claimWarnings lists the main run's claims with a warning (BulkOptions.claimWarnings). */
export interface PartJob { scenario?: Scenario; groups?: GroupKey[]; whatIf?: Scenario[]; input?: LedgerInput; claimWarnings?: boolean }

/** A second thread that takes half of the dedupe and settle steps (the same functions, on the same storage). */
export interface PartHelper {
  /** dedupeParts of these id parts. */
  dedupe(parts: number[]): Promise<number[][]>;
  /**
   * settlePart of the parts taken from the shared counter (Atomics.add(counter, 0, 1)) until none is
   * left, each summary to `onDone` as it comes; resolves when the helper takes no more.
   */
  settle(job: PartJob, parts: number[], duplicates: Int32Array, counter: Int32Array, onDone: (k: number, summary: PartSummary) => void): Promise<void>;
  stop(): Promise<void>;
}

/** One run over the whole ledger, from its parts' summaries (or one ledger in memory). */
export interface MergedRun {
  outcome: LedgerOutcome;
  /** Totals per group (when asked for). */
  groups?: LedgerGroups;
}

/** A turn of the event loop (signals, other threads' messages); setTimeout: the engine also builds for the browser. */
const turn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

async function* chunksOf(source: ChunkSource): AsyncGenerator<Uint8Array> {
  yield* source();
}

/**
 * Settle part k: its framed results to results-k (its rows and lines are removed). The summary carries
 * the part's group sums (job.groups), and in `whatIf` the part settled again under each what-if
 * scenario (one ledger in memory at a time).
 */
export function settlePart(book: Book, storage: PartStorage, k: number, duplicates: Int32Array, job: PartJob): PartSummary {
  const lines = linesOf(readPart(storage, partName('lines', k)));
  const settle = (scenario: Scenario | undefined, write: boolean): PartSummary => {
    const ledger = new BulkLedger(book, { scenario, lines, duplicates, rowsHint: lines.length, groups: job.groups, format: job.input?.format, claimWarnings: write && job.claimWarnings });
    for (const chunk of partChunks(storage, partName('rows', k))) ledger.push(chunk);
    ledger.end();
    if (write) {
      ledger.writeFramed((bytes) => storage.append(partName('results', k), bytes));
      storage.flush();
    }
    return ledger.partSummary();
  };
  const summary = settle(job.scenario, true);
  if (job.whatIf?.length) summary.whatIf = job.whatIf.map((w) => settle(w, false));
  storage.remove(partName('rows', k));
  storage.remove(partName('lines', k));
  return summary;
}

/** The repeated claim ids of these id parts (their parts are removed). */
export function dedupeParts(storage: PartStorage, parts: number[]): number[][] {
  return parts.map((k) => {
    const lines = duplicateLines(readPart(storage, partName('ids', k)));
    storage.remove(partName('ids', k));
    return lines;
  });
}

async function dedupe(storage: PartStorage, parts: number[], helper: PartHelper | undefined): Promise<Int32Array> {
  const theirs = helper ? parts.filter((_, i) => i % 2 === 1) : [];
  const asked = helper?.dedupe(theirs);
  const lists = dedupeParts(storage, parts.filter((k) => !theirs.includes(k)));
  if (asked) lists.push(...(await asked));
  return sortedLines(lists);
}

/** Settle the parts, on this thread and the helper's from a shared counter; summaries in part order. */
async function settleParts(book: Book, storage: PartStorage, job: PartJob, parts: number[], duplicates: Int32Array, helper: PartHelper | undefined, onDone: (summary: PartSummary) => void): Promise<PartSummary[]> {
  const out = new Map<number, PartSummary>();
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const done = (k: number, s: PartSummary) => {
    onDone(s);
    out.set(k, s);
  };
  let failure: unknown = null;
  const theirs = helper?.settle(job, parts, duplicates, counter, done).catch((e) => {
    failure ??= e;
    Atomics.store(counter, 0, parts.length);
  });
  try {
    for (let i = Atomics.add(counter, 0, 1); i < parts.length; i = Atomics.add(counter, 0, 1)) {
      done(parts[i], settlePart(book, storage, parts[i], duplicates, job));
      await turn(); // the helper's answers, a Ctrl-C, are heard between parts
      if (failure) throw failure;
    }
  } catch (e) {
    Atomics.store(counter, 0, parts.length); // the helper stops taking parts too
    throw e;
  }
  await theirs;
  if (failure) throw failure;
  return parts.map((k) => out.get(k)!);
}

/**
 * The parts' summaries as runs over the whole ledger: the main run and each what-if run (mergeOutcomes),
 * with totals per group when the job asks for them. The group sums are added up as each part is
 * given (add) and let go, so that memory holds the groups once, not once per part.
 */
export class RunMerger {
  private readonly mergers: GroupMerger[] | null;
  constructor(private readonly book: Book, private readonly job: PartJob) {
    this.mergers = job.groups ? [job.scenario, ...(job.whatIf ?? [])].map(() => new GroupMerger(job.groups!)) : null;
  }

  /** A part's summary (and its what-if summaries): their group sums added up and taken off them. */
  add(p: PartSummary): void {
    const mergers = this.mergers;
    if (!mergers) return;
    mergers[0].add(p.groups!);
    p.groups = undefined;
    p.whatIf?.forEach((w, i) => {
      mergers[i + 1].add(w.groups!);
      w.groups = undefined;
    });
  }

  /** The runs, from the records read, the splitter's rejections and every part's summary (each given to add first). */
  result(read: number, splitRejections: Rejection[], summaries: PartSummary[]): { main: MergedRun; whatIf: MergedRun[] } {
    const merged = (sc: Scenario | undefined, sums: PartSummary[], i: number): MergedRun => ({
      outcome: mergeOutcomes(this.book, sc, read, splitRejections, sums),
      groups: this.mergers?.[i].result(),
    });
    return {
      main: merged(this.job.scenario, summaries, 0),
      whatIf: (this.job.whatIf ?? []).map((w, i) => merged(w, summaries.map((p) => p.whatIf![i]), i + 1)),
    };
  }
}

export interface PartitionedRun extends MergedRun {
  /** Under each of the job's what-if scenarios, in order (no results written). */
  whatIf: MergedRun[];
  /** Readable rows whose person is not on the roster. */
  notOnRoster: number;
}

export interface PartitionedOptions {
  /** The ledger's size in bytes (progress). */
  bytes?: number;
  progress?: (phase: 'read' | 'settle', done: number, total: number) => void;
  /** Applied while splitting (the parts hold the roster's categories). */
  roster?: BulkRoster;
  /** Reads the ledger for the split on another thread (not with a roster, which the splitter reads itself). */
  reader?: () => BatchReader | undefined;
  /** A second thread for dedupe and settle, started after the split (during it the reader thread has the other core). */
  helper?: () => PartHelper | undefined;
}

/** The parts' framed results (results-k), merged into the results CSV in input order. */
async function mergeResults(storage: PartStorage, parts: number[], sink: (bytes: Uint8Array) => void | Promise<void>, input: LedgerInput | undefined): Promise<void> {
  const sources = parts.map((k) => {
    const name = partName('results', k);
    const buf = new Uint8Array(1 << 16); // small: one per part, all open at once
    let at = 0;
    return () => {
      const n = storage.read(name, at, buf);
      at += n;
      return n === 0 ? null : buf.subarray(0, n);
    };
  });
  await mergeResultsByLine(sources, sink, undefined, input?.format === 'nhsa' ? NHSA_RESULT_COLUMNS : undefined);
}

/**
 * A second settling thread in memory: the reader it lends hands this thread each batch and, once this
 * thread has taken its half of the persons from it (HalfSettler 0), the second thread, which settles
 * the other half (HalfSettler 1). At the reader's end the second thread settles, writes its framed
 * results to the run's storage and answers its summary (other).
 */
export interface Halves {
  reader: BatchReader;
  /** The second thread's summary, once the reader has ended. */
  other(): Promise<PartSummary>;
  stop(): Promise<void>;
}

/**
 * A ledger held in memory by two settling threads, each settling the persons of its half as the reader
 * thread scans (so that both cores settle while the file is read, and nothing is written but the
 * results): the halves' results merged by line and their summaries merged, as partitions' are.
 */
export async function settleHalves(
  book: Book, storage: PartStorage, halves: Halves, job: PartJob, rowsHint: number, sink: ((bytes: Uint8Array) => void | Promise<void>) | undefined,
): Promise<MergedRun> {
  const mine = new HalfSettler(book, job, rowsHint, 0);
  let summaries: PartSummary[];
  try {
    const ids = halves.reader(true, rowsHint, (batch) => mine.consume(batch));
    const theirs = halves.other();
    summaries = [mine.end(ids, storage), await theirs];
  } finally {
    await halves.stop();
  }
  if (sink) await mergeResults(storage, [0, 1], sink, job.input);
  // every record is settled or rejected by one of the two
  const read = summaries.reduce((n, p) => n + p.settled + p.rejections.length, 0);
  const merger = new RunMerger(book, job);
  summaries.forEach((p) => merger.add(p));
  return merger.result(read, [], summaries).main;
}

/**
 * One settling thread of a run in memory (settleHalves), half 0 or 1: fed every batch, its ledger takes
 * the persons of its half (BulkOptions.share).
 */
export class HalfSettler {
  private readonly ledger: BulkLedger;
  constructor(book: Book, job: PartJob, rowsHint: number, private readonly half: number) {
    this.ledger = new BulkLedger(book, { scenario: job.scenario, rowsHint: rowsHint / 2, role: 'settler', groups: job.groups, share: { k: half, of: 2 }, claimWarnings: job.claimWarnings, ...job.input });
  }

  consume(batch: RecordBatch): void {
    this.ledger.consume(batch);
  }

  /** Once the reader has ended: settled with the reader's claim ids, its framed results in part results-half; its summary. */
  end(ids: IdsExport, storage: PartStorage): PartSummary {
    this.ledger.endWith(ids);
    this.ledger.writeFramed((bytes) => storage.append(partName('results', this.half), bytes));
    storage.flush();
    return this.ledger.partSummary();
  }
}

/**
 * The split step: the ledger by person into `parts` parts in `storage` (rows-k, lines-k, ids-k); the
 * records per part in `counts`. The splitter's rejections go to `opts.rejected` as they come when it is
 * given (a broken export can hold millions: a job keeps them in storage), else stay on the splitter.
 */
export async function splitParts(
  book: Book, source: ChunkSource, storage: PartStorage, parts: number, job: PartJob,
  opts: PartitionedOptions & { rejected?: (rs: Rejection[]) => void } = {},
): Promise<{ splitter: BulkLedger; counts: number[] }> {
  const writer = new PartWriter(parts, (stream, k, bytes) => storage.append(partName(stream, k), bytes));
  const splitter = new BulkLedger(book, { role: 'splitter', scenario: job.scenario, split: writer, roster: opts.roster, groups: job.groups, ...job.input });
  const drain = () => {
    if (opts.rejected && splitter.rejections.length) opts.rejected(splitter.rejections.splice(0));
  };
  const total = opts.bytes ?? 0;
  let read = 0;
  try {
    const reader = opts.roster || job.input?.body === 'ndjson' ? undefined : opts.reader?.(); // a reader thread scans CSV
    if (reader) {
      reader(false, 0, (batch) => {
        splitter.consume(batch);
        drain();
        read += batch.buf.length;
        opts.progress?.('read', read, total);
      });
    } else {
      for await (const chunk of chunksOf(source)) {
        splitter.push(chunk);
        drain();
        read += chunk.length;
        opts.progress?.('read', read, total);
        if ((read & ((64 << 20) - 1)) < chunk.length) await turn(); // a Ctrl-C is heard within ~64 MB
      }
    }
    splitter.end();
    drain();
  } finally {
    storage.flush();
  }
  return { splitter, counts: writer.counts };
}

/**
 * Settle a ledger in `parts` partitions kept in `storage`; the results CSV goes to `sink` (if any) in
 * input order. Throws BulkUnsupported (before anything reached the sink) when the run needs settleLedger.
 */
export async function settlePartitioned(
  book: Book, source: ChunkSource, storage: PartStorage, parts: number, job: PartJob,
  sink: ((bytes: Uint8Array) => void | Promise<void>) | undefined, opts: PartitionedOptions = {},
): Promise<PartitionedRun> {
  let helper: PartHelper | undefined;
  try {
    const { splitter, counts } = await splitParts(book, source, storage, parts, job, opts);
    helper = opts.helper?.();
    const duplicates = await dedupe(storage, [...Array(parts).keys()].filter((k) => storage.size(partName('ids', k)) > 0), helper);
    // settle; group sums added up as parts finish (held once, not once per part)
    const nonEmpty = counts.flatMap((n, k) => (n > 0 ? [k] : []));
    let done = 0;
    const merger = new RunMerger(book, job);
    const settled = (p: PartSummary) => {
      merger.add(p);
      opts.progress?.('settle', ++done, nonEmpty.length);
    };
    const summaries = await settleParts(book, storage, job, nonEmpty, duplicates, helper, settled);
    if (sink) await mergeResults(storage, nonEmpty, sink, job.input);
    for (const k of nonEmpty) storage.remove(partName('results', k));
    const { main, whatIf } = merger.result(splitter.read, splitter.rejections, summaries);
    return { ...main, whatIf, notOnRoster: splitter.notOnRoster };
  } finally {
    await helper?.stop();
  }
}
