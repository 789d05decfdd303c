// The command line's conventions, as a user meets them: `yibao <command> --help`, `yibao --version`,
// and exit status 2 for a usage error, apart from 1 (nothing could run) and 3 (rows rejected).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/yibao.js');

function yibao(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('help', () => {
  test.each(['settle', 'budget', 'roster', 'subsidy', 'policy', 'check', 'categories'])('yibao %s --help prints that command\'s usage and options, exit 0', (command) => {
    for (const flag of ['--help', '-h']) {
      const r = yibao([command, flag]);
      expect(r.code).toBe(0);
      expect(r.stdout.startsWith(`用法 usage: yibao ${command} `)).toBe(true);
      expect(r.stdout).toContain('选项 options:');
      expect(r.stderr).toBe('');
    }
    expect(yibao(['help', command]).stdout).toBe(yibao([command, '--help']).stdout);
  });

  test('settle --help lists every option the command reads, each with its help', () => {
    const help = yibao(['settle', '--help']).stdout;
    for (const option of ['--out', '--scenario', '--explain', '--format', '--city', '--category-column', '--summary', '--compare', '--roster']) {
      expect(help).toMatch(new RegExp(`^  ${option}\\b.* \\S+`, 'm'));
    }
    expect(help).toContain('2 wrong usage');
  });

  test('--help wins over a missing argument (no run, no error)', () => {
    const r = yibao(['subsidy', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--category');
  });

  test('yibao help lists every command', () => {
    const r = yibao(['help']);
    expect(r.code).toBe(0);
    for (const c of ['settle', 'budget', 'roster apply', 'subsidy', 'policy', 'check', 'categories']) expect(r.stdout).toContain(`yibao ${c} `);
  });
});

test('yibao --version prints the package version and the policy packs', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    const r = yibao([flag]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`yibao ${pkg.version}`);
    expect(r.stdout).toMatch(/临沂市 linyi 2022-01-01, 2022-04-01/);
  }
});

describe('usage errors: exit 2, the reason in Chinese then English, and the command\'s usage', () => {
  test.each([
    [['settle', 'x.csv', '--outt', 'y'], '未知选项 --outt', 'unknown option --outt'],
    [['settle', 'x.csv', '--out'], '选项 --out 缺少值', 'option --out needs a value'],
    [['categories', 'linyi', '--json=yes'], '选项 --json 不带值', 'option --json takes no value'],
    [['settle'], '请给出一个台账文件', 'give one ledger file'],
    [['settle', 'a.csv', 'b.csv'], '请给出一个台账文件', 'give one ledger file'],
    [['subsidy', '--city', 'linyi'], '须给出 --city、--category 和 --year', '--city, --category and --year are required'],
    [['frobnicate'], '未知命令“frobnicate”', 'unknown command "frobnicate"'],
    [[], '请给出命令', 'give a command'],
  ])('yibao %j', (args, zh, en) => {
    const r = yibao(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const [first] = r.stderr.split('\n');
    expect(first.startsWith(`错误 error: ${zh}`)).toBe(true);
    expect(first).toContain(` (${en}`);
    expect(r.stderr).toMatch(/用法 usage:\s+yibao /);
  });

  test('a file that cannot be read is not a usage error: exit 1', () => {
    const r = yibao(['settle', path.join(ROOT, 'no-such-ledger.csv')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('无法读取文件');
    expect(r.stderr).not.toContain('用法 usage');
  });
});
