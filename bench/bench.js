'use strict';
// npm run bench: throughput of `yibao settle` (CSV in, results CSV out, a child process) against the
// DuckDB SQL peer on the same seeded Linyi ledger, after checking both give identical results on
// 10,000 claims; the cost of the exact decimal path against the fast path; growth with size.
//
// BENCH_SIZES=100000,2000000 (default; BENCH_FULL=1 adds 10000000), BENCH_DECIMAL_MAX (largest size
// the decimal path is timed at, default 2000000), BENCH_KEEP=1 keeps the generated ledgers in out/bench,
// BENCH_REPEAT=n times yibao and the DuckDB peer n times each, alternately, and reports the medians (a
// shared machine's load comes and goes: one run of each can land on different loads).
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { generate } = require('./gen');

const root = path.join(__dirname, '..');
const dir = path.join(root, 'out', 'bench');
fs.mkdirSync(dir, { recursive: true });

if (!fs.existsSync(path.join(root, 'dist/cli/main.js')) || process.env.BENCH_BUILD !== '0') {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
}

/** Run a command under /usr/bin/time; elapsed seconds and peak RSS (MB). */
function timed(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M', cmd, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  const m = /TIME ([\d.]+) (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr.slice(-2000)}`);
  if (r.status !== 0 && r.status !== 3) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stderr.slice(-2000)}`);
  return { s: Number(m[1]), mb: Number(m[2]) / 1024 };
}

/** yibao settle with these environment settings (YIBAO_BULK_THREADS, YIBAO_MEMORY_ROWS …) for the run. */
const yibao = (input, out, env = {}) => {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return timed(process.execPath, [path.join(root, 'bin/yibao.js'), 'settle', input, '--out', out]);
  } finally {
    process.env = saved;
  }
};
// the engine's runPlan: ledgers of more than YIBAO_MEMORY_ROWS rows (estimated from the size) go in partitions
const { runPlan, DEFAULT_LIMITS } = require('../dist/engine');
const memoryRows = Number(process.env.YIBAO_MEMORY_ROWS) > 0 ? Number(process.env.YIBAO_MEMORY_ROWS) : DEFAULT_LIMITS.memoryRows;
const partitioned = (file) => runPlan(fs.statSync(file).size, { ...DEFAULT_LIMITS, memoryRows }) > 0;
const duck = (input, out) => timed(process.execPath, [path.join(__dirname, 'duckdb-peer.js'), input, out]);
const decimal = (input, out) => timed(process.execPath, ['--max-old-space-size=16000', path.join(__dirname, 'decimal-child.js'), input, out]);

const repeat = Math.max(1, Number(process.env.BENCH_REPEAT) || 1);
/** The median time of these runs (and the largest peak RSS). */
const median = (rs) => ({ s: rs.map((r) => r.s).sort((a, b) => a - b)[rs.length >> 1], mb: Math.max(...rs.map((r) => r.mb)), runs: rs.map((r) => r.s) });

function ledger(n) {
  const file = path.join(dir, `linyi-${n}.csv`);
  if (!fs.existsSync(file)) generate(file, n);
  return file;
}

const same = (a, b) => spawnSync('cmp', ['-s', a, b]).status === 0;
const rate = (n, s) => Math.round(n / s).toLocaleString('en-US');
const cpu = (fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) || [])[1];

console.log(`machine: ${os.cpus().length} cores (nproc), ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GB, node ${process.version}`);

// 1. the peer and yibao agree, byte for byte, on 10,000 claims
{
  const file = ledger(10_000);
  const a = path.join(dir, 'check.yibao.csv'), b = path.join(dir, 'check.duckdb.csv'), c = path.join(dir, 'check.decimal.csv');
  yibao(file, a);
  duck(file, b);
  decimal(file, c);
  if (!same(a, b)) { console.error('✗ DuckDB and yibao differ on 10,000 claims'); process.exit(1); }
  if (!same(a, c)) { console.error('✗ the bulk path and the decimal path differ on 10,000 claims'); process.exit(1); }
  console.log('check: yibao (bulk), the decimal path and DuckDB give identical results files on 10,000 claims ✓');
}

const sizes = (process.env.BENCH_SIZES || `100000,2000000${process.env.BENCH_FULL === '1' ? ',10000000' : ''}`).split(',').map(Number);
const decimalMax = Number(process.env.BENCH_DECIMAL_MAX || 2_000_000);
const t0 = Date.now();
const rows = [];
for (const n of sizes) {
  const file = ledger(n);
  const out = path.join(dir, `out-${n}`);
  // yibao and the peer alternately (BENCH_REPEAT times each), so that both meet the same loads
  const ys = [], ds = [];
  for (let i = 0; i < repeat; i++) {
    ys.push(yibao(file, `${out}.yibao.csv`));
    ds.push(duck(file, `${out}.duckdb.csv`));
  }
  const y = median(ys), d = median(ds);
  const y1 = yibao(file, `${out}.yibao1.csv`, { YIBAO_BULK_THREADS: '1' });
  const oneSame = same(`${out}.yibao.csv`, `${out}.yibao1.csv`);
  // the other way: in partitions what fits in memory, in memory what is partitioned (at 10,000,000: the memory it saves)
  const inParts = partitioned(file);
  const other = yibao(file, `${out}.other.csv`, inParts ? { YIBAO_MEMORY_ROWS: '1000000000' } : { YIBAO_MEMORY_ROWS: '1' });
  const otherSame = same(`${out}.yibao.csv`, `${out}.other.csv`);
  const identical = same(`${out}.yibao.csv`, `${out}.duckdb.csv`);
  const dec = n <= decimalMax ? decimal(file, `${out}.decimal.csv`) : null;
  const decSame = dec ? same(`${out}.yibao.csv`, `${out}.decimal.csv`) : null;
  rows.push({ n, y, y1, other, inParts, d, dec, identical: identical && oneSame && otherSame, decSame });
  console.log(`\n${n.toLocaleString('en-US')} claims (${(fs.statSync(file).size / 2 ** 20).toFixed(0)} MB CSV)`);
  console.log(`  yibao settle (bulk, fast path): ${y.s.toFixed(2)} s  ${rate(n, y.s)} claims/s  peak RSS ${y.mb.toFixed(0)} MB  (${inParts ? 'in partitions' : 'in memory'})`);
  console.log(`  yibao settle, one thread:       ${y1.s.toFixed(2)} s  ${rate(n, y1.s)} claims/s  peak RSS ${y1.mb.toFixed(0)} MB  (the second thread saves ${(100 * (1 - y.s / y1.s)).toFixed(0)}%)`);
  console.log(`  yibao settle, ${inParts ? 'all in memory:  ' : 'in partitions:  '} ${other.s.toFixed(2)} s  ${rate(n, other.s)} claims/s  peak RSS ${other.mb.toFixed(0)} MB  (same results: ${otherSame ? 'yes' : 'NO'})`);
  console.log(`  DuckDB SQL peer:                ${d.s.toFixed(2)} s  ${rate(n, d.s)} claims/s  peak RSS ${d.mb.toFixed(0)} MB  (same results: ${identical ? 'yes' : 'NO'})`);
  console.log(`  throughput ratio yibao / DuckDB: ${(d.s / y.s).toFixed(2)}×  (goal at 2,000,000: ≥ 2×, peak RSS < 300 MB)`);
  if (repeat > 1) console.log(`  (medians of ${repeat} alternate runs: yibao ${y.runs.map((t) => t.toFixed(2)).join(', ')} s; DuckDB ${d.runs.map((t) => t.toFixed(2)).join(', ')} s; ratios ${y.runs.map((t, i) => (d.runs[i] / t).toFixed(2)).join(', ')})`);
  if (dec) console.log(`  exact decimal path (settleLedger): ${dec.s.toFixed(2)} s  ${rate(n, dec.s)} claims/s  peak RSS ${dec.mb.toFixed(0)} MB  → fast path ${(dec.s / y.s).toFixed(1)}× faster (same results: ${decSame ? 'yes' : 'NO'})`);
  for (const f of [`${out}.yibao.csv`, `${out}.yibao1.csv`, `${out}.other.csv`, `${out}.duckdb.csv`, `${out}.decimal.csv`]) fs.rmSync(f, { force: true });
  if (process.env.BENCH_KEEP !== '1' && n > 100_000) fs.rmSync(file, { force: true });
}

console.log('\ngrowth (time and peak RSS by size):');
console.log('  claims        mode        yibao s   yibao MB   1 thread s   other mode s   other MB   DuckDB s   DuckDB MB   decimal s   decimal MB');
for (const r of rows) {
  console.log(`  ${String(r.n).padEnd(12)}  ${(r.inParts ? 'partitions' : 'memory').padEnd(10)}  ${r.y.s.toFixed(2).padStart(7)}   ${r.y.mb.toFixed(0).padStart(8)}   ${r.y1.s.toFixed(2).padStart(10)}   ${r.other.s.toFixed(2).padStart(12)}   ${r.other.mb.toFixed(0).padStart(8)}   ${r.d.s.toFixed(2).padStart(8)}   ${r.d.mb.toFixed(0).padStart(9)}   ${r.dec ? r.dec.s.toFixed(2).padStart(9) : '        —'}   ${r.dec ? r.dec.mb.toFixed(0).padStart(10) : '         —'}`);
}
console.log(`\n(bench took ${((Date.now() - t0) / 1000).toFixed(0)} s; ledgers in ${path.relative(root, dir)})`);
const bad = rows.filter((r) => !r.identical || r.decSame === false);
if (bad.length) { console.error('✗ results differ'); process.exit(1); }
