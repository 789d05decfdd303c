// The row path of a large job (the fallback of bulk.ts, for what the bulk path cannot take: NDJSON
// input, the national platform's column names, ?city= / ?category_column=, an over-long id), over
// Blob Storage, in three steps that pass blob names and small totals:
//   split:  input blob → shard blobs (NDJSON rows), persons spread by a hash of person_id, so that all
//           of a person's claims are in one shard (deductibles and caps run per person and year);
//   settle: one shard blob → its result blob (rows keyed by input line) + the shard's totals;
//   merge:  the result blobs, merged by line, → results.csv and rejected.csv.
// The merged answer equals settleLedger on the whole ledger: rows keep their input order within a
// shard, and a repeated claim_id goes to the shard of its first row, which then rejects it as the
// whole ledger would. The split keeps a map of every claim_id (memory grows with the ledger): the bulk
// path does not.
import type { ContainerClient } from '@azure/storage-blob';
import {
  defaultBook, settleLedger, resultCells, nhsaResultsTable, RESULT_COLUMNS, REJECTED_COLUMNS, csvLine, fmt,
  parseScenario, YibaoError, TOTAL_FIELDS, Decimal, readCsvStream, policyViolationsOf, type LedgerRow,
  type Convention, type Message, type Violation,
} from '../../engine';
import { pipeCsvRows, ndjsonRows, textLines, type LedgerFormat } from '../body';
import { blobChunks, BlobWriter } from '../storage';

export interface JobPaths { jobId: string }
export const inputBlob = (jobId: string, format: LedgerFormat) => `${jobId}/input.${format === 'ndjson' ? 'ndjson' : 'csv'}`;
export const shardBlob = (jobId: string, k: number) => `${jobId}/shards/${String(k).padStart(3, '0')}.ndjson`;
export const shardResultBlob = (jobId: string, k: number) => `${jobId}/shard-results/${String(k).padStart(3, '0')}.ndjson`;
export const resultsBlob = (jobId: string) => `${jobId}/results.csv`;
export const rejectedBlob = (jobId: string) => `${jobId}/rejected.csv`;

/** FNV-1a of a person id: the shard a person's claims go to. */
export function shardOf(personId: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < personId.length; i++) {
    h ^= personId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}

interface StoredRow { l: number; f?: Record<string, string>; e?: { zh: string; en: string; c: string } }

export interface SplitInput { jobId: string; format: LedgerFormat; shards: number; city?: string; categoryColumn?: string }
export interface SplitOutput { read: number; convention: Convention; shards: { shard: number; rows: number }[]; fatal?: Message }

export async function splitLedger(client: ContainerClient, input: SplitInput): Promise<SplitOutput> {
  const n = input.shards;
  const writers = new Map<number, BlobWriter>();
  const counts = new Array<number>(n).fill(0);
  const firstShardOf = new Map<string, number>();
  let read = 0;
  const put = async (row: LedgerRow) => {
    read++;
    let k: number;
    if (row.error) {
      k = row.line % n;
    } else {
      const claimId = row.fields?.claim_id?.trim() || undefined;
      const seen = claimId === undefined ? undefined : firstShardOf.get(claimId);
      k = seen ?? shardOf((row.fields?.person_id ?? '').trim(), n);
      if (claimId !== undefined && seen === undefined) firstShardOf.set(claimId, k);
    }
    let w = writers.get(k);
    if (!w) writers.set(k, (w = new BlobWriter(client, shardBlob(input.jobId, k), 'application/x-ndjson')));
    const stored: StoredRow = { l: row.line };
    if (row.fields) stored.f = row.fields;
    if (row.error) stored.e = { zh: row.error.zh, en: row.error.en, c: row.error.code };
    counts[k]++;
    await w.write(JSON.stringify(stored) + '\n');
  };
  const chunks = blobChunks(client, inputBlob(input.jobId, input.format));
  let convention: Convention = 'spec';
  try {
    if (input.format === 'ndjson') {
      for await (const row of ndjsonRows(chunks)) await put(row);
    } else {
      const c = await pipeCsvRows(readCsvStream(chunks), { city: input.city, categoryColumn: input.categoryColumn }, put);
      if (c === undefined) return { read: 0, convention, shards: [], fatal: { zh: '输入文件为空', en: 'the input is empty' } };
      convention = c;
    }
  } catch (e) {
    if (e instanceof YibaoError) return { read, convention, shards: [], fatal: e.reason };
    throw e;
  }
  for (const w of writers.values()) await w.close();
  return { read, convention, shards: [...writers.keys()].sort((a, b) => a - b).map((k) => ({ shard: k, rows: counts[k] })) };
}

export interface ShardInput { jobId: string; shard: number; scenario?: string; convention: Convention }
/** A city and year settled, with the first input line of its claims (the order settleLedger checks floors in). */
export interface SettledYear { city: string; year: string; line: number }

export interface ShardTotals {
  shard: number; read: number; settled: number; rejected: number; warnings: number; totals: Record<string, string>;
  /** The floors broken in this shard alone (the job's list comes from `years`: see mergeResults). */
  violations: string[];
  years?: SettledYear[];
}

async function* storedRows(client: ContainerClient, name: string): AsyncGenerator<LedgerRow> {
  for await (const { text } of textLines(blobChunks(client, name))) {
    if (text === '') continue;
    const s = JSON.parse(text) as StoredRow;
    const fields = s.f ? Object.assign(Object.create(null) as Record<string, string>, s.f) : undefined;
    yield s.e ? { line: s.l, fields, error: new YibaoError(s.e.zh, s.e.en, s.e.c) } : { line: s.l, fields };
  }
}

export async function settleShard(client: ContainerClient, input: ShardInput): Promise<ShardTotals> {
  const book = defaultBook();
  const scenario = input.scenario ? parseScenario(book, input.scenario) : undefined;
  const rows: LedgerRow[] = [];
  for await (const r of storedRows(client, shardBlob(input.jobId, input.shard))) rows.push(r);
  const o = settleLedger(book, rows, { scenario });
  // Results come back in input order without line numbers: the rows not rejected, in order.
  const rejectedLines = new Set(o.rejections.map((r) => r.line));
  const settledLines = rows.filter((r) => !rejectedLines.has(r.line)).map((r) => r.line);
  const cells = input.convention === 'nhsa' ? nhsaResultsTable(o).slice(1) : o.results.map((r) => resultCells(r, o.claimFindings.get(r.claim_id)));
  const w = new BlobWriter(client, shardResultBlob(input.jobId, input.shard), 'application/x-ndjson');
  let i = 0, j = 0;
  while (i < cells.length || j < o.rejections.length) {
    const takeResult = j >= o.rejections.length || (i < cells.length && settledLines[i] < o.rejections[j].line);
    if (takeResult) {
      await w.write(JSON.stringify({ l: settledLines[i], c: cells[i] }) + '\n');
      i++;
    } else {
      const r = o.rejections[j++];
      await w.write(JSON.stringify({ l: r.line, r: [String(r.line), r.claim_id ?? '', r.reason.zh, r.reason.en] }) + '\n');
    }
  }
  await w.close();
  const totals: Record<string, string> = {};
  for (const f of TOTAL_FIELDS) totals[f] = fmt(o.summary.totals[f]);
  const s = o.summary;
  const years = new Map<string, SettledYear>();
  o.results.forEach((r, k) => {
    const key = `${r.city}:${r.date.slice(0, 4)}`;
    if (!years.has(key)) years.set(key, { city: r.city, year: r.date.slice(0, 4), line: settledLines[k] });
  });
  return {
    shard: input.shard, read: s.read, settled: s.settled, rejected: s.rejected, warnings: s.warnings, totals,
    violations: o.policyViolations.map(violationText), years: [...years.values()],
  };
}

export interface MergeInput {
  jobId: string; shards: number[]; convention: Convention;
  /** The shards' settled years (firstYears): the job's floors broken are checked in their order. */
  years?: SettledYear[];
  scenario?: string;
}
export interface MergeOutput { results: string; rejected: string | null; resultRows: number; rejectedRows: number; violations?: string[] }

/** Each city and year once, at its first line over all shards, in line order (as settleLedger meets them). */
export function firstYears(parts: { years?: SettledYear[] }[]): SettledYear[] {
  const first = new Map<string, SettledYear>();
  for (const p of parts) {
    for (const y of p.years ?? []) {
      const key = `${y.city}:${y.year}`;
      const had = first.get(key);
      if (!had || y.line < had.line) first.set(key, y);
    }
  }
  return [...first.values()].sort((a, b) => a.line - b.line);
}

export async function mergeResults(client: ContainerClient, input: MergeInput): Promise<MergeOutput> {
  type Line = { l: number; c?: string[]; r?: string[] };
  const its = input.shards.map((k) => textLines(blobChunks(client, shardResultBlob(input.jobId, k)))[Symbol.asyncIterator]());
  const next = async (i: number): Promise<Line | undefined> => {
    for (;;) {
      const n = await its[i].next();
      if (n.done) return undefined;
      if (n.value.text !== '') return JSON.parse(n.value.text) as Line;
    }
  };
  const heads = await Promise.all(its.map((_, i) => next(i)));
  const results = new BlobWriter(client, resultsBlob(input.jobId));
  const header = input.convention === 'nhsa' ? nhsaResultsTable({ results: [], rejections: [], claimFindings: new Map(), policyViolations: [], summary: undefined as never })[0] : [...RESULT_COLUMNS];
  await results.write(csvLine(header));
  let rejected: BlobWriter | undefined;
  let resultRows = 0, rejectedRows = 0;
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) if (heads[i] && (best < 0 || heads[i]!.l < heads[best]!.l)) best = i;
    if (best < 0) break;
    const h = heads[best]!;
    if (h.c) {
      await results.write(csvLine(h.c));
      resultRows++;
    } else if (h.r) {
      if (!rejected) {
        rejected = new BlobWriter(client, rejectedBlob(input.jobId));
        await rejected.write(csvLine([...REJECTED_COLUMNS]));
      }
      await rejected.write(csvLine(h.r));
      rejectedRows++;
    }
    heads[best] = await next(best);
  }
  await results.close();
  await rejected?.close();
  const rejectedName = rejected ? rejectedBlob(input.jobId) : null;
  const out: MergeOutput = { results: resultsBlob(input.jobId), rejected: rejectedName, resultRows, rejectedRows };
  if (input.years) {
    // the floors the whole ledger breaks, in the order settleLedger lists them
    const book = defaultBook();
    out.violations = policyViolationsOf(book, input.years, input.scenario ? parseScenario(book, input.scenario) : undefined).map(violationText);
  }
  return out;
}

/** A floor the policy in force breaks, as the job's summary lists it. */
export function violationText(v: Violation): string {
  return `${v.city}${v.category ? `/${v.category}` : ''}: ${v.zh} (${v.en})`;
}

/** The job's summary (either path): counts, the eight totals in yuan, the floors broken. */
export interface JobSummary {
  read: number;
  settled: number;
  rejected: number;
  warnings: number;
  totals: Record<string, string>;
  violations: string[];
}

/** Shard totals added up (exact decimals), for the job's summary. */
export function addShardTotals(parts: ShardTotals[]): JobSummary {
  const sum: Record<string, string> = {};
  for (const f of TOTAL_FIELDS) sum[f] = fmt(parts.reduce((t, p) => t.plus(p.totals[f]), new Decimal(0)));
  return {
    read: parts.reduce((t, p) => t + p.read, 0),
    settled: parts.reduce((t, p) => t + p.settled, 0),
    rejected: parts.reduce((t, p) => t + p.rejected, 0),
    warnings: parts.reduce((t, p) => t + p.warnings, 0),
    totals: sum,
    violations: [...new Set(parts.flatMap((p) => p.violations))],
  };
}
