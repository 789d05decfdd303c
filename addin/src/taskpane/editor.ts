// The scenario editor's logic, free of the DOM so tests can drive it: parameter values as text (the
// engine's valueText) back to scenario JSON (parseValueText, shared with scenarios written in cells),
// each edit checked by the engine's scenarioFrom, and the whole scenario against the floors of spec
// section 8 by the engine's checkPolicy.
import { defaultBook, parameterTable, scenarioFrom, checkPolicy, resolveCity, YibaoError, type Scenario, type Violation, type ParamRow } from '../../../engine';
import { parseValueText } from '../whatif';

export interface EditorRow extends ParamRow { base: string }

/**
 * Every parameter of the city on the date, as the pack has it (no scenario), the year's individual
 * contribution (which the subsidies depend on) among them.
 */
export function baseRows(city: string, date: string): EditorRow[] {
  return parameterTable(city, date).map((r) => ({ ...r, base: r.value }));
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
