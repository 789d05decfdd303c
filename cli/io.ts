// File helpers for the command line: strict UTF-8 reading and outputs that never look complete
// before they are (write to a temporary name, rename at the end).
import * as fs from 'node:fs';
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
