// The large-job orchestration (Durable Functions v3). Deterministic: no I/O, no clock, only
// activity calls. Every activity input and output is kept in the orchestration's history and
// replayed, so they carry blob names and small totals, never rows.
//
// The split step decides the path (bulk.ts splitJob):
//   bulk  split → dedupe → settle each partition (fan-out) → merge → cleanup   (bulk.ts)
//   rows  split → settle each shard (fan-out) → merge → cleanup                 (shard.ts; NDJSON, the
//         platform's column names, header options, or a partition the bulk path could not settle)
// A job that fails after its split removes its intermediate blobs as a finished one does.
// kind=budget, compare and summary answer one text: one activity (whole.ts) runs the job the HTTP
// function of that name runs, over the input blob.
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import type { Message, Convention } from '../../engine';
import { addShardTotals, firstYears, type ShardInput, type ShardTotals, type MergeInput, type MergeOutput, type JobSummary } from './shard';
import { combineParts, type JobSplitInput, type JobSplitOutput, type BulkSplitOutput, type RowsSplitOutput, type DedupeInput, type DedupeOutput, type PartInput, type PartOutput, type MergePartsInput, type MergePartsOutput, type CleanupInput } from './bulk';
import type { LedgerFormat } from '../body';
import type { WholeInput, WholeOutput, WholeKind, WholeSpec } from './whole';

export const ORCHESTRATOR = 'yibaoLedgerJob';
export const SPLIT = 'yibaoSplitLedger';
// the bulk path
export const DEDUPE = 'yibaoFindDuplicates';
export const SETTLE_PART = 'yibaoSettlePartition';
export const MERGE_PARTS = 'yibaoMergePartitions';
// the row path
export const SETTLE_SHARD = 'yibaoSettleShard';
export const MERGE = 'yibaoMergeResults';
// both
export const CLEANUP = 'yibaoCleanupJob';
// kind=budget, compare, summary
export const RUN_WHOLE = 'yibaoRunJob';

export interface JobInput {
  jobId: string; format: LedgerFormat; shards: number; scenario?: string; city?: string; categoryColumn?: string;
  /** settle (the default: a result row per claim) or a job that answers one text (whole.ts). */
  kind?: 'settle' | WholeKind;
  spec?: WholeSpec;
}

export interface JobProgress { stage: 'split' | 'dedupe' | 'settle' | 'merge' | 'run' | 'done' | 'failed'; shards_done: number; shards_total: number }

export interface JobOutput {
  status: 'completed' | 'failed';
  problem?: Message;
  /** The path the job took: 'bulk' (partitions, engine/bulk) or 'rows' (shards of rows, settleLedger). */
  path?: 'bulk' | 'rows';
  container?: string;
  results?: string;
  rejected?: string | null;
  summary?: JobSummary;
  kind?: 'settle' | WholeKind;
  /** kind budget, compare, summary: the answer's format (results is its blob) and its counts. */
  answer?: 'json' | 'csv';
  counts?: Record<string, number>;
}

type Ctx = OrchestrationContext;
type Input = JobInput & { container: string };

const progress = (context: Ctx, p: JobProgress) => context.df.setCustomStatus(p);

/** Fan out, then take activities as they finish (Task.any) so that the status shows how many are done. */
function* fanOut<T>(context: Ctx, tasks: Task[], what: string): Generator<Task, T[], unknown> {
  let pending = tasks;
  const out: T[] = [];
  const total = tasks.length;
  progress(context, { stage: 'settle', shards_done: 0, shards_total: total });
  while (pending.length) {
    const done = (yield context.df.Task.any(pending)) as Task;
    pending = pending.filter((t) => t !== done);
    if (done.isFaulted) throw new Error(`${what} failed: ${(done.result as Error | undefined)?.message ?? 'unknown'}`);
    out.push(done.result as T);
    progress(context, { stage: 'settle', shards_done: out.length, shards_total: total });
  }
  return out;
}

/** Removing the intermediate blobs is tidying up: its failure does not fail a finished (or failed) job. */
function* cleanup(context: Ctx, jobId: string): Generator<Task, void, unknown> {
  try {
    yield context.df.callActivity(CLEANUP, { jobId } satisfies CleanupInput);
  } catch {
    // the blobs stay under {id}/parts/ or {id}/shards/
  }
}

/** The job failed with a reason; what its steps wrote so far is removed (a split that failed wrote nothing). */
function* failed(context: Ctx, jobId: string, problem: Message, wrote: boolean): Generator<Task, JobOutput, unknown> {
  if (wrote) yield* cleanup(context, jobId);
  progress(context, { stage: 'failed', shards_done: 0, shards_total: 0 });
  return { status: 'failed', problem };
}

/** The bulk path after its split; `fallback` when a partition needs the row path. */
function* bulkJob(context: Ctx, input: Input, split: BulkSplitOutput): Generator<Task, JobOutput | { fallback: string }, unknown> {
  const total = split.parts.length;
  progress(context, { stage: 'dedupe', shards_done: 0, shards_total: total });
  const dedupe = (yield context.df.callActivity(DEDUPE, { jobId: input.jobId, idParts: split.idParts } satisfies DedupeInput)) as DedupeOutput;
  const parts = yield* fanOut<PartOutput>(context, split.parts.map((p) => context.df.callActivity(SETTLE_PART, { jobId: input.jobId, part: p.part, scenario: input.scenario, duplicates: dedupe.duplicates } satisfies PartInput)), 'partition');
  parts.sort((a, b) => a.part - b.part);
  const fatal = parts.find((p) => p.fatal);
  if (fatal) return yield* failed(context, input.jobId, fatal.fatal!, true);
  const unsupported = parts.find((p) => p.unsupported !== undefined);
  if (unsupported) return { fallback: `bulk path, partition ${unsupported.part}: ${unsupported.unsupported}` };
  progress(context, { stage: 'merge', shards_done: total, shards_total: total });
  const mergeIn: MergePartsInput = {
    jobId: input.jobId,
    parts: parts.filter((p) => p.settled > 0).map((p) => p.part),
    rejectedParts: parts.filter((p) => p.rejected > 0).map((p) => p.part),
    splitRejected: split.rejected,
    read: split.read,
    scenario: input.scenario,
    combined: combineParts(parts),
  };
  const merged = (yield context.df.callActivity(MERGE_PARTS, mergeIn)) as MergePartsOutput;
  yield* cleanup(context, input.jobId);
  progress(context, { stage: 'done', shards_done: total, shards_total: total });
  return { status: 'completed', path: 'bulk', container: input.container, results: merged.results, rejected: merged.rejected, summary: merged.summary };
}

/** The row path after its split. */
function* rowsJob(context: Ctx, input: Input, split: RowsSplitOutput): Generator<Task, JobOutput, unknown> {
  const total = split.shards.length;
  const parts = yield* fanOut<ShardTotals>(context, split.shards.map((s) => context.df.callActivity(SETTLE_SHARD, { jobId: input.jobId, shard: s.shard, scenario: input.scenario, convention: split.convention } satisfies ShardInput)), 'shard');
  progress(context, { stage: 'merge', shards_done: total, shards_total: total });
  parts.sort((a, b) => a.shard - b.shard);
  const mergeIn: MergeInput = { jobId: input.jobId, shards: split.shards.map((s) => s.shard), convention: split.convention as Convention, years: firstYears(parts), scenario: input.scenario };
  const merged = (yield context.df.callActivity(MERGE, mergeIn)) as MergeOutput;
  yield* cleanup(context, input.jobId);
  progress(context, { stage: 'done', shards_done: total, shards_total: total });
  const summary = addShardTotals(parts);
  return { status: 'completed', path: 'rows', container: input.container, results: merged.results, rejected: merged.rejected, summary: { ...summary, violations: merged.violations ?? summary.violations } };
}

/** A job that answers one text: one activity, its answer in one blob. */
function* wholeJob(context: Ctx, input: Input, spec: WholeSpec): Generator<Task, JobOutput, unknown> {
  progress(context, { stage: 'run', shards_done: 0, shards_total: 1 });
  const out = (yield context.df.callActivity(RUN_WHOLE, { jobId: input.jobId, spec } satisfies WholeInput)) as WholeOutput;
  if (out.fatal) return yield* failed(context, input.jobId, out.fatal, false);
  progress(context, { stage: 'done', shards_done: 1, shards_total: 1 });
  return { status: 'completed', kind: spec.kind, container: input.container, results: out.results, rejected: null, answer: out.answer, counts: out.counts };
}

export function* ledgerJob(context: OrchestrationContext): Generator<Task, JobOutput, unknown> {
  const input = context.df.getInput<Input>();
  if (input.kind && input.kind !== 'settle' && input.spec) return yield* wholeJob(context, input, input.spec);
  try {
    return yield* steps(context, input);
  } catch (e) {
    // an activity failed (Durable fails the job with its error): its blobs and the others' go
    yield* cleanup(context, input.jobId);
    throw e;
  }
}

function* steps(context: Ctx, input: Input): Generator<Task, JobOutput, unknown> {
  progress(context, { stage: 'split', shards_done: 0, shards_total: 0 });
  const splitIn: JobSplitInput = { jobId: input.jobId, format: input.format, shards: input.shards, scenario: input.scenario, city: input.city, categoryColumn: input.categoryColumn };
  let split = (yield context.df.callActivity(SPLIT, splitIn)) as JobSplitOutput;
  if (split.fatal) return yield* failed(context, input.jobId, split.fatal, false);
  if (split.path === 'bulk') {
    const done = yield* bulkJob(context, input, split);
    if (!('fallback' in done)) return done;
    // a partition the bulk path could not settle: the whole job again on the row path
    progress(context, { stage: 'split', shards_done: 0, shards_total: 0 });
    split = (yield context.df.callActivity(SPLIT, { ...splitIn, fallback: done.fallback } satisfies JobSplitInput)) as JobSplitOutput;
    if (split.fatal) return yield* failed(context, input.jobId, split.fatal, true); // the bulk path's parts
    if (split.path !== 'rows') throw new Error('the split took the bulk path again after a fallback');
  }
  return yield* rowsJob(context, input, split);
}

export const ledgerJobHandler: OrchestrationHandler = ledgerJob;
