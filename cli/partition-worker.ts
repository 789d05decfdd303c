// The second thread of a partitioned run (cli/partition.ts starts it): it finds the repeated claim
// ids of the id parts it is given, then takes parts from the shared counter, as the main thread
// does, settles each from the run's folder and answers its summary.
import { parentPort, workerData } from 'node:worker_threads';
import { defaultBook, YibaoError, BulkUnsupported, dedupeParts, settlePart, scenarioOfWire, type PartJob, type ScenarioWire } from '../engine';
import { FileParts } from '../node/part-files';
import type { JobWire } from './partition';

const { dir } = workerData as { dir: string };
const book = defaultBook();
const storage = new FileParts(dir);
const scenarioOf = (w: ScenarioWire) => scenarioOfWire(book, w);

type Ask = { type: 'dedupe'; parts: number[] } | { type: 'settle'; job: JobWire; duplicates: Int32Array; parts: number[]; counter: Int32Array };

parentPort!.on('message', (ask: Ask) => {
  try {
    if (ask.type === 'dedupe') {
      parentPort!.postMessage({ dupes: dedupeParts(storage, ask.parts) });
      return;
    }
    const { parts, counter, duplicates } = ask;
    const job: PartJob = { scenario: ask.job.scenario ? scenarioOf(ask.job.scenario) : undefined, groups: ask.job.groups, whatIf: ask.job.whatIf.map(scenarioOf), input: ask.job.input };
    for (let i = Atomics.add(counter, 0, 1); i < parts.length; i = Atomics.add(counter, 0, 1)) {
      parentPort!.postMessage({ k: parts[i], summary: settlePart(book, storage, parts[i], duplicates, job) });
    }
    parentPort!.postMessage({ done: true });
  } catch (e) {
    if (e instanceof BulkUnsupported) parentPort!.postMessage({ unsupported: e.message });
    else if (e instanceof YibaoError) parentPort!.postMessage({ zh: e.zh, en: e.en, code: e.code });
    else parentPort!.postMessage({ crash: String((e as Error)?.stack ?? e) });
  }
});
