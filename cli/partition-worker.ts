// The second thread of cli/partition.ts: it finds the repeated claim ids of the id partitions it is
// given, then takes partitions from the shared counter, as the main thread does, settles each from
// the temporary folder and answers its summary.
import { parentPort, workerData } from 'node:worker_threads';
import { defaultBook, scenarioFrom, YibaoError } from '../engine';
import { BulkUnsupported } from '../engine/ledger/bulk';
import { dedupeParts, settlePart } from './partition';

const { dir, scenario: data, scenarioName } = workerData as { dir: string; scenario: unknown; scenarioName: string };
const book = defaultBook();
const scenario = data === null ? undefined : scenarioFrom(book, data, scenarioName);

type Ask = { type: 'dedupe'; parts: number[] } | { type: 'settle'; duplicates: Int32Array; parts: number[]; counter: Int32Array };

parentPort!.on('message', (ask: Ask) => {
  try {
    if (ask.type === 'dedupe') {
      parentPort!.postMessage({ dupes: dedupeParts(dir, ask.parts) });
      return;
    }
    const { parts, counter, duplicates } = ask;
    for (let i = Atomics.add(counter, 0, 1); i < parts.length; i = Atomics.add(counter, 0, 1)) {
      parentPort!.postMessage({ k: parts[i], summary: settlePart(book, scenario, dir, parts[i], duplicates) });
    }
    parentPort!.postMessage({ done: true });
  } catch (e) {
    if (e instanceof BulkUnsupported) parentPort!.postMessage({ unsupported: e.message });
    else if (e instanceof YibaoError) parentPort!.postMessage({ zh: e.zh, en: e.en, code: e.code });
    else parentPort!.postMessage({ crash: String((e as Error)?.stack ?? e) });
  }
});
