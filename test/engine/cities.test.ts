// Each city's published parameters exercised below, at and above deductibles, band edges and caps,
// across several claims of one person and two calendar years. Every expected figure is worked out
// by hand from ../shared/spec/policy.md in the comment above it.
import { settleCsv, amounts, byId } from '../helpers';

describe('spec section 9: the Linyi worked example', () => {
  test('dibao inpatient, total 60,000, compliant 50,000, basic_paid 30,000', () => {
    const o = settleCsv('c1,p1,dibao,linyi,2023-05-01,inpatient,,60000,50000,30000');
    expect(o.rejections).toEqual([]);
    // oop1 20,000; critical (20,000 − 6,000) × 0.65 = 9,100; oop2 10,900; assistance 70% = 7,630;
    // oop3 3,270 < 5,000 so no re-assistance; oop_total = 60,000 − 30,000 − 9,100 − 7,630 = 13,270.
    expect(amounts(o.results[0])).toEqual({ basic: '30000.00', critical: '9100.00', assistance: '7630.00', reassist: '0.00', oop_compliant: '3270.00', oop_total: '13270.00' });
    expect(o.results[0].warning).toBeNull();
  });
});

describe('Linyi 临沂', () => {
  test('extremely_poor: 100% assistance to the 20,000 cap across three claims, then re-assistance above 5,000', () => {
    const o = settleCsv([
      // listed out of date order on purpose: the engine must sort a person's claims by date
      'c3,p1,特困人员,临沂市,2023-09-01,inpatient,,30000,30000,9000',
      'c1,p1,1,临沂,2023-03-01,inpatient,,30000,30000,9000',
      'c2,p1,extremely_poor,371300,2023-06-01,chronic_outpatient,,30000,30000,9000',
    ].join('\n'));
    const r = byId(o);
    // c1: oop1 21,000; critical (21,000 − 6,000) × 0.65 = 9,750; oop2 11,250 → assistance 11,250 (100%).
    expect(amounts(r.get('c1')!)).toEqual({ basic: '9000.00', critical: '9750.00', assistance: '11250.00', reassist: '0.00', oop_compliant: '0.00', oop_total: '0.00' });
    // c2: critical base 21,000 → 42,000: F = 36,000 × 0.65 = 23,400, pay 13,650; oop2 7,350;
    // assistance base 11,250 → 18,600, still under the cap: 7,350.
    expect(amounts(r.get('c2')!)).toEqual({ basic: '9000.00', critical: '13650.00', assistance: '7350.00', reassist: '0.00', oop_compliant: '0.00', oop_total: '0.00' });
    // c3: critical 42,000 → 63,000: F = 57,000 × 0.65 = 37,050, pay 13,650; oop2 7,350;
    // assistance 18,600 → 25,950 capped at 20,000: pay 1,400; oop3 5,950;
    // re-assistance (5,950 − 5,000) × 0.70 = 665; oop_compliant 5,285.
    expect(amounts(r.get('c3')!)).toEqual({ basic: '9000.00', critical: '13650.00', assistance: '1400.00', reassist: '665.00', oop_compliant: '5285.00', oop_total: '5285.00' });
    const assistStep = r.get('c3')!.steps.find((s) => s.tier === 'assistance')!;
    expect(assistStep.cap_reached).toBe(true);
    expect(assistStep.paid_ytd.toFixed(2)).toBe('20000.00');
    // Shandong's "no zero out-of-pocket" is reported on c1 and c2, not on c3.
    expect([...o.claimFindings.keys()].sort()).toEqual(['c1', 'c2']);
    expect(o.claimFindings.get('c1')![0].rule).toBe('shandong.no_zero_oop');
  });

  test('a new calendar year starts every base and cap again', () => {
    const o = settleCsv(['a,p1,extremely_poor,linyi,2023-12-31,inpatient,,21000,21000,', 'b,p1,extremely_poor,linyi,2024-01-01,inpatient,,21000,21000,'].join('\n'));
    // basic is computed: 0.70 × 21,000 = 14,700 each; oop1 6,300 → tilt deductible 6,000 → critical 300 × 0.65 = 195.
    for (const id of ['a', 'b']) expect(amounts(byId(o).get(id)!).critical).toBe('195.00');
  });

  test('ordinary critical-illness bands: at the 100,000 edge, one fen above it, and the 400,000 cap', () => {
    const o = settleCsv([
      'e1,p1,ordinary,linyi,2023-01-01,inpatient,,100000,100000,0.00',
      'e2,p2,ordinary,linyi,2023-01-01,inpatient,,100000.01,100000.01,0',
      'e3,p3,普通居民,linyi,2023-01-01,inpatient,,600000,600000,0',
      'e4,p4,ordinary,linyi,2023-01-01,inpatient,,12000,12000,0',
    ].join('\n'));
    const r = byId(o);
    // (100,000 − 12,000) × 0.60 = 52,800
    expect(amounts(r.get('e1')!).critical).toBe('52800.00');
    // 52,800 + 0.01 × 0.65 = 52,800.0065 → 52,800.01
    expect(amounts(r.get('e2')!).critical).toBe('52800.01');
    // 52,800 + 65,000 + 70,000 + 300,000 × 0.75 = 412,800 → capped at 400,000; ordinary residents get no assistance.
    expect(amounts(r.get('e3')!)).toMatchObject({ critical: '400000.00', assistance: '0.00', reassist: '0.00', oop_compliant: '200000.00' });
    expect(r.get('e3')!.steps.find((s) => s.tier === 'critical')!.cap_reached).toBe(true);
    // exactly at the deductible: nothing
    expect(amounts(r.get('e4')!).critical).toBe('0.00');
  });

  test('tilt group: no cap, every band +5 points', () => {
    const o = settleCsv('t1,p1,dibao,linyi,2023-01-01,inpatient,,600000,600000,0');
    // (100,000 − 6,000) × 0.65 + 100,000 × 0.70 + 100,000 × 0.75 + 300,000 × 0.80 = 446,100 (no cap)
    expect(amounts(o.results[0]).critical).toBe('446100.00');
  });

  test('special drugs: their own track, 80% to 400,000, no assistance', () => {
    const o = settleCsv([
      's1,p1,dibao,linyi,2023-01-01,special_drug,,300000,300000,0',
      's2,p1,dibao,linyi,2023-02-01,special_drug,,300000,300000,0',
      'i1,p1,dibao,linyi,2023-03-01,inpatient,,20000,20000,0',
    ].join('\n'));
    const r = byId(o);
    // s1: 0.80 × 300,000 = 240,000; s2: the track reaches 400,000 → 160,000; neither gets assistance.
    expect(amounts(r.get('s1')!)).toMatchObject({ critical: '240000.00', assistance: '0.00', reassist: '0.00', oop_compliant: '60000.00' });
    expect(amounts(r.get('s2')!)).toMatchObject({ critical: '160000.00', assistance: '0.00', oop_compliant: '140000.00' });
    // i1 starts the ordinary track from zero: oop1 20,000 → (20,000 − 6,000) × 0.65 = 9,100; assistance 0.70 × 10,900 = 7,630.
    expect(amounts(r.get('i1')!)).toMatchObject({ critical: '9100.00', assistance: '7630.00' });
  });

  test('marginal groups: assistance above 3,000 at 50%, re-assistance above 10,000 at 70%', () => {
    const o = settleCsv('m1,p1,低保边缘,linyi,2023-01-01,inpatient,,100000,100000,40000');
    // oop1 60,000; ordinary critical (60,000 − 12,000) × 0.60 = 28,800; oop2 31,200;
    // assistance (31,200 − 3,000) × 0.50 = 14,100 → cap 10,000; oop3 21,200;
    // re-assistance (21,200 − 10,000) × 0.70 = 7,840; oop_compliant 13,360.
    expect(amounts(o.results[0])).toMatchObject({ critical: '28800.00', assistance: '10000.00', reassist: '7840.00', oop_compliant: '13360.00' });
  });

  test('expenditure_hardship and sudden_hardship: assistance "to be formulated separately" is 0 with a note', () => {
    const o = settleCsv(['h1,p1,4,linyi,2023-01-01,inpatient,,50000,50000,30000', 'h2,p2,突发严重困难户,linyi,2023-01-01,inpatient,,50000,50000,30000'].join('\n'));
    for (const r of o.results) {
      expect(amounts(r)).toMatchObject({ critical: '4800.00', assistance: '0.00', reassist: '0.00' });
      expect(r.notes.map((n) => n.zh).join()).toContain('另行制定');
    }
  });

  test('alleviated (stable out of poverty) gets ordinary benefits only', () => {
    const o = settleCsv('a1,p1,脱贫人口,linyi,2023-01-01,inpatient,,50000,50000,30000');
    expect(amounts(o.results[0])).toMatchObject({ critical: '4800.00', assistance: '0.00', reassist: '0.00', oop_compliant: '15200.00' });
  });
});

describe("Lu'an 六安", () => {
  test('monitored (from MAMS 5): critical, assistance above 3,000 at 60%, re-assistance above 10,000 at 50%', () => {
    const o = settleCsv('l1,p1,5,六安,2023-01-01,inpatient,,250000,200000,100000');
    // oop1 100,000; critical (100,000 − 15,452) × 0.60 = 50,728.80; oop2 49,271.20;
    // assistance (49,271.20 − 3,000) × 0.60 = 27,762.72; oop3 21,508.48;
    // re-assistance (21,508.48 − 10,000) × 0.50 = 5,754.24; oop_compliant 15,754.24; oop_total + 50,000 = 65,754.24.
    expect(amounts(o.results[0])).toEqual({ basic: '100000.00', critical: '50728.80', assistance: '27762.72', reassist: '5754.24', oop_compliant: '15754.24', oop_total: '65754.24' });
    expect(o.results[0].category).toBe('monitored');
  });

  test('extremely_poor: tilt deductible 7,726 at 65%, assistance 90%', () => {
    const o = settleCsv('l2,p1,特困供养人员,luan,2023-01-01,inpatient,,100000,100000,40000');
    // oop1 60,000; critical (60,000 − 7,726) × 0.65 = 33,978.10; oop2 26,021.90;
    // assistance 0.90 × 26,021.90 = 23,419.71; oop3 2,602.19 (under 10,000: no re-assistance).
    expect(amounts(o.results[0])).toMatchObject({ critical: '33978.10', assistance: '23419.71', reassist: '0.00', oop_compliant: '2602.19' });
  });

  test('dibao at 75% across two claims on year-to-date bases', () => {
    const o = settleCsv(['d1,p1,dibao,luan,2023-01-01,inpatient,,60000,60000,', 'd2,p1,dibao,luan,2023-02-01,inpatient,,60000,60000,'].join('\n'));
    const r = byId(o);
    // d1 (basic computed 0.70): basic 42,000, oop1 18,000; critical (18,000 − 7,726) × 0.65 = 6,678.10;
    //   oop2 11,321.90; assistance 0.75 × 11,321.90 = 8,491.425 → 8,491.43; oop3 2,830.47.
    expect(amounts(r.get('d1')!)).toMatchObject({ basic: '42000.00', critical: '6678.10', assistance: '8491.43', reassist: '0.00' });
    // d2: basic base 60,000 → 120,000: 42,000; critical 18,000 → 36,000: F = 28,274 × 0.65 = 18,378.10, pay 11,700;
    //   oop2 6,300; assistance base 11,321.90 → 17,621.90: F = 13,216.425 → 13,216.43, pay 4,725.00;
    //   oop3 1,575; re-assistance base 2,830.47 → 4,405.47 < 10,000: 0.
    expect(amounts(r.get('d2')!)).toMatchObject({ basic: '42000.00', critical: '11700.00', assistance: '4725.00', reassist: '0.00' });
  });

  test('dibao assistance reaches its 50,000 cap; re-assistance above 10,000 at 50%', () => {
    const o = settleCsv('d3,p9,低保对象,luan,2023-01-01,inpatient,,200000,200000,0');
    // oop1 200,000; tilt critical (100,000 − 7,726) × 0.65 + 100,000 × 0.70 = 59,978.10 + 70,000 = 129,978.10;
    // oop2 70,021.90; 0.75 × 70,021.90 = 52,516.43 → cap 50,000; oop3 20,021.90;
    // re-assistance (20,021.90 − 10,000) × 0.50 = 5,010.95; oop_compliant 15,010.95.
    expect(amounts(o.results[0])).toMatchObject({ critical: '129978.10', assistance: '50000.00', reassist: '5010.95', oop_compliant: '15010.95' });
    expect(o.results[0].steps.find((s) => s.tier === 'assistance')!.cap_reached).toBe(true);
  });

  test('on_application: above 20,000 at 50%, cap 20,000, no re-assistance', () => {
    const o = settleCsv('o1,p1,依申请救助对象,luan,2023-01-01,inpatient,,200000,200000,100000');
    // oop1 100,000; critical 50,728.80 (ordinary); oop2 49,271.20; (49,271.20 − 20,000) × 0.5 = 14,635.60.
    expect(amounts(o.results[0])).toMatchObject({ critical: '50728.80', assistance: '14635.60', reassist: '0.00', oop_compliant: '34635.60' });
  });

  test('relapsed: assistance deductible 1,500 at 70%', () => {
    const o = settleCsv('r1,p1,返贫致贫人口,luan,2023-01-01,inpatient,,10000,10000,5000');
    // oop1 5,000 (under the tilt deductible 7,726: no critical); assistance (5,000 − 1,500) × 0.70 = 2,450.
    expect(amounts(o.results[0])).toMatchObject({ critical: '0.00', assistance: '2450.00', oop_compliant: '2550.00' });
  });
});

describe('Xixiu 西秀', () => {
  test('alleviated: tilt at half of 10,897.50, assistance 70%, low-income warning above 4,000', () => {
    const o = settleCsv('x1,p1,建档立卡脱贫人口,西秀区,2023-01-01,inpatient,,25000,20000,10000');
    // oop1 10,000; critical (10,000 − 5,448.75) × 0.65 = 2,958.3125 → 2,958.31; oop2 7,041.69;
    // assistance 0.70 × 7,041.69 = 4,929.183 → 4,929.18; no re-assistance in Xixiu;
    // oop_total 25,000 − 10,000 − 2,958.31 − 4,929.18 = 7,112.51 > 4,000 → warning.
    expect(amounts(o.results[0])).toEqual({ basic: '10000.00', critical: '2958.31', assistance: '4929.18', reassist: '0.00', oop_compliant: '2112.51', oop_total: '7112.51' });
    expect(o.results[0].warning).toBe(true);
  });

  test('warning thresholds: ordinary 10,000 and low-income 4,000, strictly above', () => {
    const o = settleCsv([
      'w1,p1,ordinary,xixiu,2023-01-01,inpatient,,10000,0,',
      'w2,p2,ordinary,xixiu,2023-01-01,inpatient,,10000.01,0,',
      'w3,p3,relapsed,xixiu,2023-01-01,inpatient,,4000,0,',
      'w4,p4,relapsed,xixiu,2023-01-01,inpatient,,4000.01,0,',
    ].join('\n'));
    expect(o.results.map((r) => r.warning)).toEqual([false, true, false, true]);
  });

  test('the marginal groups get ordinary benefits in Xixiu (relapsed: spec 10.1, test/engine/section10.test.ts)', () => {
    for (const cat of ['低保边缘', '边缘易致贫户']) {
      const o = settleCsv(`x2,p1,${cat},xixiu,2023-01-01,inpatient,,30000,30000,10000`);
      // oop1 20,000; ordinary critical (20,000 − 10,897.50) × 0.60 = 5,461.50; no assistance.
      expect(amounts(o.results[0])).toMatchObject({ critical: '5461.50', assistance: '0.00', oop_compliant: '14538.50' });
    }
  });

  test('a claim before 2021-08-03 is rejected: the city has no earlier policy', () => {
    const o = settleCsv('x3,p1,dibao,xixiu,2021-08-02,inpatient,,100,100,');
    expect(o.results).toEqual([]);
    expect(o.rejections[0].reason.zh).toContain('2021-08-03');
  });
});

describe('money: cumulative-difference rounding', () => {
  test('basic computed on the year base: 0.05 + 0.05 pays 0.04 then 0.03, the year total round2(0.07)', () => {
    const o = settleCsv(['a,p1,ordinary,linyi,2023-01-01,inpatient,,0.05,0.05,', 'b,p1,ordinary,linyi,2023-01-02,inpatient,,0.05,0.05,'].join('\n'));
    expect(o.results.map((r) => r.basic.toFixed(2))).toEqual(['0.04', '0.03']);
  });

  test('more than two decimals are rounded half-up on input', () => {
    const o = settleCsv('a,p1,ordinary,linyi,2023-01-01,inpatient,,100.005,100.004,');
    // compliant 100.00 → basic 70.00; total 100.01 → oop_total 30.01
    expect(amounts(o.results[0])).toMatchObject({ basic: '70.00', oop_total: '30.01' });
  });
});
