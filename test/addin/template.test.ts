// The template workbook samples/yibao-template.xlsx: the committed file is exactly what
// addin/template.js writes (deterministic, so the build's regeneration changes nothing), and read
// back with exceljs it holds the instructions, the formulas as Excel stores a custom function's
// call, spilling, and a real Data Table. Its formulas are then evaluated as Excel would, the
// functions called directly on the sheet's cells: the section 9 example, the Data Table's
// column (10,900 × each rate, by hand) and the budget against SUBSIDY.
import { readFileSync } from 'fs';
import { join } from 'path';
import ExcelJS from 'exceljs';
import { type ExcelCalls } from './shim';
import * as Functions from '../../addin/src/functions';
import { ensureBuilt, ROOT, DIST } from './build';

const F = Functions as unknown as ExcelCalls<typeof Functions>;
const template = require('../../addin/template') as { templateXlsx(): Promise<Buffer>; TEMPLATE_PATH: string; WHATIF: { input: string; formula: string; rates: number[]; first: number } };
const { readZip } = require('../../addin/zip') as { readZip(b: Buffer): { name: string; data: Buffer }[] };
const FILE = join(ROOT, template.TEMPLATE_PATH);

let wb: ExcelJS.Workbook;
beforeAll(async () => {
  wb = new ExcelJS.Workbook();
  await wb.xlsx.load(readFileSync(FILE) as unknown as ArrayBuffer);
});

test('the committed template is what the generator writes, byte for byte, twice', async () => {
  const a = await template.templateXlsx();
  const b = await template.templateXlsx();
  expect(a.equals(b)).toBe(true);
  expect(a.equals(readFileSync(FILE))).toBe(true);
});

test('the build regenerates it and ships a copy for officers to download', () => {
  ensureBuilt();
  expect(readFileSync(join(DIST, 'yibao-template.xlsx')).equals(readFileSync(FILE))).toBe(true);
}, 180_000);

test('sheets: instructions in Chinese, claims, what-if, budget', () => {
  expect(wb.worksheets.map((w) => w.name)).toEqual(['说明', '费用明细', '模拟运算', '预算']);
  const help = wb.getWorksheet('说明')!;
  const text = help.getSheetValues().flat().filter((v) => typeof v === 'string').join('\n');
  expect(text).toContain('模拟运算表');
  expect(text).toContain('单变量求解');
  expect(text).toContain('=YIBAO.LEDGER(A1:J101)');
  expect(text).toContain('=YIBAO.BUDGET(A1:G201,J1)');
  expect(wb.creator).toBe('yibao');
  expect(wb.created.toISOString()).toBe('2022-01-01T00:00:00.000Z');
});

test('formulas are stored as Excel stores a custom function, spilling (dynamic array metadata), and the Data Table is real', () => {
  const files = new Map(readZip(readFileSync(FILE)).map((e) => [e.name, e.data.toString('utf8')]));
  expect(files.get('xl/metadata.xml')).toContain('<xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/>');
  expect(files.get('[Content_Types].xml')).toContain('PartName="/xl/metadata.xml"');
  expect(files.get('xl/_rels/workbook.xml.rels')).toContain('relationships/sheetMetadata" Target="metadata.xml"');
  const sheets = [...files.entries()].filter(([n]) => /^xl\/worksheets\/sheet\d\.xml$/.test(n)).map(([, x]) => x).join('');
  expect(sheets).toMatch(/<c r="L1"[^>]* cm="1"><f t="array" ref="L1">_xldudf_YIBAO_LEDGER\(A1:J101\)<\/f><\/c>/);
  expect(sheets).toMatch(/<c r="J3"[^>]* cm="1"><f t="array" ref="J3">_xldudf_YIBAO_BUDGET\(A1:G201,J1\)<\/f><\/c>/);
  expect(sheets).toContain('<c r="B9"><f t="dataTable" ref="B9:B12" dt2D="0" dtr="0" r1="B4"/></c>');
  expect(wb.getWorksheet('模拟运算')!.getCell('B9').model).toMatchObject({ shareType: 'dataTable', ref: 'B9:B12' });
  expect(files.get('xl/workbook.xml')).toContain('fullCalcOnLoad="1"');
});

// ---- evaluating the stored formulas as Excel would ----
type Sheet = ExcelJS.Worksheet;
function cellValue(ws: Sheet, ref: string): unknown {
  const v = ws.getCell(ref).value;
  return v === undefined || v === '' ? null : v;
}
function rangeValues(ws: Sheet, ref: string): unknown[][] {
  const [a, b] = ref.split(':').map((r) => ws.getCell(r));
  const out: unknown[][] = [];
  for (let r = Number(a.row); r <= Number(b.row); r++) {
    const row: unknown[] = [];
    for (let c = Number(a.col); c <= Number(b.col); c++) row.push(cellValue(ws, ws.getCell(r, c).address));
    out.push(row);
  }
  return out;
}
/** `_xldudf_YIBAO_NAME(args)` → the function called with its arguments read from the sheet. */
async function evaluate(ws: Sheet, cell: string): Promise<unknown> {
  const f = (ws.getCell(cell).value as { formula: string }).formula;
  const m = /^_xldudf_YIBAO_([A-Z]+)\((.*)\)$/.exec(f)!;
  expect(m).not.toBeNull();
  const args = m[2].match(/"[^"]*"(&[A-Z]+\d+)?|[^,]+/g)!.map((a): unknown => {
    const joined = /^"([^"]*)"&([A-Z]+\d+)$/.exec(a); // "text"&A9: Excel writes the number as text
    if (joined) return joined[1] + String(cellValue(ws, joined[2]));
    if (a.startsWith('"')) return a.slice(1, -1);
    if (/^[A-Z]+\d+:[A-Z]+\d+$/.test(a)) return rangeValues(ws, a);
    if (/^[A-Z]+\d+$/.test(a)) return cellValue(ws, a);
    return Number(a);
  });
  const fn = (F as unknown as Record<string, (...a: unknown[]) => unknown>)[m[1].toLowerCase()];
  const arity = fn.length;
  while (args.length < arity) args.push(null); // omitted optional arguments arrive as null
  return fn(...args);
}

test('claims: LEDGER settles the sheet; the section 9 example by hand, each other claim as SETTLE alone', async () => {
  const ws = wb.getWorksheet('费用明细')!;
  const out = (await evaluate(ws, 'L1')) as unknown[][];
  expect(out[1].slice(0, 7)).toEqual(['C1', 30000, 9100, 7630, 0, 3270, 13270]);
  const claims = rangeValues(ws, 'A1:J6');
  for (let i = 1; i < claims.length; i++) {
    const [, , category, city, date, , , total, compliant, basicPaid] = claims[i];
    const alone = await F.settle(compliant, category, city, basicPaid, total, date, null);
    expect(out[i].slice(1, 7)).toEqual(alone[0]);
    expect(String(out[i][8] ?? '')).not.toMatch(/^拒绝/);
  }
  expect(out).toHaveLength(101);
  expect(out.slice(6).every((r) => r.every((c) => c === ''))).toBe(true);
});

test('what-if: the Data Table puts each rate into B4; 10,900 × rate', async () => {
  const ws = wb.getWorksheet('模拟运算')!;
  const { input, formula, rates, first } = template.WHATIF;
  expect(rates.map((_, i) => cellValue(ws, `A${first + i}`))).toEqual([0.7, 0.75, 0.8, 0.9]);
  const got: unknown[] = [];
  for (const rate of rates) {
    ws.getCell(input).value = rate;
    got.push(await evaluate(ws, formula));
  }
  ws.getCell(input).value = 0.7;
  expect(got).toEqual([7630, 8175, 8720, 9810]);
  // the same column without a Data Table: each row's rate written into its own formula
  const perRow: unknown[] = [];
  for (let i = 0; i < rates.length; i++) perRow.push(await evaluate(ws, `C${first + i}`));
  expect(perRow).toEqual([7630, 8175, 8720, 9810]);
  expect((ws.getCell('C10').value as { formula: string }).formula).toBe('_xldudf_YIBAO_ASSIST(10900,"低保","临沂","2022-06-01","assistance.dibao.rate="&A10)');
});

test('budget: the roster for the year in J1; two Linyi dibao persons in 兰山区 cost twice SUBSIDY per fund', async () => {
  const ws = wb.getWorksheet('预算')!;
  expect(cellValue(ws, 'J1')).toBe(2024);
  const out = (await evaluate(ws, 'J3')) as unknown[][];
  const row = out.find((r) => r[0] === '临沂市' && r[1] === '兰山区' && r[2] === '低保对象')!;
  const per = [await F.subsidy('低保', '临沂', 2024, '医疗救助基金', null), await F.subsidy('低保', '临沂', 2024, '县级财政', null), await F.subsidy('低保', '临沂', 2024, '个人', null)];
  expect(row).toEqual(['临沂市', '兰山区', '低保对象', 2, ...per.map((x) => 2 * (x as number))]);
  // LY009 is MAMS number 2: dibao as well, in 河东区
  expect(out.find((r) => r[1] === '河东区' && r[2] === '低保对象')![3]).toBe(1);
  expect(out.find((r) => r[0] === '合计 total')![3]).toBe(7);
});
