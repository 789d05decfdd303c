// The issue-7 options of `yibao settle`: --roster (the category in force on each claim's date),
// --summary county,category,month (totals per group) and --compare s.json (what-if against the pack).
// Tables go to stdout when --out takes the results, else to stderr; with --out they are also written
// beside the results: <out>.summary.csv, <out>.compare.csv, <out>.roster-differences.csv.
import {
  readRoster, RosterIndex, rosterCategories, keepColumns, parseGroups, summarize, summaryTable, summaryHeadings,
  compareLedger, comparisonTable, comparisonGroupTable, toCsv, bilingual, violationLine, YibaoError,
  type Book, type LedgerRow, type LedgerOutcome, type GroupKey, type ClaimColumns, type CategoryDifference, type Scenario,
} from '../engine';
import { readText, writeAtomic } from './io';

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

export function prepareBudgetOptions(book: Book, cmd: BudgetSettleOptions, input: Iterable<LedgerRow>, stderr: NodeJS.WritableStream): Prepared {
  if (cmd.compare?.length && cmd.scenario) {
    throw new YibaoError('--compare 与 --scenario 不能同时使用：比较总是以政策包本身为基准', '--compare and --scenario do not go together: a comparison is always against the pack itself', 'usage');
  }
  const groups = cmd.summary !== undefined ? parseGroups(cmd.summary) : undefined;
  let rows = input;
  const prepared: Partial<Prepared> = { groups };
  if (cmd.roster) {
    const r = readRoster(book, readText(cmd.roster));
    for (const rej of r.rejections) stderr.write(`花名册第 ${rej.line} 行被拒绝 (roster line ${rej.line} rejected): ${bilingual(rej.reason)}\n`);
    prepared.roster = new RosterIndex(book, r.entries);
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

export function finishBudgetOptions(book: Book, cmd: BudgetSettleOptions, p: Prepared, outcome: LedgerOutcome, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): void {
  const tables = cmd.out ? stdout : stderr;
  if (p.differences) {
    const d = p.differences;
    stderr.write(`花名册：${d.length} 笔结算的类别与台账不同，${p.notOnRoster!.count} 笔的人员不在花名册中（沿用台账类别） (roster: ${d.length} claims settled under a category other than the ledger's; ${p.notOnRoster!.count} claims of persons not on the roster keep the ledger's)\n`);
    for (const x of d.slice(0, 20)) stderr.write(`  第 ${x.line} 行 line ${x.line} · ${x.claim_id}: ${x.ledger || '—'} → ${x.roster} · ${bilingual(x.reason)}\n`);
    if (d.length > 20) stderr.write(`  …另有 ${d.length - 20} 笔 (and ${d.length - 20} more${cmd.out ? `: ${cmd.out}.roster-differences.csv` : ''})\n`);
    if (cmd.out) writeAtomic(`${cmd.out}.roster-differences.csv`, toCsv([['line', 'claim_id', 'ledger_category', 'roster_category', 'reason_zh', 'reason_en'], ...d.map((x) => [String(x.line), x.claim_id, x.ledger, x.roster, x.reason.zh, x.reason.en])]));
  }
  const meta = { columns: p.columns, roster: p.roster };
  if (p.groups) {
    const s = summarize(outcome, p.groups, meta);
    const t = summaryTable(s);
    tables.write(`\n分组汇总 totals by ${p.groups.join(', ')}:\n`);
    tables.write(table([summaryHeadings(p.groups), ...t.slice(1)]));
    if (cmd.out) writeAtomic(`${cmd.out}.summary.csv`, toCsv(t));
  }
  if (cmd.compare?.length) {
    const c = compareLedger(book, p.rows as LedgerRow[], cmd.compare, { groups: p.groups, meta });
    tables.write(`\n情景比较 what-if against the pack (${c.baseline.summary.settled} 笔结算 claims settled):\n`);
    tables.write(table(comparisonTable(c)));
    for (const s of c.scenarios) {
      const own = s.violations.filter((v) => v.scenario);
      if (own.length === 0) tables.write(`  ✓ ${s.name}: 未违反国家或省级底线 (no floor or ceiling broken)\n`);
      for (const v of own) tables.write(`  ${violationLine(v)}\n`);
    }
    if (cmd.out) {
      writeAtomic(`${cmd.out}.compare.csv`, toCsv(comparisonTable(c)));
      if (p.groups) {
        const rows = c.scenarios.flatMap((s, i) => comparisonGroupTable(c, s).slice(i === 0 ? 0 : 1).map((r, j) => [i === 0 && j === 0 ? 'scenario' : s.name, ...r]));
        writeAtomic(`${cmd.out}.compare-groups.csv`, toCsv(rows));
      }
    }
  }
}
