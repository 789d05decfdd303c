// Result tables shared by every shell (CSV files, HTTP bodies, Excel spills), so that the
// command line, the Functions app and the add-in write the same columns with the same numbers.
import { fmt, fmtGrouped } from './money';
import { csvLine } from './csv';
import { explainLines } from './explain';
import type { LedgerOutcome } from './ledger';
import type { Violation } from './floors';
import type { ClaimResult } from './types';
import { NHSA_OUTPUT_COLUMNS, type Convention } from './nhsa';

export const RESULT_COLUMNS = ['claim_id', 'basic', 'critical', 'assistance', 'reassist', 'oop_compliant', 'oop_total', 'warning', 'notes'] as const;
/** The result columns under the national platform's names (engine/nhsa.ts NHSA_OUTPUT_COLUMNS). */
export const NHSA_RESULT_COLUMNS: readonly string[] = NHSA_OUTPUT_COLUMNS.map((c) => c.nhsa);
export const REJECTED_COLUMNS = ['line', 'claim_id', 'reason_zh', 'reason_en'] as const;

/** One result row as text cells, in RESULT_COLUMNS order (plus the explanation if asked). */
export function resultCells(r: ClaimResult, findings: Violation[] = [], withExplain = false): string[] {
  const notes = [...r.notes.map((n) => n.zh), ...findings.map((f) => `${f.zh}〔${f.source}〕`)].join('；');
  const row = [r.claim_id, fmt(r.basic), fmt(r.critical), fmt(r.assistance), fmt(r.reassist), fmt(r.oop_compliant), fmt(r.oop_total), r.warning === null ? '' : r.warning ? '1' : '0', notes];
  if (withExplain) row.push(explainLines(r).join('\n'));
  return row;
}

export function resultsTable(outcome: LedgerOutcome, withExplain = false): string[][] {
  return [
    withExplain ? [...RESULT_COLUMNS, 'explanation'] : [...RESULT_COLUMNS],
    ...outcome.results.map((r) => resultCells(r, outcome.claimFindings.get(r.claim_id), withExplain)),
  ];
}

/** Rejected rows by line; under the platform's names (an export's results) the id column is setl_id. */
export function rejectedTable(outcome: LedgerOutcome, format: Convention = 'spec'): string[][] {
  const header: string[] = [...REJECTED_COLUMNS];
  if (format === 'nhsa') header[1] = 'setl_id';
  return [header, ...outcome.rejections.map((r) => [String(r.line), r.claim_id ?? '', r.reason.zh, r.reason.en])];
}

/** The monthly warning list (spec 10.6) as a table, for the sidecar file `<out>.monthly-warnings.csv`. */
export function monthlyWarningsTable(outcome: LedgerOutcome): string[][] {
  return [MONTHLY_COLUMNS.slice(), ...(outcome.monthlyWarnings ?? []).map((w) => [w.city, w.person_id, w.month, w.oop_total, w.line, String(w.claims)])];
}
export const MONTHLY_COLUMNS = ['city', 'person_id', 'month', 'oop_total', 'line', 'claims'] as const;

/** The early-warning list of claims (outcome.claimWarnings, asked for) as a table: the monthly run's `warnings.csv`. */
export function claimWarningsTable(outcome: LedgerOutcome): string[][] {
  if (!outcome.claimWarnings) throw new Error('claimWarningsTable: the run was not asked for its claim warnings');
  return [CLAIM_WARNING_COLUMNS.slice(), ...outcome.claimWarnings.map((w) => CLAIM_WARNING_COLUMNS.map((c) => w[c]))];
}
export const CLAIM_WARNING_COLUMNS = ['claim_id', 'city', 'category', 'date', 'kind', 'oop_compliant', 'oop_total'] as const;

export function toCsv(table: string[][]): string {
  return table.map(csvLine).join('');
}

export function violationLine(v: Violation): string {
  const who = v.category ? `${v.city}/${v.category}` : v.city;
  const origin = v.scenario ? `情景“${v.scenario}”` : '政策包本身 (the pack itself)';
  // A floor's words are a paraphrase of its clause, never a quotation (spec 10.4): said so, no quotation marks.
  return `✗ ${who}: ${v.zh}（大意 paraphrase）〔${v.source}〕 ${v.check}: ${v.left} vs ${v.right} — ${origin}; ${v.en}`;
}

/** The run's summary in words: rows accounted for, totals per tier, warnings, broken floors. */
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
  const monthly = outcome.monthlyWarnings?.length ?? 0;
  if (monthly) lines.push(`按月预警 ${monthly} 人次：某人某月个人负担合计超过预警线 (monthly warnings: ${monthly} person-months over the line)`);
  const findings = [...outcome.claimFindings.values()].flat();
  const claims = outcome.findingClaims ?? findings.length;
  if (findings.length === claims && claims) lines.push(`提示：${claims} 笔结算违反“${findings[0].zh}”〔${findings[0].source}〕 (${claims} claims: ${findings[0].en})`);
  else if (findings.length) {
    // some claims break more than one rule: count claims and findings apart, and name the first
    lines.push(`提示：${claims} 笔结算违反底线规则，共 ${findings.length} 项，首项“${findings[0].zh}”〔${findings[0].source}〕 (${claims} claims, ${findings.length} findings; the first: ${findings[0].en})`);
  }
  if (outcome.policyViolations.length) {
    lines.push(`底线检查：${outcome.policyViolations.length} 项不符合国家或省级规定 (floor checks: ${outcome.policyViolations.length} broken)`);
    for (const v of outcome.policyViolations) lines.push(`  ${violationLine(v)}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * The results under the national platform's field names (engine/nhsa.ts NHSA_OUTPUT_COLUMNS), so
 * they join back to a 国家医保信息平台 export by setl_id. maf_assist_pay and maf_reassist_pay are
 * this product's names for the two parts of maf_pay, not the platform's.
 */
export function nhsaResultsTable(outcome: LedgerOutcome, withExplain = false): string[][] {
  return [
    withExplain ? [...NHSA_RESULT_COLUMNS, 'explanation'] : [...NHSA_RESULT_COLUMNS],
    ...outcome.results.map((r) => {
      // resultCells: claim_id, basic, critical, assistance, reassist, oop_compliant, oop_total, warning, notes[, explanation]
      const cells = resultCells(r, outcome.claimFindings.get(r.claim_id), withExplain);
      const maf = r.assistance.plus(r.reassist);
      const fund = r.basic.plus(r.critical).plus(maf);
      return [cells[0], fmt(r.basic), fmt(r.critical), fmt(maf), fmt(r.assistance), fmt(r.reassist), fmt(fund), fmt(r.oop_total), ...cells.slice(7)];
    }),
  ];
}
