// A budget's outputs: JSON (the whole account: assumptions, figures, counts, rejected rows,
// duplicates, flags) and CSV (a header block of `#` rows carrying the same account, then the table).
import { fmt } from '../money';
import { csvLine } from '../csv';
import type { Message } from '../errors';
import type { BudgetOutcome, BudgetRow, BudgetNote, FundAmounts, Assumption } from '../budget';

/** The rows' notes, once per city, category and text. */
export function notesOf(rows: BudgetRow[]): BudgetNote[] {
  const seen = new Map<string, BudgetNote>();
  for (const r of rows) {
    for (const m of [r.per_person.note, r.per_person.reading]) {
      if (!m) continue;
      const key = `${r.city}\u0000${r.category}\u0000${m.zh}`;
      if (!seen.has(key)) seen.set(key, { city: r.city, category: r.category, zh: m.zh, en: m.en });
    }
  }
  return [...seen.values()];
}

/** Exactly {"year", "totals": {persons, assistance_fund, county_finance, individual}, "rows": [...]}, amounts as two-decimal strings. */
export function budgetJson(o: BudgetOutcome) {
  return {
    year: o.year,
    totals: { persons: o.totals.persons, assistance_fund: fmt(o.totals.assistance_fund), county_finance: fmt(o.totals.county_finance), individual: fmt(o.totals.individual) },
    rows: o.rows.map((r) => ({ city: r.city, county: r.county, category: r.category, persons: r.persons, assistance_fund: fmt(r.assistance_fund), county_finance: fmt(r.county_finance), individual: fmt(r.individual) })),
  };
}

function amountsJson(a: FundAmounts) {
  return { persons: a.persons, assistance_fund: fmt(a.assistance_fund), county_finance: fmt(a.county_finance), individual: fmt(a.individual) };
}

/** budgetJson plus, when there are scenarios, "scenarios": each one's totals, rows, differences and flags. */
export function budgetScenariosJson(o: BudgetOutcome) {
  const base = budgetJson(o);
  if (o.scenarios.length === 0) return base;
  return {
    ...base,
    scenarios: o.scenarios.map((s) => ({
      name: s.name,
      city: s.city ?? null,
      totals: amountsJson(s.totals),
      totals_diff: amountsJson(s.totalsDiff),
      rows: s.rows.map((r, i) => ({ city: r.city, county: r.county, category: r.category, ...amountsJson(r), diff: amountsJson(s.diff[i]) })),
      violations: s.violations,
    })),
  };
}

const FUNDS = ['assistance_fund', 'county_finance', 'individual'] as const;

/**
 * The budget as a table (header first, grand total last): the baseline's persons and funds, then for
 * each scenario its three funds and their differences from the baseline — a what-if sheet.
 */
export function budgetTable(o: BudgetOutcome): string[][] {
  const header = ['city', 'county', 'category', 'persons', ...FUNDS, ...o.scenarios.flatMap((s) => FUNDS.flatMap((f) => [`${s.name}: ${f}`, `${s.name}: ${f} diff`]))];
  const cells = (r: FundAmounts, i: number | null) => [
    String(r.persons), ...FUNDS.map((f) => fmt(r[f])),
    ...o.scenarios.flatMap((s) => FUNDS.flatMap((f) => {
      const sr = i === null ? s.totals : s.rows[i];
      const d = i === null ? s.totalsDiff : s.diff[i];
      return [fmt(sr[f]), fmt(d[f])];
    })),
  ];
  return [header, ...o.rows.map((r, i) => [r.city, r.county, r.category, ...cells(r, i)]), ['合计 total', '', '', ...cells(o.totals, null)]];
}

/** Said when the list of duplicate rows is cut, with how to get it whole; null when it is whole. */
export function duplicatesCut(o: { duplicates: unknown[]; duplicateRows: number }): (Message & { shown: number; total: number }) | null {
  if (o.duplicates.length >= o.duplicateRows) return null;
  const shown = o.duplicates.length, total = o.duplicateRows;
  return {
    shown, total,
    zh: `重复行只列出前 ${shown} 行（共 ${total} 行，均已计数）；要全部列出：命令行加 --duplicates all，HTTP 加 ?duplicates=all`,
    en: `only the first ${shown} of ${total} duplicate rows are listed (all are counted); to list them all: --duplicates all on the command line, ?duplicates=all over HTTP`,
  };
}

export function assumptionJson(a: Assumption) {
  return { city: a.city, name: a.name, value: a.value, status: a.status, source: a.source, note: a.note ?? null, carried: a.carried ?? null, scenario: a.scenario ?? null };
}

/**
 * The whole budget as JSON, as every surface answers it (`yibao budget --json`, POST /api/budget,
 * the monthly run): what it assumed, its figures and scenarios, and every row read accounted for.
 */
export function budgetDocument(o: BudgetOutcome) {
  const s = budgetScenariosJson(o) as ReturnType<typeof budgetJson> & { scenarios?: unknown[] };
  return {
    year: o.year,
    date: o.date,
    rules_date: o.rulesDate ?? null,
    basis: o.basis ?? null,
    assumptions: o.assumptions.map(assumptionJson),
    notes: notesOf(o.rows),
    totals: s.totals,
    rows: s.rows,
    ...(s.scenarios ? { scenarios: s.scenarios.map((x, i) => ({ ...(x as object), assumptions: o.scenarios[i].assumptions.map(assumptionJson) })) } : {}),
    ...rosterCountJson(o),
    violations: o.violations,
  };
}

type RosterCounts = Pick<BudgetOutcome, 'read' | 'persons' | 'duplicateRows' | 'notInForce' | 'rejections' | 'duplicates'>;

/** What a roster read gave, as the JSON fields of a budget (one-year and multi-year budgets alike). */
export function rosterCountJson(o: RosterCounts) {
  return {
    read: o.read,
    persons: o.persons,
    duplicate_rows: o.duplicateRows,
    not_in_force: o.notInForce,
    rejected: o.rejections.map((r) => ({ line: r.line, reason_zh: r.reason.zh, reason_en: r.reason.en })),
    duplicates: o.duplicates,
    duplicates_cut: duplicatesCut(o),
  };
}

/** What a roster read gave, as `#` rows of a header block (one-year and multi-year budgets alike). */
export function rosterCountRows(o: RosterCounts): string[][] {
  const cut = duplicatesCut(o);
  return [
    ['#read', String(o.read)],
    ['#persons', String(o.persons)],
    ['#duplicate_rows', String(o.duplicateRows)],
    ['#not_in_force', String(o.notInForce)],
    ['#rejected', String(o.rejections.length)],
    ...o.rejections.map((r) => ['#rejected_line', String(r.line), r.reason.zh, r.reason.en]),
    ...o.duplicates.map((d) => ['#duplicate', String(d.kept_line), String(d.dropped_line), d.kept.city, d.kept.category, d.dropped.city, d.dropped.category]),
    ...(cut ? [['#duplicates_cut', cut.zh, cut.en]] : []),
  ];
}

/**
 * The header block of the CSV: one `#` row per fact, so that the CSV alone says what the JSON says
 * (readers that skip `#` lines, as pandas' comment='#', see only the table):
 *   #year · #roster_date · #rules_date · #basis · #assumption (city, name, value, status, source,
 *   note, carried forward zh and en, scenario) · #note (city, category, zh, en: no subsidy, lapsed
 *   with the transition, rules read later than 1 January) · #read · #persons · #duplicate_rows · #not_in_force · #rejected (count) ·
 *   #rejected_line (line, reason_zh, reason_en) · #duplicate (kept_line, dropped_line, kept city and
 *   category, dropped city and category) · #duplicates_cut (zh, en) · #violation (city, category,
 *   rule, zh, en, check, left, right, scenario).
 */
export function budgetHeaderBlock(o: BudgetOutcome): string[][] {
  const a = (x: Assumption) => ['#assumption', x.city, x.name, x.value, x.status, x.source, x.note ?? '', x.carried?.zh ?? '', x.carried?.en ?? '', x.scenario ?? ''];
  return [
    ['#year', String(o.year)],
    ['#roster_date', o.date],
    ['#rules_date', o.rulesDate ?? ''],
    ['#basis', o.basis ?? ''],
    ...o.assumptions.map((x) => a(x)),
    ...o.scenarios.flatMap((s) => s.assumptions.filter((x) => x.scenario).map((x) => a(x))),
    ...notesOf(o.rows).map((n) => ['#note', n.city, n.category, n.zh, n.en]),
    ...rosterCountRows(o),
    ...[...o.violations, ...o.scenarios.flatMap((s) => s.violations.filter((v) => v.scenario))].map((v) => ['#violation', v.city, v.category ?? '', v.rule, v.zh, v.en, v.check, v.left, v.right, v.scenario ?? '']),
  ];
}

/** The header block, then the table (budgetTable). */
export function budgetCsv(o: BudgetOutcome): string {
  return [...budgetHeaderBlock(o), ...budgetTable(o)].map(csvLine).join('');
}
