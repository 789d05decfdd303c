'use strict';
// npm run bench:surfaces — the figures of issue 12 for the Functions app's large surfaces, beside the
// command line on the same seeded Linyi ledger (bench/gen.js), on 127.0.0.1 only:
//  1. `yibao settle --compare s.json` and `yibao settle` of the ledger: wall time and peak RSS;
//  2. POST /api/scenarios/compare of the ledger with one scenario, on a local host (dist/functions/
//     local/host.js) started for it: wall time and the host's peak RSS (VmHWM); meanwhile small
//     POST /api/settle requests at a steady rate, bounded: latency p50/p95/p99, failures and connection resets;
//  3. the monthly run (the orchestration the timer starts, run now by POST /api/monthly) of the same ledger in
//     Azurite, on a second host: time, the host's peak RSS, and whether its results file is the one
//     `yibao settle` writes.
// Every figure is printed with its goal; none fails the run (exit 0 unless the bench itself cannot
// run). It stops every process it starts and removes its temporary folder.
//
// SURFACES_CLAIMS (or the first argument): claims in the ledger, default 1,200,000.
// SURFACES_TIMEOUT: seconds each surface may take before it is abandoned (default 900).
// SURFACES_SMALL_MAX: most small requests sent beside the compare (default 20,000), SURFACES_SMALL_RATE
// a second (default 20), at most 256 waiting at once.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { generate } = require('./gen');
const { ROOT, HOST, YIBAO, started, sleep, watchPeak, timed: timedFor, sha256File, stop, startAzurite, startHost, hostGone } = require('./proc');
const SCENARIO = { city: 'linyi', overrides: { 'assistance.dibao.rate': 0.75 } };
const SMALL_HEADER = 'claim_id,person_id,category,city,date,kind,hospital_level,total,compliant,basic_paid';
const CONTAINER = 'yibao-bench';

const claims = Number(process.argv[2] || process.env.SURFACES_CLAIMS || 1_200_000);
const timeoutMs = Number(process.env.SURFACES_TIMEOUT || 900) * 1000;
const smallMax = Number(process.env.SURFACES_SMALL_MAX || 20_000);
const smallRate = Number(process.env.SURFACES_SMALL_RATE || 20);
const timed = (args) => timedFor(args, timeoutMs);
if (!Number.isInteger(claims) || claims < 1) throw new Error(`SURFACES_CLAIMS must be a whole number of claims, not ${claims}`);

const fmtS = (s) => (s === null ? '–' : `${s.toFixed(2)} s`);
const fmtMb = (m) => (m === null ? '–' : `${m.toFixed(0)} MB`);
const fmtMs = (x) => (x === undefined ? '–' : `${x.toFixed(1)} ms`);
const verdict = (ok) => (ok === null ? '(not measured)' : ok ? '✓ reached' : '✗ not reached');

const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

function smallBody(i) {
  const rows = [SMALL_HEADER];
  for (let k = 0; k < 5; k++) rows.push(`s${i}-${k},sp${i},${k % 2 ? 'dibao' : 'ordinary'},linyi,2024-0${1 + k}-15,inpatient,,${1000 + 37 * k}.00,${800 + 29 * k}.50,`);
  return rows.join('\n') + '\n';
}

async function postSmall(host, i) {
  const t0 = performance.now();
  try {
    const res = await fetch(`${host.base}/api/settle`, { method: 'POST', headers: { 'x-functions-key': host.key, 'content-type': 'text/csv' }, body: smallBody(i), signal: AbortSignal.timeout(60_000) });
    await res.text();
    return { ms: performance.now() - t0, ok: res.status === 200, error: res.status === 200 ? null : `HTTP ${res.status}` };
  } catch (e) {
    return { ms: performance.now() - t0, ok: false, error: e.cause?.code ?? e.name ?? String(e) };
  }
}

/** POST /api/scenarios/compare of the ledger, with small settle requests beside it until it is answered. */
async function compareSurface(file) {
  const host = await startHost({});
  const peak = watchPeak(host.child.pid);
  try {
    for (let i = 0; i < 32; i++) await postSmall(host, i); // not measured: the first calls load the policy packs
    const url = `${host.base}/api/scenarios/compare?scenario=${encodeURIComponent(JSON.stringify(SCENARIO))}`;
    const body = fs.readFileSync(file);
    let done = false;
    const t0 = performance.now();
    const big = fetch(url, { method: 'POST', headers: { 'x-functions-key': host.key, 'content-type': 'text/csv' }, body, signal: AbortSignal.timeout(timeoutMs) })
      .then(async (res) => ({ status: res.status, text: await res.text() }))
      .catch((e) => ({ status: 0, text: '', error: e.cause?.code ?? e.name ?? String(e) }))
      .then((r) => { done = true; return { ...r, s: (performance.now() - t0) / 1000 }; });
    // Open loop: one request every 1/rate s whether or not the last ones were answered (a closed loop
    // would send nothing while the host is blocked, and its percentiles would not show the block).
    const lat = [];
    const errors = new Map();
    const inFlight = new Set();
    for (let i = 0; !done && i < smallMax && !hostGone(host); i++) {
      if (inFlight.size < 256) {
        const p = postSmall(host, 1000 + i).then((r) => {
          lat.push(r.ms);
          if (!r.ok) errors.set(r.error, (errors.get(r.error) ?? 0) + 1);
          inFlight.delete(p);
        });
        inFlight.add(p);
      }
      await sleep(1000 / smallRate);
    }
    await Promise.all(inFlight);
    const r = await big;
    lat.sort((a, b) => a - b);
    let answer = null;
    if (r.status === 200) {
      try { answer = JSON.parse(r.text); } catch { /* not JSON: reported below as a failure */ }
    }
    const failure = r.status === 200 && answer ? null : hostGone(host) ?? (r.error ? `request failed: ${r.error}` : `HTTP ${r.status}: ${r.text.slice(0, 200)}`);
    const resets = [...errors].filter(([e]) => /ECONNRESET|ECONNREFUSED|UND_ERR_SOCKET|EPIPE/.test(String(e))).reduce((n, [, k]) => n + k, 0);
    return { s: failure ? null : r.s, failedAfter: failure ? r.s : null, failure, mb: peak.stop(), small: { n: lat.length, p50: pct(lat, 50), p95: pct(lat, 95), p99: pct(lat, 99), max: lat[lat.length - 1], failed: [...errors.values()].reduce((a, b) => a + b, 0), resets, errors: [...errors].map(([e, k]) => `${e} × ${k}`) } };
  } finally {
    peak.stop();
    await stop(host.child);
  }
}

/** The monthly run of the ledger (uploaded to Azurite), on a host of its own. */
async function monthlySurface(dir, file, cliResults) {
  const { BlobServiceClient } = require('@azure/storage-blob');
  const azurite = await startAzurite(dir);
  try {
    const blob = 'claims/ledger.csv';
    const container = BlobServiceClient.fromConnectionString(azurite.connection).getContainerClient(CONTAINER);
    await container.createIfNotExists();
    await container.getBlockBlobClient(blob).uploadFile(file);
    const host = await startHost({ AzureWebJobsStorage: azurite.connection, YIBAO_MONTHLY_CONTAINER: CONTAINER, YIBAO_MONTHLY_LEDGERS: blob, YIBAO_MONTHLY_ROSTERS: '' });
    const peak = watchPeak(host.child.pid);
    try {
      // POST /api/monthly runs this month's orchestration now (as the timer does); its status is polled
      const headers = { 'x-functions-key': host.key };
      const t0 = performance.now();
      const res = await fetch(`${host.base}/api/monthly`, { method: 'POST', headers });
      if (res.status !== 202) return { s: null, mb: peak.stop(), failure: `HTTP ${res.status}` };
      const { statusUri } = await res.json();
      let failure = null;
      for (;;) {
        const st = await fetch(statusUri, { headers }).then((r) => r.json(), () => null);
        if (st && st.runtimeStatus === 'Completed' && st.status === 'done') break;
        if (st && (st.runtimeStatus === 'Failed' || st.runtimeStatus === 'Terminated' || (st.runtimeStatus === 'Completed' && st.status !== 'done'))) {
          failure = `${st.runtimeStatus}: ${JSON.stringify(st.report?.items?.find((i) => i.problem)?.problem ?? st.warning ?? '').slice(0, 300)}`;
          break;
        }
        if (hostGone(host)) { failure = hostGone(host); break; }
        if (performance.now() - t0 > timeoutMs) { failure = `not done within ${timeoutMs / 1000} s`; break; }
        await sleep(100);
      }
      const s = (performance.now() - t0) / 1000;
      const rss = peak.stop();
      if (failure) return { s: null, failedAfter: s, mb: rss, failure };
      // the run's results beside the ledger: the same bytes as `yibao settle` writes?
      let same = null;
      for await (const b of container.listBlobsFlat({ prefix: `${blob}.` })) {
        if (!b.name.endsWith('.results.csv')) continue;
        const local = path.join(dir, 'monthly-results.csv');
        await container.getBlobClient(b.name).downloadToFile(local);
        same = (await sha256File(local)) === (await sha256File(cliResults));
        fs.rmSync(local, { force: true });
      }
      return { s, mb: rss, same };
    } finally {
      peak.stop();
      await stop(host.child);
    }
  } finally {
    await stop(azurite.child);
  }
}

async function main() {
  if (!fs.existsSync(HOST)) throw new Error('dist/functions/local/host.js is missing: run npx tsc -p tsconfig.json first');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-surfaces-'));
  try {
    const file = path.join(dir, `linyi-${claims}.csv`);
    generate(file, claims);
    const scenarioFile = path.join(dir, 'scenario.json');
    fs.writeFileSync(scenarioFile, JSON.stringify(SCENARIO));
    const size = fs.statSync(file).size / 2 ** 20;
    console.log(`surfaces of issue 12: ${claims.toLocaleString('en-US')} Linyi claims (bench/gen.js, ${size.toFixed(0)} MB), scenario ${JSON.stringify(SCENARIO)}; ${os.cpus().length} cores, node ${process.version}`);

    const cliResults = path.join(dir, 'cli-results.csv');
    const cliCompare = timed([YIBAO, 'settle', file, '--compare', scenarioFile, '--out', path.join(dir, 'cli-compare.csv')]);
    const cliSettle = timed([YIBAO, 'settle', file, '--out', cliResults]);
    console.log(`  yibao settle --compare:   ${fmtS(cliCompare.s)}  peak RSS ${fmtMb(cliCompare.mb)}${cliCompare.error ? `  (failed: ${cliCompare.error})` : ''}`);
    console.log(`  yibao settle:             ${fmtS(cliSettle.s)}  peak RSS ${fmtMb(cliSettle.mb)}${cliSettle.error ? `  (failed: ${cliSettle.error})` : ''}`);

    const c = await compareSurface(file);
    const ratio = c.s !== null && cliCompare.s ? c.s / cliCompare.s : null;
    console.log(`  POST /api/scenarios/compare: ${c.failure ? `not answered (${c.failure}) after ${fmtS(c.failedAfter)}` : fmtS(c.s)}  host peak RSS ${fmtMb(c.mb)}`);
    console.log(`    ${ratio === null ? '–' : `${ratio.toFixed(2)}×`} the time of yibao settle --compare   goal ≤ 2×: ${verdict(ratio === null ? (c.failure ? false : null) : ratio <= 2)}`);
    console.log(`    host peak RSS goal < 600 MB: ${verdict(c.mb === null ? null : !c.failure && c.mb < 600)}`);
    const sm = c.small;
    console.log(`  small POST /api/settle beside it (5 claims, ${smallRate} a second, ${sm.n} sent): p50 ${fmtMs(sm.p50)}, p95 ${fmtMs(sm.p95)}, p99 ${fmtMs(sm.p99)}, max ${fmtMs(sm.max)}; failed ${sm.failed}, connection resets ${sm.resets}${sm.errors.length ? ` (${sm.errors.join(', ')})` : ''}`);
    console.log(`    goal p95 < 300 ms with no reset: ${verdict(sm.n ? sm.p95 < 300 && sm.resets === 0 : null)}`);

    const m = await monthlySurface(dir, file, cliResults);
    const mRatio = m.s !== null && cliSettle.s ? m.s / cliSettle.s : null;
    const mCompare = m.s !== null && cliCompare.s ? m.s / cliCompare.s : null;
    console.log(`  monthly run (its orchestration, POST /api/monthly, ledger in Azurite): ${m.failure ? `not done (${m.failure})${m.failedAfter ? ` after ${fmtS(m.failedAfter)}` : ''}` : fmtS(m.s)}  host peak RSS ${fmtMb(m.mb)}${m.same === undefined || m.same === null ? '' : `  results file the same as yibao settle's: ${m.same ? 'yes' : 'NO'}`}`);
    console.log(`    ${mRatio === null ? '–' : `${mRatio.toFixed(2)}×`} yibao settle, ${mCompare === null ? '–' : `${mCompare.toFixed(2)}×`} yibao settle --compare   goal ≤ 2×: ${verdict(mCompare === null ? (m.failure ? false : null) : mCompare <= 2)}`);
    console.log(`    host peak RSS goal < 600 MB: ${verdict(m.mb === null ? null : !m.failure && m.mb < 600)}`);
  } finally {
    for (const child of started) await stop(child);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch(async (e) => {
  console.error(`bench:surfaces could not run: ${e.message}`);
  for (const child of started) await stop(child);
  process.exitCode = 1;
});
