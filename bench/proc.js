'use strict';
// The processes the Functions benches start (bench/surfaces.js, bench/jobs.js): free ports, Azurite and
// the local host on them, the peak RSS of a process, a command under /usr/bin/time, and stopping them.
// Every child started goes into `started`, so a bench can stop them all at the end whatever happens.
const { spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const HOST = path.join(ROOT, 'dist', 'functions', 'local', 'host.js');
const YIBAO = path.join(ROOT, 'bin', 'yibao.js');
const AZURITE = path.join(ROOT, 'node_modules', 'azurite', 'dist', 'src', 'azurite.js');
// Azurite's published development account (the emulator's documented default, not a secret)
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

const started = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

function listening(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/** Peak RSS of a process in MB, read from /proc/<pid>/status (VmHWM) every 100 ms until stop(): VmHWM is lost with the process. */
function watchPeak(pid) {
  let peak = null;
  const read = () => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak ?? 0, Number(m[1]));
    } catch { /* the process is gone: keep the last reading */ }
  };
  read();
  const t = setInterval(read, 100);
  return { stop: () => { read(); clearInterval(t); return peak === null ? null : peak / 1024; } };
}

/** `node <args>` under /usr/bin/time: elapsed seconds and peak RSS (exit 3, some rows rejected, is a run). */
function timed(args, timeoutMs) {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M', process.execPath, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26, timeout: timeoutMs });
  const m = /TIME ([\d.]+) (\d+)\s*$/.exec(r.stderr ?? '');
  if (!m || (r.status !== 0 && r.status !== 3)) return { s: null, mb: null, error: (r.error?.message ?? r.stderr ?? '').slice(-400) };
  return { s: Number(m[1]), mb: Number(m[2]) / 1024 };
}

function sha256File(file) {
  return new Promise((resolve, reject) => {
    const h = crypto.createHash('sha256');
    fs.createReadStream(file).on('data', (d) => h.update(d)).on('end', () => resolve(h.digest('hex'))).on('error', reject);
  });
}

/** Stop a child: SIGTERM, then SIGKILL after 10 s. */
async function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  if (await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)])) return;
  child.kill('SIGKILL');
  await exited;
}

/** Azurite on free ports with its data under `dir`: the child, its ports and a connection string. */
async function startAzurite(dir) {
  const ports = { blob: await freePort(), queue: await freePort(), table: await freePort() };
  const location = path.join(dir, 'azurite');
  fs.mkdirSync(location, { recursive: true });
  const child = spawn(process.execPath, [AZURITE, '--silent', '--disableTelemetry', '--skipApiVersionCheck', '--location', location,
    '--blobHost', '127.0.0.1', '--blobPort', String(ports.blob), '--queueHost', '127.0.0.1', '--queuePort', String(ports.queue),
    '--tableHost', '127.0.0.1', '--tablePort', String(ports.table)], { stdio: ['ignore', 'ignore', 'inherit'] });
  started.push(child);
  const deadline = Date.now() + 30_000;
  while (!(await listening(ports.blob))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('Azurite did not start within 30 s');
    await sleep(200);
  }
  const ep = (kind, port) => `${kind}Endpoint=http://127.0.0.1:${port}/devstoreaccount1;`;
  const connection = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${DEV_KEY};${ep('Blob', ports.blob)}${ep('Queue', ports.queue)}${ep('Table', ports.table)}`;
  return { child, ports, connection };
}

/**
 * The local Functions host on a free port, on the bench's Azurite (YIBAO_AZURITE=0: no emulator of its
 * own; give AzureWebJobsStorage in env). The last megabyte of its output is kept (reports are read there).
 */
async function startHost(env) {
  const port = await freePort();
  const key = `bench-${crypto.randomBytes(12).toString('hex')}`;
  const e = { ...process.env };
  delete e.YIBAO_STORAGE;
  delete e.AzureWebJobsStorage;
  Object.assign(e, { YIBAO_PORT: String(port), YIBAO_LOCAL_KEY: key, YIBAO_AZURITE: '0' }, env);
  const child = spawn(process.execPath, [HOST], { cwd: ROOT, env: e, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  const host = { child, port, key, base: `http://127.0.0.1:${port}`, out: '' };
  const keep = (d) => { host.out = (host.out + d).slice(-(1 << 20)); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const deadline = Date.now() + 60_000;
  while (!/--data-binary/.test(host.out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the host did not start: ${host.out.slice(-500)}`);
    await sleep(100);
  }
  return host;
}

/** Why the host is gone (its exit, and whether it ran out of memory), or null while it runs. */
function hostGone(host) {
  const c = host.child;
  if (c.exitCode === null && c.signalCode === null) return null;
  return `host exited (${c.signalCode ?? `code ${c.exitCode}`}${/heap limit|out of memory/i.test(host.out) ? ', out of memory' : ''})`;
}

module.exports = { ROOT, HOST, YIBAO, started, sleep, freePort, watchPeak, timed, sha256File, stop, startAzurite, startHost, hostGone };
