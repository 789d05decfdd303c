// The corpus of bad files (issue 6) through the Excel function YIBAO.LEDGER, called as Excel calls
// it: a 2-D array of the range's cells. Each file is read with the engine's CSV reader into such a
// range in two ways: every cell as text (a range formatted as Text, or plain text pasted), and as
// Excel holds the cells after opening the CSV (numbers and the dates it recognises become numbers).
// Every row of the range must come back settled or rejected in its place (read = settled +
// rejected), with the command line's split where a range can hold the same thing (corpus-cases.ts
// says where and why it cannot); a range that cannot be read gives #VALUE! with a Chinese-first message.
import { excelErrorOf, chineseFirst, type ExcelCalls } from '../addin/shim';
import * as Functions from '../../addin/src/functions';
import { LEDGER_COLUMNS } from '../../addin/src/calc';
import { readCsv } from '../../engine/csv';
import { HEADER } from '../helpers';
import { CASES, caseNamed, bytesOf, isFatal, expectAnswer, GBK_DIBAO, type Answer, type Amounts, type Expectation } from './corpus-cases';

const F = Functions as unknown as ExcelCalls<typeof Functions>;

type Cell = string | number | null;

const EXCEL_EPOCH = Date.UTC(1899, 11, 30);
const EXCEL_MAX = 9.99999999999999e307; // the largest number a cell holds

/**
 * A CSV cell as Excel holds it after opening the file (zh-CN or en-US number and date formats):
 * plain and grouped numbers become numbers (-0 becomes 0), y-m-d and y/m/d dates that exist become
 * date serials, an empty cell is empty (null); everything else, full-width digits and date-times
 * with T included, stays text. A model of what Excel does, for the cells of this corpus.
 */
function opened(text: string): Cell {
  if (text === '') return null;
  const d = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$/.exec(text);
  if (d) {
    const [y, m, day] = d.slice(1).map(Number);
    const t = Date.UTC(y, m - 1, day);
    const back = new Date(t);
    return back.getUTCMonth() === m - 1 && back.getUTCDate() === day ? (t - EXCEL_EPOCH) / 86_400_000 : text;
  }
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) || /^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(text)) {
    const n = Number(text.replace(/,/g, ''));
    if (Math.abs(n) <= EXCEL_MAX) return n === 0 ? 0 : n;
  }
  return text;
}

test('the model of Excel opening a CSV: numbers and real dates become numbers, the rest stays text', () => {
  expect(['1,234.50', '-0', '+5', '100.005', '20230301', '1e308', '１２３４', 'NaN', '0x10', '12.3.4', ' ', ''].map(opened))
    .toEqual([1234.5, 0, 5, 100.005, 20230301, '1e308', '１２３４', 'NaN', '0x10', '12.3.4', ' ', null]);
  // 2022-06-01 is serial 44713 (as in test/addin/functions.test.ts); 2024-02-29 exists, 2023-02-30 does not
  expect(['2022-06-01', '2023/3/1', '2024-02-29', '2023-02-30', '2023-05-01T10:00:00'].map(opened)).toEqual([44713, 44986, 45351, '2023-02-30', '2023-05-01T10:00:00']);
});

/** The file's records as a rectangular range (Excel's ranges have no short rows), header first. */
function rangeOf(text: string, cell: (s: string) => Cell): Cell[][] {
  const records = [...readCsv(text)];
  // line numbers are range rows: the corpus has no blank lines or line breaks inside cells
  expect(records.findIndex((r, i) => r.line !== i + 1)).toBe(-1);
  const width = Math.max(...records.map((r) => r.cells.length));
  const empty = cell('');
  return records.map((r) => [...r.cells.map(cell), ...Array<Cell>(width - r.cells.length).fill(empty)]);
}

const asText = (s: string): Cell => s;

/** LEDGER's spill read back: one row per input row; each non-blank one settled or rejected, none lost. */
function answerOf(range: Cell[][], out: unknown[][]) {
  expect(out).toHaveLength(range.length);
  expect(out[0]).toEqual(LEDGER_COLUMNS);
  const answer: Answer = { read: 0, settled: [], rejected: [] };
  const amounts = new Map<string, unknown[]>();
  const lost: number[] = [];
  for (let i = 1; i < range.length; i++) {
    const row = out[i];
    if (range[i].every((c) => c === null || c === '')) {
      if (!row.every((c) => c === '')) lost.push(i + 1);
      continue;
    }
    answer.read++;
    const m = /^拒绝：(.*) \(rejected: (.*)\)$/s.exec(String(row[8]));
    if (m && row.slice(1, 8).every((c) => c === '')) {
      answer.rejected.push({ line: i + 1, claim_id: String(row[0]), reason_zh: m[1], reason_en: m[2] });
    } else if (row.slice(1, 7).every((c) => typeof c === 'number' && Number.isFinite(c))) {
      answer.settled.push(String(row[0]));
      amounts.set(String(row[0]), row.slice(1, 7));
    } else {
      lost.push(i + 1);
    }
  }
  expect(lost).toEqual([]); // no row neither settled nor rejected
  return { answer, amounts };
}

async function expectLedger(range: Cell[][], want: Expectation, amounts: Record<string, Amounts> = {}) {
  if (isFatal(want)) {
    const e = await excelErrorOf(() => F.ledger(range, null));
    expect(e.code).toBe('#VALUE!');
    expect(e.message).toMatch(want.fatal);
    expect(chineseFirst(e.message)).toBe(true);
    return;
  }
  const { answer, amounts: got } = answerOf(range, await F.ledger(range, null));
  expectAnswer(answer, want);
  for (const [id, a] of Object.entries(amounts)) expect(got.get(id)).toEqual(a.map(Number));
}

describe.each(CASES.filter((c) => c.file).map((c) => [c.title, c] as const))('%s', (_title, c) => {
  const text = bytesOf(c).toString('utf8');
  test('YIBAO.LEDGER, every cell as text', async () => {
    await expectLedger(rangeOf(text, asText), c.excel?.text ?? c.expect, c.amounts);
  });
  test('YIBAO.LEDGER, the cells as Excel holds them after opening the file', async () => {
    const range = rangeOf(text, opened);
    await expectLedger(range, c.excel?.opened ?? c.expect, c.excel?.openedAmounts ?? c.amounts);
  });
});

describe('GBK-encoded Chinese: the range holds whatever the import made of the bytes', () => {
  const bytes = bytesOf(caseNamed('gbk'));

  test('read as UTF-8 (the bytes become U+FFFD): refused with #VALUE!, as the command line refuses the file', async () => {
    const range = rangeOf(bytes.toString('utf8'), asText);
    expect(range[1][2]).toContain('\ufffd');
    await expectLedger(range, caseNamed('gbk').expect);
    expect((await excelErrorOf(() => F.ledger(range, null))).message).toMatch(/^第 2 行含乱码字符/);
  });

  test('read as GBK (Excel in China opens a CSV in the system code page 936): 低保 as written, the row settles', async () => {
    const range = rangeOf(new TextDecoder('gbk').decode(bytes), opened);
    expect(range[1][2]).toBe('低保');
    // total 1, compliant 1: basic 0.70, assistance 0.70 × 0.30 = 0.21, out of pocket 0.09
    await expectLedger(range, { read: 1, settled: ['c1'], rejected: [] }, { c1: ['0.70', '0.00', '0.21', '0.00', '0.09', '0.09'] });
  });

  test('read as Windows-1252 (a Western code page): the garbled category is a rejected row naming it, not a guess', async () => {
    const range = rangeOf(new TextDecoder('windows-1252').decode(bytes), opened);
    expect(range[1][2]).toBe('µÍ±£');
    await expectLedger(range, { read: 1, settled: [], rejected: [{ line: 2, claim_id: 'c1', reason: /^未知类别“µÍ±£”；临沂市可选：/ }] });
  });
});

// A worksheet cell holds at most 32,767 characters, and a sheet 1,048,576 rows: the 50 MB line and the
// million duplicates cannot be a range. What Excel can hold is tested instead: a cell of 32,767
// characters, and 100,000 rows of one claim id (a tenth of the command line's million, to keep the
// test short; the engine's path is the same for any count).
const EXCEL_CELL_MAX = 32_767;

test(`a line that is one cell of ${EXCEL_CELL_MAX.toLocaleString('en')} characters is one rejected row; the rows around it settle`, async () => {
  const long = 'x'.repeat(EXCEL_CELL_MAX);
  const range = rangeOf(`${HEADER}\nb1,p1,dibao,linyi,2023-05-01,inpatient,,100,100,\n${long}\nb2,p1,dibao,linyi,2023-05-02,inpatient,,100,100,\n`, opened);
  // in a range the long text is the claim_id cell and the rest of its row is empty: person_id is the first thing missing
  await expectLedger(range, { read: 3, settled: ['b1', 'b2'], rejected: [{ line: 3, claim_id: long, reason: /^person_id 为空$/ }] }, caseNamed('long-line').amounts);
});

test('100,000 rows of one claim id: the first row stands, every other is rejected in its place and counted', async () => {
  const rows = 100_000;
  const range = rangeOf(`${HEADER}\n${'same,p1,dibao,linyi,2023-05-01,inpatient,,100,100,\n'.repeat(rows)}`, opened);
  await expectLedger(range, { read: rows, settled: ['same'], rejected: [{ line: [3, rows + 1], claim_id: 'same', reason: /^claim_id same 重复，以首次出现的行为准$/ }] }, caseNamed('duplicates').amounts);
});
