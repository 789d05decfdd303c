// The corpus of bad files (issue 6): each row ends settled or rejected with its line number and a
// reason; rows read = settled + rejected; a run that cannot start says why and writes nothing.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HEADER } from '../helpers';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/yibao.js');
const CORPUS = path.join(__dirname, 'corpus');
let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-corpus-'))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function settle(file: string) {
  const out = path.join(dir, `${path.basename(file)}.out.csv`);
  const r = spawnSync(process.execPath, [BIN, 'settle', file, '--out', out], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8').trim().split('\n').slice(1) : []);
  const settled = read(out);
  const rejected = read(`${out}.rejected.csv`);
  const m = /读取 (\d+) 行，结算 (\d+) 行，拒绝 (\d+) 行/.exec(r.stderr);
  return { code: r.status, stderr: r.stderr, out, settled, rejected, counts: m ? m.slice(1).map(Number) : null };
}

/** Rows read = settled + rejected, in the summary and in the files. */
function reconciles(r: ReturnType<typeof settle>, rows: number) {
  expect(r.counts).toEqual([rows, r.settled.length, r.rejected.length]);
  expect(r.settled.length + r.rejected.length).toBe(rows);
}

test('a truncated last line is a rejected row, the others settle', () => {
  const r = settle(path.join(CORPUS, 'truncated-last-line.csv'));
  expect(r.code).toBe(3);
  reconciles(r, 2);
  expect(r.rejected[0]).toMatch(/^3,,该行有 5 个字段，表头有 10 个/);
});

test('the wrong delimiter stops the run and says so; no output file', () => {
  const r = settle(path.join(CORPUS, 'semicolon.csv'));
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('分隔符须为英文逗号');
  expect(fs.existsSync(r.out)).toBe(false);
});

test('missing columns stop the run naming them; extra columns are ignored but short rows are rejected', () => {
  const missing = settle(path.join(CORPUS, 'missing-columns.csv'));
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain('缺少必需的列：compliant');
  const extra = settle(path.join(CORPUS, 'extra-columns.csv'));
  reconciles(extra, 2);
  expect(extra.settled[0]).toMatch(/^x1,70\.00,/);
  expect(extra.rejected[0]).toMatch(/^3,,该行有 11 个字段，表头有 12 个/);
});

test('amounts: separators, full-width digits, signs, exponents, NaN and blanks are rejected; extra decimals round', () => {
  const r = settle(path.join(CORPUS, 'amounts.csv'));
  expect(r.code).toBe(3);
  reconciles(r, 13);
  expect(r.rejected.map((l) => l.split(',')[1])).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9', 'a10', 'a11', 'a12']);
  // 100.005 rounds half-up to 100.01; compliant 100 → basic 70, oop_total 30.01
  expect(r.settled).toEqual(['ok1,70.00,0.00,21.00,0.00,9.00,9.01,,']);
});

test('dates: only real YYYY-MM-DD dates are accepted', () => {
  const r = settle(path.join(CORPUS, 'dates.csv'));
  reconciles(r, 8);
  expect(r.settled.map((l) => l.split(',')[0])).toEqual(['d8']); // 2024-02-29 exists
});

test('GBK-encoded Chinese is refused clearly, nothing written', () => {
  const file = path.join(dir, 'gbk.csv');
  fs.writeFileSync(file, Buffer.concat([Buffer.from(`${HEADER}\nc1,p1,`), Buffer.from([0xb5, 0xcd, 0xb1, 0xa3]), Buffer.from(',linyi,2023-05-01,inpatient,,1,1,\n')]));
  const r = settle(file);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('GBK');
  expect(fs.existsSync(r.out)).toBe(false);
});

test('a 50 MB single line is one rejected row; the rows around it settle', () => {
  const file = path.join(dir, 'long-line.csv');
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, `${HEADER}\nb1,p1,dibao,linyi,2023-05-01,inpatient,,100,100,\n`);
  const chunk = 'x'.repeat(1024 * 1024);
  for (let i = 0; i < 50; i++) fs.writeSync(fd, chunk);
  fs.writeSync(fd, '\nb2,p1,dibao,linyi,2023-05-02,inpatient,,100,100,\n');
  fs.closeSync(fd);
  const r = settle(file);
  reconciles(r, 3);
  expect(r.rejected).toHaveLength(1);
  expect(r.rejected[0]).toMatch(/^3,/);
  // the rejected row's content is never echoed back
  expect(r.rejected[0].length).toBeLessThan(300);
});

test('a million duplicate claim ids: the first row stands, every other is rejected and counted', () => {
  const file = path.join(dir, 'dups.csv');
  const row = 'same,p1,dibao,linyi,2023-05-01,inpatient,,100,100,\n';
  fs.writeFileSync(file, HEADER + '\n' + row.repeat(1_000_000));
  const r = settle(file);
  expect(r.code).toBe(3);
  reconciles(r, 1_000_000);
  expect(r.settled).toHaveLength(1);
  expect(r.rejected[999_998]).toMatch(/^1000001,same,claim_id same 重复/);
});

test('a run killed halfway leaves no results file that looks complete', async () => {
  const file = path.join(dir, 'big.csv');
  const lines = [HEADER];
  for (let i = 0; i < 300_000; i++) lines.push(`k${i},p${i % 50000},dibao,linyi,2023-0${1 + (i % 9)}-01,inpatient,,${1000 + i},${900 + i},`);
  fs.writeFileSync(file, lines.join('\n'));
  const out = path.join(dir, 'killed.csv');
  const child = spawn(process.execPath, [BIN, 'settle', file, '--out', out]);
  await new Promise((r) => setTimeout(r, 400));
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  expect(fs.existsSync(out)).toBe(false);
});
