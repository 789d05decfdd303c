// The local Durable runner under `npm start`'s host (functions/local/durable*.ts), against a real
// Azurite, HTTP in and HTTP out: a settle job equal to `yibao settle --out` to the byte, the host killed
// (SIGKILL) in the middle of the settle step and started again, an activity that fails, the
// orchestrator replayed from the history the host recorded. Azurite is started here and stopped by
// PID; the host runs with YIBAO_AZURITE=0 on it, so that a killed host leaves the storage as it was.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite, ROOT } from './helpers';
import { startHost as startLocalHost, ensureBuilt, hostPorts, type HostPorts, type LocalHost } from './local-host';
import { generateLedger } from '../oracle/gen-ledger';
import { withBadRows } from '../bulk/ledgers';
import { ledgerJob } from '../../functions/jobs/orchestrator';
import { replay, uniqueActions } from '../../functions/local/durable';
import { EVENT, type HistoryEvent } from '../../functions/local/durable-store';

const KEY = 'durable-test-key-0123456789';
// the SDK's own wrapper of an orchestrator, as df.app.orchestration registers it
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createOrchestrator } = require('durable-functions/lib/src/util/testingUtils') as { createOrchestrator: (fn: unknown) => (...a: unknown[]) => unknown };

let azurite: Awaited<ReturnType<typeof startAzurite>>;
let ports: HostPorts;
let base = '';
let tmp = '';
let host: LocalHost | undefined;

/** The host on this test's Azurite (YIBAO_AZURITE=0), on the same port across restarts. */
function startHost(extra: Record<string, string> = {}): Promise<LocalHost> {
  return startLocalHost({ ...extra, YIBAO_LOCAL_KEY: KEY, YIBAO_AZURITE: '0', AzureWebJobsStorage: azurite.connection }, ports);
}

async function stopHost(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!host || host.child.exitCode !== null || host.child.signalCode !== null) return;
  const exited = new Promise((r) => host!.child.once('exit', r));
  process.kill(host.child.pid!, signal);
  await exited;
  host = undefined;
}

beforeAll(async () => {
  ensureBuilt();
  azurite = await startAzurite();
  ports = await hostPorts();
  base = `http://127.0.0.1:${ports.port}`;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-durable-'));
}, 300000); // a build and Azurite's start on a busy machine

afterAll(async () => {
  await stopHost();
  await azurite?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const headers = { 'x-functions-key': KEY };

interface Status { id: string; runtimeStatus: string; progress: { stage: string; shards_done: number; shards_total: number } | null; summary: Record<string, unknown> | null; problem: { zh: string; en: string } | null; resultsUri: string | null; rejectedUri: string | null }

async function status(id: string): Promise<Status> {
  const res = await fetch(`${base}/api/jobs/${id}`, { headers });
  return (await res.json()) as Status;
}

async function until(id: string, done: (s: Status) => boolean, ms = 90000): Promise<Status> {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = await status(id);
    if (done(s)) return s;
    if (Date.now() > deadline) throw new Error(`job ${id}: still ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const finished = (s: Status) => !['Pending', 'Running'].includes(s.runtimeStatus);

async function startJob(file: string, query: string): Promise<{ id: string; statusQueryGetUri: string }> {
  const res = await fetch(`${base}/api/jobs?${query}`, { method: 'POST', headers: { ...headers, 'content-type': 'text/csv' }, body: fs.readFileSync(file) });
  expect(res.status).toBe(202);
  return (await res.json()) as { id: string; statusQueryGetUri: string };
}

/** `yibao settle FILE --out …`: its results file, its rejected rows file and the counts it printed. */
function cli(file: string): { results: string; rejected: string; counts: { read: number; settled: number; rejected: number } } {
  const out = path.join(tmp, `${path.basename(file)}.cli.csv`);
  let said = '';
  try {
    execFileSync(process.execPath, [path.join(ROOT, 'bin', 'yibao.js'), 'settle', file, '--out', out], { stdio: 'pipe' });
  } catch (e) {
    if ((e as { status?: number }).status !== 3) throw e; // 3: some rows rejected
    said = String((e as { stdout?: Buffer }).stdout) + String((e as { stderr?: Buffer }).stderr);
  }
  const m = /\(read (\d+), settled (\d+), rejected (\d+)\)/.exec(said);
  if (!m) throw new Error(`yibao settle printed no counts: ${said}`);
  return { results: fs.readFileSync(out, 'utf8'), rejected: fs.readFileSync(`${out}.rejected.csv`, 'utf8'), counts: { read: Number(m[1]), settled: Number(m[2]), rejected: Number(m[3]) } };
}

function ledgerFile(name: string, seed: number, claims: number): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, withBadRows(generateLedger(seed, claims), seed));
  return file;
}

async function historyOf(statusQueryGetUri: string): Promise<{ input: unknown; output: unknown; history: HistoryEvent[] }> {
  const res = await fetch(`${statusQueryGetUri}&showHistory=true`);
  expect(res.status).toBe(200);
  return (await res.json()) as { input: unknown; output: unknown; history: HistoryEvent[] };
}

const blobsUnder = async (prefix: string) => {
  const names: string[] = [];
  for await (const b of BlobServiceClient.fromConnectionString(azurite.connection).getContainerClient('yibao-jobs').listBlobsFlat({ prefix })) names.push(b.name);
  return names;
};

/** Each episode of the job's recorded history, replayed, schedules what the host recorded it scheduling; the last gives its output. */
async function replaysTheSame(done: { id: string; statusQueryGetUri: string }): Promise<void> {
  const { input, output, history } = await historyOf(done.statusQueryGetUri);
  for (const e of history) e.Timestamp = new Date(e.Timestamp);
  const handler = createOrchestrator(ledgerJob);
  const starts = history.flatMap((e, i) => (e.EventType === EVENT.OrchestratorStarted ? [i] : []));
  expect(starts.length).toBeGreaterThan(3);
  let scheduledBefore = 0;
  for (const at of starts) {
    // the episode saw the history up to its own new events; it answered the TaskScheduled that follow
    let end = at + 1;
    while (end < history.length && ![EVENT.TaskScheduled, EVENT.OrchestratorCompleted].includes(history[end].EventType as never)) end++;
    const state = await replay(handler as never, done.id, input, history.slice(0, end));
    const recorded: HistoryEvent[] = [];
    for (let k = end; history[k]?.EventType === EVENT.TaskScheduled; k++) recorded.push(history[k]);
    const actions = uniqueActions(state).slice(scheduledBefore);
    expect(actions.map((a) => [a.functionName, JSON.stringify(a.input)])).toEqual(recorded.map((e) => [e.Name, e.Input]));
    scheduledBefore += recorded.length;
    if (at === starts.at(-1)) {
      expect(state.isDone).toBe(true);
      expect(state.output).toEqual(output);
    }
  }
}

describe('the local Durable runner (npm start)', () => {
  let done: { id: string; statusQueryGetUri: string } | undefined;

  test('a settle job: 202 with the management URLs, progress, then results and rejected rows equal to yibao settle to the byte', async () => {
    host = await startHost();
    const file = ledgerFile('settle.csv', 31, 800);
    const job = await startJob(file, 'shards=4');
    expect(job.statusQueryGetUri).toMatch(new RegExp(`^${base}/runtime/webhooks/durabletask/instances/${job.id}\\?`));
    const s = await until(job.id, finished);
    expect(s.runtimeStatus).toBe('Completed');
    expect(s.progress).toEqual({ stage: 'done', shards_done: s.progress!.shards_total, shards_total: s.progress!.shards_total });
    const expected = cli(file);
    const results = await fetch(s.resultsUri!, { headers });
    expect(results.headers.get('content-type')).toMatch(/text\/csv/);
    expect(await results.text()).toBe(expected.results);
    expect(await (await fetch(s.rejectedUri!, { headers })).text()).toBe(expected.rejected);
    // the summary counts what the command line wrote
    expect(expected.counts.rejected).toBeGreaterThan(0);
    expect(s.summary).toMatchObject(expected.counts);
    // JSON by Accept: one object per results row, the CSV's text in each field
    const json = (await (await fetch(s.resultsUri!, { headers: { ...headers, accept: 'application/json' } })).json()) as Record<string, string>[];
    const [head, first] = expected.results.split('\n');
    expect(json).toHaveLength(expected.counts.settled);
    expect(Object.keys(json[0])).toEqual(head.split(','));
    expect(Object.values(json[0]).join(',')).toBe(first);
    // the Durable status URL, as createCheckStatusResponse handed it out, without the function key: 401
    expect((await fetch(job.statusQueryGetUri.replace(/&code=[^&]+/, ''))).status).toBe(401);
    done = job;
  }, 120000);

  test('a national platform export and an NDJSON body run as jobs too: results and rejected rows as yibao settle writes them', async () => {
    expect(host).toBeDefined();
    // the export: results and rejected rows under the platform's names (setl_id, …)
    const nhsa = path.join(ROOT, 'samples', 'nhsa-export.csv');
    const job = await startJob(nhsa, 'shards=3');
    const s = await until(job.id, finished);
    expect(s.runtimeStatus).toBe('Completed');
    const expected = cli(nhsa);
    expect(expected.rejected.split('\n')[0]).toBe('line,setl_id,reason_zh,reason_en');
    expect(await (await fetch(s.resultsUri!, { headers })).text()).toBe(expected.results);
    expect(await (await fetch(s.rejectedUri!, { headers })).text()).toBe(expected.rejected);
    expect(s.summary).toMatchObject(expected.counts);

    // the sample ledger as NDJSON, one object a line: the CSV's results; its rejected rows one line
    // earlier (an NDJSON body has no header line), for the same reasons
    const claims = path.join(ROOT, 'samples', 'claims.csv');
    const [head, ...rows] = fs.readFileSync(claims, 'utf8').trimEnd().split(/\r?\n/);
    const cols = head.split(',');
    const ndjson = rows.map((l) => JSON.stringify(Object.fromEntries(l.split(',').map((c, i) => [cols[i], c])))).join('\n') + '\n';
    const res = await fetch(`${base}/api/jobs?shards=2`, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-ndjson' }, body: ndjson });
    expect(res.status).toBe(202);
    const nd = await until(((await res.json()) as { id: string }).id, finished);
    expect(nd.runtimeStatus).toBe('Completed');
    const csv = cli(claims);
    expect(csv.counts.rejected).toBe(2);
    expect(await (await fetch(nd.resultsUri!, { headers })).text()).toBe(csv.results);
    const earlier = csv.rejected.split('\n').map((l, i) => (i === 0 || l === '' ? l : l.replace(/^\d+/, (n) => String(Number(n) - 1))));
    expect(await (await fetch(nd.rejectedUri!, { headers })).text()).toBe(earlier.join('\n'));
  }, 120000);

  test('the orchestrator replayed from the history the host recorded gives the same actions, episode by episode', async () => {
    expect(done).toBeDefined();
    await replaysTheSame(done!);
  }, 60000);

  test('budget, compare and summary jobs: results equal to yibao budget and yibao settle --compare to the byte, and to POST /api/budget and POST /api/settle?summary=', async () => {
    const roster = path.join(ROOT, 'samples', 'roster.csv');
    const claims = path.join(ROOT, 'samples', 'claims.csv');
    const scenarioFile = path.join(ROOT, 'samples', 'scenario-linyi-dibao-75.json');
    const scenario = encodeURIComponent(fs.readFileSync(scenarioFile, 'utf8'));
    const out = path.join(tmp, 'cli-budget.csv');
    const run = (args: string[]) => {
      try {
        execFileSync(process.execPath, [path.join(ROOT, 'bin', 'yibao.js'), ...args], { stdio: 'pipe' });
      } catch (e) {
        if ((e as { status?: number }).status !== 3) throw e; // 3: some rows rejected
      }
    };
    run(['budget', roster, '--year', '2024', '--out', out]);
    run(['settle', claims, '--compare', scenarioFile, '--out', path.join(tmp, 'cli-compare.csv')]);

    const budgetCsv = await startJob(roster, 'kind=budget&year=2024&answer=csv');
    const budgetJson = await startJob(roster, 'kind=budget&year=2024');
    const compare = await startJob(claims, `kind=compare&answer=csv&scenario=${scenario}`);
    for (const job of [budgetCsv, budgetJson, compare]) expect((await until(job.id, finished)).runtimeStatus).toBe('Completed');

    const b = await status(budgetCsv.id);
    expect(b.rejectedUri).toBeNull();
    expect(b.summary).toMatchObject({ read: 33 });
    expect(await (await fetch(b.resultsUri!, { headers })).text()).toBe(fs.readFileSync(out, 'utf8'));
    // asked as CSV: JSON cannot be had from it
    expect((await fetch(b.resultsUri!, { headers: { ...headers, accept: 'application/json' } })).status).toBe(406);
    const direct = await fetch(`${base}/api/budget?year=2024`, { method: 'POST', headers: { ...headers, 'content-type': 'text/csv' }, body: fs.readFileSync(roster) });
    const viaJob = await fetch((await status(budgetJson.id)).resultsUri!, { headers });
    expect(viaJob.headers.get('content-type')).toMatch(/application\/json/);
    expect(await viaJob.text()).toBe(await direct.text());
    const c = await status(compare.id);
    expect(await (await fetch(c.resultsUri!, { headers })).text()).toBe(fs.readFileSync(path.join(tmp, 'cli-compare.csv.compare.csv'), 'utf8'));
    // a summary job: POST /api/settle?summary= as a job
    const summary = await startJob(claims, 'kind=summary&summary=county,category&answer=csv');
    expect((await until(summary.id, finished)).runtimeStatus).toBe('Completed');
    const settleSummary = await fetch(`${base}/api/settle?summary=county,category`, { method: 'POST', headers: { ...headers, 'content-type': 'text/csv', accept: 'text/csv' }, body: fs.readFileSync(claims) });
    expect(await (await fetch((await status(summary.id)).resultsUri!, { headers })).text()).toBe(await settleSummary.text());
    // a compare job without a scenario is refused before it starts
    const bad = await fetch(`${base}/api/jobs?kind=compare`, { method: 'POST', headers: { ...headers, 'content-type': 'text/csv' }, body: fs.readFileSync(claims) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { zh: string }).zh).toMatch(/scenario/);
    // their steps replay as deterministically as the settle job's
    for (const job of [budgetCsv, compare, summary]) await replaysTheSame(job);
  }, 120000);

  test('the host killed (SIGKILL) during the settle step and started again: the job completes with the same results, each activity counted once', async () => {
    await stopHost();
    host = await startHost({ YIBAO_DURABLE_ACTIVITY_DELAY_MS: '1200' });
    const file = ledgerFile('killed.csv', 47, 1200);
    const job = await startJob(file, 'shards=8');
    const mid = await until(job.id, (s) => s.progress?.stage === 'settle' && s.progress.shards_done >= 1 && s.progress.shards_done < s.progress.shards_total);
    await stopHost('SIGKILL');
    host = await startHost();
    expect(host.out()).toMatch(/恢复运行 resumed \((\d+) activities to run again\)/);
    const rerun = Number(/resumed \((\d+) activities/.exec(host.out())![1]);
    expect(rerun).toBeLessThanOrEqual(mid.progress!.shards_total - mid.progress!.shards_done);
    const s = await until(job.id, finished);
    expect(s.runtimeStatus).toBe('Completed');
    const expected = cli(file);
    expect(await (await fetch(s.resultsUri!, { headers })).text()).toBe(expected.results);
    expect(await (await fetch(s.rejectedUri!, { headers })).text()).toBe(expected.rejected);
    expect(s.summary).toMatchObject(expected.counts);
    // one result per scheduled activity in the history, none twice
    const { history } = await historyOf(job.statusQueryGetUri);
    const scheduled = history.filter((e) => e.EventType === EVENT.TaskScheduled).map((e) => e.EventId);
    const results = history.filter((e) => e.EventType === EVENT.TaskCompleted).map((e) => e.TaskScheduledId);
    expect([...results].sort((a, b) => a! - b!)).toEqual(scheduled);
    expect(history.filter((e) => e.Name === 'yibaoSettlePartition')).toHaveLength(mid.progress!.shards_total);
  }, 180000);

  test('an activity that fails fails the job with a problem in Chinese and English; its intermediate blobs are removed; DELETE removes the rest', async () => {
    await stopHost();
    host = await startHost({ YIBAO_DURABLE_ACTIVITY_DELAY_MS: '1000' });
    const file = ledgerFile('failing.csv', 53, 300);
    const job = await startJob(file, 'shards=3');
    // while the dedupe step waits, the partitions' rows go: the settle activities cannot read them
    await until(job.id, (s) => s.progress?.stage === 'dedupe');
    const svc = BlobServiceClient.fromConnectionString(azurite.connection).getContainerClient('yibao-jobs');
    for (const name of await blobsUnder(`${job.id}/parts/rows-`)) await svc.deleteBlob(name);
    const s = await until(job.id, finished);
    expect(s.runtimeStatus).toBe('Failed');
    expect(s.problem!.zh).toMatch(/作业失败/);
    expect(s.problem!.en).toMatch(/the job failed/);
    expect(await blobsUnder(`${job.id}/parts/`)).toEqual([]);
    expect((await fetch(`${base}/api/jobs/${job.id}/results`, { headers })).status).toBe(409);
    const del = await fetch(`${base}/api/jobs/${job.id}`, { method: 'DELETE', headers });
    expect(del.status).toBe(200);
    expect(await blobsUnder(`${job.id}/`)).toEqual([]);
    expect((await fetch(`${base}/api/jobs/${job.id}`, { headers })).status).toBe(404);
  }, 120000);

  test('the monthly run as an orchestration: one instance per month, a second trigger reports it, a clean re-run leaves no stale rejected file', async () => {
    await stopHost();
    host = await startHost({ YIBAO_DURABLE_ACTIVITY_DELAY_MS: '800', YIBAO_MONTHLY_LEDGERS: 'm/claims.csv', YIBAO_MONTHLY_ROSTERS: 'm/roster.csv' });
    const c = BlobServiceClient.fromConnectionString(azurite.connection).getContainerClient('yibao-monthly');
    await c.createIfNotExists();
    const claims = fs.readFileSync(path.join(ROOT, 'samples', 'claims.csv'), 'utf8');
    await c.getBlockBlobClient('m/claims.csv').upload(claims, Buffer.byteLength(claims));
    await c.getBlockBlobClient('m/roster.csv').uploadFile(path.join(ROOT, 'samples', 'roster.csv'));
    const run = async () => (await fetch(`${base}/api/monthly?month=2024-05`, { method: 'POST', headers })).json() as Promise<{ id: string; started: boolean; runtimeStatus: string }>;
    const report = async () => {
      const deadline = Date.now() + 60000;
      for (;;) {
        const res = await fetch(`${base}/api/monthly/2024-05`, { headers });
        if (res.status === 200) return (await res.json()) as { runtimeStatus: string; status: string; report: { items: { blob: string; ok: boolean; written: string[]; removed: string[] }[] } };
        if (Date.now() > deadline) throw new Error('the monthly run did not finish');
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const first = await run();
    expect(first).toMatchObject({ id: 'monthly-2024-05', started: true });
    const second = await run();
    expect(second).toMatchObject({ id: 'monthly-2024-05', started: false });
    expect(['Pending', 'Running']).toContain(second.runtimeStatus);
    let r = await report();
    expect(r).toMatchObject({ runtimeStatus: 'Completed', status: 'done' });
    expect(r.report.items.map((i) => [i.blob, i.ok])).toEqual([['m/claims.csv', true], ['m/roster.csv', true]]);
    expect(await c.getBlobClient('m/claims.csv.2024-05.rejected.csv').exists()).toBe(true);
    // the ledger corrected (lines 15 and 41 were the bad rows) and the month run again
    const clean = claims.split('\n').filter((_, i) => i !== 14 && i !== 40).join('\n');
    await c.getBlockBlobClient('m/claims.csv').upload(clean, Buffer.byteLength(clean));
    expect(await run()).toMatchObject({ started: true });
    r = await report();
    expect(r.status).toBe('done');
    expect(r.report.items[0].removed).toEqual(['m/claims.csv.2024-05.rejected.csv']);
    expect(await c.getBlobClient('m/claims.csv.2024-05.rejected.csv').exists()).toBe(false);
    const results = (await c.getBlobClient('m/claims.csv.2024-05.results.csv').downloadToBuffer()).toString('utf8');
    expect(results.trim().split('\n')).toHaveLength(39); // the header and the 38 claims
    expect(JSON.parse((await c.getBlobClient('monthly/2024-05.json').downloadToBuffer()).toString('utf8'))).toMatchObject({ month: '2024-05', status: 'done' });
  }, 120000);
});
