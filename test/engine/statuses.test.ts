// Spec 10.4: status corrections and the status `derived` (推算), as every listing shows them.
import { library } from '../../policy';
import { loadBook, defaultBook, parameterTable, violationLine, checkPolicy, resolveCity, scenarioFrom } from '../../engine';
import { settleCsv } from '../helpers';

const book = defaultBook();
const row = (name: string, city: string, date = '2023-06-30') => parameterTable(city, date).find((r) => r.name === name)!;

describe('status corrections (spec 10.4)', () => {
  test("Linyi's ordinary critical.segments are derived (推算): the tilt rates minus 0.05", () => {
    const r = row('critical.segments', 'linyi');
    expect([r.status, r.status_text]).toEqual(['derived', '推算 derived']);
  });

  test("Linyi's special-drug track is listed as assumed, published for the tilt group only", () => {
    for (const name of ['critical.specialDrug.deductible', 'critical.specialDrug.rate', 'critical.specialDrug.cap']) {
      const r = row(name, 'linyi');
      expect(r.status).toBe('assumed');
      expect(r.status_text).toBe('假设值 assumed；已公布 published: extremely_poor, dibao, relapsed');
    }
  });

  test('a special-drug claim cites the track as published for dibao, assumed for an ordinary resident', () => {
    const claims = 'd1,p1,dibao,linyi,2023-06-01,special_drug,,10000,10000,0\nd2,p2,ordinary,linyi,2023-06-01,special_drug,,10000,10000,0';
    const [dibao, ordinary] = settleCsv(claims).results;
    const status = (r: typeof dibao) => r.steps.find((s) => s.tier === 'critical')!.params.map((p) => p.status);
    expect(status(dibao)).toEqual(['published', 'published', 'published']);
    expect(status(ordinary)).toEqual(['assumed', 'assumed', 'assumed']);
    // the amounts are the same for both: 10,000 × 80% = 8,000
    expect([dibao.critical.toFixed(2), ordinary.critical.toFixed(2)]).toEqual(['8000.00', '8000.00']);
  });

  test("Xixiu's assistance rate 0.70 is assumed at the published floor 不低于70%", () => {
    for (const c of ['extremely_poor', 'alleviated', 'dibao']) {
      const r = row(`assistance.${c}.rate`, 'xixiu');
      expect([r.value, r.status, r.status_text]).toEqual(['0.7', 'assumed', '假设值 assumed']);
      expect(r.quote).toContain('不低于70%');
    }
  });

  test('a scenario value shows as the scenario, whatever the pack said', () => {
    const s = scenarioFrom(book, { city: 'linyi', overrides: { 'critical.specialDrug.rate': 0.85 } });
    const r = parameterTable('linyi', '2023-06-30', s).find((x) => x.name === 'critical.specialDrug.rate')!;
    expect([r.status, r.status_text]).toEqual(['scenario', '情景值 scenario“scenario”']);
  });

  test('a pack may say derived; publishedFor only on an assumed value', () => {
    const lib = JSON.parse(JSON.stringify(library));
    const linyi = lib.packs.find((p: { file: string }) => p.file === 'policy/linyi/2022-01-01.json').data.parameters;
    linyi['critical.specialDrug.rate'].status = 'published';
    expect(() => loadBook(lib)).toThrow(/critical\.specialDrug\.rate\.publishedFor/);
  });

  test("a floor's words are shown as a paraphrase, not a quotation", () => {
    const s = scenarioFrom(book, { city: 'linyi', overrides: { 'assistance.dibao.rate': 0.6 } });
    const v = checkPolicy(book, resolveCity(book, 'linyi'), '2023-06-30', s).find((x) => x.rule === 'national.assistance.core_rate')!;
    const line = violationLine(v);
    expect(line).toContain('特困人员、低保对象、返贫致贫人口救助比例不低于70%（大意 paraphrase）');
    expect(line).not.toMatch(/[“"]特困/);
  });
});
