// A worker thread of the pool (functions/settle-pool.ts starts it): it runs the engine's jobs on
// bodies so that the request thread's event loop stays free — large CSV bodies of POST /api/settle on
// the bulk path, whose answer goes back in pieces (transferred), at most a few ahead of what the client
// has read (credits in shared memory), and the jobs of functions/pool-jobs.ts (compare, summary),
// answered once. The body's bytes come in as they arrive (transferred). One body at a time; every
// message carries the job's id, and a message of another job than the current one is ignored.
import { parentPort } from 'node:worker_threads';
import { defaultBook, scenarioOfWire, YibaoError } from '../engine';
import { BulkRun, writeBulkAnswer, type BulkAnswer } from './settle-answer';
import { BodyJob } from './pool-jobs';
import type { ToWorker, FromWorker } from './settle-pool';

const port = parentPort!;
const CREDITS = 0, CANCEL = 1;
/** Give up on a client that reads nothing for this long (the Functions host's timeout is 10 minutes). */
const STALL_MS = 10 * 60 * 1000;

class Cancelled extends Error {}

let job: { id: number; run: BulkRun; ctl: Int32Array; answer: BulkAnswer; toldUnsupported: boolean } | null = null;
/** The current job of pool-jobs.ts (when `job` is null). */
let bodyJob: { id: number; run: BodyJob } | null = null;

function send(m: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(m, transfer);
}

function fail(id: number, e: unknown): void {
  if (e instanceof YibaoError) send({ t: 'error', id, zh: e.zh, en: e.en, code: e.code });
  else send({ t: 'crash', id, message: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e) });
}

function tellUnsupported(): void {
  if (!job || job.toldUnsupported || job.run.unsupported === null) return;
  job.toldUnsupported = true;
  send({ t: 'unsupported', id: job.id, reason: job.run.unsupported });
}

/** Wait until the request thread lets another piece go (the client read one), or the client is gone. */
function takeCredit(ctl: Int32Array): void {
  let waited = 0;
  while (Atomics.load(ctl, CREDITS) <= 0) {
    if (Atomics.load(ctl, CANCEL)) throw new Cancelled();
    Atomics.wait(ctl, CREDITS, 0, 1000);
    if ((waited += 1000) > STALL_MS && Atomics.load(ctl, CREDITS) <= 0) throw new Cancelled();
  }
  if (Atomics.load(ctl, CANCEL)) throw new Cancelled();
  Atomics.sub(ctl, CREDITS, 1);
}

function finish(id: number): void {
  const j = job!;
  let ok: boolean;
  try {
    ok = j.run.end();
  } catch (e) {
    job = null;
    fail(id, e);
    return;
  }
  if (!ok) {
    tellUnsupported(); // then wait for giveBack
    return;
  }
  job = null;
  try {
    const ledger = j.run.settled();
    const outcome = ledger.outcome();
    send({ t: 'head', id, read: outcome.summary.read, settled: outcome.summary.settled, rejected: outcome.summary.rejected });
    writeBulkAnswer(ledger, outcome, j.answer, (bytes) => {
      takeCredit(j.ctl);
      const copy = bytes.slice();
      send({ t: 'piece', id, bytes: copy }, [copy.buffer as ArrayBuffer]);
    });
    send({ t: 'done', id });
  } catch (e) {
    if (e instanceof Cancelled) send({ t: 'cancelled', id });
    else fail(id, e);
  }
}

/** A message for the current job of pool-jobs.ts. */
function onBodyJob(m: ToWorker): void {
  const j = bodyJob!;
  try {
    if (m.t === 'chunk') j.run.push(m.bytes);
    else if (m.t === 'abort') {
      bodyJob = null;
      j.run.abort();
      send({ t: 'aborted', id: j.id });
    } else if (m.t === 'end') {
      bodyJob = null;
      j.run.end().then((answer) => send({ t: 'answer', id: j.id, answer }), (e) => fail(j.id, e));
    }
  } catch (e) {
    bodyJob = null;
    j.run.abort();
    fail(j.id, e);
  }
}

port.on('message', (m: ToWorker) => {
  if (m.t === 'start') {
    job = null;
    bodyJob = null;
    try {
      const book = defaultBook();
      const spec = m.job;
      if (spec.kind !== 'settle') bodyJob = { id: m.id, run: new BodyJob(book, spec) };
      else {
        const scenario = spec.scenario === null ? undefined : scenarioOfWire(book, spec.scenario);
        job = { id: m.id, run: new BulkRun(book, scenario, spec.rowsHint, spec.answer, spec.input), ctl: m.ctl, answer: spec.answer, toldUnsupported: false };
      }
    } catch (e) {
      fail(m.id, e);
    }
    return;
  }
  if (bodyJob && bodyJob.id === m.id) return onBodyJob(m);
  if (!job || job.id !== m.id) return; // a message of a job that is over
  const id = job.id;
  switch (m.t) {
    case 'chunk':
      try {
        job.run.push(m.bytes);
      } catch (e) {
        job = null;
        fail(id, e);
        return;
      }
      tellUnsupported();
      return;
    case 'end':
      finish(id);
      return;
    case 'giveBack': {
      const chunks = job.run.takeHeld();
      job = null;
      send({ t: 'chunks', id, chunks }, chunks.map((c) => c.buffer as ArrayBuffer));
      return;
    }
    case 'abort':
      job = null;
      send({ t: 'aborted', id });
      return;
  }
});
