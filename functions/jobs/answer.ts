// The last step of a comparison or a summary job (kind=compare, summary): the partitions' summaries
// (bulk.ts settlePartition wrote each to summary-p, with its what-if runs and group sums) merged into
// the runs over the whole ledger by the engine's RunMerger, as the engine's run merges its partitions
// in one process, and answered by the very function the HTTP functions answer with (pool-jobs.ts
// runAnswer): the job's answer is POST /api/scenarios/compare's or POST /api/settle?summary='s.
// Memory: the summaries without their group sums (added up as each is read), and the rejections (the
// answer lists them), as the engine's run holds them.
import type { ContainerClient } from '@azure/storage-blob';
import { defaultBook, RunMerger, comparisonOfRuns, type PartSummary, type Rejection } from '../../engine';
import { runAnswer, runJobOf, type RunSpec } from '../pool-jobs';
import { writeText } from '../storage';
import { blobText } from './blobs';
import { summaryBlob, splitRejectedBlob } from './bulk';
import { answerBlob, countsOf, type AnswerOutput } from './common';

export interface AnswerInput {
  jobId: string;
  spec: RunSpec;
  /** The partitions settled (each wrote summary-p), in order. */
  parts: number[];
  /** Records the splitter rejected (JSON lines in split-rejected). */
  splitRejected: number;
  read: number;
}

export async function mergeAnswer(client: ContainerClient, input: AnswerInput): Promise<AnswerOutput> {
  const book = defaultBook();
  const job = runJobOf(book, input.spec);
  const merger = new RunMerger(book, job);
  const summaries: PartSummary[] = [];
  for (const k of input.parts) {
    const s = JSON.parse(await blobText(client, summaryBlob(input.jobId, k))) as PartSummary;
    merger.add(s);
    summaries.push(s);
  }
  const rejections: Rejection[] = input.splitRejected > 0
    ? (await blobText(client, splitRejectedBlob(input.jobId))).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Rejection)
    : [];
  if (rejections.length !== input.splitRejected) throw new Error(`answer: ${rejections.length} split rejections where the split had ${input.splitRejected}`);
  const { main, whatIf } = merger.result(input.read, rejections, summaries);
  // every record read is settled or rejected: anything else is a partition lost or counted twice
  const sm = main.outcome.summary;
  if (sm.settled + sm.rejected !== input.read) throw new Error(`answer: ${sm.settled} settled and ${sm.rejected} rejected for ${input.read} read`);
  const comparison = job.whatIf ? comparisonOfRuns(job.groups, main, job.whatIf, whatIf) : undefined;
  const a = runAnswer(input.spec, job, main, comparison);
  const results = answerBlob(input.jobId, input.spec.answer);
  await writeText(client, results, a.text, input.spec.answer === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
  return { results, answer: input.spec.answer, counts: countsOf(a.headers) };
}
