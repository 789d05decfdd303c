// Totals by tier and category, and a stacked-bar chart of them as SVG (drawn in the task pane; the
// same numbers can be written to a sheet with a native Excel chart).
import { Decimal, defaultBook, resolveCity, resolveCategory, type CategoryId } from '../../../engine';
import { settleRange, rangeHeader } from '../ledger';
import type DecimalBase from 'decimal.js';
import { cellText, isEmpty } from '../args';

export const TIERS = ['basic', 'critical', 'assistance', 'reassist'] as const;
export type TierName = (typeof TIERS)[number];
export const TIER_LABEL: Record<TierName, string> = { basic: '基本医保 basic', critical: '大病保险 critical', assistance: '医疗救助 assistance', reassist: '再救助 reassist' };
const TIER_COLOR: Record<TierName, string> = { basic: '#4e79a7', critical: '#f28e2b', assistance: '#59a14f', reassist: '#e15759' };

export interface CategoryTotals { category: string; label: string; claims: number; amounts: Record<TierName, DecimalBase> }

function zero(): Record<TierName, DecimalBase> {
  return { basic: new Decimal(0), critical: new Decimal(0), assistance: new Decimal(0), reassist: new Decimal(0) };
}

/** Add rows of {category, label, tier amounts as text or number} into totals per category. */
export function addUp(rows: { category: string; label: string; amounts: Partial<Record<TierName, string | number>> }[]): CategoryTotals[] {
  const by = new Map<string, CategoryTotals>();
  for (const r of rows) {
    let t = by.get(r.category);
    if (!t) by.set(r.category, (t = { category: r.category, label: r.label, claims: 0, amounts: zero() }));
    t.claims++;
    for (const k of TIERS) {
      const v = r.amounts[k];
      if (v !== undefined && v !== '') t.amounts[k] = t.amounts[k].plus(new Decimal(String(v)));
    }
  }
  return [...by.values()].sort((a, b) => a.category.localeCompare(b.category));
}

/**
 * Settle a claims table (header first) locally on the engine's columnar ledger and total it by
 * category (exact fen, as `yibao settle --group-by category` sums): the "current sheet" chart.
 */
export function localTotals(values: unknown[][]): { totals: CategoryTotals[]; read: number; rejected: number } {
  if (values.length < 2) throw new Error('当前工作表没有费用数据 (the sheet has no claims)');
  const header = rangeHeader(values[0].map((c) => (isEmpty(c) ? '' : c)));
  const cols = header.map((c) => c.trim().toLowerCase());
  const records = values.slice(1).map((row, i) => ({ line: i + 2, cells: row.map((c, j) => cellText(c, cols[j] ?? '')) })).filter((r) => r.cells.some((c) => c !== ''));
  const run = settleRange(header, records, { groups: ['category'] });
  const book = defaultBook();
  const totals = run.groups!.rows.map((g): CategoryTotals => {
    const category = g.key.category!;
    const amounts = zero();
    for (const t of TIERS) amounts[t] = g.totals[t];
    return { category, label: book.categories.get(category as CategoryId)?.zh ?? category, claims: g.claims, amounts };
  });
  return { totals: totals.sort((a, b) => a.category.localeCompare(b.category)), read: run.read, rejected: run.rejected };
}

/** The category of each claim id in an input table, resolved by the engine where it can be. */
export function categoryByClaim(values: unknown[][]): Map<string, { category: string; label: string }> {
  const out = new Map<string, { category: string; label: string }>();
  const cols = values[0].map((c) => String(c ?? '').trim().toLowerCase());
  const iId = cols.indexOf('claim_id');
  const iCat = cols.indexOf('category');
  const iCity = cols.indexOf('city');
  if (iId < 0 || iCat < 0) return out;
  const book = defaultBook();
  for (const row of values.slice(1)) {
    const id = String(row[iId] ?? '').trim();
    if (!id || out.has(id)) continue;
    const typed = String(row[iCat] ?? '').trim();
    try {
      const city = resolveCity(book, row[iCity]);
      const cat = resolveCategory(book, city, typed);
      out.set(id, { category: cat, label: book.categories.get(cat)?.zh ?? cat });
    } catch {
      out.set(id, { category: typed || '(未知 unknown)', label: typed || '(未知 unknown)' });
    }
  }
  return out;
}

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

function short(n: DecimalBase): string {
  const v = Number(n.toFixed(2));
  if (v >= 1e8) return `${(v / 1e8).toFixed(2)}亿`;
  if (v >= 1e4) return `${(v / 1e4).toFixed(1)}万`;
  return v.toFixed(0);
}

/** About how wide a label is at font size 11: a CJK character is a full em, others a little over half. */
export function textWidth(s: string, size = 11): number {
  let w = 0;
  for (const ch of s) w += /[\u2e80-\u9fff\uff00-\uffef]/.test(ch) ? size : size * 0.62;
  return Math.ceil(w);
}

/** A stacked bar per category (tiers stacked), with a legend; width in CSS pixels. */
export function chartSvg(totals: CategoryTotals[], width = 320): string {
  if (totals.length === 0) return '<p class="muted">无数据 (no data)</p>';
  const barH = 22;
  const gap = 10;
  // room for the longest category name (低保边缘家庭成员 is 8 characters), so none is cut at the edge
  const left = Math.min(Math.floor(width * 0.45), Math.max(60, 8 + Math.max(...totals.map((t) => textWidth(t.label)))));
  const right = 56;
  const top = 30;
  const sums = totals.map((t) => TIERS.reduce((s, k) => s.plus(t.amounts[k]), new Decimal(0)));
  const max = Math.max(1, ...sums.map((s) => Number(s.toFixed(2))));
  const scale = (width - left - right) / max;
  const height = top + totals.length * (barH + gap) + 10;
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="按类别和保障层级的合计 totals by category and tier" font-family="sans-serif" font-size="11">`];
  TIERS.forEach((k, i) => {
    const x = 4 + i * ((width - 8) / 4);
    parts.push(`<rect x="${x}" y="4" width="10" height="10" fill="${TIER_COLOR[k]}"/><text x="${x + 13}" y="13">${esc(TIER_LABEL[k].split(' ')[0])}</text>`);
  });
  totals.forEach((t, row) => {
    const y = top + row * (barH + gap);
    parts.push(`<text x="${left - 4}" y="${y + barH / 2 + 4}" text-anchor="end">${esc(t.label)}</text>`);
    let x = left;
    for (const k of TIERS) {
      const w = Number(t.amounts[k].toFixed(2)) * scale;
      if (w > 0) parts.push(`<rect class="bar bar-${k}" x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${TIER_COLOR[k]}"><title>${esc(t.label)} ${esc(TIER_LABEL[k])}: ${t.amounts[k].toFixed(2)}</title></rect>`);
      x += w;
    }
    parts.push(`<text x="${(x + 4).toFixed(1)}" y="${y + barH / 2 + 4}">${short(sums[row])}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** The totals as a table for a sheet: header, one row per category, a total row. */
export function totalsTable(totals: CategoryTotals[]): (string | number)[][] {
  const head = ['类别 category', '笔数 claims', ...TIERS.map((k) => TIER_LABEL[k])];
  const sum = zero();
  let claims = 0;
  const body = totals.map((t) => {
    claims += t.claims;
    for (const k of TIERS) sum[k] = sum[k].plus(t.amounts[k]);
    return [t.label, t.claims, ...TIERS.map((k) => Number(t.amounts[k].toFixed(2)))];
  });
  return [head, ...body, ['合计 total', claims, ...TIERS.map((k) => Number(sum[k].toFixed(2)))]];
}
