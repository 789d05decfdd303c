// The enrolment-subsidy budget and the roster, against figures worked by hand from the spec:
// contribution standards of section 7 (assumed: 2021 280, 2023 350, 2024 380), Linyi's split of
// section 5 (150 from the assistance fund, the rest from county finance), Lu'an's rates of section 4,
// Xixiu's 140 of section 6, and Linyi's MAMS timing rule (section 5, from 2022-04-01).
import { defaultBook, budgetRoster, budgetJson, budgetTable, scenarioFrom, checkIdNumber, idCheckDigit, maskIdNumber, benefitWindow, readRoster } from '../../engine';

const book = defaultBook();
const H = 'person_id,id_number,city,county,category,included_on,exited_on';
const linyi = book.cities.get('linyi')!;
const luan = book.cities.get('luan')!;

describe('per-person split, by hand', () => {
  const one = (city: string, category: string, year: number) => {
    const o = budgetRoster(book, `${H}\nP1,,${city},,${category},,\n`, { year });
    expect(o.rows).toHaveLength(1);
    const r = budgetJson(o).rows[0];
    return [r.assistance_fund, r.county_finance, r.individual];
  };
  test('Linyi 2024 (contribution 380): dibao 150 / 230 / 0; extremely_poor 380 / 0 / 0; dibao_marginal 150 / 230 / 0', () => {
    expect(one('linyi', 'dibao', 2024)).toEqual(['150.00', '230.00', '0.00']);
    expect(one('linyi', '特困人员', 2024)).toEqual(['380.00', '0.00', '0.00']);
    expect(one('linyi', '3', 2024)).toEqual(['150.00', '230.00', '0.00']);
  });
  test('Linyi: ordinary and alleviated get no subsidy: the person pays all 380', () => {
    expect(one('linyi', 'ordinary', 2024)).toEqual(['0.00', '0.00', '380.00']);
  });
  test("Lu'an 2023 (350): dibao 350 × 0.80 = 280, individual 70; monitored 350 × 0.50 = 175 / 175; extremely_poor 350", () => {
    expect(one('luan', 'dibao', 2023)).toEqual(['280.00', '0.00', '70.00']);
    expect(one('luan', '5', 2023)).toEqual(['175.00', '0.00', '175.00']);
    expect(one('luan', 'extremely_poor', 2023)).toEqual(['350.00', '0.00', '0.00']);
  });
  test('Xixiu 2021 (280): alleviated 140 subsidy, 140 individual; extremely_poor 280', () => {
    expect(one('xixiu', 'alleviated', 2021)).toEqual(['140.00', '0.00', '140.00']);
    expect(one('xixiu', 'extremely_poor', 2021)).toEqual(['280.00', '0.00', '0.00']);
  });
});

// L1 twice (dibao, then ordinary), L5 in two categories of equal subsidy (dibao_marginal then dibao),
// L6 exited 2023-12-15 (benefits to 2023-12-31), L7 included 2023-12-31 (benefits from 2024-01-01),
// L8 included 2024-01-01 (benefits from 2024-02-01), three bad rows.
const ROSTER = `${H}
L1,11010519491231002X,linyi,兰山区,dibao,,
L2,,linyi,兰山区,dibao,,
L3,,linyi,兰山区,extremely_poor,,
L4,,linyi,河东区,2,,
L1,,linyi,兰山区,ordinary,,
L5,,linyi,河东区,dibao_marginal,,
L5,,linyi,河东区,dibao,,
L6,,linyi,河东区,dibao,2022-06-01,2023-12-15
L7,,linyi,河东区,dibao,2023-12-31,
L8,,linyi,河东区,dibao,2024-01-01,
B1,110105194912310021,linyi,兰山区,dibao,,
B2,,nowhere,兰山区,dibao,,
B3,,linyi,兰山区,dibao,2024-02-30,
B4,,linyi,兰山区,dibao
A1,,luan,金安区,dibao,,
`;

describe('a roster budget for 2024', () => {
  const o = budgetRoster(book, ROSTER, { year: 2024 });

  test('rows by city, county and category with hand-computed amounts (Lu\'an 2024: 380 × 0.80 = 304, 76)', () => {
    expect(budgetJson(o)).toEqual({
      year: 2024,
      // 河东区 dibao: L4, L5 (as dibao), L7 = 3 persons. Totals: 380 + 300 + 450 + 304 = 1,434; 460 + 690 = 1,150.
      totals: { persons: 7, assistance_fund: '1434.00', county_finance: '1150.00', individual: '76.00' },
      rows: [
        { city: 'linyi', county: '兰山区', category: 'extremely_poor', persons: 1, assistance_fund: '380.00', county_finance: '0.00', individual: '0.00' },
        { city: 'linyi', county: '兰山区', category: 'dibao', persons: 2, assistance_fund: '300.00', county_finance: '460.00', individual: '0.00' },
        { city: 'linyi', county: '河东区', category: 'dibao', persons: 3, assistance_fund: '450.00', county_finance: '690.00', individual: '0.00' },
        { city: 'luan', county: '金安区', category: 'dibao', persons: 1, assistance_fund: '304.00', county_finance: '0.00', individual: '76.00' },
      ],
    });
  });

  test('duplicates: counted once in the most favourable category, and reported by line (no person id)', () => {
    expect(o.duplicateRows).toBe(2);
    expect(o.duplicates).toEqual([
      // line 2 dibao (subsidy 380) beats line 6 ordinary (0)
      { kept_line: 2, dropped_line: 6, kept: { city: 'linyi', category: 'dibao' }, dropped: { city: 'linyi', category: 'ordinary' } },
      // equal subsidy (380): dibao comes before dibao_marginal in the fixed order
      { kept_line: 8, dropped_line: 7, kept: { city: 'linyi', category: 'dibao' }, dropped: { city: 'linyi', category: 'dibao_marginal' } },
    ]);
    expect(JSON.stringify(o.duplicates)).not.toMatch(/L1|L5/);
  });

  test('MAMS timing on the budget date 2024-01-01: exited 2023-12-15 out, included 2023-12-31 in, included 2024-01-01 out', () => {
    expect(o.notInForce).toBe(2); // L6 and L8
  });

  test('bad rows rejected with line numbers, nothing lost: read = persons + duplicates + not in force + rejected', () => {
    expect(o.rejections.map((r) => r.line)).toEqual([12, 13, 14, 15]);
    expect(o.rejections[0].reason.zh).toContain('110105********0021');
    expect(o.rejections[0].reason.zh).toContain('校验位');
    expect(JSON.stringify(o.rejections)).not.toContain('110105194912310021');
    expect(o.rejections[1].reason.en).toContain('unknown city');
    expect(o.rejections[3].reason.en).toContain('5 cells');
    expect(o.read).toBe(15);
    expect(o.persons + o.duplicateRows + o.notInForce + o.rejections.length).toBe(o.read);
  });

  test('table: grand total row', () => {
    const t = budgetTable(o);
    expect(t[0]).toEqual(['city', 'county', 'category', 'persons', 'assistance_fund', 'county_finance', 'individual']);
    expect(t[t.length - 1]).toEqual(['合计 total', '', '', '7', '1434.00', '1150.00', '76.00']);
  });
});

describe('scenarios beside the baseline', () => {
  test("Lu'an dibao subsidy 85% in 2023: 350 × 0.85 = 297.50 (+17.50 a person, −17.50 individual); in range, not flagged", () => {
    const s = scenarioFrom(book, { name: 'luan85', city: 'luan', overrides: { 'subsidy.dibao.rate': 0.85 } });
    const o = budgetRoster(book, `${H}\nA1,,luan,,dibao,,\nA2,,luan,,dibao,,\nL1,,linyi,,dibao,,\n`, { year: 2023, scenarios: [s] });
    const sc = o.scenarios[0];
    const luanRow = sc.rows.findIndex((r) => r.city === 'luan');
    expect(sc.rows[luanRow].assistance_fund.toFixed(2)).toBe('595.00');
    expect(sc.diff[luanRow].assistance_fund.toFixed(2)).toBe('35.00');
    expect(sc.diff[luanRow].individual.toFixed(2)).toBe('-35.00');
    // Linyi is untouched by a Lu'an scenario.
    const linyiRow = sc.rows.findIndex((r) => r.city === 'linyi');
    expect(sc.diff[linyiRow].assistance_fund.isZero()).toBe(true);
    expect(sc.totalsDiff.assistance_fund.toFixed(2)).toBe('35.00');
    expect(sc.violations.filter((v) => v.scenario)).toEqual([]);
    const t = budgetTable(o);
    expect(t[0].slice(7, 9)).toEqual(['luan85: assistance_fund', 'luan85: assistance_fund diff']);
  });

  test("Lu'an dibao subsidy 95% is computed and flagged (published range 80–90%)", () => {
    const s = scenarioFrom(book, { name: 'luan95', city: 'luan', overrides: { 'subsidy.dibao.rate': 0.95 } });
    const o = budgetRoster(book, `${H}\nA1,,luan,,dibao,,\n`, { year: 2023, scenarios: [s] });
    // 350 × 0.95 = 332.50
    expect(o.scenarios[0].totals.assistance_fund.toFixed(2)).toBe('332.50');
    expect(o.scenarios[0].violations.map((v) => v.rule)).toContain('luan.subsidy.dibao_range_high');
    expect(o.violations).toEqual([]);
  });
});

describe('ID numbers (GB 11643)', () => {
  test('the standard example 11010519491231002X is valid (weighted sum 167, 167 mod 11 = 2 → X) and kept masked only', () => {
    expect(idCheckDigit('11010519491231002')).toBe('X');
    expect(checkIdNumber('11010519491231002x')).toBe('110105********002X');
    expect(maskIdNumber('11010519491231002X')).toBe('110105********002X');
  });
  test('a wrong check digit, a wrong length and an impossible birth date are refused without showing the number', () => {
    expect(() => checkIdNumber('110105194912310021')).toThrow(/110105\*{8}0021.*校验位/);
    expect(() => checkIdNumber('110105194912310021')).not.toThrow(/19491231/);
    expect(() => checkIdNumber('11010519491231002')).toThrow(/18/);
    expect(() => checkIdNumber('110105194902300026')).toThrow(/出生日期/);
  });
  test('a number this program masked is read back as it is', () => {
    expect(checkIdNumber('110105********002X')).toBe('110105********002X');
  });
  test('the roster never keeps the unmasked number', () => {
    const r = readRoster(book, `${H}\nL1,11010519491231002X,linyi,,dibao,,\n`);
    expect(JSON.stringify(r)).not.toContain('11010519491231002X');
    expect(r.entries[0].id_masked).toBe('110105********002X');
  });
});

describe('benefit windows (spec section 5, eligibility.startsNextMonth)', () => {
  test('Linyi: added 2023-01-31 → from 2023-02-01; removed 2023-03-15 → through 2023-03-31', () => {
    expect(benefitWindow(book, linyi, '2023-01-31', '2023-03-15')).toEqual({ from: '2023-02-01', to: '2023-03-31' });
  });
  test('Linyi at year and leap-month ends: added 2023-12-31 → 2024-01-01; removed 2024-02-10 → 2024-02-29; removed 2023-02-01 → 2023-02-28', () => {
    expect(benefitWindow(book, linyi, '2023-12-31', '2024-02-10')).toEqual({ from: '2024-01-01', to: '2024-02-29' });
    expect(benefitWindow(book, linyi, undefined, '2023-02-01')).toEqual({ from: undefined, to: '2023-02-28' });
  });
  test('Linyi before the rule (2022-04-01) and cities without it: the change date itself', () => {
    expect(benefitWindow(book, linyi, '2022-03-10', '2022-03-31')).toEqual({ from: '2022-03-10', to: '2022-03-31' });
    expect(benefitWindow(book, linyi, '2022-03-31', '2022-04-01')).toEqual({ from: '2022-03-31', to: '2022-04-30' });
    expect(benefitWindow(book, luan, '2023-01-31', '2023-03-15')).toEqual({ from: '2023-01-31', to: '2023-03-15' });
  });
});
