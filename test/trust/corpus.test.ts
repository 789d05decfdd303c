// The corpus of bad files (issue 6) through the command line: each row ends settled or rejected with
// its line number and a reason; rows read = settled + rejected; a run that cannot start says why and
// writes nothing. The cases and what must come of them are in corpus-cases.ts, shared with the HTTP
// and Excel tests.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readCsv } from '../../engine/csv';
import { HEADER } from '../helpers';
import { CASES, fileOf, isFatal, expectAnswer, expectChineseFirst, type Answer } from './corpus-cases';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/yibao.js');
let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yibao-corpus-'))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function settle(file: string) {
  const out = path.join(dir, `${path.basename(file)}.out.csv`);
  const r = spawnSync(process.execPath, [BIN, 'settle', file, '--out', out], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const table = (f: string) => (fs.existsSync(f) ? [...readCsv(fs.readFileSync(f, 'utf8'))].slice(1).map((rec) => rec.cells) : []);
  const settled = table(out);
  const rejected = table(`${out}.rejected.csv`);
  const m = /读取 (\d+) 行，结算 (\d+) 行，拒绝 (\d+) 行/.exec(r.stderr);
  return { code: r.status, stderr: r.stderr, out, settled, rejected, counts: m ? m.slice(1).map(Number) : null };
}

describe.each(CASES.map((c) => [c.title, c] as const))('%s', (_title, c) => {
  test('yibao settle', () => {
    const r = settle(fileOf(c, dir));
    if (isFatal(c.expect)) {
      expect(r.code).toBe(1);
      const message = /错误 error: (.*)/.exec(r.stderr)?.[1] ?? '';
      expect(message).toMatch(c.expect.fatal);
      expectChineseFirst(message);
      expect(fs.existsSync(r.out)).toBe(false); // nothing written
      expect(fs.existsSync(`${r.out}.rejected.csv`)).toBe(false);
      return;
    }
    const answer: Answer = {
      read: r.counts?.[0] ?? -1,
      settled: r.settled.map((cells) => cells[0]),
      rejected: r.rejected.map(([line, claim_id, reason_zh, reason_en]) => ({ line: Number(line), claim_id, reason_zh, reason_en })),
    };
    // the summary's three counts are those of the files
    expect(r.counts).toEqual([answer.read, answer.settled.length, answer.rejected.length]);
    expectAnswer(answer, c.expect);
    expect(r.code).toBe(answer.rejected.length ? 3 : 0);
    for (const [id, amounts] of Object.entries(c.amounts ?? {})) {
      expect(r.settled.find((cells) => cells[0] === id)?.slice(1, 7)).toEqual(amounts);
    }
  });
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
