// yibao budget <roster.csv> --year Y [--date YYYY-MM-DD] [--scenario s.json ...] [--json] [--out budget.csv] [--duplicates N|all]
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  budgetStream, budgetDocument, budgetCsv, duplicatesCut, notesOf, readCsvStream, toCsv, fmtGrouped, violationLine, bilingual,
  type Book, type BudgetOutcome, type Scenario, type Decimal, type Assumption,
} from '../engine';
import { writeAtomic } from './io';
import { fileChunks } from './bulk';

export interface BudgetCommand { input: string; year: number; date?: string; scenarios: Scenario[]; json: boolean; out?: string; maxDuplicateReports?: number }

const STATUS_ZH: Record<string, string> = { published: '已公布', assumed: '假设', derived: '推算' };

/** "linyi, luan 400（假设 assumed；…carried forward）" per distinct contribution standard of the cities. */
export function contributionLine(assumptions: Assumption[]): string {
  const byText = new Map<string, string[]>();
  for (const a of assumptions.filter((x) => x.name === 'contribution.individual')) {
    const t = `${a.value}（${STATUS_ZH[a.status] ?? a.status} ${a.status}${a.scenario ? `，情景 scenario ${a.scenario}` : ''}${a.carried ? `；${a.carried.zh}` : ''}）`;
    byText.set(t, [...(byText.get(t) ?? []), a.city]);
  }
  return byText.size === 0 ? '—' : [...byText].map(([t, cities]) => `${cities.join(', ')} ${t}`).join('；');
}

const CATEGORY_ZH: Record<string, string> = {
  extremely_poor: '特困人员', dibao: '低保对象', dibao_marginal: '低保边缘', expenditure_hardship: '支出型困难', unstable_alleviated: '脱贫不稳定',
  marginal_at_risk: '边缘易致贫', sudden_hardship: '突发严重困难', relapsed: '返贫致贫', monitored: '监测人口', alleviated: '脱贫人口',
  on_application: '依申请救助', ordinary: '普通居民',
};

/** A printed table, columns from `firstNumeric` on right-aligned. */
export function table(rows: string[][], firstNumeric = 3): string {
  const width = (s: string) => [...s].reduce((w, ch) => w + (/[\u1100-\uffff]/.test(ch) ? 2 : 1), 0);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => width(r[i] ?? ''))));
  const numeric = (i: number) => i >= firstNumeric;
  return rows.map((r) => r.map((c, i) => {
    const pad = ' '.repeat(widths[i] - width(c));
    return numeric(i) ? pad + c : i === r.length - 1 ? c : c + pad;
  }).join('  ')).join('\n') + '\n';
}

export function signed(x: Decimal): string {
  return x.isZero() ? '0.00' : x.isNeg() ? `-${fmtGrouped(x.abs())}` : `+${fmtGrouped(x)}`;
}

/** The printed table: persons and the three funds, then each scenario's funds and differences. */
export function budgetText(o: BudgetOutcome): string {
  const head = ['城市 city', '县区 county', '类别 category', '人数 persons', '医疗救助基金 assistance_fund', '县区财政 county_finance', '个人 individual'];
  const rows = o.rows.map((r) => [r.city, r.county, `${CATEGORY_ZH[r.category] ?? ''} ${r.category}`, String(r.persons), fmtGrouped(r.assistance_fund), fmtGrouped(r.county_finance), fmtGrouped(r.individual)]);
  const total = ['合计 total', '', '', String(o.totals.persons), fmtGrouped(o.totals.assistance_fund), fmtGrouped(o.totals.county_finance), fmtGrouped(o.totals.individual)];
  let text = `资助参保预算 enrolment-subsidy budget · ${o.year} 年 · 名单日期 roster date ${o.date} · 政策日期 rules date ${o.rulesDate ?? '—'}${o.basis ? ` · 基准为情景 basis: scenario “${o.basis}”` : ''}\n`;
  text += `个人缴费标准 contribution: ${contributionLine(o.assumptions)}\n`;
  for (const n of notesOf(o.rows)) text += `  ${n.city} ${n.category}: ${n.zh} (${n.en})\n`;
  text += table([head, ...rows, total]);
  for (const s of o.scenarios) {
    text += `\n情景 scenario “${s.name}”${s.city ? ` (${s.city})` : ''} 与基准之差 against the ${o.basis ? 'basis' : 'baseline'} · 个人缴费标准 contribution: ${contributionLine(s.assumptions)}\n`;
    const shead = ['城市 city', '县区 county', '类别 category', '人数 persons', '医疗救助基金 assistance_fund', '差额 diff', '县区财政 county_finance', '差额 diff', '个人 individual', '差额 diff'];
    const srows = s.rows.map((r, i) => [r.city, r.county, r.category, String(r.persons), fmtGrouped(r.assistance_fund), signed(s.diff[i].assistance_fund), fmtGrouped(r.county_finance), signed(s.diff[i].county_finance), fmtGrouped(r.individual), signed(s.diff[i].individual)]);
    const stotal = ['合计 total', '', '', String(s.totals.persons), fmtGrouped(s.totals.assistance_fund), signed(s.totalsDiff.assistance_fund), fmtGrouped(s.totals.county_finance), signed(s.totalsDiff.county_finance), fmtGrouped(s.totals.individual), signed(s.totalsDiff.individual)];
    text += table([shead, ...srows, stotal]);
    const own = s.violations.filter((v) => v.scenario);
    if (own.length === 0) text += '  ✓ 情景参数在已公布的范围内 (scenario values within the published ranges)\n';
    for (const v of own) text += `  ${violationLine(v)}\n`;
  }
  return text;
}

/** The accounting and the reports, for stderr. */
export function budgetReport(o: BudgetOutcome): string {
  const lines = [
    `读取 ${o.read} 行 = 计入 ${o.persons} 人 + 重复 ${o.duplicateRows} 行 + 名单日期不在待遇期 ${o.notInForce} 行 + 拒绝 ${o.rejections.length} 行 (read ${o.read} = persons ${o.persons} + duplicate rows ${o.duplicateRows} + not in force on ${o.date} ${o.notInForce} + rejected ${o.rejections.length})`,
  ];
  for (const d of o.duplicates) {
    lines.push(`  重复人员 duplicate person: 第 ${d.kept_line} 行 ${d.kept.city}/${d.kept.category} 计入，第 ${d.dropped_line} 行 ${d.dropped.city}/${d.dropped.category} 不计 (line ${d.kept_line} counted, line ${d.dropped_line} not: most favourable category in force)`);
  }
  const cut = duplicatesCut(o);
  if (cut) lines.push(`  …${cut.zh} (${cut.en})`);
  for (const r of o.rejections) lines.push(`第 ${r.line} 行被拒绝 (line ${r.line} rejected): ${bilingual(r.reason)}`);
  for (const v of o.violations) lines.push(`${violationLine(v)}`);
  return lines.join('\n') + '\n';
}

/** Returns the exit status: 0, or 3 when some rows were rejected. The roster is streamed, never read whole. */
export async function runBudget(book: Book, cmd: BudgetCommand, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Promise<number> {
  const size = cmd.input === '-' ? 0 : fileSize(cmd.input);
  const o = await budgetStream(book, readCsvStream(fileChunks(cmd.input)), { year: cmd.year, date: cmd.date, scenarios: cmd.scenarios, sizeHint: size ? Math.ceil(size / 40) : undefined, maxDuplicateReports: cmd.maxDuplicateReports });
  const json = JSON.stringify(budgetDocument(o), null, 2) + '\n';
  if (cmd.json) stdout.write(json);
  else stdout.write(budgetText(o));
  if (cmd.out) {
    const jsonFile = cmd.out.replace(/\.csv$/i, '') + '.json';
    writeAtomic(cmd.out, budgetCsv(o));
    writeAtomic(jsonFile, json);
    if (o.rejections.length) writeAtomic(`${cmd.out}.rejected.csv`, toCsv([['line', 'reason_zh', 'reason_en'], ...o.rejections.map((r) => [String(r.line), r.reason.zh, r.reason.en])]));
    stderr.write(`预算已写入 budget written to ${path.resolve(cmd.out)} 和 and ${path.resolve(jsonFile)}\n`);
  }
  stderr.write(budgetReport(o));
  return o.rejections.length ? 3 : 0;
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0; // fileChunks says why it cannot read the file
  }
}
