// A whole ledger: validate every row, settle each person's claims per calendar year in date order
// (input may come in any order), and account for every row: read = settled + rejected.
import type DecimalBase from 'decimal.js';
import { YibaoError, emptyInput, type Message } from './errors';
import { ZERO } from './money';
import { readCsv } from './csv';
import { normalizeName } from './catalog';
import { REQUIRED_COLUMNS, validateClaim, type LedgerRow, type ValidClaim } from './claims';
import { headerPlan, type Convention, type HeaderPlan, type LedgerHeaderOptions } from './nhsa';
import { settleClaim, newYearState, type YearState } from './chain/decimal';
import { planOf } from './chain/plan';
import { checkClaim, checkPolicy, type Violation } from './floors';
import type { Book } from './policy/load';
import type { Scenario } from './scenario';
import type { ClaimResult, Rejection } from './types';
import { MonthlyWarnings, type MonthlyWarning } from './ledger/monthly';
import type { ClaimWarning } from './ledger/warnings';

export interface Totals { total: DecimalBase; compliant: DecimalBase; basic: DecimalBase; critical: DecimalBase; assistance: DecimalBase; reassist: DecimalBase; oop_compliant: DecimalBase; oop_total: DecimalBase }

export interface LedgerSummary { read: number; settled: number; rejected: number; warnings: number; totals: Totals }

export interface LedgerOutcome {
  /** Settled claims, in input order. */
  results: ClaimResult[];
  /** Rejected rows, in input order. */
  rejections: Rejection[];
  summary: LedgerSummary;
  /** Floors and ceilings broken by the policy in force (under the scenario) for the cities and years settled. */
  policyViolations: Violation[];
  /** Claim-level findings (Shandong's no-zero-out-of-pocket), by claim id. */
  claimFindings: Map<string, Violation[]>;
  /**
   * Claims with at least one finding. The bulk path does not list its findings by claim (claimFindings
   * then holds them under one key); without this, summaryText counts findings.
   */
  findingClaims?: number;
  /** Person-months whose out-of-pocket passed the city's warning line (spec 10.6); absent where not computed. */
  monthlyWarnings?: MonthlyWarning[];
  /** Claims whose out-of-pocket passed the city's warning line, in input order; where asked (BulkOptions.claimWarnings). */
  claimWarnings?: ClaimWarning[];
}

export interface LedgerOptions { scenario?: Scenario; onProgress?: (done: number, total: number) => void }

export function emptyTotals(): Totals {
  return { total: ZERO, compliant: ZERO, basic: ZERO, critical: ZERO, assistance: ZERO, reassist: ZERO, oop_compliant: ZERO, oop_total: ZERO };
}

/**
 * A table's header (a CSV file, an Excel range, an HTTP body): its normalized columns, and how
 * engine/nhsa.ts maps them (null: the spec's names, no option). Missing required columns stop
 * everything (nothing could run).
 */
export function readLedgerHeader(header: string[], opts: LedgerHeaderOptions = {}): { columns: string[]; plan: HeaderPlan | null } {
  const columns = header.map((c) => normalizeName(c).toLowerCase());
  // The platform's names (国家医保信息平台) or an option: engine/nhsa.ts reads the header; else as always.
  const plan = headerPlan(columns, opts);
  const missing = plan ? [] : REQUIRED_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length && columns.length === 1 && /[;\t|]/.test(header[0] ?? '')) {
    throw new YibaoError('表头只有一列：分隔符须为英文逗号（不是分号、制表符或竖线）', 'the header is a single column: the delimiter must be a comma (not a semicolon, tab or bar)', 'fatal');
  }
  if (missing.length) {
    throw new YibaoError(`缺少必需的列：${missing.join(', ')}（表头须含 ${REQUIRED_COLUMNS.join(',')}，可选 hospital_level,basic_paid）`, `missing required columns: ${missing.join(', ')} (the header needs ${REQUIRED_COLUMNS.join(',')}; optional hospital_level,basic_paid)`, 'fatal');
  }
  return { columns, plan };
}

/** Why a record cannot be read (an unterminated quote, or not as many cells as the header), if so: never a shifted row. */
export function unreadableReason(cells: number, width: number, unterminated: boolean): YibaoError | undefined {
  if (unterminated) return new YibaoError('引号未闭合，该行及其后内容无法读取', 'unterminated quote: the row cannot be read', 'csv');
  if (cells !== width) return new YibaoError(`该行有 ${cells} 个字段，表头有 ${width} 个（分隔符须为英文逗号）`, `the row has ${cells} cells, the header ${width} (the delimiter must be a comma)`, 'csv');
  return undefined;
}

/** Why a row is rejected whose claim_id an earlier row has (the first row stands): every ledger's words. */
export function duplicateReason(claimId: string): Message {
  return { zh: `claim_id ${claimId} 重复，以首次出现的行为准`, en: `duplicate claim_id ${claimId}: the first row stands` };
}

/** Rows of a table whose first record is the header; a record that cannot be read is a rejected row. */
export function tableLedgerRows(header: string[], records: Iterable<{ line: number; cells: string[]; error?: string }>, opts: LedgerHeaderOptions = {}): { columns: string[]; rows: Iterable<LedgerRow>; convention: Convention } {
  const { columns, plan } = readLedgerHeader(header, opts);
  function* rows(): Generator<LedgerRow> {
    for (const r of records) {
      const error = unreadableReason(r.cells.length, columns.length, !!r.error);
      if (error) yield { line: r.line, error };
      else {
        const fields: Record<string, string> = Object.create(null);
        columns.forEach((c, i) => (fields[c] = r.cells[i]));
        yield { line: r.line, fields };
      }
    }
  }
  return plan ? { columns, rows: plan.map(rows()), convention: plan.convention } : { columns, rows: rows(), convention: 'spec' };
}

/** A CSV ledger with the spec's or the platform's column names; line numbers are the file's. */
export function csvLedgerRows(text: string, opts: LedgerHeaderOptions = {}): { columns: string[]; rows: Iterable<LedgerRow>; convention: Convention } {
  const records = readCsv(text);
  const first = records.next();
  if (first.done) throw emptyInput();
  return tableLedgerRows(first.value.cells, { [Symbol.iterator]: () => records }, opts);
}

/** Settle every row. Results and rejections come back in input order. */
export function settleLedger(book: Book, rows: Iterable<LedgerRow>, opts: LedgerOptions = {}): LedgerOutcome {
  const rejections: Rejection[] = [];
  const valid: ValidClaim[] = [];
  const seen = new Set<string>();
  let read = 0;
  for (const row of rows) {
    const seq = read++;
    const claimId = row.fields?.claim_id?.trim() || undefined;
    // Unreadable rows and duplicates are answered without throwing: a broken export can hold millions.
    if (row.error) {
      rejections.push({ line: row.line, claim_id: claimId, reason: row.error.reason });
      continue;
    }
    if (claimId !== undefined) {
      if (seen.has(claimId)) {
        rejections.push({ line: row.line, claim_id: claimId, reason: duplicateReason(claimId) });
        continue;
      }
      seen.add(claimId);
    }
    try {
      valid.push(validateClaim(book, row.fields!, seq, opts.scenario));
    } catch (e) {
      if (!(e instanceof YibaoError)) throw e;
      rejections.push({ line: row.line, claim_id: claimId, reason: e.reason });
    }
  }

  // Group per person and calendar year; a person's claims in date order, ties in input order.
  const groups = new Map<string, ValidClaim[]>();
  for (const v of valid) {
    const key = `${v.claim.city}\u0000${v.claim.person_id}\u0000${v.claim.date.slice(0, 4)}`;
    const g = groups.get(key);
    if (g) g.push(v);
    else groups.set(key, [v]);
  }
  const bySeq = new Map<number, ClaimResult>();
  const claimFindings = new Map<string, Violation[]>();
  let done = 0;
  for (const group of groups.values()) {
    group.sort((a, b) => (a.claim.date < b.claim.date ? -1 : a.claim.date > b.claim.date ? 1 : a.claim.seq - b.claim.seq));
    const state: YearState = newYearState();
    for (const v of group) {
      const result = settleClaim(v.claim, planOf(v.rules, v.params), state);
      bySeq.set(v.claim.seq, result);
      if (v.claim.compliant.gt(0)) {
        const findings = checkClaim(book, book.cities.get(v.claim.city)!, v.params, result);
        if (findings.length) claimFindings.set(v.claim.claim_id, findings);
      }
      if (++done % 10000 === 0) opts.onProgress?.(done, valid.length);
    }
  }
  opts.onProgress?.(valid.length, valid.length);

  const results = valid.map((v) => bySeq.get(v.claim.seq)!);
  const totals = emptyTotals();
  let warnings = 0;
  const monthly = new MonthlyWarnings();
  valid.forEach((v, i) => {
    const r = results[i];
    const line = planOf(v.rules, v.params).warning;
    if (line) monthly.add(`${v.claim.city}\u0000${v.claim.person_id}\u0000${v.claim.date.slice(0, 7)}`, v.claim.city, v.claim.person_id, () => v.claim.date.slice(0, 7), r.oop_total.times(100).toNumber(), line.threshold.times(100).toNumber());
    totals.total = totals.total.plus(v.claim.total);
    totals.compliant = totals.compliant.plus(v.claim.compliant);
    totals.basic = totals.basic.plus(r.basic);
    totals.critical = totals.critical.plus(r.critical);
    totals.assistance = totals.assistance.plus(r.assistance);
    totals.reassist = totals.reassist.plus(r.reassist);
    totals.oop_compliant = totals.oop_compliant.plus(r.oop_compliant);
    totals.oop_total = totals.oop_total.plus(r.oop_total);
    if (r.warning) warnings++;
  });

  const policyViolations = policyViolationsOf(book, valid.map((v) => ({ city: v.claim.city, year: v.claim.date.slice(0, 4) })), opts.scenario);

  return {
    results,
    rejections,
    summary: { read, settled: results.length, rejected: rejections.length, warnings, totals },
    policyViolations,
    claimFindings,
    findingClaims: claimFindings.size,
    monthlyWarnings: monthly.list(),
  };
}

/**
 * The policy checks for each city and year that was settled, in the order given (dated at the year's
 * last policy day); a rule broken in several years is listed once.
 */
export function policyViolationsOf(book: Book, settled: Iterable<{ city: string; year: string }>, scenario?: Scenario): Violation[] {
  const out: Violation[] = [];
  const checked = new Set<string>();
  for (const { city, year } of settled) {
    const key = `${city}:${year}`;
    if (checked.has(key)) continue;
    checked.add(key);
    for (const violation of checkPolicy(book, book.cities.get(city)!, `${year}-12-31`, scenario)) {
      if (!out.some((p) => p.rule === violation.rule && p.city === violation.city && p.category === violation.category)) out.push(violation);
    }
  }
  return out;
}
