'use strict';
// Load test of the local Functions host (issue 6): many concurrent small POST /api/settle calls and one
// large one at the same time, on 127.0.0.1 only, bounded in count and time. Every request must answer
// 200 with every row settled (read = settled + rejected, nothing lost). Used by `npm run bench:load`
// (full size) and by test/trust/load.test.ts (short form).
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const HEADER = 'claim_id,person_id,category,city,date,kind,hospital_level,total,compliant,basic_paid';
const CATS = ['1', '2', '3', '5', '6', '8', 'ordinary'];

function ledger(prefix, n) {
  const rows = [HEADER];
  for (let i = 0; i < n; i++) {
    const total = 1000 + ((i * 7919) % 90000);
    rows.push(`${prefix}-${i},${prefix}-p${i >> 2},${CATS[i % CATS.length]},linyi,2024-${String(1 + (i % 12)).padStart(2, '0')}-15,inpatient,,${total}.00,${Math.floor(total * 0.8)}.50,`);
  }
  return rows.join('\n') + '\n';
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

function peakRssMb(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch { return null; }
}

async function startHost() {
  const port = await freePort();
  const key = 'load-test-key-0123456789';
  const host = spawn(process.execPath, [path.join(ROOT, 'dist/functions/local/host.js')], {
    cwd: ROOT, env: { ...process.env, YIBAO_PORT: String(port), YIBAO_LOCAL_KEY: key, YIBAO_AZURITE: '0' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  host.stdout.on('data', (d) => (out += d));
  host.stderr.on('data', (d) => (out += d));
  const deadline = Date.now() + 30000;
  while (!/--data-binary/.test(out)) {
    if (host.exitCode !== null || Date.now() > deadline) throw new Error(`host did not start: ${out.slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `http://127.0.0.1:${port}/api/settle`, key, host };
}

async function post(url, key, body, claims) {
  const t0 = process.hrtime.bigint();
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'x-functions-key': key, 'content-type': 'text/csv' }, body });
    const text = await res.text();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const settled = Number(res.headers.get('x-yibao-settled'));
    const rejected = Number(res.headers.get('x-yibao-rejected'));
    const lines = text.split('\n\n')[0].trim().split('\n').length - 1;
    const ok = res.status === 200 && settled === claims && rejected === 0 && lines === claims;
    return { ms, ok, status: res.status, path: res.headers.get('x-yibao-path') };
  } catch (e) {
    // a connection reset or refused: a failed request, counted as such
    return { ms: Number(process.hrtime.bigint() - t0) / 1e6, ok: false, status: 0, error: e.cause?.code ?? e.message };
  }
}

const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

/**
 * Run the load; returns figures and the number of failed requests (any non-200 or lost row). First
 * `warmup` small requests, not measured. With
 * `whileLarge` the small requests go on (past `small`) until the large answer is in, so that some are
 * sent while it is being settled; `during` gives the latencies of those sent before it was in.
 */
async function runLoad({ small = 2000, smallClaims = 5, concurrency = 32, large = 100000, seconds = 120, whileLarge = false, warmup = 0 } = {}) {
  const { url, key, host } = await startHost();
  try {
    const bodies = Array.from({ length: 64 }, (_, i) => ledger(`s${i}`, smallClaims));
    const bigBody = ledger('big', large);
    // not measured: a host just started reads its policy packs and compiles its code on the first calls
    for (let w = 0; w < warmup; w += concurrency) {
      await Promise.all(Array.from({ length: Math.min(concurrency, warmup - w) }, (_, i) => post(url, key, bodies[i % bodies.length], smallClaims)));
    }
    const started = Date.now();
    const stopAt = started + seconds * 1000;
    let bigDone = false;
    let bigEnd = 0;
    const bigRun = post(url, key, bigBody, large).then((r) => { bigDone = true; bigEnd = Date.now(); return r; });
    const lat = [];
    const sentAt = [];
    const errors = new Set();
    let failed = 0;
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while ((next < small || (whileLarge && !bigDone)) && Date.now() < stopAt) {
        const i = next++;
        const sent = Date.now();
        const r = await post(url, key, bodies[i % bodies.length], smallClaims);
        lat.push(r.ms);
        sentAt.push([sent, r.ms]);
        if (!r.ok) { failed++; errors.add(r.error ?? `HTTP ${r.status}`); }
      }
    }));
    const smallSeconds = (Date.now() - started) / 1000;
    const big = await bigRun;
    if (!big.ok) { failed++; errors.add(`large: ${big.error ?? `HTTP ${big.status}`}`); }
    lat.sort((a, b) => a - b);
    const during = sentAt.filter(([t]) => t < bigEnd).map(([, m]) => m).sort((a, b) => a - b);
    return {
      requests: lat.length, failed, errors: [...errors], rps: lat.length / smallSeconds,
      p50: pct(lat, 50), p95: pct(lat, 95), p99: pct(lat, 99), max: lat[lat.length - 1],
      during: { requests: during.length, p50: pct(during, 50), p95: pct(during, 95), p99: pct(during, 99), max: during[during.length - 1] },
      largeClaims: large, largeMs: big.ms, largePath: big.path ?? null, hostPeakRssMb: peakRssMb(host.pid),
      smallAfterLargeMs: Math.max(0, Date.now() - bigEnd),
    };
  } finally {
    host.kill('SIGTERM');
  }
}

module.exports = { runLoad };

if (require.main === module) {
  const small = Number(process.env.LOAD_REQUESTS || 5000);
  const large = Number(process.env.LOAD_LARGE || 200000);
  const ms = (x) => (x === undefined ? '–' : `${x.toFixed(1)} ms`);
  runLoad({ small, large, concurrency: 64, seconds: 180, whileLarge: true, warmup: 256 }).then((r) => {
    console.log('负载测试 load test (127.0.0.1, local host, POST /api/settle; after 256 small requests to warm the host up)');
    console.log(`  小请求 small requests: ${r.requests} × 5 claims, 64 concurrent (at least ${small}, and on until the large answer is in): ${r.rps.toFixed(0)} req/s; latency p50 ${ms(r.p50)}, p95 ${ms(r.p95)}, p99 ${ms(r.p99)}, max ${ms(r.max)}`);
    console.log(`  大请求进行中发出 sent while the large request was in flight: ${r.during.requests}; latency p50 ${ms(r.during.p50)}, p95 ${ms(r.during.p95)}, p99 ${ms(r.during.p99)}, max ${ms(r.during.max)}`);
    console.log(`  大请求 large request beside them: ${r.largeClaims} claims in ${(r.largeMs / 1000).toFixed(2)} s (x-yibao-path: ${r.largePath})`);
    console.log(`  主机峰值内存 host peak RSS: ${r.hostPeakRssMb} MB`);
    console.log(`  失败或丢行 failed or lost rows: ${r.failed}${r.errors.length ? ` (${r.errors.join(', ')})` : ''}`);
    process.exitCode = r.failed ? 1 : 0;
  }, (e) => { console.error(e.message); process.exitCode = 1; });
}
