// A CSV body (a request's, a blob's) run as a job of the engine (functions/pool-jobs.ts) on a worker
// thread of the pool (functions/settle-pool.ts), its bytes streamed to it as they arrive, so that this
// thread's event loop stays free; on this thread only when no worker can run (YIBAO_SETTLE_WORKERS=0,
// or the sources without their compiled worker). A ledger the bulk path cannot take comes back for the
// ordinary path (from the spooled body): what BulkLedger hands back (a claim_id over 4,096 bytes, …).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultBook, tableLedgerRows, type YibaoError } from '../engine';
import { firstRecord } from './body';
import type { HttpProblem } from './problem';
import { WorkerJob, settleWorkerAvailable } from './settle-pool';
import { BodyJob, type BodyJobAnswer, type BodyJobSpec } from './pool-jobs';

/** Which path answered (the x-yibao-path header). */
export type JobPath = 'bulk' | 'bulk-worker';

/** The spooled body for the ordinary path, removed once read. */
async function* spooled(file: string): AsyncGenerator<Uint8Array> {
  try {
    yield* fs.createReadStream(file);
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

/** The same steps on a worker or here. */
interface Runner { push(c: Uint8Array): void; finish(): Promise<BodyJobAnswer>; abort(): void }

async function runner(spec: BodyJobSpec): Promise<Runner> {
  if (settleWorkerAvailable()) {
    const job = await WorkerJob.start(spec);
    return { push: (c) => job.push(c), finish: () => (job.end(), job.answer()), abort: () => job.abort() };
  }
  const job = new BodyJob(defaultBook(), spec);
  return { push: (c) => job.push(c), finish: () => job.end(), abort: () => job.abort() };
}

export type Answered = Exclude<BodyJobAnswer, { t: 'unsupported' }> & { bytes: number; path: JobPath };

/** The spooled body handed back (removed once read), and why the engine's run could not take it (BulkUnsupported's words). */
export type HandedBack = AsyncIterable<Uint8Array> & { reason: string };

/**
 * The job's answer on `chunks` (checked as UTF-8 already), or the bytes from the first for the
 * ordinary path. `empty`: the error for a body without a header. A CSV ledger's header is read here
 * first, so that the engine's errors for a header it cannot use come at once (as the ordinary path
 * gives them), and its names tell the results' names when the request did not (spec.input.format).
 * A roster's header is the budget's to check.
 */
export async function runBodyJob(chunks: AsyncIterable<Uint8Array>, spec: BodyJobSpec, empty: () => HttpProblem | YibaoError): Promise<Answered | HandedBack> {
  let bytes = 0;
  const src = (async function* () {
    for await (const c of chunks) {
      bytes += c.byteLength;
      yield c;
    }
  })();
  try {
    const held: Uint8Array[] = [];
    if (spec.input?.body !== 'ndjson') {
      const header = await firstRecord(src, held);
      if (header === undefined) throw empty();
      if (spec.kind !== 'budget') {
        const convention = tableLedgerRows(header, [], spec.input).convention;
        spec = { ...spec, input: { ...spec.input, format: spec.input?.format ?? convention } };
      }
    }
    const job = await runner(spec);
    let answer: BodyJobAnswer;
    try {
      for (const c of held.splice(0)) job.push(c);
      for (let n = await src.next(); !n.done; n = await src.next()) job.push(n.value);
      answer = await job.finish();
    } catch (e) {
      job.abort();
      throw e;
    }
    if (answer.t === 'unsupported') return Object.assign(spooled(answer.file), { reason: answer.reason });
    return { ...answer, bytes, path: settleWorkerAvailable() ? 'bulk-worker' : 'bulk' };
  } catch (e) {
    await src.return(undefined); // stop reading the body (a refused body is not read to its end)
    throw e;
  }
}

/** A job answered as one text (compare, summary, budget). */
export function textAnswer(a: Answered): Extract<Answered, { t: 'answer' }> {
  if (a.t !== 'answer') throw new Error(`a ${a.t} answer where a text was expected`);
  return a;
}
