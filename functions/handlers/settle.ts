// POST /api/settle: a ledger (CSV or NDJSON) in, per-claim results (CSV or NDJSON by Accept) out, or
// with ?summary=county,category,month the totals per tier for those groups. Rejected rows are
// answered with their line numbers, as on the command line.
//
// Two paths, the same bytes (x-yibao-path says which one answered):
//  - bulk (engine/ledger/bulk.ts BulkLedger: columns, integer fen): every form of body — CSV under the
//    spec's or the national platform's names, NDJSON, with ?city=, ?category_column=, ?format= — of
//    at least YIBAO_SETTLE_BULK_MIN_BYTES (4 KB: below that the ordinary path is quicker). A body over
//    YIBAO_SETTLE_WORKER_BYTES (1 MB) goes to a worker thread (functions/settle-pool.ts) as it
//    arrives, so this thread keeps answering other requests; a smaller one is settled here. With
//    ?summary=, the totals per group of the engine's run (engine/run) on a worker thread
//    (functions/body-job.ts), a body of any size.
//  - ledger (readLedger + settleLedger): the few-claim bodies, and any body BulkLedger hands back
//    (BulkUnsupported: a claim_id over 4,096 bytes, …). The bytes read so far are kept until
//    BulkLedger has taken the whole body, so that this path can read it again from its first byte.
import { HttpResponse, type HttpRequest, type InvocationContext } from '@azure/functions';
// the web stream of node:stream/web, named: the global one is the DOM's when a browser test shares the type checker
import { ReadableStream } from 'node:stream/web';
import {
  defaultBook, settleLedger, resultCells, nhsaResultsTable, RESULT_COLUMNS, csvLine, tableLedgerRows,
  keepColumns, summarize, summaryJson, summaryTable, toCsv, YibaoError, type LedgerOutcome, type LedgerInput, type Convention, type Book, type Scenario, scenarioWire,
} from '../../engine';
import { readLedger, readLedgerChunks, ledgerFormat, bodyChunks, utf8Checked, firstRecord, replay, EMPTY, type ReadLedger } from '../body';
import { negotiate, oneScenario, groupsOf, headerOptions, textStream, batched, CONTENT_TYPE } from '../http';
import { guarded } from '../problem';
import { maxBodyBytes, runLimits, settleBulkEnabled, settleBulkMinBytes, settleWorkerBytes } from '../settings';
import { runBodyJob, textAnswer } from '../body-job';
import { countHeaders, type Head } from '../pool-jobs';
import { BulkRun, writeBulkAnswer, rejectedCsvLines, rejectedNdjsonLines, rejectionsJson, summaryLine, type BulkAnswer } from '../settle-answer';
import { WorkerJob, settleWorkerAvailable } from '../settle-pool';

/** Which path settled a body (the x-yibao-path header). */
export type SettlePath = 'bulk' | 'bulk-worker' | 'ledger';

/** Result rows as cells: the spec's columns, or the national platform's for a platform export. */
function* resultRows(o: LedgerOutcome, format: Convention): Generator<string[]> {
  if (format === 'nhsa') {
    yield* nhsaResultsTable(o).slice(1);
    return;
  }
  for (const r of o.results) yield resultCells(r, o.claimFindings.get(r.claim_id));
}

function* csvAnswer(o: LedgerOutcome, format: Convention): Generator<string> {
  yield csvLine(format === 'nhsa' ? nhsaResultsTable({ ...o, results: [] })[0] : [...RESULT_COLUMNS]);
  for (const cells of resultRows(o, format)) yield csvLine(cells);
  yield* rejectedCsvLines(o);
}

function* ndjsonAnswer(o: LedgerOutcome, format: Convention): Generator<string> {
  const columns = format === 'nhsa' ? nhsaResultsTable({ ...o, results: [] })[0] : [...RESULT_COLUMNS];
  for (const cells of resultRows(o, format)) {
    const obj: Record<string, string> = { type: 'result' };
    columns.forEach((c, i) => (obj[c] = cells[i]));
    yield JSON.stringify(obj) + '\n';
  }
  yield* rejectedNdjsonLines(o);
  yield summaryLine(o);
}

/** Pieces of bytes already made, one per read. */
function piecesStream(pieces: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const p = pieces.shift();
      if (p) controller.enqueue(p);
      else controller.close();
    },
  }, { highWaterMark: 0 });
}

/**
 * A CSV body on the bulk path: the answer, or the body's bytes from the first (those read so far,
 * then the rest) for the ordinary path when the bulk path cannot take it.
 */
async function settleOnBulkPath(request: HttpRequest, context: InvocationContext, book: Book, scenario: Scenario | undefined, answer: BulkAnswer, input: LedgerInput): Promise<HttpResponse | AsyncIterable<Uint8Array>> {
  let bytes = 0;
  const src = (async function* () {
    for await (const c of utf8Checked(bodyChunks(request, maxBodyBytes()))) {
      bytes += c.byteLength;
      yield c;
    }
  })();
  const respond = (head: Head, body: ReadableStream<Uint8Array>, path: SettlePath) => {
    context.log(`settle: ${head.read} rows, ${bytes} bytes${scenario ? ', with a scenario' : ''}, ${path} path`);
    return new HttpResponse({ status: 200, headers: { 'content-type': CONTENT_TYPE[answer], ...countHeaders(head), 'x-yibao-path': path }, body });
  };
  try {
    const held: Uint8Array[] = [];
    if (input.body !== 'ndjson') {
      const header = await firstRecord(src, held);
      if (header === undefined) throw EMPTY();
      // the engine's errors for a header it cannot use, here and at once (as the ordinary path gives
      // them); its names are the results' unless ?format= said otherwise
      input = { ...input, format: input.format ?? tableLedgerRows(header, [], input).convention };
    }
    // read on until the body is known to be small (settled here) or not (on a worker)
    const small = settleWorkerBytes();
    let heldBytes = held.reduce((n, c) => n + c.byteLength, 0);
    let complete = false;
    while (heldBytes <= small) {
      const n = await src.next();
      if (n.done) { complete = true; break; }
      held.push(n.value);
      heldBytes += n.value.byteLength;
    }
    if (complete && heldBytes < settleBulkMinBytes()) return replay(held, src); // a few claims: the ordinary path is quicker
    const declared = Number(request.headers.get('content-length') ?? NaN);
    const rowsHint = Math.min(50_000_000, Math.round((Number.isFinite(declared) ? declared : heldBytes) / 80));

    if (!complete && settleWorkerAvailable()) {
      const job = await WorkerJob.start({ kind: 'settle', scenario: scenario ? scenarioWire(scenario) : null, rowsHint, answer, input });
      try {
        for (const c of held.splice(0)) job.push(c);
        for (;;) {
          if (job.stopped) break; // the worker gave up (or failed): read no more for it
          const n = await src.next();
          if (n.done) { job.end(); break; }
          job.push(n.value);
        }
        const head = await job.head();
        if (head === 'unsupported') return replay(await job.giveBack(), src);
        return respond(head, job.stream(), 'bulk-worker');
      } catch (e) {
        job.abort();
        throw e;
      }
    }

    const run = new BulkRun(book, scenario, rowsHint, answer, input);
    for (const c of held.splice(0)) run.push(c);
    if (!complete) {
      for (let n = await src.next(); !n.done; n = await src.next()) run.push(n.value);
    }
    if (!run.end()) return replay(run.takeHeld(), src);
    const ledger = run.settled();
    const outcome = ledger.outcome();
    const pieces: Uint8Array[] = [];
    writeBulkAnswer(ledger, outcome, answer, (b) => pieces.push(b.slice()));
    return respond(outcome.summary, piecesStream(pieces), 'bulk');
  } catch (e) {
    await src.return(undefined); // stop reading the body (a refused body is not read to its end)
    throw e;
  }
}

/** ?format=: the results under the spec's names or the national platform's (POST /api/jobs too). */
export function resultsFormat(request: HttpRequest): Convention | undefined {
  const f = request.query.get('format');
  if (f !== null && f !== 'spec' && f !== 'nhsa') {
    throw new YibaoError(`format 须为 nhsa 或 spec，而不是“${f.slice(0, 20)}”`, `format must be nhsa or spec, not "${f.slice(0, 20)}"`, 'usage');
  }
  return f ?? undefined;
}

export async function settle(request: HttpRequest, context: InvocationContext): Promise<HttpResponse> {
  const book = defaultBook();
  const scenario = oneScenario(request, book);
  const groups = groupsOf(request);
  const answer = negotiate(request, groups ? ['json', 'csv'] : ['csv', 'ndjson']);
  const formatParam = resultsFormat(request) ?? null;
  const opts = headerOptions(request, book);
  const body = ledgerFormat(request);
  const input: LedgerInput = { ...opts, format: formatParam ?? undefined, body };
  let read: ReadLedger;
  const declared = Number(request.headers.get('content-length') ?? NaN);
  const tiny = Number.isFinite(declared) && declared < settleBulkMinBytes(); // known at once to be a few claims
  if (groups && settleBulkEnabled()) {
    // totals per group: the engine's run on a worker (functions/body-job.ts)
    const done = await runBodyJob(utf8Checked(bodyChunks(request, maxBodyBytes())), { kind: 'summary', limits: runLimits(), input, scenario: scenario ? scenarioWire(scenario) : null, groups, answer: answer as 'json' | 'csv' }, EMPTY);
    if (!(Symbol.asyncIterator in done)) {
      const a = textAnswer(done);
      context.log(`settle: ${a.headers['x-yibao-read']} rows, ${a.bytes} bytes${scenario ? ', with a scenario' : ''}, summary, ${a.path} path`);
      return new HttpResponse({ status: 200, headers: { 'content-type': CONTENT_TYPE[answer], ...a.headers, 'x-yibao-path': a.path }, body: a.text });
    }
    read = await readLedgerChunks(body, done, opts);
  } else if (!groups && settleBulkEnabled() && !tiny) {
    const bulk = await settleOnBulkPath(request, context, book, scenario, answer as BulkAnswer, input);
    if (bulk instanceof HttpResponse) return bulk;
    read = await readLedgerChunks(body, bulk, opts);
  } else {
    read = await readLedger(request, maxBodyBytes(), opts);
  }
  context.log(`settle: ${read.rows.length} rows, ${read.bytes} bytes${scenario ? ', with a scenario' : ''}`);

  if (groups) {
    const kept = keepColumns(read.rows, ['county', 'person_id']);
    const outcome = settleLedger(book, kept.rows, { scenario });
    const s = summarize(outcome, groups, { columns: kept.columns });
    const headers = { ...countHeaders(outcome.summary), 'x-yibao-path': 'ledger' };
    if (answer === 'csv') {
      return new HttpResponse({ status: 200, headers: { 'content-type': CONTENT_TYPE.csv, ...headers }, body: toCsv(summaryTable(s)) });
    }
    const sm = outcome.summary;
    return new HttpResponse({
      status: 200,
      headers: { 'content-type': CONTENT_TYPE.json, ...headers },
      jsonBody: { scenario: scenario?.name ?? null, read: sm.read, settled: sm.settled, rejected: sm.rejected, ...summaryJson(s), rejections: rejectionsJson(outcome) },
    });
  }

  const outcome = settleLedger(book, read.rows, { scenario });
  const format = (formatParam ?? read.convention) as Convention;
  const pieces = answer === 'ndjson' ? ndjsonAnswer(outcome, format) : csvAnswer(outcome, format);
  return new HttpResponse({
    status: 200,
    headers: { 'content-type': CONTENT_TYPE[answer], ...countHeaders(outcome.summary), 'x-yibao-path': 'ledger' },
    body: textStream(batched(pieces)),
  });
}

export const settleHandler = guarded(settle);
