// File helpers for the command line: strict UTF-8 reading and outputs that never look complete
// before they are (write to a temporary name, rename at the end).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { YibaoError } from '../engine';

export function readText(file: string): string {
  let buf: Buffer;
  try {
    buf = file === '-' ? fs.readFileSync(0) : fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new YibaoError(`无法读取文件 ${file}（${code ?? (e as Error).message}）`, `cannot read ${file} (${code ?? (e as Error).message})`, 'fatal');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw new YibaoError(`文件 ${file} 不是 UTF-8 编码（可能是 GBK）：请另存为“CSV UTF-8”后重试`, `${file} is not UTF-8 (GBK?): save it as "CSV UTF-8" and try again`, 'fatal');
  }
}

/** Write a file atomically: a run killed halfway leaves no file that looks complete. */
export function writeAtomic(file: string, content: string | Buffer): void {
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

/** Write all of bytes to an open file. */
const TEMP = /^yibao-(?:parts|stdin)-(\d+)-/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether a folder was left by a run that is gone: its process is not alive and it has not changed for an hour. */
function left(dir: string, pid: number): boolean {
  if (pid === process.pid || alive(pid)) return false;
  try {
    return Date.now() - fs.statSync(dir).mtimeMs > 3_600_000; // a pid of another container sharing the folder may look dead
  } catch {
    return false;
  }
}

/**
 * A temporary folder for a run's working files (they hold claims: personal data). Removed by
 * remove(), on Ctrl-C or SIGTERM; a run killed outright leaves it, so each new one first removes the
 * folders that runs no longer alive left.
 */
export function runTempDir(kind: 'parts' | 'stdin'): { dir: string; remove: () => void } {
  const root = os.tmpdir();
  for (const name of fs.readdirSync(root)) {
    const m = TEMP.exec(name);
    if (m && left(path.join(root, name), Number(m[1]))) fs.rmSync(path.join(root, name), { recursive: true, force: true });
  }
  const dir = fs.mkdtempSync(path.join(root, `yibao-${kind}-${process.pid}-`));
  const onSignal = (signal: NodeJS.Signals) => {
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    dir,
    remove: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
