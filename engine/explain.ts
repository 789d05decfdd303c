// Every result explains itself: for each tier the base, deductible, bands or rate, cap, the amount
// paid, and the clauses cited with their status, so an officer can check the number by hand.
import { fmtGrouped as g } from './money';
import type { ParamEntry, Status } from './types';
import type { ClaimResult, TierStep } from './types';

const TIER_ZH: Record<TierStep['tier'], string> = { basic: '基本医保', critical: '大病保险', assistance: '医疗救助', reassist: '倾斜救助/再救助' };
const TIER_EN: Record<TierStep['tier'], string> = { basic: 'basic insurance', critical: 'critical-illness insurance', assistance: 'medical assistance', reassist: 're-assistance' };

const pct = (r: { times(n: number): { toFixed(): string } }) => `${r.times(100).toFixed()}%`;

/** Each status in words, Chinese first (spec 10.4: 推算 derived beside 已公布 and 假设). */
export const STATUS_TEXT: Record<Status, string> = { published: '已公布 published', derived: '推算 derived', assumed: '假设值 assumed' };

export function statusZh(e: ParamEntry): string {
  if (e.scenario) return `情景值 scenario“${e.scenario}”`;
  return STATUS_TEXT[e.status];
}

/** A parameter's status as a listing shows it, with the categories it is published for, if any. */
export function statusText(e: ParamEntry): string {
  const forSome = e.publishedFor && !e.scenario && !e.carried ? `；${STATUS_TEXT.published}: ${e.publishedFor.join(', ')}` : '';
  return `${statusZh(e)}${forSome}`;
}

/** The clauses behind a step, each once: 〔临医保发〔2022〕13号 四 · 已公布 published〕 */
export function citations(params: ParamEntry[]): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const p of params) {
    const key = `${p.source}|${statusZh(p)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    parts.push(`${p.source} · ${statusZh(p)}`);
  }
  return parts.length ? `〔${parts.join('；')}〕` : '';
}

function capText(step: TierStep): string {
  if (step.cap === undefined) return '';
  if (step.cap === null) return '，不设封顶线';
  return `，年度限额 ${g(step.cap)}${step.cap_reached ? '（已达限额 cap reached）' : ''}`;
}

/** One line per tier, in Chinese with the English terms beside, plus the claim's notes. */
export function explainLines(r: ClaimResult): string[] {
  const lines: string[] = [];
  for (const s of r.steps) {
    const head = `${TIER_ZH[s.tier]} ${TIER_EN[s.tier]}`;
    if (s.given) {
      lines.push(`${head}：按结算系统已付金额 ${g(s.paid)}（basic_paid）`);
      continue;
    }
    if (s.note && s.paid.isZero() && s.deductible === undefined) {
      lines.push(`${head}：0.00 — ${s.note.zh} (${s.note.en})${citations(s.params)}`);
      continue;
    }
    const base = `本年累计基数 ${g(s.base_before)} → ${g(s.base_after)}（本次 ${g(s.base_after.minus(s.base_before))}）`;
    let how: string;
    if (s.bands) {
      const bands = s.bands.length
        ? s.bands.map((b) => `${g(b.from)}–${b.upTo ? g(b.upTo) : '以上'} 段 ${pct(b.rate)} × ${g(b.amount)}`).join('；')
        : '未超过起付线';
      how = `起付线 ${g(s.deductible!)}；${bands}`;
    } else {
      const word = s.tier === 'reassist' ? '救助起点' : '起付线';
      how = `${word} ${g(s.deductible!)}，比例 ${pct(s.rate!)}`;
    }
    const note = s.note ? `；${s.note.zh}` : '';
    lines.push(`${head}：${base}；${how}${capText(s)}${note} → 支付 ${g(s.paid)}（本年累计 ${g(s.paid_ytd)}）${citations(s.params)}`);
  }
  lines.push(`政策范围内个人自付 oop_compliant ${g(r.oop_compliant)}；个人负担总额 oop_total ${g(r.oop_total)}`);
  if (r.warning !== null) lines.push(r.warning ? '预警：个人负担超过预警线 (early warning: above the threshold)' : '未达预警线 (below the warning threshold)');
  for (const n of r.notes) lines.push(`注意：${n.zh} (${n.en})`);
  return lines;
}

export function explainText(r: ClaimResult): string {
  return explainLines(r).join('\n');
}
