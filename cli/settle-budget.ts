// The issue-7 options of `yibao settle`: --roster (the category in force on each claim's date),
// --summary county,category,month (totals per group) and --compare s.json (what-if against the pack).
// Tables go to stdout when --out takes the results, else to stderr; with --out they are also written
// beside the results: <out>.summary.csv, <out>.compare.csv, <out>.compare-groups.csv,
// <out>.roster-differences.csv.
//
// Two ways to the same output: the bulk path (cli/bulk.ts runSettleBulk: group sums, what-if runs and
// the roster inside engine/bulk, in memory or in partitions) and the decimal path (cli/settle.ts:
// prepareBudgetOptions, settleLedger, finishBudgetOptions). Both print through printBudgetResults.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  readRoster, RosterIndex, rosterCategories, keepColumns, parseGroups, summarize, summaryTable, summaryHeadings,
  compareLedger, comparisonTable, comparisonGroupTable, toCsv, csvLine, bilingual, violationLine, YibaoError,
  type Book, type LedgerRow, type LedgerOutcome, type GroupKey, type ClaimColumns, type CategoryDifference,
  type Scenario, type Rejection, type LedgerGroups, type LedgerComparison,
} from '../engine';
import { readText, writeAtomic } from './io';
import { writeAll } from '../node/part-files';

export interface BudgetSettleOptions { summary?: string; compare?: Scenario[]; roster?: string; scenario?: Scenario; out?: string }

export interface Prepared {
  rows: Iterable<LedgerRow>;
  groups?: GroupKey[];
  columns: ClaimColumns;
  roster?: RosterIndex;
  differences?: CategoryDifference[];
  notOnRoster?: { count: number };
}

function table(rows: string[][]): string {
  const width = (s: string) => [...s].reduce((w, ch) => w + (/[\u1100-\uffff]/.test(ch) ? 2 : 1), 0);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => width(r[i] ?? ''))));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i] - width(c)))).join('  ')).join('\n') + '\n';
}

/** The options that cannot go together or cannot be read (usage errors); the groups of --summary. */
export function checkBudgetOptions(cmd: BudgetSettleOptions): GroupKey[] | undefined {
  if (cmd.compare?.length && cmd.scenario) {
    throw new YibaoError('--compare 与 --scenario 不能同时使用：比较总是以政策包本身为基准', '--compare and --scenario do not go together: a comparison is always against the pack itself', 'usage');
  }
  return cmd.summary !== undefined ? parseGroups(cmd.summary) : undefined;
}

/** The roster file read and indexed by person (its memory is the roster's); rejected rows to report. */
export function readRosterFile(book: Book, file: string): { index: RosterIndex; rejections: Rejection[] } {
  const r = readRoster(book, readText(file));
  return { index: new RosterIndex(book, r.entries), rejections: r.rejections };
}

export function printRosterRejections(rejections: Rejection[], stderr: NodeJS.WritableStream): void {
  for (const rej of rejections) stderr.write(`花名册第 ${rej.line} 行被拒绝 (roster line ${rej.line} rejected): ${bilingual(rej.reason)}\n`);
}

const DIFFERENCE_COLUMNS = ['line', 'claim_id', 'ledger_category', 'roster_category', 'reason_zh', 'reason_en'];
const SHOWN = 20;

/**
 * The claims settled under another category than the ledger's (--roster): counted, the first 20 kept
 * for stderr, and with --out every one written to <out>.roster-differences.csv as it comes (under a
 * temporary name, renamed by commit()), so that a province-scale ledger's list is never held in memory.
 */
export class RosterDifferences {
  count = 0;
  readonly first: CategoryDifference[] = [];
  private fd: number | null = null;
  private tmp = '';
  private pending: string[] = [];

  constructor(readonly file?: string) {}

  add(d: CategoryDifference): void {
    this.count++;
    if (this.first.length < SHOWN) this.first.push(d);
    if (this.file === undefined) return;
    this.pending.push(csvLine([String(d.line), d.claim_id, d.ledger, d.roster, d.reason.zh, d.reason.en]));
    if (this.pending.length >= 4096) this.flush();
  }

  private flush(): void {
    if (this.fd === null) {
      const dir = path.dirname(path.resolve(this.file!));
      fs.mkdirSync(dir, { recursive: true });
      this.tmp = path.join(dir, `.${path.basename(this.file!)}.${process.pid}.tmp`);
      this.fd = fs.openSync(this.tmp, 'w');
      this.pending.unshift(csvLine(DIFFERENCE_COLUMNS));
    }
    writeAll(this.fd, Buffer.from(this.pending.join(''), 'utf8'));
    this.pending = [];
  }

  /** The file complete: under its own name (a header only when no claim differs). */
  commit(): void {
    if (this.file === undefined) return;
    this.flush();
    fs.closeSync(this.fd!);
    this.fd = null;
    fs.renameSync(this.tmp, this.file);
  }

  /** The run failed or went another way: no file. */
  discard(): void {
    if (this.fd === null) return;
    fs.closeSync(this.fd);
    this.fd = null;
    fs.rmSync(this.tmp, { force: true });
  }
}

export function prepareBudgetOptions(book: Book, cmd: BudgetSettleOptions, input: Iterable<LedgerRow>, stderr: NodeJS.WritableStream): Prepared {
  const groups = checkBudgetOptions(cmd);
  let rows = input;
  const prepared: Partial<Prepared> = { groups };
  if (cmd.roster) {
    const r = readRosterFile(book, cmd.roster);
    printRosterRejections(r.rejections, stderr);
    prepared.roster = r.index;
    const w = rosterCategories(book, rows, prepared.roster);
    rows = w.rows;
    prepared.differences = w.differences;
    prepared.notOnRoster = w.notOnRoster;
  }
  const kept = keepColumns(rows, ['county', 'person_id']);
  prepared.columns = kept.columns;
  prepared.rows = cmd.compare?.length ? [...kept.rows] : kept.rows;
  return prepared as Prepared;
}

/** The decimal path's summary, comparison and roster differences (settleLedger's outcome), printed. */
export function finishBudgetOptions(book: Book, cmd: BudgetSettleOptions, p: Prepared, outcome: LedgerOutcome, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): void {
  const meta = { columns: p.columns, roster: p.roster };
  let differences: RosterDifferences | undefined;
  if (p.differences) {
    differences = new RosterDifferences(cmd.out ? `${cmd.out}.roster-differences.csv` : undefined);
    for (const d of p.differences) differences.add(d);
  }
  printBudgetResults(cmd, {
    differences,
    notOnRoster: p.notOnRoster?.count ?? 0,
    summary: p.groups ? summarize(outcome, p.groups, meta) : undefined,
    comparison: cmd.compare?.length ? compareLedger(book, p.rows as LedgerRow[], cmd.compare, { groups: p.groups, meta }) : undefined,
  }, stdout, stderr);
}

export interface BudgetResults {
  /** --roster: the claims whose category differs (commit() writes the file). */
  differences?: RosterDifferences;
  notOnRoster: number;
  /** --summary */
  summary?: LedgerGroups;
  /** --compare (by group with --summary) */
  comparison?: LedgerComparison;
}

/** Print (and with --out write) what the issue-7 options give, after the settlement summary. */
export function printBudgetResults(cmd: BudgetSettleOptions, r: BudgetResults, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): void {
  const tables = cmd.out ? stdout : stderr;
  if (r.differences) {
    const d = r.differences;
    stderr.write(`花名册：${d.count} 笔结算的类别与台账不同，${r.notOnRoster} 笔的人员不在花名册中（沿用台账类别） (roster: ${d.count} claims settled under a category other than the ledger's; ${r.notOnRoster} claims of persons not on the roster keep the ledger's)\n`);
    for (const x of d.first) stderr.write(`  第 ${x.line} 行 line ${x.line} · ${x.claim_id}: ${x.ledger || '—'} → ${x.roster} · ${bilingual(x.reason)}\n`);
    if (d.count > SHOWN) stderr.write(`  …另有 ${d.count - SHOWN} 笔 (and ${d.count - SHOWN} more${cmd.out ? `: ${cmd.out}.roster-differences.csv` : ''})\n`);
    d.commit();
  }
  if (r.summary) {
    const t = summaryTable(r.summary);
    tables.write(`\n分组汇总 totals by ${r.summary.groups.join(', ')}:\n`);
    tables.write(table([summaryHeadings(r.summary.groups), ...t.slice(1)]));
    if (cmd.out) writeAtomic(`${cmd.out}.summary.csv`, toCsv(t));
  }
  const c = r.comparison;
  if (c) {
    tables.write(`\n情景比较 what-if against the pack (${c.baseline.summary.settled} 笔结算 claims settled):\n`);
    tables.write(table(comparisonTable(c)));
    for (const s of c.scenarios) {
      const own = s.violations.filter((v) => v.scenario);
      if (own.length === 0) tables.write(`  ✓ ${s.name}: 未违反国家或省级底线 (no floor or ceiling broken)\n`);
      for (const v of own) tables.write(`  ${violationLine(v)}\n`);
    }
    if (cmd.out) {
      writeAtomic(`${cmd.out}.compare.csv`, toCsv(comparisonTable(c)));
      if (c.groups.length) {
        const rows = c.scenarios.flatMap((s, i) => comparisonGroupTable(c, s).slice(i === 0 ? 0 : 1).map((row, j) => [i === 0 && j === 0 ? 'scenario' : s.name, ...row]));
        writeAtomic(`${cmd.out}.compare-groups.csv`, toCsv(rows));
      }
    }
  }
}
