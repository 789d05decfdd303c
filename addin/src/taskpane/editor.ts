// The scenario editor's logic, free of the DOM so tests can drive it: parameter values as text (the
// engine's valueText) back to scenario JSON (parseValueText, shared with scenarios written in cells),
// each edit checked by the engine's scenarioFrom, and the whole scenario against the floors of spec
// section 8 by the engine's checkPolicy; bands edited as a small table; a year outside the packs.
import { defaultBook, parameterTable, scenarioFrom, checkPolicy, resolveCity, versionsOf, contributionFor, bilingual, YibaoError, type Scenario, type Violation, type ParamRow } from '../../../engine';
import { parseValueText } from '../whatif';

export interface EditorRow extends ParamRow { base: string }

/**
 * Every parameter of the city on the date, as the pack has it (no scenario), the year's individual
 * contribution (which the subsidies depend on) among them.
 */
export function baseRows(city: string, date: string): EditorRow[] {
  return parameterTable(city, date, undefined, undefined, { labels: true }).map((r) => ({ ...r, base: r.value }));
}

export interface Checked {
  /** Problem per parameter name (an edit the engine refuses), Chinese first. */
  rowErrors: Map<string, string>;
  /** The scenario when every edit is valid. */
  scenario?: Scenario;
  overrides: Record<string, unknown>;
  violations: Violation[];
  /** A problem with the scenario as a whole (its name). */
  error?: string;
}

/** Check the edits (name → text) the way the engine will read them. */
export function checkEdits(cityIn: string, date: string, name: string, edits: Record<string, string>): Checked {
  const book = defaultBook();
  const city = resolveCity(book, cityIn);
  const rowErrors = new Map<string, string>();
  const overrides: Record<string, unknown> = {};
  for (const [param, text] of Object.entries(edits)) {
    const raw = parseValueText(text);
    try {
      scenarioFrom(book, { name: 'check', city: city.id, overrides: { [param]: raw } });
      overrides[param] = raw;
    } catch (e) {
      rowErrors.set(param, e instanceof YibaoError ? `${e.zh} (${e.en})` : String(e));
    }
  }
  let scenario: Scenario | undefined;
  let error: string | undefined;
  if (rowErrors.size === 0) {
    try {
      scenario = scenarioFrom(book, { name: name.trim() || 'scenario', city: city.id, overrides });
    } catch (e) {
      error = e instanceof YibaoError ? `${e.zh} (${e.en})` : String(e);
    }
  }
  const violations = checkPolicy(book, city, date, scenario);
  return { rowErrors, scenario, overrides, violations, error };
}

/** The parameter names a violation involves (to mark their rows). */
export function namesInViolation(v: Violation, names: string[]): string[] {
  return names.filter((n) => v.check.split(/[\s*]+/).includes(n));
}

/** One band of a banded parameter (critical.segments): from where (an amount or 'deductible') and the rate. */
export interface Band { from: string; rate: string }

/** The bands a value's text holds, or undefined when the text is not bands ("deductible:0.6; 100000:0.65"). */
export function bandsOf(text: string): Band[] | undefined {
  const v = parseValueText(text);
  if (!Array.isArray(v) || v.length === 0 || !v.every((b) => b && typeof b === 'object')) return undefined;
  return (v as { from: string; rate?: string }[]).map((b) => ({ from: b.from ?? '', rate: b.rate ?? '' }));
}

/**
 * The bands of the table back to the value's text the engine reads. A row left wholly blank is
 * dropped (a row being added); a half-filled one is kept as typed, so the engine refuses it with
 * its message instead of the editor guessing the missing half.
 */
export function bandsText(bands: Band[]): string {
  return bands
    .map((b) => ({ from: /^(起付线|deductible)$/i.test(b.from.trim()) ? 'deductible' : b.from.trim(), rate: b.rate.trim() }))
    .filter((b) => b.from !== '' || b.rate !== '')
    .map((b) => `${b.from}:${b.rate}`)
    .join('; ');
}

export interface YearNotice { kind: 'error' | 'warn'; text: string }

/**
 * What the editor says about a year: an error when it is no year or precedes the city's first
 * policy (nothing to show: an undated formula would fail), a warning when it lies after the latest
 * document the packs hold (its values are shown, they may no longer be in force) or has no
 * contribution standard. Nothing for a year the packs cover.
 */
export function yearNotice(cityIn: string, year: number): YearNotice | undefined {
  const book = defaultBook();
  const city = resolveCity(book, cityIn);
  if (!Number.isInteger(year) || year < 1900 || year > 2100) {
    return { kind: 'error', text: `年度须为 1900 到 2100 之间的整数：“${year}” (the year must be a whole number from 1900 to 2100)` };
  }
  const versions = [...versionsOf(city.id, book)].sort((a, b) => a.effective.localeCompare(b.effective));
  const first = versions[0];
  const last = versions[versions.length - 1];
  if (`${year}-12-31` < first.effective) {
    return { kind: 'error', text: `${year} 年早于${city.zh}最早的政策（${first.effective} 起施行）：没有参数可显示，未写日期的公式会报错 (${year} precedes ${city.en}'s first policy, in force from ${first.effective}: no parameters)` };
  }
  const notes: string[] = [];
  if (year > Number(last.effective.slice(0, 4))) {
    notes.push(`${year} 年晚于${city.zh}最新的政策文件（${last.effective} 起施行）：显示的是该文件的参数，请确认是否仍然有效 (${year} is after ${city.en}'s latest document, in force from ${last.effective}: its values are shown; check they still apply)`);
  }
  try {
    const standard = contributionFor(book, year);
    if (standard.carried) notes.push(bilingual(standard.carried)); // a later year uses the latest one held (spec 10.3)
  } catch (e) {
    if (!(e instanceof YibaoError)) throw e;
    notes.push(`没有 ${year} 年的个人缴费标准 contribution.individual，资助测算会报错 (no contribution standard for ${year})`);
  }
  return notes.length ? { kind: 'warn', text: notes.join('\n') } : undefined;
}
