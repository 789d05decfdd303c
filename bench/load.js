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
  const res = await fetch(url, { method: 'POST', headers: { 'x-functions-key': key, 'content-type': 'text/csv' }, body });
  const text = await res.text();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const settled = Number(res.headers.get('x-yibao-settled'));
  const rejected = Number(res.headers.get('x-yibao-rejected'));
  const lines = text.split('\n\n')[0].trim().split('\n').length - 1;
  const ok = res.status === 200 && settled === claims && rejected === 0 && lines === claims;
  return { ms, ok, status: res.status };
}

const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

/** Run the load; returns figures and the number of failed requests (any non-200 or lost row). */
async function runLoad({ small = 2000, smallClaims = 5, concurrency = 32, large = 100000, seconds = 120 } = {}) {
  const { url, key, host } = await startHost();
  try {
    const bodies = Array.from({ length: 64 }, (_, i) => ledger(`s${i}`, smallClaims));
    const bigBody = ledger('big', large);
    const started = Date.now();
    const stopAt = started + seconds * 1000;
    const bigRun = post(url, key, bigBody, large);
    const lat = [];
    let failed = 0;
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < small && Date.now() < stopAt) {
        const i = next++;
        const r = await post(url, key, bodies[i % bodies.length], smallClaims);
        lat.push(r.ms);
        if (!r.ok) failed++;
      }
    }));
    const smallSeconds = (Date.now() - started) / 1000;
    const big = await bigRun;
    if (!big.ok) failed++;
    lat.sort((a, b) => a - b);
    return {
      requests: lat.length, failed, rps: lat.length / smallSeconds,
      p50: pct(lat, 50), p95: pct(lat, 95), p99: pct(lat, 99), max: lat[lat.length - 1],
      largeClaims: large, largeMs: big.ms, hostPeakRssMb: peakRssMb(host.pid),
    };
  } finally {
    host.kill('SIGTERM');
  }
}

module.exports = { runLoad };

if (require.main === module) {
  const small = Number(process.env.LOAD_REQUESTS || 5000);
  const large = Number(process.env.LOAD_LARGE || 200000);
  runLoad({ small, large, concurrency: 64, seconds: 180 }).then((r) => {
    console.log('负载测试 load test (127.0.0.1, local host, POST /api/settle)');
    console.log(`  小请求 small requests: ${r.requests} × 5 claims, 64 concurrent: ${r.rps.toFixed(0)} req/s; latency p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(1)} ms`);
    console.log(`  大请求 large request beside them: ${r.largeClaims} claims in ${(r.largeMs / 1000).toFixed(2)} s`);
    console.log(`  主机峰值内存 host peak RSS: ${r.hostPeakRssMb} MB`);
    console.log(`  失败或丢行 failed or lost rows: ${r.failed}`);
    process.exitCode = r.failed ? 1 : 0;
  }, (e) => { console.error(e.message); process.exitCode = 1; });
}
