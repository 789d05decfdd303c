// Budget, comparison and summary jobs in several partitions (functions/jobs/answer.ts, budget.ts),
// against a real Azurite: POST /api/jobs builds the orchestration's input, the orchestrator is driven
// to its end (jobs-driver.ts), and the answer is compared to the byte with what the HTTP function of
// the same name answers on the same body (in memory, in one process: an independent route through
// the engine) and with what the command line writes.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import type { HttpRequest, HttpResponse, InvocationContext } from '@azure/functions';
import { SPLIT, SPLIT_ROSTER, type JobOutput } from '../../functions/jobs/orchestrator';
import { startJobHandler, durableClients } from '../../functions/handlers/jobs';
import { compareHandler } from '../../functions/handlers/compare';
import { settleHandler } from '../../functions/handlers/settle';
import { budgetHandler } from '../../functions/handlers/budget';
import { defaultBook, budgetRoster, budgetDocument, budgetPlan, splitRoster, lineRecord, mergeCounts } from '../../engine';
import { generateLedger, mulberry32 } from '../oracle/gen-ledger';
import { withBadRows } from '../bulk/ledgers';
import { exportOf, ndjsonOf } from '../nhsa/forms';
import { drive, activitiesOn } from './jobs-driver';
import { request, context, startAzurite, ROOT } from './helpers';

const BIN = path.join(ROOT, 'bin', 'yibao.js');
const LOW = { name: 'low', city: 'linyi', overrides: { 'assistance.dibao.rate': 0.5, 'critical.deductible': 9000 } };
const HIGH = { name: 'hi', overrides: { 'assistance.dibao.rate': 0.853456, 'reassistance.dibao.cap': 777.77 } };
const q = (o: object) => encodeURIComponent(JSON.stringify(o));

let azurite: Awaited<ReturnType<typeof startAzurite>>;
let service: BlobServiceClient;
let dir = '';
const saved = process.env.YIBAO_SETTLE_WORKERS;

beforeAll(async () => {
  azurite = await startAzurite();
  process.env.YIBAO_STORAGE = azurite.connection;
  process.env.YIBAO_SETTLE_WORKERS = '0'; // the HTTP functions answer on this thread
  service = BlobServiceClient.fromConnectionString(azurite.connection);
  await service.getContainerClient('yibao-jobs').createIfNotExists();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-answer-jobs-'));
}, 30000);

afterAll(async () => {
  delete process.env.YIBAO_STORAGE;
  if (saved === undefined) delete process.env.YIBAO_SETTLE_WORKERS;
  else process.env.YIBAO_SETTLE_WORKERS = saved;
  await azurite.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A ledger of persons with many claims, a county column, repeated claim ids and unreadable rows. */
function ledger(seed: number, claims: number): string {
  const rnd = mulberry32(seed);
  const counties = ['兰山区', '河东区', '', ' 罗庄区 ', '"县,区"'];
  const text = withBadRows(generateLedger(seed, claims), seed);
  return text.trimEnd().split('\n').map((l, i) => (i === 0 ? `${l},county` : `${l},${counties[Math.floor(rnd() * counties.length)]}`)).join('\n') + '\n';
}

/**
 * A roster with what a budget must get right across partitions: persons listed twice or three times
 * (in other categories and cities, with spaces around the id), more duplicate rows than the 1,000
 * described, rows out of force on the date, and rejected rows of every kind (an unknown city and
 * category, a bad date, no person, the wrong number of cells).
 */
function roster(seed: number, persons: number): string {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  const CATS: Record<string, string[]> = { linyi: ['dibao', 'extremely_poor', '特困人员', 'dibao_marginal'], luan: ['dibao', '特困人员', 'monitored'], xixiu: ['dibao', 'alleviated'] };
  const COUNTIES: Record<string, string[]> = { linyi: ['兰山区', '河东区', ''], luan: ['金安区', '裕安区'], xixiu: ['西秀区'] };
  const row = (id: string) => {
    const city = pick(Object.keys(CATS));
    const exited = rnd() < 0.05 ? '2023-06-30' : '';
    return `${id},,${city},${pick(COUNTIES[city])},${pick(CATS[city])},${rnd() < 0.3 ? '2022-05-10' : ''},${exited}`;
  };
  const lines = ['person_id,id_number,city,county,category,included_on,exited_on'];
  for (let i = 0; i < persons; i++) {
    lines.push(row(`P${i}`));
    if (i % 3 === 1) lines.push(row(` P${Math.floor(rnd() * i)} `)); // an earlier person again
    if (i % 97 === 5) lines.push(row(`P${i}`), row(`P${i}`));
    if (i % 211 === 7) lines.push(`P${i},,nowhere,,dibao,,`);
    if (i % 223 === 9) lines.push(`P${i},,linyi,,no_such_category,,`);
    if (i % 227 === 11) lines.push(`P${i},,luan,,dibao,2024-02-30,`);
    if (i % 229 === 13) lines.push(`  ,,luan,,dibao,,`);
    if (i % 233 === 17) lines.push(`P${i},,xixiu,西秀区`);
  }
  return lines.join('\r\n') + '\r\n';
}

/** POST /api/jobs?query with the body, the orchestration driven to its end over Azurite: its output, statuses, history and answer. */
async function job(query: string, body: string, type = 'text/csv') {
  const started: { input: unknown }[] = [];
  const client = {
    startNew: async (_: string, options: { instanceId: string; input: unknown }) => { started.push(options); return options.instanceId; },
    createHttpManagementPayload: (id: string) => ({ id, statusQueryGetUri: `http://x/${id}` }),
  };
  const spy = jest.spyOn(durableClients, 'get').mockReturnValue(client as never);
  try {
    const res = await startJobHandler(request({ path: `/api/jobs?${query}`, body, headers: { 'content-type': type } }), context());
    expect(res.status).toBe(202);
  } finally {
    spy.mockRestore();
  }
  const jobs = service.getContainerClient('yibao-jobs');
  const run = await drive(started[0].input, activitiesOn(jobs));
  const output = run.output as JobOutput;
  expect(output.status).toBe('completed');
  const id = (started[0].input as { jobId: string }).jobId;
  const text = (await jobs.getBlobClient(output.results!).downloadToBuffer()).toString('utf8');
  // the intermediate blobs are gone: the input and the answer stay
  const left: string[] = [];
  for await (const b of jobs.listBlobsFlat({ prefix: `${id}/` })) left.push(b.name);
  expect(left.sort()).toEqual([`${id}/input.${type === 'text/csv' ? 'csv' : 'ndjson'}`, output.results].sort());
  return { ...run, output, text };
}

/** The HTTP function's answer on the same body. */
async function direct(handler: (r: HttpRequest, c: InvocationContext) => Promise<HttpResponse>, url: string, body: string, accept: string, type = 'text/csv'): Promise<{ text: string; headers: Record<string, number> }> {
  const res = await handler(request({ path: url, body, headers: { 'content-type': type, accept } }), context());
  expect(res.status).toBe(200);
  const headers: Record<string, number> = {};
  res.headers.forEach((v, k) => { if (k.startsWith('x-yibao-') && k !== 'x-yibao-path') headers[k.slice('x-yibao-'.length)] = Number(v); });
  return { text: await res.text(), headers };
}

/** `yibao ARGS --out` in a folder of its own: the files it wrote, by their suffix after r.csv. */
function cli(args: string[]): Record<string, string> {
  const out = path.join(fs.mkdtempSync(path.join(dir, 'cli-')), 'r.csv');
  const r = spawnSync(process.execPath, [BIN, ...args, '--out', out], { encoding: 'utf8' });
  expect([0, 3]).toContain(r.status);
  const files: Record<string, string> = {};
  for (const f of fs.readdirSync(path.dirname(out))) files[f.slice('r.csv'.length)] = fs.readFileSync(path.join(path.dirname(out), f), 'utf8');
  return files;
}

/** The partitions' progress as the status shows it: 0 … n done of n, then merged. */
function fannedOut(statuses: unknown[], stage: 'settle' | 'count'): number {
  const steps = (statuses as { stage: string; shards_done: number; shards_total: number }[]).filter((s) => s.stage === stage);
  const n = steps[0].shards_total;
  expect(steps.map((s) => s.shards_done)).toEqual([...Array(n + 1).keys()]);
  expect(statuses.at(-1)).toEqual({ stage: 'done', shards_done: n, shards_total: n });
  return n;
}

/** The history holds blob names and small totals: no rows, no person's id. */
function small(history: { input: string; output: string }[]): void {
  for (const h of history) {
    expect(h.input.length + h.output.length).toBeLessThan(3000);
    expect(h.input + h.output).not.toMatch(/"P\d+|person_id/);
  }
}

describe('comparison and summary jobs in partitions', () => {
  const TEXT = ledger(83, 4000);
  const file = path.join(os.tmpdir(), `yibao-answer-jobs-${randomUUID()}.csv`);
  beforeAll(() => fs.writeFileSync(file, TEXT));
  afterAll(() => fs.rmSync(file, { force: true }));

  test.each([
    ['JSON', 'json', 'application/json', ''],
    ['CSV', 'csv', 'text/csv', ''],
    ['JSON by county and category', 'json', 'application/json', '&summary=county,category'],
    ['CSV by category and month', 'csv', 'text/csv', '&summary=category,month'],
  ])('kind=compare, %s: POST /api/scenarios/compare\'s answer to the byte', async (_, answer, accept, groups) => {
    const scenarios = `scenario=${q(LOW)}&scenario=${q(HIGH)}${groups}`;
    const got = await job(`kind=compare&shards=6&answer=${answer}&${scenarios}`, TEXT);
    const want = await direct(compareHandler, `/api/scenarios/compare?${scenarios}`, TEXT, accept);
    expect(got.text).toBe(want.text);
    expect(got.text.length).toBeGreaterThan(500);
    const split = JSON.parse(got.history.find((h) => h.name === SPLIT)!.output) as { parts: unknown[]; rejected: number };
    expect(split.parts.length).toBe(6);
    expect(split.rejected).toBeGreaterThan(0); // rows the splitter could not read: counted in the answer
    expect(fannedOut(got.statuses, 'settle')).toBe(6);
    small(got.history);
  });

  test('kind=compare as CSV is what `yibao settle --compare` writes to <out>.compare.csv', async () => {
    fs.writeFileSync(path.join(dir, 'low.json'), JSON.stringify(LOW));
    fs.writeFileSync(path.join(dir, 'hi.json'), JSON.stringify(HIGH));
    const files = cli(['settle', file, '--compare', path.join(dir, 'low.json'), '--compare', path.join(dir, 'hi.json')]);
    const got = await job(`kind=compare&shards=5&answer=csv&scenario=${q(LOW)}&scenario=${q(HIGH)}`, TEXT);
    expect(got.text).toBe(files['.compare.csv']);
  });

  test.each([
    ['JSON under a scenario', 'json', 'application/json', `&scenario=${q(HIGH)}`],
    ['CSV', 'csv', 'text/csv', ''],
  ])('kind=summary, %s: POST /api/settle?summary=\'s answer to the byte, its counts the same', async (_, answer, accept, scenario) => {
    const got = await job(`kind=summary&shards=7&summary=county,category&answer=${answer}${scenario}`, TEXT);
    const want = await direct(settleHandler, `/api/settle?summary=county,category${scenario}`, TEXT, accept);
    expect(got.text).toBe(want.text);
    expect(got.output.counts).toEqual(want.headers);
    expect(want.headers.rejected).toBeGreaterThan(20); // the rejected rows of the splitter and of the partitions
    if (answer === 'json') expect((JSON.parse(got.text) as { rejections: unknown[] }).rejections).toHaveLength(want.headers.rejected);
    expect(fannedOut(got.statuses, 'settle')).toBe(7);
    small(got.history);
  });

  test.each([
    ['an export under the national platform\'s names with ?city= and ?category_column=', exportOf(9, 3000, { cityColumn: false, categoryHeader: '人员类别' }), 'text/csv', `&city=linyi&category_column=${encodeURIComponent('人员类别')}`],
    ['NDJSON claims', ndjsonOf(ledger(84, 3000), 2), 'application/x-ndjson', ''],
  ])('kind=compare and summary of %s: the HTTP functions\' answers to the byte', async (_, body, type, forms) => {
    const compare = `scenario=${q(LOW)}&summary=category${forms}`;
    const got = await job(`kind=compare&shards=5&answer=json&${compare}`, body, type);
    const want = await direct(compareHandler, `/api/scenarios/compare?${compare}`, body, 'application/json', type);
    expect(got.text).toBe(want.text);
    expect(JSON.parse(got.text)).toMatchObject({ scenarios: [expect.objectContaining({ name: 'low' })] });
    const summary = `summary=category,month${forms}`;
    const gotSummary = await job(`kind=summary&shards=3&answer=csv&${summary}`, body, type);
    const wantSummary = await direct(settleHandler, `/api/settle?${summary}`, body, 'text/csv', type);
    expect(gotSummary.text).toBe(wantSummary.text);
    expect(gotSummary.output.counts).toEqual(wantSummary.headers);
    expect(wantSummary.headers.settled).toBeGreaterThan(1000);
  });

  test('kind=summary as CSV is what `yibao settle --summary` writes to <out>.summary.csv', async () => {
    const files = cli(['settle', file, '--summary', 'county,category,month']);
    const got = await job('kind=summary&shards=4&summary=county,category,month&answer=csv', TEXT);
    expect(got.text).toBe(files['.summary.csv']);
  });
});

test('the engine\'s roster split and mergeCounts: the budget of the whole roster in one pass, in 1 to 16 partitions, however many duplicate reports are described', async () => {
  const book = defaultBook();
  const text = roster(101, 1500);
  for (const max of [0, 3, 50, Infinity]) {
    const whole = JSON.stringify(budgetDocument(budgetRoster(book, text, { year: 2024, maxDuplicateReports: max })));
    for (const parts of [1, 2, 3, 7, 16]) {
      const plan = budgetPlan(book, { year: 2024, maxDuplicateReports: max });
      const lines: string[][] = Array.from({ length: parts }, () => []);
      let header: string[] = [];
      const read = await splitRoster((async function* () { yield Buffer.from(text); })(), parts, (h) => (header = h), (k, line) => lines[k].push(line));
      expect(read).toBe(text.trimEnd().split('\r\n').length - 1);
      const counts = lines.map((ls) => {
        const c = plan.counter(header);
        for (const l of ls) c.add(lineRecord(l.trimEnd()));
        return c.finish();
      });
      expect(JSON.stringify(budgetDocument(plan.finish(mergeCounts(plan.date, counts, max))))).toBe(whole);
    }
  }
});

describe('budget jobs fanned out by person', () => {
  const TEXT = roster(97, 4000);
  const file = path.join(os.tmpdir(), `yibao-answer-jobs-${randomUUID()}.csv`);
  beforeAll(() => fs.writeFileSync(file, TEXT));
  afterAll(() => fs.rmSync(file, { force: true }));

  test.each([
    ['JSON', 'json', 'application/json', ''],
    ['CSV', 'csv', 'text/csv', ''],
    ['JSON on a later date', 'json', 'application/json', '&date=2024-03-01'],
  ])('%s: POST /api/budget\'s answer to the byte, duplicate reports and rejected rows included', async (_, answer, accept, date) => {
    const got = await job(`kind=budget&year=2024&shards=5&answer=${answer}${date}`, TEXT);
    const want = await direct(budgetHandler, `/api/budget?year=2024${date}`, TEXT, accept);
    expect(got.text).toBe(want.text);
    expect(got.output.counts).toEqual(want.headers);
    expect(want.headers.rejected).toBeGreaterThan(50);
    if (answer === 'json') {
      const doc = JSON.parse(got.text) as { duplicates: unknown[]; duplicate_rows: number };
      // more duplicate rows than are described: the first 1,000 as the whole roster met them
      expect(doc.duplicate_rows).toBeGreaterThan(1200);
      expect(doc.duplicates).toHaveLength(1000);
    }
    const split = JSON.parse(got.history.find((h) => h.name === SPLIT_ROSTER)!.output) as { read: number; parts: unknown[] };
    expect(split.parts.length).toBe(5);
    expect(split.read).toBe(got.output.counts!.read);
    expect(fannedOut(got.statuses, 'count')).toBe(5);
    small(got.history);
  });

  test('as CSV, in 1 and 13 partitions: what `yibao budget --out` writes', async () => {
    const files = cli(['budget', file, '--year', '2024']);
    for (const shards of [1, 13]) expect((await job(`kind=budget&year=2024&shards=${shards}&answer=csv`, TEXT)).text).toBe(files['']);
  });

  test('a roster the budget cannot read fails the job with the budget\'s reason, and writes nothing', async () => {
    const started: { input: unknown }[] = [];
    const spy = jest.spyOn(durableClients, 'get').mockReturnValue({ startNew: async (_: string, o: { instanceId: string; input: unknown }) => { started.push(o); return o.instanceId; }, createHttpManagementPayload: (id: string) => ({ id }) } as never);
    try {
      await startJobHandler(request({ path: '/api/jobs?kind=budget&year=2024&shards=3', body: 'person_id,city\nP1,linyi\n', headers: { 'content-type': 'text/csv' } }), context());
    } finally {
      spy.mockRestore();
    }
    const jobs = service.getContainerClient('yibao-jobs');
    const run = await drive(started[0].input, activitiesOn(jobs));
    const want = await budgetHandler(request({ path: '/api/budget?year=2024', body: 'person_id,city\nP1,linyi\n', headers: { 'content-type': 'text/csv' } }), context());
    expect(want.status).toBe(422);
    const problem = (await want.json()) as { zh: string; en: string };
    expect(run.output).toMatchObject({ status: 'failed', problem: { zh: problem.zh, en: problem.en } });
    const left: string[] = [];
    for await (const b of jobs.listBlobsFlat({ prefix: `${(started[0].input as { jobId: string }).jobId}/` })) left.push(b.name);
    expect(left).toHaveLength(1); // the input
  });
});
