// The grammar of parameter names (the spec's names) and what kind of value each takes.
// Packs and scenario files are both checked against it, so a typo never becomes a silent default.
import { Decimal } from '../money';
import type DecimalBase from 'decimal.js';
import type { CategoryId, ParamValue, Segment } from '../types';

export type ParamKind = 'money' | 'moneyOrNone' | 'ratio' | 'categories' | 'segments' | 'flag' | 'date';

const CAT = '([a-z_]+)';
const LEVEL = '(township|county|city|province)';
const GRAMMAR: [RegExp, ParamKind][] = [
  [new RegExp(`^basic(\\.${LEVEL})?\\.(deductible)$`), 'money'],
  [new RegExp(`^basic(\\.${LEVEL})?\\.(rate)$`), 'ratio'],
  [new RegExp(`^basic(\\.${LEVEL})?\\.(cap)$`), 'moneyOrNone'],
  [/^critical\.deductible$/, 'money'],
  [/^critical\.segments$/, 'segments'],
  [/^critical\.cap$/, 'moneyOrNone'],
  [/^critical\.tilt\.categories$/, 'categories'],
  [/^critical\.tilt\.deductibleFactor$/, 'ratio'],
  [/^critical\.tilt\.rateIncrease$/, 'ratio'],
  [/^critical\.tilt\.cap$/, 'moneyOrNone'],
  [/^critical\.specialDrug\.deductible$/, 'money'],
  [/^critical\.specialDrug\.rate$/, 'ratio'],
  [/^critical\.specialDrug\.cap$/, 'moneyOrNone'],
  [new RegExp(`^assistance\\.${CAT}\\.deductible$`), 'money'],
  [new RegExp(`^assistance\\.${CAT}\\.rate$`), 'ratio'],
  [new RegExp(`^assistance\\.${CAT}\\.cap$`), 'moneyOrNone'],
  [new RegExp(`^assistance\\.${CAT}\\.pending$`), 'flag'],
  [new RegExp(`^reassistance\\.${CAT}\\.threshold$`), 'money'],
  [new RegExp(`^reassistance\\.${CAT}\\.rate$`), 'ratio'],
  [new RegExp(`^reassistance\\.${CAT}\\.cap$`), 'moneyOrNone'],
  [new RegExp(`^subsidy\\.${CAT}\\.rate$`), 'ratio'],
  [new RegExp(`^subsidy\\.${CAT}\\.amount$`), 'money'],
  [new RegExp(`^subsidy\\.${CAT}\\.assistanceFund$`), 'money'],
  [/^warning\.ordinary$/, 'money'],
  [/^warning\.lowIncome$/, 'money'],
  [/^warning\.lowIncome\.categories$/, 'categories'],
  [/^eligibility\.startsNextMonth$/, 'flag'],
  [/^contribution\.individual$/, 'money'],
  [/^transition\.end$/, 'date'],
];

/** The kind of a parameter name, or undefined if the name is not in the grammar. */
export function kindOf(name: string): ParamKind | undefined {
  for (const [re, kind] of GRAMMAR) if (re.test(name)) return kind;
  return undefined;
}

/** The category a per-category name is about (`assistance.dibao.rate` → dibao). */
export function categoryOf(name: string): string | undefined {
  const m = /^(assistance|reassistance|subsidy)\.([a-z_]+)\./.exec(name);
  return m ? m[2] : undefined;
}

const DECIMAL = /^(\d+(\.\d*)?|\.\d+)$/;

/**
 * Turn a raw JSON value into a typed parameter value, or return what is wrong with it (in Chinese
 * and English). `raw` numbers are read through their shortest text, which is what was written.
 */
export function coerce(
  kind: ParamKind,
  raw: unknown,
  isCategory: (id: string) => boolean,
): { value: ParamValue } | { problem: [string, string] } {
  const dec = (x: unknown): DecimalBase | undefined => {
    if (typeof x === 'number' && Number.isFinite(x) && x >= 0) return new Decimal(String(x));
    if (typeof x === 'string' && DECIMAL.test(x.trim())) return new Decimal(x.trim());
    return undefined;
  };
  switch (kind) {
    case 'money':
    case 'moneyOrNone': {
      if (raw === null && kind === 'moneyOrNone') return { value: null };
      const d = dec(raw);
      if (!d) return { problem: ['须为不小于0的金额' + (kind === 'moneyOrNone' ? '或 null（不封顶）' : ''), 'must be a non-negative amount' + (kind === 'moneyOrNone' ? ' or null (no cap)' : '')] };
      if (d.gt(100_000_000)) return { problem: ['金额超过 100,000,000', 'amount exceeds 100,000,000'] };
      return { value: d };
    }
    case 'ratio': {
      const d = dec(raw);
      if (!d || d.gt(1)) return { problem: ['须为 0 到 1 之间的小数（如 0.70 表示 70%）', 'must be a decimal from 0 to 1 (0.70 means 70%)'] };
      return { value: d };
    }
    case 'date': {
      const ok = typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(raw) && !Number.isNaN(Date.parse(`${raw}T00:00:00Z`)) && new Date(`${raw}T00:00:00Z`).toISOString().startsWith(raw);
      if (!ok) return { problem: ['须为 YYYY-MM-DD 日期', 'must be a YYYY-MM-DD date'] };
      return { value: raw };
    }
    case 'flag':
      if (typeof raw !== 'boolean') return { problem: ['须为 true 或 false', 'must be true or false'] };
      return { value: raw };
    case 'categories': {
      if (!Array.isArray(raw) || raw.some((c) => typeof c !== 'string' || !isCategory(c))) {
        return { problem: ['须为类别编码列表', 'must be a list of category ids'] };
      }
      return { value: [...raw] as CategoryId[] };
    }
    case 'segments': {
      if (!Array.isArray(raw) || raw.length === 0) return { problem: ['须为非空分段列表', 'must be a non-empty list of bands'] };
      const out: Segment[] = [];
      for (let i = 0; i < raw.length; i++) {
        const s = raw[i] as { from?: unknown; rate?: unknown };
        const rate = dec(s?.rate);
        if (!rate || rate.gt(1)) return { problem: [`第${i + 1}段比例无效`, `band ${i + 1}: bad rate`] };
        if (i === 0) {
          if (s.from !== 'deductible') return { problem: ['第1段须从起付线开始 (from: "deductible")', 'the first band must start at the deductible (from: "deductible")'] };
          out.push({ from: 'deductible', rate });
          continue;
        }
        const from = dec(s?.from);
        if (!from) return { problem: [`第${i + 1}段起点无效`, `band ${i + 1}: bad start`] };
        const prev = out[i - 1].from;
        if (prev !== 'deductible' && !from.gt(prev)) return { problem: ['分段起点须递增', 'band starts must increase'] };
        out.push({ from, rate });
      }
      return { value: out };
    }
  }
}

/** A parameter value as text for tables and Excel (`null` caps read as 不封顶 / none). */
export function valueText(value: ParamValue): string {
  if (value === null) return 'none';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    if (value.length > 0 && typeof value[0] === 'object') {
      return (value as Segment[])
        .map((s) => `${s.from === 'deductible' ? 'deductible' : s.from.toFixed()}:${s.rate.toFixed()}`)
        .join('; ');
    }
    return (value as string[]).join(', ');
  }
  return (value as DecimalBase).toFixed();
}
