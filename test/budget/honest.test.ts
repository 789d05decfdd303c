// Issue 14: budgets honour a scenario's contribution standard everywhere, and say what they assumed,
// counted and cut. Figures by hand from the spec: Linyi dibao 150 from the assistance fund, the rest
// of the contribution from county finance (section 5); Lu'an dibao 80% (section 4); Xixiu alleviated
// 140 (section 6); extremely_poor the whole contribution.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultBook, budgetRoster, budgetDocument, budgetCsv, scenarioFrom } from '../../engine';
import { budgetHandler } from '../../functions/handlers/budget';
import { request, context } from '../functions/helpers';

const book = defaultBook();
const ROOT = path.resolve(__dirname, '../..');
const yibao = (args: string[]) => {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/yibao.js'), ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const H = 'person_id,id_number,city,county,category,included_on,exited_on';
// Three cities: Linyi 2 dibao + 1 extremely_poor, Lu'an 2 dibao, Xixiu 1 alleviated + 1 extremely_poor.
const ROSTER = `${H}
L1,,linyi,兰山区,dibao,,
L2,,linyi,兰山区,dibao,,
L3,,linyi,兰山区,extremely_poor,,
A1,,luan,金安区,dibao,,
A2,,luan,金安区,dibao,,
X1,,xixiu,西秀区,alleviated,,
X2,,xixiu,西秀区,extremely_poor,,
`;
const C420 = { name: 'c420', overrides: { 'contribution.individual': 420 } };
// By hand at 420: Linyi dibao 2 × (150 fund + 270 county); extremely_poor 420 fund.
// Lu'an dibao 2 × (336 fund + 84 individual). Xixiu alleviated 140 fund + 280 individual; extremely_poor 420.
// Fund 300 + 420 + 672 + 140 + 420 = 1,952; county 540; individual 168 + 280 = 448.
const TOTALS_420 = { persons: 7, assistance_fund: '1952.00', county_finance: '540.00', individual: '448.00' };

let dir: string;
beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-honest-')); });
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('2027 across the three cities by hand: the 2026 standard of 400 carried forward, and said so', () => {
  // Linyi dibao 2 × (150 fund + 250 county), extremely_poor 400; Lu'an dibao 2 × (320 + 80 individual);
  // Xixiu alleviated 140 + 260 individual, extremely_poor 400.
  const d = budgetDocument(budgetRoster(book, ROSTER, { year: 2027 }));
  expect(d.totals).toEqual({ persons: 7, assistance_fund: '1880.00', county_finance: '500.00', individual: '420.00' });
  expect(d.rows.map((r) => [r.city, r.category, r.persons, r.assistance_fund, r.county_finance, r.individual])).toEqual([
    ['linyi', 'extremely_poor', 1, '400.00', '0.00', '0.00'],
    ['linyi', 'dibao', 2, '300.00', '500.00', '0.00'],
    ['luan', 'dibao', 2, '640.00', '0.00', '160.00'],
    ['xixiu', 'extremely_poor', 1, '400.00', '0.00', '0.00'],
    ['xixiu', 'alleviated', 1, '140.00', '0.00', '260.00'],
  ]);
  const std = d.assumptions.filter((a) => a.name === 'contribution.individual');
  expect(std.map((a) => [a.city, a.value, a.status])).toEqual([['linyi', '400', 'assumed'], ['luan', '400', 'assumed'], ['xixiu', '400', 'assumed']]);
  expect(std.every((a) => a.carried?.zh.includes('2027 年未设定，沿用 2026 年 400 元'))).toBe(true);
  expect(budgetCsv(budgetRoster(book, ROSTER, { year: 2027 }))).toContain('沿用 2026 年 400 元');
});

describe('a scenario that sets contribution.individual is honoured by every budget', () => {
  test('engine: a year before any standard held is budgeted on the scenario, named as the basis', () => {
    const book2 = { ...book, yearly: new Map([...book.yearly, ['contribution.individual', new Map()]]) };
    const o = budgetRoster(book2, ROSTER, { year: 2027, scenarios: [scenarioFrom(book2, C420)] });
    const d = budgetDocument(o);
    expect(d.basis).toBe('c420');
    expect(d.totals).toEqual(TOTALS_420);
    expect(d.assumptions.filter((a) => a.name === 'contribution.individual').map((a) => [a.city, a.value, a.scenario])).toEqual([['linyi', '420', 'c420'], ['luan', '420', 'c420'], ['xixiu', '420', 'c420']]);
    expect(() => budgetRoster(book2, ROSTER, { year: 2027 })).toThrow(/contribution.individual/);
  });

  test('command line: yibao budget --year 2027 --scenario with contribution.individual', () => {
    const s = path.join(dir, 'c420.json');
    const r0 = path.join(dir, 'roster.csv');
    fs.writeFileSync(s, JSON.stringify(C420));
    fs.writeFileSync(r0, ROSTER);
    const r = yibao(['budget', r0, '--year', '2027', '--scenario', s, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    // The scenario is either the basis (no standard held for 2027) or compared against the standard held.
    const totals = j.basis === 'c420' ? j.totals : j.scenarios[0].totals;
    expect(totals).toEqual(TOTALS_420);
  });

  test('POST /api/budget?year=2027&scenario=…', async () => {
    const q = encodeURIComponent(JSON.stringify(C420));
    const res = await budgetHandler(request({ path: `/api/budget?year=2027&scenario=${q}`, body: ROSTER, headers: { 'content-type': 'text/csv' } }), context());
    expect(res.status).toBe(200);
    const j = (await res.json()) as { basis: string | null; totals: unknown; scenarios?: { totals: unknown }[] };
    expect(j.basis === 'c420' ? j.totals : j.scenarios![0].totals).toEqual(TOTALS_420);
  });
});

describe('honest outputs', () => {
  // L1 three times: two duplicate rows; one rejected row; one not in force.
  const R = `${H}\nL1,,linyi,兰山区,dibao,,\nL1,,linyi,兰山区,dibao,,\nL1,,linyi,兰山区,ordinary,,\nB1,,nowhere,,dibao,,\nL9,,linyi,兰山区,dibao,2020-01-01,2020-06-30\n`;

  test('the CSV header block carries the JSON\'s counts, rejected rows, duplicates and the cut', () => {
    const o = budgetRoster(book, R, { year: 2024, maxDuplicateReports: 1 });
    const d = budgetDocument(o);
    expect([d.read, d.persons, d.duplicate_rows, d.not_in_force, d.rejected.length, d.duplicates.length]).toEqual([5, 1, 2, 1, 1, 1]);
    expect(d.duplicates_cut).toMatchObject({ shown: 1, total: 2 });
    expect(d.duplicates_cut!.en).toContain('--duplicates all');
    const lines = budgetCsv(o).split('\n');
    const block = lines.filter((l) => l.startsWith('#'));
    expect(block).toEqual(expect.arrayContaining(['#year,2024', '#roster_date,2024-01-01', '#rules_date,2024-01-01', '#basis,', '#read,5', '#persons,1', '#duplicate_rows,2', '#not_in_force,1', '#rejected,1']));
    expect(block.find((l) => l.startsWith('#assumption,linyi,contribution.individual,380,assumed,'))).toBeDefined();
    expect(block.filter((l) => l.startsWith('#rejected_line,5,'))).toHaveLength(1);
    expect(block.filter((l) => l.startsWith('#duplicate,'))).toHaveLength(1);
    expect(block.filter((l) => l.startsWith('#duplicates_cut,'))).toHaveLength(1);
    // the table follows the block unchanged
    expect(lines[block.length]).toBe('city,county,category,persons,assistance_fund,county_finance,individual');
    const whole = budgetDocument(budgetRoster(book, R, { year: 2024, maxDuplicateReports: Infinity }));
    expect([whole.duplicates.length, whole.duplicates_cut]).toEqual([2, null]);
  });

  test('--duplicates all lists every duplicate; a bad value is a usage error', () => {
    const f = path.join(dir, 'dups.csv');
    fs.writeFileSync(f, R);
    expect(JSON.parse(yibao(['budget', f, '--year', '2024', '--json', '--duplicates', '1']).stdout).duplicates).toHaveLength(1);
    expect(JSON.parse(yibao(['budget', f, '--year', '2024', '--json', '--duplicates', 'all']).stdout).duplicates).toHaveLength(2);
    expect(yibao(['budget', f, '--year', '2024', '--duplicates', 'some']).code).toBe(2);
  });

  test('a claims ledger is refused as a roster, saying so (command line and HTTP)', async () => {
    const r = yibao(['budget', 'samples/roster-claims.csv', '--year', '2024']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('这是结算台账');
    expect(r.stderr).toContain('claims ledger');
    const res = await budgetHandler(request({ path: '/api/budget?year=2024', body: fs.readFileSync(path.join(ROOT, 'samples/roster-claims.csv')), headers: { 'content-type': 'text/csv' } }), context());
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('claims ledger');
  });
});

test('a subsidy that lapsed with the transition period says so in the budget (JSON and CSV)', () => {
  // Lu'an monitored: 50% inside the transition period (2025), nothing after it (2027): the person pays 400.
  const R = `${H}\nM1,,luan,金安区,monitored,,\n`;
  const inside = budgetDocument(budgetRoster(book, R, { year: 2025 }));
  expect([inside.totals.assistance_fund, inside.totals.individual]).toEqual(['200.00', '200.00']);
  expect(inside.notes).toEqual([]);
  const o = budgetRoster(book, R, { year: 2027 });
  const after = budgetDocument(o);
  expect([after.totals.assistance_fund, after.totals.individual]).toEqual(['0.00', '400.00']);
  expect(after.notes.map((n) => [n.city, n.category])).toEqual([['luan', 'monitored']]);
  expect(after.notes[0].zh).toContain('过渡期已结束');
  expect(after.assumptions.map((a) => a.name)).toContain('transition.end');
  expect(budgetCsv(o)).toMatch(/^#note,luan,monitored,过渡期已结束/m);
});
