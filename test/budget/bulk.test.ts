// settle --summary, --compare and --roster on the bulk path (engine/bulk, cli/bulk.ts, cli/partition.ts)
// write what the exact decimal path writes, byte for byte. The reference is the decimal path itself:
// settleLedger with rosterCategories, keepColumns, summarize and compareLedger, printed as cli/settle.ts
// printed them before the bulk path took these options (decimalCli below, a copy of that code).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  defaultBook, csvLedgerRows, settleLedger, resultsTable, nhsaResultsTable, rejectedTable, monthlyWarningsTable, toCsv, summaryText, bilingual, violationLine,
  readRoster, RosterIndex, rosterCategories, keepColumns, parseGroups, summarize, summaryTable, summaryHeadings, summaryJson,
  compareLedger, comparisonTable, comparisonGroupTable, comparisonJson, parseScenario,
  type Book, type LedgerRow, type Scenario, type CategoryDifference,
} from '../../engine';
import { BulkLedger } from '../../engine/ledger/bulk';
import { PartWriter, duplicateLines, linesOf, mergeOutcomes, mergeGroups, mergeFindingClaims, sortedLines, type PartStream, type PartSummary } from '../../engine/bulk/partition';
import { comparisonOf } from '../../engine/compare';
import type { GroupKey } from '../../engine/summary';
import { runSettle } from '../../cli/settle';
import { bulkRuns } from '../../cli/bulk';
import { generateLedger, mulberry32, CITY_CATEGORIES, type City } from '../oracle/gen-ledger';
import { withBadRows, rosterRows } from '../bulk/ledgers';

const book = defaultBook();
const enc = new TextEncoder();
const dec = new TextDecoder();
const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/yibao.js');

// ---------------------------------------------------------------------------------------------
// ledgers and rosters

/** A county column: names, empty cells, spaces around, a quoted comma, the unknown key itself. */
function withCounty(text: string, seed: number): string {
  const rnd = mulberry32(seed * 7 + 1);
  const names = ['兰山区', '河东区', '', '', ' 罗庄区 ', '"县,区"', '(未知 unknown)', '金安区'];
  return text.trimEnd().split('\n').map((l, i) => (i === 0 ? `${l},county` : `${l},${names[Math.floor(rnd() * names.length)]}`)).join('\n') + '\n';
}

/**
 * A roster for a ledger's persons: three in four listed, some twice or three times (other
 * categories, benefit windows from inclusion and exit dates, now and then in another city), a
 * county or none, and a few rows the roster rejects.
 */
function rosterFor(text: string, seed: number): string {
  const rnd = mulberry32(seed * 13 + 5);
  const persons = new Map<string, City>();
  for (const l of text.split('\n').slice(1)) {
    const c = l.split(',');
    if (/^P\d+$/.test(c[1] ?? '') && c[3] in CITY_CATEGORIES) persons.set(c[1], c[3] as City);
  }
  return rosterRows(persons, rnd, () => 'luan', 0.01);
}

const LOW = { name: 'low', city: 'linyi', overrides: { 'assistance.dibao.rate': 0.5, 'critical.deductible': 9000 } }; // below the national 70% floor
// a rate of 6 decimals has no integer form: those person-years are settled on the decimal path inside the bulk path
const HIGH = { name: 'hi', overrides: { 'assistance.dibao.rate': 0.853456, 'reassistance.dibao.cap': 777.77 } };
const scenario = (data: object) => parseScenario(book, JSON.stringify(data));

// ---------------------------------------------------------------------------------------------
// the reference: the decimal path

/** settleLedger's outcome with the roster's categories and the kept columns, as cli/settle-budget.ts prepared them. */
function decimal(text: string, opts: { roster?: string; scenario?: Scenario; policy?: Book } = {}) {
  const policy = opts.policy ?? book;
  let rows: Iterable<LedgerRow> = csvLedgerRows(text).rows;
  let roster: RosterIndex | undefined;
  let differences: CategoryDifference[] | undefined;
  let notOnRoster: { count: number } | undefined;
  let rosterRejected: string[] = [];
  if (opts.roster !== undefined) {
    const r = readRoster(policy, opts.roster);
    rosterRejected = r.rejections.map((rej) => `花名册第 ${rej.line} 行被拒绝 (roster line ${rej.line} rejected): ${bilingual(rej.reason)}\n`);
    roster = new RosterIndex(policy, r.entries);
    const w = rosterCategories(policy, rows, roster);
    rows = w.rows;
    differences = w.differences;
    notOnRoster = w.notOnRoster;
  }
  const kept = keepColumns(rows, ['county', 'person_id']);
  const all = [...kept.rows];
  const outcome = settleLedger(policy, all, { scenario: opts.scenario });
  return { outcome, rows: all, meta: { columns: kept.columns, roster }, differences, notOnRoster, rosterRejected };
}

function table(rows: string[][]): string {
  const width = (s: string) => [...s].reduce((w, ch) => w + (/[\u1100-\uffff]/.test(ch) ? 2 : 1), 0);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => width(r[i] ?? ''))));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i] - width(c)))).join('  ')).join('\n') + '\n';
}

interface CliOptions { summary?: string; compare?: object[]; roster?: string; scenario?: object; out?: string }

/** What `yibao settle` printed and wrote on the decimal path (cli/settle.ts and cli/settle-budget.ts before the bulk path took these options). */
function decimalCli(text: string, o: CliOptions) {
  let stdout = '', stderr = '';
  const files: Record<string, string> = {};
  const sc = o.scenario ? scenario(o.scenario) : undefined;
  const compare = (o.compare ?? []).map(scenario);
  const groups = o.summary !== undefined ? parseGroups(o.summary) : undefined;
  const d = decimal(text, { roster: o.roster, scenario: sc });
  stderr += d.rosterRejected.join('');
  const outcome = d.outcome;
  const results = toCsv(resultsTable(outcome));
  if (o.out) {
    files[''] = results;
    if (outcome.rejections.length) files['.rejected.csv'] = toCsv(rejectedTable(outcome));
    stderr += `结果已写入 results written to ${path.resolve(o.out)}${outcome.rejections.length ? `\n被拒绝的行 rejected rows: ${path.resolve(`${o.out}.rejected.csv`)}` : ''}\n`;
  } else {
    stdout += results;
    for (const r of outcome.rejections) stderr += `第 ${r.line} 行被拒绝 (line ${r.line} rejected): ${bilingual(r.reason)}\n`;
  }
  // the monthly warning list (spec 10.6), as cli/bulk.ts writeMonthlyWarnings
  const monthly = outcome.monthlyWarnings ?? [];
  if (monthly.length && o.out) {
    files['.monthly-warnings.csv'] = toCsv(monthlyWarningsTable(outcome));
    stderr += `按月预警名单 monthly warning list: ${path.resolve(`${o.out}.monthly-warnings.csv`)}\n`;
  } else for (const w of monthly) stderr += `按月预警 monthly warning: ${w.city} ${w.person_id} ${w.month} 个人负担 oop_total ${w.oop_total} > 预警线 line ${w.line}（${w.claims} 笔 claims）\n`;
  if (sc) stderr += `情景 scenario: ${sc.name}\n`;
  stderr += summaryText(outcome);
  let tables = '';
  if (d.differences) {
    const x = d.differences;
    stderr += `花名册：${x.length} 笔结算的类别与台账不同，${d.notOnRoster!.count} 笔的人员不在花名册中（沿用台账类别） (roster: ${x.length} claims settled under a category other than the ledger's; ${d.notOnRoster!.count} claims of persons not on the roster keep the ledger's)\n`;
    for (const y of x.slice(0, 20)) stderr += `  第 ${y.line} 行 line ${y.line} · ${y.claim_id}: ${y.ledger || '—'} → ${y.roster} · ${bilingual(y.reason)}\n`;
    if (x.length > 20) stderr += `  …另有 ${x.length - 20} 笔 (and ${x.length - 20} more${o.out ? `: ${o.out}.roster-differences.csv` : ''})\n`;
    if (o.out) files['.roster-differences.csv'] = toCsv([['line', 'claim_id', 'ledger_category', 'roster_category', 'reason_zh', 'reason_en'], ...x.map((y) => [String(y.line), y.claim_id, y.ledger, y.roster, y.reason.zh, y.reason.en])]);
  }
  if (groups) {
    const t = summaryTable(summarize(outcome, groups, d.meta));
    tables += `\n分组汇总 totals by ${groups.join(', ')}:\n` + table([summaryHeadings(groups), ...t.slice(1)]);
    if (o.out) files['.summary.csv'] = toCsv(t);
  }
  if (compare.length) {
    const c = compareLedger(book, d.rows, compare, { groups, meta: d.meta });
    tables += `\n情景比较 what-if against the pack (${c.baseline.summary.settled} 笔结算 claims settled):\n` + table(comparisonTable(c));
    for (const s of c.scenarios) {
      const own = s.violations.filter((v) => v.scenario);
      if (own.length === 0) tables += `  ✓ ${s.name}: 未违反国家或省级底线 (no floor or ceiling broken)\n`;
      for (const v of own) tables += `  ${violationLine(v)}\n`;
    }
    if (o.out) {
      files['.compare.csv'] = toCsv(comparisonTable(c));
      if (groups) files['.compare-groups.csv'] = toCsv(c.scenarios.flatMap((s, i) => comparisonGroupTable(c, s).slice(i === 0 ? 0 : 1).map((r, j) => [i === 0 && j === 0 ? 'scenario' : s.name, ...r])));
    }
  }
  if (o.out) stdout += tables;
  else stderr += tables;
  return { code: outcome.rejections.length ? 3 : 0, stdout, stderr, files };
}

// ---------------------------------------------------------------------------------------------
// the bulk path in process

function bulk(text: string, opts: { groups?: GroupKey[]; roster?: RosterIndex; scenario?: Scenario; chunk?: number; split?: boolean; policy?: Book } = {}) {
  const differences: CategoryDifference[] = [];
  const extras = { groups: opts.groups, roster: opts.roster && { index: opts.roster, onDifference: (x: CategoryDifference) => void differences.push(x) } };
  const policy = opts.policy ?? book;
  const ledger = new BulkLedger(policy, { scenario: opts.scenario, role: opts.split ? 'settler' : 'both', ...extras });
  const reader = opts.split ? new BulkLedger(policy, { role: 'reader', onBatch: (b) => ledger.consume(structuredClone(b)) }) : ledger;
  const bytes = enc.encode(text);
  const chunk = opts.chunk ?? 65536;
  for (let i = 0; i < bytes.length; i += chunk) reader.push(bytes.subarray(i, i + chunk));
  reader.end();
  if (opts.split) ledger.endWith(reader.exportIds());
  const pieces: string[] = [];
  ledger.writeResults((b) => void pieces.push(dec.decode(b)));
  return { ledger, results: pieces.join(''), outcome: ledger.outcome(), differences };
}

/** The four steps of engine/bulk/partition.ts in memory, each partition settled under each scenario. */
function bulkPartitions(text: string, parts: number, opts: { groups?: GroupKey[]; roster?: RosterIndex; scenarios: (Scenario | undefined)[]; policy?: Book }) {
  const policy = opts.policy ?? book;
  const streams = new Map<string, Uint8Array[]>();
  const writer = new PartWriter(parts, (stream: PartStream, k, bytes) => {
    const key = `${stream}-${k}`;
    if (!streams.has(key)) streams.set(key, []);
    streams.get(key)!.push(bytes.slice());
  }, 512);
  const differences: CategoryDifference[] = [];
  const splitter = new BulkLedger(policy, { role: 'splitter', split: writer, groups: opts.groups, roster: opts.roster && { index: opts.roster, onDifference: (x) => void differences.push(x) } });
  const bytes = enc.encode(text);
  for (let i = 0; i < bytes.length; i += 7777) splitter.push(bytes.subarray(i, i + 7777));
  splitter.end();
  const whole = (key: string) => Buffer.concat(streams.get(key) ?? []);
  const duplicates = sortedLines([...Array(parts).keys()].map((k) => duplicateLines(whole(`ids-${k}`))));
  const summaries: PartSummary[][] = opts.scenarios.map(() => []);
  for (let k = 0; k < parts; k++) {
    if (!writer.counts[k]) continue;
    const lines = linesOf(whole(`lines-${k}`));
    opts.scenarios.forEach((sc, i) => {
      const ledger = new BulkLedger(policy, { scenario: sc, lines, duplicates, groups: opts.groups });
      ledger.push(whole(`rows-${k}`));
      ledger.end();
      summaries[i].push(ledger.partSummary());
    });
  }
  const runs = opts.scenarios.map((sc, i) => ({
    outcome: mergeOutcomes(policy, sc, splitter.read, splitter.rejections, summaries[i]),
    groups: opts.groups ? mergeGroups(opts.groups, summaries[i]) : undefined,
    findingClaims: mergeFindingClaims(summaries[i]),
  }));
  return { runs, differences, notOnRoster: splitter.notOnRoster };
}

const GROUPINGS: GroupKey[][] = [['county', 'category', 'month'], ['city', 'kind', 'year'], ['kind', 'month', 'city', 'category', 'year', 'county']];

describe('totals per group on the bulk path equal summarize', () => {
  test.each([11])('generated ledger %i with a county column and bad rows: in memory, two threads, partitions', (seed) => {
    const text = withBadRows(withCounty(generateLedger(seed, 3000), seed), seed);
    const d = decimal(text);
    for (const groups of GROUPINGS) {
      const want = summarize(d.outcome, groups, d.meta);
      expect(want.rows.length).toBeGreaterThan(3);
      for (const split of [false, true]) {
        const got = bulk(text, { groups, split, chunk: split ? 333 : 65536 }).ledger.groupSummary();
        expect(summaryTable(got)).toEqual(summaryTable(want));
        expect(summaryJson(got)).toEqual(summaryJson(want));
      }
      const parted = bulkPartitions(text, 5, { groups, scenarios: [undefined] }).runs[0];
      expect(summaryTable(parted.groups!)).toEqual(summaryTable(want));
    }
    // the county cells as they are: trimmed, a quoted comma, empty ones unknown
    const counties = summarize(d.outcome, ['county'], d.meta).rows.map((r) => r.key.county);
    expect(counties).toEqual(expect.arrayContaining(['(未知 unknown)', '县,区', '罗庄区', '兰山区']));
  });

  test('warnings are counted per group (Xixiu publishes early-warning lines)', () => {
    const text = withBadRows(generateLedger(13, 3000), 13);
    const d = decimal(text);
    expect(d.outcome.summary.warnings).toBeGreaterThan(0);
    const want = summarize(d.outcome, ['city', 'month'], d.meta);
    const got = bulk(text, { groups: ['city', 'month'] }).ledger.groupSummary();
    expect(got.rows.map((r) => r.warnings)).toEqual(want.rows.map((r) => r.warnings));
    expect(summaryTable(got)).toEqual(summaryTable(want));
  });
});

describe('--roster on the bulk path equals rosterCategories + settleLedger', () => {
  test.each([21, 22])('generated ledger %i: results, rejected rows, differences and the county from the roster', (seed) => {
    const text = withBadRows(generateLedger(seed, 3000), seed); // no county column: the county comes from the roster
    const rosterText = rosterFor(text, seed);
    const d = decimal(text, { roster: rosterText });
    expect(d.differences!.length).toBeGreaterThan(100);
    expect(d.notOnRoster!.count).toBeGreaterThan(100);
    expect(d.rosterRejected.length).toBeGreaterThan(0);
    const index = new RosterIndex(book, readRoster(book, rosterText).entries);
    const groups: GroupKey[] = ['county', 'category'];
    const want = { results: toCsv(resultsTable(d.outcome)), rejected: toCsv(rejectedTable(d.outcome)), summary: summaryText(d.outcome), groups: summaryTable(summarize(d.outcome, groups, d.meta)) };
    expect(want.groups.map((r) => r[0])).toEqual(expect.arrayContaining(['兰山区', '河东区', '(未知 unknown)']));
    for (const split of [false, true]) {
      const got = bulk(text, { groups, roster: index, split, chunk: split ? 4093 : 65536 });
      expect(got.results).toBe(want.results);
      expect(toCsv(rejectedTable(got.outcome))).toBe(want.rejected);
      expect(summaryText(got.outcome)).toBe(want.summary);
      expect(got.differences).toEqual(d.differences);
      expect(got.ledger.notOnRoster).toBe(d.notOnRoster!.count);
      expect(summaryTable(got.ledger.groupSummary())).toEqual(want.groups);
    }
    // partitions: the splitter writes the roster's category and the county into the rows
    for (const parts of [1, 6]) {
      const got = bulkPartitions(text, parts, { groups, roster: index, scenarios: [undefined] });
      expect(got.differences).toEqual(d.differences);
      expect(got.notOnRoster).toBe(d.notOnRoster!.count);
      expect(summaryText(got.runs[0].outcome)).toBe(want.summary);
      expect(toCsv(rejectedTable(got.runs[0].outcome))).toBe(want.rejected);
      expect(summaryTable(got.runs[0].groups!)).toEqual(want.groups);
    }
  });

  test('a county column of the ledger comes before the roster\'s; rows the roster makes valid or changes the reason of', () => {
    const header = 'claim_id,person_id,category,city,date,kind,hospital_level,total,compliant,basic_paid,county';
    const rows = [
      'a1,R1,nonsense,linyi,2024-05-01,inpatient,,1000,900,,', // unknown category: the roster's dibao makes it valid
      'a2,R1,dibao,linyi,2024-05-02,inpatient,,1000,-1,,河东区', // bad amount either way: the same reason
      'a3,R2,"低保",临沂,2024-05-03,inpatient,,5000,5000,,', // quoted category and a Chinese city name
      'a4,R3,dibao,linyi, 2024-05-04 ,inpatient,,1000,900,,', // spaces around the date: the roster's county
      'a5,R4,dibao,linyi,2024-05-05,inpatient,,1000,900,, 兰山区 ', // not on the roster
      'a1,R1,ordinary,linyi,2024-05-06,inpatient,,1000,900,,', // a duplicate: still a difference of the roster's
      'a6,R2,dibao,linyi,2021-12-31,inpatient,,1000,900,,', // before R2's benefits: ordinary
    ];
    const text = [header, ...rows].join('\n') + '\n';
    const rosterText = 'person_id,id_number,city,county,category,included_on,exited_on\nR1,,linyi,兰山区,dibao,,\nR2,,linyi,,dibao_marginal,2022-01-01,\nR3,,linyi,罗庄区,dibao,,\n';
    const d = decimal(text, { roster: rosterText });
    const index = new RosterIndex(book, readRoster(book, rosterText).entries);
    const got = bulk(text, { groups: ['county', 'category'], roster: index });
    expect(got.differences).toEqual(d.differences);
    expect(d.differences!.map((x) => x.claim_id)).toEqual(['a1', 'a3', 'a1', 'a6']);
    expect(got.results).toBe(toCsv(resultsTable(d.outcome)));
    expect(toCsv(rejectedTable(got.outcome))).toBe(toCsv(rejectedTable(d.outcome)));
    expect(got.outcome.summary.settled).toBe(4); // a1 through the roster; a2 rejected, the second a1 a duplicate, a6 before the policy
    const want = summaryTable(summarize(d.outcome, ['county', 'category'], d.meta));
    expect(summaryTable(got.ledger.groupSummary())).toEqual(want);
    // a3: R2's entry has no county and R2 no other; a1 兰山区 from the roster, a5 from its own cell; a4 罗庄区
    expect(want.slice(1, -1).map((r) => `${r[0]}/${r[1]}/${r[2]}`)).toEqual(['(未知 unknown)/dibao_marginal/1', '兰山区/dibao/2', '罗庄区/dibao/1']);
  });
});

describe('--compare on the bulk path equals compareLedger', () => {
  test('two scenarios, one breaking floors, by group; the same from partitions', () => {
    const text = withBadRows(withCounty(generateLedger(31, 3000), 31), 31);
    const rosterText = rosterFor(text, 31);
    const scenarios = [scenario(LOW), scenario(HIGH)];
    const groups: GroupKey[] = ['county', 'category'];
    const d = decimal(text, { roster: rosterText });
    const want = compareLedger(book, d.rows, scenarios, { groups, meta: d.meta });
    expect(want.scenarios[0].violations.some((v) => v.scenario === 'low')).toBe(true);
    expect(want.baseline.findings).toBeGreaterThan(0);
    const index = new RosterIndex(book, readRoster(book, rosterText).entries);
    const run = (sc?: Scenario) => {
      const b = bulk(text, { groups, roster: index, scenario: sc });
      if (sc?.name === 'hi') expect(b.ledger.decimalGroups).toBeGreaterThan(0);
      return { summary: b.outcome.summary, violations: b.outcome.policyViolations, findings: b.ledger.findingClaims, groups: b.ledger.groupSummary() };
    };
    const inMemory = comparisonOf(groups, run(), scenarios.map((s) => ({ scenario: s, run: run(s) })));
    const parted = bulkPartitions(text, 4, { groups, roster: index, scenarios: [undefined, ...scenarios] }).runs;
    const fromParts = comparisonOf(groups, { summary: parted[0].outcome.summary, violations: parted[0].outcome.policyViolations, findings: parted[0].findingClaims, groups: parted[0].groups },
      scenarios.map((s, i) => ({ scenario: s, run: { summary: parted[i + 1].outcome.summary, violations: parted[i + 1].outcome.policyViolations, findings: parted[i + 1].findingClaims, groups: parted[i + 1].groups } })));
    for (const got of [inMemory, fromParts]) {
      expect(comparisonTable(got)).toEqual(comparisonTable(want));
      for (const i of [0, 1]) expect(comparisonGroupTable(got, got.scenarios[i])).toEqual(comparisonGroupTable(want, want.scenarios[i]));
      expect(comparisonJson(got)).toEqual(comparisonJson(want));
      expect([got.baseline.findings, ...got.scenarios.map((s) => s.findings)]).toEqual([want.baseline.findings, ...want.scenarios.map((s) => s.findings)]);
    }
  });

  test('claims that break two claim rules count once, as claimFindings.size counts them', () => {
    const rule = (id: string, check: string) => ({ id, scope: 'national', on: 'claim', check, source: `test ${id}`, zh: `测试规则 ${id}`, en: `test rule ${id}` });
    const policy = { ...book, floors: [rule('a', 'critical < 20000'), rule('b', 'assistance < 5000'), ...book.floors] } as Book;
    const text = generateLedger(41, 3000);
    const want = settleLedger(policy, csvLedgerRows(text).rows);
    const twice = [...want.claimFindings.values()].filter((f) => f.length > 1).length;
    expect(twice).toBeGreaterThan(5);
    const got = bulk(text, { policy });
    expect(got.ledger.findingClaims).toBe(want.claimFindings.size);
    // outcome() keeps every finding under one key (claimFindings) and counts claims apart (findingClaims): the two differ here
    expect(got.outcome.claimFindings.get('')!.length).toBe([...want.claimFindings.values()].flat().length);
    expect(got.outcome.claimFindings.get('')!.length).toBeGreaterThan(got.ledger.findingClaims);
    for (const parts of [3, 8]) expect(bulkPartitions(text, parts, { policy, scenarios: [undefined] }).runs[0].findingClaims).toBe(want.claimFindings.size);
  });
});

// ---------------------------------------------------------------------------------------------
// the command line

describe('yibao settle --summary --compare --roster (built CLI) write what the decimal path wrote', () => {
  let dir: string;
  let ledger: string, ledgerNoCounty: string, roster: string, low: string, high: string;
  let text: string, textNoCounty: string, rosterText: string;
  beforeAll(() => {
    if (!fs.existsSync(path.join(ROOT, 'dist/cli/partition-worker.js'))) throw new Error('dist/ is not built (npm test builds it first)');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-budget-bulk-'));
    textNoCounty = withBadRows(generateLedger(51, 10_000), 51);
    text = withBadRows(withCounty(generateLedger(52, 10_000), 52), 52);
    rosterText = rosterFor(textNoCounty + text, 51);
    fs.writeFileSync((ledger = path.join(dir, 'ledger.csv')), text);
    fs.writeFileSync((ledgerNoCounty = path.join(dir, 'ledger-no-county.csv')), textNoCounty);
    fs.writeFileSync((roster = path.join(dir, 'roster.csv')), rosterText);
    fs.writeFileSync((low = path.join(dir, 'low.json')), JSON.stringify(LOW));
    fs.writeFileSync((high = path.join(dir, 'hi.json')), JSON.stringify(HIGH));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const PARTS = { YIBAO_MEMORY_ROWS: '1000', YIBAO_PART_ROWS: '700' }; // about 10,000 rows: 15 partitions

  function cli(input: string, args: string[], env: Record<string, string>, out?: string) {
    const tmp = path.join(dir, `tmp-${Object.keys(env).length}-${args.length}-${out ? 'o' : 'n'}`);
    fs.mkdirSync(tmp, { recursive: true });
    if (out) fs.rmSync(path.dirname(out), { recursive: true, force: true }); // only this run's files are read back
    const r = spawnSync(process.execPath, [BIN, 'settle', input, ...args, ...(out ? ['--out', out] : [])], { encoding: 'utf8', env: { ...process.env, ...env, TMPDIR: tmp }, maxBuffer: 1 << 28 });
    const files: Record<string, string> = {};
    if (out) for (const f of fs.readdirSync(path.dirname(out))) files[f.slice(path.basename(out).length)] = fs.readFileSync(path.join(path.dirname(out), f), 'utf8');
    expect(fs.readdirSync(tmp)).toEqual([]); // the partitions are gone
    return { code: r.status, stdout: r.stdout, stderr: r.stderr, files };
  }

  let wantAll: ReturnType<typeof decimalCli> | undefined; // the decimal path's run, slow: made once for both cases
  test.each([
    ['in memory', {}],
    ['in partitions (two threads on two cores)', PARTS],
  ])('all three options together with --out, %s', (_, env) => {
    const out = path.join(dir, 'all', 'r.csv');
    const want = (wantAll ??= decimalCli(text, { roster: rosterText, summary: 'county,category,month', compare: [LOW, HIGH], out }));
    // the test means something: floors broken, differences past the 20 shown, groups by county
    expect(want.stdout).toContain('— 情景“low”');
    expect(want.stderr).toMatch(/…另有 \d+ 笔/);
    expect(Object.keys(want.files).sort()).toEqual(['', '.compare-groups.csv', '.compare.csv', '.monthly-warnings.csv', '.rejected.csv', '.roster-differences.csv', '.summary.csv']);
    const got = cli(ledger, ['--roster', roster, '--summary', 'county,category,month', '--compare', low, '--compare', high], env, out);
    expect(got.code).toBe(want.code);
    expect(got.files).toEqual(want.files);
    expect(got.stdout).toBe(want.stdout);
    expect(got.stderr).toBe(want.stderr);
  });

  test('--roster --summary county --scenario, no --out, in partitions: the county from the roster, tables on stderr', () => {
    const want = decimalCli(textNoCounty, { roster: rosterText, summary: 'county,kind', scenario: HIGH });
    expect(want.stderr).toContain('河东区');
    const got = cli(ledgerNoCounty, ['--roster', roster, '--summary', 'county,kind', '--scenario', high], PARTS);
    expect(got.code).toBe(want.code);
    expect(got.stdout).toBe(want.stdout);
    expect(got.stderr).toBe(want.stderr);
  });

  test('--compare without groups and --summary alone, in memory, no --out', () => {
    const cases: [string[], CliOptions][] = [
      [['--compare', low], { compare: [LOW] }],
      [['--summary', 'year,city'], { summary: 'year,city' }],
    ];
    for (const [args, o] of cases) {
      const want = decimalCli(textNoCounty, o);
      const got = cli(ledgerNoCounty, args, {});
      expect(got.code).toBe(want.code);
      expect(got.stdout).toBe(want.stdout);
      expect(got.stderr).toBe(want.stderr);
    }
  });

  test('errors come in the decimal path\'s order: the ledger\'s first, then the options\' and the roster\'s', () => {
    const gbk = path.join(dir, 'gbk.csv');
    fs.writeFileSync(gbk, Buffer.from([0x61, 0x2c, 0x62, 0x0a, 0xff, 0xfe, 0x0a]));
    const badRoster = path.join(dir, 'bad-roster.csv');
    fs.writeFileSync(badRoster, 'person_id,city\n');
    // exit status 1: nothing could run; 2: the options themselves are wrong (a usage error)
    const cases: [string, string[], string, number][] = [
      [gbk, ['--summary', 'county,district'], `文件 ${gbk} 不是 UTF-8 编码`, 1],
      [ledger, ['--summary', 'county,district'], '未知汇总维度“district”', 2],
      [path.join(dir, 'missing.csv'), ['--compare', low, '--scenario', high], `无法读取文件 ${path.join(dir, 'missing.csv')}（ENOENT）`, 1],
      [ledger, ['--compare', low, '--scenario', high], '--compare 与 --scenario 不能同时使用', 2],
      [gbk, ['--roster', badRoster], `文件 ${gbk} 不是 UTF-8 编码`, 1],
      [ledger, ['--roster', badRoster], '花名册缺少必需的列：category', 1],
    ];
    for (const [input, args, message, status] of cases) {
      const r = spawnSync(process.execPath, [BIN, 'settle', input, ...args], { encoding: 'utf8' });
      expect(r.status).toBe(status);
      expect(r.stdout).toBe('');
      expect(r.stderr.startsWith(`错误 error: ${message}`)).toBe(true);
    }
  });

  test('a national-platform export with --summary goes the bulk path too: the decimal path\'s files, under the platform\'s names', async () => {
    const before = { ...bulkRuns };
    let err = '';
    const stderr = { write: (x: string) => ((err += x), true) } as unknown as NodeJS.WritableStream;
    const input = path.join(ROOT, 'samples/nhsa-export.csv');
    const out = path.join(dir, 'nhsa', 'r.csv');
    const code = await runSettle(book, { input, explain: false, summary: 'county', out }, stderr, stderr);
    expect(code).toBe(3);
    expect(bulkRuns).toEqual({ ...before, memory: before.memory + 1 });
    const want = settleLedger(book, csvLedgerRows(fs.readFileSync(input, 'utf8')).rows);
    expect(fs.readFileSync(out, 'utf8')).toBe(toCsv(nhsaResultsTable(want)));
    expect(fs.readFileSync(`${out}.rejected.csv`, 'utf8')).toBe(toCsv(rejectedTable(want, 'nhsa')));
    expect(fs.readFileSync(`${out}.rejected.csv`, 'utf8').split('\n')[0]).toBe('line,setl_id,reason_zh,reason_en');
    expect(err).toContain(summaryText(want));
    expect(err).toContain('分组汇总 totals by county');
  });

  test('the bulk path is taken: in process it counts its runs, and a heap far too small for the decimal path is enough', async () => {
    const sink = () => {
      let s = '';
      return { write: (x: string | Uint8Array) => ((s += typeof x === 'string' ? x : dec.decode(x)), true), text: () => s } as unknown as NodeJS.WritableStream & { text(): string };
    };
    const before = { ...bulkRuns };
    const out = path.join(dir, 'inproc', 'r.csv');
    const [o1, e1] = [sink(), sink()];
    const code = await runSettle(book, { input: ledger, out, explain: false, summary: 'county', compare: [scenario(LOW)], roster }, o1, e1);
    expect({ code, ...bulkRuns }).toEqual({ code: 3, memory: before.memory + 1, partitioned: before.partitioned, whatIf: before.whatIf + 1 });
    const want = decimalCli(text, { roster: rosterText, summary: 'county', compare: [LOW], out });
    expect(o1.text()).toBe(want.stdout);
    expect(e1.text()).toBe(want.stderr);
    process.env.YIBAO_MEMORY_ROWS = '1000';
    process.env.YIBAO_PART_ROWS = '3000';
    try {
      const [o2, e2] = [sink(), sink()];
      await runSettle(book, { input: ledger, out, explain: false, summary: 'county', compare: [scenario(LOW)], roster }, o2, e2);
      expect(bulkRuns.partitioned).toBe(before.partitioned + 1);
      expect(o2.text()).toBe(want.stdout);
      expect(e2.text()).toBe(want.stderr);
    } finally {
      delete process.env.YIBAO_MEMORY_ROWS;
      delete process.env.YIBAO_PART_ROWS;
    }
    // 40,000 claims: the decimal path (--explain still takes it) needs some 150 MB of heap; the bulk path runs in 32 MB
    const big = path.join(dir, 'big.csv');
    fs.writeFileSync(big, generateLedger(53, 40_000));
    const limited = (args: string[]) => spawnSync(process.execPath, ['--max-old-space-size=32', BIN, 'settle', big, '--out', path.join(dir, 'big-out', 'r.csv'), ...args], { encoding: 'utf8' });
    const ok = limited(['--summary', 'county,category', '--compare', low, '--roster', roster]);
    expect(ok.stderr).toContain('读取 40000 行');
    expect(ok.status).toBe(0);
    expect(limited(['--summary', 'county', '--explain']).status).not.toBe(0);
  });
});
