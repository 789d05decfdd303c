// What each YIBAO function computes, as plain functions of Excel's argument values. They call the
// shared engine and never re-implement policy; they throw YibaoError (functions.ts turns it into an
// Excel error). Money becomes a JS number only here, at the very end: Number(decimal.toFixed(2)), or
// for LEDGER Number() of the results file's amount, the same two-decimal text.
import type DecimalBase from 'decimal.js';
import {
  defaultBook, settleOne, tierOn, warningFor, parameterTable, categoriesOf, subsidyFor, resolveCity, resolveCategory,
  explainLines, statusZh, STATUS_TEXT, YibaoError, normalizeName, type Scenario,
} from '../../engine';
import { settleRange, rangeHeader, type RangeRecord } from './ledger';
import { amountArg, optionalAmountArg, nameArg, dateArg, yearArg, cellText, isEmpty } from './args';

export type Spill = (string | number | boolean)[][];

/** Money out to Excel: a number with at most two decimals, exactly the engine's amount. */
export function money(d: DecimalBase): number {
  return Number(d.toFixed(2));
}

export function tier(which: 'critical' | 'assistance' | 'reassist', amount: unknown, category: unknown, city: unknown, date: unknown, scenario?: Scenario): number {
  const r = tierOn(which, amountArg(amount, '金额 amount'), nameArg(category), nameArg(city), dateArg(date), scenario);
  return money(r.paid);
}

function settleInput(compliant: unknown, category: unknown, city: unknown, basicPaid: unknown, total: unknown, date: unknown) {
  return {
    compliant: amountArg(compliant, 'compliant 合规费用'),
    category: nameArg(category),
    city: nameArg(city),
    basic_paid: optionalAmountArg(basicPaid, 'basic_paid 基本医保支付'),
    total: optionalAmountArg(total, 'total 医疗总费用'),
    date: dateArg(date),
  };
}

export function settleRow(compliant: unknown, category: unknown, city: unknown, basicPaid: unknown, total: unknown, date: unknown, scenario?: Scenario): number[][] {
  const r = settleOne(settleInput(compliant, category, city, basicPaid, total, date), scenario);
  return [[money(r.basic), money(r.critical), money(r.assistance), money(r.reassist), money(r.oop_compliant), money(r.oop_total)]];
}

export function explain(compliant: unknown, category: unknown, city: unknown, basicPaid: unknown, date: unknown, scenario?: Scenario): string[][] {
  const r = settleOne(settleInput(compliant, category, city, basicPaid, null, date), scenario);
  return explainLines(r).map((line) => [line]);
}

/** LEDGER's output columns; a rejected row keeps its place, with the reason in the last column. */
export const LEDGER_COLUMNS = ['claim_id', '基本医保 basic', '大病保险 critical', '医疗救助 assistance', '倾斜救助/再救助 reassist', '合规自付 oop_compliant', '个人负担 oop_total', '预警 warning', '说明 notes'];

/**
 * A range holding U+FFFD, the character a decoder puts where bytes were not UTF-8, was imported from a
 * file in another encoding (GBK, as Excel and WPS save CSV in China) as if it were UTF-8. Its names
 * and ids are garbled, and different ones can come out the same (two persons would share deductibles
 * and caps), so the range is refused as the command line and the HTTP functions refuse the file.
 */
function refuseGarbled(range: unknown[][]): void {
  for (let i = 0; i < range.length; i++) {
    const row = range[i];
    if (!Array.isArray(row)) continue;
    for (const c of row) {
      if (typeof c === 'string' && c.includes('\ufffd')) {
        throw new YibaoError(
          `第 ${i + 1} 行含乱码字符“\ufffd”：源文件不是 UTF-8 编码（可能是 GBK），却按 UTF-8 导入了。请按文件的实际编码（如 936 简体中文 GBK）重新导入，或把文件另存为“CSV UTF-8”后再打开`,
          `row ${i + 1} holds the replacement character "\ufffd": the source file is not UTF-8 (GBK?) but was imported as UTF-8. Import it again with its real encoding (e.g. 936 Chinese Simplified GBK), or save it as "CSV UTF-8" and open that`,
          'fatal',
        );
      }
    }
  }
}

/**
 * A claims range (header first) as the header the engine reads and one record per non-blank row, its
 * cells as a CSV file would hold them. Shared by LEDGER and COMPARE.
 */
export function claimRecords(claims: unknown): { range: unknown[][]; header: string[]; columns: string[]; width: number; records: RangeRecord[] } {
  if (!Array.isArray(claims) || claims.length === 0 || !Array.isArray(claims[0])) {
    throw new YibaoError('claims 须为含表头的单元格区域', 'claims must be a range with a header row', 'fatal');
  }
  const range = claims as unknown[][];
  refuseGarbled(range);
  const header = rangeHeader(range[0].map((c) => (isEmpty(c) ? '' : c)));
  // Trailing empty header cells (a selection wider than the table) are not columns.
  let width = header.length;
  while (width > 0 && header[width - 1] === '') width--;
  const columns = header.slice(0, width).map((c) => normalizeName(c).toLowerCase());
  const blank = (row: unknown[]) => row.every(isEmpty);
  const records: RangeRecord[] = [];
  for (let i = 1; i < range.length; i++) {
    const row = range[i];
    if (blank(row)) continue;
    const extra = row.slice(width).some((c) => !isEmpty(c));
    const cells = row.slice(0, width).map((c, j) => cellText(c, columns[j]));
    // Cells beyond the header make the row longer than the header: the engine rejects it, never shifts it.
    if (extra) cells.push(...row.slice(width).map((c) => cellText(c, '')));
    records.push({ line: i + 1, cells });
  }
  return { range, header: header.slice(0, width), columns, width, records };
}

/**
 * A range of claims, header row first, settled with year-to-date deductibles and caps per person.
 * The spill has one row per input row (header included), so row i of the output is row i of the
 * input: rejected rows show their reason in place, blank rows stay blank. Settled on the engine's
 * columnar ledger (ledger.ts): each row is the results file's row for that claim, as `yibao settle`
 * writes it (notes in Chinese, as there).
 */
export function ledger(claims: unknown, scenario?: Scenario): Spill {
  const { range, header, columns, records } = claimRecords(claims);
  const run = settleRange(header, records, { scenario });
  const out: Spill = [LEDGER_COLUMNS.slice()];
  const empty = LEDGER_COLUMNS.map(() => '');
  const idColumn = columns.indexOf('claim_id');
  let k = 0;
  for (let i = 1; i < range.length; i++) {
    if (records[k]?.line !== i + 1) {
      out.push(empty.slice());
      continue;
    }
    const answer = run.answers[k++];
    if (answer.rejection) {
      const rejected = answer.rejection;
      // The engine knows no id for a row it could not split into fields: show the one in the range.
      const typedId = idColumn >= 0 ? cellText(range[i][idColumn], 'claim_id').trim() : '';
      out.push([rejected.claim_id ?? typedId, '', '', '', '', '', '', '', `拒绝：${rejected.reason.zh} (rejected: ${rejected.reason.en})`]);
      continue;
    }
    // The results file's cells: amounts as yuan with two decimals, warning "1", "0" or empty.
    const [id, basic, critical, assistance, reassist, oopCompliant, oopTotal, warning, notes] = answer.cells;
    const amounts = [basic, critical, assistance, reassist, oopCompliant, oopTotal].map(Number);
    out.push([id, ...amounts, warning === '' ? '' : warning === '1', notes]);
  }
  return out;
}

export const FUNDS: Record<string, 'subsidy' | 'assistance_fund' | 'county_finance' | 'individual' | 'contribution'> = {
  subsidy: 'subsidy', 资助: 'subsidy', 资助金额: 'subsidy', total: 'subsidy',
  assistance: 'assistance_fund', assistance_fund: 'assistance_fund', 医疗救助: 'assistance_fund', 医疗救助基金: 'assistance_fund', 救助基金: 'assistance_fund',
  county: 'county_finance', county_finance: 'county_finance', 县级财政: 'county_finance', 财政: 'county_finance',
  individual: 'individual', 个人: 'individual', 个人缴费: 'individual',
  contribution: 'contribution', 缴费标准: 'contribution', 个人缴费标准: 'contribution',
};

export function subsidy(category: unknown, city: unknown, year: unknown, fund: unknown, scenario?: Scenario): number {
  const book = defaultBook();
  const c = resolveCity(book, nameArg(city));
  const cat = resolveCategory(book, c, nameArg(category));
  const y = yearArg(year);
  let part: (typeof FUNDS)[string] = 'subsidy';
  if (!isEmpty(fund)) {
    const key = normalizeName(String(fund)).toLowerCase();
    const hit = FUNDS[key];
    if (!hit) {
      throw new YibaoError(
        `资金“${String(fund)}”无效；可选：资助 subsidy、医疗救助基金 assistance、县级财政 county、个人 individual、缴费标准 contribution`,
        `fund "${String(fund)}" is invalid; valid: subsidy, assistance, county, individual, contribution`,
        'fund',
      );
    }
    part = hit;
  }
  const s = subsidyFor(book, c, cat, y, scenario);
  return money(s[part]);
}

export function warn(oop: unknown, category: unknown, city: unknown, date: unknown): boolean {
  const w = warningFor(amountArg(oop, 'oop 个人负担'), nameArg(category), nameArg(city), dateArg(date));
  if (w === null) {
    const c = resolveCity(defaultBook(), nameArg(city));
    throw new YibaoError(`${c.zh}未公布预警线`, `${c.en} publishes no early-warning threshold`, 'no-threshold');
  }
  return w;
}

export const STATUS_LABEL: Record<string, string> = { ...STATUS_TEXT, scenario: '情景值 scenario' };

/** One parameter as a row: value (a number where it is one), status (and whether carried forward or lapsed), source, effective date. */
export function param(city: unknown, name: unknown, date: unknown, scenario?: Scenario): Spill {
  if (isEmpty(name) || typeof name !== 'string') throw new YibaoError('参数名为空', 'parameter name is empty', 'parameter');
  const wanted = name.trim();
  const table = parameterTable(nameArg(city), dateArg(date), scenario);
  const row = table.find((r) => r.name === wanted);
  if (!row) {
    const c = resolveCity(defaultBook(), nameArg(city));
    const names = table.map((r) => r.name);
    throw new YibaoError(`${c.zh}没有参数“${wanted}”；可用：${names.join('、')}`, `${c.en} has no parameter "${wanted}"; available: ${names.join(', ')}`, 'parameter');
  }
  const value: string | number = /^\d+(\.\d+)?$/.test(row.value) ? Number(row.value) : row.value === 'none' ? '不封顶 none' : row.value;
  // a value carried forward from an earlier year, or a transitional rule that has lapsed on this date,
  // says so beside its status (spec 10.2, 10.3): never a bare value that looks in force
  const status = [row.status_text, row.carried, row.lapsed].filter(Boolean).join('；');
  return [[value, status, row.source, row.effective]];
}

export const CATEGORY_COLUMNS = ['类别 id', '名称 name', 'English', '可填写 accepted names', 'MAMS 编号'];

export function categories(city: unknown): Spill {
  const rows = categoriesOf(nameArg(city));
  return [CATEGORY_COLUMNS.slice(), ...rows.map((r) => [r.id, r.zh, r.en, r.names.join('、'), r.mams.join('/')])];
}

export { statusZh };
