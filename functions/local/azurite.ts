// The local host's Azurite: started by the host, recorded in a pid file, stopped only by the host
// that started it. Three guards:
//  - it runs in its own process group, so Ctrl-C in the terminal reaches only the host (which then
//    stops it quietly) and never prints Azurite's own shutdown trace;
//  - it is started with a watchdog (./azurite-watchdog) that ends it when the host's end of a pipe
//    closes, which happens however the host ends, SIGKILL included: no orphan;
//  - the pid file (`azurite.pid` in its data folder) names the one this host started, so a later
//    host can stop one an earlier host left behind (a watchdog-less older version), and never
//    stops an Azurite someone else started: that one is reported and used as it is.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';

export interface AzuritePorts { blobPort: number; queuePort: number; tablePort: number }

export type Azurite =
  | { kind: 'started'; pid: number; location: string; child: ChildProcess; stop: () => Promise<void> }
  | { kind: 'foreign'; port: number };

interface PidRecord { pid: number; blobPort: number; host: number }

export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

/** Whether a pid is an Azurite (its command line names azurite): a recycled pid is left alone. */
function isAzurite(pid: number): boolean {
  try {
    return /azurite/i.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return false;
  }
}

async function waitExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** SIGTERM, then SIGKILL after `ms` if it is still there. */
async function terminate(pid: number, ms = 2000): Promise<void> {
  try { process.kill(pid, 'SIGTERM'); } catch { return; }
  if (!(await waitExit(pid, ms))) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone meanwhile */ }
    await waitExit(pid, 1000);
  }
}

/** An Azurite an earlier host recorded and left running: stop it (it is ours, by its pid file). */
async function stopLeftOver(pidFile: string, log: (msg: string) => void): Promise<void> {
  let rec: PidRecord | undefined;
  try { rec = JSON.parse(fs.readFileSync(pidFile, 'utf8')) as PidRecord; } catch { return; }
  if (rec && Number.isInteger(rec.pid) && rec.host !== process.pid && alive(rec.pid) && isAzurite(rec.pid)) {
    log(`停止上一个本地主机留下的存储模拟器 stopping the storage emulator an earlier local host left running (pid ${rec.pid})`);
    await terminate(rec.pid);
  }
  fs.rmSync(pidFile, { force: true });
}

export async function startAzurite(root: string, location: string, o: AzuritePorts, log: (msg: string) => void): Promise<Azurite> {
  fs.mkdirSync(location, { recursive: true });
  const pidFile = path.join(location, 'azurite.pid');
  await stopLeftOver(pidFile, log);
  if (await listening(o.blobPort)) return { kind: 'foreign', port: o.blobPort };

  const bin = path.join(root, 'node_modules', 'azurite', 'dist', 'src', 'azurite.js');
  const child = spawn(process.execPath, ['--require', path.join(__dirname, 'azurite-watchdog.js'), bin,
    '--silent', '--disableTelemetry', '--skipApiVersionCheck', '--location', location, '--debug', path.join(location, 'debug.log'),
    '--blobHost', '127.0.0.1', '--blobPort', String(o.blobPort),
    '--queueHost', '127.0.0.1', '--queuePort', String(o.queuePort),
    '--tableHost', '127.0.0.1', '--tablePort', String(o.tablePort),
  ], { stdio: ['pipe', 'ignore', 'pipe'], detached: true });
  // its stderr is kept (the last 4 KB) for a failure to start, never printed on a normal stop
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr = (stderr + String(d)).slice(-4096); });
  child.stdin!.on('error', () => undefined);
  const pid = child.pid!;
  fs.writeFileSync(pidFile, JSON.stringify({ pid, blobPort: o.blobPort, host: process.pid } satisfies PidRecord));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) await terminate(pid);
    try {
      const rec = JSON.parse(fs.readFileSync(pidFile, 'utf8')) as PidRecord;
      if (rec.pid === pid) fs.rmSync(pidFile, { force: true });
    } catch { /* already gone */ }
  };
  const deadline = Date.now() + 30_000;
  while (!(await listening(o.blobPort))) {
    if (child.exitCode !== null) { await stop(); throw new Error(`Azurite exited with code ${child.exitCode}: ${stderr.trim()}`); }
    if (Date.now() > deadline) { await stop(); throw new Error('Azurite did not start within 30 s'); }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { kind: 'started', pid, location, child, stop };
}
