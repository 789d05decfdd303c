// Which Chromium the browser test drives, and the environment it starts in.
//
// Debian's /usr/bin/chromium when it is there; otherwise the one inside the npm package
// @sparticuz/chromium (a devDependency), so that `npm install` alone is enough to run the test.
// That package ships the browser as bin/chromium.br (brotli). It is unpacked once per package
// version under node_modules/.cache, written to a temporary name and renamed, so parallel jest
// workers never run a half-written file. The package itself is ESM-only and is not imported (jest
// runs tests as CommonJS): only its file is read. Its default launch args are not used either
// (--single-process crashes when a second browser context opens).
//
// Chinese needs a font, and a bare machine has none: a fonts.conf naming the folders of
// @expo-google-fonts/noto-sans-sc (another devDependency) is passed as FONTCONFIG_FILE, to either
// Chromium, so the screenshots read the same wherever they are taken.
//
// YIBAO_CHROMIUM=/path drives another build; YIBAO_CHROMIUM=npm forces the npm one even where
// Debian's is installed (to check the path a machine without it takes).
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'fs';
import { join } from 'path';
import { brotliDecompressSync } from 'zlib';
import { ROOT } from './build';

const DEBIAN = '/usr/bin/chromium';
const PACKAGE = join(ROOT, 'node_modules', '@sparticuz', 'chromium');
const FONTS = join(ROOT, 'node_modules', '@expo-google-fonts', 'noto-sans-sc');
const CACHE = join(ROOT, 'node_modules', '.cache', 'yibao-addin-test');

export interface ChromiumLaunch {
  executablePath: string;
  /** Where it came from, for messages: 'debian', 'npm' or 'YIBAO_CHROMIUM'. */
  source: string;
  env: Record<string, string>;
}

/** Write a file atomically: a temporary name in the same folder, then rename. */
function writeOnce(path: string, data: Buffer | string, mode?: number): void {
  if (existsSync(path)) return;
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, data);
  if (mode !== undefined) chmodSync(tmp, mode);
  renameSync(tmp, path);
}

/** The npm package's Chromium, unpacked (about 2 s the first time for a version, then nothing). */
export function npmChromium(): string {
  const pkg = join(PACKAGE, 'package.json');
  if (!existsSync(pkg)) {
    throw new Error(`no Chromium: neither ${DEBIAN} nor the devDependency @sparticuz/chromium is installed; run npm install`);
  }
  const version = (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
  const dir = join(CACHE, `chromium-${version}`);
  const exe = join(dir, 'chromium');
  if (!existsSync(exe)) {
    mkdirSync(dir, { recursive: true });
    writeOnce(exe, brotliDecompressSync(readFileSync(join(PACKAGE, 'bin', 'chromium.br'))), 0o755);
  }
  return exe;
}

/** A fonts.conf that knows only Noto Sans SC (regular and bold), with its cache beside it. */
export function fontsConf(): string {
  const dirs = ['400Regular', '700Bold'].map((w) => join(FONTS, w));
  for (const d of dirs) if (!existsSync(d)) throw new Error(`the devDependency @expo-google-fonts/noto-sans-sc is missing (${d}); run npm install`);
  mkdirSync(CACHE, { recursive: true });
  const file = join(CACHE, 'fonts.conf');
  const xml = [
    '<?xml version="1.0"?>',
    '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
    '<fontconfig>',
    ...dirs.map((d) => `  <dir>${d}</dir>`),
    `  <cachedir>${join(CACHE, 'fontconfig')}</cachedir>`,
    '</fontconfig>',
    '',
  ].join('\n');
  if (!existsSync(file) || readFileSync(file, 'utf8') !== xml) {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, xml);
    renameSync(tmp, file);
  }
  return file;
}

export function chromiumLaunch(): ChromiumLaunch {
  const wanted = process.env.YIBAO_CHROMIUM;
  let executablePath: string;
  let source: string;
  if (wanted && wanted !== 'npm') {
    if (!existsSync(wanted)) throw new Error(`YIBAO_CHROMIUM=${wanted}: no such file`);
    [executablePath, source] = [wanted, 'YIBAO_CHROMIUM'];
  } else if (wanted !== 'npm' && existsSync(DEBIAN)) {
    [executablePath, source] = [DEBIAN, 'debian'];
  } else {
    [executablePath, source] = [npmChromium(), 'npm'];
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  env.FONTCONFIG_FILE = fontsConf();
  return { executablePath, source, env };
}
