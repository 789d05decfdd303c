// The pieces of the OpenAPI description (./openapi.ts): the component schemas, the shared
// parameters, headers and answers, and the examples, which are real answers of the engine (checked
// by test/functions/openapi.test.ts like every other part).

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const money = ref('Money');
const TIERS = ['total', 'compliant', 'basic', 'critical', 'assistance', 'reassist', 'oop_compliant', 'oop_total'] as const;
/** Who pays an enrolment subsidy (engine/budget.ts). */
const FUNDS = ['assistance_fund', 'county_finance', 'individual'] as const;
const moneyObject = (names: readonly string[]) => ({
  type: 'object', required: [...names], properties: Object.fromEntries(names.map((n) => [n, money])),
});

export const json = (schema: object, example?: unknown) => ({ 'application/json': example === undefined ? { schema } : { schema, example } });
export const csv = (example: string) => ({ 'text/csv': { schema: { type: 'string' }, example } });
export const headerInt = (description: string) => ({ description, schema: { type: 'string', pattern: '^[0-9]+$' } });
export const requestIdHeader = { description: '请求编号 The request id (the invocation id): quote it to the operator', schema: { type: 'string' } };
const problemRef = { description: 'Problem details (RFC 9457), Chinese and English 问题详情', headers: { 'x-request-id': requestIdHeader }, content: { 'application/problem+json': { schema: ref('Problem') } } };
export const problems = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [String(s), problemRef]));
export const query = (name: string, description: string, schema: object = { type: 'string' }, extra: object = {}) => ({ name, in: 'query', description, schema, ...extra });
export const keyed = [{ functionKey: [] }, { functionKeyQuery: [] }];

export const SAMPLE_CSV = 'claim_id,person_id,category,city,date,kind,hospital_level,total,compliant,basic_paid\nLY-0001,LY01,dibao,linyi,2024-02-10,inpatient,city,60000,50000,30000\n';
export const SAMPLE_ROSTER = 'person_id,city,category,county\nP1,linyi,dibao,兰山区\n';
/** The budget of SAMPLE_ROSTER for 2024 (Linyi: standard 380 yuan; a dibao person pays nothing, the assistance fund 150, the county the other 230). */
const BUDGET_ASSUMPTIONS = [
  { city: 'linyi', name: 'contribution.individual', value: '380', status: 'assumed', source: '国家医保局 2024 年居民医保筹资通知（回忆值）', note: null, carried: null, scenario: null },
  { city: 'linyi', name: 'subsidy.dibao.rate', value: '1', status: 'published', source: '临医保发〔2022〕13号 二', note: '个人不缴费：医疗救助150元，其余由县区财政承担', carried: null, scenario: null },
  { city: 'linyi', name: 'subsidy.dibao.assistanceFund', value: '150', status: 'published', source: '临医保发〔2022〕13号 二', note: null, carried: null, scenario: null },
];
export const BUDGET_EXAMPLE = {
  year: 2024, date: '2024-01-01', rules_date: '2024-01-01', basis: null, assumptions: BUDGET_ASSUMPTIONS, notes: [],
  totals: { persons: 1, assistance_fund: '150.00', county_finance: '230.00', individual: '0.00' },
  rows: [{ city: 'linyi', county: '兰山区', category: 'dibao', persons: 1, assistance_fund: '150.00', county_finance: '230.00', individual: '0.00' }],
  read: 1, persons: 1, duplicate_rows: 0, not_in_force: 0, rejected: [], duplicates: [], duplicates_cut: null, violations: [],
};
export const BUDGET_CSV = [
  '#year,2024', '#roster_date,2024-01-01', '#rules_date,2024-01-01', '#basis,',
  '#assumption,linyi,contribution.individual,380,assumed,国家医保局 2024 年居民医保筹资通知（回忆值）,,,,',
  '#assumption,linyi,subsidy.dibao.rate,1,published,临医保发〔2022〕13号 二,个人不缴费：医疗救助150元，其余由县区财政承担,,,',
  '#assumption,linyi,subsidy.dibao.assistanceFund,150,published,临医保发〔2022〕13号 二,,,,',
  '#read,1', '#persons,1', '#duplicate_rows,0', '#not_in_force,0', '#rejected,0',
  'city,county,category,persons,assistance_fund,county_finance,individual', 'linyi,兰山区,dibao,1,150.00,230.00,0.00', '合计 total,,,1,150.00,230.00,0.00', '',
].join('\n');
/** The same roster for 2024–2025 (2025: standard 400 yuan, so the county pays 250); assumptions cut short. */
export const YEARS_CSV = [
  '#years,2024-2025', '#roster_date,2024-01-01', '#read,1', '#persons,1', '#duplicate_rows,0', '#not_in_force,0', '#rejected,0',
  '#rules_date,2024,2024-01-01', '#basis,2024,', '#assumption,2024,linyi,contribution.individual,380,assumed,国家医保局 2024 年居民医保筹资通知（回忆值）,,,,',
  '#rules_date,2025,2025-01-01', '#basis,2025,', '#assumption,2025,linyi,contribution.individual,400,assumed,国家医保局 2025 年居民医保筹资通知（回忆值）,,,,',
  'year,scenario,city,county,category,persons,assistance_fund,county_finance,individual,persons_diff,assistance_fund_diff,county_finance_diff,individual_diff',
  '2024,,linyi,兰山区,dibao,1,150.00,230.00,0.00,,,,', '2024,,合计 total,,,1,150.00,230.00,0.00,,,,',
  '2025,,linyi,兰山区,dibao,1,150.00,250.00,0.00,,,,', '2025,,合计 total,,,1,150.00,250.00,0.00,,,,', '',
].join('\n');
export const SCENARIO = '{"name":"临沂低保救助75%","city":"linyi","overrides":{"assistance.dibao.rate":0.75}}';

export const params = {
  scenario: query('scenario', '情景：URL 编码的情景 JSON（可重复，视接口而定） A scenario as URL-encoded JSON, as in a scenario file', { type: 'string' }, { example: SCENARIO }),
  scenarios: query('scenario', '一个或多个情景 One or more scenarios (URL-encoded JSON)', { type: 'array', items: { type: 'string' }, minItems: 1 }, { required: true, style: 'form', explode: true, example: [SCENARIO] }),
  summary: query('summary', '分组汇总 Totals per group: a comma-separated list of city, county, category, month, year, kind', { type: 'string', pattern: '^[a-z]+(,[a-z]+)*$' }, { example: 'county,category,month' }),
  format: query('format', '输出列名 Output column names (default: the input\'s)', { type: 'string', enum: ['spec', 'nhsa'] }),
  city: query('city', '全表的城市（国家平台导出） The city of the whole table (national platform exports)', { type: 'string' }, { example: 'linyi' }),
  categoryColumn: query('category_column', '类别列名 Which column holds the category', { type: 'string' }),
  date: query('date', '日期 YYYY-MM-DD (default today in China)', { type: 'string', format: 'date' }),
};

export const ledgerBody = {
  required: true,
  description: '理赔台账 A claims ledger (spec section 1): CSV, or NDJSON with the same column names. 请求体流式读取 Streamed.',
  content: {
    'text/csv': { schema: { type: 'string' }, example: SAMPLE_CSV },
    'application/x-ndjson': { schema: { type: 'string' }, 'x-line-schema': { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean', 'null'] } }, example: '{"claim_id":"LY-0001","person_id":"LY01","category":"dibao","city":"linyi","date":"2024-02-10","kind":"inpatient","hospital_level":"city","total":"60000","compliant":"50000","basic_paid":"30000"}\n' },
  },
};

/** A parameter's status (spec section 10), and "scenario" where a scenario set it. */
const STATUSES = ['published', 'derived', 'assumed', 'scenario'] as const;
/** Where a duplicate row of a roster was: its city and category. */
const placed = { type: 'object', required: ['city', 'category'], properties: { city: { type: 'string' }, category: { type: 'string' } }, additionalProperties: false };
/** What a budget assumed (each year's, in a multi-year one), and the account of the roster's rows that both kinds share. */
const assumed = { assumptions: { type: 'array', items: ref('Assumption') }, notes: { type: 'array', items: ref('BudgetNote') } };
export const counted = {
  read: { type: 'integer' }, persons: { type: 'integer' }, duplicate_rows: { type: 'integer' }, not_in_force: { type: 'integer' },
  rejected: { type: 'array', items: ref('Rejection') }, duplicates: { type: 'array', items: ref('Duplicate') },
  duplicates_cut: { oneOf: [{ type: 'null' }, { type: 'object', required: ['zh', 'en', 'shown', 'total'], properties: { zh: { type: 'string' }, en: { type: 'string' }, shown: { type: 'integer' }, total: { type: 'integer' } }, additionalProperties: false }] },
};

/** The kinds of job POST /api/jobs runs (functions/handlers/jobs.ts). */
export const JOB_KINDS = ['settle', 'budget', 'compare', 'summary'] as const;
export const MONTH = '^[0-9]{4}-(0[1-9]|1[0-2])$';

export const schemas = {
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
  Violation: {
    type: 'object', description: '违反的政策底线 A floor the policy breaks (engine/floors.ts)', required: ['rule', 'source', 'zh', 'en', 'check', 'left', 'right', 'city'],
    properties: { rule: { type: 'string' }, source: { type: 'string' }, zh: { type: 'string' }, en: { type: 'string' }, check: { type: 'string' }, left: { type: 'string' }, right: { type: 'string' }, city: { type: 'string' }, category: { type: 'string' }, scenario: { type: 'string' } }, additionalProperties: false,
  },
  Message: { type: 'object', required: ['zh', 'en'], properties: { zh: { type: 'string' }, en: { type: 'string' } }, additionalProperties: false },
  Funds: { type: 'object', required: ['persons', ...FUNDS], properties: { persons: { type: 'integer' }, ...moneyObject(FUNDS).properties }, additionalProperties: false },
  BudgetRow: {
    type: 'object', required: ['city', 'county', 'category', 'persons', ...FUNDS],
    properties: { city: { type: 'string' }, county: { type: 'string' }, category: { type: 'string' }, persons: { type: 'integer' }, ...moneyObject(FUNDS).properties, diff: ref('Funds') }, additionalProperties: false,
  },
  Assumption: {
    type: 'object', description: '预算所用的参数（含沿用上年之值） A parameter the budget used (a value carried forward says so)', required: ['city', 'name', 'value', 'status', 'source', 'note', 'carried', 'scenario'],
    properties: { city: { type: 'string' }, name: { type: 'string' }, value: { type: 'string' }, status: { type: 'string', enum: [...STATUSES] }, source: { type: 'string' }, note: { type: ['string', 'null'] }, carried: { oneOf: [{ type: 'null' }, ref('Message')] }, scenario: { type: ['string', 'null'] } }, additionalProperties: false,
  },
  BudgetNote: { type: 'object', required: ['city', 'category', 'zh', 'en'], properties: { city: { type: 'string' }, category: { type: 'string' }, zh: { type: 'string' }, en: { type: 'string' } }, additionalProperties: false },
  BudgetScenario: {
    type: 'object', required: ['name', 'city', 'totals', 'totals_diff', 'rows', 'violations', 'assumptions'],
    properties: { name: { type: 'string' }, city: { type: ['string', 'null'] }, growth: { type: 'object' }, totals: ref('Funds'), totals_diff: ref('Funds'), rows: { type: 'array', items: ref('BudgetRow') }, violations: { type: 'array', items: ref('Violation') }, assumptions: { type: 'array', items: ref('Assumption') } }, additionalProperties: false,
  },
  Duplicate: {
    type: 'object', required: ['kept_line', 'dropped_line', 'kept', 'dropped'],
    properties: { kept_line: { type: 'integer' }, dropped_line: { type: 'integer' }, kept: placed, dropped: placed }, additionalProperties: false,
  },
  Budget: {
    type: 'object', description: '一个年度的预算，与 yibao budget --json 相同 One year\'s budget, as `yibao budget --json`: every row read accounted for (read = persons + duplicate_rows + not_in_force + rejected)',
    required: ['year', 'date', 'rules_date', 'basis', 'assumptions', 'notes', 'totals', 'rows', 'read', 'persons', 'duplicate_rows', 'not_in_force', 'rejected', 'duplicates', 'duplicates_cut', 'violations'],
    properties: {
      year: { type: 'integer' }, date: { type: 'string', format: 'date' }, rules_date: { type: ['string', 'null'], format: 'date' }, basis: { type: ['string', 'null'] },
      ...assumed, ...counted, totals: ref('Funds'), rows: { type: 'array', items: ref('BudgetRow') },
      scenarios: { type: 'array', items: ref('BudgetScenario') }, violations: { type: 'array', items: ref('Violation') },
    },
    additionalProperties: false,
  },
  BudgetYears: {
    type: 'object', description: '多年预算（?years=） A budget for each year of a range (?years=2026-2030), as `yibao budget --years --json`',
    required: ['from', 'to', 'date', 'years', 'read', 'persons', 'duplicate_rows', 'not_in_force', 'rejected', 'duplicates', 'duplicates_cut'],
    properties: {
      from: { type: 'integer' }, to: { type: 'integer' }, date: { type: 'string', format: 'date' },
      years: {
        type: 'array', minItems: 1,
        items: {
          type: 'object', required: ['year', 'rules_date', 'basis', 'assumptions', 'notes', 'totals', 'rows', 'violations', 'fund', 'scenarios'],
          properties: {
            year: { type: 'integer' }, rules_date: { type: ['string', 'null'], format: 'date' }, basis: { type: ['string', 'null'] },
            ...assumed, totals: ref('Funds'), rows: { type: 'array', items: ref('BudgetRow') },
            violations: { type: 'array', items: ref('Violation') },
            fund: { type: 'null', description: '只有命令行的 --claims 才有；HTTP 不接受理赔台账 Only with --claims on the command line: the service takes no claims ledger' },
            scenarios: { type: 'array', items: ref('BudgetScenario') },
          }, additionalProperties: false,
        },
      },
      ...counted,
    },
    additionalProperties: false,
  },
  Comparison: {
    type: 'object', required: ['groups', 'baseline', 'scenarios'],
    properties: {
      groups: { type: 'array', items: { type: 'string' } },
      baseline: { type: 'object', required: ['read', 'settled', 'rejected', 'totals', 'violations'], properties: { read: { type: 'integer' }, settled: { type: 'integer' }, rejected: { type: 'integer' }, totals: moneyObject(TIERS), violations: { type: 'array', items: ref('Violation') } } },
      scenarios: { type: 'array', items: { type: 'object', required: ['name', 'read', 'settled', 'rejected', 'totals', 'diff', 'violations'], properties: { name: { type: 'string' }, city: { type: 'string' }, read: { type: 'integer' }, settled: { type: 'integer' }, rejected: { type: 'integer' }, totals: moneyObject(TIERS), diff: moneyObject(TIERS), violations: { type: 'array', items: ref('Violation') } } } },
    },
  },
  Parameter: {
    type: 'object', description: '一个参数在该日期的值（规范第 10 节） A parameter on the date (spec section 10)', required: ['name', 'value', 'status', 'status_text', 'source', 'effective', 'file'],
    properties: {
      name: { type: 'string' }, value: { type: 'string' }, status: { type: 'string', enum: [...STATUSES] },
      status_text: { type: 'string', pattern: '^(已公布 published|推算 derived|假设值 assumed|情景值 scenario)(；已公布 published: .+)?$', description: '状态的文字；假设值而对部分类别已公布时列出这些类别 the status in words; an assumed value published for some categories names them' },
      source: { type: 'string' }, effective: { type: 'string' }, quote: { type: 'string' }, note: { type: 'string' }, file: { type: 'string' },
      scenario: { type: 'string', description: '设定该值的情景 the scenario that set it' }, was: { type: 'string', description: '情景之前的值 the value before the scenario, with its status' },
      carried: { type: 'string', description: '沿用上一年度之值 a per-year value carried forward from an earlier year (spec 10.3)' },
      lapsed: { type: 'string', description: '过渡期已结束，该规则不再适用 a rule of the transition period after transition.end: shown, no longer applied (spec 10.2)' },
    },
    additionalProperties: false,
    examples: [
      { name: 'transition.end', value: '2025-12-31', status: 'assumed', status_text: '假设值 assumed', source: '医保发〔2021〕10号 一', effective: '2022-01-01', quote: '对摆脱贫困的县在规定的5年过渡期内', file: 'policy/linyi/2022-01-01.json' },
      { name: 'assistance.dibao_marginal.rate', value: '0.5', status: 'published', status_text: '已公布 published', source: '临医保发〔2022〕13号 四', effective: '2022-01-01', quote: '给予 50%的医疗救助', file: 'policy/linyi/2022-01-01.json', lapsed: '过渡期已结束（假设 2025-12-31） (the transition period has ended (assumed 2025-12-31): the transitional rule no longer applies)' },
      { name: 'contribution.individual', value: '400', status: 'assumed', status_text: '假设值 assumed', source: '国家医保局 2026 年居民医保筹资通知（回忆值）', effective: '2026-01-01', file: 'policy/contribution.json', carried: 'contribution.individual 2027 年未设定，沿用 2026 年 400 元（假设） (contribution.individual not set for 2027: 2026\'s 400 yuan carried forward (assumed))' },
    ],
  },
  City: {
    type: 'object', required: ['id', 'zh', 'en', 'date', 'scenario', 'versions', 'categories', 'parameters'],
    properties: {
      id: { type: 'string' }, zh: { type: 'string' }, en: { type: 'string' }, date: { type: 'string', format: 'date' }, scenario: { type: ['string', 'null'] },
      versions: { type: 'array', items: { type: 'object', required: ['effective', 'document', 'file'], properties: { effective: { type: 'string', format: 'date' }, document: { type: 'string' }, file: { type: 'string' } } } },
      categories: { type: 'array', items: { type: 'object', required: ['id', 'zh', 'en'], properties: { id: { type: 'string' }, zh: { type: 'string' }, en: { type: 'string' }, names: { type: 'array', items: { type: 'string' } }, mams: { type: 'array', items: { type: 'string' } } } } },
      parameters: { type: 'array', items: ref('Parameter') },
    },
  },
  Policies: { type: 'object', required: ['date', 'cities'], properties: { date: { type: 'string', format: 'date' }, cities: { type: 'array', items: ref('City') } } },
  JobStarted: {
    type: 'object', required: ['id', 'statusQueryGetUri', 'kind', 'bytes', 'jobStatusUri'],
    description: 'Durable 的管理地址（含密钥）与本应用的状态地址 The Durable management URLs (they carry a key) and this app\'s status URL',
    properties: {
      id: { type: 'string' }, statusQueryGetUri: { type: 'string', format: 'uri' }, sendEventPostUri: { type: 'string' }, terminatePostUri: { type: 'string' }, purgeHistoryDeleteUri: { type: 'string' },
      kind: { type: 'string', enum: [...JOB_KINDS] }, bytes: { type: 'integer' }, shards: { type: 'integer' }, jobStatusUri: { type: 'string', format: 'uri' },
    },
  },
  JobStatus: {
    type: 'object', required: ['id', 'runtimeStatus', 'progress', 'summary', 'problem', 'resultsUri', 'rejectedUri', 'result'],
    properties: {
      id: { type: 'string' }, runtimeStatus: { type: 'string', examples: ['Running', 'Completed', 'Failed', 'Terminated'] }, createdTime: { type: ['string', 'null'] }, lastUpdatedTime: { type: ['string', 'null'] },
      progress: { oneOf: [{ type: 'null' }, { type: 'object', required: ['stage', 'shards_done', 'shards_total'], properties: { stage: { type: 'string', enum: ['split', 'dedupe', 'settle', 'count', 'merge', 'done', 'failed'] }, shards_done: { type: 'integer' }, shards_total: { type: 'integer' } }, additionalProperties: false }] },
      summary: {
        description: '结算作业：行数、合计与底线；其他作业：行数 A settle job: counts, totals and floors; the other kinds: the counts (read, settled or persons, rejected)',
        oneOf: [
          { type: 'null' },
          { type: 'object', required: ['read', 'settled', 'rejected', 'warnings', 'totals', 'violations'], properties: { read: { type: 'integer' }, settled: { type: 'integer' }, rejected: { type: 'integer' }, warnings: { type: 'integer' }, totals: { type: 'object', additionalProperties: money }, violations: { type: 'array', items: { type: 'string' } } }, additionalProperties: false },
          { type: 'object', required: ['read'], additionalProperties: { type: 'integer' } },
        ],
      },
      problem: { oneOf: [{ type: 'null' }, ref('Message')], description: '失败或终止的原因 why it failed or was terminated' },
      resultsUri: { type: ['string', 'null'], format: 'uri' }, rejectedUri: { type: ['string', 'null'], format: 'uri', description: 'kind=settle only; the other kinds\' answers hold their rejected rows' },
      result: { type: ['object', 'null'], description: '编排的输出 The orchestration\'s output: where the results are, and the counts' },
    },
    additionalProperties: false,
  },
  JobDeleted: { type: 'object', required: ['id', 'deleted', 'blobs'], properties: { id: { type: 'string' }, deleted: { const: true }, blobs: { type: 'integer', description: '删除的 blob 数 blobs removed' } }, additionalProperties: false },
  MonthlyStarted: {
    type: 'object', required: ['month', 'id', 'started', 'runtimeStatus', 'statusUri', 'warning'],
    properties: {
      month: { type: 'string', pattern: MONTH }, id: { type: 'string' }, started: { type: 'boolean', description: 'false：该月已在运行，未再启动 false: the month was already running and was not started again' },
      runtimeStatus: { type: 'string' }, statusUri: { type: 'string', format: 'uri' }, warning: { oneOf: [{ type: 'null' }, ref('Message')], description: '未配置任何台账或花名册 nothing is configured' },
    },
    additionalProperties: false,
  },
  MonthlyItem: {
    type: 'object', required: ['blob', 'kind', 'ok', 'written'],
    properties: {
      blob: { type: 'string' }, kind: { type: 'string', enum: ['ledger', 'roster'] }, ok: { type: 'boolean' }, written: { type: 'array', items: { type: 'string' } }, removed: { type: 'array', items: { type: 'string' } },
      read: { type: 'integer' }, settled: { type: 'integer' }, rejected: { type: 'integer' }, warnings: { type: 'integer' }, persons: { type: 'integer' }, problem: ref('Message'),
    },
    additionalProperties: false,
  },
  MonthlyStatus: {
    type: 'object', required: ['month', 'id', 'runtimeStatus', 'progress', 'status', 'warning', 'report'],
    properties: {
      month: { type: 'string', pattern: MONTH }, id: { type: 'string' }, runtimeStatus: { type: 'string' }, progress: {},
      status: { type: ['string', 'null'], enum: ['done', 'failed', 'warning', null] }, warning: { oneOf: [{ type: 'null' }, ref('Message')] },
      report: {
        oneOf: [{ type: 'null' }, {
          type: 'object', required: ['month', 'started', 'container', 'status', 'items'],
          properties: { month: { type: 'string', pattern: MONTH }, started: { type: 'string', format: 'date-time' }, container: { type: 'string' }, status: { type: 'string', enum: ['done', 'failed', 'warning'] }, warning: ref('Message'), items: { type: 'array', items: ref('MonthlyItem') } },
          additionalProperties: false,
        }],
      },
    },
    additionalProperties: false,
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

export const settleHeaders = {
  'x-request-id': requestIdHeader,
  'x-yibao-read': headerInt('读取的行数 rows read'),
  'x-yibao-settled': headerInt('结算的行数 claims settled'),
  'x-yibao-rejected': headerInt('拒收的行数 rows rejected'),
  'x-yibao-path': { description: '结算路径 which path settled it (the bytes are the same)', schema: { type: 'string', enum: ['bulk', 'bulk-worker', 'ledger'] } },
};

export const ID_PARAM = { name: 'id', in: 'path', required: true, description: '作业编号 the job id', schema: { type: 'string', format: 'uuid' } };
export const MONTH_PARAM = { name: 'month', in: 'path', required: true, description: '月份 YYYY-MM the month', schema: { type: 'string', pattern: MONTH }, example: '2024-05' };
export const MONTHLY_STARTED = {
  description: '已开始，或该月已在运行（started=false） Started, or already running for that month (started=false)',
  headers: { 'x-request-id': requestIdHeader, location: { schema: { type: 'string' } } }, content: json(ref('MonthlyStarted')),
};
