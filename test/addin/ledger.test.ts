// YIBAO.LEDGER and the task pane's local totals on the engine's columnar ledger: the spill must be what
// the per-claim decimal path gives for the same range (amounts, warnings, notes, rejections in place),
// the cells must reach the ledger exactly as typed, the national platform's column names are settled
// there too, and what the columnar ledger does not take must still be answered.
import './shim';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExcelCalls } from './shim';
import * as Functions from '../../addin/src/functions';
import { LEDGER_COLUMNS } from '../../addin/src/calc';
import { localTotals, addUp } from '../../addin/src/taskpane/chart';
import { rawCsvCell } from '../../addin/src/ledger';
import { BulkLedger } from '../../engine';
import { defaultBook, readCsv, resultCells, settleLedger, tableLedgerRows, csvLedgerRows, type LedgerOutcome, type LedgerRow } from '../../engine';

const F = Functions as unknown as ExcelCalls<typeof Functions>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { generate } = require('../../bench/gen.js') as { generate: (file: string, n: number, seed?: number) => number };

type Range = (string | number | null)[][];

/** The spill from settleLedger's outcome row by row, notes as the results file writes them. */
function decimalSpill(range: Range, outcome: LedgerOutcome): unknown[][] {
  const rejected = new Map(outcome.rejections.map((r) => [r.line, r]));
  let next = 0;
  return [LEDGER_COLUMNS, ...range.slice(1).map((row, i) => {
    const r = rejected.get(i + 2);
    if (r) return [r.claim_id ?? String(row[0]).trim(), '', '', '', '', '', '', '', `拒绝：${r.reason.zh} (rejected: ${r.reason.en})`];
    const result = outcome.results[next++];
    const [id, ...rest] = resultCells(result, outcome.claimFindings.get(result.claim_id));
    return [id, ...rest.slice(0, 6).map(Number), rest[6] === '' ? '' : rest[6] === '1', rest[7]];
  })];
}

function textRange(text: string): Range {
  return [...readCsv(text)].map((r) => r.cells);
}

function decimalOutcome(range: Range): LedgerOutcome {
  const records = range.slice(1).map((row, i) => ({ line: i + 2, cells: row.map((c) => (c === null ? '' : String(c))) }));
  const { rows } = tableLedgerRows(range[0].map(String), records);
  return settleLedger(defaultBook(), rows as Iterable<LedgerRow>);
}

let dir: string;
let generated: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-addin-ledger-'));
  const file = path.join(dir, 'claims.csv');
  generate(file, 4000, 7);
  generated = fs.readFileSync(file, 'utf8');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => jest.restoreAllMocks());

test('4,000 generated Linyi claims: the spill is the decimal path\'s, row by row, and the columnar ledger settled it', async () => {
  const end = jest.spyOn(BulkLedger.prototype, 'end');
  const range = textRange(generated);
  const out = await F.ledger(range, null);
  expect(end).toHaveBeenCalledTimes(1);
  const want = decimalSpill(range, decimalOutcome(range));
  expect(out).toEqual(want);
  // notes to compare, not only amounts: a pending assistance policy, and a claim-level finding
  expect(out.some((r) => String(r[8]).includes('另行制定'))).toBe(true);
  expect(out.some((r) => String(r[8]).includes('杜绝个人零自付'))).toBe(true);
});

test('the sample ledger, with its rejected rows, matches the decimal path', async () => {
  const range = textRange(fs.readFileSync(path.join(__dirname, '../../samples/claims.csv'), 'utf8'));
  const outcome = decimalOutcome(range);
  expect(outcome.rejections.length).toBeGreaterThan(0);
  const out = await F.ledger(range, null);
  expect(out).toEqual(decimalSpill(range, outcome));
  expect(out.filter((r) => typeof r[7] === 'boolean').length).toBeGreaterThan(0); // warnings of cities that publish a threshold
});

test('cells reach the ledger as typed: ids that look like formulas, commas, quotes and line breaks', async () => {
  const ids = ['=1+1', '-x', '+y', '@z', 'a,b', 'q"uote', 'two\nlines', '\ufeffbom', ' padded '];
  const range: Range = [
    ['claim_id', 'person_id', 'category', 'city', 'date', 'kind', 'hospital_level', 'total', 'compliant', 'basic_paid'],
    ...ids.map((id, k) => [id, `P${k}`, '低保', '临沂', '2022-06-01', '住院', '', '60000', '50000', '30000']),
    ['r1', 'P,x', '-dibao', '临沂', '2022-06-01', '住院', '', '+5', '5', ''],
    ['=1+1', 'P0', '低保', '临沂', '2022-06-02', '住院', '', '1', '1', ''],
  ];
  const end = jest.spyOn(BulkLedger.prototype, 'end');
  const out = await F.ledger(range, null);
  expect(end).toHaveBeenCalledTimes(1);
  expect(out).toEqual(decimalSpill(range, decimalOutcome(range)));
  expect(out.slice(1, ids.length + 1).map((r) => r[0])).toEqual(ids.map((id) => id.trim()));
  expect(out[ids.length + 1][8]).toMatch(/^拒绝：未知类别“-dibao”/); // not “'-dibao”: no formula guard on input
  expect(out[ids.length + 2][8]).toMatch(/重复/);
  expect(['x', 'a,b', 'q"uote', 'a\nb', '\ufeffx'].map(rawCsvCell)).toEqual(['x', '"a,b"', '"q""uote"', '"a\nb"', '"\ufeffx"']);
});

test('the national platform\'s column names: settled on the columnar ledger, the decimal path\'s answers, as the command line reads them', async () => {
  const text = fs.readFileSync(path.join(__dirname, '../../samples/nhsa-export.csv'), 'utf8');
  const range = textRange(text);
  const end = jest.spyOn(BulkLedger.prototype, 'end');
  const out = await F.ledger(range, null);
  expect(end).toHaveBeenCalled();
  const { rows } = csvLedgerRows(text);
  expect(out).toEqual(decimalSpill(range, settleLedger(defaultBook(), rows as Iterable<LedgerRow>)));
  expect(out.slice(1).filter((r) => typeof r[1] === 'number').length).toBeGreaterThan(0);
});

test('the platform\'s Chinese headers (结算ID, 人员编号 …) give the same answers as its field names, in LEDGER and the pane', async () => {
  const text = fs.readFileSync(path.join(__dirname, '../../samples/nhsa-export.csv'), 'utf8');
  const range = textRange(text);
  const zh: Record<string, string> = {
    setl_id: '结算ID', psn_no: '人员编号', certno: '证件号码', med_type: '医疗类别', setl_time: '结算时间',
    medfee_sumamt: '医疗费总额', inscp_scp_amt: '符合政策范围金额', hifp_pay: '基本医疗保险统筹基金支出', city: '城市', category: '类别',
  };
  const chinese = [range[0].map((c) => zh[String(c)] ?? c), ...range.slice(1)];
  expect(chinese[0]).toContain('结算ID');
  expect(chinese[0].filter((c) => /^[a-z_]+$/.test(String(c)))).toEqual(['insutype']); // a column the ledger ignores
  const out = await F.ledger(chinese, null);
  expect(out).toEqual(await F.ledger(range, null));
  expect(out.slice(1).filter((r) => typeof r[1] === 'number').length).toBeGreaterThan(0);
  expect(localTotals(chinese)).toEqual(localTotals(range));
});

test('the task pane\'s totals by category are the sums of the decimal path\'s results, to the fen', () => {
  const range = textRange(generated);
  const outcome = decimalOutcome(range);
  const book = defaultBook();
  const want = addUp(outcome.results.map((r) => ({
    category: r.category,
    label: book.categories.get(r.category)?.zh ?? r.category,
    amounts: { basic: r.basic.toFixed(2), critical: r.critical.toFixed(2), assistance: r.assistance.toFixed(2), reassist: r.reassist.toFixed(2) },
  })));
  const end = jest.spyOn(BulkLedger.prototype, 'end');
  const got = localTotals(range);
  expect(end).toHaveBeenCalledTimes(1);
  const plain = (ts: typeof want) => ts.map((t) => ({ ...t, amounts: Object.fromEntries(Object.entries(t.amounts).map(([k, v]) => [k, v.toFixed(2)])) }));
  expect(plain(got.totals)).toEqual(plain(want));
  expect(got.totals.length).toBeGreaterThan(3);
  expect({ read: got.read, rejected: got.rejected }).toEqual({ read: outcome.summary.read, rejected: outcome.summary.rejected });
});
