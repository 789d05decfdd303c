// Spec section 10 through the command line: values by year and scenarios for one year, the
// transition, Xixiu's monthly warning list beside the results (the bulk path), listings.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HEADER } from '../helpers';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/yibao.js');

function yibao(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-sec10-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const write = (name: string, content: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, content);
  return f;
};

test('yibao settle writes the monthly warning list beside the results (6,000 + 6,000 in one month > 10,000)', () => {
  const input = write('x.csv', `${HEADER}\na,p1,ordinary,xixiu,2023-03-05,inpatient,,6000,0,\nb,p1,ordinary,xixiu,2023-03-20,inpatient,,6000,0,\nc,p2,ordinary,xixiu,2023-03-20,inpatient,,6000,0,\n`);
  const out = path.join(dir, 'x.out.csv');
  const r = yibao(['settle', input, '--out', out]);
  expect(r.code).toBe(0);
  expect(fs.readFileSync(`${out}.monthly-warnings.csv`, 'utf8')).toBe('city,person_id,month,oop_total,line,claims\nxixiu,p1,2023-03,12000.00,10000.00,2\n');
  expect(r.stderr).toContain('按月预警 1 人次');
  // the results file keeps its columns, each claim's own flag 0
  expect(fs.readFileSync(out, 'utf8').split('\n')[1]).toMatch(/^a,0\.00,0\.00,0\.00,0\.00,0\.00,6000\.00,0,/);
});

test('yibao settle: a claim after the transition says so in its notes; a scenario extends it', () => {
  const input = write('t.csv', `${HEADER}\na,p1,dibao_marginal,linyi,2026-03-01,inpatient,,60000,60000,30000\n`);
  const plain = yibao(['settle', input]);
  expect(plain.stdout.split('\n')[1]).toBe('a,30000.00,10800.00,0.00,0.00,19200.00,19200.00,,过渡期已结束（假设 2025-12-31）');
  const s = write('t.json', JSON.stringify({ name: 'ext', overrides: { 'transition.end': '2026-12-31' } }));
  const ext = yibao(['settle', input, '--scenario', s]);
  expect(ext.stdout.split('\n')[1]).toBe('a,30000.00,10800.00,8100.00,770.00,10330.00,10330.00,,');
});

test('yibao subsidy 2027: the carried standard said; a scenario for 2027 only is honoured', () => {
  const plain = yibao(['subsidy', '--city', 'linyi', '--category', 'dibao', '--year', '2027', '--json']);
  const j = JSON.parse(plain.stdout);
  expect([j.contribution, j.county_finance]).toEqual(['400.00', '250.00']);
  expect(j.carried[0].zh).toBe('contribution.individual 2027 年未设定，沿用 2026 年 400 元（假设）');
  const s = write('c.json', JSON.stringify({ overrides: { 'contribution.individual@2027': 420 } }));
  const over = JSON.parse(yibao(['subsidy', '--city', 'linyi', '--category', 'dibao', '--year', '2027', '--scenario', s, '--json']).stdout);
  expect([over.contribution, over.county_finance, over.carried]).toEqual(['420.00', '270.00', []]);
});

test('yibao policy shows derived, carried and lapsed values and transition.end', () => {
  const text = yibao(['policy', 'linyi', '--date', '2027-06-30']).stdout;
  expect(text).toMatch(/critical\.segments .*推算 derived/);
  expect(text).toMatch(/transition\.end +2025-12-31 +假设值 assumed/);
  expect(text).toContain('注意：contribution.individual 2027 年未设定，沿用 2026 年 400 元（假设）');
  expect(text).toMatch(/已失效 lapsed: .*assistance\.dibao_marginal\.rate.* — 过渡期已结束（假设 2025-12-31）/);
});

test('yibao check xixiu: the shipped pack gives every floor category something; the help shows the one-year syntax', () => {
  const r = yibao(['check', 'xixiu', '--date', '2024-06-30']);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('未发现违反国家或省级底线的参数');
  expect(yibao(['settle', '--help']).stdout).toContain('contribution.individual@2027');
});
