// Dates as officers give them: Chinese forms of date text, date cells in either of Excel's date
// systems, and an omitted date that means 31 December of the workbook's year, not "today".
import { excelErrorOf, type ExcelCalls } from './shim';
import * as Functions from '../../addin/src/functions';
import { dateText, serialToIso } from '../../addin/src/args';
import { setDateSystem, setWorkbookYear, defaultDate } from '../../addin/src/workbook';
import { parameterTable, todayInChina } from '../../engine';

const F = Functions as unknown as ExcelCalls<typeof Functions>;
const HEADER = ['claim_id', 'person_id', 'category', 'city', 'date', 'kind', 'hospital_level', 'total', 'compliant', 'basic_paid'];

afterEach(() => {
  setDateSystem(false);
  setWorkbookYear(undefined);
});

test('Chinese date text: 2022/06/01, 2022/6/1, 2022.6.1, 2022年6月1日 are 2022-06-01', async () => {
  for (const t of ['2022-06-01', '2022/06/01', '2022/6/1', ' 2022.6.1 ', '2022年6月1日', '2022 年 6 月 1 日', '2022年06月01号', '2022-6-1']) {
    expect([t, dateText(t)]).toEqual([t, '2022-06-01']);
    expect(await F.assist(10900, '低保', '临沂', t, null)).toBe(7630);
  }
  // Mixed separators and other forms stay as typed, for the engine to refuse.
  for (const t of ['2022/6-1', '2022年6月1', '6/1/2022', '20220601']) expect(dateText(t)).toBe(t.trim());
  const e = await excelErrorOf(() => F.assist(10900, '低保', '临沂', '2022/2/30', null));
  expect(e.code).toBe('#VALUE!');
  expect(e.message).toMatch(/^日期“2022-02-30”无效/);
});

test('the 1904 date system: serial 0 is 1904-01-01, and 2022-06-01 is 43251 (1,462 days less)', async () => {
  expect(serialToIso(0, true)).toBe('1904-01-01');
  expect(serialToIso(43251, true)).toBe('2022-06-01');
  expect(serialToIso(44713, false)).toBe('2022-06-01');
  expect(() => serialToIso(-1, true)).toThrow(/日期序列号 -1 无效/);
  setDateSystem(true);
  expect(await F.assist(10900, '低保', '临沂', 43251, null)).toBe(7630);
  expect(await F.settle(50000, '低保', '临沂', 30000, 60000, 43251, null)).toEqual([[30000, 9100, 7630, 0, 3270, 13270]]);
  // A date cell in LEDGER too, read in the workbook's date system.
  const out = await F.ledger([HEADER, ['C1', 'P1', '低保', '临沂', 43251, '住院', '', 60000, 50000, 30000]], null);
  expect(out[1].slice(0, 7)).toEqual(['C1', 30000, 9100, 7630, 0, 3270, 13270]);
  // The same serial in the 1900 system is another day (1998-05-31), before Linyi's first policy.
  setDateSystem(false);
  expect((await excelErrorOf(() => F.assist(10900, '低保', '临沂', 43251, null))).code).toBe('#VALUE!');
});

test('an omitted date is 31 December of the workbook\'s year, fixed at first use', async () => {
  // A parameter whose value differs between two years, so the year visibly decides.
  const a = parameterTable('linyi', '2022-12-31');
  const b = parameterTable('linyi', '2024-12-31');
  const differs = a.find((r) => b.find((x) => x.name === r.name)?.value !== r.value);
  expect(differs).toBeDefined();
  for (const year of [2022, 2024]) {
    setWorkbookYear(year);
    expect(defaultDate()).toBe(`${year}-12-31`);
    expect(await F.param('临沂', differs!.name, null, null)).toEqual(await F.param('临沂', differs!.name, `${year}-12-31`, null));
  }
  expect(await F.param('临沂', differs!.name, null, null)).not.toEqual(await F.param('临沂', differs!.name, '2022-12-31', null));
  setWorkbookYear(undefined);
  const first = defaultDate();
  expect(first).toBe(`${todayInChina().slice(0, 4)}-12-31`);
  expect(defaultDate()).toBe(first);
});
