// What-if scenarios: {"name": "...", "city": "linyi", "overrides": {"assistance.dibao.rate": 0.75}}.
// A name set for one benefit year reads `contribution.individual@2027`: 420.
// A scenario is data only: names are checked against the parameter grammar, values against their
// kind, and keys that could reach an object's prototype are refused.
import { YibaoError } from './errors';
import { resolveCity, resolveCategory } from './catalog';
import type { Book } from './policy/load';
import { coerce, kindOf, categoryOf } from './policy/schema';
import { splitYearKey } from './policy/yearly';
import type { ParamValue } from './types';
import { growthFrom, type Growth } from './growth';

export interface Scenario {
  name: string;
  /** City id the overrides apply to; undefined: every city. */
  city?: string;
  /** By parameter name (every year) or `name@YYYY` (that benefit year only, taking precedence). */
  overrides: Map<string, ParamValue>;
  /** Year-on-year growth for the years of a multi-year budget past the roster's (engine/growth.ts). */
  growth?: Growth;
}

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_SCENARIO_BYTES = 1_000_000;

/** JSON.parse that refuses prototype keys anywhere in the document. */
export function parseJsonData(text: string, what: { zh: string; en: string }): unknown {
  if (text.length > MAX_SCENARIO_BYTES) throw new YibaoError(`${what.zh} 过大`, `${what.en} is too large`, 'scenario');
  let bad: string | undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, (key, value) => {
      if (FORBIDDEN.has(key)) bad = key;
      return value;
    });
  } catch (e) {
    throw new YibaoError(`${what.zh} 不是有效的 JSON：${(e as Error).message}`, `${what.en} is not valid JSON: ${(e as Error).message}`, 'scenario');
  }
  if (bad) throw new YibaoError(`${what.zh} 含有不允许的键 ${bad}`, `${what.en} has a forbidden key ${bad}`, 'scenario');
  return parsed;
}

/** Validate a scenario object (already parsed from JSON) against the policy book. */
export function scenarioFrom(book: Book, data: unknown, fallbackName = 'scenario'): Scenario {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new YibaoError('情景须为 JSON 对象 {"city": …, "overrides": {…}}', 'a scenario must be a JSON object {"city": …, "overrides": {…}}', 'scenario');
  }
  const o = data as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!['name', 'city', 'overrides', 'growth', 'description'].includes(k)) {
      throw new YibaoError(`情景中有未知字段 ${k}（可用：name, city, overrides, growth, description）`, `unknown scenario field ${k} (allowed: name, city, overrides, growth, description)`, 'scenario');
    }
  }
  const name = o.name === undefined ? fallbackName : o.name;
  if (typeof name !== 'string' || name.trim() === '' || name.length > 100) {
    throw new YibaoError('情景 name 须为 1–100 字的文本', 'scenario name must be text of 1–100 characters', 'scenario');
  }
  const city = o.city === undefined || o.city === null ? undefined : resolveCity(book, o.city);
  const growth = growthFrom(book, o.growth);
  // a scenario of growth settings alone needs no overrides
  const raw = o.overrides === undefined && growth ? {} : o.overrides;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new YibaoError('情景须有 overrides 对象', 'a scenario needs an overrides object', 'scenario');
  }
  const overrides = new Map<string, ParamValue>();
  const isCategory = (c: string) => book.categories.has(c as never);
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    // `name@YYYY` sets a value for one benefit year only, `name` for every year (spec 10.3).
    const { name: pname, year } = splitYearKey(key);
    if (year !== undefined && (year < 2000 || year > 2100)) {
      throw new YibaoError(`情景参数 ${key} 的年度须在 2000–2100 之间`, `scenario parameter ${key}: the year must be from 2000 to 2100`, 'scenario');
    }
    const kind = kindOf(pname);
    if (!kind) {
      throw new YibaoError(`情景参数 ${pname} 不是已知参数名（如 assistance.dibao.rate、critical.deductible）`, `scenario parameter ${pname} is not a known name (e.g. assistance.dibao.rate, critical.deductible)`, 'scenario');
    }
    const cat = categoryOf(pname);
    if (cat !== undefined) {
      if (!isCategory(cat)) throw new YibaoError(`情景参数 ${pname} 中的类别 ${cat} 未定义`, `scenario parameter ${pname} names an unknown category ${cat}`, 'scenario');
      if (city && resolveCategory(book, city, cat) !== cat) {
        throw new YibaoError(`${city.zh}的类别 ${cat} 归入 ${resolveCategory(book, city, cat)}，请改用后者的参数名`, `${city.en} files ${cat} under ${resolveCategory(book, city, cat)}: use that parameter name`, 'scenario');
      }
    }
    const c = coerce(kind, value, isCategory);
    if ('problem' in c) throw new YibaoError(`情景参数 ${key} ${c.problem[0]}`, `scenario parameter ${key} ${c.problem[1]}`, 'scenario');
    overrides.set(key, c.value);
  }
  if (growth) {
    for (const y of growth.contribution.keys()) {
      if (overrides.has(`contribution.individual@${y}`)) {
        throw new YibaoError(`情景同时设定了 contribution.individual@${y} 和 growth.contribution.${y}：请只留一个`, `the scenario sets both contribution.individual@${y} and growth.contribution.${y}: keep one`, 'scenario');
      }
    }
  }
  const scenario: Scenario = { name: name.trim(), city: city?.id, overrides, ...(growth ? { growth } : {}) };
  sources.set(scenario, data);
  return scenario;
}

// The JSON each scenario was read from: a worker thread or an activity is handed this and reads it
// again (a Scenario holds Decimals, which do not survive structured cloning).
const sources = new WeakMap<Scenario, unknown>();

/** The JSON data a scenario was read from (scenarioFrom(book, data) gives it back). */
export function scenarioData(scenario: Scenario): unknown {
  const data = sources.get(scenario);
  if (data === undefined) throw new Error('scenarioData: not a scenario from scenarioFrom');
  return data;
}

/** A scenario as it crosses to another thread: the JSON it was read from, and its name. */
export interface ScenarioWire { data: unknown; name: string }

export function scenarioWire(scenario: Scenario): ScenarioWire {
  return { data: scenarioData(scenario), name: scenario.name };
}

/** The scenario again on the other side, read and checked as the first was. */
export function scenarioOfWire(book: Book, w: ScenarioWire): Scenario {
  return scenarioFrom(book, w.data, w.name);
}

export function parseScenario(book: Book, text: string, fallbackName?: string): Scenario {
  return scenarioFrom(book, parseJsonData(text, { zh: '情景文件', en: 'the scenario' }), fallbackName);
}
