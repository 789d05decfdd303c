// The large job on the engine's partition pipeline (engine/run/partitioned.ts), over Blob Storage:
// each activity downloads the blobs its step needs into a folder of its own (node/part-files.ts, the
// command line's part storage), runs the engine's step there (splitParts, dedupeParts, settlePart),
// and uploads what the step wrote; the merge reads the results blobs in ranges (mergeResultsByLine).
//
//   split   the input blob → per partition p: rows-p (a CSV: the header, then the records' own bytes,
//           all of a person's claims in one partition), lines-p (int32 LE input line per record);
//           per id partition q: ids-q (claim ids framed [line, length, bytes], by a hash of the id);
//           split-rejected (the records the splitter could not read, framed by line).
//   dedupe  the id partitions one at a time → duplicates (int32 LE lines whose claim_id came earlier
//           in the whole ledger).
//   settle  one partition: rows-p, lines-p and its own lines out of duplicates → results-p (rows
//           framed by input line) and rejected-p (rejected rows framed by line); its PartSummary
//           less the rejections.
//   merge   results-p merged by line → results.csv; split-rejected and rejected-p merged by line →
//           rejected.csv; the partitions' totals → the job's summary (mergeOutcomes).
//
// Activities carry blob names, counts and small totals only (Durable keeps them in the history).
// Memory of each activity follows one partition (or a fixed budget), never the ledger: no map of claim
// ids, no rejection list of the whole ledger; the staged parts are on disk (docs/functions.md says why
// staging rather than an async PartStorage).
//
// Every form of input the engine reads goes this one way (LedgerInput: a CSV or NDJSON body, ?city=,
// ?category_column=, the results under the spec's or the platform's names). What the engine cannot
// partition (BulkUnsupported: a claim_id or person_id over 4,096 bytes, …) fails the job with a
// problem that says what to do, rather than a second way of settling.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ContainerClient } from '@azure/storage-blob';
import {
  defaultBook, parseScenario, csvLine, fmt, Decimal, YibaoError, RESULT_COLUMNS, TOTAL_FIELDS, BulkUnsupported,
  linesOf, mergeOutcomes, mergeResultsByLine, splitParts, dedupeParts, settlePart, partName, readPart,
  tableLedgerRows, nhsaResultsTable, rejectedTable, type Message, type Rejection, type PartStream, type PartSummary,
  type LedgerInput, type Convention, type Book, type PartJob,
} from '../../engine';
import { FileParts } from '../../node/part-files';
import { blobChunks, writeText } from '../storage';
import { runJobOf, type RunSpec } from '../pool-jobs';
import { BytesBlobWriter, Uploads, blobSource, deleteUnder, inParallel } from './blobs';
import { firstRecord, replay, type LedgerFormat } from '../body';
import { inputBlob, resultsBlob, rejectedBlob, violationText, firstYears, type JobSummary } from './common';

const pad = (k: number) => String(k).padStart(3, '0');
export const partsPrefix = (jobId: string) => `${jobId}/parts/`;
export const partBlob = (jobId: string, stream: PartStream | 'results' | 'rejected', k: number) => `${partsPrefix(jobId)}${stream}-${pad(k)}`;
export const splitRejectedBlob = (jobId: string) => `${partsPrefix(jobId)}split-rejected`;
export const duplicatesBlob = (jobId: string) => `${partsPrefix(jobId)}duplicates`;
/** A comparison's or a summary's partition: its whole PartSummary (what-if runs, group sums, rejections), JSON. */
export const summaryBlob = (jobId: string, k: number) => `${partsPrefix(jobId)}summary-${pad(k)}`;

const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.floor(x)));

/** Where an activity stages its parts: a fresh folder under the system's temporary one, removed at the end. */
export async function staged<T>(step: (storage: FileParts) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `yibao-job-parts-${process.pid}-`));
  const storage = new FileParts(dir, () => fs.rmSync(dir, { recursive: true, force: true }));
  try {
    return await step(storage);
  } finally {
    storage.dispose();
  }
}

// blobs to and from the staging folder in blocks of 4 MB, 4 at a time (memory: 16 MB whatever the part's size)
const TRANSFER = { blockSize: 4 << 20, maxSingleShotSize: 4 << 20, concurrency: 4 };

export async function download(client: ContainerClient, blob: string, storage: FileParts, part: string): Promise<void> {
  await client.getBlobClient(blob).downloadToFile(path.join(storage.dir, part));
}

export async function upload(client: ContainerClient, storage: FileParts, part: string, blob: string): Promise<void> {
  await client.getBlockBlobClient(blob).uploadFile(path.join(storage.dir, part), TRANSFER);
}

/** The split's rejections in the staging folder (framed by line, as partition.ts mergeResultsByLine reads them). */
const SPLIT_REJECTED = 'split-rejected';

// ---------------------------------------------------------------------------------------------
// split

export interface JobSplitInput {
  jobId: string;
  /** The body: CSV or NDJSON. */
  format: LedgerFormat;
  shards: number;
  scenario?: string;
  city?: string;
  categoryColumn?: string;
  /** The results' names (?format=); by default a CSV header's own. */
  convention?: Convention;
  /**
   * A comparison or a summary (kind=compare, summary): the runs each partition is settled under;
   * the split's rejections then go to split-rejected as JSON lines (the answer lists them).
   */
  spec?: RunSpec;
}

export interface JobSplitOutput {
  /** Records read (the header not counted), as settleLedger counts them. */
  read: number;
  /** Person partitions that hold records, with their record counts. */
  parts: { part: number; rows: number }[];
  /** Id partitions that hold claim ids. */
  idParts: number[];
  /** Records the splitter rejected (in split-rejected). */
  rejected: number;
  /** The results' names, for the settle and merge steps. */
  convention: Convention;
  fatal?: Message;
}

/**
 * Why the engine could not partition the ledger (a BulkUnsupported's reason), as the job's problem:
 * what to do instead. An id over 4,096 bytes is the case met in practice.
 */
export function unsupportedProblem(why: string, who: Message = { zh: '作业', en: 'a job' }): Message {
  const id = /^(claim_id|person_id) too long$/.exec(why)?.[1];
  if (id) {
    return {
      zh: `台账中有 ${id} 超过 4,096 字节，${who.zh}无法按人分区结算：请缩短这些编号，或在一台机器上用 yibao settle 结算该台账`,
      en: `the ledger has a ${id} over 4,096 bytes, which ${who.en} cannot partition: shorten those ids, or settle the ledger on one machine with yibao settle`,
    };
  }
  return {
    zh: `${who.zh}无法分区结算该台账（${why}）：请在一台机器上用 yibao settle 结算`,
    en: `${who.en} cannot settle this ledger in partitions (${why}): settle it on one machine with yibao settle`,
  };
}

/** Rejections framed as partition.ts mergeResultsByLine reads them: [line, length] then the rejectedTable row. */
export function framedRejections(rs: Rejection[]): Uint8Array {
  const enc = new TextEncoder();
  const rows = rs.map((r) => enc.encode(csvLine([String(r.line), r.claim_id ?? '', r.reason.zh, r.reason.en])));
  const out = new Uint8Array(rows.reduce((n, b) => n + 8 + b.length, 0));
  const view = new DataView(out.buffer);
  let p = 0;
  rs.forEach((r, i) => {
    view.setInt32(p, r.line, true);
    view.setInt32(p + 4, rows[i].length, true);
    out.set(rows[i], p + 8);
    p += 8 + rows[i].length;
  });
  return out;
}

/**
 * How the ledger is read and its results named: the request's options, and for a CSV body without
 * ?format= its header's convention (read first, as POST /api/settle and `yibao settle` read it). A
 * header the engine refuses leaves the convention open: the split reports the engine's error.
 */
async function inputOf(client: ContainerClient, input: JobSplitInput): Promise<{ ledger: LedgerInput; source: () => AsyncIterable<Uint8Array> }> {
  const blob = () => blobChunks(client, inputBlob(input.jobId, input.format));
  const ledger: LedgerInput = { body: input.format, city: input.city, categoryColumn: input.categoryColumn, format: input.convention };
  if (input.format === 'ndjson' || ledger.format !== undefined) return { ledger, source: blob };
  const src = blob();
  const held: Uint8Array[] = [];
  const header = await firstRecord(src, held);
  const source = () => replay(held, src);
  if (header === undefined) return { ledger, source };
  try {
    return { ledger: { ...ledger, format: tableLedgerRows(header, [], ledger).convention }, source };
  } catch (e) {
    if (e instanceof YibaoError) return { ledger, source };
    throw e;
  }
}

/**
 * The split step: the engine's split into the staging folder, then every part it wrote uploaded.
 * Nothing reaches Blob Storage before the split has read the whole ledger: a fatal error, or an id
 * the engine cannot partition, fails the job and leaves no blob. Memory: the splitter's buffers (a
 * piece per partition and stream); the parts are on disk.
 */
export async function splitJob(client: ContainerClient, input: JobSplitInput): Promise<JobSplitOutput> {
  const book = defaultBook();
  const { ledger, source } = await inputOf(client, input);
  const convention = ledger.format ?? 'spec';
  const failed = (fatal: Message): JobSplitOutput => ({ read: 0, parts: [], idParts: [], rejected: 0, convention, fatal });
  return staged(async (storage) => {
    let rejected = 0;
    let split;
    try {
      split = await splitParts(book, source, storage, input.shards, { ...partJobOf(book, input), input: ledger }, {
        rejected: (rs) => {
          rejected += rs.length;
          storage.append(SPLIT_REJECTED, input.spec ? rejectionLines(rs) : framedRejections(rs));
        },
      });
    } catch (e) {
      if (e instanceof YibaoError) return failed(e.reason);
      if (e instanceof BulkUnsupported) return failed(unsupportedProblem(e.message));
      throw e;
    }
    storage.flush();
    const parts = split.counts.flatMap((rows, part) => (rows > 0 ? [{ part, rows }] : []));
    const idParts = split.counts.flatMap((_, k) => (storage.size(partName('ids', k)) > 0 ? [k] : []));
    const uploads: [string, string][] = [
      ...parts.flatMap(({ part }) => (['rows', 'lines'] as const).map((s): [string, string] => [partName(s, part), partBlob(input.jobId, s, part)])),
      ...idParts.map((q): [string, string] => [partName('ids', q), partBlob(input.jobId, 'ids', q)]),
      ...(rejected ? [[SPLIT_REJECTED, splitRejectedBlob(input.jobId)] as [string, string]] : []),
    ];
    await inParallel(uploads, 4, ([part, blob]) => upload(client, storage, part, blob));
    return { read: split.splitter.read, parts, idParts, rejected, convention };
  });
}

// ---------------------------------------------------------------------------------------------
// dedupe

export interface DedupeInput { jobId: string; idParts: number[] }
export interface DedupeOutput { duplicates: number }

/**
 * The lines whose claim_id came earlier in the whole ledger, one id partition at a time (memory: the
 * one being hashed and the few downloading next), to one blob (none when there are no duplicates). One activity rather than one per id partition: the id blobs are a small
 * part of the input (8 bytes and the id per row) and hashing them is the cheapest step; a fan-out
 * would add as many history entries and leave the settle step a blob per id partition to read.
 */
export async function findDuplicates(client: ContainerClient, input: DedupeInput): Promise<DedupeOutput> {
  const out = new BytesBlobWriter(client, duplicatesBlob(input.jobId), 1 << 20);
  let duplicates = 0;
  await staged(async (storage) => {
    // the id partitions download while one is hashed (they are on disk: memory holds the one hashed)
    const downloads = input.idParts.map((q) => download(client, partBlob(input.jobId, 'ids', q), storage, partName('ids', q)));
    downloads.forEach((d) => d.catch(() => undefined)); // answered when awaited
    for (const [i, q] of input.idParts.entries()) {
      await downloads[i];
      const [lines] = dedupeParts(storage, [q]);
      if (!lines.length) continue;
      duplicates += lines.length;
      await out.write(new Uint8Array(Int32Array.from(lines).buffer));
    }
  });
  if (duplicates) await out.close();
  return { duplicates };
}

/** The duplicate lines that are this partition's (its `lines`, ascending), sorted; the blob streamed. */
async function duplicatesOf(client: ContainerClient, jobId: string, lines: Int32Array): Promise<Int32Array> {
  const mine: number[] = [];
  const has = (x: number) => {
    let lo = 0, hi = lines.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (lines[mid] === x) return true;
      if (lines[mid] < x) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  };
  let carry = new Uint8Array(0);
  for await (const chunk of blobChunks(client, duplicatesBlob(jobId))) {
    const b = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    const whole = b.length & ~3;
    const view = new DataView(b.buffer, b.byteOffset, whole);
    for (let p = 0; p < whole; p += 4) {
      const x = view.getInt32(p, true);
      if (has(x)) mine.push(x);
    }
    carry = Uint8Array.prototype.slice.call(b, whole);
  }
  if (carry.length) throw new Error('duplicates blob: a partial line number at its end');
  return Int32Array.from(mine).sort();
}

// ---------------------------------------------------------------------------------------------
// settle

export interface PartInput { jobId: string; part: number; scenario?: string; duplicates: number; convention: Convention; spec?: RunSpec }

/** What the partitions are settled under: a settle job's scenario, or a comparison's or summary's runs. */
function partJobOf(book: Book, input: { scenario?: string; spec?: RunSpec }): PartJob {
  if (input.spec) return runJobOf(book, input.spec);
  return { scenario: input.scenario ? parseScenario(book, input.scenario) : undefined };
}

/** Rejections as JSON lines (a comparison's or a summary's split-rejected: read back whole by answer.ts). */
function rejectionLines(rs: Rejection[]): Uint8Array {
  return new TextEncoder().encode(rs.map((r) => JSON.stringify(r) + '\n').join(''));
}

/** A partition's PartSummary less its rejections (those are in rejected-p), and how many there were. */
export type PartOutput = Omit<PartSummary, 'rejections'> & {
  part: number;
  rejected: number;
  fatal?: Message;
};

export async function settlePartition(client: ContainerClient, input: PartInput): Promise<PartOutput> {
  const book = defaultBook();
  const job = partJobOf(book, input);
  const k = input.part;
  return staged(async (storage) => {
    await Promise.all((['rows', 'lines'] as const).map((s) => download(client, partBlob(input.jobId, s, k), storage, partName(s, k))));
    const lines = linesOf(readPart(storage, partName('lines', k)));
    const duplicates = input.duplicates > 0 ? await duplicatesOf(client, input.jobId, lines) : new Int32Array(0);
    let summary: PartSummary;
    try {
      summary = settlePart(book, storage, k, duplicates, { ...job, input: { format: input.convention } });
    } catch (e) {
      const none = { part: k, rejected: 0, settled: 0, warnings: 0, totals: [], findings: 0, firstFinding: undefined, firstFindingLine: -1, years: [], decimalGroups: 0 };
      if (e instanceof BulkUnsupported) return { ...none, fatal: unsupportedProblem(e.message) };
      if (e instanceof YibaoError) return { ...none, fatal: e.reason };
      throw e;
    }
    if (input.spec) {
      // a comparison or a summary answers from the partitions' summaries (answer.ts): no result rows
      const { rejections } = summary;
      await writeText(client, summaryBlob(input.jobId, k), JSON.stringify(summary), 'application/json');
      const { monthly: _m, whatIf: _w, groups: _g, rejections: _r, ...small } = summary;
      return { part: k, rejected: rejections.length, ...small };
    }
    await upload(client, storage, partName('results', k), partBlob(input.jobId, 'results', k));
    // an activity's output is kept in the orchestration's history: small totals only, never a person's
    // id — so not the partition's monthly warning list (spec 10.6), which a job does not report
    const { rejections, monthly: _monthly, ...rest } = summary;
    if (rejections.length) {
      const rejectedOut = new BytesBlobWriter(client, partBlob(input.jobId, 'rejected', k), 4 << 20);
      await rejectedOut.write(framedRejections([...rejections].sort((a, b) => a.line - b.line)));
      await rejectedOut.close();
    }
    return { part: k, rejected: rejections.length, ...rest };
  });
}

/**
 * The partitions' summaries as one (for the merge step's input: one summary, not one per partition):
 * what mergeOutcomes makes of them all is what it makes of this one.
 */
export function combineParts(parts: PartOutput[]): PartSummary {
  let first: PartOutput | undefined;
  for (const p of parts) if (p.firstFinding && (!first || p.firstFindingLine < first.firstFindingLine)) first = p;
  const sum = (f: (p: PartOutput) => number) => parts.reduce((t, p) => t + f(p), 0);
  return {
    settled: sum((p) => p.settled),
    warnings: sum((p) => p.warnings),
    totals: TOTAL_FIELDS.map((_, i) => fmt(parts.reduce((t, p) => t.plus(p.totals[i]), new Decimal(0)))),
    rejections: [],
    findings: sum((p) => p.findings),
    firstFinding: first?.firstFinding,
    firstFindingLine: first?.firstFindingLine ?? -1,
    years: firstYears(parts),
    decimalGroups: sum((p) => p.decimalGroups),
  };
}

// ---------------------------------------------------------------------------------------------
// merge

export interface MergePartsInput {
  jobId: string;
  /** The partitions with settled rows (results-p). */
  parts: number[];
  /** Those of them with rejected rows (rejected-p). */
  rejectedParts: number[];
  /** Records the splitter rejected (split-rejected). */
  splitRejected: number;
  read: number;
  scenario?: string;
  /** The results' names (the split's). */
  convention: Convention;
  /** combineParts of the partitions' outputs. */
  combined: PartSummary;
}

export interface MergePartsOutput { results: string; rejected: string | null; resultRows: number; rejectedRows: number; summary: JobSummary }

/** A sink that drops the first `skip` bytes it is handed (mergeResultsByLine' results header), then writes copies. */
function skipping(skip: number, w: BytesBlobWriter) {
  return async (bytes: Uint8Array) => {
    const n = Math.min(skip, bytes.length);
    skip -= n;
    if (n < bytes.length) await w.write(bytes.slice(n));
  };
}

export async function mergePartitions(client: ContainerClient, input: MergePartsInput): Promise<MergePartsOutput> {
  const book = defaultBook();
  const scenario = input.scenario ? parseScenario(book, input.scenario) : undefined;
  const o = mergeOutcomes(book, scenario, input.read, [], [input.combined]);
  // memory: per partition two read ranges and the merge's two buffers (about 4 ranges: ≤ 16 MB in
  // all from 4 partitions on, 64 KB ranges past 64), and 5 blocks of 4 MB of results.csv
  const range = (sources: number) => clamp((4 << 20) / Math.max(1, sources), 64 << 10, 1 << 20);

  // the merge goes on while the last blocks upload (4 blocks of 4 MB in flight)
  const results = new BytesBlobWriter(client, resultsBlob(input.jobId), 4 << 20, 'text/csv; charset=utf-8', new Uploads(4));
  const r = range(input.parts.length);
  const names = input.convention === 'nhsa' ? nhsaResultsTable({ ...o, results: [] })[0] : undefined;
  const resultRows = await mergeResultsByLine(input.parts.map((k) => blobSource(client, partBlob(input.jobId, 'results', k), r)), (bytes) => results.write(bytes.slice()), undefined, names);
  await results.close();

  const rejectedNames = [...(input.splitRejected > 0 ? [splitRejectedBlob(input.jobId)] : []), ...input.rejectedParts.map((k) => partBlob(input.jobId, 'rejected', k))];
  let rejectedRows = 0;
  let rejected: string | null = null;
  if (rejectedNames.length) {
    const out = new BytesBlobWriter(client, rejectedBlob(input.jobId), 4 << 20, 'text/csv; charset=utf-8');
    const enc = new TextEncoder();
    await out.write(enc.encode(csvLine(rejectedTable(o, input.convention)[0]))); // o has no rejections: the header alone
    // mergeResultsByLine writes the results header first: the rejected rows are what follows it
    const header = enc.encode(csvLine([...RESULT_COLUMNS])).length;
    const rr = range(rejectedNames.length);
    rejectedRows = await mergeResultsByLine(rejectedNames.map((n) => blobSource(client, n, rr)), skipping(header, out));
    await out.close();
    rejected = rejectedBlob(input.jobId);
  }

  // every record read is a result or a rejected row: anything else is a partition lost or counted twice
  if (resultRows !== o.summary.settled || input.read !== resultRows + rejectedRows) {
    throw new Error(`merge: ${resultRows} results and ${rejectedRows} rejected rows for ${input.read} read, ${o.summary.settled} settled`);
  }
  const totals: Record<string, string> = {};
  for (const f of TOTAL_FIELDS) totals[f] = fmt(o.summary.totals[f]);
  return {
    results: resultsBlob(input.jobId),
    rejected,
    resultRows,
    rejectedRows,
    summary: { read: input.read, settled: o.summary.settled, rejected: rejectedRows, warnings: o.summary.warnings, totals, violations: o.policyViolations.map(violationText) },
  };
}

// ---------------------------------------------------------------------------------------------
// cleanup

export interface CleanupInput { jobId: string }

/** The job's intermediate blobs removed; the input, results.csv and rejected.csv stay. */
export async function cleanupJob(client: ContainerClient, input: CleanupInput): Promise<{ deleted: number }> {
  return { deleted: await deleteUnder(client, [partsPrefix(input.jobId)]) };
}
