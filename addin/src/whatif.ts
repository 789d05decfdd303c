// The `scenario` argument of every function: the name of a scenario saved in the workbook, or a
// scenario written in cells, so that a Data Table (模拟运算表), Goal Seek (单变量求解) or the Scenario
// Manager (方案管理器) can drive any parameter:
//   - text "name=value; name=value" (e.g. ="assistance.dibao.rate="&B1), told from a name by its "=";
//   - a range of (parameter, value) rows, a header row (参数/parameter …) allowed; or one column of
//     "name=value" cells.
// The values are what the editor takes (parseValueText) and the engine's scenarioFrom checks them,
// with its messages: a cell scenario is refused exactly as the same scenario saved from the pane.
// A saved scenario made for one city, used on another city's formula, would change nothing
// silently: that is an error.
import { defaultBook, resolveCity, scenarioFrom, YibaoError, type Scenario } from '../../engine';
import { isEmpty, nameArg } from './args';
import { scenariosReady, getScenario } from './scenarios';

/** The name a scenario written in cells carries (PARAM shows it as the value's status). */
export const CELL_SCENARIO = '单元格情景 in-cell';

/** Text typed in the editor or a cell → the raw JSON value a scenario file would hold. */
export function parseValueText(text: string): unknown {
  const t = text.trim();
  if (/^(none|null|不封顶|无)$/i.test(t)) return null;
  if (/^(true|是)$/i.test(t)) return true;
  if (/^(false|否)$/i.test(t)) return false;
  if (t.includes(':') || t.includes('：')) {
    // Bands as valueText writes them: "deductible:0.6; 100000:0.65"
    return t.split(/[;；]/).map((s) => s.trim()).filter(Boolean).map((band) => {
      const [from, rate] = band.split(/[:：]/).map((x) => x.trim());
      return { from: from === 'deductible' || from === '起付线' ? 'deductible' : from, rate };
    });
  }
  if (/[a-z_]/i.test(t)) return t.split(/[,，、\s]+/).filter(Boolean);
  return t;
}

const HEADER = /^(参数|参数名|parameter|name)$/i;

/** Overrides as a scenario file holds them; a null prototype, so "__proto__" is just a name the engine refuses. */
type Overrides = Record<string, unknown>;

function put(o: Overrides, name: string, value: unknown): void {
  if (Object.prototype.hasOwnProperty.call(o, name)) {
    throw new YibaoError(`情景中参数 ${name} 出现了两次`, `the scenario names parameter ${name} twice`, 'scenario');
  }
  o[name] = value;
}

/**
 * "name=value; name=value" (；, ＝ and line breaks too). A piece without "=" continues the value
 * before it: bands are written "deductible:0.6; 100000:0.65" with the same separator.
 */
export function overridesFromText(text: string): Overrides {
  const pairs: [string, string][] = [];
  for (const piece of text.split(/[;；\r\n]+/)) {
    if (piece.trim() === '') continue;
    const eq = piece.search(/[=＝]/);
    if (eq < 0) {
      if (!pairs.length) throw textError(text);
      pairs[pairs.length - 1][1] += `;${piece}`;
      continue;
    }
    pairs.push([piece.slice(0, eq).trim(), piece.slice(eq + 1)]);
  }
  if (!pairs.length) throw textError(text);
  const o: Overrides = Object.create(null);
  for (const [name, value] of pairs) {
    if (name === '' || value.trim() === '') throw textError(text);
    put(o, name, parseValueText(value));
  }
  return o;
}

function textError(text: string): YibaoError {
  return new YibaoError(
    `情景“${text}”须写成 参数=值; 参数=值，如 assistance.dibao.rate=0.75`,
    `scenario "${text}" must read name=value; name=value, e.g. assistance.dibao.rate=0.75`,
    'scenario',
  );
}

/** A range of (parameter, value) rows; blank rows skipped; values as Excel holds them. */
export function overridesFromRange(range: unknown[][]): Overrides {
  const width = Math.max(...range.map((r) => r.length));
  if (width === 1) return overridesFromText(range.map((r) => (isEmpty(r[0]) ? '' : String(r[0]))).join(';'));
  if (width !== 2) {
    throw new YibaoError(`情景区域须为两列（参数、值），不能是 ${width} 列`, `a scenario range must have two columns (parameter, value), not ${width}`, 'scenario');
  }
  const o: Overrides = Object.create(null);
  range.forEach((row, i) => {
    const [name, value] = row;
    if (isEmpty(name) && isEmpty(value)) return;
    if (i === 0 && typeof name === 'string' && HEADER.test(name.trim())) return;
    if (typeof name !== 'string' || isEmpty(name)) {
      throw new YibaoError(`情景区域第 ${i + 1} 行的参数名须为文本`, `row ${i + 1} of the scenario range needs a parameter name`, 'scenario');
    }
    if (isEmpty(value)) {
      throw new YibaoError(`情景区域第 ${i + 1} 行参数 ${name.trim()} 的值为空`, `row ${i + 1} of the scenario range: ${name.trim()} has no value`, 'scenario');
    }
    put(o, name.trim(), typeof value === 'string' ? parseValueText(value) : value);
  });
  return o;
}

/** Only one cell (or a 1×1 range): its value. */
function single(v: unknown): unknown {
  return Array.isArray(v) && v.length === 1 && Array.isArray(v[0]) && v[0].length === 1 ? v[0][0] : v;
}

/**
 * The scenario an argument names or writes, for a formula on `city` (LEDGER: none; there each row's
 * city decides, and a city's scenario applies to that city's rows, as on the command line).
 * undefined when the argument is omitted or empty.
 */
export async function scenarioFor(arg: unknown, city?: unknown): Promise<Scenario | undefined> {
  const v = single(arg);
  if (Array.isArray(v)) {
    const rows = v as unknown[][];
    if (rows.every((r) => Array.isArray(r) && r.every(isEmpty))) return undefined;
    return inCells(overridesFromRange(rows), city);
  }
  if (isEmpty(v)) return undefined;
  if (typeof v !== 'string') throw new YibaoError('情景名须为文本', 'a scenario name must be text', 'scenario');
  if (/[=＝]/.test(v)) return inCells(overridesFromText(v), city);
  await scenariosReady();
  const saved = getScenario(v.trim());
  if (saved.city !== undefined && city !== undefined) {
    const book = defaultBook();
    const wanted = resolveCity(book, nameArg(city));
    if (wanted.id !== saved.city) {
      const own = resolveCity(book, saved.city);
      throw new YibaoError(
        `情景“${saved.name}”是为${own.zh}设的，本公式的城市是${wanted.zh}：情景不会起作用。请改用${own.zh}或为${wanted.zh}另存情景`,
        `scenario "${saved.name}" is for ${own.en}, but this formula's city is ${wanted.en}: it would change nothing. Use ${own.en}, or save a scenario for ${wanted.en}`,
        'scenario',
      );
    }
  }
  return saved;
}

/** A scenario written in cells applies to the formula's city (and is checked against its categories). */
function inCells(overrides: Overrides, city: unknown): Scenario {
  const book = defaultBook();
  const c = city === undefined ? undefined : resolveCity(book, nameArg(city)).id;
  return scenarioFrom(book, { name: CELL_SCENARIO, city: c, overrides }, CELL_SCENARIO);
}
