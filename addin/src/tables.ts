// The what-if tables: YIBAO.BUDGET (the engine's roster budget, by county × category × fund) and
// YIBAO.COMPARE (a claims range under a scenario against a baseline, tier by tier). Both spill a small
// table with a header row; amounts are numbers of the engine's two-decimal text, never recomputed here
// except COMPARE's difference against a baseline scenario (one exact Decimal subtraction per tier).
import {
  defaultBook, budgetRecords, runLedger, tableLedgerRows, fmt, normalizeName, YibaoError, TOTAL_FIELDS,
  type Scenario, type FundAmounts, type Rejection,
} from '../../engine';
import { cellText, isEmpty, yearArg } from './args';
import { claimRecords, FUNDS, type Spill } from './calc';
import { rawCsvLine } from './ledger';

/** The roster's date columns: a date cell there is a serial, read as a date (not as digits). */
const ROSTER_DATES = new Set(['included_on', 'exited_on']);
const BUDGET_FUNDS = { assistance_fund: '医疗救助基金 assistance_fund', county_finance: '县级财政 county_finance', individual: '个人缴费 individual' } as const;
type BudgetFund = keyof typeof BUDGET_FUNDS;

function budgetFunds(fund: unknown): BudgetFund[] {
  if (isEmpty(fund)) return ['assistance_fund', 'county_finance', 'individual'];
  const hit = FUNDS[normalizeName(String(fund)).toLowerCase()];
  if (hit === 'assistance_fund' || hit === 'county_finance' || hit === 'individual') return [hit];
  throw new YibaoError(
    `预算的资金“${String(fund)}”无效；可选：医疗救助基金 assistance、县级财政 county、个人 individual（省略则三项都列）`,
    `budget fund "${String(fund)}" is invalid; valid: assistance, county, individual (omitted: all three)`,
    'fund',
  );
}

/** The first rejections, for the table's last row: a budget must say what it did not count. */
function rejectedRow(rejections: Rejection[], width: number): (string | number)[] {
  const first = rejections.slice(0, 3).map((r) => `第 ${r.line} 行 ${r.reason.zh}`).join('；');
  const row: (string | number)[] = ['拒绝 rejected', rejections.length, `${first}${rejections.length > 3 ? ' …' : ''}`];
  while (row.length < width) row.push('');
  return row;
}

/**
 * The enrolment-subsidy budget of a roster (header first: person_id, city, category; optional
 * id_number, county, included_on, exited_on), as `yibao budget` computes it: persons in force on
 * 1 January of the year, by city, county and category, and what each fund pays; under a scenario,
 * the scenario's amounts. Rows the engine rejects are not counted and are named in a last row.
 */
export function budget(roster: unknown, year: unknown, fund: unknown, scenario?: Scenario): Spill {
  if (!Array.isArray(roster) || roster.length === 0 || !Array.isArray(roster[0])) {
    throw new YibaoError('roster 须为含表头的单元格区域', 'roster must be a range with a header row', 'fatal');
  }
  const funds = budgetFunds(fund);
  const range = roster as unknown[][];
  const header = range[0].map((c) => (isEmpty(c) ? '' : String(c)));
  const columns = header.map((c) => normalizeName(c).toLowerCase());
  const records = range.slice(1).flatMap((row, i) =>
    row.every(isEmpty) ? [] : [{ line: i + 2, cells: row.map((c, j) => cellText(c, ROSTER_DATES.has(columns[j]) ? 'date' : columns[j] ?? '')) }],
  );
  const book = defaultBook();
  const o = budgetRecords(book, header, records, { year: yearArg(year), scenarios: scenario ? [scenario] : [], sizeHint: records.length });
  const amounts = scenario ? o.scenarios[0] : { rows: o.rows, totals: o.totals };
  const cells = (r: FundAmounts) => [r.persons, ...funds.map((f) => Number(fmt(r[f])))];
  const out: Spill = [['城市 city', '区县 county', '类别 category', '人数 persons', ...funds.map((f) => BUDGET_FUNDS[f])]];
  amounts.rows.forEach((r) => {
    out.push([book.cities.get(r.city)?.zh ?? r.city, r.county, book.categories.get(r.category)?.zh ?? r.category, ...cells(r)]);
  });
  out.push(['合计 total', '', '', ...cells(amounts.totals)]);
  if (o.rejections.length) out.push(rejectedRow(o.rejections, out[0].length));
  return out;
}

const TIER_LABELS: Record<(typeof TOTAL_FIELDS)[number], string> = {
  total: '医疗总费用 total', compliant: '合规费用 compliant', basic: '基本医保 basic', critical: '大病保险 critical',
  assistance: '医疗救助 assistance', reassist: '倾斜救助/再救助 reassist', oop_compliant: '合规自付 oop_compliant', oop_total: '个人负担 oop_total',
};

/**
 * A claims range settled under `scenario` and under `baseline` (the policy packs when omitted) by the
 * engine's run on the columnar ledger, as `yibao settle --compare` and POST /api/scenarios/compare
 * settle: per tier the baseline's total, the scenario's and the difference.
 */
export async function compare(claims: unknown, scenario: Scenario | undefined, baseline?: Scenario): Promise<Spill> {
  if (!scenario) throw new YibaoError('COMPARE 需要一个情景', 'COMPARE needs a scenario', 'scenario');
  const { header, records } = claimRecords(claims);
  tableLedgerRows(header, []); // the engine's errors for a header it cannot use
  const csv = new TextEncoder().encode([header, ...records.map((r) => r.cells)].map(rawCsvLine).join(''));
  const { comparison: c } = await runLedger(defaultBook(), { source: () => [csv], input: { format: 'spec' }, whatIf: baseline ? [baseline, scenario] : [scenario] });
  if (!c) throw new Error('COMPARE: a run with what-if scenarios and no comparison');
  const base = baseline ? c.scenarios[0].summary : c.baseline.summary;
  const run = c.scenarios[c.scenarios.length - 1].summary;
  const out: Spill = [['保障 tier', `基准 ${baseline?.name ?? 'baseline'}`, `情景 ${scenario.name}`, '差额 difference']];
  for (const f of TOTAL_FIELDS) {
    out.push([TIER_LABELS[f], Number(fmt(base.totals[f])), Number(fmt(run.totals[f])), Number(fmt(run.totals[f].minus(base.totals[f])))]);
  }
  out.push(['结算笔数 settled', base.settled, run.settled, run.settled - base.settled]);
  out.push(['拒绝笔数 rejected', base.rejected, run.rejected, run.rejected - base.rejected]);
  return out;
}
