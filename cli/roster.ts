// yibao roster apply <current.csv> <changes.csv> [--month YYYY-MM] [--out new.csv]
import * as path from 'node:path';
import { readRoster, applyChanges, rosterCsv, bilingual, YibaoError, type Book } from '../engine';
import { readText, writeAtomic } from './io';

export interface RosterApplyCommand { current: string; changes: string; month?: string; out?: string }

/** Returns the exit status: 0, or 3 when rows of either file were rejected. */
export function runRosterApply(book: Book, cmd: RosterApplyCommand, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): number {
  if (cmd.month !== undefined && !/^\d{4}-(0[1-9]|1[0-2])$/.test(cmd.month)) throw new YibaoError(`--month 须为 YYYY-MM，而不是“${cmd.month}”`, `--month must be YYYY-MM, not "${cmd.month}"`, 'usage');
  const current = readRoster(book, readText(cmd.current));
  const o = applyChanges(book, current, readText(cmd.changes), cmd.month);
  const csv = rosterCsv(o.entries);
  if (cmd.out) {
    writeAtomic(cmd.out, csv);
    stderr.write(`新花名册已写入 new roster written to ${path.resolve(cmd.out)}（身份证号码已脱敏 ID numbers masked）\n`);
  } else {
    stdout.write(csv);
  }
  for (const r of o.rosterRejections) stderr.write(`花名册第 ${r.line} 行被拒绝，未写入新花名册 (roster line ${r.line} rejected, left out of the new roster): ${bilingual(r.reason)}\n`);
  for (const r of o.changeRejections) stderr.write(`变动第 ${r.line} 行未执行 (change line ${r.line} not applied): ${bilingual(r.reason)}\n`);
  const applied = o.applied.add + o.applied.remove + o.applied.change;
  stderr.write(
    `花名册读取 ${o.read.roster} 行 = 有效 ${o.read.roster - o.rosterRejections.length} + 拒绝 ${o.rosterRejections.length}；变动读取 ${o.read.changes} 行 = 执行 ${applied}（新增 ${o.applied.add}、退出 ${o.applied.remove}、变更 ${o.applied.change}）+ 未执行 ${o.changeRejections.length}\n` +
    `(roster: read ${o.read.roster} = valid ${o.read.roster - o.rosterRejections.length} + rejected ${o.rosterRejections.length}; changes: read ${o.read.changes} = applied ${applied} (add ${o.applied.add}, remove ${o.applied.remove}, change ${o.applied.change}) + not applied ${o.changeRejections.length})\n`,
  );
  return o.rosterRejections.length || o.changeRejections.length ? 3 : 0;
}
