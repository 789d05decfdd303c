// POST /api/scenarios/compare?scenario=…[&scenario=…][&summary=county,category]: one ledger under the
// baseline (the policy packs) and under each scenario: the totals of each and the differences.
import { HttpResponse, type HttpRequest, type InvocationContext } from '@azure/functions';
import { defaultBook, compareLedger, comparisonJson, comparisonTable, keepColumns, toCsv } from '../../engine';
import { readLedger } from '../body';
import { negotiate, scenariosOf, groupsOf, headerOptions, CONTENT_TYPE } from '../http';
import { guarded, HttpProblem } from '../problem';
import { maxBodyBytes } from '../settings';

export async function compare(request: HttpRequest, context: InvocationContext): Promise<HttpResponse> {
  const book = defaultBook();
  const scenarios = scenariosOf(request, book);
  if (scenarios.length === 0) {
    throw new HttpProblem(400, '至少给一个 scenario 参数（URL 编码的情景 JSON，如 {"city":"linyi","overrides":{"assistance.dibao.rate":0.75}}）', 'give at least one scenario parameter (URL-encoded scenario JSON, e.g. {"city":"linyi","overrides":{"assistance.dibao.rate":0.75}})', 'scenario');
  }
  const groups = groupsOf(request);
  const answer = negotiate(request, ['json', 'csv']);
  const read = await readLedger(request, maxBodyBytes(), headerOptions(request, book));
  const kept = keepColumns(read.rows, ['county', 'person_id']);
  const rows = [...kept.rows];
  const c = compareLedger(book, rows, scenarios, { groups, meta: { columns: kept.columns } });
  context.log(`compare: ${rows.length} rows, ${scenarios.length} scenarios`);
  if (answer === 'csv') return new HttpResponse({ status: 200, headers: { 'content-type': CONTENT_TYPE.csv }, body: toCsv(comparisonTable(c)) });
  return new HttpResponse({ status: 200, headers: { 'content-type': CONTENT_TYPE.json }, jsonBody: comparisonJson(c) });
}

export const compareHandler = guarded(compare);
