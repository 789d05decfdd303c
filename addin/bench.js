#!/usr/bin/env node
// npm run bench:addin — the built functions bundle (dist/addin/functions.js) timed in a V8 context
// like the one Excel's shared runtime gives it, with CustomFunctions.associate captured:
// 10,000 YIBAO.ASSIST calls, then one YIBAO.LEDGER of 10,000 rows (2,500 persons × 4 claims).
// Builds the bundle first when it is missing.
'use strict';
const { existsSync, readFileSync } = require('fs');
const { join } = require('path');
const { execFileSync } = require('child_process');
const vm = require('vm');

const root = join(__dirname, '..');
const bundle = join(root, 'dist', 'addin', 'functions.js');
if (!existsSync(bundle)) {
  console.log('dist/addin is missing: building it (npm run build:addin)…');
  execFileSync(process.execPath, [join(root, 'node_modules', 'webpack', 'bin', 'webpack.js'), '--config', join(__dirname, 'webpack.config.js'), '--mode', 'production'], { cwd: root, stdio: 'inherit' });
}

const registered = {};
class CfError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}
const sandbox = {
  console,
  setTimeout,
  clearTimeout,
  queueMicrotask,
  // the shared runtime is a browser page: it has TextEncoder/TextDecoder (LEDGER's columnar ledger reads bytes)
  TextEncoder,
  TextDecoder,
  CustomFunctions: { Error: CfError, ErrorCode: { invalidValue: '#VALUE!', notAvailable: '#N/A' }, associate: (id, fn) => (registered[id] = fn) },
};
sandbox.globalThis = sandbox;
sandbox.self = sandbox;
sandbox.window = sandbox;
vm.createContext(sandbox);
const t0 = performance.now();
vm.runInContext(readFileSync(bundle, 'utf8'), sandbox, { filename: bundle });
const loadMs = performance.now() - t0;
for (const id of ['ASSIST', 'LEDGER']) if (typeof registered[id] !== 'function') throw new Error(`the bundle did not register YIBAO.${id}`);

const CATS = ['低保', '特困人员', '返贫致贫人口', '低保边缘家庭成员', '普通居民'];

async function main() {
  // Warm-up (policy book loaded and validated once, JIT).
  if ((await registered.ASSIST(10900, '低保', '临沂', '2022-06-01', null)) !== 7630) throw new Error('ASSIST gives the wrong answer');

  const N = 10_000;
  let check = 0;
  const a0 = performance.now();
  for (let i = 0; i < N; i++) check += await registered.ASSIST(1000 + (i % 5000) * 3.17, CATS[i % CATS.length], '临沂', '2022-06-01', null);
  const assistMs = performance.now() - a0;

  const rows = [['claim_id', 'person_id', 'category', 'city', 'date', 'kind', 'hospital_level', 'total', 'compliant', 'basic_paid']];
  for (let i = 0; i < N; i++) {
    const person = i % 2500;
    const month = String(1 + Math.floor(i / 2500) * 3).padStart(2, '0');
    const compliant = 5000 + ((i * 7919) % 60000);
    rows.push([`C${i}`, `P${person}`, CATS[person % CATS.length], '临沂', `2022-${month}-15`, '住院', '', compliant + 1000, compliant, i % 3 === 0 ? '' : Math.round(compliant * 0.55)]);
  }
  const l0 = performance.now();
  const out = await registered.LEDGER(rows, null);
  const ledgerMs = performance.now() - l0;
  const rejected = out.slice(1).filter((r) => String(r[8]).startsWith('拒绝')).length;
  if (out.length !== rows.length || rejected !== 0) throw new Error(`LEDGER: ${out.length - 1} rows out, ${rejected} rejected`);

  console.log(`YIBAO add-in bundle (dist/addin/functions.js, ${(readFileSync(bundle).length / 1024).toFixed(0)} KiB), loaded in ${loadMs.toFixed(0)} ms`);
  console.log(`YIBAO.ASSIST × ${N}: ${assistMs.toFixed(0)} ms total, ${((assistMs / N) * 1000).toFixed(1)} µs per call (checksum ${check.toFixed(2)})`);
  console.log(`YIBAO.LEDGER of ${N} rows (2,500 persons × 4 claims): ${ledgerMs.toFixed(0)} ms, ${((ledgerMs / N) * 1000).toFixed(1)} µs per row`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
