// POST /api/settle: a ledger (CSV or NDJSON) in, per-claim results (CSV or NDJSON by Accept) out, or
// with ?summary=county,category,month the totals per tier for those groups. Rejected rows are
// answered with their line numbers, as on the command line.
import { HttpResponse, type HttpRequest, type InvocationContext } from '@azure/functions';
import {
  defaultBook, settleLedger, resultCells, nhsaResultsTable, RESULT_COLUMNS, REJECTED_COLUMNS, csvLine, fmt, summaryText,
  keepColumns, summarize, summaryJson, summaryTable, toCsv, YibaoError, TOTAL_FIELDS, type LedgerOutcome, type Convention,
} from '../../engine';
import { readLedger } from '../body';
import { negotiate, oneScenario, groupsOf, headerOptions, textStream, batched, CONTENT_TYPE } from '../http';
import { guarded } from '../problem';
import { maxBodyBytes } from '../settings';

function countHeaders(o: LedgerOutcome): Record<string, string> {
  return { 'x-yibao-read': String(o.summary.read), 'x-yibao-settled': String(o.summary.settled), 'x-yibao-rejected': String(o.summary.rejected) };
}

function totalsJson(o: LedgerOutcome): Record<string, string> {
  const t: Record<string, string> = {};
  for (const f of TOTAL_FIELDS) t[f] = fmt(o.summary.totals[f]);
  return t;
}

function rejectionsJson(o: LedgerOutcome) {
  return o.rejections.map((r) => ({ line: r.line, claim_id: r.claim_id ?? null, reason_zh: r.reason.zh, reason_en: r.reason.en }));
}

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
  if (o.rejections.length) {
    // A second table after one blank line: the rejected rows, as the command line's <out>.rejected.csv.
    yield '\n';
    yield csvLine([...REJECTED_COLUMNS]);
    for (const r of o.rejections) yield csvLine([String(r.line), r.claim_id ?? '', r.reason.zh, r.reason.en]);
  }
}

function* ndjsonAnswer(o: LedgerOutcome, format: Convention): Generator<string> {
  const columns = format === 'nhsa' ? nhsaResultsTable({ ...o, results: [] })[0] : [...RESULT_COLUMNS];
  for (const cells of resultRows(o, format)) {
    const obj: Record<string, string> = { type: 'result' };
    columns.forEach((c, i) => (obj[c] = cells[i]));
    yield JSON.stringify(obj) + '\n';
  }
  for (const r of rejectionsJson(o)) yield JSON.stringify({ type: 'rejected', ...r }) + '\n';
  const s = o.summary;
  yield JSON.stringify({ type: 'summary', read: s.read, settled: s.settled, rejected: s.rejected, warnings: s.warnings, totals: totalsJson(o), text: summaryText(o) }) + '\n';
}

export async function settle(request: HttpRequest, context: InvocationContext): Promise<HttpResponse> {
  const book = defaultBook();
  const scenario = oneScenario(request, book);
  const groups = groupsOf(request);
  const answer = negotiate(request, groups ? ['json', 'csv'] : ['csv', 'ndjson']);
  const formatParam = request.query.get('format');
  if (formatParam !== null && formatParam !== 'spec' && formatParam !== 'nhsa') {
    throw new YibaoError(`format 须为 nhsa 或 spec，而不是“${formatParam.slice(0, 20)}”`, `format must be nhsa or spec, not "${formatParam.slice(0, 20)}"`, 'usage');
  }
  const read = await readLedger(request, maxBodyBytes(), headerOptions(request, book));
  context.log(`settle: ${read.rows.length} rows, ${read.bytes} bytes${scenario ? ', with a scenario' : ''}`);

  if (groups) {
    const kept = keepColumns(read.rows, ['county', 'person_id']);
    const outcome = settleLedger(book, kept.rows, { scenario });
    const s = summarize(outcome, groups, { columns: kept.columns });
    if (answer === 'csv') {
      return new HttpResponse({ status: 200, headers: { 'content-type': CONTENT_TYPE.csv, ...countHeaders(outcome) }, body: toCsv(summaryTable(s)) });
    }
    const sm = outcome.summary;
    return new HttpResponse({
      status: 200,
      headers: { 'content-type': CONTENT_TYPE.json, ...countHeaders(outcome) },
      jsonBody: { scenario: scenario?.name ?? null, read: sm.read, settled: sm.settled, rejected: sm.rejected, ...summaryJson(s), rejections: rejectionsJson(outcome) },
    });
  }

  const outcome = settleLedger(book, read.rows, { scenario });
  const format = (formatParam ?? read.convention) as Convention;
  const pieces = answer === 'ndjson' ? ndjsonAnswer(outcome, format) : csvAnswer(outcome, format);
  return new HttpResponse({
    status: 200,
    headers: { 'content-type': CONTENT_TYPE[answer], ...countHeaders(outcome) },
    body: textStream(batched(pieces)),
  });
}

export const settleHandler = guarded(settle);
