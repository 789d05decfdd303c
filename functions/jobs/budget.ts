// A budget job (kind=budget: a roster and a year, the answer of POST /api/budget) fanned out by person:
//
//   split   the roster blob → per partition p: roster-p (JSON lines: the header, then each record's
//           line, cells and reading error), every row of a person in one partition, in input order
//           (engine/budget/split.ts RosterSplitter). The budget's checks (the year, the date, a
//           contribution standard, the roster's header) fail the job here, before anything is written.
//   count   one partition: its rows counted by the engine's RosterCounter → count-p (the partition's
//           Count: groups, counts, rejected rows and its first duplicate reports, JSON).
//   merge   the partitions' counts added up (engine mergeCounts: the whole roster's count), priced
//           (the budget plan's finish) and answered by pool-jobs.ts budgetAnswer, as POST /api/budget.
//
// Activities carry blob names and counts; each one's memory follows one partition (the merge: the
// groups, the rejected rows and the duplicate reports kept, as the budget in one process keeps them).
import type { ContainerClient } from '@azure/storage-blob';
import {
  defaultBook, budgetPlan, mergeCounts, splitRoster as splitRosterRecords, lineRecord, scenarioOfWire, YibaoError,
  type Book, type BudgetPlan, type Count, type Message,
} from '../../engine';
import { utf8Checked } from '../body';
import { HttpProblem } from '../problem';
import { budgetAnswer, type BudgetSpec } from '../pool-jobs';
import { blobChunks, writeText } from '../storage';
import { staged, upload, partsPrefix } from './bulk';
import { inParallel, blobText } from './blobs';
import { inputBlob, answerBlob, countsOf, type AnswerOutput } from './common';

const pad = (k: number) => String(k).padStart(3, '0');
export const rosterBlob = (jobId: string, k: number) => `${partsPrefix(jobId)}roster-${pad(k)}`;
export const countBlob = (jobId: string, k: number) => `${partsPrefix(jobId)}count-${pad(k)}`;

const EMPTY: Message = { zh: '输入为空：没有表头', en: 'the input is empty: no header' };

function planOf(book: Book, spec: BudgetSpec): BudgetPlan {
  return budgetPlan(book, { year: spec.year, date: spec.date, scenarios: spec.scenarios.map((w) => scenarioOfWire(book, w)), maxDuplicateReports: spec.maxDuplicateReports });
}

/** Why the job cannot go on (the engine's or the body's reason), or the error rethrown. */
function fatalOf(e: unknown): Message {
  if (e instanceof YibaoError) return e.reason;
  if (e instanceof HttpProblem) return { zh: e.zh, en: e.en };
  throw e;
}

/** The lines of a blob of JSON lines, as they download: the lines each chunk completes, together. */
async function* blobLines(client: ContainerClient, name: string): AsyncGenerator<string[]> {
  const dec = new TextDecoder('utf-8', { fatal: true });
  let carry = '';
  for await (const chunk of blobChunks(client, name)) {
    const lines = (carry + dec.decode(chunk, { stream: true })).split('\n');
    carry = lines.pop()!;
    yield lines;
  }
  carry += dec.decode();
  if (carry !== '') throw new Error(`${name}: a partial line at its end`);
}

// ---------------------------------------------------------------------------------------------
// split

export interface RosterSplitInput { jobId: string; shards: number; spec: BudgetSpec }
export interface RosterSplitOutput {
  /** Records read (the header not counted). */
  read: number;
  /** Partitions that hold records, with their record counts. */
  parts: { part: number; rows: number }[];
  fatal?: Message;
}

/** Each partition's lines gathered up to this many characters before they go to its file. */
const PIECE = 1 << 16;

export async function splitRoster(client: ContainerClient, input: RosterSplitInput): Promise<RosterSplitOutput> {
  const book = defaultBook();
  const chunks = utf8Checked(blobChunks(client, inputBlob(input.jobId, 'csv')), { zh: '作业输入', en: 'the job input' });
  const failed = (fatal: Message): RosterSplitOutput => ({ read: 0, parts: [], fatal });
  return staged(async (storage) => {
    const n = input.shards;
    const rows = new Array<number>(n).fill(0);
    const pieces = new Array<string>(n).fill('');
    const enc = new TextEncoder();
    const put = (k: number) => {
      storage.append(`roster-${k}`, enc.encode(pieces[k]));
      pieces[k] = '';
    };
    let head = '';
    let read;
    try {
      read = await splitRosterRecords(chunks, n, (header) => {
        planOf(book, input.spec); // the budget's checks, in its order: before the header's
        head = JSON.stringify(header) + '\n';
      }, (k, line) => {
        if (rows[k]++ === 0) pieces[k] = head;
        pieces[k] += line;
        if (pieces[k].length >= PIECE) put(k);
      });
    } catch (e) {
      return failed(fatalOf(e));
    }
    if (read === undefined) return failed(EMPTY);
    for (let k = 0; k < n; k++) if (pieces[k]) put(k);
    storage.flush();
    const parts = rows.flatMap((count, part) => (count > 0 ? [{ part, rows: count }] : []));
    await inParallel(parts, 4, ({ part }) => upload(client, storage, `roster-${part}`, rosterBlob(input.jobId, part)));
    return { read, parts };
  });
}

// ---------------------------------------------------------------------------------------------
// count

export interface CountInput { jobId: string; part: number; rows: number; spec: BudgetSpec }
export interface CountOutput { part: number; read: number; persons: number; rejected: number }

export async function countPartition(client: ContainerClient, input: CountInput): Promise<CountOutput> {
  const plan = planOf(defaultBook(), input.spec);
  let counter: ReturnType<BudgetPlan['counter']> | undefined;
  for await (const lines of blobLines(client, rosterBlob(input.jobId, input.part))) {
    for (const line of lines) {
      if (counter) counter.add(lineRecord(line));
      else counter = plan.counter(JSON.parse(line) as string[], input.rows); // the header
    }
  }
  if (!counter) throw new Error(`roster partition ${input.part}: empty`);
  const count = counter.finish();
  await writeText(client, countBlob(input.jobId, input.part), JSON.stringify(count), 'application/json');
  return { part: input.part, read: count.read, persons: count.groups.reduce((t, g) => t + g.persons, 0), rejected: count.rejections.length };
}

// ---------------------------------------------------------------------------------------------
// merge

export interface BudgetMergeInput { jobId: string; parts: number[]; spec: BudgetSpec; read: number }

export async function mergeBudget(client: ContainerClient, input: BudgetMergeInput): Promise<AnswerOutput> {
  const plan = planOf(defaultBook(), input.spec);
  const counts: Count[] = [];
  for (const k of input.parts) {
    counts.push(JSON.parse(await blobText(client, countBlob(input.jobId, k))) as Count);
  }
  const count = mergeCounts(plan.date, counts, plan.maxDuplicateReports);
  // every row the split read is counted once: anything else is a partition lost or counted twice
  if (count.read !== input.read) throw new Error(`budget merge: ${count.read} rows counted for ${input.read} read`);
  const a = budgetAnswer(plan.finish(count), input.spec.answer);
  const results = answerBlob(input.jobId, input.spec.answer);
  await writeText(client, results, a.text, input.spec.answer === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
  return { results, answer: input.spec.answer, counts: countsOf(a.headers) };
}
