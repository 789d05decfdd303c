// The OpenAPI description (functions/handlers/openapi.ts) kept honest: every HTTP route the app really
// registers (captured by the local host's stand-in for @azure/functions-core) is described with its
// methods, and nothing else is; real answers of the handlers validate against the schemas (ajv, JSON
// Schema 2020-12); the examples validate too; CSV examples start with the real header.
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
/* eslint-enable @typescript-eslint/no-require-imports */

type Doc = { paths: Record<string, Record<string, { responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, { schema: unknown; example?: unknown; 'x-line-schema'?: unknown }> }> }>> };
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
    expect(http.map((r) => r.name).sort()).toEqual(['budget', 'compareScenarios', 'health', 'jobStatus', 'openapi', 'policies', 'settle', 'startJob']);
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
            if (media.example === undefined) continue;
            const at = [`paths`, p, m, 'responses', status, 'content', type];
            if (media['x-line-schema']) {
              for (const line of String(media.example).trim().split('\n')) check(pointer(...at, 'x-line-schema'), JSON.parse(line), `${m} ${p} ${status} example line`);
            } else check(pointer(...at, 'schema'), media.example, `${m} ${p} ${status} example`);
            n++;
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
async function conforms(res: HttpResponse, p: string, method: string): Promise<string> {
  const described = doc.paths[p]?.[method]?.responses[String(res.status)];
  if (!described) throw new Error(`${method} ${p} answered ${res.status}, which is not described`);
  const type = (res.headers.get('content-type') ?? '').split(';')[0].trim();
  const media = described.content?.[type];
  if (!media) throw new Error(`${method} ${p} ${res.status} answered ${type}, which is not described`);
  for (const [name] of res.headers) {
    if (name.startsWith('x-yibao-') || name === 'x-request-id') expect([p, name, Object.keys(described.headers ?? {}).includes(name)]).toEqual([p, name, true]);
  }
  const text = await res.text();
  const at = ['paths', p, method, 'responses', String(res.status), 'content', type];
  if (media['x-line-schema']) {
    for (const line of text.trim().split('\n')) check(pointer(...at, 'x-line-schema'), JSON.parse(line), `${method} ${p} line`);
  } else check(pointer(...at, 'schema'), type.endsWith('json') ? JSON.parse(text) : text, `${method} ${p} ${res.status}`);
  if (type === 'text/csv' && typeof media.example === 'string') expect(text.split('\n')[0]).toBe(media.example.split('\n')[0]);
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
    await conforms(await budgetHandler(request({ path: '/api/budget?year=2024', body: roster, headers: { accept: 'text/csv' } }), context()), '/api/budget', 'post');
    await conforms(await compareHandler(request({ path: `/api/scenarios/compare?scenario=${scenario}`, body: claims }), context()), '/api/scenarios/compare', 'post');
    await conforms(await compareHandler(request({ path: `/api/scenarios/compare?scenario=${scenario}`, body: claims, headers: { accept: 'text/csv' } }), context()), '/api/scenarios/compare', 'post');
    const none = await compareHandler(request({ path: '/api/scenarios/compare', body: claims }), context());
    expect(none.status).toBe(400);
    await conforms(none, '/api/scenarios/compare', 'post');
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
