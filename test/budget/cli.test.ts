// The issue-7 commands as a user runs them, on the sample files the project ships (npm test builds first).
// Every figure below is worked by hand in docs/budget.md.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/yibao.js');
const yibao = (args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
let dir: string;
beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-budget-')); });
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('budget --json on samples/roster.csv for 2024: the exact object, totals by hand', () => {
  const r = yibao(['budget', 'samples/roster.csv', '--year', '2024', '--json']);
  expect(r.code).toBe(3); // one bad ID number
  const j = JSON.parse(r.stdout);
  // The whole account (issue 14): what it assumed, the figures, every row read accounted for.
  expect(Object.keys(j)).toEqual(['year', 'date', 'rules_date', 'basis', 'assumptions', 'notes', 'totals', 'rows', 'read', 'persons', 'duplicate_rows', 'not_in_force', 'rejected', 'duplicates', 'duplicates_cut', 'violations']);
  expect(j.assumptions.filter((a: { name: string }) => a.name === 'contribution.individual').map((a: { city: string; value: string; status: string }) => [a.city, a.value, a.status]))
    .toEqual([['linyi', '380', 'assumed'], ['luan', '380', 'assumed'], ['xixiu', '380', 'assumed']]);
  expect([j.read, j.persons, j.duplicate_rows, j.not_in_force, j.rejected.length, j.duplicates_cut]).toEqual([33, 29, 1, 2, 1, null]);
  // Linyi 14 persons: 760 + 600 + 300 + 380 + 450 + 150 + 150 = 2,790 fund, 2,530 county;
  // Lu'an 9: 380 + 912 + 266 + 190 + 608 + 190 = 2,546 fund, 874 individual; Xixiu 6: 380 + 280 + 420 = 1,080 fund, 1,200 individual.
  expect(j.totals).toEqual({ persons: 29, assistance_fund: '6416.00', county_finance: '2530.00', individual: '2074.00' });
  expect(Object.keys(j.rows[0])).toEqual(['city', 'county', 'category', 'persons', 'assistance_fund', 'county_finance', 'individual']);
  expect(r.stderr).toContain('read 33 = persons 29 + duplicate rows 1 + not in force on 2024-01-01 2 + rejected 1');
  expect(r.stderr).toContain('line 19 rejected');
  expect(r.stdout + r.stderr).not.toMatch(/\d{17}[\dX]/);
});

test('budget with the Lu\'an 85% scenario writes CSV and JSON: 5 dibao persons × 380 × 0.05 = +95', () => {
  const out = path.join(dir, 'b.csv');
  const r = yibao(['budget', 'samples/roster.csv', '--year', '2024', '--scenario', 'samples/scenario-luan-dibao-subsidy-85.json', '--out', out]);
  expect(r.code).toBe(3);
  const j = JSON.parse(fs.readFileSync(path.join(dir, 'b.json'), 'utf8'));
  expect(j.scenarios[0].totals_diff).toEqual({ persons: 0, assistance_fund: '95.00', county_finance: '0.00', individual: '-95.00' });
  const last = fs.readFileSync(out, 'utf8').trim().split('\n').pop()!;
  expect(last.startsWith('合计 total,,,29,6416.00,2530.00,2074.00,6511.00,95.00,')).toBe(true);
});

test('roster apply for 2024-03, then settle --roster: MAMS dates and the categories that differ', () => {
  const roster = path.join(dir, 'new.csv');
  const a = yibao(['roster', 'apply', 'samples/roster.csv', 'samples/roster-changes.csv', '--month', '2024-03', '--out', roster]);
  expect(a.code).toBe(3); // the bad ID row, a removal of a person not on the roster, a change dated in April
  expect(a.stderr).toContain('applied 4 (add 2, remove 1, change 1) + not applied 2');
  const text = fs.readFileSync(roster, 'utf8');
  expect(text).toContain('LY018,371302********0434,linyi,兰山区,dibao,2024-03-12,,2024-04-01,\n'); // added 03-12 → from 04-01
  expect(text).toContain('LY004,371302********0140,linyi,兰山区,dibao,2022-05-10,2024-03-15,2022-06-01,2024-03-31\n'); // removed 03-15 → to 03-31
  expect(text).toContain('LA010,341503********044X,luan,裕安区,dibao,2024-03-05,,2024-03-05,\n'); // Lu'an: the date itself
  expect(text).not.toMatch(/\d{17}[\dX]/);
  const s = yibao(['settle', 'samples/roster-claims.csv', '--roster', roster, '--summary', 'county']);
  expect(s.code).toBe(0);
  expect(s.stderr).toContain('3 claims settled under a category other');
  expect(s.stderr).toContain('c6: dibao → dibao_marginal'); // changed 03-20: still dibao_marginal on 03-28
  expect(s.stderr).toContain('c7: dibao → ordinary'); // added 03-12: no benefits on 03-25
  expect(s.stderr).toContain('c9: dibao → ordinary'); // removed 03-15: none on 04-10
  // c6 as dibao_marginal: oop1 1,500 < deductible 3,000 → no assistance; c7: ordinary none; c9: none.
  expect(s.stdout.split('\n')[6]).toBe('c6,3500.00,0.00,0.00,0.00,1500.00,1500.00,,');
});

test('settle --compare with Linyi dibao 75%: +545 + 150 + 75 + 45 + 30 = +845 assistance', () => {
  const out = path.join(dir, 'r.csv');
  const r = yibao(['settle', 'samples/roster-claims.csv', '--compare', 'samples/scenario-linyi-dibao-75.json', '--out', out]);
  expect(r.code).toBe(0);
  const cmp = fs.readFileSync(`${out}.compare.csv`, 'utf8');
  expect(cmp).toContain('assistance,23815.00,24660.00,845.00\n');
  expect(cmp).toContain('oop_total,31785.00,30940.00,-845.00\n');
});

test('--compare with --scenario is refused as a usage error', () => {
  const r = yibao(['settle', 'samples/roster-claims.csv', '--compare', 'samples/scenario-linyi-dibao-75.json', '--scenario', 'samples/scenario-linyi-dibao-75.json']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('--compare');
});
