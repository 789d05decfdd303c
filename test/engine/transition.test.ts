// Spec 10.2 (the transition period 过渡期 and its end) and 10.5 (which rules a benefit year's
// subsidy reads). Figures worked by hand from the spec.
import { defaultBook, resolveCity, subsidyFor, parameterTable, checkPolicy, scenarioFrom, explainText } from '../../engine';
import { settleCsv, amounts } from '../helpers';

const book = defaultBook();
const luan = resolveCity(book, 'luan');
const linyi = resolveCity(book, 'linyi');
const xixiu = resolveCity(book, 'xixiu');
const ENDED = '过渡期已结束（假设 2025-12-31）';

describe('transitional rules lapse after transition.end (spec 10.2)', () => {
  // Linyi dibao_marginal, compliant 60,000, basic_paid 30,000: oop1 30,000;
  // critical (30,000 − 12,000) × 60% = 10,800; oop2 19,200.
  const row = (id: string, person: string, date: string, cat = 'dibao_marginal') => `${id},${person},${cat},linyi,${date},inpatient,,60000,60000,30000`;

  test('inside the transition (2025-12-31): assistance (19,200 − 3,000) × 50% = 8,100, re-assistance (11,100 − 10,000) × 70% = 770', () => {
    const r = settleCsv(row('a', 'p1', '2025-12-31')).results[0];
    expect(amounts(r)).toMatchObject({ critical: '10800.00', assistance: '8100.00', reassist: '770.00', oop_compliant: '10330.00' });
    expect(r.notes).toEqual([]);
  });

  test('after it (2026-01-01): both tiers pay 0, the claim and its explanation say why', () => {
    const r = settleCsv(row('a', 'p1', '2026-01-01')).results[0];
    expect(amounts(r)).toMatchObject({ critical: '10800.00', assistance: '0.00', reassist: '0.00', oop_compliant: '19200.00', oop_total: '19200.00' });
    expect(r.notes.map((n) => n.zh)).toEqual([ENDED]);
    const text = explainText(r);
    expect(text).toContain(`医疗救助 medical assistance：0.00 — ${ENDED}`);
    expect(text).toContain('医保发〔2021〕10号 一 · 假设值 assumed');
  });

  test('rules the documents do not limit to the transition go on: Linyi dibao in 2026 is the section 9 example', () => {
    const r = settleCsv('c,p,dibao,linyi,2026-05-01,inpatient,,60000,50000,30000').results[0];
    expect(amounts(r)).toMatchObject({ critical: '9100.00', assistance: '7630.00', reassist: '0.00', oop_total: '13270.00' });
  });

  test('a scenario setting a later transition.end extends them, to the day', () => {
    const s = scenarioFrom(book, { name: '延长过渡期', overrides: { 'transition.end': '2026-06-30' } });
    const [inside, after] = settleCsv([row('a', 'p1', '2026-06-30'), row('b', 'p2', '2026-07-01')].join('\n'), s).results;
    expect([inside.assistance.toFixed(2), inside.reassist.toFixed(2)]).toEqual(['8100.00', '770.00']);
    expect([after.assistance.toFixed(2), after.reassist.toFixed(2)]).toEqual(['0.00', '0.00']);
    expect(after.notes.map((n) => n.zh)).toEqual(['过渡期已结束（情景“延长过渡期” 2026-06-30）']);
  });

  test('a bad transition.end in a scenario is refused', () => {
    expect(() => scenarioFrom(book, { overrides: { 'transition.end': '2026-02-30' } })).toThrow(/transition\.end 须为 YYYY-MM-DD 日期/);
  });

  test.each([
    // Lu'an: relapsed 70% and monitored 50% of the contribution are transitional, dibao's 80% is not
    ['luan', 'relapsed', 2025, '280.00'], ['luan', 'relapsed', 2026, '0.00'],
    ['luan', 'monitored', 2025, '200.00'], ['luan', 'monitored', 2026, '0.00'],
    ['luan', 'dibao', 2026, '320.00'],
    // Linyi: the marginal groups' 150 + county finance is transitional, dibao's is not
    ['linyi', 'dibao_marginal', 2025, '400.00'], ['linyi', 'dibao_marginal', 2026, '0.00'],
    ['linyi', 'sudden_hardship', 2026, '0.00'], ['linyi', 'relapsed', 2026, '0.00'], ['linyi', 'dibao', 2026, '400.00'],
    // Xixiu: relapsed persons' subsidy (national (一)) is transitional, dibao's is not
    ['xixiu', 'relapsed', 2025, '140.00'], ['xixiu', 'relapsed', 2026, '0.00'], ['xixiu', 'dibao', 2026, '140.00'],
  ])('subsidy %s %s %i: %s', (city, category, year, subsidy) => {
    const s = subsidyFor(book, resolveCity(book, city), category as never, year as number);
    expect(s.subsidy.toFixed(2)).toBe(subsidy);
    expect(s.lapsed).toBe(year === 2026 && subsidy === '0.00');
    if (s.lapsed) {
      expect(s.note!.zh).toBe(`${ENDED}：此类别的资助参保政策已失效，个人全额缴费`);
      expect(s.individual.toFixed(2)).toBe('400.00');
    }
  });

  test('a scenario extending the transition restores the subsidy: Lu\'an relapsed 2026 70% × 400 = 280', () => {
    const s = scenarioFrom(book, { overrides: { 'transition.end': '2026-12-31' } });
    expect(subsidyFor(book, luan, 'relapsed', 2026, s).subsidy.toFixed(2)).toBe('280.00');
  });

  test('transition.end is listed with its status; after it, the lapsed rules are listed as such', () => {
    for (const c of ['luan', 'linyi', 'xixiu']) {
      const end = parameterTable(c, '2024-06-30').find((r) => r.name === 'transition.end')!;
      expect([end.value, end.status, end.source]).toEqual(['2025-12-31', 'assumed', '医保发〔2021〕10号 一']);
    }
    const rows = parameterTable('linyi', '2026-06-30');
    const lapsed = rows.filter((r) => r.lapsed).map((r) => r.name);
    expect(lapsed).toContain('assistance.dibao_marginal.rate');
    expect(lapsed).toContain('reassistance.marginal_at_risk.cap');
    expect(lapsed).not.toContain('assistance.dibao.rate');
    expect(rows.find((r) => r.name === 'assistance.unstable_alleviated.rate')!.lapsed).toContain(ENDED);
    expect(parameterTable('linyi', '2025-06-30').some((r) => r.lapsed)).toBe(false);
  });

  test('floors of lapsed rules lapse with them: the packs break none in 2026', () => {
    for (const c of [luan, linyi, xixiu]) expect(checkPolicy(book, c, '2026-06-30')).toEqual([]);
  });
});

describe('the subsidy of benefit year Y reads the rules in force on 1 January of Y (spec 10.5)', () => {
  test('Lu\'an dibao 2024: read on 2024-01-01, 80% of 380 = 304, no flag', () => {
    const s = subsidyFor(book, luan, 'dibao', 2024);
    expect([s.date, s.subsidy.toFixed(2), s.reading]).toEqual(['2024-01-01', '304.00', undefined]);
  });

  test('Linyi dibao 2022: no rule on 1 January, the first in force in 2022 (2022-04-01) is used and flagged', () => {
    const s = subsidyFor(book, linyi, 'dibao', 2022);
    // 320: 150 from the assistance fund, 170 from county finance
    expect([s.date, s.assistance_fund.toFixed(2), s.county_finance.toFixed(2)]).toEqual(['2022-04-01', '150.00', '170.00']);
    expect(s.reading!.zh).toBe('2022 年 1 月 1 日尚无此类别的资助参保规则，按年内首个施行的规则（2022-04-01 起）计算');
    expect(subsidyFor(book, linyi, 'dibao', 2023).reading).toBeUndefined();
  });

  test('Xixiu 2021: the city\'s rules start on 2021-08-03, read then and flagged', () => {
    const s = subsidyFor(book, xixiu, 'alleviated', 2021);
    expect([s.date, s.subsidy.toFixed(2)]).toEqual(['2021-08-03', '140.00']);
    expect(s.reading!.en).toContain('from 2021-08-03');
  });

  test('Linyi ordinary 2022: no rule at all in the year, read on 1 January, no subsidy', () => {
    const s = subsidyFor(book, linyi, 'ordinary', 2022);
    expect([s.date, s.subsidy.toFixed(2), s.reading]).toEqual(['2022-01-01', '0.00', undefined]);
  });
});
