// yibao budget <roster.csv> --years 2026-2030 [--date YYYY-MM-DD] [--scenario s.json ...] [--json] [--out budget.csv]
// [--claims last-year.csv]: --out writes budget.csv (header block and the long table), budget.json,
// budget.svg (funds by year) and, with --claims, budget.fund.csv (the re-settled ledger by county).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { budgetYears, yearsDocument, yearsCsv, yearsSvg, fundTable, toCsv, notesOf, readCsvStream, fmtGrouped, bilingual, violationLine, duplicatesCut, type Book, type Scenario, type YearsOutcome, type FundAmounts } from '../engine';
import { writeAtomic } from './io';
import { fileChunks } from './bulk';
import { contributionLine, table, signed } from './budget';

export interface BudgetYearsCommand { input: string; from: number; to: number; date?: string; scenarios: Scenario[]; json: boolean; out?: string; maxDuplicateReports?: number; claims?: string }

/** The printed summary: per year the basis's funds and contribution, then each scenario's and its difference. */
export function yearsText(o: YearsOutcome): string {
  const head = ['年度 year', '情景 scenario', '人数 persons', '医疗救助基金 assistance_fund', '县区财政 county_finance', '个人 individual', '救助基金差额 fund diff'];
  const line = (year: number, name: string, t: FundAmounts, d?: FundAmounts) => [String(year), name, String(t.persons), fmtGrouped(t.assistance_fund), fmtGrouped(t.county_finance), fmtGrouped(t.individual), d ? signed(d.assistance_fund) : ''];
  const rows = o.years.flatMap((y) => [line(y.year, y.basis ? `基准 basis (${y.basis})` : '基准 basis', y.totals), ...y.scenarios.map((s) => line(y.year, s.name, s.totals, s.totalsDiff))]);
  let text = `资助参保预算 enrolment-subsidy budget · ${o.from}–${o.to} · 名单日期 roster date ${o.date}\n`;
  text += table([head, ...rows], 2);
  for (const y of o.years) {
    text += `${y.year} 个人缴费标准 contribution: ${contributionLine(y.assumptions)}`;
    for (const s of y.scenarios) {
      const c = s.assumptions.some((a) => a.name === 'contribution.individual' && a.scenario) ? `；情景 ${s.name}: ${contributionLine(s.assumptions)}` : '';
      const g = [s.growth.contribution ? `contribution ${s.growth.contribution}` : '', ...Object.entries(s.growth.persons).map(([k, r]) => `persons.${k} ${r}`)].filter(Boolean);
      text += c + (g.length ? `；增长 growth (${s.name}): ${g.join(', ')}` : '');
    }
    text += '\n';
    for (const n of notesOf(y.rows)) text += `  ${n.city} ${n.category}: ${n.zh}\n`;
    if (y.fund) {
      const need = (t: FundAmounts, f: typeof y.fund.basis) => t.assistance_fund.plus(f.assistance).plus(f.reassist);
      const runs = [['基准 basis', y.totals, y.fund.basis] as const, ...y.fund.scenarios.map((f, i) => [y.scenarios[i].name, y.scenarios[i].totals, f] as const)];
      for (const [name, t, f] of runs) {
        text += `  ${y.year} ${name}: 资助参保 subsidies ${fmtGrouped(t.assistance_fund)} + 医疗救助 assistance ${fmtGrouped(f.assistance)} + 再救助 re-assistance ${fmtGrouped(f.reassist)} = 医疗救助基金 fund need ${fmtGrouped(need(t, f))}（台账 ledger: ${f.settled} 笔结算 settled, ${f.rejected} 笔拒绝 rejected, 金额系数 claims factor ${f.factor.toString()}）\n`;
      }
    }
  }
  return text;
}

export async function runBudgetYears(book: Book, cmd: BudgetYearsCommand, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Promise<number> {
  const size = cmd.input === '-' ? 0 : (fs.statSync(cmd.input, { throwIfNoEntry: false })?.size ?? 0);
  const o = await budgetYears(book, readCsvStream(fileChunks(cmd.input)), { from: cmd.from, to: cmd.to, date: cmd.date, scenarios: cmd.scenarios, sizeHint: size ? Math.ceil(size / 40) : undefined, maxDuplicateReports: cmd.maxDuplicateReports, claims: cmd.claims ? { source: () => fileChunks(cmd.claims!) } : undefined });
  const json = JSON.stringify(yearsDocument(o), null, 2) + '\n';
  stdout.write(cmd.json ? json : yearsText(o));
  if (cmd.out) {
    const base = cmd.out.replace(/\.csv$/i, '');
    writeAtomic(cmd.out, yearsCsv(o));
    writeAtomic(`${base}.json`, json);
    writeAtomic(`${base}.svg`, yearsSvg(o));
    if (cmd.claims) writeAtomic(`${base}.fund.csv`, toCsv(fundTable(o)));
    stderr.write(`预算已写入 budget written to ${path.resolve(cmd.out)}、${path.resolve(`${base}.json`)} 和 and ${path.resolve(`${base}.svg`)}\n`);
  }
  stderr.write(`读取 ${o.read} 行 = 计入 ${o.persons} 人 + 重复 ${o.duplicateRows} 行 + 名单日期不在待遇期 ${o.notInForce} 行 + 拒绝 ${o.rejections.length} 行 (read ${o.read} = persons ${o.persons} + duplicate rows ${o.duplicateRows} + not in force on ${o.date} ${o.notInForce} + rejected ${o.rejections.length})\n`);
  const cut = duplicatesCut(o);
  if (cut) stderr.write(`  …${cut.zh} (${cut.en})\n`);
  for (const r of o.rejections) stderr.write(`第 ${r.line} 行被拒绝 (line ${r.line} rejected): ${bilingual(r.reason)}\n`);
  for (const y of o.years) for (const v of [...y.violations, ...y.scenarios.flatMap((s) => s.violations)]) stderr.write(`${y.year}: ${violationLine(v)}\n`);
  return o.rejections.length ? 3 : 0;
}
