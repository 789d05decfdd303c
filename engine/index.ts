// The engine's front door for the shells (command line, Excel add-in, Azure Functions). It knows
// nothing of any of them: plain values in, plain values out, errors as YibaoError (Chinese + English).
import type DecimalBase from 'decimal.js';
import { library } from '../policy';
import { loadBook, type Book } from './policy/load';
import { resolveCategory, resolveCity } from './catalog';
import { paramsAt, rulesFor, contributionFor } from './policy/resolve';
import { valueText } from './policy/schema';
import { amountFrom, ZERO } from './money';
import { runStep, settleClaim, newYearState } from './chain/decimal';
import { KIND_CODES, planOf } from './chain/plan';
import { parseKind, parseDate, checkAmounts, checkKind } from './claims';
import { YibaoError, bilingual } from './errors';
import { statusText } from './explain';
import { lapsedIn, transitionEnded } from './policy/transition';
import type { Scenario } from './scenario';
import type { CategoryId, ClaimResult, ParamEntry } from './types';

export { YibaoError, bilingual } from './errors';
export type { Message } from './errors';
export { Decimal, round2, fmt, fmtGrouped, parseAmount, amountFrom } from './money';
export { loadBook } from './policy/load';
export type { Book, CityDef, CategoryDef, FloorRule } from './policy/load';
export { resolveCity, resolveCategory, categoryChoices, normalizeName } from './catalog';
export { paramsAt, contributionFor, versionsAt } from './policy/resolve';
export { valueText } from './policy/schema';
export { parseScenario, scenarioFrom, scenarioData, scenarioWire, scenarioOfWire, parseJsonData } from './scenario';
export type { Scenario, ScenarioWire } from './scenario';
export { settleLedger, csvLedgerRows, tableLedgerRows, emptyTotals, policyViolationsOf } from './ledger';
export { validateClaim } from './claims';
export { PartWriter, linesOf, mergeOutcomes, mergeResultsByLine } from './bulk/partition';
export type { ChunkReader, PartStream, PartSummary } from './bulk/partition';
export * from './run';
export { BulkLedger, BulkUnsupported, settleBulk } from './ledger/bulk';
export type { BulkOptions, BulkRoster, IdsExport, RecordBatch } from './ledger/bulk';
export { ndjsonRow, TextLines } from './ledger/ndjson';
export { RESULT_COLUMNS, REJECTED_COLUMNS, MONTHLY_COLUMNS, CLAIM_WARNING_COLUMNS, resultCells, resultsTable, rejectedTable, monthlyWarningsTable, claimWarningsTable, toCsv, summaryText, violationLine } from './output';
export type { MonthlyWarning } from './ledger/monthly';
export type { ClaimWarning } from './ledger/warnings';
export type { LedgerOutcome, LedgerSummary, Totals } from './ledger';
export type { LedgerRow } from './claims';
export { subsidyFor } from './subsidy';
export type { SubsidySplit } from './subsidy';
export { checkPolicy, checkClaim } from './floors';
export type { Violation } from './floors';
export { explainLines, explainText, citations, statusZh, statusText, STATUS_TEXT } from './explain';
export { readCsv, readCsvStream, csvLine, csvCell } from './csv';
export type { CsvRecord } from './csv';
export { CLAIM_COLUMNS, REQUIRED_COLUMNS, parseKind, parseDate } from './claims';
export type * from './types';
export { nhsaResultsTable } from './output';
export { NHSA_INPUT_FIELDS, NHSA_OUTPUT_COLUMNS, MED_TYPES, CATEGORY_HEADERS, CITY_HEADERS, kindOfMedType, dateOfSetlTime, maskCertno, certnoChecks, headerPlan } from './nhsa';
export type { Convention, LedgerHeaderOptions, NhsaField, MedType } from './nhsa';
export { totalsJson, summarize, parseGroups, keepColumns, claimTotals, summaryTable, summaryHeadings, summaryJson, GROUP_KEYS, UNKNOWN_KEY, TOTAL_FIELDS } from './summary';
export type { GroupKey, SummaryMeta, SummaryRow, LedgerGroups, ClaimColumns, CountySource } from './summary';
export { compareLedger, comparisonTable, comparisonGroupTable, comparisonJson, signed } from './compare';
export type { LedgerComparison, ScenarioResult, GroupDiff, CompareOptions } from './compare';
export { readRoster, RosterReader, RosterIndex, rosterHeader, checkIdNumber, idCheckDigit, maskIdNumber, benefitWindow, startsNextMonth, inForce, lastDayOfMonth, firstOfNextMonth, Favour, CATEGORY_ORDER, ROSTER_COLUMNS, ROSTER_OUT_COLUMNS } from './roster';
export type { RosterEntry, RosterRead } from './roster';
export { rosterCategories } from './roster-claims';
export type { CategoryDifference } from './roster-claims';
export { applyChanges, rosterCsv, CHANGE_COLUMNS } from './roster-apply';
export type { ApplyOutcome } from './roster-apply';
export { budgetRecords, budgetRecordsAsync, budgetStream, budgetRoster, budgetPlan, duplicatesOption, DEFAULT_DUPLICATE_REPORTS, type BudgetPlan, type Count } from './budget';
export { mergeCounts } from './budget/count';
export { splitRoster, lineRecord } from './budget/split';
export { budgetJson, budgetScenariosJson, budgetTable, budgetCsv, budgetDocument, budgetHeaderBlock, duplicatesCut, notesOf } from './budget/output';
export type { BudgetOptions, BudgetOutcome, BudgetRow, BudgetScenario, DuplicateReport, FundAmounts, Assumption, BudgetNote } from './budget';
export { budgetYears, yearsOption } from './budget/years';
export type { YearsOptions, YearsOutcome, YearBudget, YearScenario } from './budget/years';
export { yearsDocument, yearsCsv, yearsSvg, yearsTable, fundTable, YEARS_COLUMNS } from './budget/years-output';
export { movedLedger, moveDate, claimsFactor } from './budget/fund';

let embedded: Book | undefined;

/** The policy library shipped with the engine, validated once. */
export function defaultBook(): Book {
  return (embedded ??= loadBook(library));
}

/** Today in China (UTC+8, no daylight saving), as YYYY-MM-DD: the default policy date. */
export function todayInChina(now = new Date()): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

export interface OneClaimInput {
  compliant: number | string;
  category: unknown;
  city: unknown;
  date?: string;
  basic_paid?: number | string | null;
  total?: number | string | null;
  kind?: string | null;
}

/** One claim through every tier, with nothing earlier in the year (Excel's YIBAO.SETTLE). */
export function settleOne(input: OneClaimInput, scenario?: Scenario, book: Book = defaultBook()): ClaimResult {
  const city = resolveCity(book, input.city);
  const category = resolveCategory(book, city, input.category);
  const date = parseDate(input.date ?? todayInChina());
  const compliant = amountFrom(input.compliant, 'compliant 合规费用');
  const total = input.total === undefined || input.total === null ? compliant : amountFrom(input.total, 'total 医疗总费用');
  const basic_paid = input.basic_paid === undefined || input.basic_paid === null ? undefined : amountFrom(input.basic_paid, 'basic_paid 基本医保支付');
  checkAmounts(total, compliant, basic_paid);
  const kind = input.kind ? parseKind(input.kind) : 'inpatient';
  const params = paramsAt(book, city, date, scenario);
  const plan = planOf(rulesFor(city, params, category), params);
  checkKind(city, kind, plan);
  return settleClaim({ claim_id: '1', person_id: '1', category, city: city.id, date, kind, total, compliant, basic_paid, seq: 0 }, plan, newYearState());
}

export interface TierOnAmount { paid: DecimalBase; cap_reached: boolean; params: ParamEntry[]; note?: string }

/**
 * One tier alone on an amount that already is that tier's input (Excel's ASSIST, CRITICAL, REASSIST):
 * a single claim with nothing earlier in the year.
 */
export function tierOn(tier: 'critical' | 'assistance' | 'reassist', amount: number | string, categoryIn: unknown, cityIn: unknown, date?: string, scenario?: Scenario, book: Book = defaultBook()): TierOnAmount {
  const city = resolveCity(book, cityIn);
  const category = resolveCategory(book, city, categoryIn);
  const d = parseDate(date ?? todayInChina());
  const x = amountFrom(amount, '金额 amount');
  const params = paramsAt(book, city, d, scenario);
  // the tier's step of a hospital stay's chain, run alone on a fresh account
  const plan = planOf(rulesFor(city, params, category), params);
  const step = plan.chains[KIND_CODES.indexOf('inpatient')]!.steps.find((s) => s.tier === tier)!;
  const r = runStep(plan, step, { base: ZERO, paid: ZERO }, x, {});
  return { paid: r.paid, cap_reached: r.cap_reached, params: r.params, note: r.note && bilingual(r.note) };
}

/** The early-warning flag for an out-of-pocket amount; null where the city publishes no threshold. */
export function warningFor(oop: number | string, categoryIn: unknown, cityIn: unknown, date?: string, book: Book = defaultBook()): boolean | null {
  const city = resolveCity(book, cityIn);
  const category = resolveCategory(book, city, categoryIn);
  const params = paramsAt(book, city, parseDate(date ?? todayInChina()));
  const w = rulesFor(city, params, category).warning;
  return w === null ? null : amountFrom(oop, 'oop 个人负担').gt(w.threshold);
}

export interface ParamLabel { zh: string; en: string }
export interface ParamRow {
  name: string; value: string; status: string; source: string; effective: string; quote?: string; note?: string; file: string; scenario?: string; was?: string;
  /** The status in words: 已公布 published, 推算 derived, 假设值 assumed, 情景值 scenario (spec 10.4). */
  status_text: string;
  /** "2027 年未设定，沿用 2026 年 400 元（假设） (…)": a per-year value carried forward (spec 10.3). */
  carried?: string;
  /** "过渡期已结束（假设 2025-12-31） (…)": a transitional rule that no longer applies on the date (spec 10.2). */
  lapsed?: string;
  /** The parameter's Chinese and English label (policy/labels.json), when asked for. */
  label?: ParamLabel;
}

const LABELS = library.labels.data as Record<string, ParamLabel | string>;

/**
 * Every parameter of a city on a date (a scenario's overrides marked), for tables and Excel. With
 * `labels`, each row also carries its Chinese label from policy/labels.json (opt-in, so that the
 * command line's and the service's answers stay as they were).
 */
export function parameterTable(cityIn: unknown, date?: string, scenario?: Scenario, book: Book = defaultBook(), opts: { labels?: boolean } = {}): ParamRow[] {
  const city = resolveCity(book, cityIn);
  const d = parseDate(date ?? todayInChina());
  const params = paramsAt(book, city, d, scenario);
  const entries = [...params.values()];
  // rules of the transition period after its end are shown, as lapsed (spec 10.2)
  const ended = lapsedIn(params).size ? transitionEnded(params.get('transition.end')!) : undefined;
  const lapsed = new Set(lapsedIn(params).values());
  entries.push(...lapsed);
  // the contribution standard is national and by year (policy/contribution.json): the date's year
  try {
    entries.push(contributionFor(book, Number(d.slice(0, 4)), scenario, city.id));
  } catch (e) {
    if (!(e instanceof YibaoError)) throw e; // no standard for that year: nothing to show
  }
  return entries
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((e) => ({
      name: e.name,
      value: valueText(e.value),
      status: e.scenario ? 'scenario' : e.status,
      status_text: statusText(e),
      source: e.source,
      effective: e.effective,
      quote: e.quote,
      note: e.note,
      file: e.file,
      scenario: e.scenario,
      was: e.overrides ? `${valueText(e.overrides.value)} (${e.overrides.status})` : undefined,
      label: opts.labels ? labelOf(e.name) : undefined,
      carried: e.carried ? bilingual(e.carried) : undefined,
      lapsed: lapsed.has(e) && ended ? bilingual(ended) : undefined,
    }));
}

function labelOf(name: string): ParamLabel | undefined {
  const l = LABELS[name];
  return typeof l === 'object' ? l : undefined; // '_about' is a string
}

export interface CategoryRow { id: CategoryId; zh: string; en: string; names: string[]; mams: string[] }

/** The categories a city accepts, with the names and MAMS numbers it takes for each. */
export function categoriesOf(cityIn: unknown, book: Book = defaultBook()): CategoryRow[] {
  const city = resolveCity(book, cityIn);
  return city.categories.map((id) => {
    const def = book.categories.get(id)!;
    const aliased = Object.entries(city.aliases).filter(([, to]) => to === id).map(([from]) => from);
    const names = [...def.names, ...aliased.flatMap((a) => book.categories.get(a as CategoryId)!.names)];
    const mams = city.mams_codes.filter((c) => {
      const d = [...book.categories.values()].find((x) => x.mams === c);
      return d && (d.id === id || city.aliases[d.id] === id);
    });
    return { id, zh: def.zh, en: def.en, names, mams };
  });
}

/** The policy versions of a city: what takes effect when, and from which document. */
export function versionsOf(cityIn: unknown, book: Book = defaultBook()) {
  const city = resolveCity(book, cityIn);
  return book.packs.get(city.id)!.map((p) => ({ effective: p.effective, document: p.document, file: p.file }));
}

