// The OpenAPI 3.1 description of the app's HTTP functions: data, the paths here and their parts
// (schemas, shared parameters, examples) in ./openapi-parts.ts. GET /api/openapi.json serves it
// (below). Kept honest by test/functions/openapi.test.ts: every route and method the app registers is
// described here (and nothing else), real answers of the handlers validate against these schemas
// (ajv, JSON Schema 2020-12, which OpenAPI 3.1 uses), and so does every example.
// NDJSON answers are text whose every line is one JSON value: the schema of a line is given as
// `x-line-schema` beside the media type's string schema.
import { HttpResponse, type HttpRequest, type InvocationContext } from '@azure/functions';
import { CONTENT_TYPE } from '../http';
import { guarded } from '../problem';
import { packageBuild } from './health';
import { ref, json, csv, headerInt, requestIdHeader, problems, query, keyed, SAMPLE_CSV, SAMPLE_ROSTER, BUDGET_EXAMPLE, BUDGET_CSV, YEARS_CSV, SCENARIO, params, ledgerBody, counted, JOB_KINDS, MONTH, schemas, settleHeaders, ID_PARAM, MONTH_PARAM, MONTHLY_STARTED } from './openapi-parts';

export const OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'yibao 医保三重保障 API',
    version: '0.0.0', // replaced by the package's version when served
    description: '三重医疗保障（基本医保→大病保险→医疗救助→再救助）的结算、预算与情景比较。 China\'s three-tier medical security: settle claims, budget enrolment subsidies, compare policy scenarios. Every error is a problem JSON with Chinese and English text and the request id.',
  },
  paths: {
    '/api/settle': {
      post: {
        operationId: 'settle', summary: '结算理赔台账 Settle a claims ledger', security: keyed,
        parameters: [params.scenario, params.format, params.summary, params.city, params.categoryColumn],
        requestBody: ledgerBody,
        responses: {
          200: {
            description: '每条理赔的结果；有拒收行时空一行后列出（CSV），或每行一个 JSON（NDJSON）；带 ?summary= 时为分组汇总 Per-claim results (CSV or NDJSON by Accept); with ?summary=, totals per group (JSON, or CSV)',
            headers: settleHeaders,
            content: {
              ...csv('claim_id,basic,critical,assistance,reassist,oop_compliant,oop_total,warning,notes\nLY-0001,30000.00,9100.00,7630.00,0.00,3270.00,13270.00,,\n'),
              'application/x-ndjson': { schema: { type: 'string' }, 'x-line-schema': ref('SettleLine'), example: '{"type":"result","claim_id":"LY-0001","basic":"30000.00","critical":"9100.00","assistance":"7630.00","reassist":"0.00","oop_compliant":"3270.00","oop_total":"13270.00","warning":"","notes":""}\n{"type":"summary","read":1,"settled":1,"rejected":0}\n' },
              ...json(ref('Summary')),
            },
          },
          ...problems(400, 401, 406, 413, 415, 422, 500),
        },
      },
    },
    '/api/budget': {
      post: {
        operationId: 'budget', summary: '参保资助预算 Enrolment-subsidy budget of a roster', security: keyed,
        parameters: [
          query('year', '预算年度（或 years） budget year (or years)', { type: 'integer' }, { example: 2024 }),
          query('years', '多年预算，如 2026-2030（至多 30 年；与 year 只给一个） a budget for each year of a range (at most 30 years; give year or years)', { type: 'string', pattern: '^[0-9]{4}(-[0-9]{4})?$' }, { example: '2026-2030' }),
          { ...params.date, description: '花名册日期 the roster date (default 1 January of the first year)' }, params.scenario,
          query('duplicates', '列出的重复行数（默认 1000，全部计数） duplicate rows to list (default 1000; all are counted)', { type: 'string', pattern: '^(all|全部|[0-9]{1,9})$' }, { example: 'all' }),
        ],
        requestBody: { required: true, description: '花名册 A roster CSV (docs/budget.md); a claims ledger is refused (422): the service budgets no fund from claims (the command line\'s --claims)', content: { 'text/csv': { schema: { type: 'string' }, example: SAMPLE_ROSTER } } },
        responses: {
          200: {
            description: '按城市、区县、类别与资金来源的预算，及所读每一行的去向；CSV 以 # 开头的表头块载有同样的说明 The budget by city, county, category and fund, and where every row read went; the CSV carries the same account in a header block of `#` rows, then the table',
            headers: { 'x-request-id': requestIdHeader, 'x-yibao-read': headerInt('读取的行数 rows read'), 'x-yibao-persons': headerInt('计入的人数 persons counted'), 'x-yibao-rejected': headerInt('拒收的行数 rows rejected') },
            content: {
              'application/json': { schema: { oneOf: [ref('Budget'), ref('BudgetYears')] }, examples: { year: { summary: '?year=2024', value: BUDGET_EXAMPLE } } },
              'text/csv': { schema: { type: 'string' }, examples: { year: { summary: '?year=2024', value: BUDGET_CSV }, years: { summary: '?years=2024-2025', value: YEARS_CSV } } },
            },
          },
          ...problems(400, 401, 406, 413, 415, 422, 500),
        },
      },
    },
    '/api/scenarios/compare': {
      post: {
        operationId: 'compareScenarios', summary: '情景比较 One ledger under the policy and under each scenario', security: keyed,
        parameters: [params.scenarios, params.summary, params.city, params.categoryColumn],
        requestBody: ledgerBody,
        responses: {
          200: { description: '基线与各情景的合计及差额 Totals of the baseline and of each scenario, and the differences (CSV: one row a tier, two columns a scenario, named after it)', headers: { 'x-request-id': requestIdHeader, 'x-yibao-path': settleHeaders['x-yibao-path'] }, content: { ...json(ref('Comparison')), ...csv('tier,baseline,临沂低保救助75%,临沂低保救助75% − baseline\n') } },
          ...problems(400, 401, 406, 413, 415, 422, 500),
        },
      },
    },
    '/api/policies': {
      get: {
        operationId: 'policies', summary: '各城市的政策参数 Every city\'s policy parameters', parameters: [params.date, params.scenario],
        responses: { 200: { description: '所有城市 All cities', headers: { 'x-request-id': requestIdHeader }, content: json(ref('Policies')) }, ...problems(400, 500) },
      },
    },
    '/api/policies/{city}': {
      get: {
        operationId: 'policiesOfCity', summary: '一个城市的政策参数 One city\'s policy parameters',
        parameters: [{ name: 'city', in: 'path', required: true, description: '城市编码或中文名 city id or Chinese name', schema: { type: 'string' }, example: 'linyi' }, params.date, params.scenario],
        responses: { 200: { description: '该城市 The city', headers: { 'x-request-id': requestIdHeader }, content: json(ref('City')) }, ...problems(400, 404, 500) },
      },
    },
    '/api/jobs': {
      post: {
        operationId: 'startJob', summary: '大台账或大花名册作业（Durable Functions） Start a job for a large ledger or roster', security: keyed,
        parameters: [
          query('kind', '作业种类 settle（默认）、budget（花名册）、compare、summary，均按人分片 settle (default), budget (a roster), compare, summary, each in partitions by person', { type: 'string', enum: [...JOB_KINDS] }),
          query('scenario', '情景（kind=compare 可重复、至少一个） a scenario, URL-encoded JSON (kind=compare: one or more)', { type: 'array', items: { type: 'string' } }, { style: 'form', explode: true, example: [SCENARIO] }),
          query('shards', '分片数 shards (1–256)', { type: 'integer', minimum: 1, maximum: 256 }),
          { ...params.format, description: '结果列名（kind=settle） the results\' column names (kind=settle)' },
          { ...params.city, description: '全表的城市（kind=settle、compare、summary，国家平台导出） the city of the whole table (kinds settle, compare, summary; national platform exports)' },
          { ...params.categoryColumn, description: '类别列名（kind=settle、compare、summary） which column holds the category (kinds settle, compare, summary)' },
          query('answer', '结果格式（budget、compare、summary） the answer\'s format (kinds budget, compare, summary)', { type: 'string', enum: ['json', 'csv'] }),
          query('year', '预算年度（kind=budget，必需） budget year (kind=budget, required)', { type: 'integer' }), { ...params.date, description: '花名册日期（kind=budget） the roster date (kind=budget)' },
          { ...params.summary, description: '分组（kind=summary 必需，compare 可选） groups (required for kind=summary, optional for compare)' },
        ],
        requestBody: {
          required: true, description: '台账（CSV 或 NDJSON）或花名册（kind=budget：CSV），边收边存入 Blob Storage A ledger (CSV or NDJSON) or a roster (kind=budget: CSV), streamed to Blob Storage',
          content: { 'text/csv': { schema: { type: 'string' }, example: SAMPLE_CSV }, 'application/x-ndjson': ledgerBody.content['application/x-ndjson'] },
        },
        responses: {
          202: { description: '作业已开始；状态地址含密钥 Started; the status URLs carry a key: treat them as secrets', headers: { 'x-request-id': requestIdHeader, location: { schema: { type: 'string' } }, 'retry-after': { schema: { type: 'string' } } }, content: json(ref('JobStarted')) },
          ...problems(400, 401, 408, 413, 415, 422, 500, 501, 503),
        },
      },
    },
    '/api/jobs/{id}': {
      get: {
        operationId: 'jobStatus', summary: '作业状态：进度、汇总、结果地址 A job\'s status: progress, summary, where the results are', security: keyed,
        parameters: [ID_PARAM],
        responses: {
          200: { description: '已结束（完成、失败或已终止） Finished (completed, failed or terminated)', headers: { 'x-request-id': requestIdHeader }, content: json(ref('JobStatus')) },
          202: { description: '仍在运行 Still running', headers: { 'x-request-id': requestIdHeader, 'retry-after': { schema: { type: 'string' } } }, content: json(ref('JobStatus')) },
          ...problems(401, 404, 500, 501, 503),
        },
      },
      delete: {
        operationId: 'deleteJob', summary: '删除作业：运行中则终止，删除其 blob 与历史 Delete a job: terminated if running, its blobs and history removed', security: keyed,
        parameters: [ID_PARAM],
        responses: { 200: { description: '已删除 Deleted', headers: { 'x-request-id': requestIdHeader }, content: json(ref('JobDeleted')) }, ...problems(401, 404, 500, 501, 503) },
      },
    },
    '/api/jobs/{id}/{part}': {
      get: {
        operationId: 'jobFile', summary: '完成作业的结果或被拒绝行 A finished job\'s results or rejected rows, streamed from Blob Storage', security: keyed,
        parameters: [ID_PARAM, { name: 'part', in: 'path', required: true, schema: { type: 'string', enum: ['results', 'rejected'] } }],
        responses: {
          200: {
            description: 'kind=settle：CSV 或按 Accept 为 JSON 数组；其他种类：开始时 answer= 所定格式的答复（其被拒绝行在其中） kind=settle: CSV, or a JSON array of rows by Accept; the other kinds: the answer in the format answer= chose (its rejected rows are in it)',
            headers: { 'x-request-id': requestIdHeader },
            content: {
              'text/csv': { schema: { type: 'string' } },
              'application/json': { schema: { oneOf: [{ type: 'array', items: { type: 'object', additionalProperties: { type: 'string' } } }, ref('Budget'), ref('Comparison'), ref('Summary')] } },
            },
          },
          ...problems(401, 404, 406, 409, 500, 501, 503),
        },
      },
      delete: {
        operationId: 'deleteJobPart', summary: '不允许：删除作业请用 DELETE /api/jobs/{id} Not allowed: delete the job itself', security: keyed,
        parameters: [ID_PARAM, { name: 'part', in: 'path', required: true, schema: { type: 'string' } }],
        responses: problems(401, 405),
      },
    },
    '/api/monthly': {
      post: {
        operationId: 'startMonthly', summary: '立即运行月度重算 Run the monthly recalculation now (as the timer does)', security: keyed,
        parameters: [query('month', '月份 YYYY-MM（默认中国时间的本月；过去的月份按今天的设置重算） the month (default the current month in China; a past month is re-run with today\'s settings)', { type: 'string', pattern: MONTH }, { example: '2024-05' })],
        responses: { 202: MONTHLY_STARTED, ...problems(400, 401, 500, 501, 503) },
      },
      get: {
        operationId: 'monthlyWithoutMonth', summary: '须给出月份：GET /api/monthly/{month} Give the month: GET /api/monthly/{month}', security: keyed,
        responses: problems(400, 401),
      },
    },
    '/api/monthly/{month}': {
      get: {
        operationId: 'monthlyStatus', summary: '该月重算的状态与报告 The month\'s run: its status and, when done, its report', security: keyed,
        parameters: [MONTH_PARAM],
        responses: {
          200: { description: '已结束 Finished', headers: { 'x-request-id': requestIdHeader }, content: json(ref('MonthlyStatus')) },
          202: { description: '仍在运行 Still running', headers: { 'x-request-id': requestIdHeader }, content: json(ref('MonthlyStatus')) },
          ...problems(400, 401, 404, 500, 501, 503),
        },
      },
      post: {
        operationId: 'startMonthlyOf', summary: '运行该月的重算 Run that month now', security: keyed,
        parameters: [MONTH_PARAM],
        responses: { 202: MONTHLY_STARTED, ...problems(400, 401, 500, 501, 503) },
      },
    },
    '/api/health': {
      get: {
        operationId: 'health', summary: '服务状态 Health: version, policy packs, storage',
        responses: { 200: { description: 'status ok, or degraded when the configured storage does not answer', headers: { 'x-request-id': requestIdHeader }, content: json(ref('Health')) }, ...problems(500) },
      },
    },
    '/api/openapi.json': {
      get: {
        operationId: 'openapi', summary: '本说明 This description (OpenAPI 3.1)',
        responses: { 200: { description: 'OpenAPI 3.1', headers: { 'x-request-id': requestIdHeader }, content: { 'application/json': { schema: { type: 'object', required: ['openapi', 'info', 'paths'] } } } } },
      },
    },
  },
  components: {
    schemas,
    securitySchemes: {
      functionKey: { type: 'apiKey', in: 'header', name: 'x-functions-key', description: '函数密钥 The function key' },
      functionKeyQuery: { type: 'apiKey', in: 'query', name: 'code', description: '函数密钥（查询参数） The function key as ?code=' },
    },
  },
} as const;

/** GET /api/openapi.json (anonymous): the description above, with the package's version. */
export async function openapi(_request: HttpRequest, _context: InvocationContext): Promise<HttpResponse> {
  return new HttpResponse({ status: 200, headers: { 'content-type': CONTENT_TYPE.json }, jsonBody: { ...OPENAPI, info: { ...OPENAPI.info, version: packageBuild().version } } });
}

export const openapiHandler = guarded(openapi);
