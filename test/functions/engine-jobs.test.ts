// POST /api/scenarios/compare and POST /api/settle?summary= on the engine's run (engine/run) in the
// worker pool (functions/body-job.ts, pool-jobs.ts): the same answer as the ordinary path
// (compareLedger, summarize: what YIBAO_SETTLE_BULK=0 forces), as `yibao settle --compare` /
// `--summary` write, in memory and in partitions, on a worker and on this thread; and the host
// answering small requests while a large comparison runs.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compareHandler } from '../../functions/handlers/compare';
import { settleHandler } from '../../functions/handlers/settle';
import { budgetHandler } from '../../functions/handlers/budget';
import { setSettleWorkerFile, closeSettleWorkers } from '../../functions/settle-pool';
import { mulberry32 } from '../oracle/gen-ledger';
import { generateLedger } from '../oracle/gen-ledger';
import { withBadRows } from '../bulk/ledgers';
import { exportOf, ndjsonOf } from '../nhsa/forms';
import { streamRequest, context, ROOT, SPEC_HEADER } from './helpers';

const WORKER = path.join(ROOT, 'dist', 'functions', 'settle-worker.js');
const BIN = path.join(ROOT, 'bin/yibao.js');
const ENV = ['YIBAO_SETTLE_BULK', 'YIBAO_SETTLE_WORKERS', 'YIBAO_MEMORY_ROWS', 'YIBAO_PART_ROWS'];

const LOW = { name: 'low', city: 'linyi', overrides: { 'assistance.dibao.rate': 0.5, 'critical.deductible': 9000 } }; // below the national 70% floor
const HIGH = { name: 'hi', overrides: { 'assistance.dibao.rate': 0.853456, 'reassistance.dibao.cap': 777.77 } };

/** A county column: names, empty cells, a quoted comma. */
function withCounty(text: string, seed: number): string {
  const rnd = mulberry32(seed * 7 + 1);
  const names = ['兰山区', '河东区', '', ' 罗庄区 ', '"县,区"', '金安区'];
  return text.trimEnd().split('\n').map((l, i) => (i === 0 ? `${l},county` : `${l},${names[Math.floor(rnd() * names.length)]}`)).join('\n') + '\n';
}

const TEXT = withBadRows(withCounty(generateLedger(61, 6000), 61), 61);
let dir: string;

beforeAll(() => {
  // the compiled worker and CLI (npm test builds first)
  if (!fs.existsSync(WORKER)) throw new Error('build first: npx tsc -p tsconfig.json');
  setSettleWorkerFile(WORKER);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-engine-jobs-'));
  fs.writeFileSync(path.join(dir, 'ledger.csv'), TEXT);
  fs.writeFileSync(path.join(dir, 'low.json'), JSON.stringify(LOW));
  fs.writeFileSync(path.join(dir, 'hi.json'), JSON.stringify(HIGH));
});

afterAll(async () => {
  await closeSettleWorkers();
  fs.rmSync(dir, { recursive: true, force: true });
});

function body(bytes: Buffer, piece: number, hold?: Promise<void>): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      if (at >= bytes.length) {
        await hold;
        return c.close();
      }
      c.enqueue(Uint8Array.prototype.slice.call(bytes, at, at + piece));
      at += piece;
    },
  }, { highWaterMark: 0 });
}

interface Answer { status: number; type: string | null; path: string | null; counts: string; text: string }

async function post(handler: typeof compareHandler, url: string, text: string, o: { accept?: string; type?: string; env?: Record<string, string>; hold?: Promise<void> } = {}): Promise<Answer> {
  const saved = ENV.map((k) => process.env[k]);
  Object.assign(process.env, o.env ?? {});
  try {
    const res = await handler(streamRequest(url, body(Buffer.from(text), 65521, o.hold), { 'content-type': o.type ?? 'text/csv', accept: o.accept ?? 'application/json' }), context());
    const counts = ['read', 'settled', 'rejected'].map((k) => res.headers.get(`x-yibao-${k}`)).join('/');
    return { status: res.status, type: res.headers.get('content-type'), path: res.headers.get('x-yibao-path'), counts, text: await res.text() };
  } finally {
    ENV.forEach((k, i) => (saved[i] === undefined ? delete process.env[k] : (process.env[k] = saved[i])));
  }
}

const same = (a: Answer) => ({ status: a.status, type: a.type, counts: a.counts, text: a.text });
const ORDINARY = { YIBAO_SETTLE_BULK: '0' };
const INLINE = { YIBAO_SETTLE_WORKERS: '0' };
const PARTS = { YIBAO_MEMORY_ROWS: '1000', YIBAO_PART_ROWS: '700' }; // about 6,000 rows: partitions
const q = (o: object) => encodeURIComponent(JSON.stringify(o));
const COMPARE = `/api/scenarios/compare?scenario=${q(LOW)}&scenario=${q(HIGH)}`;

function cli(args: string[]): Record<string, string> {
  const out = path.join(dir, `out-${args.join('-').replace(/[^a-z0-9]/gi, '')}`, 'r.csv');
  const r = spawnSync(process.execPath, [BIN, 'settle', path.join(dir, 'ledger.csv'), '--out', out, ...args], { encoding: 'utf8' });
  expect(r.status).toBe(3); // rejected rows
  const files: Record<string, string> = {};
  for (const f of fs.readdirSync(path.dirname(out))) files[f.slice('r.csv'.length)] = fs.readFileSync(path.join(path.dirname(out), f), 'utf8');
  return files;
}

describe('POST /api/scenarios/compare on the engine run', () => {
  test.each([
    ['JSON', 'application/json', ''],
    ['CSV', 'text/csv', ''],
    ['JSON by county and category', 'application/json', '&summary=county,category'],
  ])('%s: the ordinary answer, on a worker and on this thread, in memory and in partitions', async (_n, accept, groups) => {
    const url = COMPARE + groups;
    const want = await post(compareHandler, url, TEXT, { accept, env: ORDINARY });
    expect(want.path).toBe('ledger');
    expect(want.status).toBe(200);
    if (accept === 'application/json') {
      const c = JSON.parse(want.text);
      expect(c.baseline.rejected).toBeGreaterThan(100); // rejected rows counted
      expect(c.scenarios[0].violations.some((v: { scenario?: string }) => v.scenario)).toBe(true); // LOW breaks a floor
      if (groups) expect(c.scenarios[1].groups.length).toBeGreaterThan(10);
    }
    for (const [env, path_] of [[{}, 'bulk-worker'], [INLINE, 'bulk'], [PARTS, 'bulk-worker']] as const) {
      const got = await post(compareHandler, url, TEXT, { accept, env });
      expect(got.path).toBe(path_);
      expect(same(got)).toEqual(same(want));
    }
  });

  test('the CSV answer is what `yibao settle --compare` writes to <out>.compare.csv', async () => {
    const files = cli(['--compare', path.join(dir, 'low.json'), '--compare', path.join(dir, 'hi.json')]);
    const got = await post(compareHandler, COMPARE, TEXT, { accept: 'text/csv' });
    expect(got.path).toBe('bulk-worker');
    expect(got.text).toBe(files['.compare.csv']);
  });

  test('an export under the national platform\'s names with ?city= and ?category_column=, and NDJSON claims: on the engine run too', async () => {
    const exp = exportOf(7, 3000, { cityColumn: false, categoryHeader: '人员类别' });
    const forms = [
      [fs.readFileSync(path.join(ROOT, 'samples', 'nhsa-export.csv'), 'utf8'), 'text/csv', ''],
      [exp, 'text/csv', `&city=linyi&category_column=${encodeURIComponent('人员类别')}&summary=county,category`],
      [ndjsonOf(TEXT, 3), 'application/x-ndjson', '&summary=county'],
    ] as const;
    for (const [text, type, query] of forms) {
      const want = await post(compareHandler, COMPARE + query, text, { type, env: ORDINARY });
      expect(want.path).toBe('ledger');
      expect(want.status).toBe(200);
      for (const [env, path_] of [[{}, 'bulk-worker'], [PARTS, 'bulk-worker']] as const) {
        const got = await post(compareHandler, COMPARE + query, text, { type, env });
        expect(got.path).toBe(path_);
        expect(same(got)).toEqual(same(want));
      }
    }
  });

  test('a small request is answered while a large comparison runs on the worker', async () => {
    const big = withBadRows(generateLedger(62, 60_000), 62);
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    let bigDone = false;
    // the large body is held open (its last chunk not yet ended) until the small answer is in
    const large = post(compareHandler, `/api/scenarios/compare?scenario=${q(LOW)}`, big, { hold }).then((a) => ((bigDone = true), a));
    const SMALL = `${SPEC_HEADER}\nS9,P1,dibao,linyi,2024-02-10,inpatient,,60000,50000,30000\n`;
    const small = () => post(settleHandler, '/api/settle', SMALL, { accept: 'text/csv' });
    try {
      const a = await small();
      expect(bigDone).toBe(false);
      expect(a.status).toBe(200);
      expect(a.text.split('\n')[1]).toBe('S9,30000.00,9100.00,7630.00,0.00,3270.00,13270.00,,');
    } finally {
      release();
    }
    // and while the worker settles it
    const b = await small();
    expect(b.text.split('\n')[1]).toBe('S9,30000.00,9100.00,7630.00,0.00,3270.00,13270.00,,');
    const got = await large;
    expect(got.path).toBe('bulk-worker');
    const want = await post(compareHandler, `/api/scenarios/compare?scenario=${q(LOW)}`, big, { env: { YIBAO_SETTLE_WORKERS: '0' } });
    expect(got.text).toBe(want.text);
  });
});

describe('POST /api/settle?summary= on the engine run', () => {
  test.each([
    ['CSV', 'text/csv', ''],
    ['JSON with a scenario', 'application/json', `&scenario=${q(HIGH)}`],
  ])('%s: the ordinary answer, on a worker and on this thread, in memory and in partitions', async (_n, accept, extra) => {
    const url = `/api/settle?summary=county,category,month${extra}`;
    const want = await post(settleHandler, url, TEXT, { accept, env: ORDINARY });
    expect(want.path).toBe('ledger');
    expect(Number(want.counts.split('/')[2])).toBeGreaterThan(100);
    for (const [env, path_] of [[{}, 'bulk-worker'], [INLINE, 'bulk'], [PARTS, 'bulk-worker']] as const) {
      const got = await post(settleHandler, url, TEXT, { accept, env });
      expect(got.path).toBe(path_);
      expect(same(got)).toEqual(same(want));
    }
  });

  test('the CSV answer is what `yibao settle --summary` writes to <out>.summary.csv', async () => {
    const files = cli(['--summary', 'county,category,month']);
    const got = await post(settleHandler, '/api/settle?summary=county,category,month', TEXT, { accept: 'text/csv' });
    expect(got.path).toBe('bulk-worker');
    expect(got.text).toBe(files['.summary.csv']);
  });
});

describe('POST /api/budget on a worker thread of the pool', () => {
  // a roster of 3,000 persons of every city and category, some rejected
  const rnd = mulberry32(71);
  const CATS: Record<string, string[]> = { linyi: ['dibao', 'tekun', 'extremely_poor'], luan: ['dibao', 'tekun'], xixiu: ['dibao'] };
  const lines = ['person_id,id_number,city,county,category,included_on,exited_on'];
  for (let i = 0; i < 3000; i++) {
    const city = Object.keys(CATS)[Math.floor(rnd() * 3)];
    const cats = CATS[city];
    lines.push(`P${i},,${rnd() < 0.02 ? 'nowhere' : city},${['兰山区', '河东区', ''][Math.floor(rnd() * 3)]},${cats[Math.floor(rnd() * cats.length)]},2022-0${1 + Math.floor(rnd() * 9)}-10,${rnd() < 0.1 ? '2024-03-01' : ''}`);
  }
  const ROSTER = lines.join('\n') + '\n';

  test.each([['JSON', 'application/json'], ['CSV', 'text/csv']])('%s: the same answer on a worker as on this thread', async (_n, accept) => {
    const url = `/api/budget?year=2024&date=2024-06-01&scenario=${q(HIGH)}`;
    const here = await post(budgetHandler, url, ROSTER, { accept, env: INLINE });
    expect(here.status).toBe(200);
    const worker = await post(budgetHandler, url, ROSTER, { accept });
    expect(worker).toEqual(here);
    if (accept === 'text/csv') expect(worker.text.split('\n').length).toBeGreaterThan(5);
    else expect(JSON.parse(worker.text).rejected.length).toBeGreaterThan(10);
  });

  test('an empty roster and a bad year: the same problems on a worker', async () => {
    const empty = await post(budgetHandler, '/api/budget?year=2024', '');
    expect(empty.status).toBe(400);
    expect(JSON.parse(empty.text).en ?? empty.text).toMatch(/roster|empty/);
    const year = await post(budgetHandler, '/api/budget?year=1999', ROSTER);
    expect(year).toEqual(await post(budgetHandler, '/api/budget?year=1999', ROSTER, { env: INLINE }));
    expect(year.status).toBe(400);
  });
});
