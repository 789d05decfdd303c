'use strict';
// npm run bench:jobs — the figures of issue 13: a settle job and a budget job through the local host
// (dist/functions/local/host.js, its own Durable runner, on an Azurite started here), beside the
// command line on the same files, on 127.0.0.1 only:
//  1. a seeded Linyi ledger (bench/gen.js) and a roster shaped like bench/budget.js's; `yibao settle
//     <ledger> --out …` and `yibao budget <roster> --year 2026 --out …` under /usr/bin/time: wall time
//     and peak RSS;
//  2. the ledger POSTed as a settle job and the roster as a budget job (`answer=csv`), each on a host of
//     its own (so that each peak RSS, VmHWM, is its job's), the body streamed from the file; the job
//     polled to Completed, its results (and a settle job's rejected rows) fetched and compared with the
//     command line's files byte for byte; wall time from the POST to Completed, the host's peak RSS and
//     the ratio to the command line.
// Issue 13 sets no number of its own: the goals printed are issue 12's for the host's large surfaces
// (≤ 2× the command line, host peak RSS < 600 MB) and issue 14's for a budget (peak RSS < 800 MB).
// Every figure is printed with its goal; none fails the run (exit 0 unless the bench itself cannot
// run). It stops every process it starts and removes its temporary folder.
//
// JOBS_CLAIMS: claims in the ledger (default 2,000,000); JOBS_PERSONS: rows of the roster (default
// 10,000,000); JOBS_TIMEOUT: seconds each command or job may take before it is abandoned (default 1800).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Readable } = require('node:stream');
const { generate } = require('./gen');

const { ROOT, HOST, YIBAO, started, sleep, watchPeak, timed: timedFor, sha256File, stop, startAzurite, startHost, hostGone } = require('./proc');
const YEAR = 2026;
// the host's default YIBAO_MAX_JOB_BYTES (functions/settings.ts): the limit of a POST /api/jobs body
const JOB_LIMIT = 2 * 1024 * 1024 * 1024;

const claims = Number(process.env.JOBS_CLAIMS || 2_000_000);
const persons = Number(process.env.JOBS_PERSONS || 10_000_000);
const timeoutMs = Number(process.env.JOBS_TIMEOUT || 1800) * 1000;
const timed = (args) => timedFor([YIBAO, ...args], timeoutMs);
for (const [name, n] of [['JOBS_CLAIMS', claims], ['JOBS_PERSONS', persons], ['JOBS_TIMEOUT', timeoutMs]]) {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number, not ${process.env[name]}`);
}

const fmtS = (s) => (s === null ? '–' : `${s.toFixed(2)} s`);
const fmtMb = (m) => (m === null ? '–' : `${m.toFixed(0)} MB`);
const fmtX = (x) => (x === null ? '–' : `${x.toFixed(2)}×`);
const verdict = (ok) => (ok === null ? '(not measured)' : ok ? '✓ reached' : '✗ not reached');

/** A roster shaped like bench/budget.js's (three cities, their categories, a duplicate every 100th row), exits in YEAR. */
function writeRoster(file, n) {
  const CITIES = [
    ['linyi', ['兰山区', '河东区', '罗庄区', '沂水县', '平邑县'], ['dibao', 'extremely_poor', 'dibao_marginal', '5', '6', 'relapsed', 'ordinary']],
    ['luan', ['金安区', '裕安区', '霍邱县', '舒城县', '金寨县'], ['dibao', 'extremely_poor', 'relapsed', 'monitored', '5', 'alleviated']],
    ['xixiu', ['西秀区'], ['dibao', 'extremely_poor', 'alleviated', 'ordinary']],
  ];
  const ID = '11010519491231002X'; // one valid 18-digit number (GB 11643 example) on every tenth row
  const fd = fs.openSync(file, 'w');
  let text = 'person_id,id_number,city,county,category,included_on,exited_on\n';
  for (let i = 0; i < n; i++) {
    const c = CITIES[i % 3];
    const person = i % 100 === 99 ? `P${i - 50}` : `P${i}`;
    text += `${person},${i % 10 === 0 ? ID : ''},${c[0]},${c[1][(i >> 3) % c[1].length]},${c[2][(i >> 2) % c[2].length]},,${i % 97 === 0 ? `${YEAR}-06-30` : ''}\n`;
    if (text.length > 1 << 20) { fs.writeSync(fd, text); text = ''; }
  }
  fs.writeSync(fd, text);
  fs.closeSync(fd);
}

/** GET a job's part into a file, streamed; whether it has the bytes of `expected` (read whole only when `expected` is missing: a header). */
async function sameAs(host, uri, expected, dir) {
  const res = await fetch(uri, { headers: { 'x-functions-key': host.key }, signal: AbortSignal.timeout(timeoutMs) });
  if (res.status !== 200) return false;
  const local = path.join(dir, 'job-part');
  await new Promise((resolve, reject) => Readable.fromWeb(res.body).pipe(fs.createWriteStream(local)).on('finish', resolve).on('error', reject));
  // `yibao settle` writes no rejected file when none were rejected; the job's is then the header alone
  const same = fs.existsSync(expected)
    ? (await sha256File(local)) === (await sha256File(expected))
    : fs.readFileSync(local, 'utf8').split('\n').filter(Boolean).length === 1;
  fs.rmSync(local, { force: true });
  return same;
}

/** A job of `file` on a host of its own: POST (streamed body) to Completed, then its results checked against the command line's files. */
async function job(azurite, file, query, expected, dir) {
  const env = { AzureWebJobsStorage: azurite.connection };
  if (fs.statSync(file).size > JOB_LIMIT) env.YIBAO_MAX_JOB_BYTES = String(fs.statSync(file).size + 1);
  const host = await startHost(env);
  const peak = watchPeak(host.child.pid);
  const headers = { 'x-functions-key': host.key };
  try {
    const t0 = performance.now();
    const post = await fetch(`${host.base}/api/jobs?${query}`, { method: 'POST', headers: { ...headers, 'content-type': 'text/csv' }, body: Readable.toWeb(fs.createReadStream(file)), duplex: 'half', signal: AbortSignal.timeout(timeoutMs) })
      .catch((e) => ({ status: 0, text: async () => e.cause?.code ?? e.name ?? String(e) }));
    if (post.status !== 202) return { s: null, mb: peak.stop(), failure: hostGone(host) ?? `POST: HTTP ${post.status} ${(await post.text()).slice(0, 300)}` };
    const { id } = await post.json();
    const posted = (performance.now() - t0) / 1000;
    let s;
    const pollErrors = [];
    for (;;) {
      s = await fetch(`${host.base}/api/jobs/${id}`, { headers }).then(async (r) => ({ http: r.status, ...(await r.json()) })).catch((e) => ({ http: 0, error: e.cause?.code ?? e.name ?? String(e) }));
      // a status answer that is not one (a problem, a dropped connection) is counted and printed, and the
      // job polled again, as a client would: it is a fault of the host's to report, not the job's end
      if (s.http !== 200 && s.http !== 202) {
        pollErrors.push(`HTTP ${s.http} ${JSON.stringify(s).slice(0, 300)}`);
        if (pollErrors.length >= 20) return { s: null, failedAfter: (performance.now() - t0) / 1000, mb: peak.stop(), failure: hostGone(host) ?? `GET /api/jobs/${id} failed 20 times`, pollErrors };
      } else if (!['Pending', 'Running'].includes(s.runtimeStatus)) break;
      const gone = hostGone(host);
      if (gone) return { s: null, failedAfter: (performance.now() - t0) / 1000, mb: peak.stop(), failure: gone };
      if (performance.now() - t0 > timeoutMs) return { s: null, failedAfter: timeoutMs / 1000, mb: peak.stop(), failure: `not done within ${timeoutMs / 1000} s` };
      await sleep(250);
    }
    const wall = (performance.now() - t0) / 1000;
    const rss = peak.stop();
    if (s.runtimeStatus !== 'Completed') return { s: null, failedAfter: wall, mb: rss, failure: `${s.runtimeStatus}: ${s.problem?.en ?? ''}`, pollErrors };
    let same = await sameAs(host, s.resultsUri, expected.results, dir);
    if (expected.rejected) same = same && (await sameAs(host, s.rejectedUri, expected.rejected, dir));
    return { s: wall, posted, mb: rss, same, pollErrors };
  } finally {
    peak.stop();
    await stop(host.child);
  }
}

function report(name, cliName, cli, j, rssGoal) {
  const ratio = j.s !== null && cli.s ? j.s / cli.s : null;
  const rssRatio = j.mb !== null && cli.mb ? j.mb / cli.mb : null;
  console.log(`  ${cliName}: ${fmtS(cli.s)}  peak RSS ${fmtMb(cli.mb)}${cli.error ? `  (failed: ${cli.error})` : ''}`);
  console.log(`  ${name} (POST to Completed): ${j.failure ? `not done (${j.failure})${j.failedAfter ? ` after ${fmtS(j.failedAfter)}` : ''}` : `${fmtS(j.s)} (body uploaded in ${fmtS(j.posted)})`}  host peak RSS ${fmtMb(j.mb)}`);
  if (j.pollErrors?.length) console.log(`    GET /api/jobs/{id} answered ${j.pollErrors.length} time(s) with no status (polled again), first: ${j.pollErrors[0]}   goal: none such: ✗ not reached`);
  console.log(`    results the same bytes as ${cliName}'s files: ${j.same === undefined ? '(not compared)' : j.same ? 'yes' : 'NO'}`);
  console.log(`    ${fmtX(ratio)} the time of ${cliName}   goal ≤ 2×: ${verdict(ratio === null ? (j.failure ? false : null) : ratio <= 2)}`);
  console.log(`    host peak RSS ${fmtX(rssRatio)} ${cliName}'s   goal < ${rssGoal} MB: ${verdict(j.mb === null ? null : !j.failure && j.mb < rssGoal)}`);
}

async function main() {
  if (!fs.existsSync(HOST)) throw new Error('dist/functions/local/host.js is missing: run npx tsc -p tsconfig.json first');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-jobs-'));
  try {
    const ledger = path.join(dir, `linyi-${claims}.csv`);
    const roster = path.join(dir, `roster-${persons}.csv`);
    generate(ledger, claims);
    writeRoster(roster, persons);
    const size = (f) => fs.statSync(f).size;
    const mbOf = (f) => `${(size(f) / 2 ** 20).toFixed(0)} MB`;
    console.log(`jobs of issue 13 through the local host: ${claims.toLocaleString('en-US')} Linyi claims (bench/gen.js, ${mbOf(ledger)}), ${persons.toLocaleString('en-US')} roster rows (as bench/budget.js, ${mbOf(roster)}), year ${YEAR}; ${os.cpus().length} cores, node ${process.version}`);
    const big = [ledger, roster].filter((f) => size(f) > JOB_LIMIT);
    console.log(`  body limit of POST /api/jobs: YIBAO_MAX_JOB_BYTES (default 2 GB; YIBAO_MAX_BODY_BYTES does not apply to jobs)${big.length ? `, raised for ${big.map((f) => path.basename(f)).join(', ')} to its size` : ': both files under it, left at its default'}`);

    const cliResults = path.join(dir, 'cli-results.csv');
    const cliBudget = path.join(dir, 'cli-budget.csv');
    const cliSettle = timed(['settle', ledger, '--out', cliResults]);
    const cliBudgetRun = timed(['budget', roster, '--year', String(YEAR), '--out', cliBudget]);

    const azurite = await startAzurite(dir);
    try {
      const settle = await job(azurite, ledger, 'kind=settle', { results: cliResults, rejected: `${cliResults}.rejected.csv` }, dir);
      report('settle job', 'yibao settle', cliSettle, settle, 600);
      const budget = await job(azurite, roster, `kind=budget&year=${YEAR}&answer=csv`, { results: cliBudget }, dir);
      report('budget job', 'yibao budget', cliBudgetRun, budget, 800);
    } finally {
      await stop(azurite.child);
    }
  } finally {
    for (const child of started) await stop(child);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch(async (e) => {
  console.error(`bench:jobs could not run: ${e.message}`);
  for (const child of started) await stop(child);
  process.exitCode = 1;
});
