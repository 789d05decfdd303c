// File I/O for the bulk path (engine/bulk is pure): read a ledger file in chunks, check it is UTF-8 as
// cli/io.ts readText does, settle, and write the results and rejected rows as `yibao settle` does.
// The Functions app can do the same with a blob's chunks: new BulkLedger(book, { scenario }),
// push(chunk) …, end(), writeResults(sink), outcome() (see docs/performance.md).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isUtf8 } from 'node:buffer';
import { rejectedTable, toCsv, summaryText, bilingual, YibaoError, type Book, type Scenario } from '../engine';
import { BulkLedger, BulkUnsupported } from '../engine/bulk/ledger';
import { writeAtomic } from './io';

const CHUNK = 1 << 20;

function notUtf8(file: string): YibaoError {
  return new YibaoError(`文件 ${file} 不是 UTF-8 编码（可能是 GBK）：请另存为“CSV UTF-8”后重试`, `${file} is not UTF-8 (GBK?): save it as "CSV UTF-8" and try again`, 'fatal');
}

/** Read a ledger file into a BulkLedger in chunks; throws BulkUnsupported when the run needs settleLedger. */
export function settleFileBulk(book: Book, file: string, scenario?: Scenario): BulkLedger {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new YibaoError(`无法读取文件 ${file}（${code ?? (e as Error).message}）`, `cannot read ${file} (${code ?? (e as Error).message})`, 'fatal');
  }
  let rowsHint = 0;
  try {
    rowsHint = Math.min(50_000_000, Math.round(fs.fstatSync(fd).size / 80));
  } catch {
    // not a regular file: no hint
  }
  const ledger = new BulkLedger(book, { scenario, rowsHint });
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    let tail: Buffer = Buffer.alloc(0); // bytes after the last line break, not yet checked as UTF-8
    for (;;) {
      const n = fs.readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      const chunk = buf.subarray(0, n);
      // a line break is never inside a UTF-8 sequence: check up to the last one, carry the rest
      const cut = chunk.lastIndexOf(10) + 1;
      const head = tail.length ? Buffer.concat([tail, chunk.subarray(0, cut)]) : chunk.subarray(0, cut);
      if (cut > 0) {
        if (!isUtf8(head)) throw notUtf8(file);
        tail = Buffer.from(chunk.subarray(cut));
      } else {
        tail = Buffer.concat([tail, chunk]);
      }
      ledger.push(chunk);
    }
    if (tail.length && !isUtf8(tail)) throw notUtf8(file);
  } finally {
    fs.closeSync(fd);
  }
  ledger.end();
  return ledger;
}

/** Write the results CSV to a file the way writeAtomic does (a temporary name, renamed at the end). */
export function writeResultsFile(ledger: BulkLedger, file: string): void {
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  try {
    ledger.writeResults((bytes) => {
      let off = 0;
      while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
    });
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

export interface BulkSettleCommand { input: string; out?: string; scenario?: Scenario }

/**
 * `yibao settle` on the bulk path: the same files, messages and exit status as cli/settle.ts runSettle
 * for a plain run (spec column names, no explanations). Returns null when the file needs the
 * ordinary path (then nothing has been written).
 */
export function runSettleBulk(book: Book, cmd: BulkSettleCommand, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): number | null {
  if (cmd.input === '-') return null;
  let ledger: BulkLedger;
  try {
    ledger = settleFileBulk(book, cmd.input, cmd.scenario);
  } catch (e) {
    if (e instanceof BulkUnsupported) return null;
    throw e;
  }
  const outcome = ledger.outcome();
  if (cmd.out) {
    writeResultsFile(ledger, cmd.out);
    const rejectedFile = `${cmd.out}.rejected.csv`;
    if (outcome.rejections.length) writeAtomic(rejectedFile, toCsv(rejectedTable(outcome)));
    stderr.write(`结果已写入 results written to ${path.resolve(cmd.out)}${outcome.rejections.length ? `\n被拒绝的行 rejected rows: ${path.resolve(rejectedFile)}` : ''}\n`);
  } else {
    ledger.writeResults((bytes) => stdout.write(Buffer.from(bytes)));
    for (const r of outcome.rejections) stderr.write(`第 ${r.line} 行被拒绝 (line ${r.line} rejected): ${bilingual(r.reason)}\n`);
  }
  if (cmd.scenario) stderr.write(`情景 scenario: ${cmd.scenario.name}\n`);
  stderr.write(summaryText(outcome));
  return outcome.rejections.length ? 3 : 0;
}
