// Totals of each tier per group of claims (issue 7, "Assistance budget from a ledger"): by city,
// county, category, month, year or kind. Every settled claim lands in exactly one group (a key that
// is unknown for a claim is "(未知 unknown)", never dropped), so the groups add up exactly to the
// ledger's totals. Amounts stay exact decimals.
import { YibaoError, echo } from './errors';
import { fmt } from './money';
import { emptyTotals, type LedgerOutcome, type Totals } from './ledger';
import type { LedgerRow } from './claims';
import type { ClaimResult } from './types';

export const GROUP_KEYS = ['city', 'county', 'category', 'month', 'year', 'kind'] as const;
export type GroupKey = (typeof GROUP_KEYS)[number];

/** The key of a group whose value is not known for a claim (a claim without county, say). */
export const UNKNOWN_KEY = '(未知 unknown)';

export const TOTAL_FIELDS = ['total', 'compliant', 'basic', 'critical', 'assistance', 'reassist', 'oop_compliant', 'oop_total'] as const;

/** Extra columns of the ledger kept per claim id (county, person_id …): see keepColumns. */
export type ClaimColumns = Map<string, Record<string, string>>;

/** Where a claim's county comes from when the ledger has no county column: a roster. */
export interface CountySource { countyOf(personId: string, city: string, date: string): string | undefined }

export interface SummaryMeta {
  /** Extra ledger columns by claim id (from keepColumns): `county` is read from here first. */
  columns?: ClaimColumns;
  /** Then the roster (needs `person_id` in columns). */
  roster?: CountySource;
}

export interface SummaryRow {
  key: Partial<Record<GroupKey, string>>;
  claims: number;
  warnings: number;
  totals: Totals;
}

export interface LedgerGroups {
  groups: GroupKey[];
  rows: SummaryRow[];
  claims: number;
  warnings: number;
  totals: Totals;
}

/** Parse "county,category,month" into group keys, or say which names are valid. */
export function parseGroups(text: string | string[]): GroupKey[] {
  const parts = (Array.isArray(text) ? text : text.split(',')).map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  if (parts.length === 0) throw new YibaoError(`汇总维度为空；可选：${GROUP_KEYS.join(', ')}`, `no summary groups given; valid: ${GROUP_KEYS.join(', ')}`, 'usage');
  const out: GroupKey[] = [];
  for (const p of parts) {
    if (!(GROUP_KEYS as readonly string[]).includes(p)) {
      throw new YibaoError(`未知汇总维度“${echo(p)}”；可选：${GROUP_KEYS.join(', ')}`, `unknown summary group "${echo(p)}"; valid: ${GROUP_KEYS.join(', ')}`, 'usage');
    }
    if (!out.includes(p as GroupKey)) out.push(p as GroupKey);
  }
  return out;
}

/**
 * Pass ledger rows through unchanged while keeping some of their columns per claim id (the ledger
 * itself keeps only the spec's columns). The first readable row of a claim id is kept, as the ledger
 * settles the first one and rejects later duplicates. Wrap the rows from csvLedgerRows /
 * tableLedgerRows before settleLedger reads them.
 */
export function keepColumns(rows: Iterable<LedgerRow>, names: string[]): { rows: Iterable<LedgerRow>; columns: ClaimColumns } {
  const columns: ClaimColumns = new Map();
  function* pass(): Generator<LedgerRow> {
    for (const row of rows) {
      const id = row.fields?.claim_id?.trim();
      if (!row.error && id && !columns.has(id)) {
        const kept: Record<string, string> = Object.create(null);
        for (const n of names) {
          const v = row.fields![n];
          if (v !== undefined) kept[n] = v.trim();
        }
        columns.set(id, kept);
      }
      yield row;
    }
  }
  return { rows: pass(), columns };
}

function keyOf(r: ClaimResult, g: GroupKey, meta: SummaryMeta | undefined): string {
  switch (g) {
    case 'city': return r.city;
    case 'category': return r.category;
    case 'month': return r.date.slice(0, 7);
    case 'year': return r.date.slice(0, 4);
    case 'kind': return r.kind;
    case 'county': {
      const cols = meta?.columns?.get(r.claim_id);
      const own = cols?.county;
      if (own) return own;
      const person = cols?.person_id;
      if (person && meta?.roster) return meta.roster.countyOf(person, r.city, r.date) || UNKNOWN_KEY;
      return UNKNOWN_KEY;
    }
  }
}

/** A claim's amounts as Totals. total and compliant follow from the claim's results exactly. */
export function claimTotals(r: ClaimResult): Totals {
  const paid = r.basic.plus(r.critical).plus(r.assistance).plus(r.reassist);
  return {
    total: r.oop_total.plus(paid),
    compliant: r.oop_compliant.plus(paid),
    basic: r.basic,
    critical: r.critical,
    assistance: r.assistance,
    reassist: r.reassist,
    oop_compliant: r.oop_compliant,
    oop_total: r.oop_total,
  };
}

export function addTotals(a: Totals, b: Totals): Totals {
  const out = emptyTotals();
  for (const f of TOTAL_FIELDS) out[f] = a[f].plus(b[f]);
  return out;
}

export function subTotals(a: Totals, b: Totals): Totals {
  const out = emptyTotals();
  for (const f of TOTAL_FIELDS) out[f] = a[f].minus(b[f]);
  return out;
}

/** The group key as one string (cells joined by a separator no cell contains). */
export function groupId(key: Partial<Record<GroupKey, string>>, groups: GroupKey[]): string {
  return groups.map((g) => key[g] ?? '').join('\u0000');
}

/**
 * Totals of each tier per group. `groups` may be empty: one row with the ledger's totals.
 * Rows are sorted by their key cells (months and years in time order).
 */
export function summarize(outcome: LedgerOutcome, groups: GroupKey[], meta?: SummaryMeta): LedgerGroups {
  const byKey = new Map<string, SummaryRow>();
  let totals = emptyTotals();
  let warnings = 0;
  for (const r of outcome.results) {
    const key: Partial<Record<GroupKey, string>> = {};
    for (const g of groups) key[g] = keyOf(r, g, meta);
    const id = groupId(key, groups);
    let row = byKey.get(id);
    if (!row) byKey.set(id, (row = { key, claims: 0, warnings: 0, totals: emptyTotals() }));
    const t = claimTotals(r);
    row.totals = addTotals(row.totals, t);
    row.claims++;
    totals = addTotals(totals, t);
    if (r.warning) {
      row.warnings++;
      warnings++;
    }
  }
  return { groups, rows: sortedRows(byKey), claims: outcome.results.length, warnings, totals };
}

/** Rows in the order of their group ids (months and years in time order). */
function sortedRows(byKey: Map<string, SummaryRow>): SummaryRow[] {
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

/**
 * One group's sums as plain data (the bulk path's exact fen sums; partitions hand them on and they
 * are added up): the key cells in the order of the groups, the totals in TOTAL_FIELDS order as exact
 * decimal strings. A key may come more than once: its sums are added.
 */
export interface GroupSum { key: string[]; claims: number; warnings: number; totals: string[] }

/** What summarize gives for the same claims, from their sums per group (engine/bulk). */
export function groupsFromSums(groups: GroupKey[], sums: Iterable<GroupSum>): LedgerGroups {
  const byKey = new Map<string, SummaryRow>();
  for (const s of sums) {
    const key: Partial<Record<GroupKey, string>> = {};
    groups.forEach((g, i) => (key[g] = s.key[i]));
    const id = groupId(key, groups);
    let row = byKey.get(id);
    if (!row) byKey.set(id, (row = { key, claims: 0, warnings: 0, totals: emptyTotals() }));
    row.claims += s.claims;
    row.warnings += s.warnings;
    TOTAL_FIELDS.forEach((f, i) => (row!.totals[f] = row!.totals[f].plus(s.totals[i])));
  }
  const rows = sortedRows(byKey);
  let totals = emptyTotals();
  let claims = 0, warnings = 0;
  for (const r of rows) {
    totals = addTotals(totals, r.totals);
    claims += r.claims;
    warnings += r.warnings;
  }
  return { groups, rows, claims, warnings, totals };
}

const ZH: Record<GroupKey, string> = { city: '城市', county: '县区', category: '类别', month: '月份', year: '年度', kind: '就医类别' };
const TOTAL_ZH: Record<(typeof TOTAL_FIELDS)[number], string> = {
  total: '医疗总费用', compliant: '合规费用', basic: '基本医保', critical: '大病保险', assistance: '医疗救助', reassist: '倾斜救助/再救助', oop_compliant: '政策范围内个人自付', oop_total: '个人负担总额',
};

export function totalsCells(t: Totals): string[] {
  return TOTAL_FIELDS.map((f) => fmt(t[f]));
}

/** The groups as a table (header first, a grand-total row last), for CSV files, HTTP bodies and Excel. */
export function summaryTable(s: LedgerGroups): string[][] {
  const header = [...s.groups, 'claims', ...TOTAL_FIELDS, 'warnings'];
  const rows = s.rows.map((r) => [...s.groups.map((g) => r.key[g] ?? ''), String(r.claims), ...totalsCells(r.totals), String(r.warnings)]);
  const total = [...s.groups.map((_, i) => (i === 0 ? '合计 total' : '')), String(s.claims), ...totalsCells(s.totals), String(s.warnings)];
  return [header, ...rows, total];
}

/** Column headings in Chinese and English, for a printed table. */
export function summaryHeadings(groups: GroupKey[]): string[] {
  return [...groups.map((g) => `${ZH[g]} ${g}`), '笔数 claims', ...TOTAL_FIELDS.map((f) => `${TOTAL_ZH[f]} ${f}`), '预警 warnings'];
}

/** Totals as strings with two decimals, for JSON answers. */
export function totalsJson(t: Totals): Record<string, string> {
  const o: Record<string, string> = {};
  for (const f of TOTAL_FIELDS) o[f] = fmt(t[f]);
  return o;
}

/** A JSON-ready object: amounts as strings with two decimals. */
export function summaryJson(s: LedgerGroups) {
  return {
    groups: s.groups,
    totals: { claims: s.claims, warnings: s.warnings, ...totalsJson(s.totals) },
    rows: s.rows.map((r) => ({ ...r.key, claims: r.claims, warnings: r.warnings, ...totalsJson(r.totals) })),
  };
}
