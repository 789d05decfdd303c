// The bulk path (engine/bulk) writes the same bytes as settleLedger + engine/output.ts: results,
// rejected rows with their line numbers and reasons, and the summary, on generated ledgers with bad
// rows, duplicates, quoted cells, Chinese names, CRLF, BOM and every chunk size.
import { defaultBook, rejectedTable, toCsv, summaryText, parseScenario } from '../../engine';
import { BulkLedger, BulkUnsupported } from '../../engine/ledger/bulk';
import { generateLedger } from '../oracle/gen-ledger';
import { viaEngine, withBadRows } from './ledgers';
import type { Scenario } from '../../engine';

const book = defaultBook();
const enc = new TextEncoder();
const dec = new TextDecoder();

/** split: a reader and a settler (as across two threads), batches passed through structuredClone. */
function viaBulk(text: string, chunk: number, scenario?: Scenario, split = false) {
  const bytes = enc.encode(text);
  const ledger = new BulkLedger(book, { scenario, role: split ? 'settler' : 'both' });
  const reader = split ? new BulkLedger(book, { role: 'reader', onBatch: (b) => ledger.consume(structuredClone(b)) }) : ledger;
  for (let i = 0; i < bytes.length; i += chunk) reader.push(bytes.subarray(i, i + chunk));
  reader.end();
  if (split) ledger.endWith(reader.exportIds());
  const parts: Uint8Array[] = [];
  ledger.writeResults((b) => parts.push(b.slice()), 4096);
  const outcome = ledger.outcome();
  return { results: parts.map((p) => dec.decode(p)).join(''), rejected: toCsv(rejectedTable(outcome)), summary: summaryText(outcome), ledger };
}

describe('bulk path equals settleLedger + output.ts', () => {
  test.each([1, 2, 3, 4])('generated ledger %i with bad rows, several chunk sizes', (seed) => {
    const text = withBadRows(generateLedger(seed, 3000), seed);
    const want = viaEngine(text);
    expect(want.rejected.split('\n').length).toBeGreaterThan(50);
    for (const [chunk, split] of [[1 << 20, false], [4093, false], [97, false], [65536, true], [333, true]] as const) {
      const got = viaBulk(text, chunk, undefined, split);
      expect(got.results).toBe(want.results);
      expect(got.rejected).toBe(want.rejected);
      expect(got.summary).toBe(want.summary);
    }
  });

  test('chunks in one reused Buffer, each ending on a record (nothing the caller reuses is kept)', () => {
    const text = withBadRows(generateLedger(5, 3000), 5);
    const want = viaEngine(text);
    const ledger = new BulkLedger(book);
    const reused = Buffer.alloc(1 << 16);
    for (const line of text.split(/(?<=\n)/)) {
      const n = reused.write(line, 'utf8');
      ledger.push(reused.subarray(0, n));
      reused.fill(0x39); // scribble over what was handed in
    }
    ledger.end();
    const parts: string[] = [];
    ledger.writeResults((b) => parts.push(dec.decode(b)));
    expect(parts.join('')).toBe(want.results);
    expect(toCsv(rejectedTable(ledger.outcome()))).toBe(want.rejected);
  });

  test('BOM, CRLF, lone CR, quoted cells, trailing comma, unterminated quote at the end', () => {
    const base = generateLedger(9, 200).trimEnd().split('\n');
    const text = '\ufeff' + base.slice(0, 80).join('\r\n') + '\r' + base.slice(80, 150).join('\n') + '\n\n\n' + base[150] + ',\n' + base.slice(151).join('\n') + '\n"C-open,P1,ordinary,linyi\n2023-01-01';
    const want = viaEngine(text);
    for (const [chunk, split] of [[1 << 20, false], [1, false], [7, false], [5, true]] as const) {
      const got = viaBulk(text, chunk, undefined, split);
      expect(got.results).toBe(want.results);
      expect(got.rejected).toBe(want.rejected);
      expect(got.summary).toBe(want.summary);
    }
  });

  test('scenarios: one with odd values settles those person-years on the decimal path', () => {
    const text = withBadRows(generateLedger(21, 2000), 21);
    const odd = parseScenario(book, JSON.stringify({ name: 'odd', city: 'linyi', overrides: { 'assistance.dibao.rate': '0.123456', 'critical.deductible': '11999.995' } }));
    const fine = parseScenario(book, JSON.stringify({ name: 'fine', overrides: { 'assistance.dibao.rate': '0.7123', 'critical.tilt.deductibleFactor': '0.3', 'reassistance.dibao.cap': '777.77' } }));
    for (const sc of [odd, fine]) {
      const want = viaEngine(text, sc);
      const got = viaBulk(text, 65536, sc);
      expect(got.results).toBe(want.results);
      expect(got.rejected).toBe(want.rejected);
      expect(got.summary).toBe(want.summary);
      if (sc === odd) expect(got.ledger.decimalGroups).toBeGreaterThan(0);
      else expect(got.ledger.decimalGroups).toBe(0);
    }
  });

  test('the national platform names are handed back (BulkUnsupported); a bad header is the engine\'s error', () => {
    const l = new BulkLedger(book);
    expect(() => l.push(enc.encode('setl_id,psn_no,setl_time,med_type,medfee_sumamt,inscp_scp_amt,category,city\n'))).toThrow(BulkUnsupported);
    const m = new BulkLedger(book);
    expect(() => { m.push(enc.encode('claim_id;person_id\n')); m.end(); }).toThrow(/delimiter/);
    expect(() => new BulkLedger(book).end()).toThrow(/empty/);
  });
});

describe('bulk path: large amounts and bases past the integer bound', () => {
  test('amounts above 42.9 million yuan and a person-year whose base passes 9 billion yuan equal settleLedger', () => {
    const lines = ['claim_id,person_id,category,city,date,kind,hospital_level,total,compliant,basic_paid'];
    for (let k = 0; k < 200; k++) lines.push(`B${k},PBIG,dibao,linyi,2023-${String(1 + (k % 12)).padStart(2, '0')}-01,inpatient,,100000000,99999999.99,${k % 3 ? '' : '50000000.5'}`);
    for (let k = 0; k < 50; k++) lines.push(`S${k},P${k % 7},${k % 2 ? 'ordinary' : '1'},linyi,2024-03-0${1 + (k % 9)},${k % 5 ? 'inpatient' : 'special_drug'},,${60000000 + k},${45000000 + k}.5,`);
    const text = lines.join('\n') + '\n';
    const want = viaEngine(text);
    const got = viaBulk(text, 1000);
    expect(got.results).toBe(want.results);
    expect(got.summary).toBe(want.summary);
    expect(got.ledger.decimalGroups).toBe(1);
  });
});

describe('yibao settle on the bulk path with its reader thread (built CLI)', () => {
  test('a 5 MB ledger with bad rows: results, rejected rows and summary equal settleLedger', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const fs = require('node:fs') as typeof import('node:fs');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const os = require('node:os') as typeof import('node:os');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const path = require('node:path') as typeof import('node:path');
    const root = path.join(__dirname, '..', '..');
    if (!fs.existsSync(path.join(root, 'dist/cli/bulk-worker.js'))) throw new Error('dist/ is not built (npm test builds it first)');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-bulk-'));
    try {
      const text = withBadRows(generateLedger(77, 52_000), 77);
      const input = path.join(dir, 'ledger.csv');
      fs.writeFileSync(input, text);
      expect(fs.statSync(input).size).toBeGreaterThan(4 << 20);
      const out = path.join(dir, 'results.csv');
      const run = spawnSync(process.execPath, [path.join(root, 'bin/yibao.js'), 'settle', input, '--out', out], { encoding: 'utf8', env: { ...process.env, YIBAO_BULK_THREADS: '2' } });
      expect(run.status).toBe(3);
      const want = viaEngine(text);
      expect(fs.readFileSync(out, 'utf8')).toBe(want.results);
      expect(fs.readFileSync(`${out}.rejected.csv`, 'utf8')).toBe(want.rejected);
      expect(run.stderr.endsWith(want.summary)).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
