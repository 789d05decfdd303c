// The OpenAPI 3.1 description of the app's HTTP functions: data, in one place. GET /api/openapi.json
// serves it (below). Kept honest by test/functions/openapi.test.ts: every
// route the app registers is described here (and nothing else), and real answers of the handlers
// validate against these schemas (ajv, JSON Schema 2020-12, which OpenAPI 3.1 uses).
// NDJSON answers are text whose every line is one JSON value: the schema of a line is given as
// `x-line-schema` beside the media type's string schema.
import { HttpResponse, type HttpRequest, type InvocationContext } from '@azure/functions';
import { CONTENT_TYPE } from '../http';
import { guarded } from '../problem';
import { packageBuild } from './health';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const money = ref('Money');
const TIERS = ['total', 'compliant', 'basic', 'critical', 'assistance', 'reassist', 'oop_compliant', 'oop_total'] as const;
/** Who pays an enrolment subsidy (engine/budget.ts). */
const FUNDS = ['assistance_fund', 'county_finance', 'individual'] as const;
const moneyObject = (names: readonly string[]) => ({
  type: 'object', required: [...names], properties: Object.fromEntries(names.map((n) => [n, money])),
});

const json = (schema: object, example?: unknown) => ({ 'application/json': example === undefined ? { schema } : { schema, example } });
const csv = (example: string) => ({ 'text/csv': { schema: { type: 'string' }, example } });
const headerInt = (description: string) => ({ description, schema: { type: 'string', pattern: '^[0-9]+$' } });
const requestIdHeader = { description: '请求编号 The request id (the invocation id): quote it to the operator', schema: { type: 'string' } };
const problemRef = { description: 'Problem details (RFC 9457), Chinese and English 问题详情', headers: { 'x-request-id': requestIdHeader }, content: { 'application/problem+json': { schema: ref('Problem') } } };
const problems = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [String(s), problemRef]));
const query = (name: string, description: string, schema: object = { type: 'string' }, extra: object = {}) => ({ name, in: 'query', description, schema, ...extra });
const keyed = [{ functionKey: [] }, { functionKeyQuery: [] }];

const SAMPLE_CSV = 'claim_id,person_id,category,city,date,kind,hospital_level,total,compliant,basic_paid\nLY-0001,LY01,dibao,linyi,2024-02-10,inpatient,city,60000,50000,30000\n';
const SAMPLE_ROSTER = 'person_id,city,category,county\nP1,linyi,dibao,兰山区\n';
const SCENARIO = '{"name":"临沂低保救助75%","city":"linyi","overrides":{"assistance.dibao.rate":0.75}}';

const params = {
  scenario: query('scenario', '情景：URL 编码的情景 JSON（可重复，视接口而定） A scenario as URL-encoded JSON, as in a scenario file', { type: 'string' }, { example: SCENARIO }),
  scenarios: query('scenario', '一个或多个情景 One or more scenarios (URL-encoded JSON)', { type: 'array', items: { type: 'string' }, minItems: 1 }, { required: true, style: 'form', explode: true, example: [SCENARIO] }),
  summary: query('summary', '分组汇总 Totals per group: a comma-separated list of city, county, category, month, year, kind', { type: 'string', pattern: '^[a-z]+(,[a-z]+)*$' }, { example: 'county,category,month' }),
  format: query('format', '输出列名 Output column names (default: the input\'s)', { type: 'string', enum: ['spec', 'nhsa'] }),
  city: query('city', '全表的城市（国家平台导出） The city of the whole table (national platform exports)', { type: 'string' }, { example: 'linyi' }),
  categoryColumn: query('category_column', '类别列名 Which column holds the category', { type: 'string' }),
  date: query('date', '日期 YYYY-MM-DD (default today in China)', { type: 'string', format: 'date' }),
};

const ledgerBody = {
  required: true,
  description: '理赔台账 A claims ledger (spec section 1): CSV, or NDJSON with the same column names. 请求体流式读取 Streamed.',
  content: {
    'text/csv': { schema: { type: 'string' }, example: SAMPLE_CSV },
    'application/x-ndjson': { schema: { type: 'string' }, 'x-line-schema': { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean', 'null'] } }, example: '{"claim_id":"LY-0001","person_id":"LY01","category":"dibao","city":"linyi","date":"2024-02-10","kind":"inpatient","hospital_level":"city","total":"60000","compliant":"50000","basic_paid":"30000"}\n' },
  },
};

const schemas = {
  Money: { type: 'string', pattern: '^-?[0-9]+\\.[0-9]{2}$', description: '金额（元，两位小数，精确） Yuan with two decimals, exact', examples: ['9100.00'] },
  Problem: {
    type: 'object', required: ['type', 'status', 'title', 'detail', 'zh', 'en', 'code'],
    properties: {
      type: { type: 'string' }, status: { type: 'integer', minimum: 400, maximum: 599 }, title: { type: 'string' }, detail: { type: 'string' },
      zh: { type: 'string', description: '中文说明' }, en: { type: 'string', description: 'English' }, code: { type: 'string' },
      requestId: { type: 'string', description: '请求编号 the request id, as in x-request-id' },
    },
    additionalProperties: false,
    examples: [{ type: 'about:blank', status: 422, title: '无法处理的内容 Unprocessable Content', detail: '缺少必需的列：total (missing required columns: total)', zh: '缺少必需的列：total', en: 'missing required columns: total', code: 'fatal', requestId: '7d0b9f52-3c1e-4a8e-9f0e-2f6a1c3b5d47' }],
  },
  Rejection: {
    type: 'object', required: ['line', 'reason_zh', 'reason_en'],
    properties: { line: { type: 'integer', minimum: 1 }, claim_id: { type: 'string' }, reason_zh: { type: 'string' }, reason_en: { type: 'string' } },
  },
  Totals: { ...moneyObject(TIERS), properties: { ...moneyObject(TIERS).properties, claims: { type: 'integer' }, warnings: { type: 'integer' } } },
  SettleLine: {
    description: 'One line of the NDJSON answer of POST /api/settle',
    oneOf: [
      { type: 'object', required: ['type', 'claim_id'], properties: { type: { const: 'result' }, claim_id: { type: 'string' } }, additionalProperties: { type: 'string' } },
      { type: 'object', required: ['type', 'line', 'reason_zh', 'reason_en'], properties: { type: { const: 'rejected' }, line: { type: 'integer' }, claim_id: { type: 'string' }, reason_zh: { type: 'string' }, reason_en: { type: 'string' } }, additionalProperties: false },
      { type: 'object', required: ['type', 'read', 'settled', 'rejected'], properties: { type: { const: 'summary' }, read: { type: 'integer' }, settled: { type: 'integer' }, rejected: { type: 'integer' } } },
    ],
  },
  Summary: {
    type: 'object', required: ['scenario', 'read', 'settled', 'rejected', 'groups', 'totals', 'rows', 'rejections'],
    properties: {
      scenario: { type: ['string', 'null'] }, read: { type: 'integer' }, settled: { type: 'integer' }, rejected: { type: 'integer' },
      groups: { type: 'array', items: { type: 'string' } }, totals: ref('Totals'),
      rows: { type: 'array', items: { allOf: [ref('Totals')], additionalProperties: true } },
      rejections: { type: 'array', items: ref('Rejection') },
    },
  },
  Violation: { type: 'object', description: '违反的政策底线 A floor the policy breaks', additionalProperties: true },
  Budget: {
    type: 'object', required: ['year', 'date', 'totals', 'rows', 'read', 'persons', 'duplicate_rows', 'not_in_force', 'rejected', 'duplicates', 'violations'],
    properties: {
      year: { type: 'integer' }, date: { type: 'string', format: 'date' },
      totals: { type: 'object', required: ['persons', ...FUNDS], properties: { persons: { type: 'integer' }, ...moneyObject(FUNDS).properties }, additionalProperties: false },
      rows: { type: 'array', items: { type: 'object', required: ['city', 'county', 'category', 'persons', ...FUNDS], properties: { city: { type: 'string' }, county: { type: 'string' }, category: { type: 'string' }, persons: { type: 'integer' }, ...moneyObject(FUNDS).properties }, additionalProperties: false } },
      read: { type: 'integer' }, persons: { type: 'integer' }, duplicate_rows: { type: 'integer' }, not_in_force: { type: 'integer' },
      rejected: { type: 'array', items: ref('Rejection') },
      duplicates: { type: 'array', items: { type: 'object', required: ['kept_line', 'dropped_line'], properties: { kept_line: { type: 'integer' }, dropped_line: { type: 'integer' } } } },
      violations: { type: 'array', items: ref('Violation') },
    },
  },
  Comparison: {
    type: 'object', required: ['groups', 'baseline', 'scenarios'],
    properties: {
      groups: { type: 'array', items: { type: 'string' } },
      baseline: { type: 'object', required: ['read', 'settled', 'rejected', 'totals', 'violations'], properties: { read: { type: 'integer' }, settled: { type: 'integer' }, rejected: { type: 'integer' }, totals: moneyObject(TIERS), violations: { type: 'array', items: ref('Violation') } } },
      scenarios: { type: 'array', items: { type: 'object', required: ['name', 'read', 'settled', 'rejected', 'totals', 'diff', 'violations'], properties: { name: { type: 'string' }, city: { type: 'string' }, read: { type: 'integer' }, settled: { type: 'integer' }, rejected: { type: 'integer' }, totals: moneyObject(TIERS), diff: moneyObject(TIERS), violations: { type: 'array', items: ref('Violation') } } } },
    },
  },
  City: {
    type: 'object', required: ['id', 'zh', 'en', 'date', 'scenario', 'versions', 'categories', 'parameters'],
    properties: {
      id: { type: 'string' }, zh: { type: 'string' }, en: { type: 'string' }, date: { type: 'string', format: 'date' }, scenario: { type: ['string', 'null'] },
      versions: { type: 'array', items: { type: 'object', required: ['effective', 'document', 'file'], properties: { effective: { type: 'string', format: 'date' }, document: { type: 'string' }, file: { type: 'string' } } } },
      categories: { type: 'array', items: { type: 'object', required: ['id', 'zh', 'en'], properties: { id: { type: 'string' }, zh: { type: 'string' }, en: { type: 'string' }, names: { type: 'array', items: { type: 'string' } }, mams: { type: 'array', items: { type: 'string' } } } } },
      parameters: { type: 'array', items: { type: 'object', required: ['name', 'value', 'status', 'source', 'effective'], properties: { name: { type: 'string' }, value: { type: 'string' }, status: { type: 'string', enum: ['published', 'derived', 'assumed', 'scenario'] }, source: { type: 'string' }, effective: { type: 'string' }, quote: { type: 'string' }, file: { type: 'string' } } } },
    },
  },
  Policies: { type: 'object', required: ['date', 'cities'], properties: { date: { type: 'string', format: 'date' }, cities: { type: 'array', items: ref('City') } } },
  JobStarted: {
    type: 'object', required: ['id', 'statusQueryGetUri', 'jobStatusUri', 'bytes', 'shards'],
    properties: { id: { type: 'string' }, statusQueryGetUri: { type: 'string', format: 'uri' }, sendEventPostUri: { type: 'string' }, terminatePostUri: { type: 'string' }, purgeHistoryDeleteUri: { type: 'string' }, jobStatusUri: { type: 'string', format: 'uri' }, bytes: { type: 'integer' }, shards: { type: 'integer' } },
  },
  JobStatus: {
    type: 'object', required: ['id', 'runtimeStatus', 'progress', 'result'],
    properties: {
      id: { type: 'string' }, runtimeStatus: { type: 'string' }, createdTime: { type: ['string', 'null'] }, lastUpdatedTime: { type: ['string', 'null'] },
      progress: { oneOf: [{ type: 'null' }, { type: 'object', properties: { stage: { type: 'string' }, shards_done: { type: 'integer' }, shards_total: { type: 'integer' } } }] },
      result: { type: ['object', 'null'], description: '作业结果：结果文件的位置与汇总 The job\'s output: where its results are, and the totals' },
    },
  },
  Health: {
    type: 'object', required: ['status', 'version', 'commit', 'engine', 'policies', 'storage'],
    properties: {
      status: { type: 'string', enum: ['ok', 'degraded'] }, version: { type: 'string' }, commit: { type: ['string', 'null'] },
      engine: { type: 'object', required: ['version'], properties: { version: { type: 'string' } } },
      policies: { type: 'array', items: { type: 'object', required: ['city', 'versions'], properties: { city: { type: 'string' }, versions: { type: 'array', items: { type: 'object', required: ['effective', 'file'], properties: { effective: { type: 'string', format: 'date' }, file: { type: 'string' } } } } } } },
      storage: { type: 'object', required: ['configured', 'reachable', 'ms'], properties: { configured: { type: 'boolean' }, reachable: { type: ['boolean', 'null'] }, ms: { type: ['integer', 'null'] }, error: { type: 'string' } }, additionalProperties: false },
    },
    additionalProperties: false,
  },
};

const settleHeaders = {
  'x-request-id': requestIdHeader,
  'x-yibao-read': headerInt('读取的行数 rows read'),
  'x-yibao-settled': headerInt('结算的行数 claims settled'),
  'x-yibao-rejected': headerInt('拒收的行数 rows rejected'),
  'x-yibao-path': { description: '结算路径 which path settled it (the bytes are the same)', schema: { type: 'string', enum: ['bulk', 'bulk-worker', 'ledger'] } },
};

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
        parameters: [query('year', '预算年度 budget year', { type: 'integer' }, { required: true, example: 2024 }), { ...params.date, description: '花名册日期 the roster date (default 1 January)' }, params.scenario],
        requestBody: { required: true, description: '花名册 A roster CSV (docs/budget.md)', content: { 'text/csv': { schema: { type: 'string' }, example: SAMPLE_ROSTER } } },
        responses: {
          200: { description: '按城市、区县、类别与资金来源的预算 The budget by city, county, category and fund', headers: { 'x-request-id': requestIdHeader, 'x-yibao-read': headerInt('rows read'), 'x-yibao-persons': headerInt('persons'), 'x-yibao-rejected': headerInt('rows rejected') }, content: { ...json(ref('Budget')), ...csv('city,county,category,persons,assistance_fund,county_finance,individual\n') } },
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
        operationId: 'startJob', summary: '大台账作业（Durable Functions） Start a job for a large ledger', security: keyed,
        parameters: [query('scenario', 'A scenario (URL-encoded JSON)'), query('shards', '分片数 shards (1–256)', { type: 'integer', minimum: 1, maximum: 256 }), params.city, params.categoryColumn],
        requestBody: { required: true, description: '理赔台账 CSV, streamed to Blob Storage', content: { 'text/csv': { schema: { type: 'string' }, example: SAMPLE_CSV } } },
        responses: {
          202: { description: '作业已开始；状态地址含密钥 Started; the status URLs carry a key: treat them as secrets', headers: { 'x-request-id': requestIdHeader, location: { schema: { type: 'string' } }, 'retry-after': { schema: { type: 'string' } } }, content: json(ref('JobStarted')) },
          ...problems(400, 401, 413, 422, 500, 501, 503),
        },
      },
    },
    '/api/jobs/{id}': {
      get: {
        operationId: 'jobStatus', summary: '作业状态 A job\'s status', security: keyed,
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
        responses: {
          200: { description: '已结束 Finished (or failed)', headers: { 'x-request-id': requestIdHeader }, content: json(ref('JobStatus')) },
          202: { description: '仍在运行 Still running', headers: { 'x-request-id': requestIdHeader, 'retry-after': { schema: { type: 'string' } } }, content: json(ref('JobStatus')) },
          ...problems(401, 404, 500, 501, 503),
        },
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
