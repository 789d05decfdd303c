#!/usr/bin/env node
'use strict';
// Budget of ten million synthetic persons through the built engine (npm run build first):
// rows are generated one at a time and streamed into budgetRecords, which keeps no object per person.
// Usage: node bench/budget.js [persons=10000000]
const { defaultBook, budgetRecords, budgetJson } = require('../dist/engine');

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
