// Totals per group from a ledger, and the what-if comparison, against figures worked by hand from
// the spec (section 2 pipeline, section 9 worked example, Linyi and Xixiu parameters).
import { defaultBook, csvLedgerRows, settleLedger, summarize, keepColumns, parseGroups, compareLedger, scenarioFrom, summaryTable, UNKNOWN_KEY, TOTAL_FIELDS, type LedgerRow } from '../../engine';

const book = defaultBook();
const HEADER = 'claim_id,person_id,category,city,date,kind,hospital_level,total,compliant,basic_paid,county';

// a: Linyi dibao, 100/100, no basic_paid: basic 70 (assumed 0 deductible, 70%), oop1 30 < tilt deductible 6,000 → critical 0;
//    assistance 0.7 × 30 = 21; oop_compliant 9; oop_total 100 − 70 − 21 = 9.
// b: spec section 9: basic 30,000, critical 9,100, assistance 7,630, reassist 0, oop_compliant 3,270, oop_total 13,270.
// c: Xixiu ordinary, 1,000/800: basic 560, oop1 240 < 10,897.50 → critical 0; ordinary has no assistance;
//    oop_compliant 240, oop_total 440.
// x: rejected (unknown category).
const LEDGER = `${HEADER}
a,p1,dibao,linyi,2023-05-01,inpatient,,100,100,,兰山区
b,p2,dibao,linyi,2023-06-01,inpatient,,60000,50000,30000,
c,p3,ordinary,xixiu,2023-06-15,inpatient,,1000,800,,
x,p4,nonsense,linyi,2023-06-15,inpatient,,1000,800,,
`;

function settle(text: string) {
  const kept = keepColumns(csvLedgerRows(text).rows, ['county', 'person_id']);
  const outcome = settleLedger(book, kept.rows);
  return { outcome, columns: kept.columns };
}

describe('summarize', () => {
  test('by month: hand-computed totals, rejected row not counted', () => {
    const { outcome } = settle(LEDGER);
    expect(outcome.summary.rejected).toBe(1);
    const s = summarize(outcome, ['month']);
    expect(s.rows.map((r) => r.key.month)).toEqual(['2023-05', '2023-06']);
    const [may, june] = s.rows;
    expect(may.claims).toBe(1);
    expect(may.totals.assistance.toFixed(2)).toBe('21.00');
    expect(may.totals.oop_total.toFixed(2)).toBe('9.00');
    expect(june.claims).toBe(2);
    expect(june.totals.total.toFixed(2)).toBe('61000.00');
    expect(june.totals.compliant.toFixed(2)).toBe('50800.00');
    expect(june.totals.basic.toFixed(2)).toBe('30560.00');
    expect(june.totals.critical.toFixed(2)).toBe('9100.00');
    expect(june.totals.assistance.toFixed(2)).toBe('7630.00');
    expect(june.totals.oop_compliant.toFixed(2)).toBe('3510.00');
    expect(june.totals.oop_total.toFixed(2)).toBe('13710.00');
  });

  test('county from the ledger column; a claim without one is (未知 unknown), never dropped', () => {
    const { outcome, columns } = settle(LEDGER);
    const s = summarize(outcome, parseGroups('county,city'), { columns });
    const keys = s.rows.map((r) => `${r.key.county}|${r.key.city}`);
    expect(keys).toEqual([`${UNKNOWN_KEY}|linyi`, `${UNKNOWN_KEY}|xixiu`, '兰山区|linyi']);
    expect(s.rows.reduce((n, r) => n + r.claims, 0)).toBe(3);
  });

  test('county from a roster when the ledger has none', () => {
    const { outcome, columns } = settle(LEDGER);
    const roster = { countyOf: (p: string, city: string) => (p === 'p2' && city === 'linyi' ? '河东区' : undefined) };
    const s = summarize(outcome, ['county'], { columns, roster });
    expect(s.rows.map((r) => [r.key.county, r.claims])).toEqual([[UNKNOWN_KEY, 1], ['兰山区', 1], ['河东区', 1]]);
    expect(s.rows[2].totals.assistance.toFixed(2)).toBe('7630.00');
  });

  test('group totals add up exactly to the ledger totals, for every grouping', () => {
    // A larger ledger with amounts in fen, so that the sums are exact to the fen.
    const lines = [HEADER];
    const cats = ['dibao', 'extremely_poor', 'dibao_marginal', 'ordinary'];
    for (let i = 0; i < 300; i++) {
      const total = 1000 + ((i * 7919) % 90000) + (i % 100) / 100;
      const compliant = (total * 0.8).toFixed(2);
      lines.push(`c${i},p${i % 40},${cats[i % 4]},linyi,2023-${String((i % 12) + 1).padStart(2, '0')}-10,inpatient,,${total.toFixed(2)},${compliant},,${i % 3 ? '兰山区' : ''}`);
    }
    const { outcome, columns } = settle(lines.join('\n') + '\n');
    expect(outcome.summary.settled).toBe(300);
    for (const groups of [['county'], ['category', 'month'], ['city', 'county', 'category', 'month', 'year', 'kind']] as const) {
      const s = summarize(outcome, [...groups], { columns });
      for (const f of TOTAL_FIELDS) {
        const sum = s.rows.reduce((acc, r) => acc.plus(r.totals[f]), outcome.summary.totals[f].minus(outcome.summary.totals[f]));
        expect(`${f} ${sum.toFixed(2)}`).toBe(`${f} ${outcome.summary.totals[f].toFixed(2)}`);
        expect(s.totals[f].eq(outcome.summary.totals[f])).toBe(true);
      }
      expect(s.rows.reduce((n, r) => n + r.claims, 0)).toBe(300);
      expect(s.rows.reduce((n, r) => n + r.warnings, 0)).toBe(outcome.summary.warnings);
    }
  });

  test('an unknown group name is refused with the valid ones', () => {
    expect(() => parseGroups('county,district')).toThrow(/district.*city, county, category, month, year, kind/);
  });

  test('table: header, rows, grand total', () => {
    const { outcome } = settle(LEDGER);
    const t = summaryTable(summarize(outcome, ['city']));
    expect(t[0]).toEqual(['city', 'claims', 'total', 'compliant', 'basic', 'critical', 'assistance', 'reassist', 'oop_compliant', 'oop_total', 'warnings']);
    expect(t[1]).toEqual(['linyi', '2', '60100.00', '50100.00', '30070.00', '9100.00', '7651.00', '0.00', '3279.00', '13279.00', '0']);
    expect(t[t.length - 1].slice(0, 2)).toEqual(['合计 total', '3']);
  });
});

describe('compareLedger', () => {
  const ROW_B = `${HEADER}\nb,p2,dibao,linyi,2023-06-01,inpatient,,60000,50000,30000,\n`;
  const s75 = scenarioFrom(book, { name: '临沂低保救助75%', city: 'linyi', overrides: { 'assistance.dibao.rate': 0.75 } });

  test('spec section 9 claim: assistance 7,630 at 70%, 8,175 at 75% (0.75 × 10,900), difference 545', () => {
    const rows = [...csvLedgerRows(ROW_B).rows] as LedgerRow[];
    const c = compareLedger(book, rows, [s75]);
    expect(c.baseline.summary.totals.assistance.toFixed(2)).toBe('7630.00');
    const s = c.scenarios[0];
    expect(s.summary.totals.assistance.toFixed(2)).toBe('8175.00');
    expect(s.diff.assistance.toFixed(2)).toBe('545.00');
    // oop3 = 10,900 − 8,175 = 2,725 < 5,000: no re-assistance; the person pays 545 less.
    expect(s.diff.reassist.toFixed(2)).toBe('0.00');
    expect(s.diff.oop_total.toFixed(2)).toBe('-545.00');
    expect(s.diff.basic.toFixed(2)).toBe('0.00');
    expect(s.violations).toEqual([]);
  });

  test('differences equal scenario minus baseline per tier and per group; other cities untouched', () => {
    const rows = () => csvLedgerRows(LEDGER).rows;
    const c = compareLedger(book, rows, [s75], { groups: ['city'] });
    const s = c.scenarios[0];
    for (const f of TOTAL_FIELDS) expect(s.diff[f].eq(s.summary.totals[f].minus(c.baseline.summary.totals[f]))).toBe(true);
    const linyi = s.groups!.find((g) => g.key.city === 'linyi')!;
    // a: 0.75 × 30 = 22.50 (+1.50); b: +545.
    expect(linyi.diff.assistance.toFixed(2)).toBe('546.50');
    const xixiu = s.groups!.find((g) => g.key.city === 'xixiu')!;
    for (const f of TOTAL_FIELDS) expect(xixiu.diff[f].isZero()).toBe(true);
  });

  test("a scenario below the national 70% floor is computed and its violation reported", () => {
    const low = scenarioFrom(book, { name: 'low', city: 'linyi', overrides: { 'assistance.dibao.rate': 0.6 } });
    const c = compareLedger(book, [...csvLedgerRows(ROW_B).rows], [low]);
    const s = c.scenarios[0];
    // 0.6 × 10,900 = 6,540: 1,090 less than at 70%.
    expect(s.summary.totals.assistance.toFixed(2)).toBe('6540.00');
    expect(s.diff.assistance.toFixed(2)).toBe('-1090.00');
    expect(s.violations.some((v) => v.category === 'dibao' && v.scenario === 'low' && v.rule === 'national.assistance.core_rate' && v.left === '0.6' && v.right === '0.7')).toBe(true);
  });
});
