// Multi-year budgets (issue 14) with growth settings, worked by hand. Contribution 400 for 2026
// (section 7), carried to 2027–2030 in the basis (spec 10.3). Per person: Linyi dibao 150 from the
// assistance fund, the rest from county finance; Lu'an dibao 80%; Xixiu alleviated 140.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultBook, budgetYears, yearsDocument, yearsCsv, readCsvStream, scenarioFrom, parseScenario } from '../../engine';
import { budgetHandler } from '../../functions/handlers/budget';
import { request, context } from '../functions/helpers';

const book = defaultBook();
const ROOT = path.resolve(__dirname, '../..');
const ROSTER = `person_id,city,county,category
L1,linyi,兰山区,dibao
L2,linyi,兰山区,dibao
A1,luan,金安区,dibao
X1,xixiu,西秀区,alleviated
`;
// +5% in 2027 (420), +10% in 2028 (462), carried after; dibao persons +50% in 2028, −50% in 2030.
const GROW = { name: 'grow', growth: { contribution: { 2027: 0.05, 2028: 0.1 }, persons: { 低保对象: { 2028: 0.5, 2030: -0.5 } } } };

// Basis, every year: Linyi 2 × (150 + 250); Lu'an 320 + 80; Xixiu 140 + 260.
const BASIS = { persons: 4, assistance_fund: '760.00', county_finance: '500.00', individual: '340.00' };
const EXPECTED: Record<number, { totals: object; diff: object }> = {
  2026: { totals: BASIS, diff: { persons: 0, assistance_fund: '0.00', county_finance: '0.00', individual: '0.00' } },
  // 420: Linyi 2 × (150 + 270); Lu'an 336 + 84; Xixiu 140 + 280.
  2027: { totals: { persons: 4, assistance_fund: '776.00', county_finance: '540.00', individual: '364.00' }, diff: { persons: 0, assistance_fund: '16.00', county_finance: '40.00', individual: '24.00' } },
  // 462, dibao × 1.5: Linyi 3 × (150 + 312); Lu'an 1.5 → 2 × (369.60 + 92.40); Xixiu 140 + 322.
  2028: { totals: { persons: 6, assistance_fund: '1329.20', county_finance: '936.00', individual: '506.80' }, diff: { persons: 2, assistance_fund: '569.20', county_finance: '436.00', individual: '166.80' } },
  // 462 carried from the scenario's 2028, persons as 2028.
  2029: { totals: { persons: 6, assistance_fund: '1329.20', county_finance: '936.00', individual: '506.80' }, diff: { persons: 2, assistance_fund: '569.20', county_finance: '436.00', individual: '166.80' } },
  // dibao × 1.5 × 0.5 = 0.75: Linyi 1.5 → 2, Lu'an 0.75 → 1.
  2030: { totals: { persons: 4, assistance_fund: '809.60', county_finance: '624.00', individual: '414.40' }, diff: { persons: 0, assistance_fund: '49.60', county_finance: '124.00', individual: '74.40' } },
};

type Doc = ReturnType<typeof yearsDocument>;
function expectByHand(d: Doc) {
  expect(d.years.map((y) => y.year)).toEqual([2026, 2027, 2028, 2029, 2030]);
  for (const y of d.years) {
    expect(y.totals).toEqual(BASIS);
    expect(y.scenarios[0].totals).toEqual(EXPECTED[y.year].totals);
    expect(y.scenarios[0].totals_diff).toEqual(EXPECTED[y.year].diff);
  }
  const std = (y: Doc['years'][number]) => y.assumptions.find((a) => a.city === 'luan' && a.name === 'contribution.individual')!;
  expect(std(d.years[0]).carried).toBeNull();
  expect(std(d.years[1]).carried!.zh).toContain('沿用 2026 年 400');
  expect(d.years.map((y) => y.scenarios[0].assumptions.find((a) => a.city === 'luan' && a.name === 'contribution.individual')?.value ?? null)).toEqual([null, '420', '462', '462', '462']);
  expect(d.years[2].scenarios[0].growth).toEqual({ contribution: '0.1', persons: { dibao: '0.5' } });
}

test('engine: 2026–2030 with growth, by hand', async () => {
  const o = await budgetYears(book, readCsvStream([ROSTER]), { from: 2026, to: 2030, scenarios: [scenarioFrom(book, GROW)] });
  expectByHand(yearsDocument(o));
  // the long CSV: the 2028 scenario total and its difference, after the header block
  const csv = yearsCsv(o);
  expect(csv).toContain('#years,2026-2030\n');
  expect(csv).toContain('#growth,2028,grow,contribution,0.1\n');
  expect(csv).toContain('\n2028,grow,合计 total,,,6,1329.20,936.00,506.80,2,569.20,436.00,166.80\n');
});

test('the same through HTTP: POST /api/budget?years=2026-2030', async () => {
  const q = encodeURIComponent(JSON.stringify(GROW));
  const res = await budgetHandler(request({ path: `/api/budget?years=2026-2030&scenario=${q}`, body: ROSTER, headers: { 'content-type': 'text/csv' } }), context());
  expect(res.status).toBe(200);
  expectByHand((await res.json()) as Doc);
  const both = await budgetHandler(request({ path: '/api/budget?years=2026-2030&year=2026', body: ROSTER, headers: { 'content-type': 'text/csv' } }), context());
  expect(both.status).toBe(400);
});

test('command line: --years with --out writes the CSV, the JSON and a self-contained SVG', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-years-'));
  try {
    fs.writeFileSync(path.join(dir, 'r.csv'), ROSTER);
    fs.writeFileSync(path.join(dir, 'grow.json'), JSON.stringify(GROW));
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/yibao.js'), 'budget', path.join(dir, 'r.csv'), '--years', '2026-2030', '--scenario', path.join(dir, 'grow.json'), '--out', path.join(dir, 'b.csv')], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expectByHand(JSON.parse(fs.readFileSync(path.join(dir, 'b.json'), 'utf8')));
    const svg = fs.readFileSync(path.join(dir, 'b.svg'), 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).not.toMatch(/<script|href=/);
    expect(svg).toContain('grow 2028 医疗救助基金 assistance_fund: 1329.20');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe('growth settings are checked when the scenario is read', () => {
  const bad = (growth: unknown) => () => scenarioFrom(book, { name: 'g', growth });
  test.each([
    [{ contribution: { 2027: -1 } }, /greater than −1/],
    [{ contribution: { '27': 0.1 } }, /four digits/],
    [{ persons: { nobody: { 2027: 0.1 } } }, /unknown category/],
    [{ wages: {} }, /unknown field wages/],
    [{ contribution: { 2027: 'much' } }, /not a number/],
  ])('%j is refused', (g, msg) => expect(bad(g)).toThrow(msg));
  test('growth.contribution and contribution.individual@ for the same year are refused together', () => {
    expect(() => parseScenario(book, JSON.stringify({ overrides: { 'contribution.individual@2027': 420 }, growth: { contribution: { 2027: 0.05 } } }))).toThrow(/keep one/);
  });
  test('growth for the roster\'s own year is refused by the budget', async () => {
    await expect(budgetYears(book, readCsvStream([ROSTER]), { from: 2027, to: 2028, scenarios: [scenarioFrom(book, GROW)] })).rejects.toThrow(/after the roster/);
  });
});
