// The whole medical-assistance fund (issue 14): `yibao budget --claims` re-settles last year's ledger
// for each budget year. Checked against an independent route: the ledger moved to the year by this
// test (dates to the same day of the year, amounts × the growth factor, rounded to the fen) and
// settled by `yibao settle` under the same scenario; the results' assistance and re-assistance
// columns summed here.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Decimal from 'decimal.js';
import { moveDate } from '../../engine';

const ROOT = path.resolve(__dirname, '../..');
const yibao = (args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin/yibao.js'), ...args], { cwd: ROOT, encoding: 'utf8' });
const ROSTER = 'person_id,city,county,category\nL1,linyi,兰山区,dibao\n';
// Linyi dibao assistance at 75%, claims +10% in 2027 and +20% in 2028 (factor 1.32 in 2028).
const SCENARIO = { name: 'more', overrides: { 'assistance.dibao.rate': 0.75 }, growth: { claims: { 2027: 0.1, 2028: 0.2 } } };

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-fund-'));
  fs.writeFileSync(path.join(dir, 'roster.csv'), ROSTER);
  fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify(SCENARIO));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** samples/claims.csv moved to a year with amounts × factor: written here, not by the engine. */
function moved(year: number, factor: string): string {
  const [head, ...lines] = fs.readFileSync(path.join(ROOT, 'samples/claims.csv'), 'utf8').trim().split('\n');
  const cols = head.split(',');
  const f = new Decimal(factor);
  const out = lines.map((l) => {
    const c = l.split(',');
    c[cols.indexOf('date')] = `${year}${c[cols.indexOf('date')].slice(4)}`;
    for (const k of ['total', 'compliant', 'basic_paid']) {
      const i = cols.indexOf(k);
      if (c[i] !== '') c[i] = new Decimal(c[i]).times(f).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2);
    }
    return c.join(',');
  });
  return [head, ...out].join('\n') + '\n';
}

/** `yibao settle` of a ledger text under an optional scenario: the sums of assistance and reassist. */
function settled(text: string, name: string, scenario?: string): { assistance: string; reassist: string; settled: number } {
  const ledger = path.join(dir, `${name}.csv`);
  const out = path.join(dir, `${name}.results.csv`);
  fs.writeFileSync(ledger, text);
  const r = yibao(['settle', ledger, '--out', out, ...(scenario ? ['--scenario', scenario] : [])]);
  expect([0, 3]).toContain(r.status);
  const [head, ...rows] = fs.readFileSync(out, 'utf8').trim().split('\n');
  const cols = head.split(',');
  const sum = (k: string) => rows.reduce((t, l) => t.plus(l.split(',')[cols.indexOf(k)]), new Decimal(0)).toFixed(2);
  return { assistance: sum('assistance'), reassist: sum('reassist'), settled: rows.length };
}

test('moveDate: the same day of the target year; 29 February to the 28th in a common year', () => {
  expect(moveDate('2024-05-18', 2027)).toBe('2027-05-18');
  expect(moveDate('2024-02-29', 2027)).toBe('2027-02-28');
  expect(moveDate('2024-02-29', 2028)).toBe('2028-02-29');
});

test('--claims: each year\'s assistance and re-assistance equal yibao settle of the moved ledger, basis and scenario', () => {
  const r = yibao(['budget', path.join(dir, 'roster.csv'), '--years', '2026-2028', '--claims', 'samples/claims.csv', '--scenario', path.join(dir, 's.json'), '--json', '--out', path.join(dir, 'b.csv')]);
  expect(r.status).toBe(0);
  const j = JSON.parse(r.stdout);
  const factors: Record<number, string> = { 2026: '1', 2027: '1.1', 2028: '1.32' };
  for (const y of j.years) {
    const base = settled(moved(y.year, '1'), `base-${y.year}`);
    const what = settled(moved(y.year, factors[y.year]), `more-${y.year}`, path.join(dir, 's.json'));
    expect([y.fund.basis.assistance, y.fund.basis.reassist, y.fund.basis.settled]).toEqual([base.assistance, base.reassist, base.settled]);
    const s = y.fund.scenarios[0];
    expect([s.factor, s.assistance, s.reassist]).toEqual([factors[y.year], what.assistance, what.reassist]);
    expect(s.assistance_diff).toBe(new Decimal(what.assistance).minus(base.assistance).toFixed(2));
    // the fund's need: the subsidies (Linyi dibao: 150 from the fund) + assistance + re-assistance
    expect(y.fund.basis.fund_need).toBe(new Decimal(150).plus(base.assistance).plus(base.reassist).toFixed(2));
  }
  // the scenario pays more assistance than the basis in every year (75% > 70%, larger claims)
  expect(j.years.every((y: { fund: { scenarios: { assistance_diff: string }[] } }) => new Decimal(y.fund.scenarios[0].assistance_diff).gt(0))).toBe(true);
  const fundCsv = fs.readFileSync(path.join(dir, 'b.fund.csv'), 'utf8');
  expect(fundCsv.split('\n')[0]).toBe('year,scenario,city,county,claims,assistance,reassist,claims_factor');
  expect(fs.readFileSync(path.join(dir, 'b.csv'), 'utf8')).toMatch(/^#fund,2028,more,/m);
});
