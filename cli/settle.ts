// yibao settle <claims.csv> [--out results.csv] [--scenario s.json] [--explain]
import * as path from 'node:path';
import {
  csvLedgerRows, settleLedger, csvLine, fmt, fmtGrouped, explainLines, bilingual,
  type Book, type LedgerOutcome, type Scenario, type Violation,
} from '../engine';
import { readText, writeAtomic } from './io';
import { progressBar } from './progress';

export const RESULT_COLUMNS = ['claim_id', 'basic', 'critical', 'assistance', 'reassist', 'oop_compliant', 'oop_total', 'warning', 'notes'];

export function resultsCsv(outcome: LedgerOutcome, withExplain: boolean): string {
  const parts: string[] = [csvLine(withExplain ? [...RESULT_COLUMNS, 'explanation'] : RESULT_COLUMNS)];
  for (const r of outcome.results) {
    const findings = outcome.claimFindings.get(r.claim_id) ?? [];
    const notes = [...r.notes.map((n) => n.zh), ...findings.map((f) => `${f.zh}〔${f.source}〕`)].join('；');
    const row = [r.claim_id, fmt(r.basic), fmt(r.critical), fmt(r.assistance), fmt(r.reassist), fmt(r.oop_compliant), fmt(r.oop_total), r.warning === null ? '' : r.warning ? '1' : '0', notes];
    if (withExplain) row.push(explainLines(r).join('\n'));
    parts.push(csvLine(row));
  }
  return parts.join('');
}

export function rejectedCsv(outcome: LedgerOutcome): string {
  return csvLine(['line', 'claim_id', 'reason_zh', 'reason_en']) + outcome.rejections.map((r) => csvLine([String(r.line), r.claim_id ?? '', r.reason.zh, r.reason.en])).join('');
}

export function violationLine(v: Violation): string {
  const who = v.category ? `${v.city}/${v.category}` : v.city;
  const origin = v.scenario ? `情景“${v.scenario}”` : '政策包本身 (the pack itself)';
  return `  ✗ ${who}: ${v.zh}〔${v.source}〕 ${v.check}: ${v.left} vs ${v.right} — ${origin}; ${v.en}`;
}

export function summaryText(outcome: LedgerOutcome): string {
  const s = outcome.summary;
  const t = s.totals;
  const lines = [
    `读取 ${s.read} 行，结算 ${s.settled} 行，拒绝 ${s.rejected} 行 (read ${s.read}, settled ${s.settled}, rejected ${s.rejected})`,
    `合计 totals: 医疗总费用 total ${fmtGrouped(t.total)} · 合规费用 compliant ${fmtGrouped(t.compliant)}`,
    `  基本医保 basic ${fmtGrouped(t.basic)} · 大病保险 critical ${fmtGrouped(t.critical)} · 医疗救助 assistance ${fmtGrouped(t.assistance)} · 倾斜救助/再救助 reassist ${fmtGrouped(t.reassist)}`,
    `  政策范围内个人自付 oop_compliant ${fmtGrouped(t.oop_compliant)} · 个人负担总额 oop_total ${fmtGrouped(t.oop_total)}`,
  ];
  if (s.warnings) lines.push(`预警 ${s.warnings} 笔 (early warnings: ${s.warnings})`);
  const zero = [...outcome.claimFindings.values()].flat();
  if (zero.length) lines.push(`提示：${zero.length} 笔结算违反“${zero[0].zh}”〔${zero[0].source}〕 (${zero.length} claims: ${zero[0].en})`);
  if (outcome.policyViolations.length) {
    lines.push(`底线检查：${outcome.policyViolations.length} 项不符合国家或省级规定 (floor checks: ${outcome.policyViolations.length} broken)`);
    for (const v of outcome.policyViolations) lines.push(violationLine(v));
  }
  return lines.join('\n') + '\n';
}

export interface SettleCommand { input: string; out?: string; scenario?: Scenario; explain: boolean }

/** Returns the exit status: 0 all settled, 3 some rows rejected. */
export function runSettle(book: Book, cmd: SettleCommand, stdout: NodeJS.WritableStream, stderr: NodeJS.WriteStream | NodeJS.WritableStream): number {
  const text = readText(cmd.input);
  const { rows } = csvLedgerRows(text);
  const bar = progressBar(stderr, '结算 settling');
  const outcome = settleLedger(book, rows, { scenario: cmd.scenario, onProgress: bar.update });
  bar.done();
  const results = resultsCsv(outcome, cmd.explain);
  if (cmd.out) {
    writeAtomic(cmd.out, results);
    const rejectedFile = `${cmd.out}.rejected.csv`;
    if (outcome.rejections.length) writeAtomic(rejectedFile, rejectedCsv(outcome));
    stderr.write(`结果已写入 ${path.resolve(cmd.out)}${outcome.rejections.length ? `；被拒绝的行见 ${path.resolve(rejectedFile)}` : ''}\n`);
  } else {
    stdout.write(results);
    for (const r of outcome.rejections) stderr.write(`第 ${r.line} 行被拒绝 (line ${r.line} rejected): ${bilingual(r.reason)}\n`);
  }
  if (cmd.scenario) stderr.write(`情景 scenario: ${cmd.scenario.name}\n`);
  stderr.write(summaryText(outcome));
  return outcome.rejections.length ? 3 : 0;
}
