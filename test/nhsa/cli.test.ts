// `yibao settle` on a 国家医保信息平台 export, as a user runs it (the built CLI; npm test builds it first).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/yibao.js');
const EXPORT = path.join(__dirname, 'fixtures/export.csv');
const SPEC = path.join(__dirname, 'fixtures/spec.csv');

function yibao(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-nhsa-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const NHSA_HEADER = 'setl_id,hifp_pay,hifmi_pay,maf_pay,maf_assist_pay,maf_reassist_pay,fund_pay_sumamt,psn_part_amt,warning,notes';
const SPEC_HEADER = 'claim_id,basic,critical,assistance,reassist,oop_compliant,oop_total,warning,notes';
const certnos = [...new Set(fs.readFileSync(EXPORT, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[2]))];

describe('yibao settle <export>', () => {
  test('the output follows the input by default, and --format chooses', () => {
    const a = yibao(['settle', EXPORT]);
    expect(a.code).toBe(0);
    expect(a.stdout.split('\n')[0]).toBe(NHSA_HEADER);
    const b = yibao(['settle', EXPORT, '--format', 'spec']);
    expect(b.stdout.split('\n')[0]).toBe(SPEC_HEADER);
    // the spec file's own results are the same rows
    expect(b.stdout).toBe(yibao(['settle', SPEC]).stdout);
    expect(yibao(['settle', SPEC, '--format', 'nhsa']).stdout).toBe(a.stdout);
  });

  test('rejected rows: exit 3, the rejected file keyed by setl_id, no certno anywhere unmasked', () => {
    const lines = fs.readFileSync(EXPORT, 'utf8').trim().split('\n');
    const other = certnos[1];
    const input = path.join(dir, 'with-bad.csv');
    fs.writeFileSync(input, [...lines, `S-X,P3713001,${other},低保对象,临沂,11,2023-05-01 08:00:00,100,100,`, `S-Y,P3713001,${other},低保对象,临沂,21,2023-05-01 08:00:00,100,100,`].join('\n') + '\n');
    const out = path.join(dir, 'res.csv');
    const r = yibao(['settle', input, '--out', out, '--explain']);
    expect(r.code).toBe(3);
    const results = fs.readFileSync(out, 'utf8');
    const rejected = fs.readFileSync(`${out}.rejected.csv`, 'utf8');
    expect(results.split('\n')[0]).toBe(`${NHSA_HEADER},explanation`);
    expect(rejected.split('\n')[0]).toBe('line,setl_id,reason_zh,reason_en');
    expect(rejected).toContain('S-X');
    expect(rejected).toContain('11（普通门诊）');
    expect(rejected).toContain('S-Y');
    expect(rejected).toContain(`${other.slice(0, 6)}********${other.slice(-4)}`);
    const stdoutRun = yibao(['settle', input]);
    for (const text of [results, rejected, r.stdout, r.stderr, stdoutRun.stdout, stdoutRun.stderr]) {
      for (const c of certnos) expect(text).not.toContain(c);
    }
  });

  test('options: --city and --category-column', () => {
    const input = path.join(dir, 'no-city.csv');
    fs.writeFileSync(input, 'setl_id,psn_no,med_type,setl_time,medfee_sumamt,inscp_scp_amt,hifp_pay,困难类别代码\nS9,P9,21,2023-05-01 10:22:33,60000,50000,30000,2\n');
    const r = yibao(['settle', input, '--city', '临沂', '--category-column', '困难类别代码']);
    expect(r.code).toBe(0);
    // spec section 9 (Linyi, dibao = MAMS 2) worked by hand: 9,100 critical, 7,630 assistance, 13,270 borne.
    expect(r.stdout.split('\n')[1]).toBe('S9,30000.00,9100.00,7630.00,7630.00,0.00,46730.00,13270.00,,');
  });

  test('a bad --format (usage, exit 2), an unknown --city, a missing category (exit 1): nothing runs, a bilingual reason', () => {
    const f = yibao(['settle', EXPORT, '--format', 'xml']);
    expect(f.code).toBe(2);
    expect(f.stderr).toContain('--format 须为 nhsa 或 spec');
    const c = yibao(['settle', EXPORT, '--city', '北京']);
    expect(c.code).toBe(1);
    expect(c.stderr).toContain('未知城市');
    const input = path.join(dir, 'no-cat.csv');
    fs.writeFileSync(input, 'setl_id,psn_no,med_type,setl_time,medfee_sumamt,inscp_scp_amt,hifp_pay\nS9,P9,21,2023-05-01,60000,50000,30000\n');
    const n = yibao(['settle', input, '--city', 'linyi']);
    expect(n.code).toBe(1);
    expect(n.stderr).toContain('表中没有救助类别');
    expect(n.stdout).toBe('');
  });

  test('the shipped sample settles', () => {
    const r = yibao(['settle', path.join(ROOT, 'samples/nhsa-export.csv')]);
    expect(r.stdout.split('\n')[0]).toBe(NHSA_HEADER);
    expect(r.code).toBe(3); // it carries one ordinary outpatient visit (11), to show the rejection
    expect(r.stderr).toContain('11（普通门诊）');
  });
});
