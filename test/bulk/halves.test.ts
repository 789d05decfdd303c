// A ledger in memory on two settling threads (engine/run/partitioned.ts settleHalves): the reader hands
// every batch to both settlers, each takes the persons of its half; the halves' results and summaries
// merge as partitions' do. Whatever the chunks, the results, rejected rows, summary and group totals are
// settleLedger's (and the one-ledger path's), byte for byte.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { defaultBook, parseScenario, settleBulk, summaryJson, settleLedger, csvLedgerRows, fmt } from '../../engine';
import { generateLedger } from '../oracle/gen-ledger';
import { exportOf } from '../nhsa/forms';
import { viaEngine, viaHalves, withBadRows } from './ledgers';

const book = defaultBook();
const enc = new TextEncoder();

describe('two settling halves equal settleLedger', () => {
  test.each([1, 2, 3])('generated ledger %i with bad rows, in chunks of several sizes', async (seed) => {
    const text = withBadRows(generateLedger(seed, 3000), seed);
    const want = viaEngine(text);
    for (const chunk of [1 << 20, 4093, 97]) {
      const got = await viaHalves(text, chunk);
      expect(got.results).toBe(want.results);
      expect(got.rejected).toBe(want.rejected);
      expect(got.summary).toBe(want.summary);
      // both halves settled claims: the split by person took place
      expect(got.theirs.settled).toBeGreaterThan(800);
      expect(got.run.outcome.summary.settled - got.theirs.settled).toBeGreaterThan(800);
    }
  });

  test('a scenario with findings and broken floors: the same first finding and violations', async () => {
    const text = withBadRows(generateLedger(31, 2500), 31);
    const scenario = parseScenario(book, JSON.stringify({ name: 'low', city: 'linyi', overrides: { 'assistance.dibao.rate': '0.5', 'critical.deductible': '9000' } }));
    const want = viaEngine(text, scenario);
    expect(want.summary).toMatch(/提示：\d+ 笔/);
    expect(want.summary).toMatch(/底线检查/);
    const got = await viaHalves(text, 5000, { scenario });
    expect(got.results).toBe(want.results);
    expect(got.rejected).toBe(want.rejected);
    expect(got.summary).toBe(want.summary);
  });

  test('the early-warning list of claims (claimWarnings): settleLedger\'s claims with a warning, in input order, from both halves', async () => {
    const text = withBadRows(generateLedger(8, 4000), 8);
    const o = settleLedger(book, csvLedgerRows(text).rows);
    const want = o.results.filter((r) => r.warning).map((r) => ({ claim_id: r.claim_id, city: r.city, category: r.category, date: r.date, kind: r.kind, oop_compliant: fmt(r.oop_compliant), oop_total: fmt(r.oop_total) }));
    expect(want.length).toBeGreaterThan(20);
    const got = await viaHalves(text, 65536, { claimWarnings: true });
    expect(got.run.outcome.claimWarnings).toEqual(want);
    expect(got.theirs.claimWarnings!.length).toBeGreaterThan(5);
    expect(want.length - got.theirs.claimWarnings!.length).toBeGreaterThan(5);
    // not asked: not made
    expect((await viaHalves(text, 65536)).run.outcome.claimWarnings).toBeUndefined();
  });

  test('totals per county, category and month: those of the ledger settled at once', async () => {
    const text = withBadRows(generateLedger(7, 4000), 7);
    const groups = ['county', 'category', 'month'] as const;
    const want = settleBulk(book, [enc.encode(text)], { groups: [...groups] }).groupSummary();
    const got = await viaHalves(text, 65536, { groups: [...groups] });
    expect(JSON.stringify(summaryJson(got.run.groups!))).toBe(JSON.stringify(summaryJson(want)));
  });

  test('a national platform export (certno checks across persons): results under the spec\'s names equal settleLedger', async () => {
    const text = exportOf(5, 3000, { cityColumn: true, categoryHeader: 'category' });
    const want = viaEngine(text);
    expect(want.rejected.split('\n').length).toBeGreaterThan(10);
    const got = await viaHalves(text, 8191, { input: { format: 'spec' } });
    expect(got.results).toBe(want.results);
    expect(got.rejected).toBe(want.rejected);
    expect(got.summary).toBe(want.summary);
  });
});

describe('yibao settle in memory on two settling threads (built CLI)', () => {
  const root = path.join(__dirname, '..', '..');
  const run = (args: string[], threads: string) =>
    spawnSync(process.execPath, [path.join(root, 'bin/yibao.js'), 'settle', ...args], { encoding: 'utf8', env: { ...process.env, YIBAO_BULK_THREADS: threads } });

  test('--summary and --compare: the same files and printout as on one thread', () => {
    if (!fs.existsSync(path.join(root, 'dist/cli/partition-worker.js'))) throw new Error('dist/ is not built (npm test builds it first)');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-halves-'));
    try {
      const input = path.join(dir, 'ledger.csv');
      fs.writeFileSync(input, withBadRows(generateLedger(19, 20_000), 19));
      const scenario = path.join(dir, 's.json');
      fs.writeFileSync(scenario, JSON.stringify({ name: 'higher', city: 'linyi', overrides: { 'assistance.dibao.rate': '0.8' } }));
      const outs = ['1', '2'].map((threads) => {
        const out = path.join(dir, `results-${threads}.csv`);
        const r = run([input, '--out', out, '--summary', 'county,category', '--compare', scenario], threads);
        expect(r.status).toBe(3);
        return { results: fs.readFileSync(out, 'utf8'), rejected: fs.readFileSync(`${out}.rejected.csv`, 'utf8'), stdout: r.stdout, stderr: r.stderr.replaceAll(out, 'OUT') };
      });
      expect(outs[1]).toEqual(outs[0]);
      expect(outs[0].stdout).toMatch(/higher/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
