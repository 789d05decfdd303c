// The large-job orchestration (Durable Functions v3). Deterministic: no I/O, no clock, only
// activity calls. Every activity input and output is kept in the orchestration's history and
// replayed, so they carry blob names and small totals, never rows.
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import type { Message, Convention } from '../../engine';
import { addShardTotals, type SplitInput, type SplitOutput, type ShardInput, type ShardTotals, type MergeInput, type MergeOutput } from './shard';
import type { LedgerFormat } from '../body';

export const ORCHESTRATOR = 'yibaoLedgerJob';
export const SPLIT = 'yibaoSplitLedger';
export const SETTLE_SHARD = 'yibaoSettleShard';
export const MERGE = 'yibaoMergeResults';

export interface JobInput { jobId: string; format: LedgerFormat; shards: number; scenario?: string; city?: string; categoryColumn?: string }

export interface JobProgress { stage: 'split' | 'settle' | 'merge' | 'done' | 'failed'; shards_done: number; shards_total: number }

export interface JobOutput {
  status: 'completed' | 'failed';
  problem?: Message;
  container?: string;
  results?: string;
  rejected?: string | null;
  summary?: ReturnType<typeof addShardTotals>;
}

export function* ledgerJob(context: OrchestrationContext): Generator<Task, JobOutput, unknown> {
  const input = context.df.getInput<JobInput & { container: string }>();
  const progress = (p: JobProgress) => context.df.setCustomStatus(p);
  progress({ stage: 'split', shards_done: 0, shards_total: 0 });
  const splitIn: SplitInput = { jobId: input.jobId, format: input.format, shards: input.shards, city: input.city, categoryColumn: input.categoryColumn };
  const split = (yield context.df.callActivity(SPLIT, splitIn)) as SplitOutput;
  if (split.fatal) {
    progress({ stage: 'failed', shards_done: 0, shards_total: 0 });
    return { status: 'failed', problem: split.fatal };
  }
  const total = split.shards.length;
  progress({ stage: 'settle', shards_done: 0, shards_total: total });
  // Fan out, then take shards as they finish (Task.any) so that the status shows shards done of total.
  let pending: Task[] = split.shards.map((s) => context.df.callActivity(SETTLE_SHARD, { jobId: input.jobId, shard: s.shard, scenario: input.scenario, convention: split.convention } satisfies ShardInput));
  const parts: ShardTotals[] = [];
  while (pending.length) {
    const done = (yield context.df.Task.any(pending)) as Task;
    pending = pending.filter((t) => t !== done);
    if (done.isFaulted) throw new Error(`shard failed: ${(done.result as Error | undefined)?.message ?? 'unknown'}`);
    parts.push(done.result as ShardTotals);
    progress({ stage: 'settle', shards_done: parts.length, shards_total: total });
  }
  progress({ stage: 'merge', shards_done: total, shards_total: total });
  const mergeIn: MergeInput = { jobId: input.jobId, shards: split.shards.map((s) => s.shard), convention: split.convention as Convention };
  const merged = (yield context.df.callActivity(MERGE, mergeIn)) as MergeOutput;
  progress({ stage: 'done', shards_done: total, shards_total: total });
  parts.sort((a, b) => a.shard - b.shard);
  return { status: 'completed', container: input.container, results: merged.results, rejected: merged.rejected, summary: addShardTotals(parts) };
}

export const ledgerJobHandler: OrchestrationHandler = ledgerJob;
