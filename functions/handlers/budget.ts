// POST /api/budget?year=2024[&date=YYYY-MM-DD][&scenario=…]: a roster (CSV) in, the enrolment-subsidy
// budget by city, county, category and fund out (JSON as `yibao budget --json`, or CSV by Accept),
// with the rows read accounted for and rejected rows by line number.
import { HttpResponse, type HttpRequest, type InvocationContext } from '@azure/functions';
import { defaultBook, budgetRecords, budgetScenariosJson, budgetCsv } from '../../engine';
import type { CsvRecord } from '../../engine/csv';
import { readCsvStream } from '../../engine/csv';
import { bodyChunks, ledgerFormat, utf8Text } from '../body';
import { negotiate, scenariosOf, requiredInt, CONTENT_TYPE } from '../http';
import { guarded, HttpProblem } from '../problem';
import { maxBodyBytes } from '../settings';

export async function budget(request: HttpRequest, context: InvocationContext): Promise<HttpResponse> {
  const book = defaultBook();
  const year = requiredInt(request, 'year', '预算年度 budget year');
  const date = request.query.get('date') ?? undefined;
  const scenarios = scenariosOf(request, book);
  const answer = negotiate(request, ['json', 'csv']);
  if (ledgerFormat(request) !== 'csv') throw new HttpProblem(415, '花名册须为 CSV（text/csv）', 'the roster must be CSV (text/csv)', 'content_type');
  const it = readCsvStream(utf8Text(bodyChunks(request, maxBodyBytes()), true))[Symbol.asyncIterator]();
  const head = await it.next();
  if (head.done) throw new HttpProblem(400, '请求体为空：请发送花名册 CSV', 'the body is empty: send a roster CSV', 'empty');
  const records: CsvRecord[] = [];
  for (let r = await it.next(); !r.done; r = await it.next()) records.push(r.value);
  const o = budgetRecords(book, head.value.cells, records, { year, date, scenarios, sizeHint: records.length });
  context.log(`budget: ${o.read} rows, ${o.persons} persons, ${o.rejections.length} rejected`);
  const headers = { 'x-yibao-read': String(o.read), 'x-yibao-persons': String(o.persons), 'x-yibao-rejected': String(o.rejections.length) };
  if (answer === 'csv') return new HttpResponse({ status: 200, headers: { 'content-type': CONTENT_TYPE.csv, ...headers }, body: budgetCsv(o) });
  return new HttpResponse({
    status: 200,
    headers: { 'content-type': CONTENT_TYPE.json, ...headers },
    jsonBody: {
      ...budgetScenariosJson(o),
      date: o.date,
      read: o.read,
      persons: o.persons,
      duplicate_rows: o.duplicateRows,
      not_in_force: o.notInForce,
      rejected: o.rejections.map((r) => ({ line: r.line, reason_zh: r.reason.zh, reason_en: r.reason.en })),
      duplicates: o.duplicates,
      violations: o.violations,
    },
  });
}

export const budgetHandler = guarded(budget);
