// The scenario editor's logic, free of the DOM so tests can drive it: parameter values as text (the
// engine's valueText) back to scenario JSON, each edit checked by the engine's scenarioFrom, and the
// whole scenario against the floors of spec section 8 by the engine's checkPolicy.
import { defaultBook, parameterTable, scenarioFrom, checkPolicy, resolveCity, YibaoError, type Scenario, type Violation, type ParamRow } from '../../../engine';

/** Text typed in the editor → the raw JSON value a scenario file would hold. */
export function parseValueText(text: string): unknown {
  const t = text.trim();
  if (/^(none|null|不封顶|无)$/i.test(t)) return null;
  if (/^(true|是)$/i.test(t)) return true;
  if (/^(false|否)$/i.test(t)) return false;
  if (t.includes(':')) {
    // Bands as valueText writes them: "deductible:0.6; 100000:0.65"
    return t.split(/[;；]/).map((s) => s.trim()).filter(Boolean).map((band) => {
      const [from, rate] = band.split(/[:：]/).map((x) => x.trim());
      return { from: from === 'deductible' || from === '起付线' ? 'deductible' : from, rate };
    });
  }
  if (/[a-z_]/i.test(t)) return t.split(/[,，、\s]+/).filter(Boolean);
  return t;
}

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
