// Large jobs and the monthly run against a real Azurite (blob service, in memory, on a free port,
// started here and stopped by PID). The orchestrator is driven step by step (DummyOrchestrationContext
// with df stubbed) and run end to end by an in-test driver of the generator (no Durable runtime is
// installed: @microsoft/durabletask-js is not a dependency).
import { DummyOrchestrationContext } from 'durable-functions';
import { BlobServiceClient } from '@azure/storage-blob';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultBook, settleLedger, csvLedgerRows, resultsTable, rejectedTable, toCsv } from '../../engine';
import { ledgerJob, SPLIT, SETTLE_SHARD, MERGE, type JobOutput } from '../../functions/jobs/orchestrator';
import { splitLedger, settleShard, mergeResults, shardOf, resultsBlob, rejectedBlob } from '../../functions/jobs/shard';
import { startJobHandler, jobStatusHandler, durableClients } from '../../functions/handlers/jobs';
import { monthlyHandler, monthlyRun } from '../../functions/handlers/monthly';
import { request, context, startAzurite, ROOT, SPEC_HEADER } from './helpers';

let azurite: Awaited<ReturnType<typeof startAzurite>>;
let service: BlobServiceClient;

beforeAll(async () => {
  azurite = await startAzurite();
  process.env.YIBAO_STORAGE = azurite.connection;
  service = BlobServiceClient.fromConnectionString(azurite.connection);
}, 30000);

afterAll(async () => {
  delete process.env.YIBAO_STORAGE;
  await azurite.stop();
  // the PID is gone
  expect(() => process.kill(azurite.pid, 0)).toThrow();
});

/** A ledger where persons have many claims (deductibles and caps accumulate), repeated ids and bad rows. */
function bigLedger(): string {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const cities: [string, string[]][] = [['linyi', ['dibao', 'extremely_poor', 'dibao_marginal', 'ordinary', '2']], ['luan', ['dibao', '特困人员', 'monitored', 'on_application']], ['xixiu', ['dibao', 'alleviated', 'ordinary']]];
  const lines = [SPEC_HEADER];
  let id = 0;
  for (let p = 0; p < 60; p++) {
    const [city, cats] = cities[p % 3];
    const cat = cats[p % cats.length];
    const n = 5 + Math.floor(rnd() * 25);
    for (let k = 0; k < n; k++) {
      const compliant = 1000 + Math.floor(rnd() * 60000);
      const total = compliant + Math.floor(rnd() * 5000);
      const date = `${2023 + (k % 2)}-${String(1 + Math.floor(rnd() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rnd() * 28)).padStart(2, '0')}`;
      const kind = k % 7 === 3 ? 'chronic_outpatient' : 'inpatient';
      const cid = k === 4 && p % 10 === 1 ? `C${id - 50}` : `C${id}`; // some ids repeat another person's
      lines.push(`${cid},P${p},${cat},${city},${date},${kind},,${total},${compliant},`);
      id++;
    }
    if (p % 17 === 5) lines.push(`BAD${p},P${p},dibao,${city},2024-13-01,inpatient,,100,50,`);
    if (p % 23 === 7) lines.push(`SHORT${p},P${p},dibao`);
  }
  return lines.join('\r\n') + '\r\n';
}

/**
 * A faithful driver of a Durable orchestrator generator, in memory: activities scheduled when the
 * generator yields them, Task.any answered with the first to finish, inputs and outputs passed
 * through JSON as the history stores them. Returns the output, the custom statuses and the history.
 */
async function drive(input: unknown, activities: Record<string, (i: unknown) => Promise<unknown>>) {
  type T = { kind: 'activity'; name: string; input: unknown; isCompleted: boolean; isFaulted: boolean; result?: unknown; promise?: Promise<void> } | { kind: 'any'; tasks: T[] };
  const history: { name: string; input: string; output: string }[] = [];
  const statuses: unknown[] = [];
  const start = (t: T & { kind: 'activity' }) => {
    t.promise ??= activities[t.name](JSON.parse(JSON.stringify(t.input))).then(
      (out) => { const s = JSON.stringify(out); history.push({ name: t.name, input: JSON.stringify(t.input), output: s }); t.result = JSON.parse(s); t.isCompleted = true; },
      (err) => { t.result = err; t.isCompleted = true; t.isFaulted = true; },
    );
    return t.promise;
  };
  const ctx = new DummyOrchestrationContext('yibaoLedgerJob', 'job-1');
  (ctx as unknown as { df: unknown }).df = {
    getInput: () => JSON.parse(JSON.stringify(input)),
    setCustomStatus: (s: unknown) => statuses.push(JSON.parse(JSON.stringify(s))),
    callActivity: (name: string, i: unknown): T => ({ kind: 'activity', name, input: i, isCompleted: false, isFaulted: false }),
    Task: { any: (tasks: T[]): T => ({ kind: 'any', tasks }) },
  };
  const gen = ledgerJob(ctx as never) as Generator<T, JobOutput, unknown>;
  let step = gen.next();
  while (!step.done) {
    const t = step.value;
    if (t.kind === 'activity') {
      await start(t);
      step = t.isFaulted ? gen.throw(t.result) : gen.next(t.result);
    } else {
      const acts = t.tasks as (T & { kind: 'activity' })[];
      acts.forEach(start);
      const done = acts.find((a) => a.isCompleted) ?? (await Promise.race(acts.map((a) => a.promise!.then(() => a))));
      step = gen.next(done);
    }
  }
  return { output: JSON.parse(JSON.stringify(step.value)) as JobOutput, statuses, history };
}

async function blobText(container: string, name: string): Promise<string> {
  return (await service.getContainerClient(container).getBlobClient(name).downloadToBuffer()).toString('utf8');
}

describe('the large-job orchestrator', () => {
  test('step by step: split, one activity per shard, shards done of total, merge, result location', () => {
    const ctx = new DummyOrchestrationContext('yibaoLedgerJob', 'job-x');
    const calls: { name: string; input: Record<string, unknown> }[] = [];
    const statuses: { stage: string; shards_done: number; shards_total: number }[] = [];
    (ctx as unknown as { df: unknown }).df = {
      getInput: () => ({ jobId: 'job-x', format: 'csv', shards: 4, container: 'c' }),
      setCustomStatus: (s: never) => statuses.push(s),
      callActivity: (name: string, input: Record<string, unknown>) => { const t = { name, input }; calls.push(t); return t; },
      Task: { any: (tasks: unknown[]) => ({ any: tasks }) },
    };
    const gen = ledgerJob(ctx as never);
    let s = gen.next();
    expect(s.value).toEqual({ name: SPLIT, input: { jobId: 'job-x', format: 'csv', shards: 4 } });
    s = gen.next({ read: 10, convention: 'spec', shards: [{ shard: 0, rows: 6 }, { shard: 2, rows: 4 }] });
    expect(calls.slice(1).map((c) => [c.name, c.input.shard])).toEqual([[SETTLE_SHARD, 0], [SETTLE_SHARD, 2]]);
    expect((s.value as unknown as { any: unknown[] }).any).toHaveLength(2);
    expect(statuses.at(-1)).toEqual({ stage: 'settle', shards_done: 0, shards_total: 2 });
    const shard2 = calls[2];
    const totals = (k: number, settled: number) => ({ shard: k, read: settled, settled, rejected: 0, warnings: 0, totals: { total: '10.00', compliant: '5.00', basic: '1.00', critical: '0.00', assistance: '0.50', reassist: '0.00', oop_compliant: '3.50', oop_total: '8.50' }, violations: [] });
    s = gen.next(Object.assign(shard2, { isFaulted: false, isCompleted: true, result: totals(2, 4) })); // Task.any answers with the task itself
    expect(statuses.at(-1)).toEqual({ stage: 'settle', shards_done: 1, shards_total: 2 });
    expect((s.value as unknown as { any: unknown[] }).any).toEqual([calls[1]]);
    expect(calls).toHaveLength(3); // no activity scheduled twice
    s = gen.next(Object.assign(calls[1], { isFaulted: false, isCompleted: true, result: totals(0, 6) }));
    expect(s.value).toEqual({ name: MERGE, input: { jobId: 'job-x', shards: [0, 2], convention: 'spec' } });
    s = gen.next({ results: 'job-x/results.csv', rejected: null, resultRows: 10, rejectedRows: 0 });
    expect(s.done).toBe(true);
    expect(s.value).toMatchObject({ status: 'completed', container: 'c', results: 'job-x/results.csv', summary: { read: 10, settled: 10, totals: { total: '20.00', assistance: '1.00' } } });
    expect(statuses.at(-1)).toEqual({ stage: 'done', shards_done: 2, shards_total: 2 });
  });

  test('a ledger that cannot be read fails the job with the reason, without settling', () => {
    const ctx = new DummyOrchestrationContext();
    const names: string[] = [];
    (ctx as unknown as { df: unknown }).df = { getInput: () => ({ jobId: 'j', format: 'csv', shards: 2 }), setCustomStatus: () => undefined, callActivity: (n: string) => { names.push(n); return {}; }, Task: { any: () => ({}) } };
    const gen = ledgerJob(ctx as never);
    gen.next();
    const s = gen.next({ read: 0, convention: 'spec', shards: [], fatal: { zh: '缺少必需的列', en: 'missing required columns' } });
    expect(s.done).toBe(true);
    expect(s.value).toEqual({ status: 'failed', problem: { zh: '缺少必需的列', en: 'missing required columns' } });
    expect(names).toEqual([SPLIT]);
  });

  test('end to end over Azurite: POST /api/jobs stores the input, the sharded result equals settleLedger on the whole ledger', async () => {
    const ledger = bigLedger();
    const started: { name: string; options: { instanceId: string; input: Record<string, unknown> } }[] = [];
    const client = {
      startNew: async (name: string, options: never) => { started.push({ name, options }); return (options as { instanceId: string }).instanceId; },
      createHttpManagementPayload: (id: string) => ({ id, statusQueryGetUri: `http://127.0.0.1:7071/runtime/webhooks/durabletask/instances/${id}?code=k`, sendEventPostUri: 's', terminatePostUri: 't', rewindPostUri: 'r', purgeHistoryDeleteUri: 'p', restartPostUri: 'x', suspendPostUri: 'y', resumePostUri: 'z' }),
      getStatus: async (): Promise<unknown> => undefined,
    };
    const spy = jest.spyOn(durableClients, 'get').mockReturnValue(client as never);
    try {
      const res = await startJobHandler(request({ path: '/api/jobs?shards=5', body: ledger, headers: { 'content-type': 'text/csv' } }), context());
      expect(res.status).toBe(202);
      const body = (await res.json()) as { id: string; statusQueryGetUri: string; jobStatusUri: string };
      expect(res.headers.get('location')).toBe(body.statusQueryGetUri);
      expect(body.jobStatusUri).toBe(`http://127.0.0.1:7071/api/jobs/${body.id}`);
      expect(started).toHaveLength(1);
      const input = started[0].options.input;
      expect(input).toMatchObject({ jobId: body.id, format: 'csv', shards: 5, container: 'yibao-jobs' });
      expect(await blobText('yibao-jobs', `${body.id}/input.csv`)).toBe(ledger);

      const jobs = service.getContainerClient('yibao-jobs');
      const { output, statuses, history } = await drive(input, {
        [SPLIT]: (i) => splitLedger(jobs, i as never),
        [SETTLE_SHARD]: (i) => settleShard(jobs, i as never),
        [MERGE]: (i) => mergeResults(jobs, i as never),
      });
      expect(output.status).toBe('completed');
      // the unsharded answer
      const whole = settleLedger(defaultBook(), csvLedgerRows(ledger).rows);
      expect(whole.rejections.length).toBeGreaterThan(5);
      expect(await blobText('yibao-jobs', output.results!)).toBe(toCsv(resultsTable(whole)));
      expect(await blobText('yibao-jobs', output.rejected!)).toBe(toCsv(rejectedTable(whole)));
      expect(output.results).toBe(resultsBlob(body.id));
      expect(output.rejected).toBe(rejectedBlob(body.id));
      expect(output.summary).toMatchObject({ read: whole.summary.read, settled: whole.summary.settled, rejected: whole.summary.rejected, warnings: whole.summary.warnings, totals: { total: whole.summary.totals.total.toFixed(2), assistance: whole.summary.totals.assistance.toFixed(2), oop_total: whole.summary.totals.oop_total.toFixed(2) } });
      // progress: shards done of total, one step per shard
      const settle = statuses.filter((s) => (s as { stage: string }).stage === 'settle') as { shards_done: number; shards_total: number }[];
      expect(settle.map((s) => s.shards_done)).toEqual([0, 1, 2, 3, 4, 5]);
      // the history holds blob names and small totals, never rows
      for (const h of history) {
        expect(h.input.length + h.output.length).toBeLessThan(3000);
        expect(h.input + h.output).not.toMatch(/P\d+/); // no person id
      }
      // each person's claims in one shard
      expect(new Set(Array.from({ length: 60 }, (_, p) => shardOf(`P${p}`, 5))).size).toBeGreaterThan(1);

      // GET /api/jobs/{id}: progress, then the result location
      client.getStatus = async () => ({ runtimeStatus: 'Running', customStatus: statuses[3], output: null, createdTime: new Date(0), lastUpdatedTime: new Date(0) });
      let st = await jobStatusHandler(statusReq(body.id), context());
      expect(st.status).toBe(202);
      expect(((await st.json()) as { progress: unknown }).progress).toEqual(statuses[3]);
      client.getStatus = async () => ({ runtimeStatus: 'Completed', customStatus: statuses.at(-1), output, createdTime: new Date(0), lastUpdatedTime: new Date(0) });
      st = await jobStatusHandler(statusReq(body.id), context());
      expect(st.status).toBe(200);
      expect(((await st.json()) as { result: JobOutput }).result.results).toBe(`${body.id}/results.csv`);
    } finally {
      spy.mockRestore();
    }
  });

  test('POST /api/jobs: an empty body is a 400 and no orchestration starts; no storage configured is a 503', async () => {
    const started: unknown[] = [];
    const spy = jest.spyOn(durableClients, 'get').mockReturnValue({ startNew: async () => started.push(1) } as never);
    try {
      const res = await startJobHandler(request({ path: '/api/jobs', body: '' }), context());
      expect(res.status).toBe(400);
      expect(started).toEqual([]);
      const saved = process.env.YIBAO_STORAGE;
      const savedHost = process.env.AzureWebJobsStorage;
      delete process.env.YIBAO_STORAGE;
      delete process.env.AzureWebJobsStorage;
      const r2 = await startJobHandler(request({ path: '/api/jobs', body: 'x' }), context());
      process.env.YIBAO_STORAGE = saved;
      if (savedHost !== undefined) process.env.AzureWebJobsStorage = savedHost;
      expect(r2.status).toBe(503);
      expect(((await r2.json()) as { zh: string }).zh).toMatch(/YIBAO_STORAGE/);
    } finally {
      spy.mockRestore();
    }
  });
});

test('POST /api/jobs: a body that is not UTF-8 (GBK) is a 422 problem and no orchestration starts', async () => {
  const started: unknown[] = [];
  const spy = jest.spyOn(durableClients, 'get').mockReturnValue({ startNew: async () => started.push(1) } as never);
  try {
    // 低保 in GBK where the category is
    const body = Buffer.concat([Buffer.from(`${SPEC_HEADER}\nc1,p1,`), Buffer.from([0xb5, 0xcd, 0xb1, 0xa3]), Buffer.from(',linyi,2023-05-01,inpatient,,1,1,\n')]);
    const res = await startJobHandler(request({ path: '/api/jobs', body, headers: { 'content-type': 'text/csv' } }), context());
    expect(res.status).toBe(422);
    const p = (await res.json()) as { zh: string; en: string };
    expect(p.zh).toMatch(/^请求体不是 UTF-8 编码（可能是 GBK）/);
    expect(p.en).toMatch(/not UTF-8/);
    expect(started).toEqual([]);
  } finally {
    spy.mockRestore();
  }
});

function statusReq(id: string) {
  const { HttpRequest } = jest.requireActual('@azure/functions') as typeof import('@azure/functions');
  return new HttpRequest({ method: 'GET', url: `http://127.0.0.1:7071/api/jobs/${id}`, params: { id } });
}

describe('the monthly run (timer)', () => {
  test('on a fake timer: reads the configured ledger and roster from Azurite, writes results, early warnings and budget beside them', async () => {
    const c = service.getContainerClient('yibao-monthly');
    await c.createIfNotExists();
    const sample = fs.readFileSync(path.join(ROOT, 'samples', 'claims.csv'));
    await c.getBlockBlobClient('2024/claims.csv').upload(sample, sample.length);
    const roster = Buffer.from('person_id,id_number,city,county,category,included_on,exited_on\nLY003,371302196001010130,linyi,兰山区,dibao,2022-05-10,\nLY004,371302197111200140,linyi,兰山区,dibao,2022-05-10,\n');
    await c.getBlockBlobClient('roster.csv').upload(roster, roster.length);
    process.env.YIBAO_MONTHLY_LEDGERS = '2024/claims.csv';
    process.env.YIBAO_MONTHLY_ROSTERS = 'roster.csv';
    // 2024-04-30T16:00Z is 00:00 on 1 May in China: the run is May's
    const now = jest.spyOn(Date, 'now').mockReturnValue(Date.parse('2024-04-30T16:00:00Z'));
    try {
      await monthlyHandler({ isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } }, context('monthlyRun'));
    } finally {
      now.mockRestore();
      delete process.env.YIBAO_MONTHLY_LEDGERS;
      delete process.env.YIBAO_MONTHLY_ROSTERS;
    }
    const results = await blobText('yibao-monthly', '2024/claims.csv.2024-05.results.csv');
    expect(results.split('\n')[1]).toBe('LY-0001,30000.00,9100.00,7630.00,0.00,3270.00,13270.00,,');
    // early warnings (spec section 6, Xixiu only): low-income groups over 4,000 of total OOP, ordinary residents over 10,000
    const warnings = (await blobText('yibao-monthly', '2024/claims.csv.2024-05.warnings.csv')).trim().split('\n');
    expect(warnings[0]).toBe('claim_id,city,category,date,kind,oop_compliant,oop_total');
    expect(warnings.slice(1).map((l) => l.split(',')[0])).toEqual(['XX-0002', 'XX-0006', 'XX-0008', 'XX-0009', 'XX-0011']);
    const rejected = (await blobText('yibao-monthly', '2024/claims.csv.2024-05.rejected.csv')).trim().split('\n');
    expect(rejected.slice(1).map((l) => l.split(',')[0])).toEqual(['15', '41']);
    const budget = JSON.parse(await blobText('yibao-monthly', 'roster.csv.2024-05.budget.json')) as { year: number; date: string; totals: unknown };
    expect(budget.year).toBe(2024);
    expect(budget.date).toBe('2024-05-01');
    expect(budget.totals).toEqual({ persons: 2, assistance_fund: '300.00', county_finance: '460.00', individual: '0.00' });
    const report = JSON.parse(await blobText('yibao-monthly', 'monthly/2024-05.json')) as { items: { blob: string; ok: boolean }[] };
    expect(report.items.map((i) => [i.blob, i.ok])).toEqual([['2024/claims.csv', true], ['roster.csv', true]]);
  });

  test('a ledger blob that is not UTF-8 (GBK) fails its item with the reason; nothing is written beside it', async () => {
    const c = service.getContainerClient('yibao-monthly');
    await c.createIfNotExists();
    const gbk = Buffer.concat([Buffer.from(`${SPEC_HEADER}\nc1,p1,`), Buffer.from([0xb5, 0xcd, 0xb1, 0xa3]), Buffer.from(',linyi,2023-05-01,inpatient,,1,1,\n')]);
    await c.getBlockBlobClient('gbk.csv').upload(gbk, gbk.length);
    process.env.YIBAO_MONTHLY_LEDGERS = 'gbk.csv';
    try {
      const report = await monthlyRun(new Date('2024-07-01T00:00:00Z'), context('monthlyRun'));
      expect(report.items).toHaveLength(1);
      expect(report.items[0]).toMatchObject({ blob: 'gbk.csv', ok: false, written: [] });
      expect(report.items[0].problem?.zh).toMatch(/^blob gbk\.csv 不是 UTF-8 编码（可能是 GBK）/);
    } finally {
      delete process.env.YIBAO_MONTHLY_LEDGERS;
    }
    expect(await c.getBlobClient('gbk.csv.2024-07.results.csv').exists()).toBe(false);
  });

  test('a missing ledger blob fails the run after writing the report', async () => {
    process.env.YIBAO_MONTHLY_LEDGERS = 'nope.csv';
    const now = jest.spyOn(Date, 'now').mockReturnValue(Date.parse('2024-06-01T00:00:00Z'));
    try {
      await expect(monthlyHandler({ isPastDue: true, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } }, context('monthlyRun'))).rejects.toThrow(/1 of 1 items failed/);
    } finally {
      now.mockRestore();
      delete process.env.YIBAO_MONTHLY_LEDGERS;
    }
    const report = JSON.parse(await blobText('yibao-monthly', 'monthly/2024-06.json')) as { items: { ok: boolean; problem: { zh: string; en: string } }[] };
    expect(report.items[0]).toMatchObject({ ok: false, problem: { zh: '找不到该 blob', en: 'blob not found' } });
  });
});
