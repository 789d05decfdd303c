// The YIBAO custom functions called directly, as Excel would call them (omitted arguments are null),
// with a CustomFunctions shim. Expected amounts are worked by hand from the spec (sections 2, 5, 9).
import { excelErrorOf, chineseFirst, ShimError, type ExcelCalls } from './shim';
import * as Functions from '../../addin/src/functions';
import { saveScenario, resetScenarios } from '../../addin/src/scenarios';
import { serialToIso } from '../../addin/src/args';

const F = Functions as unknown as ExcelCalls<typeof Functions>;

const D = '2022-06-01';
const HEADER = ['claim_id', 'person_id', 'category', 'city', 'date', 'kind', 'hospital_level', 'total', 'compliant', 'basic_paid'];

afterEach(() => resetScenarios());

describe('spec section 9: Linyi dibao inpatient, total 60,000, compliant 50,000, basic_paid 30,000', () => {
  test('SETTLE spills one row: basic, critical, assistance, reassist, oop_compliant, oop_total', async () => {
    expect(await F.settle(50000, '低保', '临沂', 30000, 60000, D, null)).toEqual([[30000, 9100, 7630, 0, 3270, 13270]]);
  });

  test('SETTLE takes names and codes as users type them, and an Excel date serial', async () => {
    // 44713 is 2022-06-01 in Excel's 1900 date system (2022-01-01 = 44562, + 151 days).
    expect(await F.settle(50000, 'dibao', 371300, 30000, 60000, 44713, null)).toEqual([[30000, 9100, 7630, 0, 3270, 13270]]);
    expect(await F.settle('50000', 2, '临沂市', '30000', '60000', D, null)).toEqual([[30000, 9100, 7630, 0, 3270, 13270]]);
  });

  test('LEDGER settles the same claim from a range with its header row', async () => {
    const out = await F.ledger([HEADER, ['C1', 'P1', '低保', '临沂', D, '住院', '', 60000, 50000, 30000]], null);
    expect(out).toHaveLength(2);
    expect(out[1].slice(0, 7)).toEqual(['C1', 30000, 9100, 7630, 0, 3270, 13270]);
  });

  test('the tiers one by one', async () => {
    expect(await F.critical(20000, '低保', '临沂', D, null)).toBe(9100); // (20,000 − 6,000) × 65%
    expect(await F.assist(10900, '低保', '临沂', D, null)).toBe(7630); // 10,900 × 70%
    expect(await F.reassist(3270, '低保', '临沂', D, null)).toBe(0); // below the 5,000 threshold
  });

  test('EXPLAIN gives the steps in words with the clause cited', async () => {
    const lines = (await F.explain(50000, '低保', '临沂', 30000, D, null)).map((r) => r[0]);
    const text = lines.join('\n');
    expect(text).toContain('9,100.00');
    expect(text).toContain('7,630.00');
    expect(text).toContain('临医保发〔2022〕13号');
    expect(text).toContain('3,270.00');
  });
});

describe('tiers on their own', () => {
  test('caps: Linyi dibao assistance is capped at 10,000 and re-assistance at 20,000', async () => {
    expect(await F.assist(20000, '低保', '临沂', D, null)).toBe(10000); // 20,000 × 70% = 14,000 → cap 10,000
    expect(await F.reassist(15000, '低保', '临沂', D, null)).toBe(7000); // (15,000 − 5,000) × 70%
    expect(await F.reassist(40000, '低保', '临沂', D, null)).toBe(20000); // 24,500 → cap 20,000
  });

  test('ordinary residents: Linyi critical deductible 12,000 at 60%', async () => {
    expect(await F.critical(22000, '普通居民', '临沂', D, null)).toBe(6000); // (22,000 − 12,000) × 60%
    expect(await F.assist(5000, '普通居民', '临沂', D, null)).toBe(0); // ordinary residents get no assistance
  });

  test('Lu\'an: the MAMS numbers 5, 6, 7 are monitored (deductible 3,000, 60%)', async () => {
    expect(await F.assist(13000, 6, '六安', D, null)).toBe(6000); // (13,000 − 3,000) × 60%
  });

  test('amounts are rounded half-up to the fen', async () => {
    expect(await F.assist(100.005, '低保', '临沂', D, null)).toBe(70.01); // 100.01 × 70% = 70.007
  });
});

describe('LEDGER: several claims of one person, year-to-date', () => {
  // Linyi dibao, all with basic_paid given. By hand, in date order (A, B, C):
  //  A 03-01: oop1 10,000; critical (10,000−6,000)×65% = 2,600; oop2 7,400; assistance 7,400×70% = 5,180;
  //           oop3 2,220; Σoop3 2,220 < 5,000 → reassist 0; oop_total 20,000−10,000−2,600−5,180 = 2,220.
  //  B 05-01: Σoop1 25,000 → F 12,350, critical 9,750; oop2 5,250; Σoop2 12,650 → 8,855, assistance 3,675;
  //           oop3 1,575; Σoop3 3,795 → 0; oop_total 32,000−15,000−9,750−3,675 = 3,575.
  //  C 08-01: Σoop1 45,000 → F 25,350, critical 13,000; oop2 7,000; Σoop2 19,650 → 13,755 capped 10,000,
  //           assistance 1,145; oop3 5,855; Σoop3 9,650 → (9,650−5,000)×70% = 3,255; oop_compliant 2,600;
  //           oop_total 40,000−20,000−13,000−1,145−3,255 = 2,600.
  const range = [
    HEADER,
    ['C', 'P1', '低保', '临沂', '2022-08-01', '住院', '', 40000, 40000, 20000],
    ['X1', 'P2', '监测人口', '临沂', '2022-04-01', '住院', '', 1000, 1000, ''],
    ['A', 'P1', '低保', '临沂', '2022-03-01', '住院', '', 20000, 20000, 10000],
    ['', '', '', '', '', '', '', '', '', ''],
    ['Q', 'P2', '低保', '临沂', '2022-04-01', '住院', '', 60000, 50000, 30000],
    ['A', 'P1', '低保', '临沂', '2022-03-02', '住院', '', 1, 1, ''],
    ['B', 'P1', '低保', '临沂', '2022-05-01', '住院', '', 32000, 30000, 15000],
    ['N', 'P3', '低保', '临沂', '2022-05-01', '住院', '', 100, 200, ''],
  ];

  test('each output row is its input row: results in place, rejected rows explained in place', async () => {
    const out = await F.ledger(range, null);
    expect(out).toHaveLength(range.length);
    expect(out[0][0]).toBe('claim_id');
    expect(out[1].slice(0, 7)).toEqual(['C', 20000, 13000, 1145, 3255, 2600, 2600]);
    expect(out[2][0]).toBe('X1');
    expect(out[2].slice(1, 7)).toEqual(['', '', '', '', '', '']);
    expect(out[2][8]).toMatch(/^拒绝：临沂市没有“监测人口”/);
    expect(out[3].slice(0, 7)).toEqual(['A', 10000, 2600, 5180, 0, 2220, 2220]);
    expect(out[4].every((c) => c === '')).toBe(true);
    expect(out[5].slice(0, 7)).toEqual(['Q', 30000, 9100, 7630, 0, 3270, 13270]); // another person: section 9
    expect(out[6][0]).toBe('A');
    expect(out[6][8]).toContain('重复'); // the duplicate id is rejected, the first row stands
    expect(out[7].slice(0, 7)).toEqual(['B', 15000, 9750, 3675, 0, 1575, 3575]);
    expect(out[8][8]).toContain('合规费用 200.00 大于医疗总费用 100.00');
  });

  test('Excel dates and empty optional cells in the range', async () => {
    const out = await F.ledger([HEADER, ['S', 'P9', '低保', '临沂', 44713, '住院', null, 60000, 50000, 30000]], null);
    expect(out[1].slice(0, 7)).toEqual(['S', 30000, 9100, 7630, 0, 3270, 13270]);
  });

  test('a row with cells beyond the header is rejected, not shifted', async () => {
    const out = await F.ledger([[...HEADER, ''], ['W', 'P1', '低保', '临沂', D, '住院', '', 100, 100, '', 'extra']], null);
    expect(out[1][0]).toBe('W');
    expect(out[1][1]).toBe('');
    expect(out[1][8]).toContain('11 个字段');
  });

  test('a range without the required columns is #VALUE! naming them', async () => {
    const e = await excelErrorOf(() => F.ledger([['claim_id', 'total'], ['1', 5]], null));
    expect(e.code).toBe('#VALUE!');
    expect(e.message).toMatch(/^缺少必需的列：person_id/);
  });
});

describe('subsidy, warning, parameters, categories', () => {
  test('SUBSIDY: Linyi dibao 2022 (contribution 320: 150 assistance fund, 170 county, person 0)', async () => {
    expect(await F.subsidy('低保', '临沂', 2022, null, null)).toBe(320);
    expect(await F.subsidy('低保', '临沂', 2022, '医疗救助基金', null)).toBe(150);
    expect(await F.subsidy('低保', '临沂', 2022, 'county', null)).toBe(170);
    expect(await F.subsidy('低保', '临沂', 2022, '个人', null)).toBe(0);
  });

  test('SUBSIDY: Lu\'an dibao 80% of 320; Xixiu alleviated 140 in 2021', async () => {
    expect(await F.subsidy('低保', '六安', 2022, null, null)).toBe(256);
    expect(await F.subsidy('脱贫人口', '西秀', 2021, null, null)).toBe(140);
  });

  test('WARN: Xixiu low-income threshold 4,000, ordinary 10,000', async () => {
    expect(await F.warn(4500, '低保', '西秀', D)).toBe(true);
    expect(await F.warn(3999, '低保', '西秀', D)).toBe(false);
    expect(await F.warn(9000, '普通居民', '西秀', D)).toBe(false);
    expect(await F.warn(10001, '普通居民', '西秀', D)).toBe(true);
  });

  test('PARAM: value, status, source, effective date', async () => {
    const [row] = await F.param('临沂', 'assistance.dibao.rate', D, null);
    expect(row[0]).toBe(0.7);
    expect(row[1]).toBe('已公布 published');
    expect(String(row[2])).toContain('临医保发〔2022〕13号');
    expect(row[3]).toBe('2022-01-01');
    const [cap] = await F.param('临沂', 'critical.cap', D, null);
    expect(cap[0]).toBe(400000);
    expect(cap[1]).toBe('假设值 assumed');
  });

  test('PARAM after the transition (spec 10.2) and past the last year held (10.3): the status says lapsed or carried', async () => {
    // Linyi's 50% assistance of dibao_marginal is limited to the transition period (临医保发〔2022〕13号 四)
    const [inside] = await F.param('临沂', 'assistance.dibao_marginal.rate', '2025-06-30', null);
    expect(inside[0]).toBe(0.5);
    expect(inside[1]).toBe('已公布 published');
    const [after] = await F.param('临沂', 'assistance.dibao_marginal.rate', '2027-03-01', null);
    expect(after[1]).toMatch(/^已公布 published；.*过渡期已结束（假设 2025-12-31）/);
    // the contribution standard is held up to 2026: 2027 carries 2026's 400 forward
    const [carried] = await F.param('临沂', 'contribution.individual', '2027-03-01', null);
    expect(carried[0]).toBe(400);
    expect(carried[1]).toContain('2027 年未设定，沿用 2026 年 400 元（假设）');
  });

  test('CATEGORIES: a header, then what Linyi accepts (no monitored)', () => {
    const out = F.categories('临沂');
    const ids = out.slice(1).map((r) => r[0]);
    expect(ids).toContain('dibao');
    expect(ids).toContain('marginal_at_risk');
    expect(ids).not.toContain('monitored');
    const dibao = out.find((r) => r[0] === 'dibao')!;
    expect(dibao[1]).toBe('低保对象');
    expect(dibao[4]).toBe('2');
  });
});

describe('errors: #VALUE! or #N/A with the problem named in Chinese first', () => {
  const cases: [string, () => unknown, string, RegExp][] = [
    ['unknown city', () => F.assist(1000, '低保', '北京', D, null), '#N/A', /^未知城市“北京”；可选：.*临沂/],
    ['unknown category lists the valid ones', () => F.settle(1000, '贫困户', '临沂', null, null, D, null), '#N/A', /^未知类别“贫困户”；临沂市可选：.*低保对象\(dibao, 2\)/],
    ['Linyi has no "monitored"', () => F.assist(1000, '监测人口', '临沂', D, null), '#N/A', /^临沂市没有“监测人口”.*5.*6.*7/],
    ['a MAMS number Lu\'an does not use', () => F.assist(1000, 4, '六安', D, null), '#N/A', /^六安市不接受类别编号“4”/],
    ['bad date', () => F.assist(1000, '低保', '临沂', '2022-02-30', null), '#VALUE!', /^日期“2022-02-30”无效/],
    ['date serial that does not exist', () => F.assist(1000, '低保', '临沂', 60, null), '#VALUE!', /^日期序列号 60/],
    ['date before the first policy version', () => F.assist(1000, '低保', '临沂', '2020-01-01', null), '#VALUE!', /^[^(]*[\u4e00-\u9fff]/],
    ['negative amount', () => F.assist(-5, '低保', '临沂', D, null), '#VALUE!', /^金额 amount 不能为负数/],
    ['amount as text with a separator', () => F.assist('1,000', '低保', '临沂', D, null), '#VALUE!', /不是有效金额/],
    ['empty amount is not a zero', () => F.assist(null, '低保', '临沂', D, null), '#VALUE!', /^金额 amount 为空/],
    ['a boolean amount', () => F.critical(true, '低保', '临沂', D, null), '#VALUE!', /须为金额/],
    ['compliant > total', () => F.settle(50000, '低保', '临沂', null, 40000, D, null), '#VALUE!', /^合规费用 50000.00 大于医疗总费用 40000.00/],
    ['basic_paid > compliant', () => F.settle(50000, '低保', '临沂', 60000, null, D, null), '#VALUE!', /^基本医保支付 60000.00 大于合规费用 50000.00/],
    ['over 100,000,000', () => F.settle(200000000, '低保', '临沂', null, null, D, null), '#VALUE!', /超过上限/],
    ['empty city', () => F.assist(1000, '低保', null, D, null), '#N/A', /^城市为空/],
    ['unknown scenario', () => F.assist(1000, '低保', '临沂', D, '不存在'), '#N/A', /^未找到情景“不存在”/],
    ['unknown parameter', () => F.param('临沂', 'assistance.dibao.rat', D, null), '#N/A', /^临沂市没有参数“assistance\.dibao\.rat”/],
    ['no warning threshold in Linyi', () => F.warn(5000, '低保', '临沂', D), '#N/A', /^临沂市未公布预警线/],
    ['unknown fund', () => F.subsidy('低保', '临沂', 2022, '银行', null), '#VALUE!', /^资金“银行”无效；可选/],
    ['bad year', () => F.subsidy('低保', '临沂', 22.5, null, null), '#VALUE!', /^年度“22.5”须为四位整数/],
    ['LEDGER of a single cell', () => F.ledger('x' as never, null), '#VALUE!', /^claims 须为含表头的单元格区域/],
  ];
  test.each(cases)('%s', async (_name, call, code, message) => {
    const e = await excelErrorOf(call);
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
    expect(chineseFirst(e.message)).toBe(true);
  });

  test('the Excel error is the runtime\'s own CustomFunctions.Error', async () => {
    await expect(F.assist(-1, '低保', '临沂', D, null)).rejects.toBeInstanceOf(ShimError);
  });
});

describe('scenarios stored in the workbook', () => {
  test('a function taking a scenario name follows the scenario when it changes', async () => {
    await saveScenario({ name: '低保75', city: 'linyi', overrides: { 'assistance.dibao.rate': 0.75 } });
    expect(await F.assist(10900, '低保', '临沂', D, '低保75')).toBe(8175); // 10,900 × 75%
    // Section 9 under the scenario: assistance 8,175; oop_compliant 10,900 − 8,175 = 2,725; oop_total 12,725.
    expect(await F.settle(50000, '低保', '临沂', 30000, 60000, D, '低保75')).toEqual([[30000, 9100, 8175, 0, 2725, 12725]]);
    const [row] = await F.param('临沂', 'assistance.dibao.rate', D, '低保75');
    expect(row[0]).toBe(0.75);
    expect(row[1]).toBe('情景值 scenario“低保75”');
    await saveScenario({ name: '低保75', city: 'linyi', overrides: { 'assistance.dibao.rate': '0.8' } });
    expect(await F.assist(10900, '低保', '临沂', D, '低保75')).toBe(8720); // 10,900 × 80%
    expect(await F.assist(10900, '低保', '临沂', D, null)).toBe(7630); // no scenario: the pack
  });

  test('LEDGER and SUBSIDY take the scenario too', async () => {
    await saveScenario({ name: 's', city: 'linyi', overrides: { 'assistance.dibao.cap': 5000, 'subsidy.dibao.assistanceFund': 200 } });
    const out = await F.ledger([HEADER, ['C1', 'P1', '低保', '临沂', D, '住院', '', 60000, 50000, 30000]], 's');
    // Assistance capped at 5,000; oop3 10,900 − 5,000 = 5,900; reassist (5,900 − 5,000) × 70% = 630;
    // oop_compliant 5,270; oop_total 60,000 − 30,000 − 9,100 − 5,000 − 630 = 15,270.
    expect(out[1].slice(0, 7)).toEqual(['C1', 30000, 9100, 5000, 630, 5270, 15270]);
    expect(await F.subsidy('低保', '临沂', 2022, 'assistance', 's')).toBe(200);
  });

  test('a scenario the engine refuses is not saved', async () => {
    await expect(saveScenario({ name: 'bad', city: 'linyi', overrides: { 'assistance.dibao.rate': 1.5 } })).rejects.toThrow(/assistance\.dibao\.rate/);
    expect((await excelErrorOf(() => F.assist(1, '低保', '临沂', D, 'bad'))).code).toBe('#N/A');
  });
});

describe('Excel date serials', () => {
  test('the 1900 date system, with its phantom 1900-02-29', () => {
    expect(serialToIso(1)).toBe('1900-01-01');
    expect(serialToIso(59)).toBe('1900-02-28');
    expect(serialToIso(61)).toBe('1900-03-01');
    expect(serialToIso(44562)).toBe('2022-01-01');
    expect(serialToIso(44713.75)).toBe('2022-06-01');
  });
});
