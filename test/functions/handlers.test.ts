// Each HTTP handler called as the host calls it: HttpRequest + InvocationContext. Figures worked by
// hand from the spec (section 9 and the rules of sections 2–7), not taken from the code under test.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { settleHandler } from '../../functions/handlers/settle';
import { budgetHandler } from '../../functions/handlers/budget';
import { compareHandler } from '../../functions/handlers/compare';
import { policiesHandler } from '../../functions/handlers/policies';
import { CsvScanner } from '../../engine/ledger/scan';
import { request, streamRequest, context, ROOT, SPEC_HEADER } from './helpers';

const SAMPLE = fs.readFileSync(path.join(ROOT, 'samples', 'claims.csv'), 'utf8');
const SECTION9 = 'S9,P1,dibao,linyi,2024-02-10,inpatient,,60000,50000,30000';
const csvHeaders = { 'content-type': 'text/csv' };

async function problemOf(res: { status: number; headers: Headers; json(): Promise<unknown> }) {
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body.status).toBe(res.status);
  expect(String(body.zh)).toMatch(/[\u4e00-\u9fff]/); // Chinese
  expect(String(body.en)).toMatch(/[a-z]{3}/); // and English
  expect(body.detail).toBe(`${body.zh} (${body.en})`);
  expect(JSON.stringify(body)).not.toMatch(/\n\s+at |\.ts:\d+/); // never a stack trace
  return body;
}

afterEach(() => {
  delete process.env.YIBAO_MAX_BODY_BYTES;
});

describe('POST /api/settle', () => {
  test('the sample ledger: results as CSV, then the rejected rows with their line numbers', async () => {
    const res = await settleHandler(request({ path: '/api/settle', body: SAMPLE, headers: csvHeaders }), context());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('x-yibao-read')).toBe('40');
    expect(res.headers.get('x-yibao-rejected')).toBe('2');
    const [results, rejected] = (await res.text()).split('\n\n');
    const lines = results.trim().split('\n');
    expect(lines[0]).toBe('claim_id,basic,critical,assistance,reassist,oop_compliant,oop_total,warning,notes');
    expect(lines).toHaveLength(39);
    // spec section 9: basic 30,000, critical 9,100, assistance 7,630, reassist 0, oop 3,270 / 13,270
    expect(lines[1]).toBe('LY-0001,30000.00,9100.00,7630.00,0.00,3270.00,13270.00,,');
    // the same person's next claim, by hand: basic 10,000 × 0.70 = 7,000; critical 0.65 × (23,000 − 6,000) − 9,100 = 1,950;
    // assistance 0.70 × 11,950 − 7,630 = 735; oop_total 12,000 − 7,000 − 1,950 − 735 = 2,315
    expect(lines[2]).toBe('LY-0002,7000.00,1950.00,735.00,0.00,315.00,2315.00,,');
    const rej = rejected.trim().split('\n');
    expect(rej[0]).toBe('line,claim_id,reason_zh,reason_en');
    expect(rej[1]).toMatch(/^15,LY-0014,临沂市没有“监测人口”/);
    expect(rej[2]).toMatch(/^41,XX-0013,日期“2024-02-30”无效/);
  });

  test('NDJSON in and out (Accept), with the summary line last', async () => {
    const body = [
      JSON.stringify({ claim_id: 'S9', person_id: 'P1', category: '低保对象', city: '临沂', date: '2024-02-10', kind: 'inpatient', total: 60000, compliant: '50000', basic_paid: 30000 }),
      '',
      '{"claim_id": "bad", "total": [1]}',
      'not json',
    ].join('\n');
    const res = await settleHandler(request({ path: '/api/settle', body, headers: { 'content-type': 'application/x-ndjson', accept: 'application/x-ndjson' } }), context());
    expect(res.status).toBe(200);
    const out = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(out[0]).toMatchObject({ type: 'result', claim_id: 'S9', basic: '30000.00', critical: '9100.00', assistance: '7630.00', reassist: '0.00', oop_compliant: '3270.00', oop_total: '13270.00' });
    expect(out[1]).toMatchObject({ type: 'rejected', line: 3, claim_id: 'bad' });
    expect(out[2]).toMatchObject({ type: 'rejected', line: 4 });
    expect(out[2].reason_zh).toMatch(/JSON/);
    expect(out[3]).toMatchObject({ type: 'summary', read: 3, settled: 1, rejected: 2 });
  });

  test('?summary=city: one group per city, adding up to the ledger', async () => {
    const res = await settleHandler(request({ path: '/api/settle?summary=city', body: SAMPLE, headers: csvHeaders }), context());
    expect(res.status).toBe(200);
    const s = (await res.json()) as { rows: { city: string; claims: number; total: string }[]; totals: { claims: number; total: string; compliant: string }; rejections: { line: number }[] };
    expect(s.rows.map((r) => [r.city, r.claims])).toEqual([['linyi', 13], ['luan', 13], ['xixiu', 12]]);
    // totals of the input's own columns over the settled rows (the two rejected are lines 15 and 41)
    const settled = SAMPLE.trim().split('\n').slice(1).filter((_, i) => ![13, 39].includes(i)).map((l) => l.split(','));
    const sum = (col: number) => settled.reduce((t, c) => t + Math.round(Number(c[col]) * 100), 0) / 100;
    expect(Number(s.totals.total)).toBeCloseTo(sum(7), 2);
    expect(Number(s.totals.compliant)).toBeCloseTo(sum(8), 2);
    expect(s.rejections.map((r) => r.line)).toEqual([15, 41]);
  });

  test('a scenario: Linyi dibao assistance at 75% on the section-9 claim', async () => {
    const scenario = encodeURIComponent(JSON.stringify({ name: 'ly75', city: 'linyi', overrides: { 'assistance.dibao.rate': 0.75 } }));
    const res = await settleHandler(request({ path: `/api/settle?scenario=${scenario}`, body: `${SPEC_HEADER}\n${SECTION9}\n` }), context());
    // assistance 10,900 × 0.75 = 8,175 (under the 10,000 cap); oop_compliant 10,900 − 8,175 = 2,725
    expect((await res.text()).split('\n')[1]).toBe('S9,30000.00,9100.00,8175.00,0.00,2725.00,12725.00,,');
  });

  test.each([
    ['missing columns', { body: 'claim_id,person_id\n1,2\n' }, 422, /缺少必需的列/],
    ['wrong delimiter', { body: 'claim_id;person_id;category;city;date;kind;total;compliant\n' }, 422, /分隔符/],
    ['empty body', { body: '' }, 400, /请求体为空/],
    ['unsupported Content-Type', { body: '{}', headers: { 'content-type': 'application/json' } }, 415, /text\/csv/],
    ['unsupported Accept', { body: SAMPLE, headers: { accept: 'application/pdf' } }, 406, /Accept/],
    ['a scenario with __proto__', { path: `/api/settle?scenario=${encodeURIComponent('{"overrides":{"__proto__":{"x":1}}}')}`, body: SAMPLE }, 400, /__proto__/],
    ['an unknown parameter in a scenario', { path: `/api/settle?scenario=${encodeURIComponent('{"overrides":{"assistance.dibao.ratio":1}}')}`, body: SAMPLE }, 400, /不是已知参数名/],
    ['an unknown summary group', { path: '/api/settle?summary=county,colour', body: SAMPLE }, 400, /colour/],
    ['an unknown format', { path: '/api/settle?format=xlsx', body: SAMPLE }, 400, /format/],
  ] as const)('%s: a 4xx with Chinese and English', async (_name, opts, status, zh) => {
    const o = opts as { path?: string; body: string; headers?: Record<string, string> };
    const res = await settleHandler(request({ path: o.path ?? '/api/settle', body: o.body, headers: o.headers }), context());
    expect(res.status).toBe(status);
    const p = await problemOf(res);
    expect(String(p.zh)).toMatch(zh);
  });

  test('a body over the limit → 413: from Content-Length before reading, or while streaming', async () => {
    process.env.YIBAO_MAX_BODY_BYTES = '1000';
    let pulls = 0;
    const stream = () => new ReadableStream<Uint8Array>({ pull(c) { pulls++; c.enqueue(new TextEncoder().encode(`${SPEC_HEADER}\n`.padEnd(600, ' '))); } });
    let res = await settleHandler(streamRequest('/api/settle', stream(), { 'content-length': '5000' }), context());
    expect(res.status).toBe(413);
    expect(String((await problemOf(res)).zh)).toMatch(/YIBAO_MAX_BODY_BYTES/);
    expect(pulls).toBeLessThanOrEqual(1); // at most what the stream pre-fills: not read through
    pulls = 0;
    res = await settleHandler(streamRequest('/api/settle', stream()), context());
    expect(res.status).toBe(413);
    expect(pulls).toBeLessThan(5); // stopped just past 1,000 bytes of an endless body
  });

  test('a 50 MB body is parsed as it arrives, not buffered whole', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const scanned = jest.spyOn(CsvScanner.prototype, 'push'); // the one CSV scanner (readCsvStream, BulkLedger)
    const MB = 1024 * 1024;
    const total = 50;
    let sent = 0;
    let parsedBeforeEnd = false;
    const heap: number[] = [];
    gc();
    const base = process.memoryUsage().heapUsed;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent === 0) c.enqueue(Buffer.from(`${SPEC_HEADER}\n${SECTION9}\n`));
        else if (sent <= total) c.enqueue(new Uint8Array(MB).fill(10)); // 50 MB of blank lines
        else {
          c.enqueue(Buffer.from('S9b,P1,dibao,linyi,2024-05-18,inpatient,,12000,10000,\n'));
          c.close();
        }
        if (sent === 10) {
          parsedBeforeEnd = scanned.mock.calls.length > 0;
          scanned.mockRestore(); // the spy keeps every argument: let go of them before measuring
        }
        if (sent > 10 && sent % 10 === 5) { gc(); heap.push(process.memoryUsage().heapUsed - base); }
        sent++;
      },
    }, { highWaterMark: 0 });
    const res = await settleHandler(streamRequest('/api/settle', body, csvHeaders), context());
    expect(res.status).toBe(200);
    const out = (await res.text()).trim().split('\n');
    expect(out).toEqual([
      'claim_id,basic,critical,assistance,reassist,oop_compliant,oop_total,warning,notes',
      'S9,30000.00,9100.00,7630.00,0.00,3270.00,13270.00,,',
      'S9b,7000.00,1950.00,735.00,0.00,315.00,2315.00,,',
    ]);
    expect(sent).toBe(total + 2);
    expect(parsedBeforeEnd).toBe(true); // records were parsed while the body was still arriving
    expect(Math.max(...heap)).toBeLessThan(16 * MB); // far below the 50 MB a buffered body would hold
  });
});

describe('POST /api/budget', () => {
  const roster = [
    'person_id,id_number,city,county,category,included_on,exited_on',
    'LY003,371302196001010130,linyi,兰山区,dibao,2022-05-10,',
    'LY004,371302197111200140,linyi,兰山区,dibao,2022-05-10,',
    'LY009,12345,linyi,兰山区,dibao,2022-05-10,',
  ].join('\n');

  test('two Linyi dibao persons in 2024: 150 each from the assistance fund, the rest of 380 from county finance', async () => {
    const res = await budgetHandler(request({ path: '/api/budget?year=2024', body: roster }), context());
    expect(res.status).toBe(200);
    const b = (await res.json()) as { totals: Record<string, unknown>; rows: Record<string, unknown>[]; read: number; rejected: { line: number; reason_zh: string }[] };
    expect(b.totals).toEqual({ persons: 2, assistance_fund: '300.00', county_finance: '460.00', individual: '0.00' });
    expect(b.rows).toEqual([{ city: 'linyi', county: '兰山区', category: 'dibao', persons: 2, assistance_fund: '300.00', county_finance: '460.00', individual: '0.00' }]);
    expect(b.read).toBe(3);
    expect(b.rejected.map((r) => r.line)).toEqual([4]); // the malformed ID number
  });

  test('no year → 400; a JSON body → 415', async () => {
    let res = await budgetHandler(request({ path: '/api/budget', body: roster }), context());
    expect(res.status).toBe(400);
    expect(String((await problemOf(res)).zh)).toMatch(/year/);
    res = await budgetHandler(request({ path: '/api/budget?year=2024', body: '{}', headers: { 'content-type': 'application/json' } }), context());
    expect(res.status).toBe(415);
    await problemOf(res);
  });
});

describe('POST /api/scenarios/compare', () => {
  test('baseline and a scenario with their difference (Linyi dibao assistance 70% → 75%)', async () => {
    const scenario = encodeURIComponent(JSON.stringify({ name: 'ly75', city: 'linyi', overrides: { 'assistance.dibao.rate': 0.75 } }));
    const res = await compareHandler(request({ path: `/api/scenarios/compare?scenario=${scenario}`, body: `${SPEC_HEADER}\n${SECTION9}\n` }), context());
    expect(res.status).toBe(200);
    const c = (await res.json()) as { baseline: { totals: Record<string, string> }; scenarios: { name: string; totals: Record<string, string>; diff: Record<string, string> }[] };
    expect(c.baseline.totals.assistance).toBe('7630.00');
    expect(c.scenarios[0].name).toBe('ly75');
    expect(c.scenarios[0].totals.assistance).toBe('8175.00');
    expect(c.scenarios[0].diff.assistance).toBe('545.00');
    expect(c.scenarios[0].diff.oop_compliant).toBe('-545.00');
  });

  test('no scenario → 400', async () => {
    const res = await compareHandler(request({ path: '/api/scenarios/compare', body: SAMPLE }), context());
    expect(res.status).toBe(400);
    expect(String((await problemOf(res)).zh)).toMatch(/scenario/);
  });
});

describe('GET /api/policies', () => {
  test('every city, each parameter with value, status, source and effective date', async () => {
    const res = await policiesHandler(request({ method: 'GET', path: '/api/policies?date=2024-06-01' }), context());
    expect(res.status).toBe(200);
    const p = (await res.json()) as { cities: { id: string; parameters: { name: string; value: string; status: string; source: string; effective: string }[] }[] };
    expect(p.cities.map((c) => c.id).sort()).toEqual(['linyi', 'luan', 'xixiu']);
    const linyi = p.cities.find((c) => c.id === 'linyi')!;
    const ded = linyi.parameters.find((x) => x.name === 'critical.deductible')!;
    expect(ded.value).toMatch(/^12,?000/); // spec section 5: 12,000, published, 临医保发〔2022〕13号 三
    expect(ded.status).toBe('published');
    expect(ded.source).toMatch(/临医保发〔2022〕13号/);
    expect(ded.effective).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  test('one city by route parameter; an unknown city → 404 naming the valid ones', async () => {
    let res = await policiesHandler(streamGet('/api/policies/%E4%B8%B4%E6%B2%82', { city: '临沂' }), context());
    expect(res.status).toBe(200);
    expect(((await res.json()) as { id: string }).id).toBe('linyi');
    res = await policiesHandler(streamGet('/api/policies/paris', { city: 'paris' }), context());
    expect(res.status).toBe(404);
    expect(String((await problemOf(res)).zh)).toMatch(/临沂市\(linyi/);
  });
});

function streamGet(p: string, params: Record<string, string>) {
  const { HttpRequest } = jest.requireActual('@azure/functions') as typeof import('@azure/functions');
  return new HttpRequest({ method: 'GET', url: `http://127.0.0.1:7071${p}`, params });
}
