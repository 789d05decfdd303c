// Spec 10.1: who is in Xixiu's tilt group and gets assistance, and a floor a city leaves a
// category nothing under. Figures worked by hand from the spec.
import { library } from '../../policy';
import { loadBook, defaultBook, resolveCity, subsidyFor, checkPolicy } from '../../engine';
import { settleCsv, amounts } from '../helpers';

const book = defaultBook();
const xixiu = resolveCity(book, 'xixiu');

describe('Xixiu categories (spec 10.1)', () => {
  test('unstable_alleviated (脱贫不稳定户) gets exactly what alleviated gets: tilt, assistance, warning', () => {
    // as for alleviated: oop1 10,000; tilt critical (10,000 − 5,448.75) × 0.65 = 2,958.3125 → 2,958.31;
    // oop2 7,041.69; assistance 70% = 4,929.183 → 4,929.18; oop_total 25,000 − 10,000 − 2,958.31 − 4,929.18 = 7,112.51
    const expected = { basic: '10000.00', critical: '2958.31', assistance: '4929.18', reassist: '0.00', oop_compliant: '2112.51', oop_total: '7112.51' };
    for (const cat of ['脱贫不稳定户', '建档立卡脱贫人口']) {
      const r = settleCsv(`x1,p1,${cat},西秀区,2023-01-01,inpatient,,25000,20000,10000`).results[0];
      expect(amounts(r)).toEqual(expected);
      expect(r.warning).toBe(true);
    }
    const tilt = settleCsv('x1,p1,unstable_alleviated,xixiu,2023-01-01,inpatient,,25000,20000,10000').results[0]
      .steps.find((s) => s.tier === 'critical')!.params.find((p) => p.name === 'critical.tilt.categories')!;
    expect(tilt.status).toBe('published');
  });

  test("relapsed (返贫致贫人口) gets dibao's benefits, as an assumption", () => {
    // oop1 20,000; tilt (20,000 − 5,448.75) × 0.65 = 9,458.3125 → 9,458.31; oop2 10,541.69;
    // assistance 70% = 7,379.183 → 7,379.18; no re-assistance in Xixiu: oop 3,162.51
    const expected = { basic: '10000.00', critical: '9458.31', assistance: '7379.18', reassist: '0.00', oop_compliant: '3162.51', oop_total: '3162.51' };
    const [relapsed, dibao] = settleCsv('x2,p1,返贫致贫人口,xixiu,2023-01-01,inpatient,,30000,30000,10000\nx3,p2,dibao,xixiu,2023-01-01,inpatient,,30000,30000,10000').results;
    expect(amounts(relapsed)).toEqual(expected);
    expect(amounts(dibao)).toEqual(expected);
    const statuses = (tier: string, name: string) => relapsed.steps.find((s) => s.tier === tier)!.params.find((p) => p.name === name)!.status;
    expect(statuses('critical', 'critical.tilt.categories')).toBe('assumed');
    expect(statuses('assistance', 'assistance.relapsed.rate')).toBe('assumed');
  });

  test('subsidies: unstable_alleviated 140 as alleviated (published 2021); relapsed 140 as dibao (assumed)', () => {
    const u = subsidyFor(book, xixiu, 'unstable_alleviated', 2021);
    expect([u.subsidy, u.individual].map((d) => d.toFixed(2))).toEqual(['140.00', '140.00']);
    expect(u.params.find((p) => p.name === 'subsidy.unstable_alleviated.amount')!.status).toBe('published');
    const r = subsidyFor(book, xixiu, 'relapsed', 2024); // 380 − 140 = 240
    expect([r.subsidy, r.individual].map((d) => d.toFixed(2))).toEqual(['140.00', '240.00']);
    expect(r.params.find((p) => p.name === 'subsidy.relapsed.amount')!.status).toBe('assumed');
    for (const c of ['dibao_marginal', 'marginal_at_risk'] as const) expect(subsidyFor(book, xixiu, c, 2024).subsidy.toFixed(2)).toBe('0.00');
  });
});

describe('a floor a city leaves a category nothing under is broken (spec 10.1)', () => {
  test('Xixiu as packed before section 10 (relapsed without assistance) breaks the national 70% floor for relapsed', () => {
    const lib = JSON.parse(JSON.stringify(library));
    const params = lib.packs.find((p: { file: string }) => p.file === 'policy/xixiu/2021-08-03.json').data.parameters;
    for (const k of Object.keys(params)) if (k.startsWith('assistance.relapsed.')) delete params[k];
    const old = loadBook(lib);
    const v = checkPolicy(old, resolveCity(old, 'xixiu'), '2023-06-30').filter((x) => x.category === 'relapsed');
    expect(v.map((x) => [x.rule, x.left, x.right])).toEqual([['national.assistance.core_rate', 'missing 未设定', '0.7']]);
  });

  test('the shipped packs break no floor for a category they leave out', () => {
    for (const id of ['luan', 'linyi', 'xixiu']) {
      expect(checkPolicy(book, resolveCity(book, id), '2023-06-30').filter((v) => v.left === 'missing 未设定')).toEqual([]);
    }
  });

  test('a ceiling is met by nothing: Xixiu gives dibao_marginal no assistance, below dibao\'s rate', () => {
    expect(checkPolicy(book, xixiu, '2023-06-30').filter((v) => v.category === 'dibao_marginal')).toEqual([]);
  });
});
