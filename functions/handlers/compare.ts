// POST /api/scenarios/compare?scenario=…[&scenario=…][&summary=county,category]: one ledger under the
// baseline (the policy packs) and under each scenario: the totals of each and the differences.
//
// The ledger (CSV under the spec's or the national platform's names, or NDJSON; ?city=,
// ?category_column=) is compared by the engine's run (engine/run: columns, integer fen, in memory or in
// partitions by its size) on a worker thread (functions/body-job.ts), the same answer as `yibao settle
// --compare`. A body the bulk path hands back (BulkUnsupported: a claim_id over 4,096 bytes, …) is read
// whole and compared by compareLedger on this thread (x-yibao-path says which path answered).
import { HttpResponse, type HttpRequest, type InvocationContext } from '@azure/functions';
import { defaultBook, compareLedger, comparisonJson, comparisonTable, keepColumns, toCsv, scenarioWire } from '../../engine';
import { readLedger, readLedgerChunks, ledgerFormat, bodyChunks, utf8Checked, EMPTY } from '../body';
import { runBodyJob, textAnswer } from '../body-job';
import { negotiate, scenariosOf, groupsOf, headerOptions, CONTENT_TYPE } from '../http';
import { guarded, HttpProblem } from '../problem';
import { maxBodyBytes, runLimits, settleBulkEnabled } from '../settings';

export async function compare(request: HttpRequest, context: InvocationContext): Promise<HttpResponse> {
  const book = defaultBook();
  const scenarios = scenariosOf(request, book);
  if (scenarios.length === 0) {
    throw new HttpProblem(400, '至少给一个 scenario 参数（URL 编码的情景 JSON，如 {"city":"linyi","overrides":{"assistance.dibao.rate":0.75}}）', 'give at least one scenario parameter (URL-encoded scenario JSON, e.g. {"city":"linyi","overrides":{"assistance.dibao.rate":0.75}})', 'scenario');
  }
  const groups = groupsOf(request);
  const answer = negotiate(request, ['json', 'csv']) as 'json' | 'csv';
  const opts = headerOptions(request, book);
  const contentType = answer === 'csv' ? CONTENT_TYPE.csv : CONTENT_TYPE.json;
  const format = ledgerFormat(request);
  let body: AsyncIterable<Uint8Array> | undefined;
  if (settleBulkEnabled()) {
    const done = await runBodyJob(utf8Checked(bodyChunks(request, maxBodyBytes())), { kind: 'compare', limits: runLimits(), input: { ...opts, body: format }, scenarios: scenarios.map((s) => scenarioWire(s)), groups, answer }, EMPTY);
    if (!(Symbol.asyncIterator in done)) {
      context.log(`compare: ${done.bytes} bytes, ${scenarios.length} scenarios, ${done.path} path`);
      return new HttpResponse({ status: 200, headers: { 'content-type': contentType, 'x-yibao-path': done.path }, body: textAnswer(done).text });
    }
    body = done;
  }
  const read = body ? await readLedgerChunks(format, body, opts) : await readLedger(request, maxBodyBytes(), opts);
  const kept = keepColumns(read.rows, ['county', 'person_id']);
  const rows = [...kept.rows];
  const c = compareLedger(book, rows, scenarios, { groups, meta: { columns: kept.columns } });
  context.log(`compare: ${rows.length} rows, ${scenarios.length} scenarios, ledger path`);
  const headers = { 'content-type': contentType, 'x-yibao-path': 'ledger' };
  if (answer === 'csv') return new HttpResponse({ status: 200, headers, body: toCsv(comparisonTable(c)) });
  return new HttpResponse({ status: 200, headers, jsonBody: comparisonJson(c) });
}

export const compareHandler = guarded(compare);
