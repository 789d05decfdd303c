// Build dist/addin for the tests when it is missing or older than its sources. Jest runs test files
// in parallel workers, so one build at a time (a lock directory), and the others wait for it.
import { execFileSync } from 'child_process';
import { existsSync, mkdirSync, rmdirSync, statSync, readdirSync, writeFileSync } from 'fs';
import { join } from 'path';

export const ROOT = join(__dirname, '..', '..');
export const DIST = join(ROOT, 'dist', 'addin');
// When the last build finished. Not an output file's time: webpack leaves a file whose content did
// not change untouched, so functions.json can stay older than the sources it was just built from.
const STAMP = join(ROOT, 'dist', '.addin-built');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

function stale(): boolean {
  if (!existsSync(STAMP) || !existsSync(join(DIST, 'functions.json')) || !existsSync(join(DIST, 'taskpane.html'))) return true;
  const built = statSync(STAMP).mtimeMs;
  const sources = Math.max(newest(join(ROOT, 'addin')), newest(join(ROOT, 'engine')), newest(join(ROOT, 'policy')), statSync(join(ROOT, 'manifest.xml')).mtimeMs);
  return sources > built;
}

export function ensureBuilt(): void {
  if (!stale()) return;
  const lock = join(ROOT, 'dist', '.addin-build.lock');
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`another build holds ${lock}; remove it if no build is running`);
      execFileSync('sleep', ['1']);
    }
  }
  try {
    if (stale()) {
      execFileSync(process.execPath, [join(ROOT, 'node_modules', 'webpack', 'bin', 'webpack.js'), '--config', join(ROOT, 'addin', 'webpack.config.js'), '--mode', 'production'], { cwd: ROOT, stdio: 'pipe' });
      writeFileSync(STAMP, new Date().toISOString());
    }
  } catch (e) {
    const err = e as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`npm run build:addin failed:\n${err.stdout?.toString() ?? ''}${err.stderr?.toString() ?? ''}`);
  } finally {
    rmdirSync(lock);
  }
}
