// The bulk path in partitions (engine/bulk/partition.ts, cli/partition.ts): split by person, dedupe by
// claim id across partitions, settle each, merge by line. Whatever the number of partitions, the
// results, rejected rows and summary are settleLedger's, byte for byte.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { defaultBook, parseScenario, settleLedger, csvLedgerRows, type Book } from '../../engine';
import { mergeResultsByLine } from '../../engine/bulk/partition';
import { generateLedger } from '../oracle/gen-ledger';
import { viaEngine, viaPartitions, withBadRows } from './ledgers';

const book = defaultBook();
const enc = new TextEncoder();

describe('partitions equal settleLedger', () => {
  test.each([1, 2, 3])('generated ledger %i with bad rows, 1 to 16 partitions', async (seed) => {
    const text = withBadRows(generateLedger(seed, 3000), seed);
    const want = viaEngine(text);
    for (const [parts, chunk] of [[1, 1 << 20], [2, 4093], [7, 97], [16, 65536]]) {
      const got = await viaPartitions(text, parts, chunk);
      expect(got.results).toBe(want.results);
      expect(got.rejected).toBe(want.rejected);
      expect(got.summary).toBe(want.summary);
    }
  });

  test('a claim_id repeated on another person is a duplicate though the rows land in different partitions', async () => {
    const header = 'claim_id,person_id,category,city,date,kind,hospital_level,total,compliant,basic_paid';
    const rows = Array.from({ length: 40 }, (_, i) => `C${i % 20},P${i},dibao,linyi,2023-0${1 + (i % 9)}-10,inpatient,county,20000.00,18000.00,`);
    const text = [header, ...rows].join('\n'); // no line break at the end
    const want = viaEngine(text);
    const got = await viaPartitions(text, 5, 100);
    expect(got.duplicates).toEqual(Int32Array.from({ length: 20 }, (_, i) => 22 + i)); // lines 22–41: the second C0…C19
    expect(got.results).toBe(want.results);
    expect(got.rejected).toBe(want.rejected);
    expect(got.rejected.split('\n').filter((l) => l.includes('重复'))).toHaveLength(20);
    expect(got.summary).toBe(want.summary);
  });

  test('findings, broken floors and a scenario: the summary names the same first finding and violations', async () => {
    const text = withBadRows(generateLedger(31, 2500), 31);
    const scenario = parseScenario(book, JSON.stringify({ name: 'low', city: 'linyi', overrides: { 'assistance.dibao.rate': '0.5', 'critical.deductible': '9000' } }));
    const want = viaEngine(text, scenario);
    expect(want.summary).toMatch(/提示：\d+ 笔/);
    expect(want.summary).toMatch(/底线检查/);
    for (const parts of [3, 11]) {
      const got = await viaPartitions(text, parts, 5000, { scenario });
      expect(got.results).toBe(want.results);
      expect(got.rejected).toBe(want.rejected);
      expect(got.summary).toBe(want.summary);
    }
  });

  test('with several claim rules the first finding is the one settleLedger names first (earliest person-year)', async () => {
    const rule = (id: string, check: string) => ({ id, scope: 'national', on: 'claim', check, source: `test ${id}`, zh: `测试规则 ${id}`, en: `test rule ${id}` });
    const policy = { ...book, floors: [rule('a', 'critical < 20000'), rule('b', 'assistance < 5000'), ...book.floors] } as Book;
    const text = generateLedger(41, 3000);
    const want = viaEngine(text, undefined, policy);
    // some claims break two rules: the summary counts claims and findings apart
    const outcome = settleLedger(policy, csvLedgerRows(text).rows);
    const m = /提示：(\d+) 笔结算违反底线规则，共 (\d+) 项/.exec(want.summary)!;
    expect(Number(m[1])).toBe(outcome.claimFindings.size);
    expect(Number(m[2])).toBe([...outcome.claimFindings.values()].flat().length);
    expect(Number(m[2])).toBeGreaterThan(Number(m[1]));
    for (const parts of [2, 5, 13]) {
      const got = await viaPartitions(text, parts, 9000, { policy });
      // the partitions' first findings differ: only the earliest person-year's is the ledger's
      expect(new Set(got.summaries.map((p) => p.firstFinding?.rule)).size).toBeGreaterThan(1);
      expect(got.summary).toBe(want.summary);
      expect(got.results).toBe(want.results);
    }
  });

  test('merged results out of line order are refused (a corrupt partition is not written out)', async () => {
    const frame = (line: number, text: string) => {
      const b = enc.encode(text);
      const out = new Uint8Array(8 + b.length);
      new DataView(out.buffer).setInt32(0, line, true);
      new DataView(out.buffer).setInt32(4, b.length, true);
      out.set(b, 8);
      return out;
    };
    const one = [frame(5, 'a\n'), frame(3, 'b\n')];
    await expect(mergeResultsByLine([() => one.shift() ?? null], () => undefined)).rejects.toThrow(/out of order/);
    const cut = [frame(5, 'a\n').subarray(0, 9)];
    await expect(mergeResultsByLine([() => cut.shift() ?? null], () => undefined)).rejects.toThrow(/inside a row/);
  });
});

describe('yibao settle in partitions (built CLI, two threads)', () => {
  const root = path.join(__dirname, '..', '..');
  let dir: string;
  beforeAll(() => {
    if (!fs.existsSync(path.join(root, 'dist/cli/partition-worker.js'))) throw new Error('dist/ is not built (npm test builds it first)');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-part-test-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A generated ledger with bad rows written to a file, and an empty folder to serve as TMPDIR. */
  function fixture(name: string, seed: number, rows: number) {
    const text = withBadRows(generateLedger(seed, rows), seed);
    const input = path.join(dir, `${name}.csv`);
    fs.writeFileSync(input, text);
    const tmp = path.join(dir, `tmp-${name}`);
    fs.mkdirSync(tmp);
    return { text, input, tmp };
  }

  test('a file and standard input: the same results, rejected rows and summary as settleLedger; no temporary files left', () => {
    const { text, input, tmp } = fixture('ledger', 78, 20_000);
    // folders of runs killed outright (no such process): removed once an hour old, kept while recent
    const old = path.join(tmp, 'yibao-parts-999999999-old');
    fs.mkdirSync(old);
    fs.utimesSync(old, new Date(Date.now() - 7_200_000), new Date(Date.now() - 7_200_000));
    fs.mkdirSync(path.join(tmp, 'yibao-parts-999999998-recent'));
    // about 25,000 rows estimated from the size: over 5,000 in memory, so 9 partitions of 3,000
    const env = { ...process.env, YIBAO_MEMORY_ROWS: '5000', YIBAO_PART_ROWS: '3000', YIBAO_BULK_THREADS: '2', TMPDIR: tmp };
    const want = viaEngine(text);
    const out = path.join(dir, 'results.csv');
    const run = spawnSync(process.execPath, [path.join(root, 'bin/yibao.js'), 'settle', input, '--out', out], { encoding: 'utf8', env });
    expect(run.status).toBe(3);
    expect(fs.readFileSync(out, 'utf8')).toBe(want.results);
    expect(fs.readFileSync(`${out}.rejected.csv`, 'utf8')).toBe(want.rejected);
    expect(run.stderr.endsWith(want.summary)).toBe(true);
    const piped = spawnSync(process.execPath, [path.join(root, 'bin/yibao.js'), 'settle', '-'], { input: text, encoding: 'utf8', env, maxBuffer: 1 << 28 });
    expect(piped.status).toBe(3);
    expect(piped.stdout).toBe(want.results);
    expect(piped.stderr.endsWith(want.summary)).toBe(true);
    expect(fs.readdirSync(tmp)).toEqual(['yibao-parts-999999998-recent']);
  });

  test('stopped with SIGTERM while it works: no results file, no temporary files', async () => {
    const { input, tmp } = fixture('big', 79, 60_000);
    const out = path.join(dir, 'term.csv');
    const child = spawn(process.execPath, [path.join(root, 'bin/yibao.js'), 'settle', input, '--out', out], { env: { ...process.env, YIBAO_MEMORY_ROWS: '1000', YIBAO_PART_ROWS: '2000', TMPDIR: tmp }, stdio: 'ignore' });
    // wait for the partitions to appear, then stop the run
    for (let i = 0; i < 500 && !fs.readdirSync(tmp).some((n) => n.startsWith('yibao-parts-')); i++) await new Promise((r) => setTimeout(r, 10));
    expect(fs.readdirSync(tmp).some((n) => n.startsWith('yibao-parts-'))).toBe(true);
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(143);
    expect(fs.readdirSync(tmp)).toEqual([]);
    expect(fs.existsSync(out)).toBe(false);
  });
});
