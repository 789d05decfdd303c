// YIBAO.BUDGET and YIBAO.COMPARE: the engine's roster budget and scenario comparison as spilled
// tables, checked against the engine's own tables and by hand on small cases.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { excelErrorOf, type ExcelCalls } from './shim';
import * as Functions from '../../addin/src/functions';
import { saveScenario, resetScenarios } from '../../addin/src/scenarios';
import { budgetRoster, budgetTable, compareLedger, csvLedgerRows, defaultBook, fmt, parseScenario, readCsv, BulkLedger, TOTAL_FIELDS } from '../../engine';

const F = Functions as unknown as ExcelCalls<typeof Functions>;
const D = '2022-06-01';
const HEADER = ['claim_id', 'person_id', 'category', 'city', 'date', 'kind', 'hospital_level', 'total', 'compliant', 'basic_paid'];
const ROSTER = fs.readFileSync(path.join(__dirname, '../../samples/roster.csv'), 'utf8');
afterEach(() => resetScenarios());
const rosterRange = () => [...readCsv(ROSTER)].map((r) => r.cells);

describe('BUDGET', () => {
  test('by hand: two Linyi dibao persons in 2022 cost twice what SUBSIDY says for one, per fund', async () => {
    const roster = [['person_id', 'city', 'county', 'category'], ['P1', '临沂', '兰山区', '低保'], [null, null, null, null], ['P2', 'linyi', '兰山区', 'dibao']];
    const out = await F.budget(roster, 2022, null, null);
    const per = { a: await F.subsidy('低保', '临沂', 2022, '医疗救助基金', null), c: await F.subsidy('低保', '临沂', 2022, '县级财政', null), i: await F.subsidy('低保', '临沂', 2022, '个人', null) };
    expect(out[0]).toEqual(['城市 city', '区县 county', '类别 category', '人数 persons', '医疗救助基金 assistance_fund', '县级财政 county_finance', '个人缴费 individual']);
    expect(out[1]).toEqual(['临沂市', '兰山区', '低保对象', 2, 2 * per.a, 2 * per.c, 2 * per.i]);
    expect(out[2]).toEqual(['合计 total', '', '', 2, 2 * per.a, 2 * per.c, 2 * per.i]);
    expect(out).toHaveLength(3);
    // One fund only, and under a scenario written in the cell.
    expect((await F.budget(roster, 2022, 'assistance', null))[1]).toEqual(['临沂市', '兰山区', '低保对象', 2, 2 * per.a]);
    expect((await F.budget(roster, 2022, '医疗救助基金', 'subsidy.dibao.assistanceFund=200'))[1]).toEqual(['临沂市', '兰山区', '低保对象', 2, 400]);
  });

  test('the sample roster: the engine\'s budget table, cell for cell; under a scenario, the scenario\'s columns', async () => {
    const book = defaultBook();
    const zhCity = (id: string) => book.cities.get(id as never)?.zh ?? id;
    const zhCat = (id: string) => book.categories.get(id as never)?.zh ?? id;
    const outcome = budgetRoster(book, ROSTER, { year: 2024 });
    const want = budgetTable(outcome);
    const got = await F.budget(rosterRange(), 2024, null, null);
    // The sample holds rows the engine rejects: BUDGET names them in one more row.
    expect(outcome.rejections.length).toBeGreaterThan(0);
    expect(got).toHaveLength(want.length + 1);
    expect(got[want.length].slice(0, 2)).toEqual(['拒绝 rejected', outcome.rejections.length]);
    for (let i = 1; i < want.length; i++) {
      const w = want[i];
      const label = i === want.length - 1 ? w.slice(0, 3) : [zhCity(w[0]), w[1], zhCat(w[2])];
      expect(got[i]).toEqual([...label, ...w.slice(3, 7).map(Number)]);
    }
    const scenarioText = fs.readFileSync(path.join(__dirname, '../../samples/scenario-luan-dibao-subsidy-85.json'), 'utf8');
    const sc = parseScenario(book, scenarioText);
    const withScenario = budgetTable(budgetRoster(book, ROSTER, { year: 2024, scenarios: [sc] }));
    // Saved in the workbook with its city (Lu'an): the roster's Linyi rows keep the policy.
    const saved = await saveScenario({ ...JSON.parse(scenarioText), name: 'luan85' });
    expect(saved.city).toBe('luan');
    const got2 = await F.budget(rosterRange(), 2024, null, 'luan85');
    // The scenario's amounts: the columns "<name>: fund" (7, 9, 11) of the engine's table.
    for (let i = 1; i < withScenario.length; i++) expect(got2[i].slice(3)).toEqual([withScenario[i][3], withScenario[i][7], withScenario[i][9], withScenario[i][11]].map(Number));
    expect(got2).not.toEqual(got);
  });

  test('rejected rows are named in a last row; a bad fund or year is an error', async () => {
    const out = await F.budget([['person_id', 'city', 'category'], ['P1', '临沂', '低保'], ['P2', '火星', '低保']], 2022, null, null);
    expect(out[out.length - 1].slice(0, 2)).toEqual(['拒绝 rejected', 1]);
    expect(String(out[out.length - 1][2])).toMatch(/^第 3 行 未知城市“火星”/);
    expect((await excelErrorOf(() => F.budget([['person_id', 'city', 'category']], 2022, '缴费标准', null))).message).toMatch(/^预算的资金“缴费标准”无效/);
    expect((await excelErrorOf(() => F.budget([['person_id', 'city']], 2022, null, null))).message).toMatch(/^花名册缺少必需的列：category/);
  });
});

describe('COMPARE', () => {
  const claims = [HEADER, ['C1', 'P1', '低保', '临沂', D, '住院', '', 60000, 50000, 30000]];

  test('section 9 at 75% against the policy: assistance 7,630 → 8,175 (+545), out of pocket 13,270 → 12,725', async () => {
    const out = await F.compare(claims, 'assistance.dibao.rate=0.75', null);
    expect(out[0]).toEqual(['保障 tier', '基准 baseline', '情景 单元格情景 in-cell', '差额 difference']);
    const row = (label: string) => out.find((r) => String(r[0]).endsWith(label))!.slice(1);
    expect(row('assistance')).toEqual([7630, 8175, 545]);
    expect(row('oop_total')).toEqual([13270, 12725, -545]);
    expect(row('critical')).toEqual([9100, 9100, 0]);
    expect(row('settled')).toEqual([1, 1, 0]);
  });

  test('against a baseline scenario: 80% → 75% is −545', async () => {
    const out = await F.compare(claims, [['assistance.dibao.rate', 0.75]], 'assistance.dibao.rate=0.8');
    expect(out.find((r) => String(r[0]).endsWith('assistance'))!.slice(1)).toEqual([8720, 8175, -545]);
  });

  test('a ledger with rejected rows and several cities: the decimal compareLedger\'s totals, settled on the columnar ledger', async () => {
    const text = fs.readFileSync(path.join(__dirname, '../../samples/claims.csv'), 'utf8');
    const range = [...readCsv(text)].map((r) => r.cells);
    const end = jest.spyOn(BulkLedger.prototype, 'end');
    const out = await F.compare(range, 'assistance.dibao.rate=0.75; critical.cap=100000', null);
    expect(end).toHaveBeenCalled();
    const want = compareLedger(defaultBook(), () => csvLedgerRows(text).rows, [parseScenario(defaultBook(), JSON.stringify({ overrides: { 'assistance.dibao.rate': 0.75, 'critical.cap': 100000 } }), 'x')]);
    const [base, run] = [want.baseline.summary, want.scenarios[0].summary];
    expect(base.rejected).toBe(2);
    for (const f of TOTAL_FIELDS) {
      expect(out.find((r) => String(r[0]).endsWith(f))!.slice(1)).toEqual([Number(fmt(base.totals[f])), Number(fmt(run.totals[f])), Number(fmt(run.totals[f].minus(base.totals[f])))]);
    }
    expect(out.find((r) => String(r[0]).endsWith('rejected'))!.slice(1)).toEqual([2, 2, 0]);
    end.mockRestore();
  });

  test('a scenario is required', async () => {
    expect((await excelErrorOf(() => F.compare(claims, null, null))).message).toMatch(/^COMPARE 需要一个情景/);
  });
});
