// Load and validate the policy library. A malformed file fails here, naming the file, the parameter
// and what is wrong, before any claim is settled.
import { YibaoError, type Message } from '../errors';
import type { CategoryId, ParamEntry } from '../types';
import { coerce, kindOf, categoryOf } from './schema';
import type { Yearly } from './yearly';

export interface CategoryDef { id: CategoryId; zh: string; en: string; names: string[]; mams?: string }

export interface CityDef {
  id: string;
  zh: string;
  en: string;
  names: string[];
  code: string;
  province: string;
  province_zh: string;
  categories: CategoryId[];
  aliases: Record<string, CategoryId>;
  mams_codes: string[];
  hints: Record<string, Message>;
}

export interface Pack {
  city: string; effective: string; document: string; file: string;
  params: Map<string, ParamEntry>;
  /** Per-year values (`{"byYear": {"2022": {value, status, source}}}`), by name (spec 10.3). */
  yearly: Map<string, Yearly>;
}

export interface FloorRule {
  id: string;
  scope: string;
  on: 'policy' | 'claim';
  for?: CategoryId[];
  check: string;
  source: string;
  zh: string;
  en: string;
  /** Categories of a city the rule does not cover, by city id (`unless_note` says why). */
  unless?: Record<string, CategoryId[]>;
}

export interface Book {
  categories: Map<CategoryId, CategoryDef>;
  cities: Map<string, CityDef>;
  /** Versions of each city's pack, oldest first. */
  packs: Map<string, Pack[]>;
  /** National per-year values (policy/contribution.json: contribution.individual), by name. */
  yearly: Map<string, Yearly>;
  floors: FloorRule[];
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isIsoDate(s: string): boolean {
  if (!ISO_DATE.test(s)) return false;
  const [y, m, d] = s.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

function fail(file: string, where: string, zh: string, en: string): never {
  throw new YibaoError(`政策文件 ${file}：${where} ${zh}`, `policy file ${file}: ${where} ${en}`, 'policy');
}

function obj(x: unknown): Record<string, unknown> | undefined {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;
}

function str(file: string, o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v.trim() === '') fail(file, key, '缺少或不是文本', 'is missing or not text');
  return v;
}

function strList(file: string, o: Record<string, unknown>, key: string): string[] {
  const v = o[key];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) fail(file, key, '须为文本列表', 'must be a list of strings');
  return v as string[];
}

function entry(file: string, name: string, raw: unknown, effective: string, isCategory: (c: string) => boolean): ParamEntry {
  const o = obj(raw);
  if (!o) fail(file, name, '须为 {value, status, source} 对象', 'must be an object {value, status, source}');
  const kind = kindOf(name);
  if (!kind) fail(file, name, '不是已知的参数名', 'is not a known parameter name');
  const cat = categoryOf(name);
  if (cat !== undefined && !isCategory(cat)) fail(file, name, `中的类别 ${cat} 未定义`, `names an unknown category ${cat}`);
  if (!('value' in o)) fail(file, name, '缺少 value', 'has no value');
  const status = o.status;
  if (status !== 'published' && status !== 'derived' && status !== 'assumed') fail(file, name, 'status 须为 published、derived 或 assumed', 'status must be published, derived or assumed');
  const source = o.source;
  if (typeof source !== 'string' || source.trim() === '') fail(file, name, '缺少出处 source', 'has no source');
  const c = coerce(kind, o.value, isCategory);
  if ('problem' in c) fail(file, name, c.problem[0], c.problem[1]);
  if (o.transitional !== undefined && typeof o.transitional !== 'boolean') fail(file, `${name}.transitional`, '须为 true 或 false', 'must be true or false');
  const publishedFor = o.publishedFor === undefined ? undefined : strList(file, o, 'publishedFor');
  if (publishedFor && (status !== 'assumed' || publishedFor.some((x) => !isCategory(x)))) fail(file, `${name}.publishedFor`, '须为类别编码列表，且 status 为 assumed', 'must list category ids, with status assumed');
  return {
    name,
    value: c.value,
    status,
    source,
    quote: typeof o.quote === 'string' ? o.quote : undefined,
    note: typeof o.note === 'string' ? o.note : undefined,
    publishedFor: publishedFor as CategoryId[] | undefined,
    transitional: o.transitional === true ? true : undefined,
    effective,
    file,
  };
}

/** A per-year value's years; each year's value takes effect on 1 January of it (or the pack's date, if later). */
function years(file: string, name: string, byYear: Record<string, unknown>, effective: string, isCategory: (c: string) => boolean): Yearly {
  const out: Yearly = new Map();
  for (const [year, raw] of Object.entries(byYear)) {
    if (!/^\d{4}$/.test(year)) fail(file, `${name}.${year}`, '年份无效', 'is not a year');
    const from = `${year}-01-01`;
    out.set(Number(year), entry(file, name, raw, from > effective ? from : effective, isCategory));
  }
  if (out.size === 0) fail(file, `${name}.byYear`, '须至少给出一个年度', 'must hold at least one year');
  return out;
}

export interface LibraryInput {
  categories: { file: string; data: unknown };
  contribution: { file: string; data: unknown };
  floors: { file: string; data: unknown };
  cities: { file: string; data: unknown }[];
  packs: { file: string; data: unknown }[];
}

export function loadBook(lib: LibraryInput): Book {
  // Categories
  const categories = new Map<CategoryId, CategoryDef>();
  {
    const { file, data } = lib.categories;
    const all = obj(obj(data)?.categories);
    if (!all) fail(file, 'categories', '缺少', 'is missing');
    for (const [id, raw] of Object.entries(all)) {
      const o = obj(raw);
      if (!o) fail(file, id, '须为对象', 'must be an object');
      categories.set(id as CategoryId, {
        id: id as CategoryId,
        zh: str(file, o, 'zh'),
        en: str(file, o, 'en'),
        names: strList(file, o, 'names'),
        mams: typeof o.mams === 'string' ? o.mams : undefined,
      });
    }
  }
  const isCategory = (c: string) => categories.has(c as CategoryId);

  // Cities
  const cities = new Map<string, CityDef>();
  for (const { file, data } of lib.cities) {
    const o = obj(data);
    if (!o) fail(file, '', '须为对象', 'must be an object');
    const cats = strList(file, o, 'categories');
    for (const c of cats) if (!isCategory(c)) fail(file, 'categories', `中的 ${c} 未定义`, `names unknown category ${c}`);
    const aliases = (obj(o.aliases) ?? {}) as Record<string, CategoryId>;
    for (const [from, to] of Object.entries(aliases)) {
      if (!isCategory(from) || !cats.includes(to)) fail(file, `aliases.${from}`, '须从已知类别指向本市类别', 'must map a known category to one of this city\'s');
    }
    const hints = (obj(o.hints) ?? {}) as Record<string, Message>;
    const city: CityDef = {
      id: str(file, o, 'id'),
      zh: str(file, o, 'zh'),
      en: str(file, o, 'en'),
      names: strList(file, o, 'names'),
      code: str(file, o, 'code'),
      province: str(file, o, 'province'),
      province_zh: str(file, o, 'province_zh'),
      categories: cats as CategoryId[],
      aliases,
      mams_codes: strList(file, o, 'mams_codes'),
      hints,
    };
    if (cities.has(city.id)) fail(file, 'id', `${city.id} 重复`, `${city.id} is defined twice`);
    cities.set(city.id, city);
  }

  // Dated packs
  const packs = new Map<string, Pack[]>();
  for (const { file, data } of lib.packs) {
    const o = obj(data);
    if (!o) fail(file, '', '须为对象', 'must be an object');
    const cityId = str(file, o, 'city');
    if (!cities.has(cityId)) fail(file, 'city', `${cityId} 没有 city.json`, `${cityId} has no city.json`);
    const effective = str(file, o, 'effective');
    if (!isIsoDate(effective)) fail(file, 'effective', '须为 YYYY-MM-DD 日期', 'must be a YYYY-MM-DD date');
    const params = new Map<string, ParamEntry>();
    const rawParams = obj(o.parameters);
    if (!rawParams) fail(file, 'parameters', '缺少', 'is missing');
    const yearly = new Map<string, Yearly>();
    for (const [name, raw] of Object.entries(rawParams)) {
      const byYear = obj(obj(raw)?.byYear);
      if (byYear) yearly.set(name, years(file, name, byYear, effective, isCategory));
      else params.set(name, entry(file, name, raw, effective, isCategory));
    }
    const list = packs.get(cityId) ?? [];
    if (list.some((p) => p.effective === effective)) fail(file, 'effective', `${effective} 与另一版本重复`, `${effective} duplicates another version`);
    list.push({ city: cityId, effective, document: str(file, o, 'document'), file, params, yearly });
    packs.set(cityId, list);
  }
  for (const [id] of cities) {
    const list = packs.get(id);
    if (!list || list.length === 0) fail(`policy/${id}`, '', '没有任何政策版本', 'has no policy version');
    list.sort((a, b) => (a.effective < b.effective ? -1 : 1));
  }

  // Contribution standards per benefit year
  const yearly = new Map<string, Yearly>();
  {
    const { file, data } = lib.contribution;
    const byYear = obj(obj(data)?.['contribution.individual']);
    if (!byYear) fail(file, 'contribution.individual', '缺少', 'is missing');
    yearly.set('contribution.individual', years(file, 'contribution.individual', byYear, '0000-01-01', isCategory));
  }

  // Floors
  const floors: FloorRule[] = [];
  {
    const { file, data } = lib.floors;
    const rules = obj(data)?.rules;
    if (!Array.isArray(rules)) fail(file, 'rules', '须为列表', 'must be a list');
    for (const raw of rules) {
      const o = obj(raw);
      if (!o) fail(file, 'rules', '每条规则须为对象', 'each rule must be an object');
      const id = str(file, o, 'id');
      const forCats = o.for === undefined ? undefined : strList(file, o, 'for');
      for (const c of forCats ?? []) if (!isCategory(c)) fail(file, `${id}.for`, `中的 ${c} 未定义`, `names unknown category ${c}`);
      const scope = str(file, o, 'scope');
      if (!/^(national|province:[a-z]+|city:[a-z]+)$/.test(scope)) fail(file, `${id}.scope`, '须为 national、province:X 或 city:X', 'must be national, province:X or city:X');
      const on = o.on === undefined ? 'policy' : o.on;
      if (on !== 'policy' && on !== 'claim') fail(file, `${id}.on`, '须为 policy 或 claim', 'must be policy or claim');
      const unless = o.unless === undefined ? undefined : (obj(o.unless) as Record<string, CategoryId[]> | undefined);
      if (o.unless !== undefined) {
        if (!unless || Object.values(unless).some((l) => !Array.isArray(l) || l.some((c) => !isCategory(c)))) fail(file, `${id}.unless`, '须为 {城市: [类别]} 对象', 'must be an object {city: [categories]}');
        str(file, o, 'unless_note');
      }
      floors.push({ id, scope, on, for: forCats as CategoryId[] | undefined, check: str(file, o, 'check'), source: str(file, o, 'source'), zh: str(file, o, 'zh'), en: str(file, o, 'en'), unless });
    }
  }

  return { categories, cities, packs, yearly, floors };
}
