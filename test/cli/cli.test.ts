// The `yibao` command as a user runs it: the built CLI in a child process (npm test builds it first).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HEADER } from '../helpers';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/yibao.js');

function yibao(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, input, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-cli-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Buffer) {
  const f = path.join(dir, name);
  fs.writeFileSync(f, content);
  return f;
}

describe('yibao settle', () => {
  test('all rows settled: exit 0, results in input order, summary on stderr, no rejected file', () => {
    const input = write('ok.csv', `${HEADER}\nb,p1,dibao,linyi,2023-06-01,inpatient,,60000,50000,30000\na,p1,dibao,linyi,2023-05-01,inpatient,,100,100,\n`);
    const out = path.join(dir, 'ok-results.csv');
    const r = yibao(['settle', input, '--out', out]);
    expect(r.code).toBe(0);
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('claim_id,basic,critical,assistance,reassist,oop_compliant,oop_total,warning,notes');
    // a (2023-05-01) is settled first: basic 70, oop1 30 (under the deductible), assistance 0.7 × 30 = 21.
    // b then: critical base 30 → 20,030: (20,030 − 6,000) × 0.65 = 9,119.50; oop2 10,880.50;
    // assistance base 9 → 10,889.50: 0.7 × 10,889.50 = 7,622.65 − 6.30 = 7,616.35; oop3 3,264.15 (< 5,000);
    // oop_total 60,000 − 30,000 − 9,119.50 − 7,616.35 = 13,264.15.
    expect(lines[1]).toBe('b,30000.00,9119.50,7616.35,0.00,3264.15,13264.15,,');
    expect(lines[2]).toBe('a,70.00,0.00,21.00,0.00,9.00,9.00,,');
    expect(r.stderr).toContain('读取 2 行，结算 2 行，拒绝 0 行');
    expect(fs.existsSync(`${out}.rejected.csv`)).toBe(false);
  });

  test('some rows rejected: exit 3, the rejected file has line number and reason, nothing lost', () => {
    const input = write('bad.csv', `${HEADER}\nx1,p1,dibao,linyi,2023-05-01,inpatient,,100,100,\nx2,p1,dibao,linyi,2023-05-01,inpatient,,100,200,\nx3,p2,dibao,北京,2023-05-01,inpatient,,100,100,\n`);
    const out = path.join(dir, 'bad-results.csv');
    const r = yibao(['settle', input, '--out', out]);
    expect(r.code).toBe(3);
    expect(fs.readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(2);
    const rejected = fs.readFileSync(`${out}.rejected.csv`, 'utf8').trim().split('\n');
    expect(rejected[0]).toBe('line,claim_id,reason_zh,reason_en');
    expect(rejected[1]).toMatch(/^3,x2,合规费用 200.00 大于医疗总费用 100.00/);
    expect(rejected[2]).toMatch(/^4,x3,"未知城市“北京”；可选：六安市\(luan, 341500\)/);
    expect(r.stderr).toContain('读取 3 行，结算 1 行，拒绝 2 行');
  });

  test('missing required columns: exit 1, no output written', () => {
    const input = write('cols.csv', 'claim_id,person_id,city\n1,2,linyi\n');
    const out = path.join(dir, 'cols-results.csv');
    const r = yibao(['settle', input, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('缺少必需的列');
    expect(fs.existsSync(out)).toBe(false);
  });

  test('a GBK file is refused with advice instead of garbled names', () => {
    // "低保" in GBK is B5 CD B1 A3
    const gbk = Buffer.concat([Buffer.from(`${HEADER}\nc1,p1,`), Buffer.from([0xb5, 0xcd, 0xb1, 0xa3]), Buffer.from(',linyi,2023-05-01,inpatient,,1,1,\n')]);
    const r = yibao(['settle', write('gbk.csv', gbk)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('不是 UTF-8 编码');
  });

  test('stdin in, stdout out, --explain adds the explanation column', () => {
    const r = yibao(['settle', '-', '--explain'], `${HEADER}\nc1,p1,低保,临沂,2023-05-01,住院,,60000,50000,30000\n`);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toContain(',explanation');
    expect(r.stdout).toContain('临医保发〔2022〕13号 三 · 已公布 published');
  });

  test('a scenario file: results change and broken floors are reported', () => {
    const s = write('s.json', JSON.stringify({ name: '低保65%', city: 'linyi', overrides: { 'assistance.dibao.rate': 0.65 } }));
    const r = yibao(['settle', '-', '--scenario', s], `${HEADER}\nc1,p1,dibao,linyi,2023-05-01,inpatient,,60000,50000,30000\n`);
    expect(r.code).toBe(0);
    // oop2 10,900 × 0.65 = 7,085
    expect(r.stdout).toContain('c1,30000.00,9100.00,7085.00,');
    expect(r.stderr).toContain('特困人员、低保对象、返贫致贫人口救助比例不低于70%');
    expect(r.stderr).toContain('情景“低保65%”');
  });

  test('a bad scenario stops the run: exit 1', () => {
    const s = write('bad.json', '{"overrides": {"__proto__": {"polluted": true}}}');
    const r = yibao(['settle', '-', '--scenario', s], `${HEADER}\n`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('__proto__');
  });

  test('unknown options and missing files are errors, not defaults', () => {
    expect(yibao(['settle', 'x.csv', '--outt', 'y']).stderr).toContain('未知选项 --outt');
    const missing = yibao(['settle', path.join(dir, 'nope.csv')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('无法读取文件');
  });
});

describe('yibao subsidy, policy, check, categories', () => {
  test('subsidy --json: Linyi dibao 2024 split', () => {
    const r = yibao(['subsidy', '--city', '临沂', '--category', '低保', '--year', '2024', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect([j.contribution, j.assistance_fund, j.county_finance, j.individual]).toEqual(['380.00', '150.00', '230.00', '0.00']);
    expect(j.params.find((p: { name: string }) => p.name === 'contribution.individual').status).toBe('assumed');
  });

  test('policy lists every parameter with status and source', () => {
    const r = yibao(['policy', 'linyi', '--date', '2024-01-01', '--json']);
    const [linyi] = JSON.parse(r.stdout);
    const rate = linyi.parameters.find((p: { name: string }) => p.name === 'assistance.dibao.rate');
    expect(rate).toMatchObject({ value: '0.7', status: 'published', source: '临医保发〔2022〕13号 四' });
    const text = yibao(['policy', '六安', '--date', '2024-01-01']).stdout;
    expect(text).toContain('假设值 assumed');
    expect(text).toContain('critical.deductible');
  });

  test('check names the rule a scenario breaks', () => {
    const s = write('luan.json', JSON.stringify({ city: 'luan', overrides: { 'subsidy.dibao.rate': 0.95 } }));
    const r = yibao(['check', '--scenario', s, '--date', '2024-01-01']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('低保对象资助比例不高于90%');
    expect(yibao(['check', '--date', '2024-01-01']).stdout).toContain('✓');
  });

  test('categories of Lu\'an show 5/6/7 as monitored', () => {
    const r = yibao(['categories', '六安']);
    expect(r.stdout).toMatch(/monitored .*脱贫不稳定户.*5\/6\/7/);
  });
});
