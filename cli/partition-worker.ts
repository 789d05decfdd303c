// The second thread of a run (cli/partition.ts starts it). In partitions it finds the repeated claim
// ids of the id parts it is given, then takes parts from the shared counter, as the main thread does,
// settles each from the run's folder and answers its summary. In memory it settles the second half of
// the persons from the batches the main thread forwards (engine settleHalves).
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { defaultBook, YibaoError, BulkUnsupported, dedupeParts, settlePart, scenarioOfWire, HalfSettler, type PartJob, type ScenarioWire, type RecordBatch, type IdsExport } from '../engine';
import { FileParts } from '../node/part-files';
import type { JobWire } from './partition';
import { transferOf } from './bulk';

const { dir } = workerData as { dir: string };
const book = defaultBook();
const storage = new FileParts(dir);
const scenarioOf = (w: ScenarioWire) => scenarioOfWire(book, w);

type Ask =
  | { type: 'dedupe'; parts: number[] }
  | { type: 'settle'; job: JobWire; duplicates: Int32Array; parts: number[]; counter: Int32Array }
  | { type: 'half'; job: JobWire; rowsHint: number; port: MessagePort };

const jobOf = (w: JobWire): PartJob => ({ scenario: w.scenario ? scenarioOf(w.scenario) : undefined, groups: w.groups, whatIf: w.whatIf.map(scenarioOf), input: w.input, claimWarnings: w.claimWarnings });

function fail(e: unknown): void {
  if (e instanceof BulkUnsupported) parentPort!.postMessage({ unsupported: e.message });
  else if (e instanceof YibaoError) parentPort!.postMessage({ zh: e.zh, en: e.en, code: e.code });
  else parentPort!.postMessage({ crash: String((e as Error)?.stack ?? e) });
}

/**
 * Half 1 of a run in memory: every batch the main thread forwards is taken (its half of the persons)
 * and handed back at once, even after a failure, so that the reader never waits on this thread; the
 * failure is answered at the end.
 */
function half(ask: Extract<Ask, { type: 'half' }>): void {
  const settler = new HalfSettler(book, jobOf(ask.job), ask.rowsHint, 1);
  let control: Int32Array | null = null;
  let failure: unknown = null;
  ask.port.on('message', (m: { type: 'start'; control: Int32Array } | { type: 'batch'; batch: RecordBatch } | { type: 'end'; ids: IdsExport }) => {
    if (m.type === 'start') control = m.control;
    else if (m.type === 'batch') {
      const b = m.batch;
      if (failure === null) {
        try {
          settler.consume(b);
        } catch (e) {
          failure = e;
        }
      }
      ask.port.postMessage(b, transferOf(b));
      Atomics.add(control!, 1, 1);
      Atomics.notify(control!, 1);
    } else {
      ask.port.close();
      try {
        if (failure !== null) throw failure;
        parentPort!.postMessage({ k: 1, summary: settler.end(m.ids, storage) });
      } catch (e) {
        fail(e);
      }
    }
  });
}

parentPort!.on('message', (ask: Ask) => {
  try {
    if (ask.type === 'dedupe') {
      parentPort!.postMessage({ dupes: dedupeParts(storage, ask.parts) });
      return;
    }
    if (ask.type === 'half') {
      half(ask);
      return;
    }
    const { parts, counter, duplicates } = ask;
    const job = jobOf(ask.job);
    for (let i = Atomics.add(counter, 0, 1); i < parts.length; i = Atomics.add(counter, 0, 1)) {
      parentPort!.postMessage({ k: parts[i], summary: settlePart(book, storage, parts[i], duplicates, job) });
    }
    parentPort!.postMessage({ done: true });
  } catch (e) {
    fail(e);
  }
});
