// Growth settings of a scenario (issue 14), for the years of a multi-year budget past the roster's:
//   "growth": {
//     "contribution": {"2028": 0.05},            the contribution standard of 2028 is 2027's × 1.05
//     "persons": {"dibao": {"2028": -0.02}},     persons of a category, year on year
//     "claims": {"2028": 0.03}                   claim amounts of a ledger re-settled for 2028, year on year
//   }
// Rates are year-on-year changes (0.05 = +5%), greater than −1 and at most 10. Checked here, once,
// when the scenario is read (engine/scenario.ts).
import type DecimalBase from 'decimal.js';
import { YibaoError, echo } from './errors';
import { Decimal } from './money';
import { normalizeName } from './catalog';
import type { Book } from './policy/load';
import type { CategoryId } from './types';

export interface Growth {
  contribution: Map<number, DecimalBase>;
  persons: Map<CategoryId, Map<number, DecimalBase>>;
  claims: Map<number, DecimalBase>;
}

const fail = (zh: string, en: string) => new YibaoError(`情景 growth：${zh}`, `scenario growth: ${en}`, 'scenario');

function isObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/** {"2028": 0.05, …}: year → rate. */
function byYear(raw: unknown, what: string): Map<number, DecimalBase> {
  if (!isObject(raw)) throw fail(`${what} 须为 {"年度": 增长率} 对象`, `${what} must be an object {"year": rate}`);
  const m = new Map<number, DecimalBase>();
  for (const [k, v] of Object.entries(raw)) {
    if (!/^\d{4}$/.test(k) || Number(k) < 2000 || Number(k) > 2100) throw fail(`${what} 的年度“${echo(k)}”须为 2000–2100 的四位数`, `${what}: year "${echo(k)}" must be four digits from 2000 to 2100`);
    if (typeof v !== 'number' && typeof v !== 'string') throw fail(`${what}.${k} 须为数字`, `${what}.${k} must be a number`);
    let d: DecimalBase;
    try { d = new Decimal(String(v).trim()); } catch { throw fail(`${what}.${k}“${echo(String(v))}”不是数字`, `${what}.${k} "${echo(String(v))}" is not a number`); }
    if (!d.isFinite() || d.lte(-1) || d.gt(10)) throw fail(`${what}.${k} 须大于 −1 且不超过 10（0.05 即 +5%）`, `${what}.${k} must be greater than −1 and at most 10 (0.05 is +5%)`);
    m.set(Number(k), d);
  }
  return m;
}

/** A category as typed: its id or any of its names (spec section 3). */
function categoryOf(book: Book, text: string): CategoryId {
  const n = normalizeName(text).toLowerCase();
  for (const def of book.categories.values()) {
    if (def.id === n || def.zh === text.trim() || def.names.some((x) => normalizeName(x).toLowerCase() === n)) return def.id;
  }
  throw fail(`persons 中的类别“${echo(text)}”未定义`, `persons names an unknown category "${echo(text)}"`);
}

/** The growth settings of a scenario's JSON (undefined when it has none). */
export function growthFrom(book: Book, raw: unknown): Growth | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) throw fail('须为对象 {"contribution": …, "persons": …, "claims": …}', 'must be an object {"contribution": …, "persons": …, "claims": …}');
  for (const k of Object.keys(raw)) {
    if (!['contribution', 'persons', 'claims'].includes(k)) throw fail(`未知字段 ${echo(k)}（可用：contribution, persons, claims）`, `unknown field ${echo(k)} (allowed: contribution, persons, claims)`);
  }
  const persons = new Map<CategoryId, Map<number, DecimalBase>>();
  if (raw.persons !== undefined) {
    if (!isObject(raw.persons)) throw fail('persons 须为 {"类别": {"年度": 增长率}} 对象', 'persons must be an object {"category": {"year": rate}}');
    for (const [cat, years] of Object.entries(raw.persons)) {
      const id = categoryOf(book, cat);
      if (persons.has(id)) throw fail(`persons 中类别 ${id} 出现两次`, `persons names category ${id} twice`);
      persons.set(id, byYear(years, `persons.${cat}`));
    }
  }
  return {
    contribution: raw.contribution === undefined ? new Map() : byYear(raw.contribution, 'contribution'),
    persons,
    claims: raw.claims === undefined ? new Map() : byYear(raw.claims, 'claims'),
  };
}

/** The years a growth setting names, to refuse those not past the roster's year. */
export function growthYears(g: Growth): number[] {
  return [...new Set([...g.contribution.keys(), ...g.claims.keys(), ...[...g.persons.values()].flatMap((m) => [...m.keys()])])].sort();
}
