// The corpus of bad files (issue 6, "Trust"), described once for every interface that reads a ledger:
// the command line (corpus.test.ts), POST /api/settle (corpus-http.test.ts) and YIBAO.LEDGER
// (corpus-excel.test.ts). Each case is a file of test/trust/corpus/ or a generator, and what must
// come of it: every row settled or rejected (with its line number and a reason in Chinese and
// English) and read = settled + rejected, or, for a file that cannot be read at all, one clear error.
//
// The expected values are written by hand from the files' content, not copied from the code:
// line numbers are the file's (the header is line 1), and the amounts of the settled rows are worked
// from the policy (Linyi dibao inpatient, no basic_paid: basic 70% of compliant, no critical-illness
// payment under its 6,000 deductible, assistance 70% of the compliant out-of-pocket, no re-assistance
// under its 5,000 threshold). For 100 compliant: basic 70, assistance 0.70 × 30 = 21, oop_compliant 9.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HEADER } from '../helpers';

export const CORPUS_DIR = path.join(__dirname, 'corpus');

/** One rejected row as an interface answers it. */
export interface RejectedRow { line: number; claim_id: string; reason_zh: string; reason_en: string }

/** What an interface answered for a ledger it could read. */
export interface Answer { read: number; settled: string[]; rejected: RejectedRow[] }

/** An expected rejected row, or a run of lines [first, last] rejected alike. */
export interface ExpectedRejection { line: number | [number, number]; claim_id: string; reason: RegExp }

export interface Outcome { read: number; settled: string[]; rejected: ExpectedRejection[] }
export interface Fatal { fatal: RegExp }
export type Expectation = Outcome | Fatal;

export function isFatal(e: Expectation): e is Fatal {
  return 'fatal' in e;
}

/** The six amounts of a settled claim: basic, critical, assistance, reassist, oop_compliant, oop_total. */
export type Amounts = [string, string, string, string, string, string];

export interface CorpusCase {
  /** Short name, also the name of a generated file. */
  name: string;
  /** What the case shows (the test's title). */
  title: string;
  /** The file in test/trust/corpus/. */
  file?: string;
  /** Or the file's content, generated in pieces (the large cases are never held whole). */
  generate?: () => Iterable<string | Buffer>;
  /** Large enough that the HTTP test must raise the body limit for it. */
  large?: boolean;
  expect: Expectation;
  /** Hand-worked amounts of some settled claims, checked by every interface. */
  amounts?: Record<string, Amounts>;
  /**
   * How an Excel range of the same cells differs, and why: a range is rectangular (a short row is a
   * row with empty cells at its end, not a row with fewer fields), and when Excel opens a CSV it
   * turns the numbers and dates it recognises into numbers. `text`: every cell as text (a range
   * formatted as Text, or a paste of plain text); `opened`: as Excel holds the cells after opening
   * the file. Absent: the same outcome as the command line.
   */
  excel?: { text?: Expectation; opened?: Expectation; why: string; openedAmounts?: Record<string, Amounts> };
}

const AMOUNT_REASON = /^total 医疗总费用 不是有效金额（只接受数字和一个小数点，不带符号、千分位或指数）$/;
const EMPTY_REASON = /^total 医疗总费用 为空$/;
const OVER_REASON = /^total 医疗总费用 超过上限 100,000,000$/;
const dateReason = (text: string) => new RegExp(`^日期“${text.replace(/[/.*+?^${}()|[\]\\]/g, '\\$&')}”无效，须为 YYYY-MM-DD 格式的有效日期$`);
const HUNDRED: Amounts = ['70.00', '0.00', '21.00', '0.00', '9.00', '9.00'];

/** GBK bytes of 低保 (dibao), as a Windows export in China writes them. */
export const GBK_DIBAO = Buffer.from([0xb5, 0xcd, 0xb1, 0xa3]);
export const MB = 1024 * 1024;
export const LONG_LINE_MB = 50;
export const DUPLICATES = 1_000_000;

export const CASES: CorpusCase[] = [
  {
    name: 'truncated-last-line',
    title: 'a truncated last line is a rejected row, the others settle',
    file: 'truncated-last-line.csv',
    // line 3 stops after "2023-05-": 5 fields of 10
    expect: { read: 2, settled: ['t1'], rejected: [{ line: 3, claim_id: '', reason: /^该行有 5 个字段，表头有 10 个/ }] },
    amounts: { t1: HUNDRED },
    excel: {
      why: 'a range has no short rows: the five missing cells are empty, and the first of them that is checked is the date, "2023-05-"',
      text: { read: 2, settled: ['t1'], rejected: [{ line: 3, claim_id: 't2', reason: dateReason('2023-05-') }] },
      opened: { read: 2, settled: ['t1'], rejected: [{ line: 3, claim_id: 't2', reason: dateReason('2023-05-') }] },
    },
  },
  {
    name: 'semicolon',
    title: 'the wrong delimiter stops the run and says so',
    file: 'semicolon.csv',
    expect: { fatal: /^表头只有一列：分隔符须为英文逗号/ },
  },
  {
    name: 'missing-columns',
    title: 'missing columns stop the run naming them',
    file: 'missing-columns.csv',
    // the header has claim_id,person_id,category,city,date,kind,total: compliant is missing
    expect: { fatal: /^缺少必需的列：compliant（/ },
  },
  {
    name: 'extra-columns',
    title: 'extra columns are ignored but a short row is rejected',
    file: 'extra-columns.csv',
    // 12 header columns; line 3 has 11 fields (its remark is missing)
    expect: { read: 2, settled: ['x1'], rejected: [{ line: 3, claim_id: '', reason: /^该行有 11 个字段，表头有 12 个/ }] },
    amounts: { x1: HUNDRED },
    excel: {
      why: 'in a range the missing remark is an empty cell: x2 is a whole row, the same person\'s second claim of 100 (year to date: 200 compliant, basic 140, assistance 42, so 70 and 21 again)',
      text: { read: 2, settled: ['x1', 'x2'], rejected: [] },
      opened: { read: 2, settled: ['x1', 'x2'], rejected: [] },
    },
  },
  {
    name: 'amounts',
    title: 'amounts: separators, full-width digits, signs, exponents, NaN and blanks are rejected; extra decimals round',
    file: 'amounts.csv',
    expect: {
      read: 13,
      settled: ['ok1'],
      rejected: [
        { line: 2, claim_id: 'a1', reason: AMOUNT_REASON }, // 1,234.50
        { line: 3, claim_id: 'a2', reason: AMOUNT_REASON }, // full-width １２３４
        { line: 4, claim_id: 'a3', reason: AMOUNT_REASON }, // -0
        { line: 5, claim_id: 'a4', reason: AMOUNT_REASON }, // 1e308
        { line: 6, claim_id: 'a5', reason: AMOUNT_REASON }, // NaN
        { line: 7, claim_id: 'a6', reason: EMPTY_REASON }, // empty
        { line: 8, claim_id: 'a7', reason: EMPTY_REASON }, // a space
        { line: 9, claim_id: 'a8', reason: AMOUNT_REASON }, // 0x10
        { line: 10, claim_id: 'a9', reason: AMOUNT_REASON }, // 12.3.4
        { line: 11, claim_id: 'a10', reason: AMOUNT_REASON }, // +5
        { line: 12, claim_id: 'a11', reason: OVER_REASON }, // 100000000.001
        { line: 13, claim_id: 'a12', reason: OVER_REASON }, // 100000000.01
      ],
    },
    // 100.005 rounds half-up to 100.01; compliant 100 → basic 70, assistance 21, oop_total 100.01 − 91 = 9.01
    amounts: { ok1: ['70.00', '0.00', '21.00', '0.00', '9.00', '9.01'] },
    excel: {
      why: 'opening the CSV, Excel turns "1,234.50", "-0" and "+5" into the numbers 1234.5, 0 and 5, which the cells then show; '
        + 'with compliant 0 nothing is paid and the whole total is out of pocket. 1e308 is above the largest number a cell holds '
        + '(9.99999999999999E+307) and stays text, as do the full-width digits, NaN, 0x10 and 12.3.4',
      opened: {
        read: 13,
        settled: ['a1', 'a3', 'a10', 'ok1'],
        rejected: [
          { line: 3, claim_id: 'a2', reason: AMOUNT_REASON },
          { line: 5, claim_id: 'a4', reason: AMOUNT_REASON },
          { line: 6, claim_id: 'a5', reason: AMOUNT_REASON },
          { line: 7, claim_id: 'a6', reason: EMPTY_REASON },
          { line: 8, claim_id: 'a7', reason: EMPTY_REASON },
          { line: 9, claim_id: 'a8', reason: AMOUNT_REASON },
          { line: 10, claim_id: 'a9', reason: AMOUNT_REASON },
          { line: 12, claim_id: 'a11', reason: OVER_REASON },
          { line: 13, claim_id: 'a12', reason: OVER_REASON },
        ],
      },
      // compliant 0: no tier pays, the whole total is out of pocket (outside the policy's scope)
      openedAmounts: {
        a1: ['0.00', '0.00', '0.00', '0.00', '0.00', '1234.50'],
        a3: ['0.00', '0.00', '0.00', '0.00', '0.00', '0.00'],
        a10: ['0.00', '0.00', '0.00', '0.00', '0.00', '5.00'],
        ok1: ['70.00', '0.00', '21.00', '0.00', '9.00', '9.01'],
      },
    },
  },
  {
    name: 'dates',
    title: 'dates: only real YYYY-MM-DD dates are accepted',
    file: 'dates.csv',
    expect: {
      read: 8,
      settled: ['d8'], // 2024-02-29 exists
      rejected: [
        { line: 2, claim_id: 'd1', reason: dateReason('2023/3/1') },
        { line: 3, claim_id: 'd2', reason: dateReason('2023-02-30') },
        { line: 4, claim_id: 'd3', reason: dateReason('2023-2-1') },
        { line: 5, claim_id: 'd4', reason: dateReason('20230301') },
        { line: 6, claim_id: 'd5', reason: dateReason('2023-13-01') },
        { line: 7, claim_id: 'd6', reason: dateReason('') },
        { line: 8, claim_id: 'd7', reason: dateReason('2023-05-01T10:00:00') },
      ],
    },
    amounts: { d8: HUNDRED },
    excel: {
      why: 'opening the CSV, Excel reads 2023/3/1 and 2023-2-1 as the dates they are (a date cell is a serial number, not text) '
        + 'and 20230301 as a plain number, which is no date serial; 2023-02-30, 2023-13-01 and the date-time stay text',
      opened: {
        read: 8,
        settled: ['d1', 'd3', 'd8'],
        rejected: [
          { line: 3, claim_id: 'd2', reason: dateReason('2023-02-30') },
          { line: 5, claim_id: 'd4', reason: dateReason('20230301') },
          { line: 6, claim_id: 'd5', reason: dateReason('2023-13-01') },
          { line: 7, claim_id: 'd6', reason: dateReason('') },
          { line: 8, claim_id: 'd7', reason: dateReason('2023-05-01T10:00:00') },
        ],
      },
      openedAmounts: { d1: HUNDRED, d3: HUNDRED, d8: HUNDRED },
    },
  },
  {
    name: 'gbk',
    title: 'GBK-encoded Chinese is refused clearly',
    // 低保 in GBK where the category is; the rest is ASCII
    generate: () => [`${HEADER}\nc1,p1,`, GBK_DIBAO, ',linyi,2023-05-01,inpatient,,1,1,\n'],
    expect: { fatal: /不是 UTF-8 编码（可能是 GBK）/ },
  },
  {
    name: 'long-line',
    title: `a ${LONG_LINE_MB} MB single line is one rejected row; the rows around it settle`,
    large: true,
    generate: function* () {
      yield `${HEADER}\nb1,p1,dibao,linyi,2023-05-01,inpatient,,100,100,\n`;
      const chunk = Buffer.alloc(MB, 'x');
      for (let i = 0; i < LONG_LINE_MB; i++) yield chunk;
      yield '\nb2,p1,dibao,linyi,2023-05-02,inpatient,,100,100,\n';
    },
    // one field of 50 MB where 10 are expected; its content is never echoed (claim_id stays empty)
    expect: { read: 3, settled: ['b1', 'b2'], rejected: [{ line: 3, claim_id: '', reason: /^该行有 1 个字段，表头有 10 个/ }] },
    // b2 is p1's second claim of 100: year to date 200 compliant, basic 140 and assistance 42, so 70 and 21 again
    amounts: { b1: HUNDRED, b2: HUNDRED },
  },
  {
    name: 'duplicates',
    title: 'a million duplicate claim ids: the first row stands, every other is rejected and counted',
    large: true,
    generate: function* () {
      yield `${HEADER}\n`;
      const block = 'same,p1,dibao,linyi,2023-05-01,inpatient,,100,100,\n'.repeat(10_000);
      for (let i = 0; i < DUPLICATES / 10_000; i++) yield block;
    },
    expect: {
      read: DUPLICATES,
      settled: ['same'],
      rejected: [{ line: [3, DUPLICATES + 1], claim_id: 'same', reason: /^claim_id same 重复，以首次出现的行为准$/ }],
    },
    amounts: { same: HUNDRED },
  },
];

export function caseNamed(name: string): CorpusCase {
  const c = CASES.find((k) => k.name === name);
  if (!c) throw new Error(`no corpus case ${name}`);
  return c;
}

/** The case's bytes in pieces, as a file or a request body would hold them. */
export function* chunksOf(c: CorpusCase): Generator<Buffer> {
  if (c.file) {
    yield fs.readFileSync(path.join(CORPUS_DIR, c.file));
    return;
  }
  for (const piece of c.generate!()) yield typeof piece === 'string' ? Buffer.from(piece) : piece;
}

/** All of a (small) case's bytes. */
export function bytesOf(c: CorpusCase): Buffer {
  return Buffer.concat([...chunksOf(c)]);
}

/** The case as a file: the corpus file itself, or the generated content written under `dir`. */
export function fileOf(c: CorpusCase, dir: string): string {
  if (c.file) return path.join(CORPUS_DIR, c.file);
  const file = path.join(dir, `${c.name}.csv`);
  const fd = fs.openSync(file, 'w');
  try {
    for (const piece of chunksOf(c)) fs.writeSync(fd, piece);
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

/** Chinese, then English beside it. */
const CJK = /[\u4e00-\u9fff]/;

/**
 * An interface's answer against the expected outcome: the rows read, the settled ids in input order,
 * every rejected row with its line, claim id and reason (Chinese matching, English present, neither
 * echoing a long cell: the longest reasons, an unknown category's, list the city's categories in
 * some 500 characters), and read = settled + rejected. Checked row by row without one expect per row,
 * so a million rows cost little; the first mismatches are reported.
 */
export function expectAnswer(got: Answer, want: Outcome): void {
  expect(got.settled.length + got.rejected.length).toBe(got.read);
  expect(got.read).toBe(want.read);
  expect(got.settled).toEqual(want.settled);
  const problems: string[] = [];
  let i = 0;
  for (const w of want.rejected) {
    const [first, last] = typeof w.line === 'number' ? [w.line, w.line] : w.line;
    for (let line = first; line <= last && problems.length < 5; line++, i++) {
      const r = got.rejected[i];
      if (!r) { problems.push(`line ${line}: missing`); break; }
      const where = `rejected #${i} (line ${r.line})`;
      if (r.line !== line) problems.push(`${where}: expected line ${line}`);
      if (r.claim_id !== w.claim_id) problems.push(`${where}: claim_id "${r.claim_id.slice(0, 40)}", expected "${w.claim_id}"`);
      if (!w.reason.test(r.reason_zh)) problems.push(`${where}: reason "${r.reason_zh.slice(0, 200)}" does not match ${w.reason}`);
      if (!CJK.test(r.reason_zh) || !/[a-z]{3}/.test(r.reason_en)) problems.push(`${where}: reason not in Chinese and English`);
      if (r.reason_zh.length + r.reason_en.length > 1000) problems.push(`${where}: reason of ${r.reason_zh.length + r.reason_en.length} characters`);
    }
  }
  if (problems.length === 0 && got.rejected.length !== i) problems.push(`${got.rejected.length} rejected rows, expected ${i}`);
  expect(problems).toEqual([]);
}

/** A user-facing error: Chinese first, with the English in parentheses after it, and no internals. */
export function expectChineseFirst(message: string): void {
  const cjk = message.search(CJK);
  expect(cjk).toBeGreaterThanOrEqual(0);
  expect(cjk).toBeLessThan(20);
  expect(message.slice(cjk)).toMatch(/ \(.*[a-z]{4,}.*\)$/s);
  expect(message).not.toMatch(/\n\s+at |\.[jt]s:\d+|TypeError|internal error/);
}
