// Spec 10.3, values that change every year: the year's own value, else the latest earlier year's
// with a note saying so, and a scenario's value for one year (`name@YYYY`) or every year (`name`).
// Figures worked by hand from the spec.
import { defaultBook, scenarioFrom, resolveCity, subsidyFor, parameterTable, explainText, YibaoError } from '../../engine';
import { settleCsv, amounts } from '../helpers';

const book = defaultBook();
const xixiu = resolveCity(book, 'xixiu');
const luan = resolveCity(book, 'luan');
const linyi = resolveCity(book, 'linyi');

const LUAN_2027 = "critical.deductible 2027 年未设定，沿用 2022 年 15452 元（假设）";

describe("critical.deductible per benefit year (Lu'an 2022: 15,452; Xixiu 2021: 10,897.50)", () => {
  // ordinary, compliant 50,000, basic_paid 30,000: oop1 20,000
  const luanRow = (date: string) => `c1,p1,ordinary,luan,${date},inpatient,,50000,50000,30000`;

  test("Lu'an 2022, the year held: (20,000 − 15,452) × 60% = 2,728.80, no note", () => {
    const r = settleCsv(luanRow('2022-06-01')).results[0];
    expect(amounts(r).critical).toBe('2728.80');
    expect(r.notes).toEqual([]);
  });

  test("Lu'an 2027, past the last held year: 2022's 15,452 carried, assumed, and the result says so", () => {
    const r = settleCsv(luanRow('2027-06-01')).results[0];
    expect(amounts(r).critical).toBe('2728.80');
    expect(r.notes.map((n) => n.zh)).toEqual([LUAN_2027]);
    expect(r.notes[0].en).toBe("critical.deductible not set for 2027: 2022's 15452 yuan carried forward (assumed)");
    const cited = r.steps.find((s) => s.tier === 'critical')!.params.find((p) => p.name === 'critical.deductible')!;
    expect(cited.status).toBe('assumed');
    expect(explainText(r)).toContain(LUAN_2027);
  });

  test('a scenario value for one year beats the value for every year; other years keep theirs', () => {
    const s = scenarioFrom(book, { city: 'luan', overrides: { 'critical.deductible': 17000, 'critical.deductible@2027': 16000 } });
    // 2027: (20,000 − 16,000) × 60% = 2,400; 2026: (20,000 − 17,000) × 60% = 1,800
    const r27 = settleCsv(luanRow('2027-06-01'), s).results[0];
    expect(amounts(r27).critical).toBe('2400.00');
    expect(r27.notes).toEqual([]); // the scenario sets 2027: nothing is carried
    expect(amounts(settleCsv(luanRow('2026-06-01'), s).results[0]).critical).toBe('1800.00');
    const only27 = scenarioFrom(book, { overrides: { 'critical.deductible@2027': 16000 } });
    expect(amounts(settleCsv(luanRow('2026-06-01'), only27).results[0]).critical).toBe('2728.80');
    expect(amounts(settleCsv(luanRow('2027-06-01'), only27).results[0]).critical).toBe('2400.00');
  });

  test('Xixiu 2021 held, 2023 carried: ordinary oop1 15,000 → (15,000 − 10,897.50) × 60% = 2,461.50', () => {
    const row = (d: string) => `c1,p1,ordinary,xixiu,${d},inpatient,,20000,20000,5000`;
    const r21 = settleCsv(row('2021-09-01')).results[0];
    expect(amounts(r21).critical).toBe('2461.50');
    expect(r21.notes).toEqual([]);
    const r23 = settleCsv(row('2023-09-01')).results[0];
    expect(amounts(r23).critical).toBe('2461.50');
    expect(r23.notes.map((n) => n.zh)).toEqual(['critical.deductible 2023 年未设定，沿用 2021 年 10897.50 元（假设）']);
  });

  test('Linyi publishes one deductible (12,000) that does not change by year: nothing carried', () => {
    const r = settleCsv('c1,p1,ordinary,linyi,2027-06-01,inpatient,,50000,50000,30000').results[0];
    expect(amounts(r).critical).toBe('4800.00'); // (20,000 − 12,000) × 60%
    expect(r.notes).toEqual([]);
  });
});

describe('contribution.individual and subsidies per benefit year', () => {
  test('Linyi dibao 2027: 2026\'s 400 carried (150 fund + 250 county); a scenario for 2027 only sets 420', () => {
    const s = subsidyFor(book, linyi, 'dibao', 2027);
    expect([s.contribution, s.assistance_fund, s.county_finance, s.individual].map((d) => d.toFixed(2))).toEqual(['400.00', '150.00', '250.00', '0.00']);
    expect(s.carried.map((m) => m.zh)).toEqual(['contribution.individual 2027 年未设定，沿用 2026 年 400 元（假设）']);
    const sc = scenarioFrom(book, { overrides: { 'contribution.individual@2027': 420 } });
    const with420 = subsidyFor(book, linyi, 'dibao', 2027, sc);
    expect([with420.contribution, with420.county_finance].map((d) => d.toFixed(2))).toEqual(['420.00', '270.00']);
    expect(with420.carried).toEqual([]);
    expect(subsidyFor(book, linyi, 'dibao', 2026, sc).contribution.toFixed(2)).toBe('400.00');
  });

  test('Xixiu alleviated: 140 published for 2021; 2024 carries it as assumed (380 − 140 = 240 for the person)', () => {
    const s21 = subsidyFor(book, xixiu, 'alleviated', 2021);
    expect(s21.params.find((p) => p.name === 'subsidy.alleviated.amount')!.status).toBe('published');
    expect(s21.carried).toEqual([]);
    const s24 = subsidyFor(book, xixiu, 'alleviated', 2024);
    expect([s24.subsidy, s24.individual].map((d) => d.toFixed(2))).toEqual(['140.00', '240.00']);
    expect(s24.params.find((p) => p.name === 'subsidy.alleviated.amount')!.status).toBe('assumed');
    expect(s24.carried.map((m) => m.zh)).toEqual(['subsidy.alleviated.amount 2024 年未设定，沿用 2021 年 140 元（假设）']);
  });

  test('the parameter table of a year past the last held one shows each carried value with its note', () => {
    const rows = parameterTable('luan', '2027-06-30');
    const ded = rows.find((r) => r.name === 'critical.deductible')!;
    expect([ded.value, ded.status]).toEqual(['15452', 'assumed']);
    expect(ded.carried).toContain(LUAN_2027);
    expect(rows.find((r) => r.name === 'contribution.individual')!.carried).toContain('2027 年未设定，沿用 2026 年 400 元（假设）');
    expect(parameterTable('luan', '2022-06-30').find((r) => r.name === 'critical.deductible')!.carried).toBeUndefined();
    const s = scenarioFrom(book, { city: 'luan', overrides: { 'critical.deductible@2027': 16000 } });
    const over = parameterTable('luan', '2027-06-30', s).find((r) => r.name === 'critical.deductible')!;
    expect([over.value, over.status, over.carried]).toEqual(['16000', 'scenario', undefined]);
    expect(luan.id).toBe('luan');
  });

  test.each([
    ['a year outside 2000–2100', { 'contribution.individual@1999': 300 }, /年度须在 2000–2100 之间/],
    ['a year that is not four digits', { 'contribution.individual@27': 300 }, /不是已知参数名/],
    ['a bad value for one year', { 'critical.deductible@2027': 'abc' }, /critical\.deductible@2027 须为不小于0的金额/],
  ])('a scenario with %s is refused', (_n, overrides, re) => {
    expect(() => scenarioFrom(book, { overrides })).toThrow(YibaoError);
    expect(() => scenarioFrom(book, { overrides })).toThrow(re);
  });
});
