// The large-job orchestrator driven in memory over a real Azurite, for the job tests: a faithful driver
// of the generator (no Durable runtime is installed: @microsoft/durabletask-js is not a dependency)
// and every activity of the app on a container, as functions/app.ts registers them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DummyOrchestrationContext } from 'durable-functions';
import type { ContainerClient } from '@azure/storage-blob';
import { ledgerJob, SPLIT, DEDUPE, SETTLE_PART, MERGE_PARTS, CLEANUP, MERGE_ANSWER, SPLIT_ROSTER, COUNT_PART, MERGE_BUDGET, type JobOutput } from '../../functions/jobs/orchestrator';
import { splitJob, findDuplicates, settlePartition, mergePartitions, cleanupJob } from '../../functions/jobs/bulk';
import { mergeAnswer } from '../../functions/jobs/answer';
import { splitRoster, countPartition, mergeBudget } from '../../functions/jobs/budget';
import { ROOT } from './helpers';

/** host.json's durableTask.maxConcurrentActivityFunctions: how many activities an instance runs at once. */
const ACTIVITY_SLOTS = (JSON.parse(fs.readFileSync(path.join(ROOT, 'host.json'), 'utf8')) as { extensions: { durableTask: { maxConcurrentActivityFunctions: number } } }).extensions.durableTask.maxConcurrentActivityFunctions;

/**
 * A faithful driver of a Durable orchestrator generator, in memory: activities scheduled when the
 * generator yields them and run at most ACTIVITY_SLOTS at a time (as one host instance runs them),
 * Task.any answered with the first to finish, inputs and outputs passed through JSON as the history
 * stores them. Returns the output, the custom statuses and the history.
 */
export async function drive(input: unknown, activities: Record<string, (i: unknown) => Promise<unknown>>) {
  type T = { kind: 'activity'; name: string; input: unknown; isCompleted: boolean; isFaulted: boolean; result?: unknown; promise?: Promise<void> } | { kind: 'any'; tasks: T[] };
  const history: { name: string; input: string; output: string }[] = [];
  const statuses: unknown[] = [];
  let free = ACTIVITY_SLOTS;
  const waiting: (() => void)[] = [];
  const slot = async () => {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else free++;
  };
  const run = async (t: T & { kind: 'activity' }) => {
    await slot();
    try {
      return await activities[t.name](JSON.parse(JSON.stringify(t.input)));
    } finally {
      release();
    }
  };
  const start = (t: T & { kind: 'activity' }) => {
    t.promise ??= run(t).then(
      (out) => { const s = JSON.stringify(out); history.push({ name: t.name, input: JSON.stringify(t.input), output: s }); t.result = JSON.parse(s); t.isCompleted = true; },
      (err) => { t.result = err; t.isCompleted = true; t.isFaulted = true; },
    );
    return t.promise;
  };
  const ctx = new DummyOrchestrationContext('yibaoLedgerJob', 'job-1');
  (ctx as unknown as { df: unknown }).df = {
    getInput: () => JSON.parse(JSON.stringify(input)),
    setCustomStatus: (s: unknown) => statuses.push(JSON.parse(JSON.stringify(s))),
    callActivity: (name: string, i: unknown): T => ({ kind: 'activity', name, input: i, isCompleted: false, isFaulted: false }),
    Task: { any: (tasks: T[]): T => ({ kind: 'any', tasks }) },
  };
  const gen = ledgerJob(ctx as never) as Generator<T, JobOutput, unknown>;
  let step = gen.next();
  while (!step.done) {
    const t = step.value;
    if (t.kind === 'activity') {
      await start(t);
      step = t.isFaulted ? gen.throw(t.result) : gen.next(t.result);
    } else {
      const acts = t.tasks as (T & { kind: 'activity' })[];
      acts.forEach(start);
      const done = acts.find((a) => a.isCompleted) ?? (await Promise.race(acts.map((a) => a.promise!.then(() => a))));
      step = gen.next(done);
    }
  }
  return { output: JSON.parse(JSON.stringify(step.value)) as JobOutput, statuses, history };
}

/** Every activity of the app, on the jobs container (as functions/app.ts registers them). */
export function activitiesOn(jobs: ContainerClient, over: Record<string, (i: unknown) => Promise<unknown>> = {}): Record<string, (i: unknown) => Promise<unknown>> {
  return {
    [SPLIT]: (i) => splitJob(jobs, i as never),
    [DEDUPE]: (i) => findDuplicates(jobs, i as never),
    [SETTLE_PART]: (i) => settlePartition(jobs, i as never),
    [MERGE_PARTS]: (i) => mergePartitions(jobs, i as never),
    [CLEANUP]: (i) => cleanupJob(jobs, i as never),
    [MERGE_ANSWER]: (i) => mergeAnswer(jobs, i as never),
    [SPLIT_ROSTER]: (i) => splitRoster(jobs, i as never),
    [COUNT_PART]: (i) => countPartition(jobs, i as never),
    [MERGE_BUDGET]: (i) => mergeBudget(jobs, i as never),
    ...over,
  };
}

