// The local host as a service: every bad request answered with problem JSON carrying the request id,
// the request id on every answer, and one structured access line per request that holds neither a
// person's id number nor a function key.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { ROOT } from './helpers';
import { startHost, until, type LocalHost } from './local-host';

let host: LocalHost;

beforeAll(async () => { host = await startHost(); }, 60000);
afterAll(async () => { await host?.stop(); });

/** Send raw bytes, half-close, and read the whole answer. */
function raw(bytes: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port: host.port }, () => { s.end(bytes); });
    let got = '';
    s.on('data', (d) => (got += String(d)));
    s.on('end', () => resolve(got));
    s.on('error', reject);
  });
}

interface Problem { type: string; status: number; title: string; zh: string; en: string; code: string; requestId: string }

function problemOf(answer: string): { status: number; headers: string; body: Problem } {
  const [head, body] = answer.split('\r\n\r\n');
  return { status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)![1]), headers: head.toLowerCase(), body: JSON.parse(body) as Problem };
}

const HAN = /[\u3400-\u9fff]/;

describe('bad requests on the local host', () => {
  test('a body cut short (Content-Length not reached, then the client stops sending): problem JSON, no stack trace logged', async () => {
    const csv = fs.readFileSync(path.join(ROOT, 'samples', 'claims.csv'));
    const answer = await raw(Buffer.concat([Buffer.from(`POST /api/settle HTTP/1.1\r\nHost: x\r\nx-functions-key: ${host.key}\r\nContent-Type: text/csv\r\nContent-Length: ${csv.length + 500}\r\n\r\n`), csv]));
    const p = problemOf(answer);
    expect(p.status).toBe(400);
    expect(p.headers).toContain('content-type: application/problem+json');
    expect(p.body.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(p.headers).toContain(`x-request-id: ${p.body.requestId}`);
    expect(p.body.zh).toMatch(HAN);
    expect(p.body.en).not.toMatch(HAN);
  });

  test('a chunked body cut short and a malformed header: problem JSON', async () => {
    let p = problemOf(await raw(`POST /api/settle HTTP/1.1\r\nHost: x\r\nx-functions-key: ${host.key}\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nclaim_id,person_`));
    expect(p.status).toBe(400);
    expect(p.body.type).toBe('about:blank');
    p = problemOf(await raw('GET /api/policies HTTP/1.1\r\nHost: x\r\nNot a header\r\n\r\n'));
    expect(p.status).toBe(400);
    expect(p.body.code).toBe('http');
  });

  test('malformed percent-encoding in the path: 400 (was 500)', async () => {
    const res = await fetch(`${host.base}/api/policies/%E4%ZZ`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as Problem;
    expect(body.code).toBe('path');
    expect(body.requestId).toBe(res.headers.get('x-request-id'));
  });

  test('wrong method: 405 with Allow; unknown route: 404; both problem JSON', async () => {
    let res = await fetch(`${host.base}/api/settle`, { method: 'GET' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    res = await fetch(`${host.base}/api/policies`, { method: 'PUT', body: 'x' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
    res = await fetch(`${host.base}/api/nothing/here`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as Problem).code).toBe('not_found');
    res = await fetch(`${host.base}/`);
    expect(res.status).toBe(404);
  });

  test('the scenario errors are English in en', async () => {
    const res = await fetch(`${host.base}/api/policies/xixiu?scenario=${encodeURIComponent('{not json')}`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as Problem;
    expect(body.zh).toMatch(/^情景文件 不是有效的 JSON/);
    expect(body.en).toMatch(/^the scenario is not valid JSON/);
    expect(body.en).not.toMatch(HAN);
  });
});

describe('health and description through the host', () => {
  test('GET /api/health and /api/openapi.json are anonymous; health sees the host\'s Azurite', async () => {
    const health = await fetch(`${host.base}/api/health`);
    expect(health.status).toBe(200);
    const body = (await health.json()) as { status: string; version: string; storage: { configured: boolean; reachable: boolean } };
    expect(body.status).toBe('ok');
    expect(body.version).toBe((JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
    expect(body.storage).toMatchObject({ configured: true, reachable: true });
    const doc = await fetch(`${host.base}/api/openapi.json`);
    expect(doc.status).toBe(200);
    expect(((await doc.json()) as { openapi: string }).openapi).toBe('3.1.0');
  });
});

describe('request ids and logs', () => {
  test('every answer carries x-request-id; a sane incoming one is kept, an unsafe one replaced', async () => {
    let res = await fetch(`${host.base}/api/policies/xixiu`, { headers: { 'x-request-id': 'office-42.a:b_c' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('office-42.a:b_c');
    res = await fetch(`${host.base}/api/policies/xixiu`, { headers: { 'x-request-id': 'bad id\twith "quotes"' } });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const a = (await fetch(`${host.base}/api/policies/nowhere`)).headers.get('x-request-id');
    const b = (await fetch(`${host.base}/api/policies/nowhere`)).headers.get('x-request-id');
    expect(a).not.toBe(b);
    // a problem from the app (unknown city) carries the same id in its body
    res = await fetch(`${host.base}/api/policies/nowhere`, { headers: { 'x-request-id': 'trace-7' } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as Problem).requestId).toBe('trace-7');
  });

  test('one JSON access line a request, with route template, status, bytes, ms and id; never an id number, a body or a key', async () => {
    const idNumber = '11010519491231002X';
    const ledger = `claim_id,person_id,category,city,date,kind,hospital_level,total,compliant,basic_paid\nK-1,${idNumber},dibao,linyi,2024-02-10,inpatient,city,60000,50000,30000\n`;
    const res = await fetch(`${host.base}/api/settle?code=${host.key}`, { method: 'POST', body: ledger, headers: { 'content-type': 'text/csv', 'x-request-id': 'settle-log-1' } });
    expect(res.status).toBe(200);
    const text = await res.text();
    const path404 = await fetch(`${host.base}/api/persons/${idNumber}?code=${host.key}`, { headers: { 'x-request-id': 'path-log-1' } });
    expect(path404.status).toBe(404);
    await until(() => host.logs().some((l) => l.requestId === 'settle-log-1' && l.type === 'access') && host.logs().some((l) => l.requestId === 'path-log-1'), 5000, 'the access lines');
    const access = host.logs().filter((l) => l.requestId === 'settle-log-1' && l.type === 'access');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({ level: 'info', method: 'POST', route: 'settle', status: 200, bytes: Buffer.byteLength(text) });
    expect(typeof access[0].ms).toBe('number');
    expect(typeof access[0].time).toBe('string');
    expect(host.logs().filter((l) => l.requestId === 'path-log-1')).toEqual([expect.objectContaining({ type: 'access', route: null, status: 404 })]);
    const all = host.out();
    expect(all).not.toContain(idNumber);
    expect(all.split('\n').filter((l) => l.includes(host.key)).every((l) => !l.startsWith('{'))).toBe(true);
    expect(all).not.toMatch(/\n\s+at /); // no stack trace anywhere
    // every log line is JSON with a time and a level
    for (const l of all.split('\n').filter((x) => x.startsWith('{'))) expect(JSON.parse(l)).toEqual(expect.objectContaining({ time: expect.any(String), level: expect.any(String) }));
  });
});
