// yibao settle <claims.csv> [--out results.csv] [--scenario s.json] [--explain]
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  csvLedgerRows, settleLedger, resultsTable, rejectedTable, toCsv, summaryText, bilingual, nhsaResultsTable,
  resolveCity, YibaoError, type Book, type Scenario, type Convention,
} from '../engine';
import { readText, writeAtomic, runTempDir } from './io';
import { writeAll } from '../node/part-files';
import { progressBar } from './progress';
import { runSettleBulk, readChunks, writeMonthlyWarnings } from './bulk';
import { prepareBudgetOptions, finishBudgetOptions } from './settle-budget';

export interface SettleCommand {
  input: string; out?: string; scenario?: Scenario; explain: boolean;
  /** Output columns: the spec's or the national platform's names (default: the input's convention). */
  format?: string; city?: string; categoryColumn?: string;
  /** Issue 7: totals per group (e.g. "county,category,month"), what-if scenarios to compare, a roster for categories. */
  summary?: string; compare?: Scenario[]; roster?: string;
}

/** Returns the exit status: 0 all settled, 3 some rows rejected. */
export async function runSettle(book: Book, cmd: SettleCommand, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Promise<number> {
  if (cmd.format !== undefined && cmd.format !== 'spec' && cmd.format !== 'nhsa') throw new YibaoError(`--format 须为 nhsa 或 spec，而不是“${cmd.format}”`, `--format must be nhsa or spec, not "${cmd.format}"`, 'usage');
  if (cmd.city !== undefined) resolveCity(book, cmd.city); // an unknown --city stops the run, not every row
  if (cmd.input === '-') return withStdinFile((file) => runSettle(book, { ...cmd, input: file }, stdout, stderr));
  // The bulk path (cli/bulk.ts, docs/performance.md) takes every option but --explain: the same bytes
  // out. The decimal path below serves --explain, and a ledger the engine cannot partition (an id over
  // 4,096 bytes: runSettleBulk answers null), and nothing else.
  if (!cmd.explain) {
    const code = await runSettleBulk(book, { ...cmd, format: cmd.format as 'spec' | 'nhsa' | undefined }, stdout, stderr);
    if (code !== null) return code;
  }
  const read = csvLedgerRows(readText(cmd.input), { city: cmd.city, categoryColumn: cmd.categoryColumn });
  const convention = read.convention;
  const budget = prepareBudgetOptions(book, cmd, read.rows, stderr); // issue 7: --roster, --summary, --compare (cli/settle-budget.ts)
  const rows = budget.rows;
  const format = (cmd.format ?? convention) as Convention;
  const bar = progressBar(stderr, '结算 settling');
  const outcome = settleLedger(book, rows, { scenario: cmd.scenario, onProgress: bar.update });
  bar.done();
  const results = toCsv(format === 'nhsa' ? nhsaResultsTable(outcome, cmd.explain) : resultsTable(outcome, cmd.explain));
  if (cmd.out) {
    writeAtomic(cmd.out, results);
    const rejectedFile = `${cmd.out}.rejected.csv`;
    const rejected = rejectedTable(outcome, format);
    if (outcome.rejections.length) writeAtomic(rejectedFile, toCsv(rejected));
    stderr.write(`结果已写入 results written to ${path.resolve(cmd.out)}${outcome.rejections.length ? `\n被拒绝的行 rejected rows: ${path.resolve(rejectedFile)}` : ''}\n`);
  } else {
    stdout.write(results);
    for (const r of outcome.rejections) stderr.write(`第 ${r.line} 行被拒绝 (line ${r.line} rejected): ${bilingual(r.reason)}\n`);
  }
  writeMonthlyWarnings(cmd.out, outcome, stderr);
  if (cmd.scenario) stderr.write(`情景 scenario: ${cmd.scenario.name}\n`);
  stderr.write(summaryText(outcome));
  finishBudgetOptions(book, cmd, budget, outcome, stdout, stderr);
  return outcome.rejections.length ? 3 : 0;
}

/**
 * Standard input copied to a temporary file (checked as UTF-8 on the way), so that every path reads
 * it as a file: the bulk path, its partitions, and the decimal path (--explain, or a ledger the bulk path hands back).
 */
async function withStdinFile<T>(run: (file: string) => Promise<T>): Promise<T> {
  const temp = runTempDir('stdin');
  try {
    const file = path.join(temp.dir, 'stdin.csv');
    const fd = fs.openSync(file, 'w');
    try {
      readChunks('-', (chunk) => writeAll(fd, chunk));
    } finally {
      fs.closeSync(fd);
    }
    return await run(file);
  } finally {
    temp.remove();
  }
}
