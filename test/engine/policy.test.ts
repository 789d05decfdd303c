// Policy packs: validated on load (file, parameter, problem), dated values, and the section 2 band check.
import { library } from '../../policy';
import { loadBook, defaultBook, paramsAt, resolveCity, settleLedger, csvLedgerRows, parameterTable, versionsOf, subsidyFor, scenarioFrom, YibaoError } from '../../engine';
import { HEADER } from '../helpers';

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

function withPack(mutate: (lib: ReturnType<typeof clone<typeof library>>) => void) {
  const lib = clone(library);
  mutate(lib);
  return () => loadBook(lib);
}

describe('a malformed pack fails naming the file, the parameter and the problem', () => {
  const linyi = (lib: typeof library) => (lib.packs.find((p) => p.file === 'policy/linyi/2022-01-01.json')!.data as { parameters: Record<string, Record<string, unknown>> }).parameters;

  test('a rate above 1', () => {
    expect(withPack((lib) => (linyi(lib)['assistance.dibao.rate'].value = '1.5'))).toThrow(/policy\/linyi\/2022-01-01\.json.*assistance\.dibao\.rate.*0 到 1/);
  });
  test('a missing source', () => {
    expect(withPack((lib) => delete linyi(lib)['critical.deductible'].source)).toThrow(/critical\.deductible.*source/);
  });
  test('a status that is neither published nor assumed', () => {
    expect(withPack((lib) => (linyi(lib)['critical.deductible'].status = 'guessed'))).toThrow(/critical\.deductible.*status/);
  });
  test('an unknown parameter name', () => {
    expect(withPack((lib) => (linyi(lib)['assistance.dibao.ratio'] = { value: '0.7', status: 'published', source: 'x' }))).toThrow(/assistance\.dibao\.ratio.*不是已知的参数名/);
  });
  test('an unknown category in a list', () => {
    expect(withPack((lib) => (linyi(lib)['critical.tilt.categories'].value = ['dibao', 'poor']))).toThrow(/critical\.tilt\.categories.*类别编码/);
  });
  test('bands that do not increase', () => {
    expect(withPack((lib) => ((linyi(lib)['critical.segments'].value as { from: string }[])[2].from = '50000'))).toThrow(/critical\.segments.*递增/);
  });
  test('a negative amount', () => {
    expect(withPack((lib) => (linyi(lib)['assistance.dibao.cap'].value = '-1'))).toThrow(YibaoError);
  });
  test('the shipped library itself is valid', () => {
    expect(() => loadBook(library)).not.toThrow();
  });
});

describe('effective dating', () => {
  const book = defaultBook();
  const linyi = resolveCity(book, 'linyi');

  test("Linyi's subsidy rules exist only from 2022-04-01; the rest keeps its 2022-01-01 value", () => {
    expect(paramsAt(book, linyi, '2022-03-31').has('subsidy.dibao.rate')).toBe(false);
    const april = paramsAt(book, linyi, '2022-04-01');
    expect(april.get('subsidy.dibao.assistanceFund')!.effective).toBe('2022-04-01');
    expect(april.get('critical.deductible')!.effective).toBe('2022-01-01');
    expect(versionsOf('linyi').map((v) => v.effective)).toEqual(['2022-01-01', '2022-04-01']);
  });

  test('every parameter shown carries status and source', () => {
    for (const city of ['luan', 'linyi', 'xixiu']) {
      for (const p of parameterTable(city, '2024-06-30')) {
        expect(['published', 'derived', 'assumed']).toContain(p.status);
        expect(p.source.length).toBeGreaterThan(3);
      }
    }
  });

  test('the table shows the contribution standard of the date\'s year, as assumed, and a scenario for the city over it', () => {
    const row = parameterTable('linyi', '2024-06-30').find((p) => p.name === 'contribution.individual')!;
    expect([row.value, row.status]).toEqual(['380', 'assumed']);
    const s = scenarioFrom(book, { city: 'linyi', overrides: { 'contribution.individual': 500 } });
    const over = parameterTable('linyi', '2024-06-30', s).find((p) => p.name === 'contribution.individual')!;
    expect([over.value, over.status, over.was]).toEqual(['500', 'scenario', '380 (assumed)']);
    expect(parameterTable('luan', '2024-06-30', s).find((p) => p.name === 'contribution.individual')!.value).toBe('380');
    // past the last held year: the latest earlier year's value, assumed and said so (spec 10.3)
    const later = parameterTable('linyi', '2035-06-30').find((p) => p.name === 'contribution.individual')!;
    expect([later.value, later.status, later.carried]).toEqual(['400', 'assumed', "contribution.individual 2035 年未设定，沿用 2026 年 400 元（假设） (contribution.individual not set for 2035: 2026's 400 yuan carried forward (assumed))"]);
  });

  test("a subsidy asked for on a date before Linyi's subsidy rules says there is none rather than guessing", () => {
    const s = subsidyFor(book, linyi, 'dibao', 2022, undefined, '2022-03-01');
    expect(s.subsidy.toFixed(2)).toBe('0.00');
    expect(s.note!.zh).toContain('无资助参保政策');
  });
});

describe('spec section 2: the band formula against the Shandong 2014 example', () => {
  test('deductible 10,000; 50% to 100,000; 60% above: OOP 170,000 pays 87,000', () => {
    const lib = clone(library);
    lib.cities.push({ file: 'test/sd2014/city.json', data: { id: 'sd2014', zh: '山东2014', en: 'Shandong 2014', names: ['山东2014'], code: '370000', province: 'shandong_test', province_zh: '山东省', categories: ['ordinary'], aliases: {}, mams_codes: [], hints: {} } });
    const p = (value: unknown) => ({ value, status: 'published', source: '鲁政办发〔2014〕 test' });
    lib.packs.push({
      file: 'test/sd2014/2014-01-01.json',
      data: {
        city: 'sd2014', effective: '2014-01-01', document: 'Shandong 2014 critical-illness rules (test pack)',
        parameters: {
          'basic.deductible': p('0'), 'basic.rate': p('0.70'), 'basic.cap': p(null),
          'critical.deductible': p('10000'), 'critical.cap': p(null),
          'critical.segments': p([{ from: 'deductible', rate: '0.50' }, { from: '100000', rate: '0.60' }]),
        },
      },
    });
    const book = loadBook(lib);
    const o = settleLedger(book, csvLedgerRows(`${HEADER}\nk,p,ordinary,sd2014,2014-06-01,inpatient,,170000,170000,0`).rows);
    // (100,000 − 10,000) × 0.5 + (170,000 − 100,000) × 0.6 = 45,000 + 42,000 = 87,000
    expect(o.results[0].critical.toFixed(2)).toBe('87000.00');
  });
});
