// What-if scenarios over the packs, the floors of spec section 8, and the enrolment subsidy split.
import { defaultBook, contributionFor, parseScenario, scenarioFrom, checkPolicy, resolveCity, subsidyFor, explainText, settleOne, YibaoError } from '../../engine';
import { settleCsv, amounts } from '../helpers';

const book = defaultBook();
const linyi = resolveCity(book, 'linyi');
const luan = resolveCity(book, 'luan');
const xixiu = resolveCity(book, 'xixiu');

describe('scenarios', () => {
  test('raising Linyi dibao assistance to 75% changes the section 9 claim by exactly 545', () => {
    const s = parseScenario(book, '{"name": "低保75%", "city": "临沂", "overrides": {"assistance.dibao.rate": 0.75}}');
    const row = 'c1,p1,dibao,linyi,2023-05-01,inpatient,,60000,50000,30000';
    // oop2 10,900: 70% → 7,630; 75% → 8,175
    expect(amounts(settleCsv(row, s).results[0]).assistance).toBe('8175.00');
    expect(amounts(settleCsv(row).results[0]).assistance).toBe('7630.00');
    // the override shows as a scenario value with the pack's value beside it
    const step = settleCsv(row, s).results[0].steps.find((x) => x.tier === 'assistance')!;
    const rate = step.params.find((p) => p.name === 'assistance.dibao.rate')!;
    expect(rate.scenario).toBe('低保75%');
    expect(rate.overrides!.status).toBe('published');
  });

  test("a scenario for one city leaves the others alone", () => {
    const s = parseScenario(book, '{"city": "linyi", "overrides": {"assistance.dibao.rate": 0.75}}');
    expect(amounts(settleCsv('c1,p1,dibao,luan,2023-05-01,inpatient,,60000,50000,30000', s).results[0]).assistance).toBe(amounts(settleCsv('c1,p1,dibao,luan,2023-05-01,inpatient,,60000,50000,30000').results[0]).assistance);
  });

  test.each([
    ['unknown parameter', '{"overrides": {"assistance.dibao.ratio": 0.7}}', /不是已知参数名/],
    ['rate above 1', '{"overrides": {"assistance.dibao.rate": 75}}', /0 到 1/],
    ['rate as text that is not a number', '{"overrides": {"assistance.dibao.rate": "七成"}}', /0 到 1/],
    ['unknown city', '{"city": "北京", "overrides": {}}', /未知城市/],
    ['prototype pollution', '{"overrides": {"__proto__": {"x": 1}}}', /不允许的键 __proto__/],
    ['constructor key', '{"overrides": {"constructor": 1}}', /不允许的键/],
    ['not JSON', '{overrides: 1}', /不是有效的 JSON/],
    ['unknown field (a path or code is never read)', '{"overrides": {}, "include": "/etc/passwd"}', /未知字段 include/],
    ['a category the city files under another', '{"city": "luan", "overrides": {"assistance.marginal_at_risk.rate": 0.5}}', /归入 monitored/],
  ])('%s is refused', (_n, text, re) => {
    expect(() => parseScenario(book, text)).toThrow(re);
  });

  test('overriding part of an assistance rule a category lacks is an error naming what is missing', () => {
    const s = scenarioFrom(book, { city: 'linyi', overrides: { 'assistance.alleviated.rate': 0.5 } });
    const o = settleCsv('a1,p1,alleviated,linyi,2023-05-01,inpatient,,100,100,', s);
    expect(o.rejections[0].reason.zh).toContain('assistance.alleviated 缺少 assistance.alleviated.deductible, assistance.alleviated.cap');
  });
});

describe('floors and ceilings (spec section 8)', () => {
  test('the shipped packs break no floor', () => {
    for (const c of [luan, linyi, xixiu]) expect(checkPolicy(book, c, '2024-06-30')).toEqual([]);
  });

  test('a scenario breaking floors is still computed and names each rule it breaks', () => {
    const s = scenarioFrom(book, { name: 'cut', city: 'linyi', overrides: { 'assistance.dibao.rate': 0.65, 'reassistance.dibao.cap': 25000, 'critical.tilt.cap': 500000, 'critical.tilt.rateIncrease': 0.03, 'assistance.dibao_marginal.rate': 0.7 } });
    const rules = checkPolicy(book, linyi, '2024-06-30', s).map((v) => `${v.rule}:${v.category ?? ''}`).sort();
    expect(rules).toEqual([
      'national.assistance.core_rate:dibao',
      'national.assistance.others_below_dibao:dibao_marginal',
      'national.critical.tilt_no_cap:',
      'national.critical.tilt_rate:',
      'shandong.assistance.core_rate:dibao',
      'shandong.reassistance.cap:dibao',
    ]);
    const o = settleCsv('c1,p1,dibao,linyi,2023-05-01,inpatient,,60000,50000,30000', s);
    expect(o.results).toHaveLength(1);
    // oop1 20,000, tilt 63% from 6,000: 14,000 × 0.63 = 8,820; oop2 11,180 × 0.65 = 7,267
    expect(amounts(o.results[0])).toMatchObject({ critical: '8820.00', assistance: '7267.00' });
    expect(o.policyViolations.every((v) => v.scenario === 'cut')).toBe(true);
  });

  test("Lu'an subsidy ranges: dibao 80–90%, relapsed 70–80%", () => {
    const s = scenarioFrom(book, { city: 'luan', overrides: { 'subsidy.dibao.rate': 0.95, 'subsidy.relapsed.rate': 0.65 } });
    expect(checkPolicy(book, luan, '2024-06-30', s).map((v) => v.rule).sort()).toEqual(['luan.subsidy.dibao_range_high', 'luan.subsidy.relapsed_range_low']);
  });

  test("Shandong's marginal subsidy must be at least 30% of the contribution and not above dibao's", () => {
    // 2024 contribution 380 (assumed): 30% is 114
    const s = scenarioFrom(book, { city: 'linyi', overrides: { 'subsidy.dibao_marginal.rate': 0.25 } });
    const v = checkPolicy(book, linyi, '2024-06-30', s);
    expect(v.map((x) => x.rule)).toEqual(['shandong.subsidy.marginal_floor']);
    expect(v[0].left).toBe('95'); // 0.25 × 380
    expect(v[0].right).toBe('114');
  });
});

describe('enrolment subsidy split', () => {
  test('Linyi dibao 2024: 150 from the assistance fund, 230 from county finance, the person pays 0', () => {
    const s = subsidyFor(book, linyi, 'dibao', 2024);
    expect([s.contribution, s.assistance_fund, s.county_finance, s.individual].map((d) => d.toFixed(2))).toEqual(['380.00', '150.00', '230.00', '0.00']);
  });
  test('Linyi extremely_poor 2023: all 350 from the assistance fund', () => {
    const s = subsidyFor(book, linyi, 'extremely_poor', 2023);
    expect([s.assistance_fund, s.county_finance, s.individual].map((d) => d.toFixed(2))).toEqual(['350.00', '0.00', '0.00']);
  });
  test("Lu'an dibao 2023: 80% of 350 = 280 from the assistance fund, the person pays 70", () => {
    const s = subsidyFor(book, luan, 'dibao', 2023);
    expect([s.assistance_fund, s.county_finance, s.individual].map((d) => d.toFixed(2))).toEqual(['280.00', '0.00', '70.00']);
    expect(s.params.find((p) => p.name === 'subsidy.dibao.rate')!.status).toBe('assumed');
  });
  test("Lu'an monitored 2022: 50% of 320", () => {
    expect(subsidyFor(book, luan, 'monitored', 2022).subsidy.toFixed(2)).toBe('160.00');
  });
  test('Xixiu alleviated 2021: fixed 140, the person pays the other 140', () => {
    const s = subsidyFor(book, xixiu, 'alleviated', 2021);
    expect([s.subsidy, s.individual].map((d) => d.toFixed(2))).toEqual(['140.00', '140.00']);
  });
  test('no subsidy for ordinary residents, said in words', () => {
    const s = subsidyFor(book, linyi, 'ordinary', 2024);
    expect(s.individual.toFixed(2)).toBe('380.00');
    expect(s.note!.zh).toContain('无资助参保政策');
  });
  test('a year before every held contribution standard is an error, not a zero', () => {
    expect(() => contributionFor(book, 2020)).toThrow(/没有 2020 年或更早年度的 contribution\.individual/);
  });
  test('a year past the last held standard uses the latest earlier one and says so (spec 10.3)', () => {
    const s = subsidyFor(book, linyi, 'dibao', 2030);
    // 2026's 400: 150 from the assistance fund, 250 from county finance
    expect([s.contribution, s.assistance_fund, s.county_finance].map((d) => d.toFixed(2))).toEqual(['400.00', '150.00', '250.00']);
    expect(s.carried.map((m) => m.zh)).toEqual(['contribution.individual 2030 年未设定，沿用 2026 年 400 元（假设）']);
  });
  test('a scenario can set the contribution standard', () => {
    const s = scenarioFrom(book, { overrides: { 'contribution.individual': 420 } });
    expect(subsidyFor(book, linyi, 'dibao', 2030, s).county_finance.toFixed(2)).toBe('270.00');
  });
  test('a scenario for one city sets the contribution standard of that city only', () => {
    const s = scenarioFrom(book, { city: 'linyi', overrides: { 'contribution.individual': 500 } });
    expect(subsidyFor(book, linyi, 'ordinary', 2024, s).individual.toFixed(2)).toBe('500.00');
    expect(subsidyFor(book, xixiu, 'ordinary', 2024, s).individual.toFixed(2)).toBe('380.00'); // the pack's 2024 standard, as for Linyi above
  });
});

describe('explanations', () => {
  test('the section 9 claim explained: bases, deductible, band, rate, cap and clauses', () => {
    const text = explainText(settleOne({ compliant: 50000, total: 60000, basic_paid: 30000, category: '低保', city: '临沂', date: '2023-05-01' }));
    expect(text).toContain('起付线 6,000.00');
    expect(text).toContain('65% × 14,000.00');
    expect(text).toContain('支付 9,100.00');
    expect(text).toContain('比例 70%，年度限额 10,000.00 → 支付 7,630.00');
    expect(text).toContain('临医保发〔2022〕13号 四 · 已公布 published');
    expect(text).toContain('oop_total 13,270.00');
  });
  test('assumed parameters are labelled as such', () => {
    const text = explainText(settleOne({ compliant: 50000, category: 'ordinary', city: 'luan', date: '2023-05-01' }));
    expect(text).toMatch(/假设值 assumed/);
  });
  test('bad arguments throw YibaoError, never a number', () => {
    expect(() => settleOne({ compliant: -1, category: 'dibao', city: 'linyi', date: '2023-05-01' })).toThrow(YibaoError);
    expect(() => settleOne({ compliant: 100, category: 'dibao', city: 'linyi', date: '2023-13-01' })).toThrow(YibaoError);
  });
});
