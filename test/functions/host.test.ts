// The local host of `npm start`: started on free ports (its own Azurite too), it prints the URLs and
// one curl; the printed curl, run as printed, returns the settled sample ledger. Stopped by PID.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, waitForPort, ROOT } from './helpers';
import { ensureBuilt } from './local-host';

const HOST = path.join(ROOT, 'dist', 'functions', 'local', 'host.js');

let host: ChildProcess | undefined;
let out = '';
let port = 0;
let blobPort = 0;

beforeAll(async () => {
  // npm test builds first (pretest); build here too when the sources are newer than dist.
  ensureBuilt(HOST);
  port = await freePort();
  blobPort = await freePort();
  const [q, t] = [await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = { ...process.env, YIBAO_PORT: String(port), YIBAO_AZURITE_BLOB_PORT: String(blobPort), YIBAO_AZURITE_QUEUE_PORT: String(q), YIBAO_AZURITE_TABLE_PORT: String(t), YIBAO_AZURITE_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-azurite-')) };
  delete env.AzureWebJobsStorage;
  delete env.YIBAO_STORAGE;
  host = spawn(process.execPath, [HOST], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  host.stdout!.on('data', (d) => (out += String(d)));
  host.stderr!.on('data', (d) => (out += String(d)));
  const deadline = Date.now() + 40000;
  while (!/--data-binary/.test(out)) {
    if (host.exitCode !== null) throw new Error(`host exited: ${out}`);
    if (Date.now() > deadline) throw new Error(`host did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await waitForPort(port);
}, 60000);

afterAll(async () => {
  if (host && host.exitCode === null) {
    const exited = new Promise((r) => host!.once('exit', r));
    process.kill(host.pid!, 'SIGTERM');
    await exited;
  }
  // its Azurite went with it
  await new Promise((r) => setTimeout(r, 300));
  const net = await import('node:net');
  const open = await new Promise<boolean>((resolve) => {
    const c = net.connect({ host: '127.0.0.1', port: blobPort });
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
  expect(open).toBe(false);
});

describe('npm start (functions/local/host.ts)', () => {
  test('prints the captured registrations with routes, methods and auth levels, and the key', () => {
    expect(out).toMatch(new RegExp(`POST +http://127\\.0\\.0\\.1:${port}/api/settle +\\[function\\] settle`));
    expect(out).toMatch(/GET +http:\/\/127\.0\.0\.1:\d+\/api\/policies\/\{city\?\} +\[anonymous\] policies/);
    expect(out).toMatch(/POST +http:\/\/127\.0\.0\.1:\d+\/api\/scenarios\/compare +\[function\]/);
    expect(out).toMatch(/timer monthlyRun schedule "0 0 0 1 \* \*"/);
    expect(out).toMatch(/本地函数密钥 local function key: \S{20,}/);
  });

  test('the printed curl returns the settled sample ledger', () => {
    const curl = out.trim().split('\n').find((l) => l.startsWith('curl '))!;
    expect(curl).toContain('@samples/claims.csv');
    const text = execFileSync('bash', ['-c', `${curl} -i`], { cwd: ROOT, encoding: 'utf8' });
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    expect(text).toMatch(/x-yibao-settled: 38/i);
    expect(text).toContain('\nLY-0001,30000.00,9100.00,7630.00,0.00,3270.00,13270.00,,\n');
    expect(text).toMatch(/\n41,XX-0013,日期“2024-02-30”无效/);
  });

  test('function keys are enforced; the policy listing is anonymous; a job starts on the local Durable runner', async () => {
    const sample = fs.readFileSync(path.join(ROOT, 'samples', 'claims.csv'));
    let res = await fetch(`http://127.0.0.1:${port}/api/settle`, { method: 'POST', body: sample });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { zh: string }).zh).toMatch(/函数密钥/);
    res = await fetch(`http://127.0.0.1:${port}/api/settle?code=wrong`, { method: 'POST', body: sample });
    expect(res.status).toBe(401);
    res = await fetch(`http://127.0.0.1:${port}/api/policies/xixiu`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { id: string }).id).toBe('xixiu');
    res = await fetch(`http://127.0.0.1:${port}/api/policies`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    const key = /local function key: (\S+)/.exec(out)![1];
    res = await fetch(`http://127.0.0.1:${port}/api/jobs`, { method: 'POST', body: sample });
    expect(res.status).toBe(401);
    res = await fetch(`http://127.0.0.1:${port}/api/jobs?code=${key}`, { method: 'POST', body: sample });
    expect(res.status).toBe(202);
    expect(((await res.json()) as { statusQueryGetUri: string }).statusQueryGetUri).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/runtime/webhooks/durabletask/instances/`));
    // NDJSON by Accept through the host's streamed answer
    res = await fetch(`http://127.0.0.1:${port}/api/settle`, { method: 'POST', body: sample, headers: { 'x-functions-key': key, 'content-type': 'text/csv', accept: 'application/x-ndjson' } });
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    expect(lines.filter((l) => l.type === 'result')).toHaveLength(38);
    expect(lines.at(-1)!.type).toBe('summary');
  });

  test('POST /admin/functions/monthlyRun runs the timer function against the host\'s Azurite', async () => {
    const key = /local function key: (\S+)/.exec(out)![1];
    const res = await fetch(`http://127.0.0.1:${port}/admin/functions/monthlyRun`, { method: 'POST', headers: { 'x-functions-key': key } });
    expect(res.status).toBe(202);
    const deadline = Date.now() + 10000;
    while (!/monthlyRun: 完成 done/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    // nothing configured: a warning, not done
    expect(out).toMatch(/monthly run \d{4}-\d{2}: no ledger or roster is configured/);
  });
});
