// --roster on a ledger under a header plan (an export under the national platform's names, or --city /
// --category-column) on the columnar ledger: the roster read from the fields the plan mapped, in every
// role (one instance, a reader and a settler, a splitter and its partitions), and `yibao settle
// --roster` on such a file in memory and in partitions. The reference is the decimal path itself:
// csvLedgerRows, rosterCategories, keepColumns, settleLedger, summarize and engine/output.ts, printed
// as cli/settle.ts prints them.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  defaultBook, csvLedgerRows, settleLedger, resultsTable, nhsaResultsTable, rejectedTable, monthlyWarningsTable, toCsv, summaryText, bilingual,
  readRoster, RosterIndex, rosterCategories, keepColumns, summarize, summaryTable, summaryHeadings, PartWriter, linesOf, mergeOutcomes, mergeResultsByLine,
  type LedgerHeaderOptions, type LedgerRow, type CategoryDifference,
} from '../../engine';
import { BulkLedger } from '../../engine/ledger/bulk';
import { duplicateLines, sortedLines, mergeGroups, type PartStream, type PartSummary } from '../../engine/bulk/partition';
import { NHSA_RESULT_COLUMNS } from '../../engine/output';
import type { GroupKey } from '../../engine/summary';
import { runSettle } from '../../cli/settle';
import { bulkRuns } from '../../cli/bulk';
import { mulberry32, type City } from '../oracle/gen-ledger';
import { rosterRows } from '../bulk/ledgers';
import { exportOf } from './forms';

const book = defaultBook();
const enc = new TextEncoder();
const dec = new TextDecoder();
type Format = 'spec' | 'nhsa';
const GROUPS: GroupKey[] = ['county', 'category'];

/** The cities of the generated exports, by their names as the exports write them. */
const CITY_OF: Record<string, City> = { linyi: 'linyi', luan: 'luan', xixiu: 'xixiu' };

/**
 * A roster for an export's persons (psn_no): three in four listed, some two or three times (other
 * categories, benefit windows, now and then another city), a county or none, a few rows it rejects.
 */
function rosterFor(text: string, seed: number, city?: City): string {
  const rnd = mulberry32(seed * 31 + 3);
  const [head, ...lines] = text.trimEnd().split('\n');
  const cols = head.split(',');
  const persons = new Map<string, City>();
  for (const l of lines) {
    const c = l.split(',');
    const p = c[cols.indexOf('psn_no')];
    const at = city ?? CITY_OF[c[cols.indexOf('city')]];
    if (/^P\d+$/.test(p ?? '') && at) persons.set(p, at);
  }
  return rosterRows(persons, rnd, (at) => (at === 'luan' ? 'linyi' : 'luan'), 0.02);
}

/** The decimal path: the rows as the plan maps them, the roster's categories, settleLedger. */
function decimal(text: string, opts: LedgerHeaderOptions, rosterText: string) {
  const r = readRoster(book, rosterText);
  const roster = new RosterIndex(book, r.entries);
  const w = rosterCategories(book, csvLedgerRows(text, opts).rows, roster);
  const kept = keepColumns(w.rows, ['county', 'person_id']);
  const rows: LedgerRow[] = [...kept.rows];
  const outcome = settleLedger(book, rows);
  return { outcome, differences: w.differences, notOnRoster: w.notOnRoster.count, roster, rosterRejections: r.rejections, groups: summarize(outcome, GROUPS, { columns: kept.columns, roster }) };
}

function expected(text: string, opts: LedgerHeaderOptions, rosterText: string, format: Format) {
  const d = decimal(text, opts, rosterText);
  const o = d.outcome;
  return {
    d,
    results: toCsv(format === 'nhsa' ? nhsaResultsTable(o) : resultsTable(o)),
    rejected: toCsv(rejectedTable(o, format)),
    summary: summaryText(o),
    groups: summaryTable(d.groups),
  };
}

/** One instance, or a reader and a settler (batches through structuredClone, as across threads). */
function inMemory(text: string, opts: LedgerHeaderOptions, roster: RosterIndex, format: Format, chunk: number, split: boolean) {
  const differences: CategoryDifference[] = [];
  const ledger = new BulkLedger(book, { ...opts, format, groups: GROUPS, role: split ? 'settler' : 'both', roster: { index: roster, onDifference: (x) => void differences.push(x) } });
  const reader = split ? new BulkLedger(book, { ...opts, format, role: 'reader', onBatch: (b) => ledger.consume(structuredClone(b)) }) : ledger;
  const bytes = enc.encode(text);
  for (let i = 0; i < bytes.length; i += chunk) reader.push(bytes.subarray(i, i + chunk));
  reader.end();
  if (split) ledger.endWith(reader.exportIds());
  const pieces: string[] = [];
  ledger.writeResults((b) => void pieces.push(dec.decode(b)), 4096);
  const o = ledger.outcome();
  return { results: pieces.join(''), rejected: toCsv(rejectedTable(o, format)), summary: summaryText(o), groups: summaryTable(ledger.groupSummary()), differences, notOnRoster: ledger.notOnRoster };
}

/** engine/bulk/partition.ts's steps in memory: a splitter with the roster, partitions with neither plan nor roster. */
async function inPartitions(text: string, opts: LedgerHeaderOptions, roster: RosterIndex, format: Format, parts: number, chunk: number) {
  const streams = new Map<string, Uint8Array[]>();
  const writer = new PartWriter(parts, (stream: PartStream, k, bytes) => {
    const key = `${stream}-${k}`;
    if (!streams.has(key)) streams.set(key, []);
    streams.get(key)!.push(bytes.slice());
  }, 512);
  const differences: CategoryDifference[] = [];
  const splitter = new BulkLedger(book, { ...opts, format, role: 'splitter', split: writer, groups: GROUPS, roster: { index: roster, onDifference: (x) => void differences.push(x) } });
  const bytes = enc.encode(text);
  for (let i = 0; i < bytes.length; i += chunk) splitter.push(bytes.subarray(i, i + chunk));
  splitter.end();
  const whole = (key: string) => Buffer.concat(streams.get(key) ?? []);
  const duplicates = sortedLines([...Array(parts).keys()].map((k) => duplicateLines(whole(`ids-${k}`))));
  const summaries: PartSummary[] = [];
  const framed: Uint8Array[][] = [];
  for (let k = 0; k < parts; k++) {
    if (!writer.counts[k]) continue;
    // a partition is a spec ledger (the splitter mapped the rows, wrote the roster's category and the county)
    expect(dec.decode(whole(`rows-${k}`)).split('\n')[0]).toBe('claim_id,person_id,category,city,date,kind,hospital_level,total,compliant,basic_paid,county');
    const ledger = new BulkLedger(book, { lines: linesOf(whole(`lines-${k}`)), duplicates, groups: GROUPS, format });
    ledger.push(whole(`rows-${k}`));
    ledger.end();
    const out: Uint8Array[] = [];
    ledger.writeFramed((b) => void out.push(b.slice()), 1000);
    framed.push(out);
    summaries.push(ledger.partSummary());
  }
  const pieces: Uint8Array[] = [];
  await mergeResultsByLine(framed.map((chunks) => () => chunks.shift() ?? null), (b) => void pieces.push(b.slice()), 777, format === 'nhsa' ? NHSA_RESULT_COLUMNS : undefined);
  const o = mergeOutcomes(book, undefined, splitter.read, splitter.rejections, summaries);
  return {
    results: pieces.map((p) => dec.decode(p)).join(''), rejected: toCsv(rejectedTable(o, format)), summary: summaryText(o),
    groups: summaryTable(mergeGroups(GROUPS, summaries)), differences, notOnRoster: splitter.notOnRoster,
  };
}

async function expectSame(text: string, opts: LedgerHeaderOptions, rosterText: string, format: Format) {
  const want = expected(text, opts, rosterText, format);
  const { d } = want;
  for (const got of [
    inMemory(text, opts, d.roster, format, 1 << 20, false),
    inMemory(text, opts, d.roster, format, 97, false),
    inMemory(text, opts, d.roster, format, 4093, true),
    await inPartitions(text, opts, d.roster, format, 1, 1 << 20),
    await inPartitions(text, opts, d.roster, format, 6, 333),
  ]) {
    expect(got.results).toBe(want.results);
    expect(got.rejected).toBe(want.rejected);
    expect(got.summary).toBe(want.summary);
    expect(got.groups).toEqual(want.groups);
    expect(got.differences).toEqual(d.differences);
    expect(got.notOnRoster).toBe(d.notOnRoster);
  }
  return want;
}

describe('--roster under a header plan on the columnar ledger equals rosterCategories + settleLedger', () => {
  test.each([1, 2])('export %i under the platform\'s names (a city column): results under either names, rejected rows, differences, groups by the roster\'s county', async (seed) => {
    const text = exportOf(seed, 1500, { cityColumn: true, categoryHeader: 'category' });
    const rosterText = rosterFor(text, seed);
    const want = await expectSame(text, {}, rosterText, 'nhsa');
    // the test means something: the roster changes categories, leaves persons out, makes rows valid or not
    expect(want.d.differences.length).toBeGreaterThan(100);
    expect(want.d.notOnRoster).toBeGreaterThan(100);
    expect(want.d.rosterRejections.length).toBeGreaterThan(0);
    expect(want.rejected).toMatch(/校验位不符/);
    expect(want.rejected).toMatch(/重复/);
    expect(want.groups.map((r) => r[0])).toEqual(expect.arrayContaining(['兰山区', '河东区', '(未知 unknown)']));
    // without the roster the results differ: the roster is read from the mapped fields, not ignored
    expect(want.results).not.toBe(toCsv(nhsaResultsTable(settleLedger(book, csvLedgerRows(text).rows))));
    await expectSame(text, {}, rosterText, 'spec');
  });

  test('an export with a county column: the row\'s county first, else the roster\'s, on both paths', async () => {
    const counties = ['兰山区', ' 罗庄区 ', '"河东区,东"', '', ''];
    const text = exportOf(3, 1500, { cityColumn: true, categoryHeader: 'category' }).trimEnd().split('\n')
      .map((l, i) => `${l},${i === 0 ? 'county' : counties[i % counties.length]}`).join('\n') + '\n';
    const want = await expectSame(text, {}, rosterFor(text, 3), 'nhsa');
    const keys = want.groups.map((r) => r[0]);
    expect(keys).toEqual(expect.arrayContaining(['罗庄区', '河东区,东', '兰山区', '金安区', '(未知 unknown)']));
    // without a roster too (the decimal path reads the county the plan carries)
    const plain = decimal(text, {}, 'person_id,id_number,city,county,category,included_on,exited_on\n');
    expect(summaryTable(plain.groups).map((r) => r[0])).toEqual(expect.arrayContaining(['罗庄区', '河东区,东', '兰山区', '(未知 unknown)']));
    expect(inMemory(text, {}, plain.roster, 'nhsa', 1 << 20, false).groups).toEqual(summaryTable(plain.groups));
  });

  test('--city and --category-column (no city column, the category under a Chinese header)', async () => {
    const full = exportOf(11, 2000, { cityColumn: true, categoryHeader: '困难类别' });
    const text = full.trimEnd().split('\n').filter((l, i) => i === 0 || l.split(',')[3] === 'linyi').map((l) => l.split(',').filter((_, i) => i !== 3).join(',')).join('\n') + '\n';
    const rosterText = rosterFor(text, 11, 'linyi');
    const want = await expectSame(text, { city: '临沂', categoryColumn: '困难类别' }, rosterText, 'nhsa');
    expect(want.d.differences.length).toBeGreaterThan(50);
    // the spec's own names with --category-column: a plan too
    const spec = 'claim_id,person_id,kind_of_person,city,date,kind,hospital_level,total,compliant,basic_paid\n'
      + 'a1,P1,nonsense,linyi,2024-05-01,inpatient,,1000,900,\n' // the roster's dibao makes it valid
      + 'a2,P2,dibao,linyi,2024-05-02,inpatient,,1000,-1,\n' // a bad amount either way
      + 'a1,P1,ordinary,linyi,2024-05-03,inpatient,,1000,900,\n' // a duplicate: still a difference
      + 'a3,P3,dibao,linyi,2024-05-04,inpatient,,5000,5000,\n'; // not on the roster
    const roster = 'person_id,id_number,city,county,category,included_on,exited_on\nP1,,linyi,兰山区,dibao,,\nP2,,linyi,,dibao_marginal,2022-01-01,\n';
    const got = await expectSame(spec, { categoryColumn: 'kind_of_person' }, roster, 'spec');
    expect(got.d.differences.map((x) => x.claim_id)).toEqual(['a1', 'a2', 'a1']);
    expect(got.d.notOnRoster).toBe(1);
    expect(got.d.outcome.summary.settled).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------
// the command line, in process

function table(rows: string[][]): string {
  const width = (s: string) => [...s].reduce((w, ch) => w + (/[\u1100-\uffff]/.test(ch) ? 2 : 1), 0);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => width(r[i] ?? ''))));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i] - width(c)))).join('  ')).join('\n') + '\n';
}

/** What `yibao settle <export> --roster r --summary county,category --out o` printed and wrote on the decimal path. */
function decimalCli(text: string, rosterText: string, out: string) {
  const d = decimal(text, {}, rosterText);
  const o = d.outcome;
  const files: Record<string, string> = { '': toCsv(nhsaResultsTable(o)) };
  let stderr = d.rosterRejections.map((rej) => `花名册第 ${rej.line} 行被拒绝 (roster line ${rej.line} rejected): ${bilingual(rej.reason)}\n`).join('');
  if (o.rejections.length) files['.rejected.csv'] = toCsv(rejectedTable(o, 'nhsa'));
  stderr += `结果已写入 results written to ${path.resolve(out)}${o.rejections.length ? `\n被拒绝的行 rejected rows: ${path.resolve(`${out}.rejected.csv`)}` : ''}\n`;
  if (o.monthlyWarnings?.length) {
    files['.monthly-warnings.csv'] = toCsv(monthlyWarningsTable(o));
    stderr += `按月预警名单 monthly warning list: ${path.resolve(`${out}.monthly-warnings.csv`)}\n`;
  }
  stderr += summaryText(o);
  const x = d.differences;
  stderr += `花名册：${x.length} 笔结算的类别与台账不同，${d.notOnRoster} 笔的人员不在花名册中（沿用台账类别） (roster: ${x.length} claims settled under a category other than the ledger's; ${d.notOnRoster} claims of persons not on the roster keep the ledger's)\n`;
  for (const y of x.slice(0, 20)) stderr += `  第 ${y.line} 行 line ${y.line} · ${y.claim_id}: ${y.ledger || '—'} → ${y.roster} · ${bilingual(y.reason)}\n`;
  if (x.length > 20) stderr += `  …另有 ${x.length - 20} 笔 (and ${x.length - 20} more: ${out}.roster-differences.csv)\n`;
  files['.roster-differences.csv'] = toCsv([['line', 'claim_id', 'ledger_category', 'roster_category', 'reason_zh', 'reason_en'], ...x.map((y) => [String(y.line), y.claim_id, y.ledger, y.roster, y.reason.zh, y.reason.en])]);
  const t = summaryTable(d.groups);
  const stdout = `\n分组汇总 totals by ${GROUPS.join(', ')}:\n` + table([summaryHeadings(GROUPS), ...t.slice(1)]);
  files['.summary.csv'] = toCsv(t);
  return { code: o.rejections.length ? 3 : 0, stdout, stderr, files };
}

describe('yibao settle --roster on a national-platform export takes the bulk path, with the decimal path\'s files and words', () => {
  let dir: string;
  beforeAll(() => void (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-nhsa-roster-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const sink = () => {
    let s = '';
    return { write: (x: string | Uint8Array) => ((s += typeof x === 'string' ? x : dec.decode(x)), true), text: () => s } as unknown as NodeJS.WritableStream & { text(): string };
  };

  test.each([
    ['in memory', {}, 'memory'],
    ['in partitions', { YIBAO_MEMORY_ROWS: '500', YIBAO_PART_ROWS: '400' }, 'partitioned'],
  ] as const)('%s', async (name, env, kind) => {
    const text = exportOf(21, 3000, { cityColumn: true, categoryHeader: '人员类别' });
    const rosterText = rosterFor(text, 21);
    const input = path.join(dir, 'export.csv');
    const roster = path.join(dir, 'roster.csv');
    fs.writeFileSync(input, text);
    fs.writeFileSync(roster, rosterText);
    const out = path.join(dir, name.replace(/\W+/g, '-'), 'r.csv');
    const want = decimalCli(text, rosterText, out);
    expect(want.stderr).toMatch(/…另有 \d+ 笔/);
    expect(want.stderr).toContain('花名册第');
    const before = { ...bulkRuns };
    Object.assign(process.env, env);
    const [o, e] = [sink(), sink()];
    let code: number;
    try {
      code = await runSettle(book, { input, out, explain: false, roster, summary: 'county,category' }, o, e);
    } finally {
      for (const k of Object.keys(env)) delete process.env[k];
    }
    expect(bulkRuns[kind]).toBe(before[kind] + 1);
    expect(code).toBe(want.code);
    const files: Record<string, string> = {};
    for (const f of fs.readdirSync(path.dirname(out))) files[f.slice('r.csv'.length)] = fs.readFileSync(path.join(path.dirname(out), f), 'utf8');
    expect(files).toEqual(want.files);
    expect(o.text()).toBe(want.stdout);
    expect(e.text()).toBe(want.stderr);
  });
});
