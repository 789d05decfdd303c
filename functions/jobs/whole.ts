// The jobs that answer one text rather than a row per claim: kind=budget (a roster and a year: the
// answer of POST /api/budget), kind=compare (a ledger and scenarios: POST /api/scenarios/compare),
// kind=summary (a ledger's totals per group: POST /api/settle?summary=). One activity runs the very
// job those functions run (functions/pool-jobs.ts BodyJob on a worker thread of the pool), over the
// input blob as it downloads: the engine's run (engine/run) in memory or in partitions by the input's
// size for compare and summary, the roster's budget (engine/budget.ts) for budget. The answer is
// written to one blob; the activity's output in the history is its name and the counts.
import type { ContainerClient } from '@azure/storage-blob';
import { YibaoError, type Message } from '../../engine';
import { utf8Checked } from '../body';
import { runBodyJob, textAnswer } from '../body-job';
import type { BodyJobSpec } from '../pool-jobs';
import { HttpProblem } from '../problem';
import { runLimits } from '../settings';
import { blobChunks, writeText } from '../storage';
import { inputBlob } from './common';

export type WholeKind = 'budget' | 'compare' | 'summary';
export type WholeSpec = Exclude<BodyJobSpec, { kind: 'ledger' }>;

export interface WholeInput { jobId: string; spec: WholeSpec }

export interface WholeOutput {
  /** The answer's blob and its content type (the answer asked for when the job started). */
  results?: string;
  answer?: 'json' | 'csv';
  /** The x-yibao-* counts of the answer (read, settled or persons, rejected). */
  counts?: Record<string, number>;
  fatal?: Message;
}

export const answerBlob = (jobId: string, answer: 'json' | 'csv') => `${jobId}/results.${answer}`;

const EMPTY = () => new YibaoError('输入为空：没有表头', 'the input is empty: no header', 'fatal');

export async function runWhole(client: ContainerClient, input: WholeInput): Promise<WholeOutput> {
  const what = { zh: '作业输入', en: 'the job input' };
  let done;
  try {
    done = await runBodyJob(utf8Checked(blobChunks(client, inputBlob(input.jobId, 'csv')), what), { ...input.spec, limits: runLimits() }, EMPTY);
  } catch (e) {
    if (e instanceof YibaoError) return { fatal: e.reason };
    if (e instanceof HttpProblem) return { fatal: { zh: e.zh, en: e.en } };
    throw e;
  }
  if (Symbol.asyncIterator in done) {
    // the national platform's column names: the ordinary path of the HTTP functions, not a job's
    for await (const _ of done) void _; // the spooled copy removed
    const route = input.spec.kind === 'compare' ? 'POST /api/scenarios/compare' : 'POST /api/settle?summary=';
    return { fatal: { zh: `该作业只接受规范列名的台账；国家医保信息平台导出请用 ${route}`, en: `this job takes ledgers with the spec's column names; send a national platform export to ${route}` } };
  }
  const a = textAnswer(done);
  const results = answerBlob(input.jobId, input.spec.answer);
  await writeText(client, results, a.text, input.spec.answer === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
  const counts = Object.fromEntries(Object.entries(a.headers).map(([k, v]) => [k.replace(/^x-yibao-/, ''), Number(v)]));
  return { results, answer: input.spec.answer, counts };
}
