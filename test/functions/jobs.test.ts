// Large jobs and the monthly run against a real Azurite (blob service, in memory, on a free port,
// started here and stopped by PID). The orchestrator is driven step by step (DummyOrchestrationContext
// with df stubbed) and run end to end by the in-memory driver of jobs-driver.ts.
import { DummyOrchestrationContext } from 'durable-functions';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { spawnSync } from 'node:child_process';
import { defaultBook, settleLedger, csvLedgerRows, resultsTable, rejectedTable, toCsv, RESULT_COLUMNS, parseScenario, fmt, TOTAL_FIELDS, type LedgerOutcome, type LedgerRow } from '../../engine';
import { ledgerJob, SPLIT, DEDUPE, SETTLE_PART, MERGE_PARTS, CLEANUP, type JobInput, type JobOutput } from '../../functions/jobs/orchestrator';
import { drive, activitiesOn } from './jobs-driver';
import { resultsBlob, rejectedBlob, inputBlob, violationText } from '../../functions/jobs/common';
import { splitJob, settlePartition, type JobSplitOutput } from '../../functions/jobs/bulk';
import { BytesBlobWriter, Uploads, blobSource, deleteUnder } from '../../functions/jobs/blobs';
import { ndjsonRows } from '../../functions/body';
import { generateLedger } from '../oracle/gen-ledger';
import { withBadRows } from '../bulk/ledgers';
import { startJobHandler, jobStatusHandler, durableClients } from '../../functions/handlers/jobs';
import { monthlyRun } from '../../functions/handlers/monthly';
import { request, context, startAzurite, ROOT, SPEC_HEADER } from './helpers';

const RESULT_HEADER = RESULT_COLUMNS.join(',');

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

/** A job run over Azurite as the app runs it: the input blob stored, the orchestration driven to its end. */
async function runJob(input: string | Buffer, opts: Partial<JobInput> = {}, over: Record<string, (i: unknown) => Promise<unknown>> = {}) {
  const jobs = service.getContainerClient('yibao-jobs');
  await jobs.createIfNotExists();
  const jobId = randomUUID();
  const format = opts.format ?? 'csv';
  const bytes = typeof input === 'string' ? Buffer.from(input) : input;
  await jobs.getBlockBlobClient(inputBlob(jobId, format)).upload(bytes, bytes.length);
  const run = await drive({ jobId, format, shards: 4, container: 'yibao-jobs', ...opts }, activitiesOn(jobs, over));
  const split = run.history.filter((h) => h.name === SPLIT).map((h) => JSON.parse(h.output) as JobSplitOutput);
  const blob = async (name: string | null | undefined) => (name ? blobText('yibao-jobs', name) : null);
  return { ...run, jobId, split, results: await blob(run.output.results), rejected: await blob(run.output.rejected) };
}

/** The job's summary as settleLedger's outcome gives it. */
function summaryOf(o: LedgerOutcome) {
  const totals: Record<string, string> = {};
  for (const f of TOTAL_FIELDS) totals[f] = fmt(o.summary.totals[f]);
  return { read: o.summary.read, settled: o.summary.settled, rejected: o.summary.rejected, warnings: o.summary.warnings, totals, violations: o.policyViolations.map(violationText) };
}

async function blobText(container: string, name: string): Promise<string> {
  return (await service.getContainerClient(container).getBlobClient(name).downloadToBuffer()).toString('utf8');
}

describe('the large-job orchestrator', () => {
  test('step by step, the bulk path: split, dedupe, one activity per partition, merge with one combined summary, cleanup', () => {
    const ctx = new DummyOrchestrationContext('yibaoLedgerJob', 'job-b');
    const calls: { name: string; input: Record<string, unknown> }[] = [];
    const statuses: { stage: string; shards_done: number; shards_total: number }[] = [];
    (ctx as unknown as { df: unknown }).df = {
      getInput: () => ({ jobId: 'job-b', format: 'csv', shards: 3, scenario: '{"name":"s"}', container: 'c' }),
      setCustomStatus: (s: never) => statuses.push(s),
      callActivity: (name: string, input: Record<string, unknown>) => { const t = { name, input }; calls.push(t); return t; },
      Task: { any: (tasks: unknown[]) => ({ any: tasks }) },
    };
    const gen = ledgerJob(ctx as never);
    let s = gen.next();
    expect(s.value).toEqual({ name: SPLIT, input: { jobId: 'job-b', format: 'csv', shards: 3, scenario: '{"name":"s"}' } });
    s = gen.next({ read: 12, parts: [{ part: 0, rows: 4 }, { part: 2, rows: 6 }], idParts: [0, 1, 2], rejected: 2, convention: 'nhsa' });
    expect(s.value).toEqual({ name: DEDUPE, input: { jobId: 'job-b', idParts: [0, 1, 2] } });
    expect(statuses.at(-1)).toEqual({ stage: 'dedupe', shards_done: 0, shards_total: 2 });
    s = gen.next({ duplicates: 1 });
    expect(calls.slice(2).map((c) => [c.name, c.input])).toEqual([
      [SETTLE_PART, { jobId: 'job-b', part: 0, scenario: '{"name":"s"}', duplicates: 1, convention: 'nhsa' }],
      [SETTLE_PART, { jobId: 'job-b', part: 2, scenario: '{"name":"s"}', duplicates: 1, convention: 'nhsa' }],
    ]);
    expect(statuses.at(-1)).toEqual({ stage: 'settle', shards_done: 0, shards_total: 2 });
    const finding = { rule: 'r', source: 's', zh: '规则', en: 'rule', check: 'c', left: '1', right: '2', city: 'linyi' };
    const part = (k: number, settled: number, rejected: number, line: number, total: string) => ({
      part: k, rejected, settled, warnings: 1, totals: [total, '5.00', '1.00', '0.00', '0.50', '0.00', '3.50', '8.50'], findings: 1, firstFinding: { ...finding, rule: `r${k}` }, firstFindingLine: line,
      years: [{ city: 'linyi', year: '2023', line: line + 1 }, { city: 'xixiu', year: '2024', line: 2 * line }], decimalGroups: 0,
    });
    s = gen.next(Object.assign(calls[3], { isFaulted: false, isCompleted: true, result: part(2, 5, 1, 3, '10.05') }));
    expect(statuses.at(-1)).toEqual({ stage: 'settle', shards_done: 1, shards_total: 2 });
    s = gen.next(Object.assign(calls[2], { isFaulted: false, isCompleted: true, result: part(0, 4, 0, 7, '0.95') }));
    expect(statuses.at(-1)).toEqual({ stage: 'merge', shards_done: 2, shards_total: 2 });
    expect(s.value).toEqual({
      name: MERGE_PARTS,
      input: {
        jobId: 'job-b', parts: [0, 2], rejectedParts: [2], splitRejected: 2, read: 12, scenario: '{"name":"s"}', convention: 'nhsa',
        combined: {
          settled: 9, warnings: 2, totals: ['11.00', '10.00', '2.00', '0.00', '1.00', '0.00', '7.00', '17.00'], rejections: [], findings: 2,
          firstFinding: { ...finding, rule: 'r2' }, firstFindingLine: 3, decimalGroups: 0,
          // each city and year once, at its first line, in line order
          years: [{ city: 'linyi', year: '2023', line: 4 }, { city: 'xixiu', year: '2024', line: 6 }],
        },
      },
    });
    const summary = { read: 12, settled: 9, rejected: 3, warnings: 2, totals: {}, violations: [] };
    s = gen.next({ results: 'job-b/results.csv', rejected: 'job-b/rejected.csv', resultRows: 9, rejectedRows: 3, summary });
    expect(s.value).toEqual({ name: CLEANUP, input: { jobId: 'job-b' } });
    s = gen.next({ deleted: 12 });
    expect(s.done).toBe(true);
    expect(s.value).toEqual({ status: 'completed', path: 'bulk', convention: 'nhsa', container: 'c', results: 'job-b/results.csv', rejected: 'job-b/rejected.csv', summary });
    expect(statuses.at(-1)).toEqual({ stage: 'done', shards_done: 2, shards_total: 2 });
  });

  test('a ledger that cannot be read fails the job with the reason, without settling', () => {
    const ctx = new DummyOrchestrationContext();
    const names: string[] = [];
    (ctx as unknown as { df: unknown }).df = { getInput: () => ({ jobId: 'j', format: 'csv', shards: 2 }), setCustomStatus: () => undefined, callActivity: (n: string) => { names.push(n); return {}; }, Task: { any: () => ({}) } };
    const gen = ledgerJob(ctx as never);
    gen.next();
    const s = gen.next({ read: 0, parts: [], idParts: [], rejected: 0, convention: 'spec', fatal: { zh: '缺少必需的列', en: 'missing required columns' } });
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
      const res = await startJobHandler(request({ path: '/api/jobs?shards=5&format=spec', body: ledger, headers: { 'content-type': 'text/csv' } }), context());
      expect(res.status).toBe(202);
      const body = (await res.json()) as { id: string; statusQueryGetUri: string; jobStatusUri: string };
      expect(res.headers.get('location')).toBe(body.statusQueryGetUri);
      expect(body.jobStatusUri).toBe(`http://127.0.0.1:7071/api/jobs/${body.id}`);
      expect(started).toHaveLength(1);
      const input = started[0].options.input;
      expect(input).toMatchObject({ jobId: body.id, format: 'csv', shards: 5, convention: 'spec', container: 'yibao-jobs' });
      expect(await blobText('yibao-jobs', `${body.id}/input.csv`)).toBe(ledger);

      const jobs = service.getContainerClient('yibao-jobs');
      const { output, statuses, history } = await drive(input, activitiesOn(jobs));
      expect(output.status).toBe('completed');
      expect(output.path).toBe('bulk');
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
      // five partitions asked for, several used
      const split = JSON.parse(history.find((h) => h.name === SPLIT)!.output) as JobSplitOutput;
      expect(split.parts.length).toBeGreaterThan(1);
      expect(split.parts.every((p) => p.part < 5)).toBe(true);

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
      // ?format= names the results' columns: spec or nhsa, nothing else (as POST /api/settle)
      const bad = await startJobHandler(request({ path: '/api/jobs?format=excel', body: `${SPEC_HEADER}\n` }), context());
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { en: string }).en).toBe('format must be nhsa or spec, not "excel"');
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

describe('jobs over Azurite: the answer equals settleLedger + engine/output.ts on the whole ledger', () => {
  const book = defaultBook();
  const whole = (text: string, scenario?: string) => settleLedger(book, csvLedgerRows(text).rows, { scenario: scenario ? parseScenario(book, scenario) : undefined });

  test('the bulk path: a generated ledger with bad rows and duplicates across persons, 1, 3 and 16 partitions (one with a scenario), byte for byte', async () => {
    // a BOM, CRLF or LF, bad rows, duplicates of another person's claim_id
    const text = '\uFEFF' + withBadRows(generateLedger(5, 3000), 5);
    const scenario = JSON.stringify({ name: 'low', city: 'linyi', overrides: { 'assistance.dibao.rate': '0.5', 'critical.deductible': '9000' } });
    for (const [shards, scen] of [[1, undefined], [3, scenario], [16, undefined]] as const) {
      const want = whole(text, scen);
      const job = await runJob(text, { shards, scenario: scen });
      expect(job.output.status).toBe('completed');
      expect(job.output.path).toBe('bulk');
      expect(job.split).toHaveLength(1);
      expect(job.split[0]).toMatchObject({ read: want.summary.read });
      expect(job.results).toBe(toCsv(resultsTable(want)));
      expect(job.rejected).toBe(toCsv(rejectedTable(want)));
      expect(job.output.summary).toEqual(summaryOf(want));
      // one settle activity per partition with rows; the splitter rejected some rows itself
      const split = job.split[0] as JobSplitOutput;
      expect(job.history.filter((h) => h.name === SETTLE_PART)).toHaveLength(split.parts.length);
      expect(split.parts.length).toBe(shards === 1 ? 1 : shards);
      expect(split.rejected).toBeGreaterThan(0);
      if (scen) expect(job.output.summary!.violations.length).toBeGreaterThan(0);
    }
    const dups = toCsv(rejectedTable(whole(text))).split('\n').filter((l) => l.includes('重复'));
    expect(dups.length).toBeGreaterThan(20);
  });

  test('activities carry small totals only, on a ledger with thousands of rejected rows in 64 partitions; the intermediate blobs are removed', async () => {
    const lines = generateLedger(9, 4000).trimEnd().split('\n');
    const rows = lines.slice(1);
    // every other row again (a duplicate, some on another person) and a bad date after every third
    const out = [lines[0]];
    rows.forEach((r, i) => {
      out.push(r);
      if (i % 2 === 0) out.push(i % 4 === 0 ? r : r.replace(/,P\d+,/, ',Q1,'));
      if (i % 3 === 0) out.push(r.replace(/^[^,]*,/, `BAD${i},`).replace(/,(\d{4})-\d\d-/, ',$1-13-'));
    });
    const text = out.join('\n') + '\n';
    const want = whole(text);
    expect(want.summary.rejected).toBeGreaterThan(3000);
    const job = await runJob(text, { shards: 64 });
    expect(job.output.path).toBe('bulk');
    expect(job.results).toBe(toCsv(resultsTable(want)));
    expect(job.rejected).toBe(toCsv(rejectedTable(want)));
    expect(job.output.summary).toEqual(summaryOf(want));
    expect(job.history.filter((h) => h.name === SETTLE_PART)).toHaveLength(64);
    // only the lists of partitions grow with their number: under 16 KB at 64, under 64 KB at the most (256)
    const largest = Math.max(...job.history.flatMap((h) => [Buffer.byteLength(h.input), Buffer.byteLength(h.output)]));
    expect(largest).toBeLessThan(16 * 1024);
    for (const h of job.history) {
      expect(h.input + h.output).not.toMatch(/P\d{6}|Q1/); // no person id
      expect(h.input + h.output).not.toMatch(/重复|duplicate claim_id|无效/); // no rejection
    }
    const left: string[] = [];
    for await (const b of service.getContainerClient('yibao-jobs').listBlobsFlat({ prefix: `${job.jobId}/` })) left.push(b.name);
    expect(left.sort()).toEqual([`${job.jobId}/input.csv`, `${job.jobId}/rejected.csv`, `${job.jobId}/results.csv`]);
    expect(job.history.find((h) => h.name === CLEANUP)!.output).toMatch(/"deleted":\d{3,}/);
  });

  test('NDJSON: the job\'s results and rejected rows are the ordinary path\'s on the same lines (settleLedger on ndjsonRows)', async () => {
    // the sample's rows as JSON objects, one line broken, one claim repeated on another person
    const sample = fs.readFileSync(path.join(ROOT, 'samples', 'claims.csv'), 'utf8');
    const [head, ...body] = sample.trimEnd().split(/\r?\n/);
    const cols = head.split(',');
    const objects = body.map((l) => JSON.stringify(Object.fromEntries(l.split(',').map((c, i) => [cols[i], c]))));
    objects.splice(5, 0, '{"claim_id": 1');
    objects.push(objects[0].replace('"person_id":"LY01"', '"person_id":"ZZ9"'));
    const ndjson = objects.join('\n') + '\n';
    const rowsNd: LedgerRow[] = [];
    for await (const r of ndjsonRows((async function* () { yield ndjson; })())) rowsNd.push(r);
    const want = settleLedger(book, rowsNd);
    expect(want.rejections.map((r) => r.line)).toEqual(expect.arrayContaining([6, objects.length]));
    const job = await runJob(ndjson, { format: 'ndjson', shards: 3 });
    expect(job.output).toMatchObject({ status: 'completed', path: 'bulk', convention: 'spec' });
    expect(job.history.filter((h) => h.name === SETTLE_PART).length).toBeGreaterThan(1);
    expect(job.results).toBe(toCsv(resultsTable(want)));
    expect(job.rejected).toBe(toCsv(rejectedTable(want)));
    expect(job.output.summary).toEqual(summaryOf(want));
  });

  test('a national platform export and a spec-named export with city and category_column: results and rejected rows are `yibao settle`\'s on the same file, byte for byte', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-job-forms-'));
    /** `yibao settle FILE --out … ARGS`: its results file and its rejected rows file (null when none). */
    const cli = (text: string, args: string[]) => {
      const file = path.join(dir, `in-${randomUUID()}.csv`);
      fs.writeFileSync(file, text);
      const out = `${file}.out.csv`;
      const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/yibao.js'), 'settle', file, '--out', out, ...args], { encoding: 'utf8' });
      expect([0, 3]).toContain(r.status);
      return { results: fs.readFileSync(out, 'utf8'), rejected: fs.existsSync(`${out}.rejected.csv`) ? fs.readFileSync(`${out}.rejected.csv`, 'utf8') : null };
    };
    try {
      // the sample export (its line 6 is an ordinary outpatient claim, not settled), with a setl_id
      // repeated on another person and a repeated row with an unreadable amount
      const lines = fs.readFileSync(path.join(ROOT, 'samples', 'nhsa-export.csv'), 'utf8').trimEnd().split('\n');
      const nhsa = [...lines, lines[3].replace('37130000000100987650', '37130000000100999999'), lines[4].replace('80000.00', 'abc')].join('\n') + '\n';
      const want = cli(nhsa, []);
      expect(want.results.split('\n')[0]).toMatch(/^setl_id,/);
      expect(want.rejected!.split('\n')[0]).toBe('line,setl_id,reason_zh,reason_en');
      expect(want.rejected!.trimEnd().split('\n').map((l) => l.split(',')[0])).toEqual(['line', '6', '10', '11']);
      let job = await runJob(nhsa, { shards: 3 });
      expect(job.output).toMatchObject({ status: 'completed', path: 'bulk', convention: 'nhsa' });
      expect(job.results).toBe(want.results);
      expect(job.rejected).toBe(want.rejected);
      expect(job.output.summary).toMatchObject({ read: 10, settled: 7, rejected: 3 });
      // ?format=spec: the same export, results under the spec's names
      const asSpec = cli(nhsa, ['--format', 'spec']);
      expect(asSpec.results.split('\n')[0]).toBe(RESULT_HEADER);
      job = await runJob(nhsa, { shards: 2, convention: 'spec' });
      expect(job.results).toBe(asSpec.results);
      expect(job.rejected).toBe(asSpec.rejected);

      // the spec's names, without a city column, the category under a column of its own name
      const sample = fs.readFileSync(path.join(ROOT, 'samples', 'claims.csv'), 'utf8').trimEnd().split(/\r?\n/);
      const linyi = sample.filter((l, i) => i === 0 || l.includes(',linyi,')).map((l) => l.split(',').filter((_, i) => i !== 3).join(','));
      linyi[0] = linyi[0].replace('category', '人员类别');
      const noCity = linyi.join('\n') + '\n';
      const wantCity = cli(noCity, ['--city', 'linyi', '--category-column', '人员类别']);
      expect(wantCity.results.trimEnd().split('\n').length).toBeGreaterThan(5);
      job = await runJob(noCity, { shards: 3, city: 'linyi', categoryColumn: '人员类别' });
      expect(job.output).toMatchObject({ status: 'completed', path: 'bulk', convention: 'spec' });
      expect(job.results).toBe(wantCity.results);
      expect(job.rejected).toBe(wantCity.rejected);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a claim_id over 4,096 bytes, far into the file, fails the job with what to do; no blob is left but the input', async () => {
    const long = withBadRows(generateLedger(6, 1500), 6).replace(/\n(C[^,]*),/, (_m, id: string) => `\n${id}${'x'.repeat(5000)},`);
    const job = await runJob(long, { shards: 3 });
    expect(job.output.status).toBe('failed');
    expect(job.output.problem!.zh).toMatch(/claim_id 超过 4,096 字节.*yibao settle/);
    expect(job.output.problem!.en).toMatch(/claim_id over 4,096 bytes.*shorten those ids.*yibao settle/);
    expect(job.history.map((h) => h.name)).toEqual([SPLIT]);
    const left: string[] = [];
    for await (const b of service.getContainerClient('yibao-jobs').listBlobsFlat({ prefix: `${job.jobId}/` })) left.push(b.name);
    expect(left).toEqual([`${job.jobId}/input.csv`]);
  });

  test('the bulk path on edge inputs: a header alone, only unreadable rows, a header missing a column, a BOM alone', async () => {
    for (const text of [`${SPEC_HEADER}\n`, `${SPEC_HEADER}\nSHORT,1\n"open,2\n`]) {
      const want = whole(text);
      const job = await runJob(text, { shards: 4 });
      expect(job.output).toMatchObject({ status: 'completed', path: 'bulk' });
      expect(job.split[0]).toMatchObject({ parts: [], rejected: want.summary.rejected });
      expect(job.results).toBe(toCsv(resultsTable(want)));
      expect(job.rejected).toBe(want.summary.rejected ? toCsv(rejectedTable(want)) : null);
      expect(job.output.summary).toEqual(summaryOf(want));
    }
    for (const text of ['claim_id,person_id,category,city,date,kind,total\nc1,p1,dibao,linyi,2023-05-01,inpatient,10\n', '\uFEFF']) {
      let message = '';
      try {
        whole(text);
      } catch (e) {
        message = (e as Error).message;
      }
      const job = await runJob(text, { shards: 2 });
      expect(job.output.status).toBe('failed');
      expect(`${job.output.problem!.zh} (${job.output.problem!.en})`).toBe(message);
      expect(job.history.map((h) => h.name)).toEqual([SPLIT]);
    }
  });

});

describe('blob helpers of the bulk path', () => {
  test('a blob written in many small blocks, three uploading at once, reads back whole and in order; ranged reads of it and of an empty blob', async () => {
    const c = service.getContainerClient('yibao-jobs');
    await c.createIfNotExists();
    let seed = 3;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const pieces = Array.from({ length: 150 }, (_, i) => Buffer.alloc(Math.floor(rnd() * 700), String.fromCharCode(33 + (i % 90))));
    const w = new BytesBlobWriter(c, 'helpers/many-blocks', 1000, undefined, new Uploads(3));
    for (const p of pieces) await w.write(p);
    await w.close();
    const want = Buffer.concat(pieces);
    expect(await c.getBlobClient('helpers/many-blocks').downloadToBuffer()).toEqual(want);
    const blocks = await c.getBlockBlobClient('helpers/many-blocks').getBlockList('committed');
    expect(blocks.committedBlocks!.length).toBeGreaterThan(40);
    // read back in ranges of 1,000 bytes
    const source = blobSource(c, 'helpers/many-blocks', 1000);
    const got: Uint8Array[] = [];
    for (let b = await source(); b !== null; b = await source()) got.push(b);
    expect(got.every((b) => b.length <= 1000)).toBe(true);
    expect(Buffer.concat(got)).toEqual(want);
    // an empty blob (one upload) reads as nothing
    const e = new BytesBlobWriter(c, 'helpers/empty', 1000);
    await e.close();
    expect(await blobSource(c, 'helpers/empty', 1000)()).toBeNull();
    // a failed upload is not lost: the writer's close throws it
    const lost = new BytesBlobWriter(service.getContainerClient('no-such-container'), 'x', 100, undefined, new Uploads(2));
    await expect((async () => {
      for (let i = 0; i < 5; i++) await lost.write(Buffer.alloc(150));
      await lost.close();
    })()).rejects.toThrow(/container/i);
    // deleted under a prefix, in batches; again: nothing left to delete
    expect(await deleteUnder(c, ['helpers/'])).toBe(2);
    expect(await deleteUnder(c, ['helpers/'])).toBe(0);
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
    try {
      expect((await monthlyRun(new Date('2024-04-30T16:00:00Z'), context('monthlyRun'))).status).toBe('done');
    } finally {
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
    // Xixiu's monthly warning list (spec 10.6), the file `yibao settle --out` writes beside its results
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-monthly-cli-')), 'r.csv');
    // exit status 3: the sample's two rejected rows
    expect(spawnSync(process.execPath, [path.join(ROOT, 'bin', 'yibao.js'), 'settle', path.join(ROOT, 'samples', 'claims.csv'), '--out', out], { stdio: 'pipe' }).status).toBe(3);
    const monthlyList = await blobText('yibao-monthly', '2024/claims.csv.2024-05.monthly-warnings.csv');
    expect(monthlyList.split('\n')[0]).toBe('city,person_id,month,oop_total,line,claims');
    expect(monthlyList.split('\n').length).toBeGreaterThan(2);
    expect(monthlyList).toBe(fs.readFileSync(`${out}.monthly-warnings.csv`, 'utf8'));
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
    const budget = JSON.parse(await blobText('yibao-monthly', 'roster.csv.2024-05.budget.json')) as { year: number; date: string; totals: unknown };
    expect(budget.year).toBe(2024);
    expect(budget.date).toBe('2024-05-01');
    expect(budget.totals).toEqual({ persons: 2, assistance_fund: '300.00', county_finance: '460.00', individual: '0.00' });
    const report = JSON.parse(await blobText('yibao-monthly', 'monthly/2024-05.json')) as { items: { blob: string; ok: boolean }[] };
    expect(report.items.map((i) => [i.blob, i.ok])).toEqual([['2024/claims.csv', true], ['roster.csv', true]]);
  });

  test('YIBAO_MONTHLY_SCENARIO: the roster budget of a year past the packs under a scenario blob beside the packs\' carried standard', async () => {
    const c = service.getContainerClient('yibao-monthly');
    await c.createIfNotExists();
    const roster = Buffer.from('person_id,id_number,city,county,category,included_on,exited_on\nLY003,371302196001010130,linyi,兰山区,dibao,2022-05-10,\nLY004,371302197111200140,linyi,兰山区,dibao,2022-05-10,\n');
    await c.getBlockBlobClient('roster27.csv').upload(roster, roster.length);
    const scenario = Buffer.from(JSON.stringify({ name: '2027 标准 420', overrides: { 'contribution.individual@2027': 420 } }));
    await c.getBlockBlobClient('scenarios/2027.json').upload(scenario, scenario.length);
    process.env.YIBAO_MONTHLY_ROSTERS = 'roster27.csv';
    process.env.YIBAO_MONTHLY_SCENARIO = 'scenarios/2027.json';
    try {
      // 2027-01-31T16:00Z is 00:00 on 1 February 2027 in China
      expect((await monthlyRun(new Date('2027-01-31T16:00:00Z'), context('monthlyRun'))).status).toBe('done');
    } finally {
      delete process.env.YIBAO_MONTHLY_ROSTERS;
      delete process.env.YIBAO_MONTHLY_SCENARIO;
    }
    const text = await blobText('yibao-monthly', 'roster27.csv.2027-02.budget.json');
    // the packs hold the standard up to 2026: 2027 carries 400 forward and says so; the scenario sets 420.
    // Linyi's dibao subsidy (spec 5) is the whole contribution: 150 from the assistance fund, the rest
    // from the county: 2 × (400 − 150) = 500 under the packs, 2 × (420 − 150) = 540 under the scenario.
    expect(text).toContain('2027 年未设定，沿用 2026 年 400 元（假设）');
    expect(text).toContain('2027 标准 420');
    const doc = JSON.parse(text) as Record<string, unknown>;
    const found = (v: unknown): string[] => (v && typeof v === 'object' ? Object.entries(v).flatMap(([k, x]) => (k === 'county_finance' && typeof x === 'string' ? [x] : found(x))) : []);
    expect(found(doc)).toEqual(expect.arrayContaining(['500.00', '540.00']));
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
    try {
      expect((await monthlyRun(new Date('2024-06-01T00:00:00Z'), context('monthlyRun'))).status).toBe('failed');
    } finally {
      delete process.env.YIBAO_MONTHLY_LEDGERS;
    }
    const report = JSON.parse(await blobText('yibao-monthly', 'monthly/2024-06.json')) as { items: { ok: boolean; problem: { zh: string; en: string } }[] };
    expect(report.items[0]).toMatchObject({ ok: false, problem: { zh: '找不到该 blob', en: 'blob not found' } });
  });
});

describe('the job runs the command line\'s partition pipeline', () => {
  test('a ledger in 7 partitions with rejected rows, duplicates across partitions and a scenario: the job\'s results.csv and rejected.csv are `yibao settle`\'s in partitions, byte for byte', async () => {
    const lines = withBadRows(generateLedger(13, 3000), 13).trimEnd().split('\n');
    // every fifth row again on another person (its partition is another: the duplicate is found across partitions)
    const text = [lines[0], ...lines.slice(1).flatMap((r, i) => (i % 5 === 0 ? [r, r.replace(/,P\d+,/, ',Q7,')] : [r]))].join('\n') + '\n';
    const scenario = JSON.stringify({ name: 'low', city: 'linyi', overrides: { 'assistance.dibao.rate': '0.5', 'critical.deductible': '9000' } });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-job-cli-'));
    try {
      fs.writeFileSync(path.join(dir, 'ledger.csv'), text);
      fs.writeFileSync(path.join(dir, 'low.json'), scenario);
      const out = path.join(dir, 'out', 'r.csv');
      // about 3,800 rows in parts of 600: the command line partitions too
      const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/yibao.js'), 'settle', path.join(dir, 'ledger.csv'), '--scenario', path.join(dir, 'low.json'), '--out', out],
        { encoding: 'utf8', env: { ...process.env, YIBAO_MEMORY_ROWS: '1000', YIBAO_PART_ROWS: '600', TMPDIR: dir } });
      expect(r.stderr).not.toMatch(/Error/);
      expect(r.status).toBe(3); // rows were rejected
      const cliResults = fs.readFileSync(out, 'utf8');
      const cliRejected = fs.readFileSync(`${out}.rejected.csv`, 'utf8');
      expect(cliRejected.split('\n').filter((l) => l.includes('重复')).length).toBeGreaterThan(100);
      expect(cliRejected.split('\n').length).toBeGreaterThan(cliRejected.split('\n').filter((l) => l.includes('重复')).length + 5); // unreadable rows too
      const job = await runJob(text, { shards: 7, scenario });
      expect(job.output).toMatchObject({ status: 'completed', path: 'bulk' });
      expect(job.history.filter((h) => h.name === SETTLE_PART)).toHaveLength(7);
      expect(job.results).toBe(cliResults);
      expect(job.rejected).toBe(cliRejected);
      const want = settleLedger(defaultBook(), csvLedgerRows(text).rows, { scenario: parseScenario(defaultBook(), scenario) });
      expect(job.output.summary).toEqual(summaryOf(want));
      expect(job.output.summary!.violations.length).toBeGreaterThan(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a job that fails after its split leaves no intermediate blob: a partition fatal to the engine, an activity that throws', async () => {
    const text = withBadRows(generateLedger(17, 800), 17);
    const jobs = service.getContainerClient('yibao-jobs');
    const left = async (jobId: string) => {
      const names: string[] = [];
      for await (const b of jobs.listBlobsFlat({ prefix: `${jobId}/` })) names.push(b.name);
      return names.sort();
    };
    let asked = 0;
    const fatal = await runJob(text, { shards: 3 }, {
      [SETTLE_PART]: async (i) => (++asked === 2 ? { ...((await settlePartition(jobs, i as never)) as object), fatal: { zh: '坏', en: 'bad' } } : settlePartition(jobs, i as never)),
    });
    expect(fatal.output).toEqual({ status: 'failed', problem: { zh: '坏', en: 'bad' } });
    expect(fatal.history.at(-1)!.name).toBe(CLEANUP);
    expect(await left(fatal.jobId)).toEqual([`${fatal.jobId}/input.csv`]);

    let thrown: unknown;
    let jobId = '';
    try {
      await runJob(text, { shards: 3 }, {
        [SPLIT]: (i) => {
          jobId = (i as { jobId: string }).jobId;
          return splitJob(jobs, i as never);
        },
        [MERGE_PARTS]: async () => {
          throw new Error('merge lost');
        },
      });
    } catch (e) {
      thrown = e;
    }
    expect((thrown as Error).message).toBe('merge lost');
    expect(await left(jobId)).toEqual([`${jobId}/input.csv`]);
  });
});
