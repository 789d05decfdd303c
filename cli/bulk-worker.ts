// The reading half of the bulk path in a worker thread (cli/bulk.ts starts it): read the file, check
// UTF-8, scan records and find duplicate claim ids, and hand batches of records to the main thread,
// which validates, settles and writes (or, for partitions, splits them without looking for
// duplicates). At most maxInFlight batches wait at a time (bounded memory).
import { workerData, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { defaultBook, YibaoError, BulkLedger, BulkUnsupported, type RecordBatch, type LedgerInput } from '../engine';
import { readChunks, maxInFlight } from './bulk';

const { file, input, rowsHint, findDuplicates, personHash, port, control } = workerData as { file: string; input: LedgerInput; rowsHint: number; findDuplicates: boolean; personHash: boolean; port: MessagePort; control: Int32Array };

function send(message: unknown, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
  Atomics.add(control, 1, 1);
  Atomics.notify(control, 1);
}

const limit = maxInFlight(personHash);

try {
  const reader = new BulkLedger(defaultBook(), {
    ...input,
    role: 'reader',
    rowsHint: findDuplicates ? rowsHint : 0,
    findDuplicates,
    personHash,
    spare: () => receiveMessageOnPort(port)?.message as RecordBatch | undefined,
    onBatch: (batch) => {
      // wait while the main thread has enough to do
      for (let n = Atomics.load(control, 0); n >= limit; n = Atomics.load(control, 0)) {
        Atomics.add(control, 2, 1); // alive
        Atomics.wait(control, 0, n, 100);
      }
      Atomics.add(control, 0, 1);
      send({ type: 'batch', batch }, [batch.buf.buffer as ArrayBuffer, batch.meta.buffer as ArrayBuffer, batch.cells.buffer as ArrayBuffer, batch.quoted.buffer as ArrayBuffer]);
    },
  });
  readChunks(file, (chunk) => {
    Atomics.add(control, 2, 1); // alive
    reader.push(chunk);
  });
  reader.end();
  send({ type: 'end', ids: reader.exportIds() });
} catch (e) {
  if (e instanceof BulkUnsupported) send({ type: 'unsupported', message: e.message });
  else if (e instanceof YibaoError) send({ type: 'error', zh: e.zh, en: e.en, code: e.code });
  else send({ type: 'crash', message: String((e as Error)?.stack ?? e) });
}
