// The OpenAPI description (functions/handlers/openapi.ts) kept honest: every HTTP route the app really
// registers (captured by the local host's stand-in for @azure/functions-core) is described with its
// methods, and nothing else is; real answers of the handlers validate against the schemas (ajv, JSON
// Schema 2020-12); the examples validate too; a CSV answer starts with its example's first line and
// has its table header (after a block of `#` rows, as a budget has). The Durable functions run with a
// stand-in client (no runner, no storage): their status, 404, 405, 409, 400 and 503 answers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { HttpRequest, type HttpResponse } from '@azure/functions';
import { ROOT, request, context, startAzurite, freePort } from './helpers';

jest.mock('@azure/functions-core', () => jest.requireActual('../../functions/local/core').coreApi, { virtual: true });

/* eslint-disable @typescript-eslint/no-require-imports */
const { registrations } = require('../../functions/local/core') as typeof import('../../functions/local/core');
require('../../functions/index');
const { OPENAPI, openapiHandler } = require('../../functions/handlers/openapi') as typeof import('../../functions/handlers/openapi');
const { settleHandler } = require('../../functions/handlers/settle') as typeof import('../../functions/handlers/settle');
const { budgetHandler } = require('../../functions/handlers/budget') as typeof import('../../functions/handlers/budget');
const { compareHandler } = require('../../functions/handlers/compare') as typeof import('../../functions/handlers/compare');
const { policiesHandler } = require('../../functions/handlers/policies') as typeof import('../../functions/handlers/policies');
const { healthHandler } = require('../../functions/handlers/health') as typeof import('../../functions/handlers/health');
const { startJobHandler, jobHandler, durableClients } = require('../../functions/handlers/jobs') as typeof import('../../functions/handlers/jobs');
const { monthlyHttpHandler } = require('../../functions/handlers/monthly') as typeof import('../../functions/handlers/monthly');
/* eslint-enable @typescript-eslint/no-require-imports */

type Media = { schema: unknown; example?: unknown; examples?: Record<string, { value: unknown }>; 'x-line-schema'?: unknown };
type Doc = { paths: Record<string, Record<string, { responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, Media> }> }>> };
const doc = OPENAPI as unknown as Doc;

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(OPENAPI as never, 'doc');
const pointer = (...parts: string[]) => `doc#/${parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;

function check(schemaAt: string, value: unknown, what: string): void {
  const validate = ajv.compile({ $ref: schemaAt });
  if (!validate(value)) throw new Error(`${what} does not match its schema: ${ajv.errorsText(validate.errors)}`);
}

/** A route template as the OpenAPI paths it stands for ("policies/{city?}" is two). */
function pathsOf(route: string): string[] {
  const base = `/api/${route.replace(/^\/+/, '')}`;
  const optional = /\/\{(\w+)\?\}$/.exec(base);
  return optional ? [base.slice(0, optional.index), base.replace(/\{(\w+)\?\}$/, '{$1}')] : [base.replace(/\{(\w+)(:[^}]*)?\}/g, '{$1}')];
}

describe('the description against the registered routes', () => {
  const http = registrations.filter((r) => r.trigger.type.toLowerCase() === 'httptrigger');

  test('the app registers its HTTP functions through the captured core', () => {
    expect(http.map((r) => r.name).sort()).toEqual(['budget', 'compareScenarios', 'health', 'jobStatus', 'monthly', 'openapi', 'policies', 'settle', 'startJob']);
  });

  test('every registered route and method is described, and nothing else', () => {
    const registered = new Set<string>();
    for (const r of http) {
      for (const p of pathsOf(String(r.trigger.route ?? r.name))) {
        for (const m of r.trigger.methods ?? ['GET', 'POST']) registered.add(`${m.toLowerCase()} ${p}`);
      }
    }
    const described = new Set(Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)));
    expect([...described].sort()).toEqual([...registered].sort());
  });

  test('operations behind a function key say so; anonymous ones do not', () => {
    for (const r of http) {
      for (const p of pathsOf(String(r.trigger.route ?? r.name))) {
        for (const m of r.trigger.methods ?? []) {
          const op = doc.paths[p][m.toLowerCase()] as unknown as { security?: unknown[] };
          expect([p, m, (op.security ?? []).length > 0]).toEqual([p, m, r.trigger.authLevel !== 'anonymous']);
        }
      }
    }
  });

  test('every example validates against its schema', () => {
    let n = 0;
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(ops)) {
        for (const [status, res] of Object.entries(op.responses)) {
          for (const [type, media] of Object.entries(res.content ?? {})) {
            const at = [`paths`, p, m, 'responses', status, 'content', type];
            const named = Object.entries(media.examples ?? {}).map(([k, e]) => [k, e.value] as const);
            for (const [name, example] of media.example === undefined ? named : [['example', media.example] as const, ...named]) {
              if (media['x-line-schema']) {
                for (const line of String(example).trim().split('\n')) check(pointer(...at, 'x-line-schema'), JSON.parse(line), `${m} ${p} ${status} ${name} line`);
              } else check(pointer(...at, 'schema'), example, `${m} ${p} ${status} ${name}`);
              n++;
            }
          }
        }
      }
    }
    const schemas = (OPENAPI.components.schemas as unknown as Record<string, { examples?: unknown[] }>);
    for (const [name, s] of Object.entries(schemas)) for (const e of s.examples ?? []) { check(pointer('components', 'schemas', name), e, `${name} example`); n++; }
    expect(n).toBeGreaterThan(5);
  });
});

/** Validate a real answer against the description of path, method and status; returns its text. */
async function conforms(res: HttpResponse, p: string, method: string, example?: string): Promise<string> {
  const described = doc.paths[p]?.[method]?.responses[String(res.status)];
  if (!described) throw new Error(`${method} ${p} answered ${res.status}, which is not described`);
  const type = (res.headers.get('content-type') ?? '').split(';')[0].trim();
  const media = described.content?.[type];
  if (!media) throw new Error(`${method} ${p} ${res.status} answered ${type}, which is not described`);
  // forEach, not for…of: once a test in the same worker has loaded lib "dom", Headers is the DOM's, which has no iterator.
  res.headers.forEach((_value, name) => {
    if (name.startsWith('x-yibao-') || name === 'x-request-id') expect([p, name, Object.keys(described.headers ?? {}).includes(name)]).toEqual([p, name, true]);
  });
  const text = await res.text();
  const at = ['paths', p, method, 'responses', String(res.status), 'content', type];
  if (media['x-line-schema']) {
    for (const line of text.trim().split('\n')) check(pointer(...at, 'x-line-schema'), JSON.parse(line), `${method} ${p} line`);
  } else check(pointer(...at, 'schema'), type.endsWith('json') ? JSON.parse(text) : text, `${method} ${p} ${res.status}`);
  const shown = example === undefined ? media.example : media.examples?.[example]?.value;
  if (example !== undefined && shown === undefined) throw new Error(`${method} ${p} ${res.status} ${type} has no example ${example}`);
  if (type === 'text/csv' && typeof shown === 'string') {
    const table = (t: string) => t.split('\n').find((l) => !l.startsWith('#'));
    expect([p, text.split('\n')[0], table(text)]).toEqual([p, shown.split('\n')[0], table(shown)]);
  }
  return text;
}

describe('real answers validate against the description', () => {
  const claims = fs.readFileSync(path.join(ROOT, 'samples', 'claims.csv'), 'utf8');
  const roster = fs.readFileSync(path.join(ROOT, 'samples', 'roster.csv'), 'utf8');
  const scenario = encodeURIComponent(fs.readFileSync(path.join(ROOT, 'samples', 'scenario-linyi-dibao-75.json'), 'utf8'));
  const get = (p: string, params: Record<string, string> = {}) => new HttpRequest({ method: 'GET', url: `http://127.0.0.1:7071${p}`, params });

  test('POST /api/settle: CSV, NDJSON, summary JSON, and problems', async () => {
    await conforms(await settleHandler(request({ path: '/api/settle', body: claims, headers: { 'content-type': 'text/csv' } }), context()), '/api/settle', 'post');
    await conforms(await settleHandler(request({ path: '/api/settle', body: claims, headers: { accept: 'application/x-ndjson' } }), context()), '/api/settle', 'post');
    await conforms(await settleHandler(request({ path: '/api/settle?summary=city,month', body: claims }), context()), '/api/settle', 'post');
    const bad = await settleHandler(request({ path: '/api/settle', body: 'a,b\n1,2\n' }), context());
    expect(bad.status).toBe(422);
    await conforms(bad, '/api/settle', 'post');
    const accept = await settleHandler(request({ path: '/api/settle', body: claims, headers: { accept: 'image/png' } }), context());
    expect(accept.status).toBe(406);
    await conforms(accept, '/api/settle', 'post');
  });

  test('POST /api/budget and POST /api/scenarios/compare: JSON and CSV', async () => {
    await conforms(await budgetHandler(request({ path: '/api/budget?year=2024', body: roster }), context()), '/api/budget', 'post');
    await conforms(await budgetHandler(request({ path: '/api/budget?year=2024', body: roster, headers: { accept: 'text/csv' } }), context()), '/api/budget', 'post', 'year');
    await conforms(await compareHandler(request({ path: `/api/scenarios/compare?scenario=${scenario}`, body: claims }), context()), '/api/scenarios/compare', 'post');
    await conforms(await compareHandler(request({ path: `/api/scenarios/compare?scenario=${scenario}`, body: claims, headers: { accept: 'text/csv' } }), context()), '/api/scenarios/compare', 'post');
    const none = await compareHandler(request({ path: '/api/scenarios/compare', body: claims }), context());
    expect(none.status).toBe(400);
    await conforms(none, '/api/scenarios/compare', 'post');
  });

  test('POST /api/budget: the example is the real answer; several years; a short list of duplicates; refusals', async () => {
    const examples = doc.paths['/api/budget'].post.responses['200'].content!['application/json'].examples!;
    // one dibao person in Linyi, 2024: standard 380 yuan, the assistance fund pays 150 and the county the other 230
    const one = 'person_id,city,category,county\nP1,linyi,dibao,兰山区\n';
    const body = JSON.parse(await conforms(await budgetHandler(request({ path: '/api/budget?year=2024', body: one }), context()), '/api/budget', 'post'));
    expect(body.totals).toEqual({ persons: 1, assistance_fund: '150.00', county_finance: '230.00', individual: '0.00' });
    expect(body).toEqual(examples.year.value);
    const years = JSON.parse(await conforms(await budgetHandler(request({ path: '/api/budget?years=2024-2025', body: roster }), context()), '/api/budget', 'post'));
    expect([years.from, years.to, years.years.map((y: { year: number }) => y.year)]).toEqual([2024, 2025, [2024, 2025]]);
    // each year of the range is that year's budget on the same roster date
    for (const y of [2024, 2025]) {
      const single = JSON.parse(await (await budgetHandler(request({ path: `/api/budget?year=${y}&date=2024-01-01`, body: roster }), context())).text());
      expect(years.years.find((x: { year: number }) => x.year === y).totals).toEqual(single.totals);
    }
    await conforms(await budgetHandler(request({ path: '/api/budget?years=2024-2025', body: one, headers: { accept: 'text/csv' } }), context()), '/api/budget', 'post', 'years');
    const luan = encodeURIComponent(fs.readFileSync(path.join(ROOT, 'samples', 'scenario-luan-dibao-subsidy-85.json'), 'utf8'));
    for (const range of ['year=2024', 'years=2024-2026']) {
      const withScenario = JSON.parse(await conforms(await budgetHandler(request({ path: `/api/budget?${range}&scenario=${luan}`, body: roster }), context()), '/api/budget', 'post'));
      expect((withScenario.scenarios ?? withScenario.years[0].scenarios).length).toBe(1);
    }
    // samples/roster.csv has one duplicate person (lines 4 and 18): listed none of one, and said so
    const cut = JSON.parse(await conforms(await budgetHandler(request({ path: '/api/budget?year=2026&duplicates=0', body: roster }), context()), '/api/budget', 'post'));
    expect([cut.duplicate_rows, cut.duplicates, cut.duplicates_cut?.shown, cut.duplicates_cut?.total]).toEqual([1, [], 0, 1]);
    const both = await budgetHandler(request({ path: '/api/budget?year=2024&years=2024-2025', body: roster }), context());
    expect(both.status).toBe(400);
    await conforms(both, '/api/budget', 'post');
    const ledger = await budgetHandler(request({ path: '/api/budget?year=2024', body: claims }), context());
    expect(ledger.status).toBe(422);
    await conforms(ledger, '/api/budget', 'post');
  });

  test('GET /api/policies/{city}: statuses in words, a value carried forward, rules lapsed after transition.end', async () => {
    type Row = { name: string; status: string; status_text: string; carried?: string; lapsed?: string };
    const at = async (date: string) => (JSON.parse(await conforms(await policiesHandler(get(`/api/policies/linyi?date=${date}`, { city: 'linyi' }), context()), '/api/policies/{city}', 'get')) as { parameters: Row[] }).parameters;
    const later = await at('2027-03-01');
    const words = { published: '已公布 published', derived: '推算 derived', assumed: '假设值 assumed' } as Record<string, string>;
    for (const r of later) expect([r.name, r.status_text.split('；')[0]]).toEqual([r.name, words[r.status]]);
    expect(later.some((r) => r.status === 'derived')).toBe(true);
    // no contribution standard is set for 2027: 2026's is carried forward, and says so
    expect(later.find((r) => r.name === 'contribution.individual')?.carried).toMatch(/2027.*2026/);
    // Linyi's transition period is assumed to end 2025-12-31: in 2027 its transitional rules are shown lapsed
    expect(later.find((r) => r.name === 'transition.end')).toMatchObject({ status: 'assumed' });
    expect(later.filter((r) => r.lapsed).length).toBeGreaterThan(0);
    expect((await at('2024-06-01')).filter((r) => r.lapsed || r.carried)).toEqual([]);
  });

  test('the Durable functions with a stand-in client: job status, 404, 405, 409; monthly status and start; 400 and 503', async () => {
    const id = '3f2b8c1e-7d4a-4f0e-9b6a-1c2d3e4f5a6b';
    const call = (method: string, p: string, params: Record<string, string>) => new HttpRequest({ method, url: `http://127.0.0.1:7071${p}`, params });
    let status: unknown = { runtimeStatus: 'Running', customStatus: { stage: 'settle', shards_done: 3, shards_total: 8 }, output: null, createdTime: new Date(0), lastUpdatedTime: new Date(0) };
    const client = {
      getStatus: async (instance: string) => { if (!status) throw new Error(`instance ${instance} not found (404)`); return status; },
      startNew: async () => 'started',
    };
    const spy = jest.spyOn(durableClients, 'get').mockReturnValue(client as never);
    const saved = { s: process.env.YIBAO_STORAGE, a: process.env.AzureWebJobsStorage };
    try {
      const running = await jobHandler(call('GET', `/api/jobs/${id}`, { id }), context());
      expect(running.status).toBe(202);
      expect(JSON.parse(await conforms(running, '/api/jobs/{id}', 'get')).progress).toEqual({ stage: 'settle', shards_done: 3, shards_total: 8 });
      const early = await jobHandler(call('GET', `/api/jobs/${id}/results`, { id, part: 'results' }), context());
      expect(early.status).toBe(409);
      await conforms(early, '/api/jobs/{id}/{part}', 'get');
      const summary = { read: 4, settled: 3, rejected: 1, warnings: 0, totals: { basic: '30000.00' }, violations: [] };
      status = { runtimeStatus: 'Completed', customStatus: { stage: 'done', shards_done: 8, shards_total: 8 }, output: { status: 'completed', path: 'bulk', container: 'jobs', results: `${id}/results.csv`, rejected: null, summary, kind: 'settle' }, createdTime: new Date(0), lastUpdatedTime: new Date(0) };
      const done = JSON.parse(await conforms(await jobHandler(call('GET', `/api/jobs/${id}`, { id }), context()), '/api/jobs/{id}', 'get'));
      expect([done.summary, done.resultsUri]).toEqual([summary, `http://127.0.0.1:7071/api/jobs/${id}/results`]);
      status = { runtimeStatus: 'Completed', customStatus: null, output: { status: 'completed', container: 'jobs', results: `${id}/answer.json`, kind: 'budget', answer: 'json', counts: { read: 33, persons: 30, rejected: 1 } }, createdTime: new Date(0), lastUpdatedTime: new Date(0) };
      expect(JSON.parse(await conforms(await jobHandler(call('GET', `/api/jobs/${id}`, { id }), context()), '/api/jobs/{id}', 'get'))).toMatchObject({ summary: { read: 33, persons: 30, rejected: 1 }, rejectedUri: null });
      status = undefined;
      for (const [method, p, params] of [['GET', `/api/jobs/${id}`, { id }], ['GET', '/api/jobs/not-a-job', { id: 'not-a-job' }], ['DELETE', `/api/jobs/${id}`, { id }]] as const) {
        const missing = await jobHandler(call(method, p, params), context());
        expect([p, missing.status]).toEqual([p, 404]);
        await conforms(missing, '/api/jobs/{id}', method.toLowerCase());
      }
      const part = await jobHandler(call('DELETE', `/api/jobs/${id}/results`, { id, part: 'results' }), context());
      expect(part.status).toBe(405);
      await conforms(part, '/api/jobs/{id}/{part}', 'delete');

      const noMonth = await monthlyHttpHandler(call('GET', '/api/monthly', {}), context());
      expect(noMonth.status).toBe(400);
      await conforms(noMonth, '/api/monthly', 'get');
      expect((await monthlyHttpHandler(call('GET', '/api/monthly/2024-05', { month: '2024-05' }), context())).status).toBe(404);
      const started = JSON.parse(await conforms(await monthlyHttpHandler(call('POST', '/api/monthly/2024-05', { month: '2024-05' }), context()), '/api/monthly/{month}', 'post'));
      expect([started.month, started.id, started.started]).toEqual(['2024-05', 'monthly-2024-05', true]);
      const report = { month: '2024-05', started: '2024-05-01T00:00:00.000Z', container: 'monthly', status: 'done', items: [{ blob: 'roster.csv', kind: 'roster', ok: true, written: ['roster.csv.2024-05.budget.csv', 'roster.csv.2024-05.budget.json'], removed: [], read: 33, persons: 30, rejected: 1 }] };
      status = { runtimeStatus: 'Completed', customStatus: null, output: report };
      expect(JSON.parse(await conforms(await monthlyHttpHandler(call('GET', '/api/monthly/2024-05', { month: '2024-05' }), context()), '/api/monthly/{month}', 'get')).report).toEqual(report);
      status = { runtimeStatus: 'Running', customStatus: null, output: null };
      const again = await monthlyHttpHandler(call('POST', '/api/monthly', {}), context());
      expect(JSON.parse(await conforms(again, '/api/monthly', 'post')).started).toBe(false);

      const kind = await startJobHandler(request({ path: '/api/jobs?kind=audit', body: claims }), context());
      expect(kind.status).toBe(400);
      await conforms(kind, '/api/jobs', 'post');
      // a budget job budgets one year: ?years= is refused, not silently ignored
      const years = await startJobHandler(request({ path: '/api/jobs?kind=budget&year=2026&years=2026-2028', body: claims }), context());
      expect(years.status).toBe(400);
      expect(JSON.parse(await conforms(years, '/api/jobs', 'post')).zh).toMatch(/^kind=budget 的作业只算一个年度，不接受 years/);
      delete process.env.YIBAO_STORAGE;
      delete process.env.AzureWebJobsStorage;
      const nowhere = await startJobHandler(request({ path: '/api/jobs', body: claims }), context());
      expect(nowhere.status).toBe(503);
      await conforms(nowhere, '/api/jobs', 'post');
    } finally {
      spy.mockRestore();
      for (const [k, v] of [['YIBAO_STORAGE', saved.s], ['AzureWebJobsStorage', saved.a]] as const) {
        if (v === undefined) delete process.env[k]; else process.env[k] = v;
      }
    }
  });

  test('GET /api/policies, /api/policies/{city}, an unknown city, and /api/openapi.json', async () => {
    await conforms(await policiesHandler(get('/api/policies'), context()), '/api/policies', 'get');
    await conforms(await policiesHandler(get('/api/policies/linyi', { city: 'linyi' }), context()), '/api/policies/{city}', 'get');
    const unknown = await policiesHandler(get('/api/policies/atlantis', { city: 'atlantis' }), context());
    expect(unknown.status).toBe(404);
    await conforms(unknown, '/api/policies/{city}', 'get');
    const served = JSON.parse(await conforms(await openapiHandler(get('/api/openapi.json'), context()), '/api/openapi.json', 'get')) as { info: { version: string } };
    expect(served.info.version).toBe((JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  });

  test('GET /api/health: no storage, a storage that answers, and one that does not', async () => {
    const saved = { s: process.env.YIBAO_STORAGE, a: process.env.AzureWebJobsStorage, t: process.env.YIBAO_HEALTH_STORAGE_MS };
    const azurite = await startAzurite();
    try {
      delete process.env.YIBAO_STORAGE;
      delete process.env.AzureWebJobsStorage;
      let body = JSON.parse(await conforms(await healthHandler(get('/api/health'), context()), '/api/health', 'get'));
      expect(body).toMatchObject({ status: 'ok', storage: { configured: false, reachable: null } });
      expect(body.policies.map((p: { city: string }) => p.city).sort()).toEqual(['linyi', 'luan', 'xixiu']);
      process.env.YIBAO_STORAGE = azurite.connection;
      body = JSON.parse(await conforms(await healthHandler(get('/api/health'), context()), '/api/health', 'get'));
      expect(body).toMatchObject({ status: 'ok', storage: { configured: true, reachable: true } });
      process.env.YIBAO_STORAGE = azurite.connection.replace(`:${azurite.port}/`, `:${await freePort()}/`);
      process.env.YIBAO_HEALTH_STORAGE_MS = '500';
      const t0 = Date.now();
      body = JSON.parse(await conforms(await healthHandler(get('/api/health'), context()), '/api/health', 'get'));
      expect(body).toMatchObject({ status: 'degraded', storage: { configured: true, reachable: false } });
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      await azurite.stop();
      for (const [k, v] of [['YIBAO_STORAGE', saved.s], ['AzureWebJobsStorage', saved.a], ['YIBAO_HEALTH_STORAGE_MS', saved.t]] as const) {
        if (v === undefined) delete process.env[k]; else process.env[k] = v;
      }
    }
  }, 30000);
});
