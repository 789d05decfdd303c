// yibao settle <claims.csv> [--out results.csv] [--scenario s.json] [--explain]
import * as path from 'node:path';
import { csvLedgerRows, settleLedger, resultsTable, rejectedTable, toCsv, summaryText, bilingual, type Book, type Scenario } from '../engine';
import { readText, writeAtomic } from './io';
import { progressBar } from './progress';

export interface SettleCommand { input: string; out?: string; scenario?: Scenario; explain: boolean }

/** Returns the exit status: 0 all settled, 3 some rows rejected. */
export function runSettle(book: Book, cmd: SettleCommand, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): number {
  const { rows } = csvLedgerRows(readText(cmd.input));
  const bar = progressBar(stderr, '结算 settling');
  const outcome = settleLedger(book, rows, { scenario: cmd.scenario, onProgress: bar.update });
  bar.done();
  const results = toCsv(resultsTable(outcome, cmd.explain));
  if (cmd.out) {
    writeAtomic(cmd.out, results);
    const rejectedFile = `${cmd.out}.rejected.csv`;
    if (outcome.rejections.length) writeAtomic(rejectedFile, toCsv(rejectedTable(outcome)));
    stderr.write(`结果已写入 results written to ${path.resolve(cmd.out)}${outcome.rejections.length ? `\n被拒绝的行 rejected rows: ${path.resolve(rejectedFile)}` : ''}\n`);
  } else {
    stdout.write(results);
    for (const r of outcome.rejections) stderr.write(`第 ${r.line} 行被拒绝 (line ${r.line} rejected): ${bilingual(r.reason)}\n`);
  }
  if (cmd.scenario) stderr.write(`情景 scenario: ${cmd.scenario.name}\n`);
  stderr.write(summaryText(outcome));
  return outcome.rejections.length ? 3 : 0;
}
