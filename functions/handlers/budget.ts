// POST /api/budget?year=2024 (or years=2026-2030)[&date=YYYY-MM-DD][&scenario=…][&duplicates=all|N]:
// a roster (CSV) in, the enrolment-subsidy budget by city, county, category and fund out (JSON as
// `yibao budget --json`, or CSV by Accept with the same account in its header block), every row
// read accounted for. The roster's budget (engine/budget.ts) runs on a worker thread of the pool
// (functions/body-job.ts), streamed from the spooled body, so that this thread keeps answering.
import { HttpResponse, type HttpRequest, type InvocationContext } from '@azure/functions';
import { defaultBook, scenarioWire, duplicatesOption, yearsOption, YibaoError } from '../../engine';
import { ledgerFormat, bodyChunks, utf8Checked } from '../body';
import { runBodyJob, textAnswer } from '../body-job';
import { negotiate, scenariosOf, requiredInt, CONTENT_TYPE } from '../http';
import { guarded, HttpProblem } from '../problem';
import { maxBodyBytes } from '../settings';

const EMPTY_ROSTER = () => new HttpProblem(400, '请求体为空：请发送花名册 CSV', 'the body is empty: send a roster CSV', 'empty');

export async function budget(request: HttpRequest, context: InvocationContext): Promise<HttpResponse> {
  const book = defaultBook();
  const yearsIn = request.query.get('years');
  if (yearsIn !== null && request.query.get('year') !== null) throw new YibaoError('year 与 years 只能给一个', 'give year or years, not both', 'usage');
  const years = yearsIn !== null ? yearsOption(yearsIn) : undefined;
  const year = years ? years.from : requiredInt(request, 'year', '预算年度 budget year');
  const date = request.query.get('date') ?? undefined;
  const scenarios = scenariosOf(request, book);
  const maxDuplicateReports = duplicatesOption(request.query.get('duplicates') ?? undefined);
  const answer = negotiate(request, ['json', 'csv']) as 'json' | 'csv';
  if (ledgerFormat(request) !== 'csv') throw new HttpProblem(415, '花名册须为 CSV（text/csv）', 'the roster must be CSV (text/csv)', 'content_type');
  const done = await runBodyJob(utf8Checked(bodyChunks(request, maxBodyBytes())), { kind: 'budget', year, date, scenarios: scenarios.map((s) => scenarioWire(s)), answer, maxDuplicateReports, years }, EMPTY_ROSTER);
  if (Symbol.asyncIterator in done) throw new Error('budget: a roster has no ordinary path'); // runBodyJob hands back ledgers only
  const a = textAnswer(done);
  context.log(`budget: ${a.headers['x-yibao-read']} rows, ${a.headers['x-yibao-persons']} persons, ${a.headers['x-yibao-rejected']} rejected`);
  return new HttpResponse({ status: 200, headers: { 'content-type': CONTENT_TYPE[answer], ...a.headers }, body: a.text });
}

export const budgetHandler = guarded(budget);
