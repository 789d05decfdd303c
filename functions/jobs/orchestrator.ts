// The large-job orchestration (Durable Functions v3). Deterministic: no I/O, no clock, only
// activity calls. Every activity input and output is kept in the orchestration's history and
// replayed, so they carry blob names and small totals, never rows.
//
// A settle job: split → dedupe → settle each partition (fan-out) → merge → cleanup (bulk.ts, the
// engine's partition pipeline), whatever the form of its input (CSV or NDJSON, the spec's or the
// national platform's names, ?city=, ?category_column=). A job that fails after its split removes its
// intermediate blobs as a finished one does; a ledger the engine cannot partition fails the job.
// kind=compare and summary take the same steps, each partition settled again under every what-if
// scenario with its group sums (the summary, not result rows, kept: bulk.ts), and end with one
// answer (answer.ts: the HTTP function's). kind=budget: the roster split by person, each partition
// counted, the counts merged into the budget (budget.ts: POST /api/budget's answer).
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import type { Message, Convention } from '../../engine';
import type { JobSummary, AnswerOutput } from './common';
import { combineParts, type JobSplitInput, type JobSplitOutput, type DedupeInput, type DedupeOutput, type PartInput, type PartOutput, type MergePartsInput, type MergePartsOutput, type CleanupInput } from './bulk';
import type { LedgerFormat } from '../body';
import type { AnswerInput } from './answer';
import type { RosterSplitInput, RosterSplitOutput, CountInput, CountOutput, BudgetMergeInput } from './budget';
import type { RunSpec, BudgetSpec } from '../pool-jobs';

export const ORCHESTRATOR = 'yibaoLedgerJob';
export const SPLIT = 'yibaoSplitLedger';
export const DEDUPE = 'yibaoFindDuplicates';
export const SETTLE_PART = 'yibaoSettlePartition';
export const MERGE_PARTS = 'yibaoMergePartitions';
export const CLEANUP = 'yibaoCleanupJob';
// kind=compare, summary: the last step
export const MERGE_ANSWER = 'yibaoMergeAnswer';
// kind=budget
export const SPLIT_ROSTER = 'yibaoSplitRoster';
export const COUNT_PART = 'yibaoCountPartition';
export const MERGE_BUDGET = 'yibaoMergeBudget';

/** The jobs that answer one text, and what each is asked (checked by the handler before it starts). */
export type AnswerKind = 'budget' | 'compare' | 'summary';
export type AnswerSpec = RunSpec | BudgetSpec;

export interface JobInput {
  jobId: string; format: LedgerFormat; shards: number; scenario?: string; city?: string; categoryColumn?: string;
  /** The results' names (?format=); by default the input's. */
  convention?: Convention;
  /** settle (the default: a result row per claim) or a job that answers one text. */
  kind?: 'settle' | AnswerKind;
  spec?: AnswerSpec;
}

export interface JobProgress { stage: 'split' | 'dedupe' | 'settle' | 'count' | 'merge' | 'done' | 'failed'; shards_done: number; shards_total: number }

export interface JobOutput {
  status: 'completed' | 'failed';
  problem?: Message;
  /** The path a settle job took: the engine's partitions (the one path). */
  path?: 'bulk';
  /** A settle job's results' names. */
  convention?: Convention;
  container?: string;
  results?: string;
  rejected?: string | null;
  summary?: JobSummary;
  kind?: 'settle' | AnswerKind;
  /** kind budget, compare, summary: the answer's format (results is its blob) and its counts. */
  answer?: 'json' | 'csv';
  counts?: Record<string, number>;
}

type Ctx = OrchestrationContext;
type Input = JobInput & { container: string };

const progress = (context: Ctx, p: JobProgress) => context.df.setCustomStatus(p);

/** Fan out, then take activities as they finish (Task.any) so that the status shows how many are done. */
function* fanOut<T>(context: Ctx, tasks: Task[], what: string, stage: 'settle' | 'count' = 'settle'): Generator<Task, T[], unknown> {
  let pending = tasks;
  const out: T[] = [];
  const total = tasks.length;
  progress(context, { stage, shards_done: 0, shards_total: total });
  while (pending.length) {
    const done = (yield context.df.Task.any(pending)) as Task;
    pending = pending.filter((t) => t !== done);
    if (done.isFaulted) throw new Error(`${what} failed: ${(done.result as Error | undefined)?.message ?? 'unknown'}`);
    out.push(done.result as T);
    progress(context, { stage, shards_done: out.length, shards_total: total });
  }
  return out;
}

/** Removing the intermediate blobs is tidying up: its failure does not fail a finished (or failed) job. */
function* cleanup(context: Ctx, jobId: string): Generator<Task, void, unknown> {
  try {
    yield context.df.callActivity(CLEANUP, { jobId } satisfies CleanupInput);
  } catch {
    // the blobs stay under {id}/parts/
  }
}

/** The job failed with a reason; what its steps wrote so far is removed (a split that failed wrote nothing). */
function* failed(context: Ctx, jobId: string, problem: Message, wrote: boolean): Generator<Task, JobOutput, unknown> {
  if (wrote) yield* cleanup(context, jobId);
  progress(context, { stage: 'failed', shards_done: 0, shards_total: 0 });
  return { status: 'failed', problem };
}

/** The answer of a job that answers one text, in its blob. */
function answered(input: Input, kind: AnswerKind, out: AnswerOutput): JobOutput {
  return { status: 'completed', kind, container: input.container, results: out.results, rejected: null, answer: out.answer, counts: out.counts };
}

/** The settle job (or a comparison or summary: spec) after its split. */
function* settleJob(context: Ctx, input: Input, split: JobSplitOutput, spec: RunSpec | undefined): Generator<Task, JobOutput, unknown> {
  const total = split.parts.length;
  progress(context, { stage: 'dedupe', shards_done: 0, shards_total: total });
  const dedupe = (yield context.df.callActivity(DEDUPE, { jobId: input.jobId, idParts: split.idParts } satisfies DedupeInput)) as DedupeOutput;
  const parts = yield* fanOut<PartOutput>(context, split.parts.map((p) => context.df.callActivity(SETTLE_PART, { jobId: input.jobId, part: p.part, scenario: input.scenario, duplicates: dedupe.duplicates, convention: split.convention, ...(spec ? { spec } : {}) } satisfies PartInput)), 'partition');
  parts.sort((a, b) => a.part - b.part);
  const fatal = parts.find((p) => p.fatal);
  if (fatal) return yield* failed(context, input.jobId, fatal.fatal!, true);
  progress(context, { stage: 'merge', shards_done: total, shards_total: total });
  if (spec) {
    const answerIn: AnswerInput = { jobId: input.jobId, spec, parts: parts.map((p) => p.part), splitRejected: split.rejected, read: split.read };
    const out = (yield context.df.callActivity(MERGE_ANSWER, answerIn)) as AnswerOutput;
    yield* cleanup(context, input.jobId);
    progress(context, { stage: 'done', shards_done: total, shards_total: total });
    return answered(input, spec.kind, out);
  }
  const mergeIn: MergePartsInput = {
    jobId: input.jobId,
    parts: parts.filter((p) => p.settled > 0).map((p) => p.part),
    rejectedParts: parts.filter((p) => p.rejected > 0).map((p) => p.part),
    splitRejected: split.rejected,
    read: split.read,
    scenario: input.scenario,
    convention: split.convention,
    combined: combineParts(parts),
  };
  const merged = (yield context.df.callActivity(MERGE_PARTS, mergeIn)) as MergePartsOutput;
  yield* cleanup(context, input.jobId);
  progress(context, { stage: 'done', shards_done: total, shards_total: total });
  return { status: 'completed', path: 'bulk', convention: split.convention, container: input.container, results: merged.results, rejected: merged.rejected, summary: merged.summary };
}

/** A budget: the roster split by person, each partition counted, the counts merged into the answer. */
function* budgetJob(context: Ctx, input: Input, spec: BudgetSpec): Generator<Task, JobOutput, unknown> {
  progress(context, { stage: 'split', shards_done: 0, shards_total: 0 });
  const split = (yield context.df.callActivity(SPLIT_ROSTER, { jobId: input.jobId, shards: input.shards, spec } satisfies RosterSplitInput)) as RosterSplitOutput;
  if (split.fatal) return yield* failed(context, input.jobId, split.fatal, false);
  const total = split.parts.length;
  yield* fanOut<CountOutput>(context, split.parts.map((p) => context.df.callActivity(COUNT_PART, { jobId: input.jobId, part: p.part, rows: p.rows, spec } satisfies CountInput)), 'partition', 'count');
  progress(context, { stage: 'merge', shards_done: total, shards_total: total });
  const out = (yield context.df.callActivity(MERGE_BUDGET, { jobId: input.jobId, parts: split.parts.map((p) => p.part), spec, read: split.read } satisfies BudgetMergeInput)) as AnswerOutput;
  yield* cleanup(context, input.jobId);
  progress(context, { stage: 'done', shards_done: total, shards_total: total });
  return answered(input, 'budget', out);
}

export function* ledgerJob(context: OrchestrationContext): Generator<Task, JobOutput, unknown> {
  const input = context.df.getInput<Input>();
  try {
    return yield* steps(context, input);
  } catch (e) {
    // an activity failed (Durable fails the job with its error): its blobs and the others' go
    yield* cleanup(context, input.jobId);
    throw e;
  }
}

function* steps(context: Ctx, input: Input): Generator<Task, JobOutput, unknown> {
  if (input.spec?.kind === 'budget') return yield* budgetJob(context, input, input.spec);
  const spec = input.spec;
  progress(context, { stage: 'split', shards_done: 0, shards_total: 0 });
  const splitIn: JobSplitInput = { jobId: input.jobId, format: input.format, shards: input.shards, scenario: input.scenario, city: input.city, categoryColumn: input.categoryColumn, convention: input.convention, ...(spec ? { spec } : {}) };
  const split = (yield context.df.callActivity(SPLIT, splitIn)) as JobSplitOutput;
  if (split.fatal) return yield* failed(context, input.jobId, split.fatal, false);
  return yield* settleJob(context, input, split, spec);
}

export const ledgerJobHandler: OrchestrationHandler = ledgerJob;
