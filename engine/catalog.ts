// Cities and categories as users type them (spec section 3; issue: 六安, 六安市, 341500, luan, 特困, 1 …).
// Nothing is guessed: an input that matches no name is an error that lists the valid ones.
import { YibaoError, echo } from './errors';
import type { Book, CityDef } from './policy/load';
import type { CategoryId } from './types';

/** Full-width digits and letters to ASCII, spaces trimmed: what people paste from other systems. */
export function normalizeName(s: string): string {
  return s.normalize('NFKC').trim().replace(/\s+/g, '');
}

const cityIndexes = new WeakMap<Book, Map<string, CityDef>>();

function cityIndex(book: Book): Map<string, CityDef> {
  let idx = cityIndexes.get(book);
  if (idx) return idx;
  idx = new Map();
  for (const city of book.cities.values()) {
    const keys = [city.id, city.code, city.zh, ...city.names];
    for (const k of keys) {
      const n = normalizeName(k).toLowerCase();
      idx.set(n, city);
      // 六安 ↔ 六安市, 西秀 ↔ 西秀区: accept the name with or without its administrative suffix.
      const bare = n.replace(/[市区县]$/, '');
      if (bare.length >= 2) idx.set(bare, city);
    }
  }
  cityIndexes.set(book, idx);
  return idx;
}

export function cityList(book: Book): string {
  return [...book.cities.values()].map((c) => `${c.zh}(${c.id}, ${c.code})`).join('、');
}

export function resolveCity(book: Book, input: unknown): CityDef {
  const text = typeof input === 'number' ? String(input) : typeof input === 'string' ? input : '';
  const n = normalizeName(text).toLowerCase();
  if (n === '') throw new YibaoError(`城市为空；可选：${cityList(book)}`, `city is empty; valid: ${cityList(book)}`, 'city');
  const city = cityIndex(book).get(n) ?? cityIndex(book).get(n.replace(/[市区县]$/, ''));
  if (!city) throw new YibaoError(`未知城市“${echo(text)}”；可选：${cityList(book)}`, `unknown city "${echo(text)}"; valid: ${cityList(book)}`, 'city');
  return city;
}

/** The names a city accepts for its categories, for error messages and Excel's CATEGORIES(). */
export function categoryChoices(book: Book, city: CityDef): string {
  return city.categories
    .map((id) => {
      const def = book.categories.get(id)!;
      const codes = city.mams_codes.filter((c) => {
        const byCode = [...book.categories.values()].find((d) => d.mams === c);
        return byCode && (byCode.id === id || city.aliases[byCode.id] === id);
      });
      return `${def.zh}(${id}${codes.length ? ', ' + codes.join('/') : ''})`;
    })
    .join('、');
}

/**
 * Resolve what a user typed to a category of this city: the id, any Chinese name of spec section 3,
 * or a MAMS class number where the city uses them. City aliases apply (Lu'an: 5, 6, 7 → monitored).
 */
export function resolveCategory(book: Book, city: CityDef, input: unknown): CategoryId {
  const text = typeof input === 'number' ? String(input) : typeof input === 'string' ? input : '';
  const n = normalizeName(text);
  const choices = () => categoryChoices(book, city);
  if (n === '') throw new YibaoError(`类别为空；${city.zh}可选：${choices()}`, `category is empty; ${city.en} accepts: ${choices()}`, 'category');
  let found: CategoryId | undefined;
  if (/^\d+$/.test(n)) {
    const def = [...book.categories.values()].find((d) => d.mams === n);
    if (!def || !city.mams_codes.includes(n)) {
      throw new YibaoError(
        `${city.zh}不接受类别编号“${echo(text)}”；可选：${choices()}`,
        `${city.en} does not accept category number "${echo(text)}"; valid: ${choices()}`,
        'category',
      );
    }
    found = def.id;
  } else {
    const lower = n.toLowerCase();
    for (const def of book.categories.values()) {
      if (def.id === lower || def.names.some((x) => normalizeName(x) === n)) {
        found = def.id;
        break;
      }
    }
  }
  if (!found) {
    throw new YibaoError(`未知类别“${echo(text)}”；${city.zh}可选：${choices()}`, `unknown category "${echo(text)}"; ${city.en} accepts: ${choices()}`, 'category');
  }
  const resolved = city.aliases[found] ?? found;
  if (!city.categories.includes(resolved)) {
    const hint = city.hints[found];
    const def = book.categories.get(found)!;
    throw new YibaoError(
      hint ? hint.zh : `${city.zh}没有类别“${def.zh}”(${found})；可选：${choices()}`,
      hint ? hint.en : `${city.en} has no category ${found}; valid: ${choices()}`,
      'category',
    );
  }
  return resolved;
}
