'use strict';
// A seeded synthetic Linyi ledger for the throughput benchmark: about four claims a person (1–7),
// MAMS categories 1–8 (as numbers, the way the platform exports them) and ordinary residents,
// log-normal amounts, two calendar years, some special-drug claims, rows in random order.
// Deterministic: every draw comes from a hash of (seed, index); no Math.random.
const fs = require('node:fs');

function mix(x) {
  // splitmix32
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}
const u = (seed, k, salt) => mix(mix(seed ^ Math.imul(salt, 0x27d4eb2d)) ^ k) / 4294967296;

// category mix (share of persons): ordinary residents most, then the MAMS classes
const CATEGORIES = [['ordinary', 0.70], ['1', 0.03], ['2', 0.08], ['3', 0.04], ['4', 0.02], ['5', 0.05], ['6', 0.04], ['7', 0.01], ['8', 0.03]];
const LEVELS = ['', 'township', 'county', 'county', 'city', 'city', 'province'];
const HEADER = 'claim_id,person_id,category,city,date,kind,hospital_level,total,compliant,basic_paid\n';

function fenText(f) {
  const s = String(f).padStart(3, '0');
  return `${s.slice(0, -2)}.${s.slice(-2)}`;
}

function normal(seed, k, salt) {
  const a = Math.max(u(seed, k, salt), 1e-12);
  const b = u(seed, k, salt + 1);
  return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * b);
}

/** Write N claims to `file`; returns the number of persons. */
function generate(file, n, seed = 20260601) {
  // claims per person: 1–7, about 4
  const personOf = new Int32Array(n);
  let persons = 0;
  for (let k = 0; k < n; persons++) {
    const c = 1 + Math.floor(u(seed, persons, 1) * 7);
    for (let j = 0; j < c && k < n; j++) personOf[k++] = persons;
  }
  // a seeded permutation (Fisher–Yates): rows in random order
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u(seed, i, 2) * (i + 1));
    const t = perm[i]; perm[i] = perm[j]; perm[j] = t;
  }
  const fd = fs.openSync(file, 'w');
  let out = HEADER;
  for (let i = 0; i < n; i++) {
    const k = perm[i];
    const p = personOf[k];
    let r = u(seed, p, 3);
    let category = 'ordinary';
    for (const [c, share] of CATEGORIES) { if (r < share) { category = c; break; } r -= share; }
    const mainYear = u(seed, p, 4) < 0.5 ? 2023 : 2024;
    const year = u(seed, k, 5) < 0.8 ? mainYear : 4047 - mainYear;
    const doy = Math.floor(u(seed, k, 6) * 365);
    const date = new Date(Date.UTC(year, 0, 1 + doy)).toISOString().slice(0, 10);
    const drug = u(seed, k, 7) < 0.05;
    const kind = drug ? 'special_drug' : u(seed, k, 8) < 0.3 ? 'chronic_outpatient' : 'inpatient';
    const level = LEVELS[Math.floor(u(seed, k, 9) * LEVELS.length)];
    const compliant = Math.min(1e9, Math.max(100, Math.round(Math.exp(Math.log(800000) + 1.2 * normal(seed, k, 10)))));
    const total = compliant + Math.round(compliant * 0.4 * u(seed, k, 12));
    const basic = u(seed, k, 13) < 0.3 ? fenText(Math.round(compliant * (0.5 + 0.25 * u(seed, k, 14)))) : '';
    out += `L${String(k + 1).padStart(9, '0')},P${String(p + 1).padStart(8, '0')},${category},linyi,${date},${kind},${level},${fenText(total)},${fenText(compliant)},${basic}\n`;
    if (out.length > 1 << 20) { fs.writeSync(fd, out); out = ''; }
  }
  fs.writeSync(fd, out);
  fs.closeSync(fd);
  return persons;
}

module.exports = { generate, HEADER };

if (require.main === module) {
  const [file, n, seed] = process.argv.slice(2);
  generate(file, Number(n), seed ? Number(seed) : undefined);
}
