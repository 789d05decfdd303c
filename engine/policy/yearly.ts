// Values that change every benefit year (spec 10.3): the individual contribution standard, Lu'an's
// and Xixiu's critical-illness deductible, Xixiu's fixed subsidy. A pack holds the years it has; a
// later year uses the latest earlier year's value and says so. One mechanism for every such value,
// and one for a scenario's overrides of any value: `name` for every year, `name@YYYY` for one year.
import type DecimalBase from 'decimal.js';
import type { Message } from '../errors';
import type { CategoryId, ParamEntry, ParamValue } from '../types';
import { kindOf, valueText } from './schema';

/** A per-year parameter's values by benefit year. */
export type Yearly = Map<number, ParamEntry>;

/**
 * "2027 年未设定，沿用 2026 年 400 元（假设）": the note a carried-forward value carries. Carrying a
 * value into a year no document sets is itself an assumption, whatever the earlier year's status.
 */
export function carriedNote(year: number, from: ParamEntry, fromYear: number): Message {
  const money = kindOf(from.name) === 'money' || kindOf(from.name) === 'moneyOrNone';
  const d = from.value as DecimalBase;
  const v = money && d !== null ? (d.isInteger() ? d.toFixed(0) : d.toFixed(2)) : valueText(from.value);
  return {
    zh: `${from.name} ${year} 年未设定，沿用 ${fromYear} 年 ${v}${money ? ' 元' : ''}（假设）`,
    en: `${from.name} not set for ${year}: ${fromYear}'s ${v}${money ? ' yuan' : ''} carried forward (assumed)`,
  };
}

/**
 * The value of a per-year parameter for a benefit year: that year's own, else the latest earlier
 * year's marked `carried` (and assumed); undefined when no year up to it is held.
 */
export function valueForYear(years: Yearly, year: number): ParamEntry | undefined {
  const own = years.get(year);
  if (own) return own;
  let best: number | undefined;
  for (const y of years.keys()) if (y < year && (best === undefined || y > best)) best = y;
  if (best === undefined) return undefined;
  const from = years.get(best)!;
  return { ...from, status: 'assumed', carried: carriedNote(year, from, best) };
}

/** Split a scenario key `name@YYYY` into the parameter name and its year (undefined: every year). */
export function splitYearKey(key: string): { name: string; year?: number } {
  const m = /^(.*)@(\d{4})$/.exec(key);
  return m ? { name: m[1], year: Number(m[2]) } : { name: key };
}

/**
 * A scenario's value for a parameter in a year: the one-year override `name@YYYY` before the
 * every-year `name`; undefined when the scenario leaves it alone.
 */
export function overrideFor(overrides: Map<string, ParamValue>, name: string, year: number): ParamValue | undefined {
  const one = overrides.get(`${name}@${year}`);
  return one !== undefined ? one : overrides.get(name);
}

/** The names a scenario overrides in a year (each once, whichever of the two forms it used). */
export function overriddenIn(overrides: Map<string, ParamValue>, year: number): string[] {
  const names = new Set<string>();
  for (const key of overrides.keys()) {
    const k = splitYearKey(key);
    if (k.year === undefined || k.year === year) names.add(k.name);
  }
  return [...names];
}

/** A value as cited for one category: published where the pack says it is published for it (spec 10.4). */
export function forCategory(e: ParamEntry, category: CategoryId): ParamEntry {
  return e.publishedFor?.includes(category) && !e.scenario && !e.carried ? { ...e, status: 'published' } : e;
}
