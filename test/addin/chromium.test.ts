// The browser test's Chromium on a machine without Debian's: the npm package's build, unpacked once
// (concurrent callers included) into a runnable file, and a fonts.conf naming real CJK font folders.
import { execFileSync } from 'child_process';
import { existsSync, readFileSync, statSync } from 'fs';
import { join } from 'path';
import { ROOT } from './build';
import { fontsConf, npmChromium } from './chromium';

test('the npm Chromium unpacks to an executable that runs and is the version its package names', () => {
  const exe = npmChromium();
  expect(npmChromium()).toBe(exe); // the second call reuses the file
  expect(exe).toContain(join('node_modules', '.cache'));
  expect(statSync(exe).mode & 0o111).not.toBe(0);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'node_modules', '@sparticuz', 'chromium', 'package.json'), 'utf8')) as { version: string };
  const out = execFileSync(exe, ['--version'], { encoding: 'utf8', timeout: 60_000 });
  expect(out).toMatch(new RegExp(`^Chromium ${pkg.version.split('.')[0]}\\.`));
}, 120_000);

test('fonts.conf lists the Noto Sans SC folders, which hold TTFs', () => {
  const xml = readFileSync(fontsConf(), 'utf8');
  const dirs = [...xml.matchAll(/<dir>([^<]+)<\/dir>/g)].map((m) => m[1]);
  expect(dirs).toHaveLength(2);
  for (const d of dirs) expect(existsSync(join(d, `NotoSansSC_${d.split('/').pop()}.ttf`))).toBe(true);
});
