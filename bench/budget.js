#!/usr/bin/env node
'use strict';
// Budget of ten million synthetic persons through the built engine (npm run build first):
// rows are generated one at a time and streamed into budgetRecords, which keeps no object per person.
// Then the same persons as a roster file through the command line's streamed path (readCsvStream over
// the file's chunks into budgetStream: the file is never one string), in a child process whose peak
// RSS (process.resourceUsage().maxRSS) is the figure: issue 14 asks for under 800 MB at ten million.
// Usage: node bench/budget.js [persons=10000000]
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { defaultBook, budgetRecords, budgetJson, budgetStream, readCsvStream } = require('../dist/engine');

if (process.argv[2] === '--file') {
  // the child: budget a roster file, streamed
  const file = process.argv[3];
  const chunks = function* () {
    const fd = fs.openSync(file, 'r');
    const buf = Buffer.allocUnsafe(1 << 20);
    try { for (let n = fs.readSync(fd, buf); n > 0; n = fs.readSync(fd, buf)) yield buf.subarray(0, n); } finally { fs.closeSync(fd); }
  };
  const t0 = process.hrtime.bigint();
  budgetStream(defaultBook(), readCsvStream(chunks()), { year: 2024, sizeHint: Math.ceil(fs.statSync(file).size / 40) }).then((o) => {
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    process.stdout.write(`budget of a ${(fs.statSync(file).size / 1048576).toFixed(0)} MB roster file, streamed: ${(ms / 1000).toFixed(2)} s, ${o.persons.toLocaleString('en')} persons, ${o.duplicateRows.toLocaleString('en')} duplicate rows found across the file, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (limit 800 MB)\n`);
  });
  return;
}

const N = Number(process.argv[2] || 10_000_000);
const book = defaultBook();
const header = ['person_id', 'id_number', 'city', 'county', 'category', 'included_on', 'exited_on'];
const CITIES = [
  ['linyi', ['兰山区', '河东区', '罗庄区', '沂水县', '平邑县'], ['dibao', 'extremely_poor', 'dibao_marginal', '5', '6', 'relapsed', 'ordinary']],
  ['luan', ['金安区', '裕安区', '霍邱县', '舒城县', '金寨县'], ['dibao', 'extremely_poor', 'relapsed', 'monitored', '5', 'alleviated']],
  ['xixiu', ['西秀区'], ['dibao', 'extremely_poor', 'alleviated', 'ordinary']],
];
// One valid 18-digit number (GB 11643 example) on every tenth row: the check digit is computed each time.
const ID = '11010519491231002X';

function* records() {
  for (let i = 0; i < N; i++) {
    const c = CITIES[i % 3];
    // every 100th row repeats an earlier person in another category (a duplicate to resolve)
    const person = i % 100 === 99 ? `P${i - 50}` : `P${i}`;
    const cat = c[2][(i >> 2) % c[2].length];
    const exited = i % 97 === 0 ? '2024-06-30' : '';
    yield { line: i + 2, cells: [person, i % 10 === 0 ? ID : '', c[0], c[1][(i >> 3) % c[1].length], cat, '', exited] };
  }
}

const t0 = process.hrtime.bigint();
let peak = 0;
const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 50);
const o = budgetRecords(book, header, records(), { year: 2024, sizeHint: N });
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
clearInterval(timer);
peak = Math.max(peak, process.memoryUsage().rss);
const j = budgetJson(o);
process.stdout.write(
  `budget ${N.toLocaleString('en')} persons (year 2024): ${(ms / 1000).toFixed(2)} s, ${Math.round(N / (ms / 1000)).toLocaleString('en')} rows/s, peak RSS ${(peak / 1048576).toFixed(0)} MB\n` +
  `  read ${o.read} = persons ${o.persons} + duplicate rows ${o.duplicateRows} + not in force ${o.notInForce} + rejected ${o.rejections.length}; ${o.rows.length} rows\n` +
  `  totals: assistance_fund ${j.totals.assistance_fund}, county_finance ${j.totals.county_finance}, individual ${j.totals.individual}\n`,
);

// The same persons as a file (duplicates 50 rows apart, as above), budgeted by a child process.
const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-bench-budget-')), 'roster.csv');
try {
  const fd = fs.openSync(file, 'w');
  let text = header.join(',') + '\n';
  for (const r of records()) {
    text += r.cells.join(',') + '\n';
    if (text.length > 1 << 20) { fs.writeSync(fd, text); text = ''; }
  }
  fs.writeSync(fd, text);
  fs.closeSync(fd);
  const child = spawnSync(process.execPath, [__filename, '--file', file], { encoding: 'utf8' });
  process.stdout.write(child.stdout || child.stderr);
} finally {
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
}
