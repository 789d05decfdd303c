// The corpus of bad files (issue 6) through POST /api/settle, called as the host calls it
// (HttpRequest + InvocationContext, the body streamed): the same settled claims, rejected lines and
// reasons as the command line (corpus-cases.ts), the counts in x-yibao-read/settled/rejected adding
// up, and a ledger that cannot be read at all answered with a 4xx problem in Chinese and English.
import { settleHandler } from '../../functions/handlers/settle';
import { compareHandler } from '../../functions/handlers/compare';
import { budgetHandler } from '../../functions/handlers/budget';
import { readCsv } from '../../engine/csv';
import { request, streamRequest, context } from '../functions/helpers';
import { CASES, caseNamed, chunksOf, bytesOf, GBK_DIBAO, isFatal, expectAnswer, expectChineseFirst, MB, LONG_LINE_MB, type Answer, type CorpusCase } from './corpus-cases';

/** The case's bytes as a request body stream, one piece per pull (the large ones are never whole). */
function body(c: CorpusCase, counter?: { pulls: number }): ReadableStream<Uint8Array> {
  const it = chunksOf(c);
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (counter) counter.pulls++;
      const n = it.next();
      if (n.done) controller.close();
      else controller.enqueue(new Uint8Array(n.value.buffer, n.value.byteOffset, n.value.byteLength));
    },
  }, { highWaterMark: 0 });
}

async function post(c: CorpusCase, accept = 'text/csv', counter?: { pulls: number }) {
  return settleHandler(streamRequest('/api/settle', body(c, counter), { 'content-type': 'text/csv', accept }), context());
}

/** A problem answer: status, JSON problem details, Chinese first, no stack or internals. */
async function problemOf(res: Awaited<ReturnType<typeof post>>) {
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const p = (await res.json()) as Record<string, string | number>;
  expect(p.status).toBe(res.status);
  expect(p.detail).toBe(`${p.zh} (${p.en})`);
  expectChineseFirst(String(p.detail));
  expect(Object.keys(p).sort()).toEqual(['code', 'detail', 'en', 'requestId', 'status', 'title', 'type', 'zh']);
  // the request id (the invocation id of helpers' context), in the body and the header
  expect(p.requestId).toBe('test-invocation');
  expect(res.headers.get('x-request-id')).toBe('test-invocation');
  return p;
}

function counts(res: Awaited<ReturnType<typeof post>>) {
  return ['read', 'settled', 'rejected'].map((k) => Number(res.headers.get(`x-yibao-${k}`)));
}

/** The CSV answer: the results, then after one blank line the rejected rows (if any). */
function csvAnswer(text: string, read: number) {
  const cut = text.indexOf('\n\n');
  const results = [...readCsv(cut < 0 ? text : text.slice(0, cut + 1))].map((r) => r.cells);
  const rejected = cut < 0 ? [] : [...readCsv(text.slice(cut + 2))].map((r) => r.cells);
  expect(results[0]).toEqual(['claim_id', 'basic', 'critical', 'assistance', 'reassist', 'oop_compliant', 'oop_total', 'warning', 'notes']);
  if (cut >= 0) expect(rejected[0]).toEqual(['line', 'claim_id', 'reason_zh', 'reason_en']);
  const answer: Answer = {
    read,
    settled: results.slice(1).map((cells) => cells[0]),
    rejected: rejected.slice(1).map(([line, claim_id, reason_zh, reason_en]) => ({ line: Number(line), claim_id, reason_zh, reason_en })),
  };
  return { answer, results: results.slice(1) };
}

let saved: string | undefined;
beforeAll(() => {
  saved = process.env.YIBAO_MAX_BODY_BYTES;
  // Room for the two large cases (50 MB and 51 MB) and no more: they must run through, under a limit.
  process.env.YIBAO_MAX_BODY_BYTES = String(64 * MB);
});
afterAll(() => {
  if (saved === undefined) delete process.env.YIBAO_MAX_BODY_BYTES;
  else process.env.YIBAO_MAX_BODY_BYTES = saved;
});

describe.each(CASES.map((c) => [c.title, c] as const))('%s', (_title, c) => {
  test('POST /api/settle, CSV answer', async () => {
    const res = await post(c);
    if (isFatal(c.expect)) {
      expect(res.status).toBe(422);
      const p = await problemOf(res);
      expect(String(p.zh)).toMatch(c.expect.fatal);
      return;
    }
    expect(res.status).toBe(200);
    const [read, settled, rejected] = counts(res);
    expect(read).toBe(settled + rejected);
    const { answer, results } = csvAnswer(await res.text(), read);
    expect([answer.settled.length, answer.rejected.length]).toEqual([settled, rejected]);
    expectAnswer(answer, c.expect);
    for (const [id, amounts] of Object.entries(c.amounts ?? {})) {
      expect(results.find((cells) => cells[0] === id)?.slice(1, 7)).toEqual(amounts);
    }
  });

  if (!c.large) {
    test('POST /api/settle, NDJSON answer: the same rows, and the summary line adds up', async () => {
      const res = await post(c, 'application/x-ndjson');
      if (isFatal(c.expect)) {
        expect(res.status).toBe(422);
        expect(String((await problemOf(res)).zh)).toMatch(c.expect.fatal);
        return;
      }
      const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as Record<string, string & number>);
      const summary = lines.pop()!;
      expect(summary.type).toBe('summary');
      const answer: Answer = {
        read: summary.read,
        settled: lines.filter((l) => l.type === 'result').map((l) => l.claim_id),
        rejected: lines.filter((l) => l.type === 'rejected').map((l) => ({ line: l.line, claim_id: l.claim_id ?? '', reason_zh: l.reason_zh, reason_en: l.reason_en })),
      };
      expect(lines).toHaveLength(answer.settled.length + answer.rejected.length);
      expect([summary.settled, summary.rejected]).toEqual([answer.settled.length, answer.rejected.length]);
      expectAnswer(answer, c.expect);
    });
  }
});

test(`over the body limit: the ${LONG_LINE_MB} MB line is refused with 413 as it arrives, not read to its end`, async () => {
  process.env.YIBAO_MAX_BODY_BYTES = String(LONG_LINE_MB * MB); // the file is a little over 50 MB
  try {
    const counter = { pulls: 0 };
    const res = await post(caseNamed('long-line'), 'text/csv', counter);
    expect(res.status).toBe(413);
    const p = await problemOf(res);
    expect(String(p.zh)).toMatch(/^请求体超过上限 50 MB（应用设置 YIBAO_MAX_BODY_BYTES）/);
    expect(counter.pulls).toBeLessThanOrEqual(LONG_LINE_MB + 2); // stopped at the limit (header piece + 50 × 1 MB + the next)
  } finally {
    process.env.YIBAO_MAX_BODY_BYTES = String(64 * MB);
  }
});

test('GBK is refused by every reader of a request body: NDJSON, the scenario comparison and the budget roster', async () => {
  const ndjson = Buffer.concat([Buffer.from('{"claim_id":"c1","person_id":"p1","category":"'), GBK_DIBAO, Buffer.from('","city":"linyi","date":"2023-05-01","kind":"inpatient","total":"1","compliant":"1"}\n')]);
  const roster = Buffer.concat([Buffer.from('person_id,id_number,city,county,category,included_on,exited_on\nLY003,371302196001010130,linyi,'), GBK_DIBAO, Buffer.from(',dibao,2022-05-10,\n')]);
  const answers = [
    await settleHandler(request({ path: '/api/settle', body: ndjson, headers: { 'content-type': 'application/x-ndjson' } }), context()),
    await compareHandler(request({ path: `/api/scenarios/compare?scenario=${encodeURIComponent('{"name":"ly75","city":"linyi","overrides":{"assistance.dibao.rate":0.75}}')}`, body: bytesOf(caseNamed('gbk')), headers: { 'content-type': 'text/csv' } }), context()),
    await budgetHandler(request({ path: '/api/budget?year=2024', body: roster, headers: { 'content-type': 'text/csv' } }), context()),
  ];
  for (const res of answers) {
    expect(res.status).toBe(422);
    expect(String((await problemOf(res)).zh)).toMatch(/^请求体不是 UTF-8 编码（可能是 GBK）/);
  }
});

test('a 413 is also answered at once from a Content-Length over the limit, before the body is read', async () => {
  const counter = { pulls: 0 };
  const c = caseNamed('duplicates');
  const res = await settleHandler(streamRequest('/api/settle', body(c, counter), { 'content-type': 'text/csv', 'content-length': String(65 * MB) }), context());
  expect(res.status).toBe(413);
  expect(String((await problemOf(res)).zh)).toMatch(/^请求体超过上限 64 MB/);
  expect(counter.pulls).toBeLessThanOrEqual(1);
});
