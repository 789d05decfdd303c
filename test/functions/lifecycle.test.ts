// The local host's lifecycle (functions/local/azurite.ts, host.ts): the Azurite it starts is recorded
// and goes with it however it ends (SIGKILL included); one an earlier host left is stopped by its
// pid file; one it did not start is reported, used, and left running; SIGTERM during a large
// settle stops everything within a few seconds, without a stack trace.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT, waitForPort } from './helpers';
import { startHost, hostPorts, until, type HostPorts } from './local-host';
import { generateLedger } from '../oracle/gen-ledger';

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
const pidOf = (out: string) => Number(/Azurite \(pid (\d+)\)/.exec(out)?.[1]);

/** An Azurite started by the test itself (no watchdog, as an older host or an operator would). */
async function ownAzurite(p: HostPorts): Promise<number> {
  const child = spawn(process.execPath, [path.join(ROOT, 'node_modules', 'azurite', 'dist', 'src', 'azurite.js'), '--silent', '--disableTelemetry', '--skipApiVersionCheck', '--inMemoryPersistence',
    '--blobHost', '127.0.0.1', '--blobPort', String(p.blobPort), '--queueHost', '127.0.0.1', '--queuePort', String(p.queuePort), '--tableHost', '127.0.0.1', '--tablePort', String(p.tablePort)],
  { stdio: 'ignore', detached: true });
  child.unref();
  await waitForPort(p.blobPort);
  return child.pid!;
}

test('SIGKILL and restart: no orphaned Azurite, no stale state; a left-over one is stopped by its pid file', async () => {
  const ports = await hostPorts();
  const first = await startHost({}, ports);
  const pid1 = pidOf(first.out());
  expect(alive(pid1)).toBe(true);
  expect(JSON.parse(fs.readFileSync(path.join(first.dir, 'azurite.pid'), 'utf8'))).toMatchObject({ pid: pid1, host: first.child.pid });
  first.child.kill('SIGKILL');
  await until(() => !alive(pid1), 10000, 'the orphan Azurite to end');

  const second = await startHost({}, ports, first.dir);
  try {
    const pid2 = pidOf(second.out());
    expect(pid2).not.toBe(pid1);
    expect(JSON.parse(fs.readFileSync(path.join(second.dir, 'azurite.pid'), 'utf8'))).toMatchObject({ pid: pid2, host: second.child.pid });
    const health = (await (await fetch(`${second.base}/api/health`)).json()) as { storage: { reachable: boolean } };
    expect(health.storage.reachable).toBe(true);
  } finally {
    await second.stop();
  }
  expect(fs.existsSync(path.join(second.dir, 'azurite.pid'))).toBe(false);

  // an Azurite an earlier host recorded (one without the watchdog): stopped, and a new one started
  const old = await ownAzurite(ports);
  fs.writeFileSync(path.join(second.dir, 'azurite.pid'), JSON.stringify({ pid: old, blobPort: ports.blobPort, host: 1 }));
  const third = await startHost({}, ports, second.dir);
  try {
    expect(alive(old)).toBe(false);
    expect(third.out()).toMatch(new RegExp(`left running \\(pid ${old}\\)`));
    expect(pidOf(third.out())).not.toBe(old);
  } finally {
    await third.stop();
  }
}, 120000);

test('an Azurite this host did not start is reported, used, and left running', async () => {
  const ports = await hostPorts();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-foreign-'));
  const foreign = await ownAzurite(ports);
  try {
    const host = await startHost({}, ports, dir);
    expect(host.out()).toMatch(/did not start already listens on 127\.0\.0\.1:\d+: used as it is/);
    expect(host.out()).not.toMatch(/数据 data in/);
    const health = (await (await fetch(`${host.base}/api/health`)).json()) as { storage: { reachable: boolean } };
    expect(health.storage).toMatchObject({ reachable: true });
    await host.stop();
    expect(alive(foreign)).toBe(true);
  } finally {
    process.kill(foreign, 'SIGKILL');
  }
}, 60000);

test('SIGTERM during a large settle: the host and its Azurite stop within seconds, no stack trace', async () => {
  const host = await startHost();
  const azurite = pidOf(host.out());
  const body = generateLedger(73, 60_000);
  const ac = new AbortController();
  const pending = fetch(`${host.base}/api/settle`, { method: 'POST', body, headers: { 'x-functions-key': host.key, accept: 'application/x-ndjson' }, signal: ac.signal })
    // answered, or cut before or after its headers (the body then ends with "other side closed")
    .then(async (r) => { await r.text(); return 'answered'; })
    .catch(() => 'cut');
  await new Promise((r) => setTimeout(r, 1000)); // its body on the way, or being settled
  const t0 = Date.now();
  await host.stop();
  const took = Date.now() - t0;
  expect(took).toBeLessThan(8000);
  await until(() => !alive(azurite), 5000, 'its Azurite to end');
  ac.abort();
  await pending;
  expect(host.out()).not.toMatch(/\n\s+at /);
  expect(host.out()).toMatch(/SIGTERM: 停止 stopping/);
}, 90000);
