// POST /api/settle on the bulk path (engine/bulk BulkLedger), on this thread and on a worker thread
// (functions/settle-pool.ts): the same bytes as the ordinary path (readLedger + settleLedger, what
// YIBAO_SETTLE_BULK=0 forces), x-yibao-path saying which path answered, the ordinary path for what the
// bulk path cannot take, and the same problem details for errors wherever they arise.
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { settleHandler } from '../../functions/handlers/settle';
import { setSettleWorkerFile, closeSettleWorkers, WorkerJob } from '../../functions/settle-pool';
import { toProblem } from '../../functions/problem';
import { utf8Checked } from '../../functions/body';
import { defaultBook, YibaoError } from '../../engine';
import { BulkLedger } from '../../engine/ledger/bulk';
import { generateLedger } from '../oracle/gen-ledger';
import { withBadRows } from '../bulk/ledgers';
import { exportOf, ndjsonOf } from '../nhsa/forms';
import { streamRequest, context, ROOT, SPEC_HEADER } from './helpers';
import { ensureBuilt } from './local-host';

const WORKER = path.join(ROOT, 'dist', 'functions', 'settle-worker.js');
const NDJSON = 'application/x-ndjson';
const ENV = ['YIBAO_SETTLE_BULK', 'YIBAO_SETTLE_BULK_MIN_BYTES', 'YIBAO_SETTLE_WORKERS', 'YIBAO_SETTLE_WORKER_BYTES', 'YIBAO_MAX_BODY_BYTES'];

beforeAll(() => {
  // npm test builds first (pretest); build here too when the sources are newer than the worker.
  ensureBuilt(WORKER);
  setSettleWorkerFile(WORKER);
}, 120000);

afterEach(() => {
  for (const k of ENV) delete process.env[k];
});

afterAll(() => closeSettleWorkers());

/** The body as a stream in pieces of `piece` bytes (a new buffer each, as a socket gives them). */
function body(bytes: Buffer, piece: number, pulls?: { n: number }): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (pulls) pulls.n++;
      if (at >= bytes.length) return c.close();
      c.enqueue(Uint8Array.prototype.slice.call(bytes, at, at + piece));
      at += piece;
    },
  }, { highWaterMark: 0 });
}

interface Answer { status: number; type: string | null; path: string | null; counts: string; text: string }

async function post(bytes: Buffer | string, o: { accept?: string; query?: string; piece?: number; type?: string; env?: Record<string, string> } = {}): Promise<Answer> {
  const saved = ENV.map((k) => process.env[k]);
  Object.assign(process.env, o.env ?? {});
  try {
    const b = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    const res = await settleHandler(streamRequest(`/api/settle${o.query ?? ''}`, body(b, o.piece ?? 65536), { 'content-type': o.type ?? 'text/csv', accept: o.accept ?? 'text/csv' }), context());
    const counts = ['read', 'settled', 'rejected'].map((k) => res.headers.get(`x-yibao-${k}`)).join('/');
    return { status: res.status, type: res.headers.get('content-type'), path: res.headers.get('x-yibao-path'), counts, text: await res.text() };
  } finally {
    ENV.forEach((k, i) => (saved[i] === undefined ? delete process.env[k] : (process.env[k] = saved[i])));
  }
}

const ORDINARY = { YIBAO_SETTLE_BULK: '0' };
const INLINE = { YIBAO_SETTLE_WORKERS: '0' };
const ANY_SIZE = { YIBAO_SETTLE_BULK_MIN_BYTES: '0' };
const ON_WORKER = { YIBAO_SETTLE_WORKER_BYTES: String(64 * 1024) };

/** The answer without the header that names the path. */
const same = (a: Answer) => ({ status: a.status, type: a.type, counts: a.counts, text: a.text });

const LEDGERS = [1, 2, 3].map((seed) => withBadRows(generateLedger(seed, 3000), seed));
const SCENARIO = `?scenario=${encodeURIComponent(JSON.stringify({ name: 'ly75', city: 'linyi', overrides: { 'assistance.dibao.rate': 0.75 } }))}`;

describe('the bulk path answers what the ordinary path answers, byte for byte', () => {
  test.each([
    ['CSV', 0, 'text/csv', ''],
    ['NDJSON', 1, NDJSON, ''],
    ['CSV with a scenario', 2, 'text/csv', SCENARIO],
    ['NDJSON with a scenario', 0, NDJSON, SCENARIO],
  ] as const)('%s answer, on this thread and on a worker', async (_name, k, accept, query) => {
    const text = LEDGERS[k];
    expect(text).toMatch(/^"multi\nline",|^=cmd,|^"a,b""c",/m); // quoted ids, a line break in one, an apostrophe to put before one
    const want = await post(text, { accept, query, env: ORDINARY });
    expect(want.path).toBe('ledger');
    expect(want.status).toBe(200);
    expect(Number(want.counts.split('/')[2])).toBeGreaterThan(100); // rejected rows in the answer too
    const here = await post(text, { accept, query, piece: 4093, env: INLINE });
    expect(here.path).toBe('bulk');
    expect(same(here)).toEqual(same(want));
    const worker = await post(text, { accept, query, piece: 7919, env: ON_WORKER });
    expect(worker.path).toBe('bulk-worker');
    expect(same(worker)).toEqual(same(want));
  });

  test('a body of a few claims takes the ordinary path (quicker there); from 4 KB the bulk path, on this thread', async () => {
    const row = (i: number) => `S${i},P1,dibao,linyi,2024-02-${String(10 + (i % 18)).padStart(2, '0')},inpatient,,60000,50000,30000\n`;
    const few = `${SPEC_HEADER}\n${row(0)}`;
    const tiny = await post(few);
    expect(tiny.path).toBe('ledger');
    expect(tiny.text).toBe('claim_id,basic,critical,assistance,reassist,oop_compliant,oop_total,warning,notes\nS0,30000.00,9100.00,7630.00,0.00,3270.00,13270.00,,\n');
    const forced = await post(few, { env: ANY_SIZE });
    expect(forced.path).toBe('bulk');
    expect(same(forced)).toEqual(same(tiny));
    const more = `${SPEC_HEADER}\n${Array.from({ length: 80 }, (_, i) => row(i)).join('')}`;
    expect(more.length).toBeGreaterThan(4096);
    const bulk = await post(more);
    expect(bulk.path).toBe('bulk');
    expect(same(bulk)).toEqual(same(await post(more, { env: ORDINARY })));
  });

  test('a claim_id starting with an apostrophe before = : the NDJSON answer goes to the ordinary path, the CSV answer stays', async () => {
    // csvCell writes both '=x and =x as '=x: read back from CSV, only the ordinary path knows which it was
    const text = `${SPEC_HEADER}\n'=x,P1,dibao,linyi,2024-02-10,inpatient,,100,100,\n=y,P2,dibao,linyi,2024-02-10,inpatient,,100,100,\n`;
    const nd = await post(text, { accept: NDJSON, env: ANY_SIZE });
    expect(nd.path).toBe('ledger');
    const ids = nd.text.trim().split('\n').slice(0, 2).map((l) => JSON.parse(l).claim_id);
    expect(ids).toEqual(["'=x", '=y']);
    const csv = await post(text, { env: ANY_SIZE });
    expect(csv.path).toBe('bulk');
    expect(same(csv)).toEqual(same(await post(text, { env: ORDINARY })));
    // without such an apostrophe, =y comes back as =y on the bulk path
    const plain = await post(`${SPEC_HEADER}\n=y,P2,dibao,linyi,2024-02-10,inpatient,,100,100,\n`, { accept: NDJSON, env: ANY_SIZE });
    expect(plain.path).toBe('bulk');
    expect(JSON.parse(plain.text.split('\n')[0]).claim_id).toBe('=y');
  });
});

describe('every form of body on the bulk path, byte for byte', () => {
  const exp = exportOf(5, 3000, { cityColumn: false, categoryHeader: '人员类别' });
  const forms = [
    ['a national platform export (its own names and answer)', fs.readFileSync(path.join(ROOT, 'samples', 'nhsa-export.csv'), 'utf8'), 'text/csv', ''],
    ['a generated export with ?city= and ?category_column=', exp, 'text/csv', `?city=linyi&category_column=${encodeURIComponent('人员类别')}`],
    ['the export with ?format=spec', exp, 'text/csv', `?city=linyi&category_column=${encodeURIComponent('人员类别')}&format=spec`],
    ['NDJSON claims', ndjsonOf(LEDGERS[0], 1), NDJSON, ''],
    ['NDJSON claims with a scenario and ?format=nhsa', ndjsonOf(LEDGERS[1], 2), NDJSON, `${SCENARIO}&format=nhsa`],
  ] as const;
  test.each(forms)('%s: CSV and NDJSON answers, on this thread and on a worker', async (_name, text, type, query) => {
    for (const accept of ['text/csv', NDJSON]) {
      const want = await post(text, { type, accept, query, env: ORDINARY });
      expect(want.path).toBe('ledger');
      expect(want.status).toBe(200);
      expect(Number(want.counts.split('/')[1])).toBeGreaterThan(5);
      const here = await post(text, { type, accept, query, piece: 4093, env: { ...INLINE, ...ANY_SIZE } });
      expect(here.path).toBe('bulk');
      expect(same(here)).toEqual(same(want));
      const worker = await post(text, { type, accept, query, piece: 7919, env: { ...ON_WORKER, YIBAO_SETTLE_WORKER_BYTES: '1024', ...ANY_SIZE } });
      expect(worker.path).toBe('bulk-worker');
      expect(same(worker)).toEqual(same(want));
    }
  });

  test('the forms whose answers name the platform\'s columns do so, and rejected rows come back', async () => {
    const a = await post(exp, { query: `?city=linyi&category_column=${encodeURIComponent('人员类别')}`, env: ANY_SIZE });
    expect(a.text.split('\n')[0]).toMatch(/^setl_id,hifp_pay,hifmi_pay,/);
    expect(Number(a.counts.split('/')[2])).toBeGreaterThan(10);
    const nd = await post(ndjsonOf(LEDGERS[1], 2), { type: NDJSON, accept: NDJSON, query: '?format=nhsa', env: ANY_SIZE });
    expect(JSON.parse(nd.text.split('\n')[0])).toHaveProperty('setl_id');
    expect(nd.text).toMatch(/"type":"rejected".*不是有效的 JSON/);
  });

  test('?summary= of an export and of NDJSON: the engine run on the pool, as the ordinary path sums', async () => {
    for (const [text, type] of [[exp, 'text/csv'], [ndjsonOf(LEDGERS[0], 1), NDJSON]] as const) {
      const query = `?summary=county,category${type === 'text/csv' ? `&city=linyi&category_column=${encodeURIComponent('人员类别')}` : ''}`;
      const got = await post(text, { type, query, accept: 'application/json' });
      expect(got.path).toBe('bulk-worker');
      expect(same(got)).toEqual(same(await post(text, { type, query, accept: 'application/json', env: ORDINARY })));
    }
  });

  test('a few NDJSON claims take the ordinary path; an empty NDJSON body is the same 400', async () => {
    const nd = await post(`${JSON.stringify({ claim_id: 'S9', person_id: 'P1', category: 'dibao', city: 'linyi', date: '2024-02-10', kind: 'inpatient', total: '60000', compliant: '50000', basic_paid: '30000' })}\n`, { type: NDJSON, accept: NDJSON });
    expect(nd.path).toBe('ledger');
    expect(JSON.parse(nd.text.split('\n')[0])).toMatchObject({ type: 'result', claim_id: 'S9', assistance: '7630.00' });
    const blank = '\n'.repeat(5000);
    const here = await post(blank, { type: NDJSON, env: ANY_SIZE });
    expect(here.status).toBe(400);
    expect(here.status).toBe((await post(blank, { type: NDJSON, env: ORDINARY })).status);
  });

  test('a claim_id over 4,096 bytes late in the body: BulkLedger hands it back, the ordinary path reads the body from its first byte', async () => {
    const lines = LEDGERS[1].trimEnd().split('\n');
    lines.splice(lines.length - 5, 0, `${'L'.repeat(5000)},P-long,dibao,linyi,2024-03-01,inpatient,,100,100,`);
    const text = lines.join('\n') + '\n';
    const want = await post(text, { env: ORDINARY });
    expect(want.text).toContain(`\n${'L'.repeat(5000)},70.00,`);
    for (const env of [INLINE, ON_WORKER]) {
      const got = await post(text, { piece: 5003, env });
      expect(got.path).toBe('ledger');
      expect(same(got)).toEqual(same(want));
    }
  });
});

describe('errors on the worker are the problems of this thread', () => {
  const big = Buffer.from(LEDGERS[2]);

  test('a bad header, a body over the limit, bytes that are not UTF-8 late in a large body: the same problem details', async () => {
    const badHeader = Buffer.concat([Buffer.from('claim_id,person_id,category\n'), big]);
    const gbk = Buffer.concat([big, Buffer.from('g1,p1,'), Buffer.from([0xb5, 0xcd, 0xb1, 0xa3]), Buffer.from(',linyi,2023-05-01,inpatient,,1,1,\n')]);
    for (const [bytes, env, status] of [
      [badHeader, {}, 422],
      [big, { YIBAO_MAX_BODY_BYTES: String(big.length - 1000) }, 413],
      [gbk, {}, 422],
    ] as const) {
      const inline = await post(bytes, { env: { ...INLINE, ...env } });
      const worker = await post(bytes, { env: { ...ON_WORKER, ...env } });
      const ordinary = await post(bytes, { env: { ...ORDINARY, ...env } });
      expect(inline.status).toBe(status);
      expect(inline.type).toMatch(/^application\/problem\+json/);
      expect(worker).toEqual(inline);
      expect(ordinary).toEqual(inline);
    }
    // and the worker is free again
    expect((await post(big, { env: ON_WORKER })).path).toBe('bulk-worker');
  });

  test('an error raised in the worker thread comes back as the YibaoError it was, hence the same problem', async () => {
    // the handler checks the header before a worker sees it: here the worker's own check speaks
    const bad = Buffer.from('claim_id;person_id;category;city;date;kind;total;compliant\n1;2;3;4;5;6;7;8\n');
    let inline: unknown;
    try {
      const l = new BulkLedger(defaultBook(), {});
      l.push(bad);
      l.end();
    } catch (e) {
      inline = e;
    }
    expect(inline).toBeInstanceOf(YibaoError);
    const job = await WorkerJob.start({ kind: 'settle', scenario: null, rowsHint: 0, answer: 'csv', input: {} });
    job.push(bad);
    job.end();
    const err = await job.head().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(YibaoError);
    expect(toProblem(err)).toEqual(toProblem(inline));
    expect(toProblem(err).status).toBe(422);
  });

  test('a client that stops reading the answer and cancels it frees the worker', async () => {
    process.env.YIBAO_SETTLE_WORKER_BYTES = String(64 * 1024);
    process.env.YIBAO_SETTLE_WORKERS = '1';
    // an answer of many more pieces (about 256 KB) than the worker may send ahead of the client (4)
    const large = Buffer.from(generateLedger(4, 40000));
    const res = await settleHandler(streamRequest('/api/settle', body(large, 65536), { accept: NDJSON }), context());
    expect(res.headers.get('x-yibao-path')).toBe('bulk-worker');
    const reader = res.body!.getReader();
    await reader.read(); // one piece, then the client is gone
    await reader.cancel();
    // the only worker takes the next body (it would wait for credits for ever otherwise)
    let timer: NodeJS.Timeout | undefined;
    const next = await Promise.race([
      post(big, { env: { ...ON_WORKER, YIBAO_SETTLE_WORKERS: '1' } }),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('the worker was not freed')), 30000))),
    ]).finally(() => clearTimeout(timer));
    expect(next.path).toBe('bulk-worker');
    expect(next.status).toBe(200);
  });
});

describe('reading the body', () => {
  test('records are scanned by BulkLedger while the body still arrives (after its first MB)', async () => {
    const push = jest.spyOn(BulkLedger.prototype, 'push');
    try {
      const MB = 1024 * 1024;
      let sent = 0;
      let pushedBeforeEnd = false;
      const row = 'S9,P1,dibao,linyi,2024-02-10,inpatient,,60000,50000,30000\n';
      const stream = new ReadableStream<Uint8Array>({
        pull(c) {
          if (sent === 0) c.enqueue(Buffer.from(`${SPEC_HEADER}\n${row}`));
          else if (sent <= 6) c.enqueue(new Uint8Array(MB).fill(10)); // blank lines
          else c.close();
          if (sent === 5) pushedBeforeEnd = push.mock.calls.length > 0;
          sent++;
        },
      }, { highWaterMark: 0 });
      process.env.YIBAO_SETTLE_WORKERS = '0';
      const res = await settleHandler(streamRequest('/api/settle', stream, { 'content-type': 'text/csv' }), context());
      expect(res.headers.get('x-yibao-path')).toBe('bulk');
      expect((await res.text()).split('\n')[1]).toBe('S9,30000.00,9100.00,7630.00,0.00,3270.00,13270.00,,');
      expect(pushedBeforeEnd).toBe(true);
    } finally {
      push.mockRestore();
    }
  });

  test('utf8Checked refuses exactly what decoding the chunks with a fatal TextDecoder refuses, at the same chunk', async () => {
    /** The chunk at which decoding fails (chunks.length: at the end), or -1. */
    const reference = (chunks: Uint8Array[]): number => {
      const d = new TextDecoder('utf-8', { fatal: true });
      for (let i = 0; i <= chunks.length; i++) {
        try {
          if (i < chunks.length) d.decode(chunks[i], { stream: true });
          else d.decode();
        } catch {
          return i;
        }
      }
      return -1;
    };
    const checked = async (chunks: Uint8Array[]): Promise<number> => {
      let seen = 0;
      try {
        for await (const c of utf8Checked((async function* () { yield* chunks; })())) {
          expect(c).toBe(chunks[seen]); // the same bytes, passed on as they are
          seen++;
        }
        return -1;
      } catch (e) {
        expect(String((e as Error).message)).toMatch(/^请求体不是 UTF-8 编码/);
        return seen;
      }
    };
    const pieces = ['a', ',', '\n', '低', '😀', 'é', '\ufeff'].map((t) => [...Buffer.from(t)]);
    const bytes = fc.array(fc.oneof(fc.constantFrom(...pieces), fc.array(fc.integer({ min: 0x80, max: 0xff }), { minLength: 1, maxLength: 2 })), { maxLength: 40 }).map((xs) => Uint8Array.from(xs.flat()));
    await fc.assert(fc.asyncProperty(bytes, fc.array(fc.nat(60), { maxLength: 6 }), async (b, cuts) => {
      const at = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
      const chunks = [0, ...at].map((from, i, all) => b.subarray(from, i + 1 < all.length ? all[i + 1] : b.length));
      expect(await checked(chunks)).toBe(reference(chunks));
    }), { numRuns: 3000 });
  });
});
